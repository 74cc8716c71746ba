"""JSON bodies over API_MAX_BODY_SIZE are refused before they are parsed."""

import io

import pytest
from django.conf import settings
from django.test import RequestFactory

from padmakara.api.errors import APIError
from padmakara.api.parsers import JSONParser

LOGIN = "/api/v1/auth/login"


@pytest.mark.django_db
def test_it_answers_413_to_an_anonymous_body_over_the_limit(api):
    body = {"email": "a@example.org", "password": "x" * settings.API_MAX_BODY_SIZE}

    response = api.post(LOGIN, body, format="json")

    assert response.status_code == 413
    error = response.json()["error"]
    assert error["code"] == "request_too_large"
    assert error["details"] == {"maxBytes": settings.API_MAX_BODY_SIZE}


def test_it_refuses_a_declared_length_over_the_limit_without_reading_the_body():
    request = RequestFactory().post(LOGIN, b"{}", content_type="application/json")
    request.META["CONTENT_LENGTH"] = str(26 * 1024 * 1024)
    stream = io.BytesIO(b"{}")

    with pytest.raises(APIError) as refused:
        JSONParser().parse(stream, parser_context={"request": request})

    assert refused.value.error_code == "request_too_large"
    assert stream.tell() == 0


def test_it_cuts_off_a_body_longer_than_it_declares():
    request = RequestFactory().post(LOGIN, b"{}", content_type="application/json")  # declares 2 bytes
    stream = io.BytesIO(b'{"a": "' + b"x" * (26 * 1024 * 1024) + b'"}')

    with pytest.raises(APIError) as refused:
        JSONParser().parse(stream, parser_context={"request": request})

    assert refused.value.status_code == 413
    assert stream.tell() == settings.API_MAX_BODY_SIZE + 1


def test_it_parses_a_body_at_the_limit():
    payload = b'{"a": "' + b"x" * (settings.API_MAX_BODY_SIZE - 10) + b'"}'
    request = RequestFactory().post(LOGIN, payload, content_type="application/json")

    assert len(JSONParser().parse(io.BytesIO(payload), parser_context={"request": request})["a"]) == (
        settings.API_MAX_BODY_SIZE - 10
    )
