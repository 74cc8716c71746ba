"""Benchmark of the mobile app's hottest calls (docs/compat-api.md) against a raw-SQL floor and
their API v1 equivalents, in the same run, on PostgreSQL.

    python bench/compat.py [--scale 1|10] [--requests 20]

``--scale 1`` builds 200 gatherings x 5 sessions x 10 English tracks, each with a Portuguese
translation (20,000 tracks); ``--scale 10`` 2,000 gatherings and 200,000 tracks (10x the real
archive). The catalogue is bench/content_api.py's, in a database of its own
(``bench_<name of DATABASE_URL>``, created and dropped here). The reader is an en-pt subscriber
in two of the five groups, with a bearer token (the app's way), so authentication is measured
too. For each call: queries of one request, median and p95 per request through Django's test
client, the same rows fetched by one raw SQL query and dumped with ``json`` (the floor), and
the v1 equivalent measured the same way (v1's rendered-body cache off, as the app's calls have
none). Targets: within 2x of v1, and the same number of queries at both scales.

    /events          <-> GET /api/v1/content/retreats?limit=100 (every group with its gatherings)
    /events/{id}     <-> GET /api/v1/content/gathering/{uuid}
    /sync/versions   <-> GET /api/v1/user/access (the cheapest per-user read of v1)

Measured 2026-12-02, PostgreSQL 15, 2 cores shared with other work (load average about 10):

    scale  endpoint        queries (v1)  median ms   v1 ms   floor ms   vs v1
    1      /events           5 (3)          29.6      82.4      6.8     0.36
    1      /events/{id}      9 (5)          47.0      44.3      4.0     1.06
    1      /sync/versions    2 (2)           4.6       5.7      0.15    0.81
    10     /events           5 (3)          45.6    3012.2     71.0     0.02
    10     /events/{id}      9 (5)          57.8      52.0      6.9     1.11
    10     /sync/versions    2 (2)           6.2      11.3      0.26    0.55

(scale 1: 20 requests each, 40 KB for /events; scale 10: 10 requests each, 407 KB for the
reader's 1,333 events. The lists leave sessions and tracks to /events/{id}, so /events costs
the same five queries at both scales, and beats its floor at scale 10, whose per-event
subqueries this bench writes naively.)
"""

import argparse
import json
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import content_api as base
from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.test import RequestFactory
from django.test.utils import (
    CaptureQueriesContext,
    override_settings,
    setup_databases,
    setup_test_environment,
    teardown_databases,
    teardown_test_environment,
)
from rest_framework.test import APIClient

FLOOR_EVENTS = """
SELECT r.id, r.name, r.name_pt, r.description, r.description_pt, r.start_date, r.end_date, r.status,
       r.audience_id, r.created_at, r.updated_at,
       (SELECT json_agg(json_build_array(t.id, t.name, t.abbreviation))
          FROM retreats_retreat_teachers rt JOIN retreats_teacher t ON t.id = rt.teacher_id WHERE rt.retreat_id = r.id) AS teachers,
       (SELECT json_agg(json_build_array(p.id, p.name, p.abbreviation, p.location))
          FROM retreats_retreat_places rp JOIN retreats_place p ON p.id = rp.place_id WHERE rp.retreat_id = r.id) AS places,
       (SELECT json_agg(json_build_array(g.id, g.name, g.name_pt, g.slug))
          FROM retreats_retreat_groups rg JOIN retreats_retreatgroup g ON g.id = rg.retreatgroup_id WHERE rg.retreat_id = r.id) AS groups
FROM retreats_retreat r
WHERE r.status = 'published' AND (
    r.audience_id = 'free-anyone'
    OR r.audience_id = 'free-subscribers'
    OR (r.audience_id = 'retreat-group-members' AND EXISTS (
        SELECT 1 FROM retreats_retreat_groups rg WHERE rg.retreat_id = r.id AND rg.retreatgroup_id = ANY(%s))))
ORDER BY r.start_date DESC, r.name
"""

FLOOR_EVENT = """
SELECT r.id, r.name, r.name_pt, r.description, r.start_date, r.end_date, r.audience_id,
       s.id AS session_id, s.name AS session_name, s.name_pt AS session_name_pt, s.type, s.date, s."order",
       t.id AS track_id, t.title, t.duration, t.file_size, t."order" AS track_order, t.language, t.languages,
       t.original_language, t.original_id, t.is_practice,
       (SELECT tc.abbreviation FROM retreats_trackspeaker ts JOIN retreats_teacher tc ON tc.id = ts.teacher_id
         WHERE ts.track_id = t.id ORDER BY ts.position LIMIT 1) AS speaker,
       (SELECT json_agg(json_build_array(x.id, x.language, x.page_count, x.updated_at))
          FROM retreats_transcript x WHERE x.track_id = t.id) AS transcripts
FROM retreats_retreat r
JOIN retreats_session s ON s.retreat_id = r.id
JOIN retreats_track t ON t.session_id = s.id
WHERE r.id = %s AND r.status = 'published'
ORDER BY s."order", t.is_practice DESC, t."order", t.language
"""

FLOOR_VERSIONS = """
SELECT (SELECT json_object_agg(namespace, version) FROM retreats_syncversion) AS versions,
       (SELECT access_version FROM accounts_user WHERE id = %s) AS user_version
"""


