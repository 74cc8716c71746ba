import pytest

pytestmark = pytest.mark.django_db


@pytest.fixture
def test_urls(settings):
    settings.ROOT_URLCONF = "tests.api.urls"


def test_it_answers_an_unknown_api_path_with_the_envelope(user_api):
    response = user_api.get("/api/v1/nothing/here")

    assert response.status_code == 404
    assert response["Content-Type"].startswith("application/json")
    assert response.json()["error"]["code"] == "not_found"


def test_it_answers_a_wrong_method_with_405(user_api):
    response = user_api.post("/api/v1/content/retreats", {})

    assert response.status_code == 405
    assert response.json()["error"]["code"] == "method_not_allowed"


def test_it_answers_malformed_json_with_invalid_json(api, test_urls):
    response = api.post("/api/v1/test/echo", data=b'{"trackId": ', content_type="application/json")

    assert response.status_code == 400
    assert response.json()["error"]["code"] == "invalid_json"


def test_it_turns_camel_case_input_into_snake_case_and_back(api, test_urls):
    response = api.post("/api/v1/test/echo", {"trackId": "x", "sessionData": {"startTime": 1}}, format="json")

    assert response.json() == {"received": {"trackId": "x", "sessionData": {"startTime": 1}}}


def test_it_never_leaks_internals_on_a_server_error(test_urls, client):
    client.raise_request_exception = False

    response = client.get("/api/v1/test/broken")

    assert response.status_code == 500
    body = response.json()
    assert body["error"]["code"] == "server_error"
    assert "secret" not in response.content.decode() and "/srv" not in response.content.decode()


def test_it_keeps_html_404s_for_non_api_pages(client):
    response = client.get("/no-such-page")

    assert response.status_code == 404
    assert not response["Content-Type"].startswith("application/json")


def test_it_answers_an_unknown_api_path_with_the_envelope_even_in_debug(user_api, settings):
    settings.DEBUG = True

    response = user_api.get("/api/v1/content/track/not-a-uuid")

    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"


def test_it_answers_a_write_to_an_unknown_api_path_with_the_envelope(db):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)  # as a mobile client: no CSRF token

    response = client.put("/api/v1/notifications/not-a-uuid/read", b"{}", content_type="application/json")

    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"
