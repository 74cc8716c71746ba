"""Search benchmark: full-text search against a naive ``icontains`` scan, through the view.

Builds a synthetic catalogue in a database of its own (``<DATABASE NAME>_bench``, never the
real one): by default 20,000 tracks (half English originals, half Portuguese translations)
and 2,000 transcripts (1,000 en + 1,000 pt) of about 8,000 words each, split into pages of
about 400 words. The text is drawn, seeded, from the word lists in bench/words/ with a Zipf
distribution (English and Portuguese function words at the top, the content words spread
over ranks 40 to 5,000, invented words for the long tail). Then it indexes the corpus with
the real indexing code, runs the same 50 queries through ``GET /api/v1/content/search`` with
the PostgreSQL backend and with the substring backend (``icontains``), and prints the
figures. Needs PostgreSQL:

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/padmakara python bench/search.py
    ... python bench/search.py --transcripts 200 --tracks 2000     # a quick, smaller run
    ... python bench/search.py --keep                              # keep the corpus for next time

Target: full-text p95 under 50 ms on the 2-core machine, at least 20x the scan.
"""

import argparse
import math
import multiprocessing
import os
import random
import statistics
import sys
import time
import unicodedata
import uuid
import warnings
from itertools import accumulate
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "padmakara.settings")
# Thousands of requests from one user: keep the content throttle out of the way.
os.environ.setdefault("THROTTLE_CONTENT", "100000000/hour")
os.environ.setdefault("REQUEST_LOG_LEVEL", "WARNING")  # one log line per request is not what is measured

import django  # noqa: E402

django.setup()
warnings.filterwarnings("ignore", message="No directory at")  # static files are not collected here

from django.conf import settings  # noqa: E402
from django.db import connection  # noqa: E402
from django.test.utils import override_settings  # noqa: E402
from django.utils import timezone  # noqa: E402
from rest_framework.test import APIClient  # noqa: E402

from accounts.models import GroupMembership, User  # noqa: E402
from retreats import search  # noqa: E402
from retreats.models import Retreat, RetreatGroup, Session, Track, Transcript  # noqa: E402

