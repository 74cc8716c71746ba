"""Full-text search over track titles, descriptions and transcript pages (docs/api.md
``GET /content/search``), behind one interface with a backend per database.

PostgreSQL (:class:`PostgresBackend`): stored ``tsvector`` columns (track title weight A,
description B; transcript page text C) built with the content's own text search
configuration (``padmakara_en``, ``padmakara_pt``, else ``padmakara_simple``; each folds
accents through the ``unaccent`` dictionary before stemming, migration 0002), GIN indexes,
``websearch_to_tsquery`` for the user's words (through ``padmakara_search_query``, which
also lets a lexeme match its own stem), ``ts_rank_cd`` ranking and ``ts_headline``
highlights, all in one statement.

Anything else, SQLite by default (:class:`SubstringBackend`): case-insensitive substring
matching over the same fields, no stemming or accent folding, same result shape.

What is found: only published content the reader may *play* (``AccessProfile.playable_q``);
locked gatherings are left out entirely, because a transcript hit would show text the reader
may not open. Tracks follow ``contentLanguage`` as in the catalogue (with ``en``, translation
tracks and their transcripts are left out). A transcript appears once, at its best page.
"""

import html
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Min, Q

from .access import published_q
from .models import Retreat, Track, TranscriptPage
from .selectors import Reader, visible_tracks_q
from .versioning import bump_catalogue_version

# "book": found by the searcher the library app registers (register_searcher); none without it.
TYPES = ("track", "transcript", "book")
CORE_TYPES = ("track", "transcript")
LANGUAGES = ("en", "pt")

# Content language -> text search configuration (created by migration 0002). Every other
# language (tib, fr, …) is indexed without stemming.
CONFIGURATIONS = {"en": "padmakara_en", "pt": "padmakara_pt"}
FALLBACK_CONFIGURATION = "padmakara_simple"

# Part of every stored digest: change it when the vectors are built differently and the
# next rebuild re-indexes everything.
INDEX_VERSION = "1"

# ts_rank_cd weights {D, C, B, A}: title A, description B, transcript text C.
RANK_WEIGHTS = "{0.1, 0.2, 0.4, 1.0}"
# Scores are ts_rank_cd normalised to rank/(rank+1) (flag 32), so within [0, 1). Transcript
# page scores are scaled into [0, 0.5): a title hit (>= 0.5) always ranks above any
# transcript hit, while a passing mention in a description (about 0.29) ranks below a page
# that uses the word seven times or more.
TRANSCRIPT_SCORE_CEILING = 0.5
# Transcript pages ranked at most per search, beyond the window's own transcripts (see
# PostgresBackend._search): ranking reads each page's vector, counting does not.
RANKED_PAGES = 400

# Planner settings for the search's transaction (set_config(..., true), so they end with it).
# On a big archive a search's estimated cost crosses jit_above_cost, and compiling takes longer
# than the query; parallel workers take longer to start than a search takes, and the cores are
# better spent on concurrent requests.
SEARCH_SETTINGS = {"jit": "off", "max_parallel_workers_per_gather": "0"}
_SETTINGS = ", ".join(f"set_config('{name}', '{value}', true)" for name, value in SEARCH_SETTINGS.items())

# Highlight markers: control characters that ts_headline puts around a hit; the text is
# HTML-escaped and only then are they turned into <mark>…</mark>.
_START, _STOP, _FRAGMENTS = "\x02", "\x03", "\x1e"
_TITLE_HEADLINE = f"StartSel={_START}, StopSel={_STOP}, HighlightAll=true"
_DESCRIPTION_HEADLINE = f"StartSel={_START}, StopSel={_STOP}, MaxWords=35, MinWords=15"
_TEXT_HEADLINE = (
    f"StartSel={_START}, StopSel={_STOP}, MaxFragments=2, MaxWords=30, MinWords=12, FragmentDelimiter={_FRAGMENTS}"
)
_MARKED = re.compile(f"{_START}([^{_START}{_STOP}]*){_STOP}")
_WORD = re.compile(r"\w")


