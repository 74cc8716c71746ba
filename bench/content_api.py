"""Benchmark of the content read API against a floor, on PostgreSQL.

    python bench/content_api.py [--requests 50] [--gatherings 50] [--grants 0]

Builds 50 gatherings x 8 sessions x 12 English tracks, each with a Portuguese translation
track (9,600 tracks) and an English transcript, in 5 retreat groups, inside a database of its
own (``bench_<name of DATABASE_URL>``, created and dropped here, so a developer's data is
never touched). Then, for each endpoint, prints the number of queries of one request, the
median and p95 time per request through Django's test client (DRF's APIClient with
force_authenticate), and the ratio to a floor measured in the same run: the same rows fetched
with one raw SQL query and dumped with ``json``. Target: every ratio <= 3.

The reader is a listener who hears translations (``contentLanguage`` en-pt), member of two
of the groups, so the access rule is evaluated as it is for real listeners. The gatherings
cycle through the six audiences; ``--grants N`` gives the reader N staff grants and N
attendances, spread over the gatherings (a realistic share: 50 grants among 2,000 gatherings).
"""

import argparse
import datetime
import json
import os
import statistics
import sys
import time
import warnings
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "padmakara.settings")
os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/padmakara_bench")
# The benchmark sends thousands of requests as one user: no rate limit may answer 429.
os.environ["THROTTLE_CONTENT"] = "100000000/hour"
# One log line per request would be measured too.
os.environ.setdefault("REQUEST_LOG_LEVEL", "WARNING")
# WhiteNoise warns when collectstatic has not run; static files are not measured here.
warnings.filterwarnings("ignore", message="No directory at")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.core.cache import cache  # noqa: E402
from django.db import connection  # noqa: E402
from django.test.utils import (  # noqa: E402
    CaptureQueriesContext,
    override_settings,
    setup_databases,
    setup_test_environment,
    teardown_databases,
    teardown_test_environment,
)
from rest_framework.test import APIClient  # noqa: E402

GROUPS = 5
SESSIONS = 8
TRACKS = 12


