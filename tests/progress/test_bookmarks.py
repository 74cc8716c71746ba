import uuid

import pytest

from progress.models import Bookmark

from .events import iso

CREATE, LIST = "/api/v1/progress/bookmark", "/api/v1/progress/bookmarks"
pytestmark = pytest.mark.django_db


def test_it_creates_a_bookmark(user_api, user, track):
    response = user_api.post(CREATE, {"trackId": str(track.uuid), "position": 321.5, "note": "Refuge"}, format="json")

    assert response.status_code == 201
    bookmark = Bookmark.objects.get(user=user)
    assert response.json() == {
        "bookmark": {
            "id": str(bookmark.uuid),
            "trackId": str(track.uuid),
            "position": 321.5,
            "note": "Refuge",
            "createdAt": iso(bookmark.created_at.replace(microsecond=0)),
        }
    }


@pytest.mark.parametrize(
    "change, field",
    [({"position": 1000.5}, "position"), ({"position": -1}, "position"), ({"note": "x" * 2001}, "note"),
     ({"trackId": "nope"}, "trackId")],
)  # fmt: skip
def test_it_validates_a_bookmark(user_api, user, track, change, field):
    response = user_api.post(CREATE, {"trackId": str(track.uuid), "position": 10, **change}, format="json")

    assert response.status_code == 400
    assert field in response.json()["error"]["details"]
    assert not Bookmark.objects.exists()


def test_it_answers_403_locked_for_a_track_the_user_may_not_play(user_api, locked_track):
    response = user_api.post(CREATE, {"trackId": str(locked_track.uuid), "position": 1}, format="json")

    assert (response.status_code, response.json()["error"]["code"]) == (403, "locked")


@pytest.mark.parametrize("which", ["unknown", "draft"])
def test_it_answers_404_for_an_unknown_or_unpublished_track(user_api, draft_track, which):
    track_id = str(uuid.uuid4()) if which == "unknown" else str(draft_track.uuid)

    response = user_api.post(CREATE, {"trackId": track_id, "position": 1}, format="json")

    assert (response.status_code, response.json()["error"]["code"]) == (404, "not_found")


def test_it_lists_only_the_users_bookmarks_filtered_by_track(user_api, user, other_user, track, second_track):
    mine = Bookmark.objects.create(user=user, track=track, position=5)
    Bookmark.objects.create(user=user, track=second_track, position=6)
    Bookmark.objects.create(user=other_user, track=track, position=7)

    every = user_api.get(LIST).json()
    one_track = user_api.get(LIST, {"trackId": str(track.uuid)}).json()

    assert (every["totalCount"], every["hasMore"]) == (2, False)
    assert [b["id"] for b in one_track["bookmarks"]] == [str(mine.uuid)]


def test_it_paginates_bookmarks(user_api, user, track):
    for i in range(3):
        Bookmark.objects.create(user=user, track=track, position=i)

    page = user_api.get(LIST, {"limit": 2, "offset": 0}).json()

    assert (len(page["bookmarks"]), page["totalCount"], page["hasMore"]) == (2, 3, True)


def test_it_rejects_a_malformed_track_filter(user_api):
    response = user_api.get(LIST, {"trackId": "nope"})

    assert response.status_code == 400
    assert "trackId" in response.json()["error"]["details"]


def test_it_deletes_a_bookmark(user_api, user, track):
    bookmark = Bookmark.objects.create(user=user, track=track, position=5)

    response = user_api.delete(f"{CREATE}/{bookmark.uuid}")

    assert (response.status_code, response.json()) == (200, {"message": "Bookmark deleted."})
    assert not Bookmark.objects.exists()


def test_it_answers_404_to_deleting_another_users_bookmark(user_api, other_user, track):
    theirs = Bookmark.objects.create(user=other_user, track=track, position=5)

    response = user_api.delete(f"{CREATE}/{theirs.uuid}/")

    assert (response.status_code, response.json()["error"]["code"]) == (404, "not_found")
    assert Bookmark.objects.filter(pk=theirs.pk).exists()


def test_it_answers_404_to_deleting_an_unknown_bookmark(user_api):
    assert user_api.delete(f"{CREATE}/{uuid.uuid4()}").status_code == 404
