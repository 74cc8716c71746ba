import time
from urllib.parse import urlparse

import pytest
from django.test import Client

from media import signing

pytestmark = pytest.mark.django_db

DATA = bytes(range(256)) * 40  # 10,240 bytes


def _url(stored, *, expires_in=60):
    key = stored("retreats/g/01-s/001-en-t.mp3", DATA)
    url = signing.sign(key, expires_in=expires_in).url
    return url


def _get(url, **headers):
    parts = urlparse(url)
    return Client().get(f"{parts.path}?{parts.query}", headers=headers)


def _body(response) -> bytes:
    return b"".join(response.streaming_content)


def test_it_serves_the_whole_file(stored):
    response = _get(_url(stored))

    assert response.status_code == 200
    assert response["Accept-Ranges"] == "bytes"
    assert response["Content-Type"] == "audio/mpeg"
    assert _body(response) == DATA


def test_it_serves_a_byte_range(stored):
    response = _get(_url(stored), Range="bytes=100-199")

    assert response.status_code == 206
    assert response["Content-Range"] == f"bytes 100-199/{len(DATA)}"
    assert response["Content-Length"] == "100"
    assert _body(response) == DATA[100:200]


def test_it_serves_an_open_ended_and_a_suffix_range(stored):
    url = _url(stored)

    assert _body(_get(url, Range="bytes=10000-")) == DATA[10000:]
    assert _body(_get(url, Range="bytes=-40")) == DATA[-40:]


def test_it_answers_416_for_a_range_past_the_end(stored):
    response = _get(_url(stored), Range="bytes=999999-")

    assert response.status_code == 416
    assert response["Content-Range"] == f"bytes */{len(DATA)}"


def test_it_refuses_an_expired_url(stored):
    key = stored("a.mp3", DATA)
    url = signing.sign(key, expires_in=1).url
    time.sleep(2.1)

    assert _get(url).status_code == 403


def test_it_refuses_a_tampered_url(stored):
    stored("other.mp3", DATA)
    url = _url(stored).replace("001-en-t.mp3", "../other.mp3")

    assert _get(url).status_code in (403, 404)
    assert _get(_url(stored).replace("signature=", "signature=0")).status_code == 403


def test_it_refuses_a_url_with_a_later_expiry_than_signed(stored):
    url = _url(stored)
    parts = urlparse(url)
    query = "&".join(
        f"expires={int(time.time()) + 99999}" if p.startswith("expires=") else p for p in parts.query.split("&")
    )

    assert Client().get(f"{parts.path}?{query}").status_code == 403


def test_it_needs_no_token(stored):
    response = _get(_url(stored))

    assert response.status_code == 200
    assert _body(response) == DATA


def test_it_serves_nothing_itself_on_s3_storage(stored, s3):
    from django.urls import reverse

    key = stored("a.mp3", DATA)

    response = Client().get(reverse("media-file", kwargs={"key": key}) + "?expires=9999999999&signature=x")

    assert response.status_code == 404