def build_catalogue(gatherings: int, grants: int = 0) -> dict:
    """Bulk-inserts the catalogue; returns what the requests need."""
    from accounts.models import GroupMembership, User
    from retreats.models import (
        Attendance,
        Audience,
        Retreat,
        RetreatGroup,
        Session,
        Tag,
        Teacher,
        Track,
        TrackSpeaker,
        Transcript,
    )

    teachers = Teacher.objects.bulk_create(
        Teacher(name=name, abbreviation=abbr)
        for name, abbr in [
            ("Jigme Khyentse Rinpoche", "JKR"),
            ("Khenpo Pema Sherab", "KPS"),
            ("Pema Wangyal Rinpoche", "PWR"),
        ]
    )
    tags = Tag.objects.bulk_create(Tag(name=f"Tag {i}", name_pt=f"Etiqueta {i}", slug=f"tag-{i}") for i in range(6))
    groups = RetreatGroup.objects.bulk_create(
        RetreatGroup(name=f"Series {i}", name_pt=f"Série {i}", slug=f"series-{i}", order=i, description="A series.")
        for i in range(GROUPS)
    )
    audiences = Audience.SLUGS
    now = datetime.datetime.now(datetime.UTC)
    retreats = Retreat.objects.bulk_create(
        Retreat(
            name=f"Gathering {i}",
            name_pt=f"Encontro {i}",
            description="Teachings and practice.",
            description_pt="Ensinamentos e prática.",
            slug=f"gathering-{i}",
            start_date=datetime.date(2003 + i // 2, 4 if i % 2 else 10, 10),
            end_date=datetime.date(2003 + i // 2, 4 if i % 2 else 10, 14),
            season="spring" if i % 2 else "fall",
            status="published",
            published_at=now,
            audience_id=audiences[i % len(audiences)],
        )
        for i in range(gatherings)
    )
    Retreat.groups.through.objects.bulk_create(
        Retreat.groups.through(retreat_id=r.id, retreatgroup_id=groups[i % GROUPS].id) for i, r in enumerate(retreats)
    )
    sessions = Session.objects.bulk_create(
        Session(
            retreat=r,
            name=f"Day {s // 2 + 1} {'morning' if s % 2 == 0 else 'afternoon'}",
            name_pt=f"Dia {s // 2 + 1} {'manhã' if s % 2 == 0 else 'tarde'}",
            type="morning" if s % 2 == 0 else "afternoon",
            date=r.start_date + datetime.timedelta(days=s // 2),
            order=s + 1,
        )
        for r in retreats
        for s in range(SESSIONS)
    )
    originals = Track.objects.bulk_create(
        Track(
            session=s,
            title=f"Teaching {n}",
            description="A talk.",
            order=(s.order - 1) * TRACKS + n,
            language="en",
            languages=["en"],
            original_language="en",
            duration=1800.0 + n,
            file_size=30_000_000,
            processing_status="ready",
        )
        for s in sessions
        for n in range(1, TRACKS + 1)
    )
    translations = Track.objects.bulk_create(
        Track(
            session=t.session,
            title=f"Ensinamento {t.order}",
            order=t.order,
            language="pt",
            languages=["pt"],
            original_language="en",
            original=t,
            duration=t.duration,
            processing_status="ready",
        )
        for t in originals
    )
    Transcript.objects.bulk_create(Transcript(track=t, language="en", page_count=12, status="ready") for t in originals)
    TrackSpeaker.objects.bulk_create(
        TrackSpeaker(track=t, teacher=teachers[i % 3], position=0) for i, t in enumerate([*originals, *translations])
    )
    Track.tags.through.objects.bulk_create(
        Track.tags.through(track_id=t.id, tag_id=tags[k].id)
        for i, t in enumerate(originals)
        for k in (i % 6, (i + 1) % 6)
    )
    user = User.objects.create_user(
        "bench@example.org", password=None, name="Bench", content_language="en-pt", language="pt"
    )
    GroupMembership.objects.bulk_create(GroupMembership(user=user, group=g) for g in groups[:2])
    step = max(1, len(retreats) // max(1, 2 * grants))
    spread = retreats[::step][: 2 * grants]
    Attendance.objects.bulk_create(
        Attendance(user=user, gathering=r, source="granted" if i % 2 else "attended") for i, r in enumerate(spread)
    )
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    return {
        "user": user,
        "group": groups[0],
        "track": translations[len(translations) // 2],
        "tracks": len(originals) + len(translations),
        "sessions": len(sessions),
    }


# --- Floors: the same rows, one raw query, dumped with json -----------------------------
# Each floor is written the way one would by hand for speed (counts through the session
# index, not a join over every track), so a slow plan in the API shows up in the ratio.

FLOOR_RETREATS = """
SELECT g.uuid, g.name, g.name_pt, g.description, g.description_pt, g.image,
       r.uuid AS retreat_uuid, r.name AS retreat_name, r.name_pt AS retreat_name_pt, r.season,
       r.start_date, r.end_date, r.audience_id,
       (SELECT count(*) FROM retreats_session s WHERE s.retreat_id = r.id) AS session_count,
       (SELECT sum((SELECT count(*) FROM retreats_track t WHERE t.session_id = s.id))
          FROM retreats_session s WHERE s.retreat_id = r.id) AS track_count
FROM retreats_retreatgroup g
JOIN retreats_retreat_groups rg ON rg.retreatgroup_id = g.id
JOIN retreats_retreat r ON r.id = rg.retreat_id
WHERE r.status = 'published'
ORDER BY g."order", g.name, r.start_date DESC, r.name
LIMIT 2000
"""

FLOOR_RETREAT = """
SELECT r.uuid AS retreat_uuid, r.name AS retreat_name, r.name_pt AS retreat_name_pt, r.description,
       r.description_pt, r.season, r.start_date, r.end_date,
       s.uuid AS session_uuid, s.name AS session_name, s.name_pt AS session_name_pt, s.type, s.date,
       t.uuid, t.title, t.duration, t."order", t.language, o.uuid AS original_uuid,
       EXISTS (SELECT 1 FROM retreats_transcript x WHERE x.track_id = t.id) AS has_transcript
FROM retreats_retreat_groups rg
JOIN retreats_retreat r ON r.id = rg.retreat_id
JOIN retreats_session s ON s.retreat_id = r.id
JOIN retreats_track t ON t.session_id = s.id
LEFT JOIN retreats_track o ON o.id = t.original_id
WHERE rg.retreatgroup_id = %s AND r.status = 'published'
ORDER BY r.start_date DESC, r.name, s."order", t."order", t.language
"""

FLOOR_TRACK = """
SELECT t.uuid, t.title, t.description, t.duration, t."order", t.language, t.file_size, o.uuid AS original_uuid,
       EXISTS (SELECT 1 FROM retreats_transcript x WHERE x.track_id = t.id) AS has_transcript,
       s.uuid AS session_uuid, s.name AS session_name, s.name_pt AS session_name_pt, s.date,
       r.uuid AS retreat_uuid, r.name AS retreat_name, r.name_pt AS retreat_name_pt, r.audience_id,
       (SELECT json_agg(json_build_array(sp.name, sp.abbreviation) ORDER BY ts.position)
          FROM retreats_trackspeaker ts JOIN retreats_teacher sp ON sp.id = ts.teacher_id
         WHERE ts.track_id = t.id) AS speakers,
       (SELECT json_agg(json_build_array(g.uuid, g.name, g.name_pt) ORDER BY g."order", g.name)
          FROM retreats_retreat_groups rg JOIN retreats_retreatgroup g ON g.id = rg.retreatgroup_id
         WHERE rg.retreat_id = r.id) AS groups,
       (SELECT json_agg(json_build_array(tg.name, tg.name_pt))
          FROM retreats_track_tags tt JOIN retreats_tag tg ON tg.id = tt.tag_id WHERE tt.track_id = t.id) AS tags
FROM retreats_track t
JOIN retreats_session s ON s.id = t.session_id
JOIN retreats_retreat r ON r.id = s.retreat_id
LEFT JOIN retreats_track o ON o.id = t.original_id
WHERE t.uuid = %s AND r.status = 'published'
"""


def floor(sql: str, params) -> bytes:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        columns = [c.name for c in cursor.description]
        rows = [dict(zip(columns, row, strict=True)) for row in cursor.fetchall()]
    return json.dumps(rows, default=str).encode()


# --- Measurement ------------------------------------------------------------------------


def timings(call, n: int) -> list[float]:
    for _ in range(3):  # warm-up: connections, caches, imports
        call()
    samples = []
    for _ in range(n):
        start = time.perf_counter()
        call()
        samples.append(time.perf_counter() - start)
    return samples


def p95(samples: list[float]) -> float:
    return statistics.quantiles(samples, n=20, method="inclusive")[18]


def measure(name: str, url: str, floor_sql: str, floor_params, client: APIClient, n: int) -> dict:
    def request():
        response = client.get(url)
        assert response.status_code == 200, (url, response.status_code, response.content[:300])
        return response

    body = request().content
    with CaptureQueriesContext(connection) as queries:
        request()
    query_count = len(queries)  # read now: the log is a bounded deque
    api = timings(request, n)
    floor_rows = floor(floor_sql, floor_params)
    base = timings(lambda: floor(floor_sql, floor_params), n)
    return {
        "endpoint": name,
        "queries": query_count,
        "bytes": len(body),
        "floor_bytes": len(floor_rows),
        "median_ms": statistics.median(api) * 1000,
        "p95_ms": p95(api) * 1000,
        "floor_median_ms": statistics.median(base) * 1000,
        "floor_p95_ms": p95(base) * 1000,
        "ratio": statistics.median(api) / statistics.median(base),
        "ratio_p95": p95(api) / p95(base),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=50, help="timed requests per endpoint (default 50)")
    parser.add_argument("--gatherings", type=int, default=50)
    parser.add_argument("--grants", type=int, default=0, help="grants (and as many attendances) of the reader")
    args = parser.parse_args()

    if not settings.IS_POSTGRES:
        print("bench/content_api.py needs PostgreSQL: set DATABASE_URL=postgres://...", file=sys.stderr)
        return 2
    db = settings.DATABASES["default"]
    db["TEST"] = {**db.get("TEST", {}), "NAME": f"bench_{db['NAME']}"}

    setup_test_environment(debug=False)
    old_config = setup_databases(verbosity=0, interactive=False)
    try:
        started = time.perf_counter()
        data = build_catalogue(args.gatherings, args.grants)
        built = time.perf_counter() - started
        cache.clear()
        client = APIClient()
        client.force_authenticate(data["user"])
        group, track = data["group"], data["track"]
        endpoints = [
            ("/content/retreats", "/api/v1/content/retreats", FLOOR_RETREATS, []),
            ("/content/retreat/{id}", f"/api/v1/content/retreat/{group.uuid}", FLOOR_RETREAT, [group.id]),
            ("/content/track/{id}", f"/api/v1/content/track/{track.uuid}", FLOOR_TRACK, [track.uuid]),
        ]
        results = []
        # Cold: every request loads and renders (the first reader after a catalogue change).
        # Warm: the rendered body is shared by readers with the same access (the steady state).
        for mode, seconds in (("cold", 0), ("warm", 300)):
            with override_settings(CONTENT_CACHE_SECONDS=seconds):
                cache.clear()
                for name, url, sql, params in endpoints:
                    results.append({"mode": mode, **measure(name, url, sql, params, client, args.requests)})
    finally:
        teardown_databases(old_config, verbosity=0)
        teardown_test_environment()

    print(
        f"Catalogue: {args.gatherings} gatherings in {GROUPS} groups, {data['sessions']} sessions, "
        f"{data['tracks']} tracks (en + pt translations), built in {built:.1f}s on PostgreSQL "
        f"{connection.pg_version // 10000}. Reader: en-pt listener, member of 2 groups, "
        f"{args.grants} grants and {args.grants} attendances. {args.requests} requests each."
    )
    print()
    header = f"{'mode':<6}{'endpoint':<24}{'queries':>8}{'bytes':>10}{'median ms':>11}{'p95 ms':>9}{'floor med':>11}{'floor p95':>11}{'ratio':>7}{'ratio p95':>11}"
    print(header)
    print("-" * len(header))
    for r in results:
        print(
            f"{r['mode']:<6}{r['endpoint']:<24}{r['queries']:>8}{r['bytes']:>10}{r['median_ms']:>11.2f}{r['p95_ms']:>9.2f}"
            f"{r['floor_median_ms']:>11.2f}{r['floor_p95_ms']:>11.2f}{r['ratio']:>7.2f}{r['ratio_p95']:>11.2f}"
        )
    print()
    for mode in ("cold", "warm"):
        worst = max(r["ratio"] for r in results if r["mode"] == mode)
        print(
            f"Target: every ratio <= 3. Worst median ratio, {mode}: {worst:.2f} ({'met' if worst <= 3 else 'NOT met'})."
        )
    worst = max(r["ratio"] for r in results)
    results_dir = ROOT / "bench" / "results"
    results_dir.mkdir(exist_ok=True)
    (results_dir / "content_api.json").write_text(json.dumps(results, indent=2))
    return 0 if worst <= 3 else 1


if __name__ == "__main__":
    sys.exit(main())
