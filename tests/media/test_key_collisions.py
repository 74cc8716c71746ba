"""One row's file never lands on another's: keys carry the row's uuid, and moving an upload to
its key never replaces an object. On the local file system and on S3 (moto's server over HTTP)."""

import pytest
from django.core.files.storage import default_storage

from media import processing
from media import storage as media_storage
from tests import factories

pytestmark = pytest.mark.django_db


def _read(key: str) -> bytes:
    with default_storage.open(key, "rb") as fh:
        return fh.read()


def _adopt_new_audio(track, stored, data: bytes):
    track.audio_file = stored(f"uploads/{track.session_id}/{track.uuid}.mp3", data)
    track.save()
    processing.track_adopt_file(track=track)
    return track.audio_file.name


def test_a_renumbered_track_keeps_its_audio_when_another_takes_its_old_number(storage, stored):
    session = factories.make_session(factories.make_retreat())
    first = factories.make_track(session, order=1, title="Teaching")
    first_key = _adopt_new_audio(first, stored, b"first talk")
    first.order = 2
    first.save()

    second = factories.make_track(session, order=1, title="Teaching")
    second_key = _adopt_new_audio(second, stored, b"second talk")

    assert second_key != first_key
    assert _read(first_key) == b"first talk"
    assert _read(second_key) == b"second talk"
    assert media_storage.rendition_key(first, "low") != media_storage.rendition_key(second, "low")


def test_a_transcript_never_lands_on_another_rows_pdf(storage, stored):
    track = factories.make_track(factories.make_session(factories.make_retreat()), order=1, title="Teaching")
    old = factories.make_transcript(track, language="pt")
    old.pdf_file = stored("uploads/old.pdf", b"%PDF- old")
    old.save()
    processing.transcript_adopt_file(transcript=old)
    old_key = old.pdf_file.name
    old.delete()  # the row goes, its file stays (as a deleted row's file does until cleanup)

    new = factories.make_transcript(track, language="pt")
    new.pdf_file = stored("uploads/new.pdf", b"%PDF- new")
    new.save()
    processing.transcript_adopt_file(transcript=new)

    assert new.pdf_file.name != old_key
    assert _read(old_key) == b"%PDF- old"
    assert _read(new.pdf_file.name) == b"%PDF- new"


def test_a_move_never_replaces_an_object_already_at_the_target(storage, stored):
    taken = stored("retreats/g/01-s/001-en-t.mp3", b"already here")
    source = stored("uploads/1/new.mp3", b"new bytes")

    moved = media_storage.move(source, taken)

    assert moved != taken
    assert moved.startswith("retreats/g/01-s/001-en-t-") and moved.endswith(".mp3")
    assert _read(taken) == b"already here"
    assert _read(moved) == b"new bytes"
    assert not default_storage.exists(source)
