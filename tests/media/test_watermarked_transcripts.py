"""The transcript a listener downloads carries their name and email on every page."""

import datetime
import io
import zipfile
from urllib.parse import urlparse

import pytest
import requests
from django.core.cache import cache
from django.core.files.storage import default_storage
from django.test import Client
from django.utils import timezone
from pypdf import PdfReader

from media import watermarks
from media.models import WatermarkedCopy
from media.tasks import delete_expired_watermarks
from tests import factories

from . import pdfs

pytestmark = pytest.mark.django_db


@pytest.fixture
def listener(db):
    return factories.make_user(name="João Conceição", email="joao@example.org")


@pytest.fixture
def listener_api(api, listener):
    api.force_authenticate(listener)
    return api


@pytest.fixture
def transcript(public_track, stored, make_pdf):
    pages = [f"Page {n} on the nature of mind." for n in range(1, 6)]
    data = make_pdf(pages)
    return factories.make_transcript(
        public_track, pages=pages, pdf_file=stored("t.pdf", data), checksum="a" * 64, file_size=len(data)
    )


def _download(url: str) -> bytes:
    parts = urlparse(url)
    if "X-Amz" in parts.query:
        return requests.get(url, timeout=10).content
    response = Client().get(f"{parts.path}?{parts.query}")
    assert response.status_code == 200
    return b"".join(response.streaming_content)


def _read(key: str) -> bytes:
    with default_storage.open(key) as fh:
        return fh.read()


def _texts(data: bytes) -> list[str]:
    return [page.extract_text() for page in PdfReader(io.BytesIO(data)).pages]


def _url(client, track) -> dict:
    response = client.get(f"/api/v1/media/transcript/{track.uuid}")
    assert response.status_code == 200, response.content
    return response.json()


def test_it_puts_the_name_and_email_in_the_footer_of_every_page(storage, listener_api, public_track, transcript):
    body = _url(listener_api, public_track)

    texts = _texts(_download(body["url"]))
    assert body["watermarked"] is True
    assert len(texts) == 5
    for number, text in enumerate(texts, start=1):
        assert f"Page {number} on the nature of mind." in text
        assert "Personal copy for João Conceição <joao@example.org>" in text


def test_it_keeps_the_original_unchanged(listener_api, public_track, transcript):
    before = _read(transcript.pdf_file.name)

    _url(listener_api, public_track)

    assert _read(transcript.pdf_file.name) == before


def test_it_stamps_each_listener_with_their_own_name(api, public_track, transcript, listener, other_user):
    api.force_authenticate(other_user)

    texts = _texts(_download(_url(api, public_track)["url"]))

    assert all(other_user.email in text and "joao@example.org" not in text for text in texts)
    assert WatermarkedCopy.objects.get().user == other_user


def test_it_writes_parentheses_backslashes_and_letters_beyond_latin_1(api, public_track, transcript):
    user = factories.make_user(name="Zé (o) \\ Łukasz 中", email="ze@example.org")
    api.force_authenticate(user)

    texts = _texts(_download(_url(api, public_track)["url"]))

    assert all("Zé (o) \\ Lukasz ? <ze@example.org>" in text for text in texts)


def test_it_writes_the_footer_in_the_listeners_language(api, public_track, transcript):
    user = factories.make_user(name="Maria", email="maria@example.org", language="pt")
    api.force_authenticate(user)

    texts = _texts(_download(_url(api, public_track)["url"]))

    assert all("Cópia pessoal de Maria <maria@example.org>" in text for text in texts)


def test_it_reuses_the_stored_copy(listener_api, public_track, transcript, django_assert_num_queries):
    first = _url(listener_api, public_track)
    stored_key = WatermarkedCopy.objects.get().key

    # Track, its transcripts, the stored copy.
    with django_assert_num_queries(3):
        second = listener_api.get(f"/api/v1/media/transcript/{public_track.uuid}").json()

    assert WatermarkedCopy.objects.count() == 1
    assert urlparse(first["url"]).path == urlparse(second["url"]).path
    assert stored_key in urlparse(second["url"]).path


def test_it_makes_a_new_copy_for_a_new_version_of_the_transcript(
    listener_api, public_track, transcript, stored, make_pdf
):
    _url(listener_api, public_track)
    transcript.pdf_file = stored("t2.pdf", make_pdf(["A corrected first page."]))
    transcript.checksum = "b" * 64
    transcript.page_count = 1
    transcript.save()

    texts = _texts(_download(_url(listener_api, public_track)["url"]))

    assert len(texts) == 1 and "A corrected first page." in texts[0]
    assert WatermarkedCopy.objects.count() == 2


