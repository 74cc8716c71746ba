"""Benchmark of the progress API: prints its figures, asserts nothing.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/padmakara .venv/bin/python bench/progress.py

It builds a throwaway database (``bench_<name>``, dropped at the end) next to the one in
DATABASE_URL, and measures:

1. SQL statements per ``POST /progress/sync`` of 1, 100 and 500 events (the target: one small
   constant whatever the size);
2. events per second through the view (HTTP request → DRF → merge in SQL → JSON) against
   three floors fed the same rows, already converted, for other users, taking turns batch by
   batch so that all see the same machine load:
   - the view's own SQL called directly (``progress.services._insert_sessions`` and
     ``_upsert_progress``: the ``unnest()`` insert and the merge, in one transaction), which is
     the work the view cannot avoid;
   - ``COPY`` of the listening-session rows (the fastest way into the table; no merge);
   - ``executemany`` of the same rows (one INSERT per row, pipelined by psycopg);
   (target view / view's SQL >= 0.3);
3. the time of ``GET /progress/stats`` for a user with 5,000 listening sessions.

``--scale 1`` is the real archive's catalogue (193 gatherings, 20,800 tracks) with a listening
history of 200,000 sessions of 1,000 listeners already in the tables; ``--scale 10`` is ten
times each. Syncs go to 10 tracks spread over the catalogue.
"""

import argparse
import datetime
import os
import statistics
import sys
import time
import warnings
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "padmakara.settings")
os.environ.setdefault("REQUEST_LOG_LEVEL", "WARNING")  # one log line per request is not what is measured

import django

django.setup()

import orjson  # noqa: E402
from django.conf import settings  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.test.utils import CaptureQueriesContext, setup_test_environment  # noqa: E402
from rest_framework.test import APIClient  # noqa: E402

BATCH = 500
BATCHES = 20  # 10,000 events through the view
TRACKS = 10
ARCHIVE = {"gatherings": 193, "tracks": 20_800}
HISTORY_LISTENERS = 1_000  # x scale, each with HISTORY_SESSIONS listening sessions
HISTORY_SESSIONS = 200
STATS_SESSIONS = 5000
STATS_RUNS = 30


def _setup(scale: int):
    """The catalogue (all published, free), the listening history, and the bench's users;
    returns the 10 tracks the syncs go to (spread over the catalogue) and the users."""
    from accounts.models import User
    from progress.models import ListeningSession, TrackProgress
    from retreats.models import Retreat, Session, Track

    retreats = Retreat.objects.bulk_create(
        Retreat(
            name=f"Gathering {i}", slug=f"bench-{i}", start_date=datetime.date(2003 + i % 23, 3, 1),
            end_date=datetime.date(2003 + i % 23, 3, 3), status="published", audience_id="free-anyone",
            published_at=datetime.datetime.now(datetime.UTC),
        )
        for i in range(ARCHIVE["gatherings"] * scale)
    )  # fmt: skip
    sessions = Session.objects.bulk_create(
        Session(retreat=retreat, name=f"Day {n}", order=n) for retreat in retreats for n in range(1, 11)
    )
    count = ARCHIVE["tracks"] * scale
    Track.objects.bulk_create(
        (
            Track(
                session=sessions[i % len(sessions)],
                title=f"Talk {i}",
                order=i // len(sessions),
                duration=3600.0,
                languages=["en"],
                original_language="en",
            )
            for i in range(count)
        ),
        batch_size=5000,
    )
    track_ids = list(Track.objects.order_by("pk").values_list("pk", flat=True))
    listeners = User.objects.bulk_create(
        (User(email=f"listener{n}@bench.local") for n in range(HISTORY_LISTENERS * scale)), batch_size=5000
    )
    # The history: sessions and progress rows through COPY (the tables' indexes sized as in production).
    now = datetime.datetime.now(datetime.UTC)
    columns = "user_id, track_id, event_id, played_at, position, completed, start_time, end_time, seconds, device_info, created_at"
    with connection.cursor() as cursor:
        with cursor.cursor.copy(f"COPY progress_listeningsession ({columns}) FROM STDIN") as copy:
            for n, listener in enumerate(listeners):
                for k in range(HISTORY_SESSIONS):
                    played = now - datetime.timedelta(hours=5 * k + n % 5)
                    copy.write_row(
                        (listener.pk, track_ids[(n * 37 + k * 101) % count], f"h-{k}", played, 600.0, False,
                         played - datetime.timedelta(minutes=10), played, 600.0, '{"platform": "ios"}', now)
                    )  # fmt: skip
        progress_columns = "user_id, track_id, position, completed, last_played, created_at, updated_at"
        with cursor.cursor.copy(f"COPY progress_trackprogress ({progress_columns}) FROM STDIN") as copy:
            for n, listener in enumerate(listeners):
                for track_id in sorted({track_ids[(n * 37 + k * 101) % count] for k in range(HISTORY_SESSIONS)}):
                    copy.write_row((listener.pk, track_id, 600.0, False, now, now, now))
        cursor.execute("VACUUM ANALYZE")
    step = count // TRACKS
    tracks = list(Track.objects.filter(pk__in=track_ids[::step][:TRACKS]).order_by("pk"))
    users = {
        name: User.objects.create_user(email=f"{name}@bench.local")
        for name in ("view", "sql", "copy", "executemany", "stats", "count")
    }
    history = ListeningSession.objects.count(), TrackProgress.objects.count()
    print(
        f"catalogue {len(retreats):,} gatherings, {count:,} tracks; history {history[0]:,} sessions, {history[1]:,} progress rows"
    )
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


