"""Whatever is typed into the search box answers 400 or a list, never 500."""

import pytest

from .conftest import URL
from .content import track_in, transcript_of

pytestmark = pytest.mark.django_db


@pytest.fixture(params=["auto", "substring"])
def backend(request, settings, reindex):
    settings.SEARCH_BACKEND = request.param
    transcript_of(track_in(title="Drop table of contents"), ["Select your practice from the table."])
    reindex()
    return request.param


def error_code(response):
    assert response.status_code == 400, response.content
    return response.json()["error"]["code"]


def test_it_refuses_a_bad_token(api):
    api.credentials(HTTP_AUTHORIZATION="Bearer not-a-jwt")
    response = api.get(URL, {"q": "mind"})
    assert response.status_code == 401 and response.json()["error"]["code"] == "invalid_token"


@pytest.mark.parametrize("params", [{}, {"q": ""}, {"q": "   "}])
def test_it_refuses_an_empty_query(backend, user_api, params):
    response = user_api.get(URL, params)
    assert error_code(response) == "validation_error"
    assert "q" in response.json()["error"]["details"]


def test_it_refuses_a_query_over_the_length_limit(backend, user_api, settings):
    assert settings.SEARCH_MAX_QUERY_LENGTH == 200
    response = user_api.get(URL, {"q": "mind " * 200})  # 1,000 characters
    assert error_code(response) == "validation_error"
    assert user_api.get(URL, {"q": "m" * 200}).status_code == 200


def test_it_refuses_a_nul_character(backend, user_api):
    assert error_code(user_api.get(URL, {"q": "mind\x00"})) == "validation_error"


@pytest.mark.parametrize("field, value", [("type", "album"), ("language", "fr"), ("limit", "0"), ("offset", "-1")])
def test_it_refuses_bad_filters(backend, user_api, field, value):
    assert error_code(user_api.get(URL, {"q": "table", field: value})) == "validation_error"


@pytest.mark.parametrize(
    "q",
    [
        "!!! ??? ...",
        "&|!():*<->",
        "'",
        '"',
        "-table",  # only an exclusion: nothing to look for
        "the of and",  # only stop words (on PostgreSQL)
        "\\",
    ],
)
def test_it_answers_an_empty_list_when_there_is_nothing_to_look_for(backend, user_api, q):
    response = user_api.get(URL, {"q": q})
    assert response.status_code == 200, response.content
    body = response.json()
    if backend == "substring" and q == "the of and":
        return  # substring matching has no stop words
    assert body == {"results": [], "totalCount": 0, "hasMore": False}


@pytest.mark.parametrize(
    "q",
    [
        "'; DROP TABLE retreats_track; --",
        "table' OR '1'='1",
        "table) UNION SELECT password FROM accounts_user --",
        "table:* & !x | (y <-> z)",
        '"unclosed phrase table',
        "table %s %(q)s {0}",
        "テーブル table ✓",
    ],
)
def test_it_treats_sql_looking_text_as_words(backend, user_api, q):
    response = user_api.get(URL, {"q": q})
    assert response.status_code == 200, response.content
    assert isinstance(response.json()["results"], list)
    assert user_api.get(URL, {"q": "table"}).json()["totalCount"] == 2  # nothing was dropped
