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

import django  # noqa: E402

django.setup()
warnings.filterwarnings("ignore", message="No directory at")  # static files are not collected here

from django.conf import settings  # noqa: E402
from django.core.cache import cache  # noqa: E402
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
BATCH = 2_000


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--transcripts", type=int, default=2_000)
    parser.add_argument("--words", type=int, default=8_000, help="words per transcript")
    parser.add_argument("--tracks", type=int, default=20_000)
    parser.add_argument("--queries", type=int, default=50)
    parser.add_argument("--seed", type=int, default=6)
    parser.add_argument("--keep", action="store_true", help="keep the bench database (and reuse it next time)")
    parser.add_argument("--repeats", type=int, default=3, help="full-text passes; each query's median counts")
    parser.add_argument("--no-scan", action="store_true", help="skip the icontains baseline (for quick runs)")
    return parser.parse_args()


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


def build_corpus(args, rng: random.Random, languages: dict[str, Language], user: User) -> dict:
    """Catalogue rows with bulk_create, page text with COPY; then the real indexing code."""
    now = timezone.now()
    started = time.perf_counter()
    groups = RetreatGroup.objects.bulk_create(RetreatGroup(name=f"Group {i}", slug=f"group-{i}") for i in range(10))
    GroupMembership.objects.bulk_create(GroupMembership(user=user, group=group) for group in groups[:5])
    tracks_per_session, sessions_per_gathering = 10, 10
    gatherings = max(1, math.ceil(args.tracks / (tracks_per_session * sessions_per_gathering)))
    audiences = rng.choices(
        ["free-anyone", "retreat-group-members", "free-subscribers"], weights=[70, 20, 10], k=gatherings
    )
    retreats = Retreat.objects.bulk_create(
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
    )
    Retreat.groups.through.objects.bulk_create(
        Retreat.groups.through(retreat_id=retreat.pk, retreatgroup_id=groups[i % len(groups)].pk)
        for i, retreat in enumerate(retreats)
    )
    sessions = Session.objects.bulk_create(
        Session(retreat=retreat, name=f"Day {n}", order=n, type="morning")
        for retreat in retreats
        for n in range(1, sessions_per_gathering + 1)
    )
    en, pt = languages["en"], languages["pt"]
    originals, made = [], 0
    for session in sessions:
        for order in range(1, tracks_per_session // 2 + 1):
            if made >= args.tracks // 2:
                break
            originals.append(
                Track(
                    session=session,
                    order=order,
                    language="en",
                    languages=["en"],
                    original_language="en",
                    title=en.text(rng, rng.randint(3, 6)).rstrip("."),
                    description=en.text(rng, rng.randint(10, 30)),
                    duration=rng.randint(1200, 5400),
                )
            )
            made += 1
    Track.objects.bulk_create(originals, batch_size=BATCH)
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
    Track.objects.bulk_create(translations, batch_size=BATCH)
    # Transcripts on tracks spread over every gathering, half of them Portuguese.
    step = max(1, len(originals) // max(1, args.transcripts // 2))
    with_text = (
        originals[::step][: args.transcripts // 2] + translations[::step][: args.transcripts - args.transcripts // 2]
    )
    pages_per_transcript = max(1, round(args.words / PAGE_WORDS))
    transcripts = Transcript.objects.bulk_create(
        (
            Transcript(track=track, language=track.language, page_count=pages_per_transcript, status="ready")
            for track in with_text
        ),
        batch_size=BATCH,
    )
    words = 0
    with (
        connection.cursor() as cursor,
        cursor.cursor.copy(
            "COPY retreats_transcriptpage (transcript_id, number, text, search_hash) FROM STDIN"
        ) as copy,
    ):
        for transcript in transcripts:
            language = languages[transcript.language]
            for number in range(1, pages_per_transcript + 1):
                n = rng.randint(PAGE_WORDS * 3 // 4, PAGE_WORDS * 5 // 4)
                words += n
                copy.write_row((transcript.pk, number, language.text(rng, n), ""))
    generated = time.perf_counter() - started
    started = time.perf_counter()
    print("indexing with the real code (rebuild_index):", flush=True)
    last = [0.0]

    def progress(label, done, total):
        if done == total or time.perf_counter() - last[0] > 10:
            last[0] = time.perf_counter()
            print(f"  {label}: {done:,}/{total:,}", flush=True)

    counts = search.rebuild_index(batch_size=500, progress=progress)
    indexed = time.perf_counter() - started
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")  # what autovacuum does on a live database
    return {"words": words, "generated": generated, "indexed": indexed, **counts}


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
    cores are shared, and a 20 ms request loses a lot to one preemption."""
    cache.clear()  # throttle counters
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
        cache.clear()
    return [statistics.median(r) for r in runs], totals


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, math.ceil(p / 100 * len(ordered)) - 1)]


def main():
    args = parse_args()
    if connection.vendor != "postgresql":
        sys.exit("bench/search.py needs PostgreSQL: set DATABASE_URL=postgres://…")
    database = settings.DATABASES["default"]
    real_name = database["NAME"]
    # Persistent connections, as in production (DB_CONN_MAX_AGE=60): a new connection per
    # request would also pay for loading the text search dictionaries every time.
    connection.settings_dict["CONN_MAX_AGE"] = 600
    database.setdefault("TEST", {})["NAME"] = f"{real_name}_bench"
    # Reused when it exists (migrated, and rebuilt below unless it holds this very corpus);
    # dropped at the end unless --keep.
    fingerprint = f"bench-{args.seed}-{args.transcripts}-{args.words}-{args.tracks}"
    bench_name = connection.creation.create_test_db(verbosity=0, serialize=False, keepdb=True)
    try:
        rng = random.Random(args.seed)
        languages = {code: Language(code, rng) for code in ("en", "pt")}
        user = User.objects.filter(email=f"{fingerprint}@bench.local").first()
        if user is None:
            Retreat.objects.all().delete()
            RetreatGroup.objects.all().delete()
            User.objects.filter(email__endswith="@bench.local").delete()
            user = User.objects.create_user(
                email=f"{fingerprint}@bench.local",
                password=uuid.uuid4().hex,
                content_language="en-pt",
                subscription_status="active",
                subscription_plan="basic",
            )
            print(f"building the corpus in {bench_name} …", flush=True)
            built = build_corpus(args, rng, languages, user)
            print(
                f"corpus: {Track.objects.count():,} tracks, {Transcript.objects.count():,} transcripts, "
                f"{built['pages']:,} pages, {built['words']:,} words; "
                f"generated in {built['generated']:.0f} s, indexed in {built['indexed']:.0f} s"
            )
        else:
            print(f"reusing the corpus in {bench_name} (--keep)")
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT pg_size_pretty(pg_total_relation_size('retreats_transcriptpage')),"
                " pg_size_pretty(pg_relation_size('retreats_page_search_gin')),"
                " pg_size_pretty(pg_relation_size('retreats_track_search_gin'))"
            )
            pages_size, pages_gin, tracks_gin = cursor.fetchone()
        print(f"sizes: transcript pages {pages_size} (GIN {pages_gin}), tracks GIN {tracks_gin}")

        queries = make_queries(args, random.Random(args.seed + 1), languages)
        client = APIClient()
        client.force_authenticate(user)
        with override_settings(SEARCH_BACKEND="postgres"):
            fts, fts_totals = timed(client, queries, warm_up=len(queries), repeats=args.repeats)
        if args.no_scan:
            print(
                f"full text: p50 {percentile(fts, 50):.1f} ms, p95 {percentile(fts, 95):.1f} ms, max {max(fts):.1f} ms"
            )
            return
        with override_settings(SEARCH_BACKEND="substring"):
            # Every scan reads the whole table anyway: a couple of queries warm it up.
            scan, scan_totals = timed(client, queries, warm_up=2)

        print(f"\n{len(queries)} queries through GET {URL} as a member with a basic subscription (en-pt),")
        print(
            f"full text: median of {args.repeats} passes per query after one untimed pass; scan: one pass after two"
            f" untimed queries; load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores (shared machine):"
        )
        print(f"{'':22}{'p50':>10}{'p95':>10}{'max':>10}{'mean hits':>12}")
        for name, values, totals in (("full text (postgres)", fts, fts_totals), ("icontains scan", scan, scan_totals)):
            print(
                f"{name:22}{percentile(values, 50):>8.1f}ms{percentile(values, 95):>8.1f}ms"
                f"{max(values):>8.1f}ms{statistics.mean(totals):>12.0f}"
            )
        p50_ratio = percentile(scan, 50) / percentile(fts, 50)
        p95_ratio = percentile(scan, 95) / percentile(fts, 95)
        print(f"scan / full text: {p50_ratio:.0f}x at p50, {p95_ratio:.0f}x at p95")
        slowest = sorted(zip(fts, queries, fts_totals, strict=True), reverse=True)[:3]
        print("slowest full-text queries: " + "; ".join(f"{q!r} {ms:.0f} ms ({n:,} hits)" for ms, q, n in slowest))
        verdict = "met" if percentile(fts, 95) < 50 and p95_ratio >= 20 else "NOT met"
        print(f"target (p95 < 50 ms and >= 20x the scan): {verdict}")
    finally:
        connection.creation.destroy_test_db(real_name, verbosity=0, keepdb=args.keep)


if __name__ == "__main__":
    main()
