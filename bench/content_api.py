"""Benchmark of the content read API against honest floors, on PostgreSQL and Redis.

    python bench/content_api.py [--scale 1|10] [--requests 50] [--grants 0]

``--scale 1`` is the real archive: 193 gatherings in 5 retreat groups, 8 sessions each,
20,800 tracks (English originals, each with a Portuguese translation track) and an English
transcript for every original; ``--scale 10`` ten times that. Built in a database of its own
(``bench_<name of DATABASE_URL>``, created and dropped here) with the summaries' triggers of
the real schema. The cache is Redis, as in production (``BENCH_CACHE_URL``, default
``TEST_REDIS_URL``'s database; flushed), request logging off.

For each endpoint it prints the queries of one request, the body size, the median and p95 of
the API through Django's test client (every middleware; DRF's force_authenticate) and of its
floor, sampled interleaved (API, floor, API, floor...). The floor builds **the same JSON**
(same keys and values, checked equal to the API's body, dumped with orjson) from hand-written
SQL, and applies the access rule to the rows (``AccessProfile.can_play``) with the reader's
profile already in memory. Cold: the API renders every request (no body cache), against that
floor; target ratio <= 3. Warm: the API answers from the Redis body cache, against a floor
that reads the same rendered body from Redis by key (so the ratio is the cost of the stack).

The reader hears translations (``contentLanguage`` en-pt), is a member of two of the groups,
and with ``--grants N`` has N staff grants and N attendances spread over the gatherings.
"""

import argparse
import datetime
import json
import os
import random
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
# The cache production uses: Redis (a database of its own; flushed by the run).
os.environ["CACHE_URL"] = os.environ.get(
    "BENCH_CACHE_URL", os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/11")
)
# WhiteNoise warns when collectstatic has not run; static files are not measured here.
warnings.filterwarnings("ignore", message="No directory at")

import django  # noqa: E402

django.setup()

import orjson  # noqa: E402
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

from bench.catalogue import GROUPS, build_catalogue  # noqa: E402

# --- Floors: the same JSON from hand-written SQL ----------------------------------------
# Each floor reads what its body needs the way one would by hand for speed, applies the access
# rule to the rows with the profile in memory, builds the same dict and dumps it with orjson.

PUBLISHED_GROUPS = """
SELECT g.id, g.uuid, g.name, g.name_pt, g.description, g.description_pt, g.image
  FROM retreats_retreatgroup g
 WHERE EXISTS (SELECT 1 FROM retreats_retreat_groups rg JOIN retreats_retreat r ON r.id = rg.retreat_id
                WHERE rg.retreatgroup_id = g.id AND r.status = 'published')
 ORDER BY g."order", g.name LIMIT %s OFFSET %s
"""

GATHERING_COLUMNS = """
r.id, r.uuid, r.name, r.name_pt, r.description, r.description_pt, r.season, r.start_date, r.end_date,
r.required_plan, r.audience_id, a.name, a.name_pt, s.session_count, s.visible_{visible}_count, s.duration,
s.languages, s.practice_count, s.transcript_count, s.changed_at,
(SELECT array_agg(x.retreatgroup_id) FROM retreats_retreat_groups x WHERE x.retreat_id = r.id) AS group_ids
"""

FLOOR_LIST_GATHERINGS = """
SELECT * FROM (
    SELECT rg.retreatgroup_id, {columns},
           row_number() OVER (PARTITION BY rg.retreatgroup_id ORDER BY r.start_date DESC, r.name) AS rank,
           count(*) OVER (PARTITION BY rg.retreatgroup_id) AS in_group
      FROM retreats_retreat_groups rg
      JOIN retreats_retreat r ON r.id = rg.retreat_id
      JOIN retreats_audience a ON a.slug = r.audience_id
      LEFT JOIN retreats_gatheringsummary s ON s.gathering_id = r.id
     WHERE rg.retreatgroup_id = ANY(%s) AND r.status = 'published') AS ranked
 WHERE rank <= %s
 ORDER BY retreatgroup_id, rank
"""

FLOOR_GROUP = """
SELECT g.id, g.uuid, g.name, g.name_pt, g.description, g.description_pt, g.image
  FROM retreats_retreatgroup g WHERE g.uuid = %s
   AND EXISTS (SELECT 1 FROM retreats_retreat_groups rg JOIN retreats_retreat r ON r.id = rg.retreat_id
                WHERE rg.retreatgroup_id = g.id AND r.status = 'published')
"""

