import datetime

import pytest

from progress.models import ListeningSession, TrackProgress

from .events import event, iso, wire

URL = "/api/v1/progress/sync"
pytestmark = pytest.mark.django_db


def _events(track, now, n, *, start=0):
    return [
        event(
            track, at=now - datetime.timedelta(seconds=n - i), position=float(i), seconds=10, event_id=f"e-{start + i}"
        )
        for i in range(n)
    ]


def test_it_requires_a_token(api):
    response = api.post(URL, {"events": []}, format="json")

    assert response.status_code == 401
    assert response.json()["error"]["code"] == "not_authenticated"


def test_it_applies_an_offline_queue(user_api, user, track, second_track, now):
    events = [
        event(track, at=now - datetime.timedelta(minutes=30), position=100, seconds=100),
        event(track, at=now - datetime.timedelta(minutes=20), position=400, seconds=300),
        event(second_track, at=now - datetime.timedelta(minutes=10), position=50, seconds=50),
    ]

    response = user_api.post(URL, {"events": [wire(e) for e in events]}, format="json")

    assert response.status_code == 200
    body = response.json()
    assert (body["applied"], body["duplicates"], body["rejected"]) == (3, 0, [])
    assert sorted(body["progress"], key=lambda p: p["position"]) == [
        {
            "trackId": str(second_track.uuid),
            "position": 50.0,
            "completed": False,
            "lastPlayed": iso(events[2].played_at),
        },
        {"trackId": str(track.uuid), "position": 400.0, "completed": False, "lastPlayed": iso(events[1].played_at)},
    ]
    assert ListeningSession.objects.filter(user=user).count() == 3


def test_it_accepts_the_path_with_a_trailing_slash(user_api, track, now):
    response = user_api.post(URL + "/", {"events": [wire(event(track, at=now, position=1))]}, format="json")

    assert response.status_code == 200
    assert response.json()["applied"] == 1


def test_it_ignores_a_replayed_batch(user_api, user, track, now):
    batch = {"events": [wire(e) for e in _events(track, now, 5)]}
    first = user_api.post(URL, batch, format="json").json()
    before = list(TrackProgress.objects.filter(user=user).values())

    replay = user_api.post(URL, batch, format="json").json()

    assert (first["applied"], first["duplicates"]) == (5, 0)
    assert (replay["applied"], replay["duplicates"]) == (0, 5)
    assert replay["progress"] == first["progress"]
    assert list(TrackProgress.objects.filter(user=user).values()) == before  # not even updated_at moved
    assert ListeningSession.objects.filter(user=user).count() == 5


def test_it_counts_a_repeated_event_within_one_batch_as_a_duplicate(user_api, user, track, now):
    e = event(track, at=now, position=10, seconds=30)
    replayed_with_other_values = {**wire(e), "position": 999}

    body = user_api.post(URL, {"events": [wire(e), replayed_with_other_values]}, format="json").json()

    assert (body["applied"], body["duplicates"]) == (1, 1)
    assert body["progress"][0]["position"] == 10.0


def test_it_keeps_event_ids_apart_between_users(api, user, other_user, track, now):
    e = wire(event(track, at=now, position=10, event_id="shared-id"))
    for who in (user, other_user):
        api.force_authenticate(who)
        assert api.post(URL, {"events": [e]}, format="json").json()["applied"] == 1


def test_it_takes_500_events(user_api, user, track, now):
    body = user_api.post(URL, {"events": [wire(e) for e in _events(track, now, 500)]}, format="json").json()

    assert body["applied"] == 500
    assert body["progress"][0]["position"] == 499.0
    assert ListeningSession.objects.filter(user=user).count() == 500


def test_it_answers_400_to_501_events_and_stores_nothing(user_api, user, track, now):
    response = user_api.post(URL, {"events": [wire(e) for e in _events(track, now, 501)]}, format="json")

    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "validation_error"
    assert "events" in error["details"]
    assert not ListeningSession.objects.filter(user=user).exists()


@pytest.mark.parametrize(
    "change, field",
    [
        ({"position": -1}, "position"),
        ({"trackId": "not-a-uuid"}, "trackId"),
        ({"playedAt": "yesterday"}, "playedAt"),
        ({"eventId": ""}, "eventId"),
        ({"eventId": "x" * 65}, "eventId"),
        ({"sessionData": {"startTime": "2026-01-01T10:00:00Z", "endTime": "2026-01-01T09:00:00Z"}}, "sessionData"),
        ({"sessionData": {"startTime": "2026-01-01T10:00:00Z", "endTime": "2026-01-03T10:00:00Z"}}, "sessionData"),
        ({"sessionData": {"deviceInfo": {"model": "x" * 2100}}}, "deviceInfo"),
        ({"sessionData": {"deviceInfo": ["ios"]}}, "deviceInfo"),
    ],
)
def test_it_rejects_an_invalid_event_with_the_envelope(user_api, user, track, now, change, field):
    good = wire(event(track, at=now, position=1))
    bad = {**wire(event(track, at=now, position=1)), **change}

    response = user_api.post(URL, {"events": [good, bad]}, format="json")

    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "validation_error"
    assert field in str(error["details"])
    assert not ListeningSession.objects.filter(user=user).exists()


def test_it_rejects_a_body_without_events(user_api):
    response = user_api.post(URL, {"event": []}, format="json")

    assert response.status_code == 400
    assert "events" in response.json()["error"]["details"]


def test_it_answers_invalid_json_in_the_envelope(user_api):
    response = user_api.post(URL, data=b"{not json", content_type="application/json")

    assert response.status_code == 400
    assert response.json()["error"]["code"] == "invalid_json"


