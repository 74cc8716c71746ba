import pytest

from retreats import search

URL = "/api/v1/content/search"


@pytest.fixture
def reindex(db):
    """Index what a test made (its rows are not committed, so no task ran)."""
    return lambda: search.rebuild_index()


@pytest.fixture
def find(user_api, reindex):
    """Index, search as the ``user_api`` user, and return the decoded body."""

    def find(q, **params):
        reindex()
        response = user_api.get(URL, {"q": q, **params})
        assert response.status_code == 200, response.content
        return response.json()

    return find