def test_it_serves_the_unmarked_file_to_a_reader_without_an_account(api, public_track, transcript):
    body = _url(api, public_track)

    assert body["watermarked"] is False
    assert not WatermarkedCopy.objects.exists()
    assert "Personal copy" not in _texts(_download(body["url"]))[0]


def test_it_answers_locked_for_another_users_gathering(listener_api, stored, make_pdf):
    track = factories.make_track(factories.make_session(factories.make_retreat(audience="event-participants")))
    factories.make_transcript(track, pdf_file=stored("t.pdf", make_pdf()))

    response = listener_api.get(f"/api/v1/media/transcript/{track.uuid}")

    assert response.status_code == 403
    assert not WatermarkedCopy.objects.exists()


@pytest.mark.parametrize(
    "data",
    [b"not a pdf at all", b"%PDF-1.4\n1 0 obj\n<< /Type /Catalog", pdfs.TEXT],
    ids=["not-a-pdf", "truncated", "content-only"],
)
def test_it_answers_a_clear_error_for_a_file_it_cannot_stamp(listener_api, public_track, stored, data):
    transcript = factories.make_transcript(public_track, pdf_file=stored("t.pdf", data))

    response = listener_api.get(f"/api/v1/media/transcript/{public_track.uuid}")

    assert response.status_code == 409
    assert response.json()["error"]["code"] == "file_unreadable"
    assert _read(transcript.pdf_file.name) == data
    assert not WatermarkedCopy.objects.exists()


def test_it_refuses_an_encrypted_pdf(listener_api, public_track, stored, make_pdf):
    from pypdf import PdfWriter

    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(make_pdf())))
    writer.encrypt("secret")
    out = io.BytesIO()
    writer.write(out)
    factories.make_transcript(public_track, pdf_file=stored("t.pdf", out.getvalue()))

    response = listener_api.get(f"/api/v1/media/transcript/{public_track.uuid}")

    assert response.status_code == 409
    assert "encrypted" in response.json()["error"]["message"]


def test_it_deletes_expired_copies_and_makes_a_new_one_afterwards(listener_api, public_track, transcript, settings):
    _url(listener_api, public_track)
    copy = WatermarkedCopy.objects.get()
    WatermarkedCopy.objects.update(expires_at=timezone.now() - datetime.timedelta(seconds=1))

    assert delete_expired_watermarks() == 1

    assert not WatermarkedCopy.objects.exists()
    assert not default_storage.exists(copy.key)
    _url(listener_api, public_track)
    assert WatermarkedCopy.objects.get().expires_at > timezone.now() + datetime.timedelta(
        hours=settings.MEDIA_WATERMARK_TTL_HOURS - 1
    )


def test_it_keeps_a_copy_served_again_alive(listener_api, public_track, transcript, settings):
    _url(listener_api, public_track)
    soon = timezone.now() + datetime.timedelta(hours=2)
    WatermarkedCopy.objects.update(expires_at=soon)

    _url(listener_api, public_track)

    assert WatermarkedCopy.objects.get().expires_at > soon + datetime.timedelta(hours=1)
    assert delete_expired_watermarks() == 0


def test_it_deletes_the_copies_of_a_deleted_account(listener_api, listener, public_track, transcript):
    _url(listener_api, public_track)
    key = WatermarkedCopy.objects.get().key

    listener.delete()

    assert delete_expired_watermarks() == 1
    assert not default_storage.exists(key)


def test_it_does_not_make_a_copy_twice_while_one_is_being_made(listener, transcript, monkeypatch):
    made = []
    real = watermarks._make

    def make_and_count(*args):
        made.append(args)
        return real(*args)

    monkeypatch.setattr(watermarks, "_make", make_and_count)
    monkeypatch.setattr(watermarks, "_POLL_SECONDS", 0.01)
    text = watermarks.stamp_text(listener)
    fingerprint = watermarks._fingerprint(transcript.pdf_file.name, transcript.checksum, text)
    lock = f"watermark:lock:{fingerprint}:{listener.pk}"

    # Another request holds the lock and finishes while this one waits.
    cache.add(lock, 1)
    calls = {"n": 0}
    real_live = watermarks._live

    def live_after_the_other_request(*args):
        calls["n"] += 1
        if calls["n"] == 3:
            cache.delete(lock)
            real(listener, "transcript", transcript.uuid, transcript.pdf_file.name, fingerprint, text)
        return real_live(*args)

    monkeypatch.setattr(watermarks, "_live", live_after_the_other_request)

    copy = watermarks.for_transcript(transcript, listener)

    assert made == []
    assert copy == WatermarkedCopy.objects.get()