def test_it_leaves_out_events_on_locked_unknown_or_draft_tracks(user_api, user, track, locked_track, draft_track, now):
    import uuid

    good = event(track, at=now, position=5)
    locked = event(locked_track, at=now, position=5)
    draft = event(draft_track, at=now, position=5)
    unknown = {**wire(event(track, at=now, position=5)), "trackId": str(uuid.uuid4())}

    body = user_api.post(URL, {"events": [wire(good), wire(locked), wire(draft), unknown]}, format="json").json()

    assert (body["applied"], body["duplicates"]) == (1, 0)
    assert {(r["eventId"], r["code"]) for r in body["rejected"]} == {
        (locked.event_id, "locked"),
        (draft.event_id, "not_found"),
        (unknown["eventId"], "not_found"),
    }
    # A locked rejection says why, in the words of a 403 locked's details.reason; the others do not.
    by_event = {r["eventId"]: r for r in body["rejected"]}
    assert by_event[locked.event_id]["reason"] == "subscription_required"
    assert "reason" not in by_event[draft.event_id] and "reason" not in by_event[unknown["eventId"]]
    assert [p["trackId"] for p in body["progress"]] == [str(track.uuid)]
    assert set(ListeningSession.objects.filter(user=user).values_list("track_id", flat=True)) == {track.pk}


def test_it_clamps_a_far_future_played_at_to_now(user_api, user, track):
    far = datetime.datetime.now(datetime.UTC) + datetime.timedelta(days=30)
    user_api.post(URL, {"events": [wire(event(track, at=far, position=10))]}, format="json")

    stored = TrackProgress.objects.get(user=user, track=track).last_played
    assert stored < datetime.datetime.now(datetime.UTC) + datetime.timedelta(seconds=1)


@pytest.mark.parametrize("size", [1, 100, 500])
def test_it_costs_the_same_queries_for_1_100_and_500_events(
    user_api, track, second_track, now, size, django_assert_num_queries
):
    tracks = [track, second_track]
    events = [
        wire(event(tracks[i % 2], at=now - datetime.timedelta(seconds=i), position=float(i), seconds=5))
        for i in range(size)
    ]
    # access profile, tracks, savepoint, insert events, upsert progress, release savepoint, read back
    with django_assert_num_queries(7):
        assert user_api.post(URL, {"events": events}, format="json").json()["applied"] == size


def test_a_locked_rejection_gives_the_reason_of_progress_track(user_api, user, locked_track, now):
    from django.utils import timezone

    # A subscriber outside the gathering's group: membership_required (not the first step).
    user.subscription_status, user.subscription_plan = "active", "premium"
    user.subscription_expires_at = timezone.now() + datetime.timedelta(days=30)
    user.save()
    locked = wire(event(locked_track, at=now, position=5))

    rejected = user_api.post(URL, {"events": [locked]}, format="json").json()["rejected"]
    track_error = user_api.post("/api/v1/progress/track", locked, format="json").json()["error"]

    assert track_error["code"] == "locked"
    assert rejected == [
        {
            "eventId": locked["eventId"],
            "trackId": str(locked_track.uuid),
            "code": "locked",
            "reason": "membership_required",
        }
    ]
    assert rejected[0]["reason"] == track_error["details"]["reason"]


@pytest.mark.parametrize("size", [1, 50])
def test_locked_rejections_cost_the_same_queries_for_1_and_50_events(
    user_api, locked_track, now, size, django_assert_num_queries
):
    events = [
        wire(event(locked_track, at=now - datetime.timedelta(seconds=i), position=float(i), seconds=5))
        for i in range(size)
    ]
    # access profile, tracks (with each one's audience and plan: the reasons need no query)
    with django_assert_num_queries(2):
        rejected = user_api.post(URL, {"events": events}, format="json").json()["rejected"]
    assert [r["reason"] for r in rejected] == ["subscription_required"] * size


def test_it_answers_429_past_the_progress_rate(user_api, monkeypatch):
    from padmakara.api.throttles import ProgressThrottle

    monkeypatch.setattr(ProgressThrottle, "THROTTLE_RATES", {**ProgressThrottle.THROTTLE_RATES, "progress": "2/hour"})
    for _ in range(2):
        assert user_api.post(URL, {"events": []}, format="json").status_code == 200

    response = user_api.post(URL, {"events": []}, format="json")

    assert response.status_code == 429
    assert response.json()["error"]["code"] == "rate_limited"
    assert "Retry-After" in response


def test_it_rejects_an_event_with_a_played_at_out_of_range_and_applies_the_rest(user_api, user, track, now):
    good = wire(event(track, at=now, position=100, seconds=10))
    bad = {**wire(event(track, at=now, position=900)), "playedAt": "0001-01-01T00:00:00+14:00"}

    response = user_api.post(URL, {"events": [good, bad]}, format="json")

    assert response.status_code == 200
    body = response.json()
    assert body["applied"] == 1
    assert body["rejected"] == [{"eventId": bad["eventId"], "trackId": str(track.uuid), "code": "validation_error"}]
    assert TrackProgress.objects.get(user=user, track=track).position == 100


def test_it_rejects_an_event_with_a_session_time_out_of_range(user_api, user, track, now):
    bad = wire(event(track, at=now, position=100, seconds=10))
    bad["sessionData"].update(startTime="1990-01-01T00:00:00Z", endTime="1990-01-01T00:10:00Z")

    body = user_api.post(URL, {"events": [bad]}, format="json").json()

    assert (body["applied"], [r["code"] for r in body["rejected"]]) == (0, ["validation_error"])
    assert not ListeningSession.objects.filter(user=user).exists()
