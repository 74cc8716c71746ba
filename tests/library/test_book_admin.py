import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import translation
from PIL import Image
from pypdf import PdfReader, PdfWriter

from library.models import Book, BookPage

pytestmark = pytest.mark.django_db

ADD = "/admin/library/book/add/"


def _form(pdf: bytes, **extra) -> dict:
    return {
        "title": "Treasury of Precious Qualities",
        "title_pt": "Tesouro de Qualidades Preciosas",
        "authors": "Jigme Lingpa, Kangyur Rinpoche",
        "language": "en",
        "version": "1",
        "status": "published",
        "audience": "free-subscribers",
        "required_plan": "basic",
        "pdf_file": SimpleUploadedFile("book.pdf", pdf, content_type="application/pdf"),
        **extra,
    }


def _png(width: int, height: int) -> bytes:
    out = io.BytesIO()
    Image.new("1", (width, height)).save(out, "PNG")
    return out.getvalue()


def test_it_saves_a_book_and_reads_its_text(staff_client, make_pdf, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = staff_client.post(ADD, _form(make_pdf(["Bodhicitta is the wish.", "Second page."])))

    assert response.status_code == 302, response.content.decode()[:2000]
    book = Book.objects.get()
    assert book.page_count == 2 and book.text_status == "ready" and len(book.checksum) == 64
    assert list(BookPage.objects.values_list("text", flat=True)) == ["Bodhicitta is the wish.", "Second page."]


@pytest.mark.parametrize(
    ("data", "message"),
    [(b"GIF89a not a pdf", "not a PDF"), (b"%PDF-1.7\n1 0 obj <<", "cannot be read")],
    ids=["not-a-pdf", "broken"],
)
def test_it_refuses_a_pdf_that_is_not_one(staff_client, data, message):
    response = staff_client.post(ADD, _form(data))

    assert response.status_code == 200
    assert message in response.content.decode()
    assert not Book.objects.exists()


def test_it_refuses_an_encrypted_pdf(staff_client, make_pdf):
    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(make_pdf())))
    writer.encrypt("secret")
    out = io.BytesIO()
    writer.write(out)

    response = staff_client.post(ADD, _form(out.getvalue()))

    assert "encrypted" in response.content.decode()
    assert not Book.objects.exists()


def test_it_refuses_a_huge_cover_image(staff_client, make_pdf, settings):
    settings.LIBRARY_COVER_MAX_PIXELS = 1000
    cover = SimpleUploadedFile("cover.png", _png(1200, 800), content_type="image/png")

    response = staff_client.post(ADD, _form(make_pdf(), cover=cover))

    assert "1200 × 800 pixels; at most 1000" in response.content.decode()
    assert not Book.objects.exists()


def test_it_refuses_a_cover_too_many_bytes(staff_client, make_pdf, settings):
    settings.LIBRARY_COVER_MAX_BYTES = 1024
    cover = SimpleUploadedFile("cover.png", _png(10, 10) + b"\0" * 2048, content_type="image/png")

    response = staff_client.post(ADD, _form(make_pdf(), cover=cover))

    assert "LIBRARY_COVER_MAX_BYTES" in response.content.decode()


def test_it_refuses_a_cover_that_is_not_an_image(staff_client, make_pdf):
    cover = SimpleUploadedFile("cover.png", b"not an image at all", content_type="image/png")

    response = staff_client.post(ADD, _form(make_pdf(), cover=cover))

    assert response.status_code == 200
    assert not Book.objects.exists()


def test_it_shows_the_form_in_portuguese(staff_client):
    with translation.override("pt"):
        response = staff_client.get(ADD, HTTP_ACCEPT_LANGUAGE="pt")

    page = response.content.decode()
    assert "Quem o pode ler" in page and "Título (português)" in page


def test_it_lists_books_in_few_queries(staff_client, make_book, django_assert_max_num_queries):
    for n in range(5):
        make_book(title=f"Book {n}")

    with django_assert_max_num_queries(12):
        assert staff_client.get("/admin/library/book/").status_code == 200
