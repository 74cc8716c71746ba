"""Benchmark of the notification fan-out: prints its figures, asserts nothing.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/padmakara .venv/bin/python bench/notify.py [--scale 1|10]

It builds a throwaway PostgreSQL database (``bench_notify_<name>``, dropped at the end) next to
the one in DATABASE_URL, 100,000 listeners with one device each (``--scale 10``: 1,000,000;
the fan-out does not depend on the catalogue's size, only on the audience's), and measures:

1. one publish fanned out through a real Celery worker (``celery -A padmakara worker`` on
   Redis, ``BENCH_REDIS_URL``, default DB 7), local push backend: notifications per second,
   from the click to the event marked sent, and inside the worker alone; against a floor:
   the same notification rows (same columns, same audience, texts in each listener's
   language) written by one ``INSERT … SELECT`` in SQL, without batches, pushes or live events;
2. SQL statements per batch of NOTIFY_BATCH_SIZE users (insert, cursor, push claim, devices,
   push records, states), counted in-process over a members-only gathering of 10 batches.
"""

import argparse
import datetime
import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "padmakara.settings")

import django

django.setup()

from django.conf import settings  # noqa: E402
from django.db import connection  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

LISTENERS_PER_SCALE = 100_000
REDIS_URL = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/7")
MEMBERS = 10 * settings.NOTIFY_BATCH_SIZE


def _load() -> str:
    one, five, _ = os.getloadavg()
    return f"load {one:.2f}/{five:.2f} on {os.cpu_count()} cores"


def _listeners(count: int):
    from accounts.models import Device, GroupMembership, User
    from retreats.models import RetreatGroup

    users = (User(email=f"listener{n}@bench.local", language="pt" if n % 3 == 0 else "en") for n in range(count))
    User.objects.bulk_create(users, batch_size=5000)
    ids = list(User.objects.order_by("pk").values_list("pk", flat=True))
    Device.objects.bulk_create(
        (Device(user_id=pk, platform="ios" if pk % 2 else "android", push_token=f"tok-{pk}") for pk in ids),
        batch_size=5000,
    )
    group = RetreatGroup.objects.create(name="Bench group", slug="bench-group")
    GroupMembership.objects.bulk_create(
        (GroupMembership(user_id=pk, group=group) for pk in ids[:MEMBERS]), batch_size=5000
    )
    # Members-only gatherings also need a subscription of their plan (retreats.access.audience_q).
    User.objects.filter(pk__in=ids[:MEMBERS]).update(subscription_status="active", subscription_plan="premium")
    return group


def _gathering(n: int, **extra):
    from retreats.models import Retreat

    return Retreat.objects.create(
        name=f"Bench gathering {n}", name_pt=f"Encontro {n}", slug=f"bench-{n}", start_date=datetime.date(2026, 3, 1),
        end_date=datetime.date(2026, 3, 3), **extra,
    )  # fmt: skip


def _through_worker(group) -> float:
    from notifications.models import NotificationEvent
    from retreats.services import retreat_publish
    from tests.notifications.worker import broker, celery_worker

    retreat = _gathering(1, status="draft", audience_id="free-anyone")
    retreat.groups.set([group])  # a gathering in no group cannot be published
    with tempfile.TemporaryDirectory() as tmp:
        log = Path(tmp) / "worker.log"
        with celery_worker(REDIS_URL, log_path=log, concurrency=1, env={"PUSH_BACKEND": "notifications.push.LocalPushBackend"}), broker(REDIS_URL):  # fmt: skip
            started = time.perf_counter()
            retreat_publish(retreat=retreat)  # autocommit: the task goes to Redis at once
            while not NotificationEvent.objects.filter(retreat=retreat, state__in=["sent", "failed"]).exists():
                time.sleep(0.05)
            elapsed = time.perf_counter() - started
    event = NotificationEvent.objects.get(retreat=retreat)
    in_worker = (event.finished_at - event.started_at).total_seconds()
    print(f"fan-out through a real worker ({settings.NOTIFY_BATCH_SIZE} users a batch, local push backend):")
    print(f"  event state                  {event.state} after {event.attempts} attempt(s)")
    print(f"  notifications written        {event.notified_count:,}")
    print(f"  pushes recorded              {event.pushed_count:,}")
    print(f"  click to sent                {elapsed:,.1f} s  -> {event.notified_count / elapsed:,.0f} notifications/s")
    print(
        f"  inside the worker            {in_worker:,.1f} s  -> {event.notified_count / in_worker:,.0f} notifications/s"
    )
    print(f"  ({_load()})")
    return event.notified_count / in_worker


