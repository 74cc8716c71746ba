import pytest

from retreats import search
from tests import factories

pytestmark = pytest.mark.django_db

URL = "/api/v1/content/search"


@pytest.fixture(params=["postgres", "substring"])
def backend(request, settings):
    if request.param == "postgres":
        request.getfixturevalue("postgres")
    settings.SEARCH_BACKEND = request.param
    return request.param


def test_it_finds_a_book_at_its_best_page(backend, user_api, make_book):
    book = make_book(title="Open", pages=("Nothing here.", "Shamatha is calm abiding."))

    body = user_api.get(URL, {"q": "shamatha", "type": "book"}).json()

    assert [(r["type"], r["id"], r["page"]) for r in body["results"]] == [("book", str(book.uuid), 2)]
    assert body["results"][0]["trackId"] is None
    assert "<mark>" in body["results"][0]["highlights"][0]


def test_it_leaves_out_books_the_reader_may_not_open(backend, user_api, make_book):
    make_book(audience_id="free-subscribers", pages=("Shamatha is calm abiding.",))

    body = user_api.get(URL, {"q": "shamatha"}).json()

    assert body["results"] == [] and body["totalCount"] == 0


def test_it_merges_books_with_tracks_and_transcripts(backend, user_api, make_book):
    track = factories.make_track(factories.make_session(factories.make_retreat()), title="Shamatha instructions")
    make_book(pages=("Shamatha is calm abiding.",))
    search.rebuild_index()

    body = user_api.get(URL, {"q": "shamatha"}).json()

    assert [r["type"] for r in body["results"]] == ["track", "book"]
    assert body["results"][0]["id"] == str(track.uuid)
    assert body["totalCount"] == 2


def test_it_accepts_book_as_a_type_and_refuses_others(user_api):
    assert user_api.get(URL, {"q": "x", "type": "book"}).status_code == 200
    assert user_api.get(URL, {"q": "x", "type": "books"}).status_code == 400


@pytest.mark.parametrize("books", [1, 5])
def test_it_finds_books_in_the_same_queries_for_one_or_many(
    postgres, user_api, make_book, books, django_assert_num_queries
):
    for n in range(books):
        make_book(title=f"Book {n}", pages=("Shamatha is calm abiding.",))

    # Memberships; tracks and transcripts: words parsed, one statement; books: the published
    # ones and their groups, words parsed, one statement.
    with django_assert_num_queries(7):
        body = user_api.get(URL, {"q": "shamatha", "limit": 100}).json()

    assert body["totalCount"] == books