@dataclass(frozen=True)
class SearchRequest:
    text: str
    type: str | None = None  # "track", "transcript" or None for both
    language: str | None = None  # "en", "pt" or None for every language
    limit: int = 20
    offset: int = 0

    @property
    def wants_tracks(self) -> bool:
        return self.type in (None, "track")

    @property
    def wants_transcripts(self) -> bool:
        return self.type in (None, "transcript")


def marks(fragment: str) -> str:
    """HTML-escape a headline and turn its markers into ``<mark>``; stray markers are dropped."""
    escaped = html.escape(fragment, quote=False)
    marked = _MARKED.sub(r"<mark>\1</mark>", escaped)
    return marked.replace(_START, "").replace(_STOP, "").strip()


@dataclass(frozen=True)
class SearchHit:
    """One result: a track, or a transcript at its best page (``retreats.shapes.SearchResult``)."""

    kind: str  # "track" or "transcript"
    object_uuid: object  # the track's uuid, or the transcript's
    track_uuid: object
    title: str
    description: str
    duration: float
    language: str
    score: float
    page: int | None
    highlights: list[str]


def _hit(row: dict, highlights: list[str]) -> SearchHit:
    return SearchHit(
        kind=row["kind"],
        object_uuid=row["object_uuid"],
        track_uuid=row["track_uuid"],
        title=row["title"],
        description=row["description"],
        duration=row["duration"],
        language=row["language"],
        score=float(row["score"]),
        page=row["page_number"],
        highlights=highlights,
    )


def _allowed_retreats(reader: Reader):
    """The one access rule, in SQL: published gatherings the reader may play."""
    return Retreat.objects.filter(published_q(), reader.profile.playable_q()).order_by().values("pk")


# --- PostgreSQL ---------------------------------------------------------------------------


def _configuration_sql(column: str) -> str:
    """The configuration name (text) for a language column."""
    whens = " ".join(f"WHEN '{language}' THEN '{name}'" for language, name in CONFIGURATIONS.items())
    return f"(CASE {column} {whens} ELSE '{FALLBACK_CONFIGURATION}' END)"


def _search_hash(config: str, *columns: str) -> str:
    """SQL for the hash of what a row's search vector is made from (index version, configuration,
    text columns): a row whose stored hash matches needs no new vector."""
    parts = [f"'{INDEX_VERSION}'", config, *columns]
    return "md5(" + " || chr(31) || ".join(parts) + ")"


def _updated_rows(sql: str, ids: Iterable[int]) -> int:
    """Run an indexing UPDATE over the rows ``ids`` (its one parameter); how many it changed."""
    with connection.cursor() as cursor:
        cursor.execute(sql, [list(ids)])
        return cursor.rowcount


def _query_sql(column: str) -> str:
    """The parsed query matching the configuration of a language column."""
    whens = " ".join(f"WHEN '{language}' THEN (SELECT {language} FROM terms)" for language in CONFIGURATIONS)
    return f"(CASE {column} {whens} ELSE (SELECT other FROM terms) END)"


def _known_languages() -> str:
    return ", ".join(f"'{code}'" for code in CONFIGURATIONS)


def _match_sql(vector: str, column: str, queries: dict[str, str]) -> tuple[str, list]:
    """``vector @@ query`` with the query parsed by the row's own configuration.

    Each query is a constant, so the planner estimates it from the column's statistics. With
    several configurations, the GIN index is searched once for any of their queries (one
    index scan costs less than a sequential scan, several OR-ed ones may not) and each row
    is then checked against the query of its own language."""
    known = _known_languages()
    branches, params = [], []
    for code, parsed in queries.items():
        language = f"{column} = '{code}'" if code in CONFIGURATIONS else f"{column} NOT IN ({known})"
        branches.append(f"({language} AND {vector} @@ %s::tsquery)")
        params.append(parsed)
    if len(branches) == 1:
        return branches[0], params
    distinct = sorted(set(params))
    any_of = " || ".join(["%s::tsquery"] * len(distinct))
    return f"({vector} @@ ({any_of}) AND (" + " OR ".join(branches) + "))", distinct + params


