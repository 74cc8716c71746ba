import pytest

from tests import factories

pytestmark = pytest.mark.django_db

URL = "/api/v1/content/books"


def test_it_lists_the_books_a_user_may_read(user_api, make_book):
    book = make_book(title="Open book", title_pt="Livro aberto", version="2nd")

    body = user_api.get(URL).json()

    assert body["hasHiddenPublications"] is False
    assert [b["id"] for b in body["books"]] == [str(book.uuid)]
    entry = body["books"][0]
    assert entry["title"] == "Open book" and entry["titlePt"] == "Livro aberto"
    assert entry["authors"] == ["Patrul Rinpoche", "Padmakara Translation Group"]
    assert entry["version"] == "2nd" and entry["pageCount"] == 1 and entry["coverUrl"] is None


def test_it_gives_the_portuguese_title_in_portuguese(user_api, make_book):
    make_book(title="Open book", title_pt="Livro aberto")

    body = user_api.get(URL, {"language": "pt"}).json()

    assert body["books"][0]["title"] == "Livro aberto"


def test_it_hides_books_for_subscribers_from_a_listener_without_a_subscription(user_api, make_book):
    make_book(title="Open")
    make_book(title="For subscribers", audience_id="free-subscribers")

    body = user_api.get(URL).json()

    assert [b["title"] for b in body["books"]] == ["Open"]
    assert body["hasHiddenPublications"] is True


def test_it_shows_them_to_a_subscriber(api, make_book):
    make_book(title="For subscribers", audience_id="free-subscribers")
    api.force_authenticate(factories.make_subscriber())

    body = api.get(URL).json()

    assert [b["title"] for b in body["books"]] == ["For subscribers"]
    assert body["hasHiddenPublications"] is False


def test_it_opens_a_group_book_to_the_groups_members_only(api, make_book):
    group = factories.make_group()
    make_book(title="For the group", audience_id="retreat-group-members", groups=[group])
    member, outsider = factories.make_subscriber(), factories.make_subscriber()
    factories.make_member(member, group)

    api.force_authenticate(member)
    assert [b["title"] for b in api.get(URL).json()["books"]] == ["For the group"]
    api.force_authenticate(outsider)
    assert api.get(URL).json() == {"books": [], "hasHiddenPublications": True}


def test_it_opens_a_participants_book_to_those_who_attended_its_gathering(api, user, other_user, make_book):
    gathering = factories.make_retreat(audience="event-participants")
    factories.make_attendance(user, gathering)
    make_book(title="For participants", audience_id="event-participants", gathering=gathering)

    api.force_authenticate(user)
    assert [b["title"] for b in api.get(URL).json()["books"]] == ["For participants"]
    api.force_authenticate(other_user)
    assert api.get(URL).json()["books"] == []


def test_it_never_lists_a_draft_nor_counts_it_as_hidden(user_api, make_book):
    make_book(title="Draft", status="draft")

    assert user_api.get(URL).json() == {"books": [], "hasHiddenPublications": False}


def test_it_shows_a_reader_without_an_account_the_books_open_to_anyone(api, make_book):
    make_book(title="Open")
    make_book(title="For subscribers", audience_id="free-subscribers")

    body = api.get(URL).json()

    assert [b["title"] for b in body["books"]] == ["Open"]
    assert body["hasHiddenPublications"] is True


def test_it_reads_the_list_in_the_same_queries_for_one_book_or_many(user_api, make_book, django_assert_num_queries):
    group = factories.make_group()
    make_book(title="First", audience_id="retreat-group-members", groups=[group])
    user_api.get(URL)  # the access facts are cached from here on

    # Books, their groups.
    with django_assert_num_queries(2):
        user_api.get(URL)
    for n in range(5):
        make_book(title=f"Book {n}", audience_id="retreat-group-members", groups=[group])
    with django_assert_num_queries(2):
        assert len(user_api.get(URL).json()["books"]) == 0


def test_it_refuses_an_unknown_language(user_api):
    response = user_api.get(URL, {"language": "xx"})

    assert response.status_code == 400
    assert response.json()["error"]["code"] == "validation_error"