FLOOR_GROUP_GATHERINGS = """
SELECT {columns},
       (SELECT json_agg(json_build_array(p.name, p.abbreviation, p.location) ORDER BY p.name)
          FROM retreats_retreat_places rp JOIN retreats_place p ON p.id = rp.place_id
         WHERE rp.retreat_id = r.id) AS places,
       count(*) OVER () AS total
  FROM retreats_retreat_groups rg
  JOIN retreats_retreat r ON r.id = rg.retreat_id
  JOIN retreats_audience a ON a.slug = r.audience_id
  LEFT JOIN retreats_gatheringsummary s ON s.gathering_id = r.id
 WHERE rg.retreatgroup_id = %s AND r.status = 'published'
 ORDER BY r.start_date DESC, r.name LIMIT %s OFFSET %s
"""

FLOOR_TRACK = """
SELECT t.uuid, t.title, t.description, t.duration, t."order", t.language, t.languages, t.original_language,
       t.part_number, t.is_practice, t.file_size, o.uuid, t.read_along_file <> '',
       EXISTS (SELECT 1 FROM retreats_transcript x WHERE x.track_id = t.id),
       s.uuid, s.name, s.name_pt, s.date, r.id, r.uuid, r.name, r.name_pt, r.audience_id, r.required_plan,
       (SELECT json_agg(json_build_array(sp.name, sp.abbreviation) ORDER BY ts.position)
          FROM retreats_trackspeaker ts JOIN retreats_teacher sp ON sp.id = ts.teacher_id
         WHERE ts.track_id = t.id),
       (SELECT json_agg(json_build_array(g.id, g.uuid, g.name, g.name_pt) ORDER BY g."order", g.name)
          FROM retreats_retreat_groups rg JOIN retreats_retreatgroup g ON g.id = rg.retreatgroup_id
         WHERE rg.retreat_id = r.id),
       (SELECT json_agg(json_build_array(tg.name, tg.name_pt))
          FROM retreats_track_tags tt JOIN retreats_tag tg ON tg.id = tt.tag_id WHERE tt.track_id = t.id)
  FROM retreats_track t
  JOIN retreats_session s ON s.id = t.session_id
  JOIN retreats_retreat r ON r.id = s.retreat_id
  LEFT JOIN retreats_track o ON o.id = t.original_id
 WHERE t.uuid = %s AND r.status = 'published'
"""


def _pick(en, pt, language):
    return pt if language == "pt" and pt else en


def _iso(value):
    return value.astimezone(datetime.UTC).strftime("%Y-%m-%dT%H:%M:%SZ") if value else None


def _gathering(row, profile, language, *, description: bool) -> dict:
    (gid, uuid, name, name_pt, desc, desc_pt, season, start, end, plan, audience, a_name, a_name_pt,
     sessions, tracks, duration, languages, practices, transcripts, changed, group_ids) = row[:21]  # fmt: skip
    playable = profile.can_play(audience=audience, required_plan=plan, group_ids=group_ids or (), gathering_id=gid)
    body = {
        "id": uuid,
        "name": _pick(name, name_pt, language),
        "season": season,
        "year": start.year,
        "startDate": start,
        "endDate": end,
        "sessionCount": sessions,
        "trackCount": tracks,
        "audience": {"slug": audience, "name": _pick(a_name, a_name_pt, language)},
        "locked": not playable,
        "lockedReason": None if playable else profile.reason(audience=audience, required_plan=plan),
        "duration": duration,
        "languages": orjson.loads(languages),  # Django reads jsonb as text
        "practiceCount": practices,
        "transcriptCount": transcripts,
        "changedAt": _iso(changed),
    }
    if description:
        body["description"] = _pick(desc, desc_pt, language)
    return body


def _group(row, language, count, gatherings) -> dict:
    return {
        "id": row[1],
        "name": _pick(row[2], row[3], language),
        "description": _pick(row[4], row[5], language),
        "imageUrl": None,  # the bench's groups have no image
        "gatheringCount": count,
        "gatherings": gatherings,
    }


def _rows(sql, params):
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def floor_list(reader, limit=20, per_group=50) -> bytes:
    from padmakara.api.renderers import dumps

    groups = _rows(PUBLISHED_GROUPS, [limit, 0])
    columns = GATHERING_COLUMNS.format(visible=reader.content_language.replace("-", "_"))
    rows = _rows(FLOOR_LIST_GATHERINGS.format(columns=columns), [[g[0] for g in groups], per_group])
    by_group: dict[int, list] = {g[0]: [] for g in groups}
    counts = {}
    for row in rows:
        by_group[row[0]].append(_gathering(row[1:], reader.profile, reader.language, description=False))
        counts[row[0]] = row[-1]
    body = {
        "retreatGroups": [_group(g, reader.language, counts.get(g[0], 0), by_group[g[0]]) for g in groups],
        "totalCount": len(groups),
        "hasMore": False,
    }
    return dumps(body)


