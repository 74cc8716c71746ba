"""The app's publications are the catalogue's books (library): the same access rule, the same
signer and watermark, in the shapes of docs/compat-api.md."""

from io import BytesIO

import pytest
from django.core.files.base import ContentFile
from pypdf import PdfReader

from library.models import Book
from retreats.models import SyncVersion

from .conftest import seeded_user
from .test_contract import check_casing, check_error


@pytest.fixture
def books(seeded, make_pdf):
    def book(title, authors, audience, language="en"):
        made = Book(title=title, authors=authors, audience_id=audience, language=language, status="published")
        made.pdf_file.save("book.pdf", ContentFile(make_pdf(("A page about the nature of mind.",))), save=False)
        made.page_count = 1
        made.save()
        return made

    return {
        "open": book("Zen Mind", "Shunryu Suzuki", "free-anyone"),
        "members": book("A Guide to the Words", "Patrul Rinpoche, Padmakara", "free-subscribers", "pt"),
    }


def test_anyone_sees_the_open_book_and_is_told_of_the_hidden_one(as_caller, books):
    body = as_caller("anonymous").get("/api/publications").json()
    assert [p["title"] for p in body["publications"]] == ["Zen Mind"]
    assert body["hasHiddenPublications"] is True
    [publication] = body["publications"]
    check_casing(body)
    assert publication["id"] == str(books["open"].uuid)
    assert publication["accessLevel"] == "public" and publication["authors"] == ["Shunryu Suzuki"]
    assert publication["updatedAt"].endswith("Z")
    check_error(as_caller("anonymous").get(f"/api/publications/{books['members'].uuid}"), 404)
    check_error(as_caller("anonymous").get(f"/api/publications/{books['members'].uuid}/pdf"), 404)
    check_error(as_caller("anonymous").get("/api/publications/1"), 404)


def test_a_subscriber_reads_both_sorted_and_filtered(as_caller, books):
    client = as_caller("subscriber")
    body = client.get("/api/publications?sort=title").json()
    assert [p["title"] for p in body["publications"]] == ["A Guide to the Words", "Zen Mind"]
    assert body["hasHiddenPublications"] is False
    assert [p["title"] for p in client.get("/api/publications?sort=author").json()["publications"]] == [
        "A Guide to the Words",
        "Zen Mind",
    ]
    only_pt = client.get("/api/publications?language=pt").json()["publications"]
    assert [(p["title"], p["accessLevel"], p["authors"]) for p in only_pt] == [
        ("A Guide to the Words", "subscribers", ["Patrul Rinpoche", "Padmakara"])
    ]
    assert client.get(f"/api/publications/{books['members'].uuid}").json()["pageCount"] == 1


def test_the_pdf_is_the_readers_watermarked_copy(as_caller, books, client):
    url = as_caller("subscriber").get(f"/api/publications/{books['members'].uuid}/pdf").json()["url"]
    response = client.get(url)
    assert response.status_code == 200
    pdf = PdfReader(BytesIO(b"".join(response.streaming_content)))
    assert seeded_user("subscriber").email in pdf.pages[0].extract_text()


def test_a_book_written_moves_the_publications_counter(as_caller, books):
    before = SyncVersion.objects.get(namespace="publications").version
    Book.objects.filter(pk=books["open"].pk).update(version="2nd")
    assert SyncVersion.objects.get(namespace="publications").version == before + 1
    body = as_caller("anonymous").get("/api/sync/versions").json()
    assert body["publications"]["global"] == before + 1
