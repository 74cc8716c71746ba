"""A search costs the same few queries for 2 results or 20."""

import pytest

from .conftest import URL
from .content import track_in, transcript_of

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("hits", [2, 20])
def test_it_answers_in_three_queries_on_postgres(postgres, user_api, reindex, django_assert_num_queries, hits):
    for n in range(hits // 2):
        track_in(title=f"Lamrim {n}")
        transcript_of(track_in(title=f"Talk {n}"), ["Lamrim stages. " * 3, "Again the lamrim."])
    reindex()

    # The reader's group memberships; the words parsed per language (so that the planner
    # sees constants); one statement for the count, the page and its highlights; the published
    # books (none here: the library's searcher stops there).
    with django_assert_num_queries(4):
        body = user_api.get(URL, {"q": "lamrim", "limit": 100}).json()

    assert body["totalCount"] == hits and len(body["results"]) == hits


@pytest.mark.parametrize("hits", [2, 20])
def test_it_answers_in_a_fixed_number_of_queries_with_substring_matching(
    settings, user_api, django_assert_num_queries, hits
):
    settings.SEARCH_BACKEND = "substring"
    for n in range(hits // 2):
        track_in(title=f"Lamrim {n}")
        transcript_of(track_in(title=f"Talk {n}"), ["Lamrim stages.", "Again the lamrim."])

    # Memberships; tracks: count, title hits, other hits; transcripts: count, best pages, their
    # text; the published books (none here).
    with django_assert_num_queries(8):
        body = user_api.get(URL, {"q": "lamrim", "limit": 100}).json()

    assert body["totalCount"] == hits and len(body["results"]) == hits


def test_it_asks_nothing_of_the_database_when_there_is_nothing_to_look_for(user_api, django_assert_num_queries):
    with django_assert_num_queries(1):  # memberships only
        assert user_api.get(URL, {"q": "?!"}).json()["totalCount"] == 0