def floor_group(reader, group_uuid, limit=20, offset=0) -> bytes:
    from padmakara.api.renderers import dumps

    [group] = _rows(FLOOR_GROUP, [group_uuid])
    columns = GATHERING_COLUMNS.format(visible=reader.content_language.replace("-", "_"))
    rows = _rows(FLOOR_GROUP_GATHERINGS.format(columns=columns), [group[0], limit, offset])
    total = rows[0][-1] if rows else 0
    gatherings = [
        {
            **_gathering(row, reader.profile, reader.language, description=True),
            # The bench's places have no photo.
            "places": [
                {"name": name, "abbreviation": abbr, "location": location, "photoUrl": None}
                for name, abbr, location in row[-2] or ()
            ],
        }
        for row in rows
    ]
    return dumps(
        {**_group(group, reader.language, total, gatherings), "totalCount": total, "hasMore": offset + limit < total}
    )


def floor_track(reader, track_uuid) -> bytes:
    from padmakara.api.renderers import dumps

    [row] = _rows(FLOOR_TRACK, [track_uuid])
    (uuid, title, description, duration, order, language, languages, original_language, part, practice, size,
     original, read_along, transcript, s_uuid, s_name, s_name_pt, s_date, r_id, r_uuid, r_name, r_name_pt, audience, plan,
     speakers, groups, tags) = row  # fmt: skip
    lang = reader.language
    languages = orjson.loads(languages)  # Django reads jsonb as text
    groups, speakers, tags = groups or [], speakers or [], tags or []
    playable = reader.profile.can_play(
        audience=audience, required_plan=plan, group_ids={g[0] for g in groups}, gathering_id=r_id
    )
    speakers = [{"name": name, "abbreviation": abbreviation} for name, abbreviation in speakers]
    body = {
        "id": uuid,
        "title": title,
        "description": description,
        "duration": duration,
        "order": order,
        "language": language,
        "languages": languages,
        "originalLanguage": original_language or language,
        "hasTranscript": transcript,
        "hasReadAlong": read_along,
        "isTranslation": original is not None,
        "originalTrackId": original,
        "partNumber": part,
        "isPractice": practice,
        "tags": [_pick(name, name_pt, lang) for name, name_pt in tags],
        "retreat": {"id": groups[0][1], "name": _pick(groups[0][2], groups[0][3], lang)} if groups else None,
        "session": {"id": s_uuid, "name": _pick(s_name, s_name_pt, lang), "date": s_date},
        "gathering": {"id": r_uuid, "name": _pick(r_name, r_name_pt, lang)},
        "speaker": speakers[0] if speakers else None,
        "speakers": speakers,
        "fileSize": size,
        "locked": not playable,
        "lockedReason": None if playable else reader.profile.reason(audience=audience, required_plan=plan),
    }
    return dumps(body)


# --- Measurement ------------------------------------------------------------------------


def interleaved(api, floor, n: int) -> tuple[list[float], list[float]]:
    """``n`` samples of each, alternating (which goes first alternates too), after a warm-up."""
    for _ in range(3):
        api()
        floor()
    api_samples, floor_samples = [], []
    for i in range(n):
        for call, samples in ((api, api_samples), (floor, floor_samples))[:: 1 if i % 2 else -1]:
            start = time.perf_counter()
            call()
            samples.append(time.perf_counter() - start)
    return api_samples, floor_samples


def p95(samples: list[float]) -> float:
    return statistics.quantiles(samples, n=20, method="inclusive")[18]