def test_it_stamps_a_pdf_with_object_streams_and_a_cross_reference_stream(listener, public_track, stored):
    transcript = factories.make_transcript(public_track, pdf_file=stored("t.pdf", pdfs.with_object_streams(4)))

    copy = watermarks.for_transcript(transcript, listener)

    data = _read(copy.key)
    texts = [page.extract_text() for page in PdfReader(io.BytesIO(data), strict=True).pages]
    assert [text.splitlines()[0] for text in texts] == [f"Calm abiding {n}" for n in range(1, 5)]
    assert all("joao@example.org" in text for text in texts)
    assert data.rstrip().endswith(b"%%EOF") and b"/Type /XRef" in data[-2000:]


def test_it_stamps_a_pdf_already_updated_incrementally(listener, public_track, stored, make_pdf):
    from pypdf import PdfWriter

    writer = PdfWriter(PdfReader(io.BytesIO(make_pdf(["One.", "Two."]))), incremental=True)
    writer.add_metadata({"/Title": "Updated"})
    out = io.BytesIO()
    writer.write(out)
    transcript = factories.make_transcript(public_track, pdf_file=stored("t.pdf", out.getvalue()))

    copy = watermarks.for_transcript(transcript, listener)

    reader = PdfReader(io.BytesIO(_read(copy.key)))
    assert [p.extract_text().splitlines()[-1] for p in reader.pages] == [watermarks.stamp_text(listener)] * 2
    assert reader.metadata.title == "Updated"


def test_it_stamps_rotated_pages_along_their_visible_bottom(listener, public_track, stored, make_pdf):
    from pypdf import PdfWriter

    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(make_pdf(["A", "B", "C", "D"]))))
    for page, angle in zip(writer.pages, (0, 90, 180, 270), strict=True):
        page.rotate(angle)
    out = io.BytesIO()
    writer.write(out)
    transcript = factories.make_transcript(public_track, pdf_file=stored("t.pdf", out.getvalue()))

    copy = watermarks.for_transcript(transcript, listener)

    for page in PdfReader(io.BytesIO(_read(copy.key))).pages:
        assert "joao@example.org" in page.extract_text()


def test_it_puts_the_listeners_copy_in_their_offline_bundle(
    listener_api, public_track, transcript, stored, django_capture_on_commit_callbacks
):
    public_track.audio_file = stored("a.mp3", b"ID3" * 100)
    public_track.processing_status = "ready"
    public_track.save()
    body = {"trackIds": [str(public_track.uuid)], "quality": "high", "includeTranscripts": True}
    with django_capture_on_commit_callbacks(execute=True):
        bundle_id = listener_api.post("/api/v1/media/download", body, format="json").json()["downloadId"]

    response = listener_api.get(f"/api/v1/media/download/{bundle_id}")
    archive = zipfile.ZipFile(io.BytesIO(_download(response.json()["url"])))
    pdf_name = next(name for name in archive.namelist() if name.endswith(".pdf"))
    texts = _texts(archive.read(pdf_name))

    assert all("joao@example.org" in text for text in texts)


def test_it_keeps_a_bundle_with_transcripts_to_the_listener_who_asked(
    api, listener, other_user, public_track, transcript
):
    api.force_authenticate(listener)
    body = {"trackIds": [str(public_track.uuid)], "quality": "high", "includeTranscripts": True}
    first = api.post("/api/v1/media/download", body, format="json").json()["downloadId"]
    api.force_authenticate(other_user)

    second = api.post("/api/v1/media/download", body, format="json").json()["downloadId"]

    assert second != first
    assert api.get(f"/api/v1/media/download/{first}").status_code == 404


def test_it_counts_its_queries_when_it_makes_a_copy(listener_api, public_track, transcript, django_assert_num_queries):
    # Access facts, track, transcripts, the copy looked up (before and under the lock), saved.
    with django_assert_num_queries(6):
        _url(listener_api, public_track)


def test_it_answers_a_clear_error_when_the_file_is_missing(listener_api, public_track):
    factories.make_transcript(public_track, pdf_file="transcripts/gone.pdf")

    response = listener_api.get(f"/api/v1/media/transcript/{public_track.uuid}")

    assert response.status_code == 409
    assert response.json()["error"]["code"] == "file_unreadable"
