"""Benchmark of the progress API: prints its figures, asserts nothing.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/padmakara .venv/bin/python bench/progress.py

It builds a throwaway database (``bench_<name>``, dropped at the end) next to the one in
DATABASE_URL, and measures:

1. SQL statements per ``POST /progress/sync`` of 1, 100 and 500 events (the target: one small
   constant whatever the size);
2. events per second through the view (HTTP request → DRF → merge in SQL → JSON) against a
   floor: the same listening-session rows written by one ``executemany`` in the same run
   (target ratio >= 0.3);
3. the time of ``GET /progress/stats`` for a user with 5,000 listening sessions.
"""

import datetime
import os
import statistics
import sys
import time
import warnings
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "padmakara.settings")

import django

django.setup()

import orjson  # noqa: E402
from django.conf import settings  # noqa: E402
from django.db import connection  # noqa: E402
from django.test.utils import CaptureQueriesContext, setup_test_environment  # noqa: E402
from rest_framework.test import APIClient  # noqa: E402

BATCH = 500
BATCHES = 20  # 10,000 events through the view
TRACKS = 10
STATS_SESSIONS = 5000
STATS_RUNS = 30


def _setup():
    from accounts.models import User
    from retreats.models import Retreat, Session, Track

    retreat = Retreat.objects.create(
        name="Bench gathering", slug="bench", start_date=datetime.date(2024, 3, 1), end_date=datetime.date(2024, 3, 3),
        status="published", audience_id="free-anyone",
    )  # fmt: skip
    session = Session.objects.create(retreat=retreat, name="Day 1", order=1)
    tracks = [Track.objects.create(session=session, title=f"Talk {i}", order=i, duration=3600.0) for i in range(TRACKS)]
    users = {
        name: User.objects.create_user(email=f"{name}@bench.local") for name in ("view", "floor", "stats", "count")
    }
    return tracks, users


def _events(tracks, n: int, *, prefix: str, start: datetime.datetime) -> list[dict]:
    return [
        {
            "eventId": f"{prefix}-{i}",
            "trackId": str(tracks[i % len(tracks)].uuid),
            "position": float(i % 3500),
            "completed": False,
            "playedAt": (start + datetime.timedelta(seconds=i)).strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
            "sessionData": {
                "startTime": (start + datetime.timedelta(seconds=i - 30)).strftime("%Y-%m-%dT%H:%M:%SZ"),
                "endTime": (start + datetime.timedelta(seconds=i)).strftime("%Y-%m-%dT%H:%M:%SZ"),
                "deviceInfo": {"platform": "ios", "appVersion": "2.1.0"},
            },
        }
        for i in range(n)
    ]