def measure(mode: str, name: str, urls, floor, client: APIClient, n: int) -> dict:
    """``urls``: a list of URLs cycled through (cold track detail: a different track each time);
    ``floor(url_index)`` builds the same body."""
    state = {"i": 0}

    def request():
        url = urls[state["i"] % len(urls)]
        response = client.get(url)
        assert response.status_code == 200, (url, response.status_code, response.content[:300])
        return response.content

    def floor_call():
        body = floor(state["i"] % len(urls))
        state["i"] += 1
        return body

    body = request()
    floor_body = floor(0)
    if mode == "cold" and orjson.loads(body) != orjson.loads(floor_body):
        (ROOT / "bench" / "results").mkdir(exist_ok=True)
        (ROOT / "bench" / "results" / "api_body.json").write_bytes(body)
        (ROOT / "bench" / "results" / "floor_body.json").write_bytes(floor_body)
        raise AssertionError(f"{name}: the floor's body differs from the API's (bench/results/*_body.json)")
    with CaptureQueriesContext(connection) as queries:
        request()
    query_count = len(queries)  # read now: the log is a bounded deque
    api, base = interleaved(request, floor_call, n)
    return {
        "mode": mode,
        "endpoint": name,
        "queries": query_count,
        "bytes": len(body),
        "floor_bytes": len(floor_body),
        "median_ms": statistics.median(api) * 1000,
        "p95_ms": p95(api) * 1000,
        "floor_median_ms": statistics.median(base) * 1000,
        "floor_p95_ms": p95(base) * 1000,
        "ratio": statistics.median(api) / statistics.median(base),
        "ratio_p95": p95(api) / p95(base),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--scale", type=int, choices=(1, 10), default=1, help="1: the real archive; 10: ten times")
    parser.add_argument("--requests", type=int, default=50, help="timed requests per endpoint (default 50)")
    parser.add_argument("--grants", type=int, default=0, help="grants (and as many attendances) of the reader")
    args = parser.parse_args()

    if not settings.IS_POSTGRES:
        print("bench/content_api.py needs PostgreSQL: set DATABASE_URL=postgres://...", file=sys.stderr)
        return 2
    from retreats.access import AccessProfile
    from retreats.selectors import Reader

    db = settings.DATABASES["default"]
    db["TEST"] = {**db.get("TEST", {}), "NAME": f"bench_{db['NAME']}"}

    setup_test_environment(debug=False)
    old_config = setup_databases(verbosity=0, interactive=False)
    try:
        started = time.perf_counter()
        data = build_catalogue(args.scale, args.grants)
        built = time.perf_counter() - started
        cache.clear()
        client = APIClient()
        user = data["user"]
        client.force_authenticate(user)
        reader = Reader(profile=AccessProfile.for_user(user), language=user.language, content_language="en-pt")
        group = data["group"]
        tracks = random.Random(1).sample(data["tracks"], min(len(data["tracks"]), args.requests + 10))
        endpoints = [
            ("/content/retreats", ["/api/v1/content/retreats"], lambda i: floor_list(reader)),
            (
                "/content/retreat/{id}",
                [f"/api/v1/content/retreat/{group.uuid}"],
                lambda i: floor_group(reader, group.uuid),
            ),
            (
                "/content/track/{id}",
                [f"/api/v1/content/track/{uuid}" for uuid in tracks],
                lambda i: floor_track(reader, tracks[i]),
            ),
        ]
        results = []
        # Cold: every request loads and renders (the first reader after a catalogue change).
        with override_settings(CONTENT_CACHE_SECONDS=0):
            for name, urls, floor in endpoints:
                results.append(measure("cold", name, urls, floor, client, args.requests))
        # Warm: the rendered body comes from Redis; the floor reads the same bytes from Redis.
        with override_settings(CONTENT_CACHE_SECONDS=300):
            cache.clear()
            for name, urls, _floor in endpoints:
                for url in urls:
                    client.get(url)  # fill the body cache
                keys = cache._cache.get_client().keys(cache.make_key("content:body:*"))  # type: ignore[attr-defined]
                raw = cache._cache.get_client()  # type: ignore[attr-defined]
                results.append(
                    measure(
                        "warm",
                        name,
                        urls,
                        lambda i, raw=raw, keys=keys: raw.get(keys[i % len(keys)]),
                        client,
                        args.requests,
                    )
                )
                cache.clear()
    finally:
        cache.clear()
        teardown_databases(old_config, verbosity=0)
        teardown_test_environment()

    print(
        f"Scale {args.scale}: {data['gatherings']} gatherings in {GROUPS} groups, {data['sessions']} sessions, "
        f"{data['track_count']} tracks (en + pt translations), built in {built:.1f}s on PostgreSQL "
        f"{connection.pg_version // 10000}; cache: Redis. Reader: en-pt listener, member of 2 groups, "
        f"{args.grants} grants and {args.grants} attendances. {args.requests} requests each, interleaved with the floor."
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
    cold = [r for r in results if r["mode"] == "cold"]
    worst = max(r["ratio"] for r in cold)
    print(f"Target: cold ratio <= 3. Worst cold median ratio: {worst:.2f} ({'met' if worst <= 3 else 'NOT met'}).")
    print("Warm is against a floor that reads the same body from Redis: the ratio is the request stack's cost.")
    results_dir = ROOT / "bench" / "results"
    results_dir.mkdir(exist_ok=True)
    (results_dir / f"content_api_scale{args.scale}.json").write_text(json.dumps(results, indent=2))
    return 0 if worst <= 3 else 1


if __name__ == "__main__":
    sys.exit(main())