def _floor(worker_rate: float) -> None:
    """The same rows for the same audience in one statement: what writing them costs at least."""
    from notifications import texts
    from notifications.models import NotificationEvent

    event = NotificationEvent.objects.get()
    retreat = event.retreat
    rendered = {
        language: texts.render(event.kind, language, name_en=retreat.name, name_pt=retreat.name_pt, count=0)
        for language in ("en", "pt")
    }
    data = f'{{"type": "{event.kind}", "gatheringId": "{retreat.uuid}"}}'
    started = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute(
            """
            INSERT INTO accounts_notification
                (uuid, user_id, event_id, event_key, type, title, message, data, read, created_at, push_state)
            SELECT gen_random_uuid(), u.id, NULL, 'bench:floor', %s,
                   CASE u.language WHEN 'pt' THEN %s ELSE %s END, CASE u.language WHEN 'pt' THEN %s ELSE %s END,
                   %s::jsonb, false, now(), 'pending'
            FROM accounts_user u WHERE u.notifications_enabled
            ON CONFLICT DO NOTHING
            """,
            [event.kind, rendered["pt"][0], rendered["en"][0], rendered["pt"][1], rendered["en"][1], data],
        )
        written = cursor.rowcount
    elapsed = time.perf_counter() - started
    print("floor: the same rows in one INSERT … SELECT (no batches, no pushes, no live events):")
    print(f"  rows written                 {written:,}")
    print(f"  time                         {elapsed:,.1f} s  -> {written / elapsed:,.0f} rows/s")
    print(f"  worker / floor               {worker_rate / (written / elapsed):.3f}  ({_load()})")


def _queries_per_batch(group) -> None:
    from notifications import services
    from notifications.models import NotificationEvent

    retreat = _gathering(2, status="published", audience_id="retreat-group-members")
    retreat.groups.set([group])
    event = NotificationEvent.objects.create(key="bench:queries", kind="new_gathering", retreat=retreat)
    services.claim_event(event_id=event.pk)
    with CaptureQueriesContext(connection) as captured:
        result = services.fan_out(event_id=event.pk)
    queries = captured.captured_queries
    inserts = [i for i, q in enumerate(queries) if q["sql"].startswith('INSERT INTO "accounts_notification"')]
    # One batch: from one notification insert to the next (the users of the next batch are
    # read just before its insert, so shift by one).
    one = queries[inserts[1] - 1 : inserts[2] - 1]
    print(f"SQL statements per batch (members-only gathering, {MEMBERS:,} members, in-process):")
    print(f"  batches                      {result.batches}")
    print(f"  statements in all            {len(queries)} (incl. COMMITs)")
    print(f"  statements in one batch      {len(one)}:")
    for q in one:
        print(f"    {q['sql'][:90]}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scale", type=int, choices=(1, 10), default=1, help="listeners = 100,000 x scale")
    args = parser.parse_args()
    users = LISTENERS_PER_SCALE * args.scale
    if not settings.IS_POSTGRES:
        sys.exit("bench/notify.py needs PostgreSQL: set DATABASE_URL.")
    real_name = connection.settings_dict["NAME"]
    connection.settings_dict.setdefault("TEST", {})["NAME"] = f"bench_notify_{Path(str(real_name)).stem}"
    connection.creation.create_test_db(verbosity=0, autoclobber=True, keepdb=False)
    try:
        started = time.perf_counter()
        group = _listeners(users)
        print(
            f"notify bench, scale {args.scale}: {users:,} listeners with one device each,"
            f" made in {time.perf_counter() - started:.1f} s ({_load()})"
        )
        rate = _through_worker(group)
        _floor(rate)
        _queries_per_batch(group)
    finally:
        connection.creation.destroy_test_db(real_name, verbosity=0)


if __name__ == "__main__":
    main()
