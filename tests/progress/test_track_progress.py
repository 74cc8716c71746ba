import datetime
import uuid

import pytest

from progress.models import ListeningSession, TrackProgress

from .events import iso

URL = "/api/v1/progress/track"
pytestmark = pytest.mark.django_db


def _body(track, **extra):
    return {
        "trackId": str(track.uuid),
        "position": 120.5,
        "completed": False,
        "sessionData": {
            "startTime": "2026-01-15T10:00:00Z",
            "endTime": "2026-01-15T10:02:00Z",
            "deviceInfo": {"platform": "ios", "appVersion": "2.1"},
        },
        **extra,
    }


def test_it_saves_the_position(user_api, user, track):
    response = user_api.post(URL, _body(track, playedAt="2026-01-15T10:02:00Z"), format="json")

    assert response.status_code == 200
    assert response.json() == {
        "message": "Progress saved.",
        "progress": {
            "trackId": str(track.uuid),
            "position": 120.5,
            "completed": False,
            "lastPlayed": "2026-01-15T10:02:00Z",
        },
    }
    session = ListeningSession.objects.get(user=user)
    assert (session.seconds, session.device_info) == (120.0, {"platform": "ios", "app_version": "2.1"})


def test_it_takes_played_at_as_now_when_missing(user_api, user, track):
    before = datetime.datetime.now(datetime.UTC).replace(microsecond=0)

    last_played = user_api.post(URL, _body(track), format="json").json()["progress"]["lastPlayed"]

    assert last_played >= iso(before)


def test_it_counts_each_report_without_event_id_once(user_api, user, track):
    for _ in range(2):
        user_api.post(URL, _body(track), format="json")

    assert ListeningSession.objects.filter(user=user).count() == 2


def test_it_ignores_a_replayed_event_id(user_api, user, track):
    first = user_api.post(URL, _body(track, eventId="e1", playedAt="2026-01-15T10:02:00Z"), format="json").json()
    replay = user_api.post(
        URL, _body(track, eventId="e1", playedAt="2026-01-15T11:00:00Z", position=900), format="json"
    ).json()

    assert replay["progress"] == first["progress"]
    assert ListeningSession.objects.filter(user=user).count() == 1


def test_it_answers_403_locked_for_a_track_the_user_may_not_play(user_api, user, locked_track):
    response = user_api.post(URL, _body(locked_track), format="json")

    assert response.status_code == 403
    assert response.json()["error"]["code"] == "locked"
    assert not TrackProgress.objects.filter(user=user).exists()


@pytest.mark.parametrize("which", ["unknown", "draft"])
def test_it_answers_404_for_an_unknown_or_unpublished_track(user_api, user, draft_track, which):
    track_id = str(uuid.uuid4()) if which == "unknown" else str(draft_track.uuid)

    response = user_api.post(URL, {"trackId": track_id, "position": 1}, format="json")

    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"


def test_it_rejects_a_negative_position(user_api, track):
    response = user_api.post(URL, _body(track, position=-3), format="json")

    assert response.status_code == 400
    assert response.json()["error"]["details"] == {"position": ["Ensure this value is greater than or equal to 0."]}


def test_it_answers_405_to_get(user_api):
    response = user_api.get(URL)

    assert response.status_code == 405
    assert response.json()["error"]["code"] == "method_not_allowed"


def test_it_answers_an_empty_state_when_an_event_id_is_replayed_on_another_track(user_api, user, track, second_track):
    user_api.post(URL, _body(track, eventId="e1"), format="json")

    response = user_api.post(URL, _body(second_track, eventId="e1"), format="json")

    assert response.status_code == 200
    assert response.json()["progress"] == {
        "trackId": str(second_track.uuid), "position": 0.0, "completed": False, "lastPlayed": None,
    }  # fmt: skip
    assert not TrackProgress.objects.filter(user=user, track=second_track).exists()


@pytest.mark.parametrize(
    "played_at",
    ["2026-01-15T11:02:00+01:00", "2026-01-15T10:02:00Z", "2026-01-15T10:02:00", "2026-01-15T10:02:00.000Z"],
)
def test_it_reads_played_at_in_any_iso_form_as_utc(user_api, track, played_at):
    body = user_api.post(URL, _body(track, playedAt=played_at), format="json").json()

    assert body["progress"]["lastPlayed"] == "2026-01-15T10:02:00Z"


@pytest.mark.parametrize(
    "played_at", ["0001-01-01T00:00:00+14:00", "9999-12-31T23:59:59-14:00", "1999-12-31T23:59:59Z"]
)
def test_it_refuses_a_played_at_out_of_range(user_api, user, track, played_at):
    response = user_api.post(URL, {"trackId": str(track.uuid), "position": 10, "playedAt": played_at}, format="json")

    assert response.status_code == 400
    assert response.json()["error"]["code"] == "validation_error"
    assert "playedAt" in response.json()["error"]["details"]
    assert not TrackProgress.objects.filter(user=user).exists()


def test_it_counts_a_session_at_most_as_long_as_the_track(user_api, user, track):
    session = {"startTime": "2026-01-15T10:00:00Z", "endTime": "2026-01-16T10:00:00Z"}  # 24 hours, track 1000 s

    response = user_api.post(URL, {"trackId": str(track.uuid), "position": 10, "sessionData": session}, format="json")

    assert response.status_code == 200
    assert ListeningSession.objects.get(user=user).seconds == track.duration
