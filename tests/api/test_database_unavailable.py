"""A database that is down answers 503 ``service_unavailable`` in the envelope, with
Retry-After, from DRF views and from anything else on an API path."""

import pytest


@pytest.fixture
def test_urls(settings):
    settings.ROOT_URLCONF = "tests.api.urls"


def test_it_answers_503_in_the_envelope_when_a_view_loses_the_database(test_urls, client):
    client.raise_request_exception = False

    response = client.get("/api/v1/test/database-down")

    assert response.status_code == 503
    assert response["Retry-After"] == "5"
    body = response.json()
    assert body["error"]["code"] == "service_unavailable"
    assert "5432" not in response.content.decode()


def test_it_answers_503_when_the_database_fails_outside_a_drf_view(test_urls, client):
    client.raise_request_exception = False

    response = client.get("/api/v1/test/database-gone")

    assert response.status_code == 503
    assert response.json()["error"]["code"] == "service_unavailable"
