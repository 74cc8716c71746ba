"""Books in the content search (docs/api.md ``GET /content/search``, type ``book``): their pages'
text indexed and ranked as transcript pages are (``retreats.search``), each book found once at
its best page, among the books the reader may open (the access rule, through
:func:`library.selectors.readable_books`)."""

from collections.abc import Iterable
from typing import Any

from django.db import connection
from django.db.models import Min

from retreats import search as content_search
from retreats.search import SearchHit, SearchRequest
from retreats.selectors import Reader

from . import selectors
from .models import Book, BookPage

KIND = "book"


def _readable_ids(reader: Reader) -> dict[int, Book]:
    books, _hidden = selectors.readable_books(reader.profile)
    return {book.pk: book for book in books}


def _hit(book, language: str, score: float, page: int, highlights: list[str]) -> SearchHit:
    return SearchHit(
        kind=KIND,
        object_uuid=book.uuid,
        track_uuid=None,
        title=book.title_in(language),
        description=", ".join(book.author_list),
        duration=0,
        language=book.language,
        score=score,
        page=page,
        highlights=highlights,
    )


def _postgres(reader: Reader, request: SearchRequest, books: dict[int, Book]) -> tuple[list[SearchHit], int]:
    queries = content_search.PostgresBackend._parse(request)
    if not queries:
        return [], 0
    known = ", ".join(f"'{code}'" for code in content_search.CONFIGURATIONS)
    branches: list[str] = []
    params: list[Any] = []
    for code, parsed in queries.items():
        language = f"= '{code}'" if code in content_search.CONFIGURATIONS else f"NOT IN ({known})"
        configuration = content_search.CONFIGURATIONS.get(code, content_search.FALLBACK_CONFIGURATION)
        branches.append(f"""
            SELECT p.book_id, p.id AS page_id, p.number, '{configuration}' AS config, %s::tsquery AS query,
                   ts_rank_cd('{content_search.RANK_WEIGHTS}', p.search_vector, %s::tsquery, 32) AS rank
            FROM library_bookpage p JOIN library_book b ON b.id = p.book_id
            WHERE p.search_vector @@ %s::tsquery AND b.language {language} AND b.id = ANY(%s)""")
        params += [parsed, parsed, parsed, list(books)]
    window = request.offset + request.limit
    sql = f"""
        WITH best AS (
            SELECT DISTINCT ON (book_id) * FROM ({" UNION ALL ".join(branches)}) pages
            ORDER BY book_id, rank DESC, number
        ),
        top AS (SELECT * FROM best ORDER BY rank DESC, book_id LIMIT %s)
        SELECT (SELECT count(*) FROM best), top.book_id, top.number, top.rank,
               ts_headline(top.config::regconfig, p.text, top.query, %s)
        FROM top JOIN library_bookpage p ON p.id = top.page_id
        ORDER BY top.rank DESC, top.book_id
    """
    params += [window, content_search._TEXT_HEADLINE]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    total = rows[0][0] if rows else 0
    hits = []
    for _total, book_id, number, rank, headline in rows:
        fragments = (headline or "").split(content_search._FRAGMENTS)
        highlights = [content_search.marks(f) for f in fragments if f and content_search._START in f]
        score = content_search.TRANSCRIPT_SCORE_CEILING * float(rank)
        hits.append(_hit(books[book_id], reader.language, score, number, highlights))
    return hits, total


def _substring(reader: Reader, request: SearchRequest, books: dict[int, Book]) -> tuple[list[SearchHit], int]:
    wanted, unwanted = content_search._substring_terms(request.text)
    if not wanted:
        return [], 0
    pages = BookPage.objects.filter(book_id__in=list(books))
    for term in wanted:
        pages = pages.filter(text__icontains=term)
    for term in unwanted:
        pages = pages.exclude(text__icontains=term)
    best = list(pages.values("book_id").annotate(number=Min("number")).order_by("book_id"))
    window = best[: request.offset + request.limit]
    texts = {
        (row["book_id"], row["number"]): row["text"]
        for row in BookPage.objects.filter(
            book_id__in=[row["book_id"] for row in window], number__in={row["number"] for row in window}
        ).values("book_id", "number", "text")
    }
    hits = [
        _hit(
            books[row["book_id"]],
            reader.language,
            content_search.SubstringBackend.TRANSCRIPT_SCORE,
            row["number"],
            content_search._substring_highlights(texts.get((row["book_id"], row["number"]), ""), wanted),
        )
        for row in window
    ]
    return hits, len(best)


def search_books(reader: Reader, request: SearchRequest) -> tuple[list[SearchHit], int]:
    """The reader's best ``offset + limit`` book hits, and how many books match in all."""
    if not content_search._WORD.search(request.text):
        return [], 0
    books = _readable_ids(reader)
    if request.language:
        books = {pk: book for pk, book in books.items() if book.language == request.language}
    if not books:
        return [], 0
    if content_search.backend().name == "postgres":
        return _postgres(reader, request, books)
    return _substring(reader, request, books)


def index_books(*, book_ids: Iterable[int]) -> int:
    """Refresh the search vectors of these books' pages (PostgreSQL); how many pages changed."""
    if content_search.backend().name != "postgres":
        return 0
    config = content_search._configuration_sql("b.language")
    digest = content_search._search_hash(config, "p.text")
    return content_search._updated_rows(
        f"""
        UPDATE library_bookpage p
        SET search_vector = setweight(to_tsvector({config}::regconfig, p.text), 'C'), search_hash = {digest}
        FROM library_book b
        WHERE b.id = p.book_id AND p.book_id = ANY(%s) AND p.search_hash <> {digest}
        """,
        book_ids,
    )