def measure(name: str, url: str, client: APIClient, n: int) -> dict:
    def request():
        response = client.get(url)
        assert response.status_code == 200, (url, response.status_code, response.content[:300])
        return response

    body = request().content
    with CaptureQueriesContext(connection) as queries:
        request()
    query_count = len(queries)
    samples = base.timings(request, n)
    return {
        "endpoint": name,
        "queries": query_count,
        "bytes": len(body),
        "median_ms": statistics.median(samples) * 1000,
        "p95_ms": base.p95(samples) * 1000,
    }


def measure_floor(sql: str, params, n: int) -> dict:
    samples = base.timings(lambda: base.floor(sql, params), n)
    return {"median_ms": statistics.median(samples) * 1000, "p95_ms": base.p95(samples) * 1000}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--scale", type=int, choices=(1, 10), default=1)
    parser.add_argument("--requests", type=int, default=20, help="timed requests per endpoint (default 20)")
    args = parser.parse_args()
    if not settings.IS_POSTGRES:
        print("bench/compat.py needs PostgreSQL: set DATABASE_URL=postgres://...", file=sys.stderr)
        return 2
    base.SESSIONS, base.TRACKS = 5, 10  # 100 tracks per gathering with their translations
    gatherings = 200 * args.scale
    db = settings.DATABASES["default"]
    db["TEST"] = {**db.get("TEST", {}), "NAME": f"bench_{db['NAME']}"}

    setup_test_environment(debug=False)
    old_config = setup_databases(verbosity=0, interactive=False)
    try:
        from accounts.providers import get_provider
        from accounts.services import user_update_profile
        from retreats.models import Retreat

        started = time.perf_counter()
        data = base.build_catalogue(gatherings)
        built = time.perf_counter() - started
        user = data["user"]
        type(user).objects.filter(pk=user.pk).update(
            subscription_status="active", cognito_sub=str(user.uuid), email_verified=True
        )
        user.refresh_from_db()
        user_update_profile(user=user, preferences={})
        token = get_provider().sign_in_user(user=user, request=RequestFactory().get("/")).access_token
        group_ids = list(user.memberships.values_list("group_id", flat=True))
        event = Retreat.objects.filter(audience_id="free-subscribers").order_by("id")[gatherings // 20]

        compat = APIClient()
        compat.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
        v1 = APIClient()
        v1.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
        pairs = [
            ("/events", "/api/events", "/api/v1/content/retreats?limit=100", FLOOR_EVENTS, [group_ids]),
            (
                "/events/{id}",
                f"/api/events/{event.pk}",
                f"/api/v1/content/gathering/{event.uuid}",
                FLOOR_EVENT,
                [event.pk],
            ),
            ("/sync/versions", "/api/sync/versions", "/api/v1/user/access", FLOOR_VERSIONS, [user.pk]),
        ]
        results = []
        with override_settings(CONTENT_CACHE_SECONDS=0):
            cache.clear()
            for name, url, v1_url, sql, params in pairs:
                ours = measure(name, url, compat, args.requests)
                theirs = measure(name, v1_url, v1, args.requests)
                floor = measure_floor(sql, params, args.requests)
                results.append(
                    {
                        **ours,
                        "v1_url": v1_url,
                        "v1_queries": theirs["queries"],
                        "v1_median_ms": theirs["median_ms"],
                        "floor_median_ms": floor["median_ms"],
                        "vs_v1": ours["median_ms"] / theirs["median_ms"],
                        "vs_floor": ours["median_ms"] / floor["median_ms"],
                    }
                )
    finally:
        teardown_databases(old_config, verbosity=0)
        teardown_test_environment()

    print(
        f"Scale {args.scale}: {gatherings} gatherings, {data['sessions']} sessions, {data['tracks']} tracks, "
        f"built in {built:.0f}s on PostgreSQL {connection.pg_version // 10000}. Reader: en-pt subscriber in 2 "
        f"of 5 groups, bearer token. {args.requests} requests each; v1's body cache off."
    )
    header = f"{'endpoint':<16}{'queries':>8}{'v1 q':>6}{'bytes':>10}{'median ms':>11}{'p95 ms':>9}{'v1 med':>9}{'floor med':>11}{'vs v1':>7}{'vs floor':>10}"
    print(header)
    print("-" * len(header))
    for r in results:
        print(
            f"{r['endpoint']:<16}{r['queries']:>8}{r['v1_queries']:>6}{r['bytes']:>10}{r['median_ms']:>11.2f}"
            f"{r['p95_ms']:>9.2f}{r['v1_median_ms']:>9.2f}{r['floor_median_ms']:>11.2f}{r['vs_v1']:>7.2f}{r['vs_floor']:>10.2f}"
        )
    worst = max(r["vs_v1"] for r in results)
    print(f"\nTarget: within 2x of v1. Worst: {worst:.2f} ({'met' if worst <= 2 else 'NOT met'}).")
    results_dir = Path(__file__).resolve().parent / "results"
    results_dir.mkdir(exist_ok=True)
    (results_dir / f"compat_scale{args.scale}.json").write_text(json.dumps(results, indent=2))
    return 0 if worst <= 2 else 1


if __name__ == "__main__":
    sys.exit(main())
