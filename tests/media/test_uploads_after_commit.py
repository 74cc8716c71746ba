"""Saving reviewed uploads changes storage only once its transaction has committed: a save
that fails after its files would have moved (here a real constraint violation in the same
transaction) leaves every staged file where its Upload row points, and saving again works.
On local storage and on S3 (moto)."""

import hashlib

import pytest
from django.core.files.storage import default_storage
from django.db import IntegrityError
from django.db.models.signals import post_save

from media import storage as media_storage
from media import uploads
from media.models import Upload
from retreats.models import Track, Transcript
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def session(db):
    factories.make_teacher(name="Jigme Khyentse Rinpoche", abbreviation="JKR")
    return factories.make_session(factories.make_retreat(slug="spring-2024"), name="Day 1 morning")


@pytest.fixture
def batch(storage, session, staff, stored, make_audio, make_pdf):
    """Four files uploaded and reviewed: two talks, the first one's transcript, and a file
    staff chose not to keep. Returns the save's items and the uploads."""

    def upload(filename: str, data: bytes) -> Upload:
        row = Upload.objects.create(
            session=session, filename=filename, size=len(data), key="", status=Upload.Status.UPLOADED,
            checksum=hashlib.sha256(data).hexdigest(), created_by=staff,
        )  # fmt: skip
        row.key = stored(f"uploads/{session.pk}/{row.uuid}{media_storage.extension_of(filename, '')}", data)
        row.save(update_fields=["key"])
        return row

    first = upload("001 JKR - First teaching.mp3", make_audio(1))
    second = upload("002 JKR - Second teaching.mp3", make_audio(1, frequency=660))
    pdf = upload("001 JKR - First teaching.pdf", make_pdf())
    dropped = upload("003 JKR - Not kept.mp3", make_audio(1, frequency=300))
    items = [
        {"upload_id": str(first.uuid), "kind": "audio", "order": 1, "title": "First teaching", "language": "en"},
        {"upload_id": str(second.uuid), "kind": "audio", "order": 2, "title": "Second teaching", "language": "en"},
        {"upload_id": str(pdf.uuid), "kind": "transcript", "order": 1, "language": "en"},
        {"upload_id": str(dropped.uuid), "kind": "audio", "order": 3, "title": "Not kept", "skip": True},
    ]
    return items, [first, second, pdf, dropped]


@pytest.fixture
def clash_on_second_track():
    """A real database error in the save's transaction once the second track gets its file,
    that is after the first file (and the second) would have been moved. Switch it off by
    setting ``["on"]`` to False."""
    switch = {"on": True}

    def clash(sender, instance, update_fields=None, **kwargs):
        if switch["on"] and update_fields and "audio_file" in update_fields and instance.order == 2:
            # The first track of the batch holds number 1 in English: the unique constraint refuses.
            Track.objects.create(session=instance.session, order=1, language="en", title="Clash")

    post_save.connect(clash, sender=Track, weak=False)
    yield switch
    post_save.disconnect(clash, sender=Track)


def _stable_key(session, name: str) -> str:
    return f"{media_storage.session_prefix(session)}/{name}"


def test_a_failed_save_moves_no_file_and_saving_again_works(
    session, batch, clash_on_second_track, django_capture_on_commit_callbacks
):
    items, staged = batch

    with django_capture_on_commit_callbacks(execute=True) as callbacks, pytest.raises(IntegrityError):
        uploads.uploads_save(session=session, items=items)

    assert callbacks == []  # rolled back: nothing was left to run after a commit
    assert not Track.objects.filter(session=session).exists()
    assert not Transcript.objects.exists()
    for upload in Upload.objects.filter(pk__in=[u.pk for u in staged]):
        assert upload.status == Upload.Status.UPLOADED
        assert default_storage.exists(upload.key), f"{upload.filename} is no longer where its upload points"
    assert not default_storage.exists(media_storage.session_prefix(session))  # nothing moved to a stable key

    clash_on_second_track["on"] = False
    with django_capture_on_commit_callbacks(execute=True):
        saved = uploads.uploads_save(session=session, items=items)

    assert [t.order for t in saved.tracks] == [1, 2] and saved.skipped == ["003 JKR - Not kept.mp3"]
    first, second = Track.objects.filter(session=session).order_by("order")
    assert first.audio_file.name == _stable_key(session, f"001-en-first-teaching-{first.uuid.hex}.mp3")
    assert second.audio_file.name == _stable_key(session, f"002-en-second-teaching-{second.uuid.hex}.mp3")
    assert (first.processing_status, second.processing_status) == ("ready", "ready"), first.processing_error
    transcript = Transcript.objects.get()
    assert transcript.pdf_file.name == _stable_key(
        session, f"001-en-first-teaching-{first.uuid.hex}.transcript-en-{transcript.uuid.hex}.pdf"
    )
    assert transcript.status == "ready"
    assert all(default_storage.exists(name) for name in (first.audio_file.name, transcript.pdf_file.name))
    assert not any(default_storage.exists(u.key) for u in staged)  # staging emptied once committed
    statuses = dict(Upload.objects.values_list("filename", "status"))
    assert statuses.pop("003 JKR - Not kept.mp3") == Upload.Status.ABORTED
    assert set(statuses.values()) == {Upload.Status.ATTACHED}


def test_a_file_that_cannot_move_after_commit_stays_at_its_staging_key(
    session, batch, monkeypatch, django_capture_on_commit_callbacks
):
    items, staged = batch

    def storage_down(source, target, **kwargs):
        raise ConnectionError("storage unreachable")

    monkeypatch.setattr(media_storage, "move", storage_down)
    with django_capture_on_commit_callbacks(execute=True):
        uploads.uploads_save(session=session, items=items)

    first = Track.objects.get(session=session, order=1)
    assert first.audio_file.name == staged[0].key  # the row points at a file that is there
    assert default_storage.exists(first.audio_file.name)
    assert first.processing_status == "ready", first.processing_error