class PostgresBackend:
    name = "postgres"

    def search(self, reader: Reader, request: SearchRequest) -> tuple[list[SearchHit], int]:
        if not _WORD.search(request.text):
            return [], 0
        # One transaction for the parse and the search, so that the parse's settings hold for both.
        with transaction.atomic(savepoint=False):
            queries = self._parse(request)
            if not queries:
                return [], 0
            return self._search(reader, request, queries)

    def _search(self, reader: Reader, request: SearchRequest, queries: dict[str, str]) -> tuple[list[SearchHit], int]:
        allowed_sql, allowed_params = _allowed_retreats(reader).query.sql_with_params()
        # The reader's content language, as selectors.visible_tracks_q says it (jsonb ``?|``: any of).
        codes = list(reader.content_codes)
        translations = """AND (t.languages ?| %s::text[] OR NOT EXISTS (
            SELECT 1 FROM retreats_track heard WHERE heard.session_id = t.session_id AND heard.languages ?| %s::text[]))"""
        window = request.offset + request.limit
        params: list = [queries.get(code) for code in (*CONFIGURATIONS, "other")]
        ctes, branches, counts = [], [], []
        if request.wants_tracks:
            match, match_params = _match_sql("t.search_vector", "t.language", queries)
            ctes.append(f"""
                track_hits AS MATERIALIZED (
                    SELECT 'track' AS kind, t.id AS object_id, t.id AS track_id, NULL::bigint AS page_id,
                           NULL::integer AS page_number, t.language AS language,
                           ts_rank_cd('{RANK_WEIGHTS}', t.search_vector, {_query_sql("t.language")}, 32) AS score
                    FROM retreats_track t JOIN retreats_session s ON s.id = t.session_id
                    WHERE {match} AND s.retreat_id IN ({allowed_sql}) {translations})""")
            params += match_params + list(allowed_params) + [codes, codes]
            branches.append("SELECT * FROM track_hits")
            counts.append("(SELECT count(*) FROM track_hits)")
        if request.wants_transcripts:
            # The matching pages the reader may see: first the pages whose vector matches, one
            # index scan per language with its query as a constant; then the access rule and the
            # language, once per transcript they belong to (not once per page). Nothing here reads
            # a page's vector beyond the index: counting is cheap.
            matched = []
            for code, parsed in queries.items():
                matched.append(f"""
                    SELECT p.id, p.transcript_id, p.number, '{code}' AS language
                    FROM retreats_transcriptpage p WHERE p.search_vector @@ %s::tsquery""")
                params.append(parsed)
            own_language = " OR ".join(
                f"(m.language = '{code}' AND tr.language = '{code}')"
                if code in CONFIGURATIONS
                else f"(m.language = '{code}' AND tr.language NOT IN ({_known_languages()}))"
                for code in queries
            )
            ctes.append(f"matched AS MATERIALIZED ({' UNION ALL '.join(matched)})")
            ctes.append(f"""
                visible_transcripts AS MATERIALIZED (
                    SELECT tr.id, tr.language FROM retreats_transcript tr
                    JOIN retreats_track t ON t.id = tr.track_id
                    JOIN retreats_session s ON s.id = t.session_id
                    WHERE tr.id IN (SELECT transcript_id FROM matched)
                      AND s.retreat_id IN ({allowed_sql}) {translations})""")
            params += [*allowed_params, codes, codes]
            ctes.append(f"""
                page_matches AS MATERIALIZED (
                    SELECT m.id, m.transcript_id, m.number, m.language
                    FROM matched m JOIN visible_transcripts tr ON tr.id = m.transcript_id
                    WHERE {own_language})""")
            # Ranking reads each page's vector (kilobytes, out of line): it is done only when
            # transcripts can reach the window (a title hit, >= 0.5, always ranks above any
            # transcript, < 0.5), and then only for the candidates of a cheap first pass: the
            # transcripts with the most matching pages, up to RANKED_PAGES pages in all (and at
            # least the window's count of transcripts). With fewer matching pages, all are ranked.
            needed = (
                f"(SELECT count(*) FROM track_hits WHERE score >= {TRANSCRIPT_SCORE_CEILING}) < %s"
                if request.wants_tracks
                else "true"
            )
            if request.wants_tracks:
                params.append(window)
            ctes.append(f"""
                candidates AS MATERIALIZED (
                    SELECT transcript_id FROM (
                        SELECT transcript_id, count(*) AS matching,
                               row_number() OVER (ORDER BY count(*) DESC, transcript_id) AS place,
                               sum(count(*)) OVER (ORDER BY count(*) DESC, transcript_id) AS pages
                        FROM page_matches WHERE {needed} GROUP BY transcript_id
                    ) first_pass
                    WHERE place <= %s OR pages - matching < %s)""")
            params += [window, RANKED_PAGES]
            # One row per transcript: its best page (DISTINCT ON keeps the first per id).
            ctes.append(f"""
                transcript_hits AS (
                    SELECT DISTINCT ON (m.transcript_id) 'transcript' AS kind, m.transcript_id AS object_id,
                           NULL::bigint AS track_id, m.id AS page_id, m.number AS page_number, m.language,
                           {TRANSCRIPT_SCORE_CEILING}
                           * ts_rank_cd('{RANK_WEIGHTS}', p.search_vector, {_query_sql("m.language")}, 32) AS score
                    FROM page_matches m JOIN retreats_transcriptpage p ON p.id = m.id
                    WHERE m.transcript_id IN (SELECT transcript_id FROM candidates)
                    ORDER BY m.transcript_id, score DESC, m.number)""")
            branches.append("SELECT * FROM transcript_hits")
            counts.append("(SELECT count(DISTINCT transcript_id) FROM page_matches)")
        params += [request.limit, request.offset]
        config = _configuration_sql("r.language")
        query = _query_sql("r.language")
        sql = f"""
            WITH terms AS MATERIALIZED (
                SELECT {", ".join(f"%s::tsquery AS {code}" for code in (*CONFIGURATIONS, "other"))}
            ),
            {", ".join(ctes)},
            hits AS ({" UNION ALL ".join(branches)}),
            ranked AS (SELECT * FROM hits ORDER BY score DESC, kind, object_id LIMIT %s OFFSET %s)
            SELECT c.total, r.kind, r.score, r.page_number, COALESCE(tr.language, t.language) AS language,
                   t.uuid AS track_uuid, COALESCE(tr.uuid, t.uuid) AS object_uuid,
                   t.title, t.description, t.duration,
                   CASE WHEN r.kind = 'track'
                        THEN ts_headline({config}::regconfig, t.title, {query}, %s) END AS title_headline,
                   CASE WHEN r.kind = 'track' AND t.description <> ''
                        THEN ts_headline({config}::regconfig, t.description, {query}, %s) END AS text_headline,
                   CASE WHEN r.kind = 'transcript'
                        THEN ts_headline({config}::regconfig, p.text, {query}, %s) END AS page_headline
            FROM (SELECT {" + ".join(counts)} AS total) c
            LEFT JOIN ranked r ON true
            LEFT JOIN retreats_transcript tr ON r.kind = 'transcript' AND tr.id = r.object_id
            LEFT JOIN retreats_track t ON t.id = COALESCE(r.track_id, tr.track_id)
            LEFT JOIN retreats_transcriptpage p ON p.id = r.page_id
            ORDER BY r.score DESC, r.kind, r.object_id
        """
        params += [_TITLE_HEADLINE, _DESCRIPTION_HEADLINE, _TEXT_HEADLINE]
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            columns = [column.name for column in cursor.description]
            rows = [dict(zip(columns, row, strict=True)) for row in cursor.fetchall()]
        total = rows[0]["total"] if rows else 0
        results = []
        for row in rows:
            if row["kind"] is None:  # the count row of an empty page
                continue
            fragments = [row["title_headline"], row["text_headline"], *(row["page_headline"] or "").split(_FRAGMENTS)]
            results.append(_hit(row, [marks(f) for f in fragments if f and _START in f]))
        return results, total

    @staticmethod
    def _parse(request: SearchRequest) -> dict[str, str]:
        """The user's words as a tsquery per configuration (text), leaving out those with
        nothing to look for; only the requested language when there is one. Also sets
        ``SEARCH_SETTINGS`` for the rest of the transaction."""
        codes = [request.language] if request.language else [*CONFIGURATIONS, "other"]
        names = [CONFIGURATIONS.get(code, FALLBACK_CONFIGURATION) for code in codes]
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT {_SETTINGS}, " + ", ".join(f"padmakara_search_query('{name}', %s)::text" for name in names),
                [request.text] * len(names),
            )
            parsed = cursor.fetchone()[len(SEARCH_SETTINGS) :]
        return {code: query for code, query in zip(codes, parsed, strict=True) if query}

    def index_tracks(self, track_ids: Iterable[int]) -> int:
        config = _configuration_sql("t.language")
        digest = _search_hash(config, "t.title", "t.description")
        return _updated_rows(
            f"""
            UPDATE retreats_track t
            SET search_vector = setweight(to_tsvector({config}::regconfig, t.title), 'A')
                             || setweight(to_tsvector({config}::regconfig, t.description), 'B'),
                search_hash = {digest}
            WHERE t.id = ANY(%s) AND t.search_hash <> {digest}
            """,
            track_ids,
        )

    def index_transcripts(self, transcript_ids: Iterable[int]) -> int:
        config = _configuration_sql("tr.language")
        digest = _search_hash(config, "p.text")
        return _updated_rows(
            f"""
            UPDATE retreats_transcriptpage p
            SET search_vector = setweight(to_tsvector({config}::regconfig, p.text), 'C'),
                search_hash = {digest}
            FROM retreats_transcript tr
            WHERE tr.id = p.transcript_id AND p.transcript_id = ANY(%s) AND p.search_hash <> {digest}
            """,
            transcript_ids,
        )


