import io
import uuid
from urllib.parse import urlparse

import pytest
from django.core.files.base import ContentFile
from django.test import Client
from PIL import Image
from pypdf import PdfReader

from media.models import WatermarkedCopy
from tests import factories

pytestmark = pytest.mark.django_db


def _download(url: str) -> bytes:
    parts = urlparse(url)
    response = Client().get(f"{parts.path}?{parts.query}")
    assert response.status_code == 200
    return b"".join(response.streaming_content)


def test_it_answers_one_book(user_api, make_book):
    book = make_book(title="Open")

    response = user_api.get(f"/api/v1/content/books/{book.uuid}")

    assert response.status_code == 200
    assert response.json()["id"] == str(book.uuid)


def test_it_signs_the_cover(user_api, make_book):
    book = make_book()
    image = io.BytesIO()
    Image.new("RGB", (40, 60), "white").save(image, "PNG")
    book.cover.save("cover.png", ContentFile(image.getvalue()))

    body = user_api.get(f"/api/v1/content/books/{book.uuid}").json()

    assert "signature=" in body["coverUrl"]
    assert _download(body["coverUrl"]) == image.getvalue()


@pytest.mark.parametrize("suffix", ["", "/pdf"])
def test_it_answers_404_for_a_book_another_user_may_read_but_this_one_not(api, user, other_user, make_book, suffix):
    gathering = factories.make_retreat(audience="event-participants")
    factories.make_attendance(other_user, gathering)
    book = make_book(audience_id="event-participants", gathering=gathering)
    api.force_authenticate(other_user)
    assert api.get(f"/api/v1/content/books/{book.uuid}{suffix}").status_code == 200

    api.force_authenticate(user)
    response = api.get(f"/api/v1/content/books/{book.uuid}{suffix}")

    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"
    assert not WatermarkedCopy.objects.filter(user=user).exists()


@pytest.mark.parametrize("suffix", ["", "/pdf"])
def test_it_answers_404_for_a_draft_and_an_unknown_id(user_api, make_book, suffix):
    draft = make_book(status="draft")

    assert user_api.get(f"/api/v1/content/books/{draft.uuid}{suffix}").status_code == 404
    assert user_api.get(f"/api/v1/content/books/{uuid.uuid4()}{suffix}").status_code == 404


def test_it_serves_the_readers_watermarked_copy_of_the_pdf(api, make_book):
    reader = factories.make_user(name="Inês Araújo", email="ines@example.org")
    api.force_authenticate(reader)
    book = make_book(pages=("First page.", "Second page.", "Third page."))

    body = api.get(f"/api/v1/content/books/{book.uuid}/pdf").json()

    assert body["watermarked"] is True and body["pageCount"] == 3
    pages = PdfReader(io.BytesIO(_download(body["url"]))).pages
    assert all("Inês Araújo <ines@example.org>" in page.extract_text() for page in pages)
    assert WatermarkedCopy.objects.get().kind == "book"


def test_it_serves_the_pdf_as_it_is_to_a_reader_without_an_account(api, make_book):
    book = make_book()

    body = api.get(f"/api/v1/content/books/{book.uuid}/pdf").json()

    assert body["watermarked"] is False
    assert _download(body["url"]).startswith(b"%PDF")


def test_it_reads_the_pdf_url_in_few_queries(user_api, make_book, django_assert_num_queries):
    book = make_book()
    user_api.get(f"/api/v1/content/books/{book.uuid}/pdf")

    # The book, its groups, the stored copy (the access facts are cached).
    with django_assert_num_queries(3):
        assert user_api.get(f"/api/v1/content/books/{book.uuid}/pdf").status_code == 200
