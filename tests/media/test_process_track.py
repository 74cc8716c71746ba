import pytest
from django.core.files.storage import default_storage

from media import processing
from media import storage as media_storage
from media.tasks import process_track
from retreats.models import Track

pytestmark = pytest.mark.django_db


@pytest.fixture
def uploaded(public_track, stored):
    def upload(data: bytes, ext: str = "mp3", track=None) -> Track:
        track = track or public_track
        track.audio_file = stored(media_storage.track_audio_key(track, f"x.{ext}"), data)
        track.processing_status = "pending"
        track.save()
        return track

    return upload


def test_it_probes_duration_codec_bitrate_size_and_checksum(uploaded, make_audio):
    import hashlib

    data = make_audio(3)
    track = uploaded(data)

    assert processing.track_process(track_id=track.pk) is True

    track.refresh_from_db()
    assert track.processing_status == "ready", track.processing_error
    assert track.duration == pytest.approx(3, abs=0.1)
    assert track.file_size == len(data)
    assert track.checksum == hashlib.sha256(data).hexdigest()
    assert track.renditions["source"]["codec"] == "mp3"
    assert track.renditions["source"]["bitrate"] > 0


def test_it_transcodes_medium_and_low_aac_renditions(uploaded, make_audio):
    from media import audio

    track = uploaded(make_audio(3))

    processing.track_process(track_id=track.pk)

    track.refresh_from_db()
    for quality in ("medium", "low"):
        key = track.renditions[quality]["key"]
        assert key == media_storage.rendition_key(track, quality)
        with media_storage.local_copy(key) as (path, sha256, size):
            info = audio.probe(path)
        assert info.codec == "aac"
        assert (track.renditions[quality]["sha256"], track.renditions[quality]["size"]) == (sha256, size)
        assert info.duration == pytest.approx(3, abs=0.2)
    with media_storage.local_copy(track.renditions["low"]["key"]) as (path, _sha, _size):
        assert audio.probe(path).channels == 1


def test_it_processes_m4a_too(uploaded, make_audio):
    track = uploaded(make_audio(2, ext="m4a"), ext="m4a")

    processing.track_process(track_id=track.pk)

    track.refresh_from_db()
    assert track.processing_status == "ready"
    assert track.renditions["source"]["codec"] == "aac"


def test_it_marks_corrupt_audio_failed_with_a_clear_message(uploaded, make_audio):
    data = make_audio(3)
    track = uploaded(b"\x00\x01garbage" * 500)

    processing.track_process(track_id=track.pk)

    track.refresh_from_db()
    assert track.processing_status == "failed"
    assert "audio" in track.processing_error.lower()
    assert track.title == "The daily practice" and track.audio_file  # nothing else lost
    assert data  # the fixture works: the failure is the file's


def test_it_marks_a_pdf_uploaded_as_audio_failed(uploaded, make_pdf):
    track = uploaded(make_pdf(), ext="mp3")

    processing.track_process(track_id=track.pk)

    track.refresh_from_db()
    assert track.processing_status == "failed"
    assert track.processing_error


def test_it_flags_a_duplicate_in_the_same_session_and_keeps_one_copy(uploaded, make_audio, public_track):
    from tests import factories

    data = make_audio(2)
    processing.track_process(track_id=uploaded(data).pk)
    second = factories.make_track(public_track.session, order=2, title="Again")
    second = uploaded(data, track=second)
    duplicate_key = second.audio_file.name

    processing.track_process(track_id=second.pk)

    second.refresh_from_db()
    assert second.processing_status == "failed"
    assert "Duplicate" in second.processing_error
    assert not second.audio_file
    assert not default_storage.exists(duplicate_key)


def test_it_ignores_a_replayed_job(uploaded, make_audio, django_assert_num_queries):
    track = uploaded(make_audio(2))
    process_track.delay(track.pk)
    track.refresh_from_db()
    processed_at = track.updated_at

    with django_assert_num_queries(1):  # the claim finds nothing to do
        assert process_track.delay(track.pk).get() is False

    track.refresh_from_db()
    assert track.updated_at == processed_at


def test_it_takes_over_a_job_abandoned_by_a_dead_worker(uploaded, make_audio, settings):
    import datetime

    from django.utils import timezone

    track = uploaded(make_audio(2))
    long_ago = timezone.now() - datetime.timedelta(seconds=settings.MEDIA_TASK_TIME_LIMIT + 120)
    Track.objects.filter(pk=track.pk).update(processing_status="processing", updated_at=long_ago)

    assert processing.track_process(track_id=track.pk) is True

    track.refresh_from_db()
    assert track.processing_status == "ready"


def test_it_leaves_a_job_running_elsewhere_alone(uploaded, make_audio):
    track = uploaded(make_audio(2))
    Track.objects.filter(pk=track.pk).update(processing_status="processing")

    assert processing.track_process(track_id=track.pk) is False


def test_it_queues_processing_after_commit(uploaded, make_audio, django_capture_on_commit_callbacks):
    track = uploaded(make_audio(2))
    Track.objects.filter(pk=track.pk).update(processing_status="failed")

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        processing.track_queue_processing(track=track)
        track.refresh_from_db()
        assert track.processing_status == "pending"

    # the job itself, then (once it has run) the catalogue's new version stamp
    assert [getattr(callback, "__name__", "job") for callback in callbacks] == ["<lambda>", "bump_catalogue_version"]
    track.refresh_from_db()
    assert track.processing_status == "ready"


def test_it_processes_audio_on_s3(s3, uploaded, make_audio):
    track = uploaded(make_audio(2))

    processing.track_process(track_id=track.pk)

    track.refresh_from_db()
    assert track.processing_status == "ready"
    keys = {o["Key"] for o in s3.list_objects_v2(Bucket=s3.bucket)["Contents"]}
    assert f"media/{track.renditions['medium']['key']}" in keys


def test_it_marks_a_track_whose_file_is_missing_failed_without_retrying(public_track):
    public_track.audio_file = "retreats/gone.mp3"
    public_track.save()

    assert process_track.delay(public_track.pk).get() is True

    public_track.refresh_from_db()
    assert public_track.processing_status == "failed"
    assert "missing" in public_track.processing_error


def test_it_says_so_when_it_gave_up_after_the_last_retry(uploaded, make_audio):
    track = uploaded(make_audio(1))

    process_track.on_failure(ConnectionError("S3 unreachable"), "task-id", (track.pk,), {}, None)

    track.refresh_from_db()
    assert track.processing_status == "failed"
    assert "Gave up" in track.processing_error and "ConnectionError" in track.processing_error


def test_it_declares_its_reliability_settings(settings):
    assert process_track.acks_late and process_track.reject_on_worker_lost
    assert process_track.time_limit == settings.MEDIA_TASK_TIME_LIMIT
    assert process_track.max_retries == settings.MEDIA_TASK_MAX_RETRIES
    assert OSError in process_track.autoretry_for
    from media.audio import MediaError

    assert not issubclass(MediaError, tuple(process_track.autoretry_for))  # file problems are not retried


def test_it_changes_the_catalogue_version_once_processed(uploaded, make_audio, django_capture_on_commit_callbacks):
    from retreats.versioning import catalogue_version

    track = uploaded(make_audio(2))
    before = catalogue_version()

    with django_capture_on_commit_callbacks(execute=True):
        processing.track_process(track_id=track.pk)

    assert catalogue_version() != before
