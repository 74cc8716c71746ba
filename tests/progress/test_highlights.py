import uuid

import pytest

from progress.models import Highlight
from tests.factories import make_transcript

CREATE, LIST = "/api/v1/progress/highlight", "/api/v1/progress/highlights"
pytestmark = pytest.mark.django_db


@pytest.fixture
def transcribed(track):
    make_transcript(track, pages=("one", "two", "three"))
    return track


def test_it_creates_a_highlight(user_api, user, transcribed):
    response = user_api.post(
        CREATE, {"trackId": str(transcribed.uuid), "page": 3, "text": "Bodhicitta", "color": "green"}, format="json"
    )

    assert response.status_code == 201
    body = response.json()["highlight"]
    highlight = Highlight.objects.get(user=user)
    assert body["id"] == str(highlight.uuid)
    assert (body["trackId"], body["page"], body["text"], body["color"], body["note"]) == (
        str(transcribed.uuid), 3, "Bodhicitta", "green", "",
    )  # fmt: skip


def test_it_defaults_the_colour_to_yellow(user_api, transcribed):
    body = user_api.post(CREATE, {"trackId": str(transcribed.uuid), "page": 1, "text": "x"}, format="json").json()

    assert body["highlight"]["color"] == "yellow"


@pytest.mark.parametrize(
    "change, field",
    [({"page": 4}, "page"), ({"page": 0}, "page"), ({"text": ""}, "text"), ({"text": "x" * 5001}, "text"),
     ({"note": "x" * 2001}, "note"), ({"color": "black"}, "color")],
)  # fmt: skip
def test_it_validates_a_highlight(user_api, transcribed, change, field):
    body = {"trackId": str(transcribed.uuid), "page": 1, "text": "x", **change}

    response = user_api.post(CREATE, body, format="json")

    assert response.status_code == 400
    assert field in response.json()["error"]["details"]
    assert not Highlight.objects.exists()


def test_it_refuses_a_highlight_on_a_track_without_transcript(user_api, track):
    response = user_api.post(CREATE, {"trackId": str(track.uuid), "page": 1, "text": "x"}, format="json")

    assert response.status_code == 400
    assert response.json()["error"]["details"] == {"page": ["This track has no transcript."]}


def test_it_answers_403_locked_for_a_track_the_user_may_not_play(user_api, locked_track):
    make_transcript(locked_track)

    response = user_api.post(CREATE, {"trackId": str(locked_track.uuid), "page": 1, "text": "x"}, format="json")

    assert (response.status_code, response.json()["error"]["code"]) == (403, "locked")


def test_it_answers_404_for_an_unknown_track(user_api):
    response = user_api.post(CREATE, {"trackId": str(uuid.uuid4()), "page": 1, "text": "x"}, format="json")

    assert response.status_code == 404


def test_it_lists_only_the_users_highlights(user_api, user, other_user, track, second_track):
    mine = Highlight.objects.create(user=user, track=track, page=1, text="a")
    Highlight.objects.create(user=user, track=second_track, page=1, text="b")
    Highlight.objects.create(user=other_user, track=track, page=1, text="c")

    every = user_api.get(LIST).json()
    one_track = user_api.get(LIST + "/", {"trackId": str(track.uuid)}).json()

    assert (every["totalCount"], every["hasMore"]) == (2, False)
    assert [h["id"] for h in one_track["highlights"]] == [str(mine.uuid)]


def test_it_deletes_a_highlight(user_api, user, track):
    highlight = Highlight.objects.create(user=user, track=track, page=1, text="a")

    response = user_api.delete(f"{CREATE}/{highlight.uuid}")

    assert (response.status_code, response.json()) == (200, {"message": "Highlight deleted."})
    assert not Highlight.objects.exists()


def test_it_answers_404_to_deleting_another_users_highlight(user_api, other_user, track):
    theirs = Highlight.objects.create(user=other_user, track=track, page=1, text="a")

    response = user_api.delete(f"{CREATE}/{theirs.uuid}")

    assert (response.status_code, response.json()["error"]["code"]) == (404, "not_found")
    assert Highlight.objects.filter(pk=theirs.pk).exists()
