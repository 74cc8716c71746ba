import datetime
import zoneinfo

import pytest
from django.utils import timezone

from progress import selectors
from progress.models import ListeningSession
from progress.shapes import ProgressStats

from .events import event

URL = "/api/v1/progress/stats"
pytestmark = pytest.mark.django_db


def stats(**kwargs):
    """The body of GET /progress/stats, from the selector's figures."""
    return ProgressStats.build(selectors.stats(**kwargs))


def _listen(user, track, when, seconds=60.0):
    from progress.services import progress_sync

    progress_sync(user=user, events=[event(track, at=when, position=10, seconds=seconds)], now=when)


def test_it_answers_the_totals_the_streak_and_30_days(user_api, user, track):
    now = timezone.now()
    for days_ago in (0, 1, 2, 4):
        _listen(user, track, now - datetime.timedelta(days=days_ago), seconds=600)

    body = user_api.get(URL).json()

    assert body["totalTracks"] == 1 and body["totalListeningTime"] == 2400.0
    assert body["currentStreakDays"] == 3
    assert len(body["listeningByDay"]) == 30
    assert body["listeningByDay"][-1] == {"date": now.date().isoformat(), "seconds": 600.0}
    assert body["listeningByDay"][-4]["seconds"] == 0
    assert sum(day["seconds"] for day in body["listeningByDay"]) == 2400.0


def test_it_keeps_a_streak_that_ended_yesterday(user, track):
    now = timezone.now()
    for days_ago in (1, 2):
        _listen(user, track, now - datetime.timedelta(days=days_ago))

    assert stats(user=user, now=now)["currentStreakDays"] == 2


def test_it_breaks_the_streak_after_a_day_without_listening(user, track):
    now = timezone.now()
    _listen(user, track, now - datetime.timedelta(days=2))

    assert stats(user=user, now=now)["currentStreakDays"] == 0


def test_it_counts_a_streak_longer_than_the_chart(user, track):
    now = timezone.now()
    for days_ago in range(45):
        _listen(user, track, now - datetime.timedelta(days=days_ago))

    figures = stats(user=user, now=now)

    assert figures["currentStreakDays"] == 45
    assert all(day["seconds"] == 60 for day in figures["listeningByDay"])


def test_it_counts_days_in_the_users_time_zone(user, track):
    # 23:30 in Lisbon summer time is 22:30 UTC; at 00:30 Lisbon (23:30 UTC) the user is on the next day.
    lisbon = zoneinfo.ZoneInfo("Europe/Lisbon")
    late_evening = datetime.datetime(2026, 7, 1, 23, 30, tzinfo=lisbon)
    after_midnight = datetime.datetime(2026, 7, 2, 0, 30, tzinfo=lisbon)
    _listen(user, track, late_evening)
    _listen(user, track, after_midnight)

    user.time_zone = "Europe/Lisbon"
    in_lisbon = stats(user=user, now=after_midnight)
    user.time_zone = "America/New_York"
    in_new_york = stats(user=user, now=after_midnight)

    assert [d["seconds"] for d in in_lisbon["listeningByDay"][-2:]] == [60, 60]
    assert in_lisbon["currentStreakDays"] == 2
    assert [d["seconds"] for d in in_new_york["listeningByDay"][-2:]] == [0, 120]
    assert in_new_york["currentStreakDays"] == 1


def test_it_falls_back_to_utc_for_an_unknown_time_zone(user, track):
    user.time_zone = "Mars/Olympus"
    now = timezone.now()
    _listen(user, track, now)

    assert stats(user=user, now=now)["currentStreakDays"] == 1


def test_it_costs_the_same_queries_for_10_and_1000_sessions(user_api, user, track, django_assert_num_queries):
    now = timezone.now()

    def sessions(count, start):
        ListeningSession.objects.bulk_create(
            ListeningSession(user=user, track=track, event_id=f"e{start + i}", played_at=now - datetime.timedelta(hours=i),
                             seconds=30, created_at=now)
            for i in range(count)
        )  # fmt: skip

    sessions(10, 0)
    with django_assert_num_queries(2):  # days (aggregated by the database), totals
        user_api.get(URL)
    sessions(990, 10)
    with django_assert_num_queries(2):
        assert user_api.get(URL).json()["totalListeningTime"] == 30000.0