def throughput(tracks, users) -> None:
    """Each batch goes through the view, then the same rows through each floor for another
    user, turn by turn, so that all see the same machine load."""
    from progress import services
    from progress.models import ListeningSession

    client = _client(users["view"])
    start = datetime.datetime(2026, 2, 1, tzinfo=datetime.UTC)
    all_events = _events(tracks, BATCH * BATCHES, prefix="v", start=start)
    batches = [all_events[k : k + BATCH] for k in range(0, len(all_events), BATCH)]
    track_ids = {str(t.uuid): t.pk for t in tracks}
    columns = services._SESSION_COLUMNS
    insert = f"INSERT INTO progress_listeningsession ({', '.join(columns)}) VALUES ({', '.join(['%s'] * len(columns))})"
    copy_sql = f"COPY progress_listeningsession ({', '.join(columns)}) FROM STDIN"
    _post(client, _events(tracks, 10, prefix="warm", start=start))  # connection, caches, imports
    seconds = {"view": 0.0, "sql": 0.0, "copy": 0.0, "executemany": 0.0}

    def rows_for(user, batch) -> list[dict]:
        """The rows the view would write, already converted (no HTTP, no validation)."""
        now = datetime.datetime.now(datetime.UTC)
        rows = []
        for e in batch:
            played = datetime.datetime.fromisoformat(e["playedAt"])
            began_at = datetime.datetime.fromisoformat(e["sessionData"]["startTime"])
            rows.append(
                {"user_id": user.pk, "track_id": track_ids[e["trackId"]], "event_id": e["eventId"], "played_at": played,
                 "position": e["position"], "completed": False, "start_time": began_at, "end_time": played,
                 "seconds": (played - began_at).total_seconds(), "device_info": e["sessionData"]["deviceInfo"],
                 "created_at": now}
            )  # fmt: skip
        rows.sort(key=lambda row: row["event_id"])
        return rows

    for batch in batches:
        body = orjson.dumps({"events": batch})
        began = time.perf_counter()
        response = client.post("/api/v1/progress/sync", data=body, content_type="application/json")
        seconds["view"] += time.perf_counter() - began
        assert response.status_code == 200 and response.json()["applied"] == len(batch)

        # The view's own two statements, called directly in one transaction.
        rows = rows_for(users["sql"], batch)
        began = time.perf_counter()
        with transaction.atomic():
            new_ids = services._insert_sessions(connection, rows)
            services._upsert_progress(
                connection, services._fold([r for r in rows if r["event_id"] in new_ids], now=rows[0]["created_at"])
            )
        seconds["sql"] += time.perf_counter() - began
        assert len(new_ids) == len(batch)

        rows = rows_for(users["copy"], batch)
        began = time.perf_counter()
        with connection.cursor() as cursor, cursor.cursor.copy(copy_sql) as copy:
            for row in rows:
                copy.write_row([orjson.dumps(row[c]).decode() if c == "device_info" else row[c] for c in columns])
        seconds["copy"] += time.perf_counter() - began

        rows = rows_for(users["executemany"], batch)
        began = time.perf_counter()
        with connection.cursor() as cursor:
            cursor.executemany(
                insert,
                [[orjson.dumps(row[c]).decode() if c == "device_info" else row[c] for c in columns] for row in rows],
            )
        seconds["executemany"] += time.perf_counter() - began
    for name in seconds:
        stored = ListeningSession.objects.filter(user=users[name]).exclude(event_id__startswith="warm").count()
        assert stored == len(all_events), (name, stored)

    rates = {name: len(all_events) / value for name, value in seconds.items()}
    print(
        f"throughput, {BATCHES} syncs of {BATCH} events over {TRACKS} tracks (view and floors taking turns; {_load()}):"
    )
    print(f"  {'':34}{'events/s':>10}{'ms/500':>9}{'view / floor':>14}")
    for name, label in (
        ("view", "through the view"),
        ("sql", "floor: the view's SQL, directly"),
        ("copy", "floor: COPY (sessions only)"),
        ("executemany", "floor: executemany (sessions only)"),
    ):
        ratio = "" if name == "view" else f"{rates['view'] / rates[name]:>14.2f}"
        print(f"  {label:34}{rates[name]:>10,.0f}{seconds[name] * 1000 / BATCHES:>9.1f}{ratio}")


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


def _load() -> str:
    one, five, _ = os.getloadavg()
    return f"load {one:.2f}/{five:.2f} on {os.cpu_count()} cores"


def main() -> None:
    from padmakara.api.throttles import ProgressThrottle

    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scale", type=int, choices=(1, 10), default=1, help="1 = the real archive, 10 = ten times it")
    args = parser.parse_args()

    warnings.filterwarnings("ignore", message="No directory at", category=UserWarning)  # collectstatic not run
    setup_test_environment()
    ProgressThrottle.THROTTLE_RATES = {**ProgressThrottle.THROTTLE_RATES, "progress": "1000000/hour"}
    real_name = connection.settings_dict["NAME"]
    connection.settings_dict.setdefault("TEST", {})["NAME"] = f"bench_{Path(str(real_name)).stem}"
    connection.creation.create_test_db(verbosity=0, autoclobber=True, keepdb=False)
    try:
        print(
            f"progress bench, scale {args.scale}: database {connection.vendor} {connection.settings_dict['NAME']},"
            f" Python {sys.version.split()[0]}; {_load()}"
        )
        if not settings.IS_POSTGRES:
            print("  (not PostgreSQL: the figures that matter are PostgreSQL's; set DATABASE_URL)")
        tracks, users = _setup(args.scale)
        queries_per_sync(tracks, users["count"])
        throughput(tracks, users)
        stats_time(tracks, users["stats"])
    finally:
        connection.creation.destroy_test_db(real_name, verbosity=0)


if __name__ == "__main__":
    main()