# --- Substring fallback (SQLite) ------------------------------------------------------------

_TOKENS = re.compile(r'(-?)"([^"]*)"|(-?)(\S+)')


def _substring_terms(text: str) -> tuple[list[str], list[str]]:
    """Words and "quoted phrases" to find, and -words to leave out. ``or`` is not supported
    (the word is dropped, so ``a or b`` asks for both)."""
    wanted, unwanted = [], []
    for minus_phrase, phrase, minus_word, word in _TOKENS.findall(text):
        term = (phrase if phrase or minus_phrase else word).strip()
        if not _WORD.search(term) or (term.lower() == "or" and not phrase):
            continue
        (unwanted if (minus_phrase or minus_word) else wanted).append(term)
    return wanted, unwanted


def _contains(fields: tuple[str, ...], term: str) -> Q:
    q = Q()
    for field in fields:
        q |= Q(**{f"{field}__icontains": term})
    return q


def _substring_highlights(text: str, terms: list[str], *, whole: bool = False) -> list[str]:
    """A window of text around the first hit, escaped, with every hit in <mark>."""
    pattern = re.compile("|".join(re.escape(term) for term in sorted(terms, key=len, reverse=True)), re.IGNORECASE)
    first = pattern.search(text)
    if first is None:
        return []
    if not whole:
        start, end = max(0, first.start() - 80), min(len(text), first.end() + 120)
        text = ("…" if start else "") + text[start:end] + ("…" if end < len(text) else "")
    return [pattern.sub(lambda m: f"<mark>{m.group(0)}</mark>", html.escape(text, quote=False))]