def _client(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def _post(client, events) -> dict:
    response = client.post(
        "/api/v1/progress/sync", data=orjson.dumps({"events": events}), content_type="application/json"
    )
    assert response.status_code == 200, response.content[:500]
    return response.json()


def queries_per_sync(tracks, user) -> None:
    client = _client(user)
    start = datetime.datetime(2026, 1, 1, tzinfo=datetime.UTC)
    print("queries per /progress/sync (fresh events, 10 tracks):")
    for size in (1, 100, 500):
        events = _events(tracks, size, prefix=f"q{size}", start=start)
        with CaptureQueriesContext(connection) as ctx:
            body = _post(client, events)
        assert body["applied"] == size
        verbs = " ".join(query["sql"].split(None, 1)[0] for query in ctx.captured_queries)
        print(f"  {size:>3} events: {len(ctx.captured_queries)} queries ({verbs})")
    with CaptureQueriesContext(connection) as ctx:
        body = _post(client, _events(tracks, 500, prefix="q500", start=start))
    print(f"  500 replayed: {len(ctx.captured_queries)} queries (duplicates={body['duplicates']})")


def throughput(tracks, view_user, floor_user) -> None:
    """Each batch goes through the view, then the same rows through one executemany for another
    user, turn by turn, so that both see the same machine load."""
    from progress.models import ListeningSession

    client = _client(view_user)
    start = datetime.datetime(2026, 2, 1, tzinfo=datetime.UTC)
    all_events = _events(tracks, BATCH * BATCHES, prefix="v", start=start)
    batches = [all_events[k : k + BATCH] for k in range(0, len(all_events), BATCH)]
    track_ids = {str(t.uuid): t.pk for t in tracks}
    columns = "user_id, track_id, event_id, played_at, position, completed, start_time, end_time, seconds, device_info, created_at"
    sql = f"INSERT INTO progress_listeningsession ({columns}) VALUES ({', '.join(['%s'] * 11)})"
    _post(client, _events(tracks, 10, prefix="warm", start=start))  # connection, caches, imports
    view_seconds = floor_seconds = 0.0
    for batch in batches:
        body = orjson.dumps({"events": batch})
        began = time.perf_counter()
        response = client.post("/api/v1/progress/sync", data=body, content_type="application/json")
        view_seconds += time.perf_counter() - began
        assert response.status_code == 200 and response.json()["applied"] == len(batch)

        # The floor: the same rows, already converted, in one executemany (no HTTP, no validation, no merge).
        now = datetime.datetime.now(datetime.UTC)
        rows = []
        for e in batch:
            played = datetime.datetime.fromisoformat(e["playedAt"])
            began_at = datetime.datetime.fromisoformat(e["sessionData"]["startTime"])
            rows.append(
                (floor_user.pk, track_ids[e["trackId"]], e["eventId"], played, e["position"], False, began_at, played,
                 (played - began_at).total_seconds(), orjson.dumps(e["sessionData"]["deviceInfo"]).decode(), now)
            )  # fmt: skip
        with connection.cursor() as cursor:
            began = time.perf_counter()
            cursor.executemany(sql, rows)
            floor_seconds += time.perf_counter() - began
    assert ListeningSession.objects.filter(user=view_user, event_id__startswith="v-").count() == len(all_events)
    assert ListeningSession.objects.filter(user=floor_user).count() == len(all_events)

    view_rate, floor_rate = len(all_events) / view_seconds, len(all_events) / floor_seconds
    print(f"throughput, {BATCHES} syncs of {BATCH} events over {TRACKS} tracks (view and floor taking turns):")
    print(
        f"  through the view:  {view_rate:>9,.0f} events/s ({view_seconds * 1000 / BATCHES:.1f} ms per sync of {BATCH})"
    )
    print(
        f"  executemany floor: {floor_rate:>9,.0f} events/s ({floor_seconds * 1000 / BATCHES:.1f} ms per {BATCH} rows)"
    )
    print(f"  ratio view/floor:  {view_rate / floor_rate:.2f}")


def stats_time(tracks, user) -> None:
    from progress.models import ListeningSession, TrackProgress

    now = datetime.datetime.now(datetime.UTC)
    # 5,000 sessions over the last ~2 years, a few a day, each 20 minutes.
    ListeningSession.objects.bulk_create(
        ListeningSession(
            user=user, track=tracks[i % TRACKS], event_id=f"s-{i}", played_at=now - datetime.timedelta(hours=3.5 * i),
            position=600, start_time=now - datetime.timedelta(hours=3.5 * i, minutes=20),
            end_time=now - datetime.timedelta(hours=3.5 * i), seconds=1200, created_at=now,
        )
        for i in range(STATS_SESSIONS)
    )  # fmt: skip
    TrackProgress.objects.bulk_create(
        TrackProgress(user=user, track=t, position=600, last_played=now, created_at=now, updated_at=now) for t in tracks
    )
    client = _client(user)
    client.get("/api/v1/progress/stats")
    timings = []
    for _ in range(STATS_RUNS):
        began = time.perf_counter()
        response = client.get("/api/v1/progress/stats")
        timings.append((time.perf_counter() - began) * 1000)
        assert response.status_code == 200
    body = response.json()
    with CaptureQueriesContext(connection) as ctx:
        client.get("/api/v1/progress/stats")
    print(f"/progress/stats, user with {STATS_SESSIONS:,} listening sessions ({STATS_RUNS} runs):")
    print(f"  median {statistics.median(timings):.1f} ms, p95 {sorted(timings)[int(0.95 * len(timings)) - 1]:.1f} ms, "
          f"{len(ctx.captured_queries)} queries; streak {body['currentStreakDays']} days, "
          f"total {body['totalListeningTime'] / 3600:,.0f} h")  # fmt: skip


def main() -> None:
    from padmakara.api.throttles import ProgressThrottle

    warnings.filterwarnings("ignore", message="No directory at", category=UserWarning)  # collectstatic not run
    setup_test_environment()
    ProgressThrottle.THROTTLE_RATES = {**ProgressThrottle.THROTTLE_RATES, "progress": "1000000/hour"}
    real_name = connection.settings_dict["NAME"]
    connection.settings_dict.setdefault("TEST", {})["NAME"] = f"bench_{Path(str(real_name)).stem}"
    connection.creation.create_test_db(verbosity=0, autoclobber=True, keepdb=False)
    try:
        print(f"database: {connection.vendor} {connection.settings_dict['NAME']}, Python {sys.version.split()[0]}")
        if not settings.IS_POSTGRES:
            print("  (not PostgreSQL: the figures that matter are PostgreSQL's; set DATABASE_URL)")
        tracks, users = _setup()
        queries_per_sync(tracks, users["count"])
        throughput(tracks, users["view"], users["floor"])
        stats_time(tracks, users["stats"])
    finally:
        connection.creation.destroy_test_db(real_name, verbosity=0)


if __name__ == "__main__":
    main()