URL = "/api/v1/content/search"
FUNCTION_WORDS = {
    "en": [
        "the",
        "of",
        "and",
        "to",
        "a",
        "in",
        "is",
        "that",
        "it",
        "we",
        "this",
        "you",
        "not",
        "with",
        "for",
        "as",
        "be",
        "are",
        "on",
        "our",
        "so",
        "but",
        "all",
        "when",
        "there",
        "what",
        "if",
        "one",
        "they",
        "have",
        "which",
        "by",
        "from",
        "or",
        "at",
        "can",
        "do",
        "no",
        "very",
        "more",
    ],
    "pt": [
        "de",
        "a",
        "o",
        "que",
        "e",
        "do",
        "da",
        "em",
        "um",
        "para",
        "é",
        "com",
        "não",
        "uma",
        "os",
        "no",
        "se",
        "na",
        "por",
        "mais",
        "as",
        "dos",
        "como",
        "mas",
        "ao",
        "ele",
        "das",
        "à",
        "seu",
        "sua",
        "ou",
        "quando",
        "muito",
        "nos",
        "já",
        "também",
        "só",
        "pelo",
        "pela",
        "até",
        "isso",
    ],
}
SYLLABLES = {
    "en": [
        "ka",
        "lo",
        "ri",
        "ta",
        "men",
        "sha",
        "dru",
        "pel",
        "nor",
        "gya",
        "tse",
        "rin",
        "dor",
        "je",
        "pa",
        "mo",
        "tso",
        "ky",
        "ang",
        "lu",
        "wen",
        "bar",
        "tho",
        "sel",
    ],
    "pt": [
        "ção",
        "lá",
        "mé",
        "ri",
        "to",
        "sa",
        "vi",
        "da",
        "ne",
        "çu",
        "rã",
        "po",
        "lê",
        "ca",
        "ti",
        "mu",
        "dó",
        "ra",
        "ga",
        "nes",
        "quei",
        "lhe",
        "tão",
        "ví",
    ],
}
VOCABULARY_SIZE = 20_000
PAGE_WORDS = 400
BATCH = 5_000
# The real archive (issue 20): scale 1. Scale 10 is ten times each.
ARCHIVE = {"gatherings": 193, "tracks": 20_800, "pages": 16_260}
PAGES_PER_TRANSCRIPT = 20  # 8,000 words: a talk of about an hour
SESSIONS_PER_GATHERING = 10
# As migration 0002 makes them; dropped while the corpus is indexed, then built once.
GIN_INDEXES = {
    "retreats_page_search_gin": "retreats_transcriptpage USING gin (search_vector) WITH (fastupdate = off)",
    "retreats_track_search_gin": "retreats_track USING gin (search_vector) WITH (fastupdate = off)",
}
# The floor: the same substring matching with pg_trgm GIN indexes on the expressions that
# Django's icontains compares (UPPER(column::text) LIKE UPPER(%s)).
TRIGRAM_INDEXES = {
    "bench_page_text_trgm": "retreats_transcriptpage USING gin (upper(text::text) gin_trgm_ops)",
    "bench_track_title_trgm": "retreats_track USING gin (upper(title::text) gin_trgm_ops)",
    "bench_track_description_trgm": "retreats_track USING gin (upper(description::text) gin_trgm_ops)",
}


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scale", type=int, choices=(1, 10), default=1, help="1 = the real archive, 10 = ten times it")
    parser.add_argument("--gatherings", type=int, help="default 193 x scale")
    parser.add_argument("--tracks", type=int, help="default 20,800 x scale")
    parser.add_argument("--pages", type=int, help="transcript pages of ~400 words, default 16,260 x scale")
    parser.add_argument("--queries", type=int, default=50)
    parser.add_argument("--seed", type=int, default=6)
    parser.add_argument("--keep", action="store_true", help="keep the bench database (and reuse it next time)")
    parser.add_argument("--repeats", type=int, default=3, help="timed passes; each query's median counts")
    parser.add_argument("--clients", type=int, default=8, help="concurrent client processes (0: skip that pass)")
    parser.add_argument(
        "--floor-queries",
        type=int,
        help="queries for the trigram floor and the scan (default: all at scale 1, 15 at 10)",
    )
    parser.add_argument("--scan", action=argparse.BooleanOptionalAction, help="also time the unindexed icontains scan")
    args = parser.parse_args()
    args.gatherings = args.gatherings or ARCHIVE["gatherings"] * args.scale
    args.tracks = args.tracks or ARCHIVE["tracks"] * args.scale
    args.pages = args.pages or ARCHIVE["pages"] * args.scale
    args.transcripts = max(1, args.pages // PAGES_PER_TRANSCRIPT)
    if args.floor_queries is None:
        args.floor_queries = args.queries if args.scale == 1 else 15
    if args.scan is None:
        args.scan = args.scale == 1
    return args


def fold(word: str) -> str:
    return "".join(c for c in unicodedata.normalize("NFKD", word) if not unicodedata.combining(c))


class Language:
    """A seeded Zipf vocabulary: function words first, content words spread, invented tail."""

    def __init__(self, code: str, rng: random.Random):
        self.code = code
        self.content = [
            line.strip()
            for line in (ROOT / "bench" / "words" / f"{code}.txt").read_text().splitlines()
            if line.strip() and not line.startswith("#")
        ]
        function = FUNCTION_WORDS[code]
        invented = set()
        while len(invented) < VOCABULARY_SIZE - len(function) - len(self.content):
            word = "".join(rng.choice(SYLLABLES[code]) for _ in range(rng.randint(2, 4)))
            if word not in self.content:
                invented.add(word)
        ranks = sorted(rng.sample(range(len(function), 5_000), len(self.content)))
        shuffled = rng.sample(self.content, len(self.content))
        slots = dict(zip(ranks, shuffled, strict=True))
        tail = iter(sorted(invented))
        self.words = [function[i] if i < len(function) else slots.get(i) or next(tail) for i in range(VOCABULARY_SIZE)]
        self.rank = {word: i + 1 for i, word in enumerate(self.words)}
        self.cum_weights = list(accumulate(1 / (i + 1) for i in range(VOCABULARY_SIZE)))
        self.invented = sorted(invented)

    def text(self, rng: random.Random, n: int) -> str:
        words = rng.choices(self.words, cum_weights=self.cum_weights, k=n)
        for i in range(0, n, 14):  # sentences
            words[i] = words[i].capitalize()
            if i:
                words[i - 1] += "."
        return " ".join(words) + "."


def _ticker(every: float = 15.0):
    last = [time.perf_counter()]

    def tick(label: str, done: int, total: int) -> None:
        if done == total or time.perf_counter() - last[0] > every:
            last[0] = time.perf_counter()
            print(f"  {label}: {done:,}/{total:,}", flush=True)

    return tick


def build_corpus(args, rng: random.Random, languages: dict[str, Language], user: User) -> dict:
    """Catalogue rows with bulk_create, page text with COPY, the vectors with the real indexing
    code while the GIN indexes are dropped (then built once: far faster than row by row)."""
    now = timezone.now()
    started = time.perf_counter()
    tick = _ticker()
    with connection.cursor() as cursor:
        for name in (*GIN_INDEXES, *TRIGRAM_INDEXES):
            cursor.execute(f"DROP INDEX IF EXISTS {name}")
    groups = RetreatGroup.objects.bulk_create(RetreatGroup(name=f"Group {i}", slug=f"group-{i}") for i in range(10))
    GroupMembership.objects.bulk_create(GroupMembership(user=user, group=group) for group in groups[:5])
    audiences = rng.choices(
        ["free-anyone", "retreat-group-members", "free-subscribers"], weights=[70, 20, 10], k=args.gatherings
    )
    retreats = Retreat.objects.bulk_create(
        (
            Retreat(
                name=f"Gathering {i}",
                slug=f"gathering-{i}",
                start_date=f"{2003 + i % 23}-0{1 + i % 9}-10",
                end_date=f"{2003 + i % 23}-0{1 + i % 9}-12",
                status="published",
                published_at=now,
                audience_id=audience,
                required_plan="premium",
            )
            for i, audience in enumerate(audiences)
        ),
        batch_size=BATCH,
    )
    Retreat.groups.through.objects.bulk_create(
        (
            Retreat.groups.through(retreat_id=retreat.pk, retreatgroup_id=groups[i % len(groups)].pk)
            for i, retreat in enumerate(retreats)
        ),
        batch_size=BATCH,
    )
    sessions = Session.objects.bulk_create(
        (
            Session(retreat=retreat, name=f"Day {n}", order=n, type="morning")
            for retreat in retreats
            for n in range(1, SESSIONS_PER_GATHERING + 1)
        ),
        batch_size=BATCH,
    )
    en, pt = languages["en"], languages["pt"]
    # Half English originals spread over every session, half Portuguese translations of them.
    originals = []
    for i in range(args.tracks // 2):
        originals.append(
            Track(
                session=sessions[i % len(sessions)],
                order=i // len(sessions) + 1,
                language="en",
                languages=["en"],
                original_language="en",
                title=en.text(rng, rng.randint(3, 6)).rstrip("."),
                description=en.text(rng, rng.randint(10, 30)),
                duration=rng.randint(1200, 5400),
            )
        )
    for k in range(0, len(originals), BATCH):
        Track.objects.bulk_create(originals[k : k + BATCH])
        tick("original tracks", min(k + BATCH, len(originals)), len(originals))
    translations = [
        Track(
            session_id=original.session_id,
            order=original.order,
            language="pt",
            languages=["pt"],
            original_language="en",
            original=original,
            title=pt.text(rng, rng.randint(3, 6)).rstrip("."),
            description=pt.text(rng, rng.randint(10, 30)),
            duration=original.duration,
        )
        for original in originals[: args.tracks - len(originals)]
    ]
    for k in range(0, len(translations), BATCH):
        Track.objects.bulk_create(translations[k : k + BATCH])
        tick("translations", min(k + BATCH, len(translations)), len(translations))
    # Transcripts on tracks spread over every gathering, half of them Portuguese.
    half = args.transcripts // 2
    step = max(1, len(originals) // max(1, half))
    with_text = originals[::step][:half] + translations[::step][: args.transcripts - half]
    transcripts = Transcript.objects.bulk_create(
        (
            Transcript(track=track, language=track.language, page_count=PAGES_PER_TRANSCRIPT, status="ready")
            for track in with_text
        ),
        batch_size=BATCH,
    )
    words = pages = 0
    with (
        connection.cursor() as cursor,
        cursor.cursor.copy(
            "COPY retreats_transcriptpage (transcript_id, number, text, search_hash) FROM STDIN"
        ) as copy,
    ):
        for transcript in transcripts:
            language = languages[transcript.language]
            for number in range(1, PAGES_PER_TRANSCRIPT + 1):
                if pages >= args.pages:
                    break
                n = rng.randint(PAGE_WORDS * 3 // 4, PAGE_WORDS * 5 // 4)
                words += n
                pages += 1
                copy.write_row((transcript.pk, number, language.text(rng, n), ""))
            tick("transcript pages", pages, args.pages)
    generated = time.perf_counter() - started
    started = time.perf_counter()
    print("indexing with the real code (rebuild_index), GIN indexes dropped meanwhile:", flush=True)
    counts = search.rebuild_index(batch_size=1_000, progress=tick)
    with connection.cursor() as cursor:
        cursor.execute("SET maintenance_work_mem = '512MB'")
        for name, definition in GIN_INDEXES.items():
            cursor.execute(f"CREATE INDEX {name} ON {definition}")
        indexed = time.perf_counter() - started
        started = time.perf_counter()
        cursor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
        for name, definition in TRIGRAM_INDEXES.items():
            cursor.execute(f"CREATE INDEX {name} ON {definition}")
        trigrams = time.perf_counter() - started
        cursor.execute("VACUUM ANALYZE")  # what autovacuum does on a live database
    return {"words": words, "generated": generated, "indexed": indexed, "trigrams": trigrams, **counts}


def make_queries(args, rng: random.Random, languages: dict[str, Language]) -> list[str]:
    """Seeded queries of the kinds people type: content words of every frequency, pairs,
    "phrases" that occur in the text, Portuguese typed without accents, exclusions, rare words."""
    en, pt = languages["en"], languages["pt"]
    with connection.cursor() as cursor:
        cursor.execute("SELECT text FROM retreats_transcriptpage ORDER BY id LIMIT 200")
        sample_pages = [row[0] for row in cursor.fetchall()]
    kinds = []
    for _ in range(args.queries):
        kind = rng.choices(["word", "pair", "phrase", "unaccented", "exclude", "rare"], weights=[14, 8, 7, 8, 6, 7])[0]
        language = rng.choice([en, pt])
        if kind == "word":
            q = rng.choice(language.content)
        elif kind == "pair":
            q = " ".join(rng.sample(language.content, 2))
        elif kind == "phrase":
            page = rng.choice(sample_pages).replace(".", "").split()
            i = rng.randrange(len(page) - 2)
            q = f'"{page[i]} {page[i + 1]}"'
        elif kind == "unaccented":
            q = fold(rng.choice([w for w in pt.content if fold(w) != w]))
        elif kind == "exclude":
            a, b = rng.sample(language.content, 2)
            q = f"{a} -{b}"
        else:
            q = rng.choice(language.invented)
        kinds.append(q)
    return kinds


def timed(client, queries: list[str], *, warm_up: int, repeats: int = 1) -> tuple[list[float], list[int]]:
    """Latency of each query through the view, after ``warm_up`` untimed queries (a live
    server answers from warm caches: the GIN index and the vectors fit in memory). With
    ``repeats``, each query's latency is the median of that many passes: this machine's two
    cores are shared, and a 20 ms request loses a lot to one preemption. The response cache
    is off (CONTENT_CACHE_SECONDS=0, set by the caller): every request searches."""
    for q in queries[:warm_up]:
        client.get(URL, {"q": q})
    runs, totals = [[] for _ in queries], []
    for repeat in range(repeats):
        for i, q in enumerate(queries):
            started = time.perf_counter()
            response = client.get(URL, {"q": q})
            runs[i].append((time.perf_counter() - started) * 1000)
            assert response.status_code == 200, response.content
            if repeat == 0:
                totals.append(response.json()["totalCount"])
    return [statistics.median(r) for r in runs], totals


def _client_process(job: tuple[int, int, list[str], int]) -> list[float]:
    """One of the concurrent clients: its own process and database connection, the query
    mix in its own order, every request timed."""
    index, user_id, queries, repeats = job
    connection.close()  # never share the parent's socket
    client = APIClient()
    client.force_authenticate(User.objects.get(pk=user_id))
    order = random.Random(index).sample(queries, len(queries))
    client.get(URL, {"q": order[0]})  # connect and load the dictionaries
    samples = []
    for _ in range(repeats):
        for q in order:
            started = time.perf_counter()
            response = client.get(URL, {"q": q})
            samples.append((time.perf_counter() - started) * 1000)
            assert response.status_code == 200, response.content
    return samples


def concurrent(user: User, queries: list[str], *, clients: int, repeats: int) -> tuple[list[float], float]:
    """``clients`` processes running the same query mix at once: every latency, and the wall time."""
    connection.close()  # forked children open their own
    with multiprocessing.get_context("fork").Pool(clients) as pool:
        started = time.perf_counter()
        results = pool.map(_client_process, [(i, user.pk, queries, repeats) for i in range(clients)])
        wall = time.perf_counter() - started
    return [ms for samples in results for ms in samples], wall


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, math.ceil(p / 100 * len(ordered)) - 1)]


def load() -> str:
    one, five, _ = os.getloadavg()
    return f"load {one:.2f}/{five:.2f} on {os.cpu_count()} cores"


def row(name: str, values: list[float], totals: list[int] | None, floor: list[float] | None = None) -> None:
    ratio = f"{percentile(values, 95) / percentile(floor, 95):>9.3f}" if floor else f"{'':>9}"
    hits = f"{statistics.mean(totals):>11,.0f}" if totals else f"{'':>11}"
    print(
        f"{name:34}{percentile(values, 50):>8.1f}ms{percentile(values, 95):>8.1f}ms{max(values):>8.1f}ms"
        f"{hits}{ratio}  ({load()})",
        flush=True,
    )


def main():
    args = parse_args()
    if connection.vendor != "postgresql":
        sys.exit("bench/search.py needs PostgreSQL: set DATABASE_URL=postgres://…")
    database = settings.DATABASES["default"]
    real_name = database["NAME"]
    # Persistent connections, as in production (DB_CONN_MAX_AGE=60): a new connection per
    # request would also pay for loading the text search dictionaries every time.
    connection.settings_dict["CONN_MAX_AGE"] = 600
    database.setdefault("TEST", {})["NAME"] = f"{real_name}_bench_search{args.scale}"
    # Reused when it holds this very corpus (--keep); rebuilt otherwise; dropped at the end unless --keep.
    fingerprint = f"bench-{args.seed}-{args.gatherings}-{args.tracks}-{args.pages}"
    bench_name = connection.creation.create_test_db(verbosity=0, serialize=False, keepdb=True)
    try:
        rng = random.Random(args.seed)
        languages = {code: Language(code, rng) for code in ("en", "pt")}
        user = User.objects.filter(email=f"{fingerprint}@bench.local").first()
        if user is None:
            with connection.cursor() as cursor:  # another corpus: faster than deleting row by row
                cursor.execute("TRUNCATE retreats_retreat, retreats_retreatgroup CASCADE")
            User.objects.filter(email__endswith="@bench.local").delete()
            user = User.objects.create_user(
                email=f"{fingerprint}@bench.local",
                password=uuid.uuid4().hex,
                content_language="en-pt",
                subscription_status="active",
                subscription_plan="basic",
            )
            print(f"building the scale-{args.scale} corpus in {bench_name} …", flush=True)
            built = build_corpus(args, rng, languages, user)
            print(
                f"corpus: {Retreat.objects.count():,} gatherings, {Track.objects.count():,} tracks, "
                f"{Transcript.objects.count():,} transcripts, {built['pages']:,} pages, {built['words']:,} words; "
                f"generated in {built['generated']:.0f} s, indexed in {built['indexed']:.0f} s, "
                f"trigram indexes in {built['trigrams']:.0f} s"
            )
        else:
            print(f"reusing the scale-{args.scale} corpus in {bench_name} (--keep)", flush=True)
            with connection.cursor() as cursor:
                cursor.execute("VACUUM ANALYZE")  # after new migrations, as autovacuum would
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT pg_size_pretty(pg_total_relation_size('retreats_transcriptpage')),"
                " pg_size_pretty(pg_relation_size('retreats_page_search_gin')),"
                " pg_size_pretty(pg_relation_size('retreats_track_search_gin')),"
                " pg_size_pretty(pg_relation_size('bench_page_text_trgm')),"
                " (SELECT count(*) FROM retreats_transcriptpage)"
            )
            pages_size, pages_gin, tracks_gin, pages_trgm, pages = cursor.fetchone()
        print(
            f"{pages:,} pages, {pages_size} with their text search GIN {pages_gin} and trigram GIN {pages_trgm};"
            f" tracks GIN {tracks_gin}"
        )

        queries = make_queries(args, random.Random(args.seed + 1), languages)
        floor_queries = queries[: args.floor_queries]
        client = APIClient()
        client.force_authenticate(user)
        print(
            f"\n{len(queries)} queries through GET {URL} as a member with a basic subscription (en-pt), response cache"
            f" off; median of {args.repeats} passes per query after one untimed pass:",
            flush=True,
        )
        print(f"{'':34}{'p50':>10}{'p95':>10}{'max':>10}{'mean hits':>11}{'/ floor':>9}")
        with override_settings(SEARCH_BACKEND="postgres", CONTENT_CACHE_SECONDS=0):
            fts, fts_totals = timed(client, queries, warm_up=len(queries), repeats=args.repeats)
            row("full text (postgres)", fts, fts_totals)
            fts_subset = fts[: len(floor_queries)]
        with override_settings(SEARCH_BACKEND="substring", CONTENT_CACHE_SECONDS=0):
            # The floor: substring matching on pg_trgm GIN indexes, timed the same way.
            trgm, trgm_totals = timed(client, floor_queries, warm_up=len(floor_queries), repeats=args.repeats)
        subset = "" if len(floor_queries) == len(queries) else f" ({len(floor_queries)} queries)"
        row(f"trigram-indexed icontains{subset}", trgm, trgm_totals)
        if subset:
            row(f"full text, the same {len(floor_queries)} queries", fts_subset, None, trgm)
        else:
            print(f"full text / trigram floor at p95: {percentile(fts, 95) / percentile(trgm, 95):.3f}")
        if args.scan:
            with connection.cursor() as cursor:
                cursor.execute("SET enable_bitmapscan = off")  # this connection only: no trigram index
            with override_settings(SEARCH_BACKEND="substring", CONTENT_CACHE_SECONDS=0):
                scan, scan_totals = timed(client, floor_queries, warm_up=2)
            with connection.cursor() as cursor:
                cursor.execute("RESET enable_bitmapscan")
            row(f"unindexed icontains scan, 1 pass{subset}", scan, scan_totals)
        slowest = sorted(zip(fts, queries, fts_totals, strict=True), reverse=True)[:3]
        print("slowest full-text queries: " + "; ".join(f"{q!r} {ms:.0f} ms ({n:,} hits)" for ms, q, n in slowest))
        verdict = "met" if percentile(fts, 95) < 50 else "NOT met"
        print(f"target full text p95 < 50 ms: {verdict}")
        if args.clients:
            with override_settings(SEARCH_BACKEND="postgres", CONTENT_CACHE_SECONDS=0):
                together, wall = concurrent(user, queries, clients=args.clients, repeats=args.repeats)
            print(
                f"{args.clients} concurrent clients, {len(together):,} requests in {wall:.1f} s"
                f" ({len(together) / wall:.0f} req/s):"
            )
            row(f"full text, {args.clients} clients", together, None, fts)
            verdict = "met" if percentile(together, 95) < 150 else "NOT met"
            print(f"target p95 < 150 ms with {args.clients} clients: {verdict}")
    finally:
        connection.close()
        connection.creation.destroy_test_db(real_name, verbosity=0, keepdb=args.keep)


if __name__ == "__main__":
    main()