class SubstringBackend:
    """Case-insensitive substring matching: the embedded default's simpler search."""

    name = "substring"
    TITLE_SCORE, DESCRIPTION_SCORE, TRANSCRIPT_SCORE = 0.75, 0.5, 0.25

    def search(self, reader: Reader, request: SearchRequest) -> tuple[list[SearchHit], int]:
        wanted, unwanted = _substring_terms(request.text)
        if not wanted:
            return [], 0
        tracks = Track.objects.filter(session__retreat__in=_allowed_retreats(reader))
        tracks = tracks.filter(visible_tracks_q(reader))
        window = request.offset + request.limit
        hits: list[SearchHit] = []
        total = 0
        if request.wants_tracks:
            found = tracks
            if request.language:
                found = found.filter(language=request.language)
            for term in wanted:
                found = found.filter(_contains(("title", "description"), term))
            for term in unwanted:
                found = found.exclude(_contains(("title", "description"), term))
            total += found.count()
            title_hit = Q()
            for term in wanted:
                title_hit &= Q(title__icontains=term)
            rows = found.filter(title_hit).order_by("pk")[:window], found.exclude(title_hit).order_by("pk")[:window]
            for score, queryset in zip((self.TITLE_SCORE, self.DESCRIPTION_SCORE), rows, strict=True):
                for track in queryset.values("pk", "uuid", "title", "description", "duration", "language"):
                    highlights = _substring_highlights(track["title"], wanted, whole=True)
                    highlights += _substring_highlights(track["description"], wanted)
                    hits.append(self._row("track", track, score, track["uuid"], None, highlights))
        if request.wants_transcripts:
            pages = TranscriptPage.objects.filter(transcript__track__in=tracks)
            if request.language:
                pages = pages.filter(transcript__language=request.language)
            for term in wanted:
                pages = pages.filter(text__icontains=term)
            for term in unwanted:
                pages = pages.exclude(text__icontains=term)
            best = pages.values("transcript_id").annotate(number=Min("number")).order_by("transcript_id")
            total += best.count()
            first_pages = {(row["transcript_id"], row["number"]) for row in best[:window]}
            page_rows = TranscriptPage.objects.filter(
                transcript_id__in={transcript_id for transcript_id, _ in first_pages},
                number__in={number for _, number in first_pages},
            ).values(
                "number",
                "text",
                "transcript_id",
                "transcript__uuid",
                "transcript__language",
                "transcript__track__uuid",
                "transcript__track__title",
                "transcript__track__description",
                "transcript__track__duration",
            )
            for page in sorted(page_rows, key=lambda row: row["transcript_id"]):
                if (page["transcript_id"], page["number"]) not in first_pages:
                    continue
                track = {
                    "uuid": page["transcript__track__uuid"],
                    "title": page["transcript__track__title"],
                    "description": page["transcript__track__description"],
                    "duration": page["transcript__track__duration"],
                    "language": page["transcript__language"],
                }
                highlights = _substring_highlights(page["text"], wanted)
                hits.append(
                    self._row(
                        "transcript", track, self.TRANSCRIPT_SCORE, page["transcript__uuid"], page["number"], highlights
                    )
                )
        hits.sort(key=lambda hit: -hit.score)  # stable: keeps each list's own order
        return hits[request.offset : window], total

    @staticmethod
    def _row(kind: str, track: dict, score: float, object_uuid, page: int | None, highlights: list[str]) -> SearchHit:
        row = {
            "object_uuid": object_uuid,
            "kind": kind,
            "title": track["title"],
            "description": track["description"],
            "duration": track["duration"],
            "language": track["language"],
            "score": score,
            "track_uuid": track["uuid"],
            "page_number": page,
        }
        return _hit(row, highlights)

    def index_tracks(self, track_ids: Iterable[int]) -> int:
        return 0  # nothing is stored: substring matching reads the fields themselves

    def index_transcripts(self, transcript_ids: Iterable[int]) -> int:
        return 0


# --- Entry points ---------------------------------------------------------------------------

BACKENDS = {"postgres": PostgresBackend, "substring": SubstringBackend}


def backend() -> PostgresBackend | SubstringBackend:
    """The backend named by ``SEARCH_BACKEND``; ``auto`` picks by database vendor."""
    name = settings.SEARCH_BACKEND
    if name == "auto":
        name = "postgres" if connection.vendor == "postgresql" else "substring"
    return BACKENDS[name]()


# Kinds of content above this app (the library's books): kind -> searcher(reader, request), which
# returns its best ``offset + limit`` hits and how many it found; registered in AppConfig.ready().
SEARCHERS: dict[str, Callable[[Reader, SearchRequest], tuple[list[SearchHit], int]]] = {}


def register_searcher(kind: str, searcher: Callable[[Reader, SearchRequest], tuple[list[SearchHit], int]]) -> None:
    SEARCHERS[kind] = searcher


def search_content(reader: Reader, request: SearchRequest) -> tuple[list[SearchHit], int]:
    """A page of search results for this reader, and how many there are in all. With other
    kinds registered, each source gives its best ``offset + limit`` hits and the page is
    taken from them merged by score."""
    searchers = [searcher for kind, searcher in SEARCHERS.items() if request.type in (None, kind)]
    if not searchers:
        if request.type not in (None, *CORE_TYPES):
            return [], 0
        return backend().search(reader, request)
    window = request.offset + request.limit
    wide = SearchRequest(text=request.text, type=request.type, language=request.language, limit=window, offset=0)
    hits: list[SearchHit] = []
    total = 0
    if request.type in (None, *CORE_TYPES):
        hits, total = backend().search(reader, wide)
    for searcher in searchers:
        found, count = searcher(reader, wide)
        hits += found
        total += count
    hits.sort(key=lambda hit: -hit.score)  # stable: each source keeps its own order on ties
    return hits[request.offset : window], total


def search_gatherings(reader: Reader, text: str, *, limit: int = 20) -> list[dict]:
    """Published gatherings the reader may open whose name (either language) holds every word
    of ``text``: ``id``, ``name``, ``name_pt`` and ``highlight``, newest first. One query."""
    wanted, unwanted = _substring_terms(text)
    if not wanted:
        return []
    fields = ("name", "name_pt")
    queryset = Retreat.objects.filter(pk__in=_allowed_retreats(reader))
    for term in wanted:
        queryset = queryset.filter(_contains(fields, term))
    for term in unwanted:
        queryset = queryset.exclude(_contains(fields, term))
    rows = list(queryset.order_by("-start_date", "name").values("id", "name", "name_pt")[:limit])
    for row in rows:
        highlights = _substring_highlights(row["name"], wanted, whole=True) or _substring_highlights(
            row["name_pt"], wanted, whole=True
        )
        row["highlight"] = highlights[0] if highlights else row["name"]
    return rows


def index_tracks(*, track_ids: Iterable[int]) -> int:
    """Refresh the search vectors of these tracks; returns how many changed (0 when their
    title, description and language are what was indexed last)."""
    changed = backend().index_tracks(track_ids)
    if changed:
        transaction.on_commit(bump_catalogue_version)  # cached search answers (ETags) change too
    return changed


def index_transcripts(*, transcript_ids: Iterable[int]) -> int:
    """Refresh the search vectors of these transcripts' pages; returns how many pages changed."""
    changed = backend().index_transcripts(transcript_ids)
    if changed:
        transaction.on_commit(bump_catalogue_version)
    return changed


def _batches(queryset, batch_size: int):
    last = 0
    while True:
        ids = list(queryset.filter(pk__gt=last).order_by("pk").values_list("pk", flat=True)[:batch_size])
        if not ids:
            return
        yield ids
        last = ids[-1]


def rebuild_index(
    *, force: bool = False, batch_size: int = 200, progress: Callable[[str, int, int], None] | None = None
) -> dict[str, int]:
    """Bring every vector up to date, in batches; unchanged rows are skipped unless ``force``.
    ``progress(label, done, total)`` is called after each batch."""
    from .models import Transcript

    if force:
        Track.objects.exclude(search_hash="").update(search_hash="")
        TranscriptPage.objects.exclude(search_hash="").update(search_hash="")
    counts = {"tracks": 0, "pages": 0}
    for label, queryset, index, key in (
        ("tracks", Track.objects.all(), lambda ids: index_tracks(track_ids=ids), "tracks"),
        ("transcripts", Transcript.objects.all(), lambda ids: index_transcripts(transcript_ids=ids), "pages"),
    ):
        total, done = queryset.count(), 0
        if progress:
            progress(label, 0, total)
        for ids in _batches(queryset, batch_size):
            with transaction.atomic():
                counts[key] += index(ids)
            done += len(ids)
            if progress:
                progress(label, done, total)
    return counts
