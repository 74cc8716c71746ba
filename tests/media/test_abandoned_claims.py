"""A job whose worker was killed mid-run is redelivered with the same task id at once
(acks_late + reject_on_worker_lost); its row is still PROCESSING/BUILDING and not yet stale.
The redelivery takes it over; any other job still keeps off it Tracks, transcripts
and bundles share the claim (media/jobs.py)."""

import pytest

from media import jobs, processing
from media import storage as media_storage
from retreats.models import Transcript

pytestmark = pytest.mark.django_db


@pytest.fixture
def claimed_track(public_track, stored, make_audio):
    """A track whose first delivery, job-1, claimed it and then died."""
    track = public_track
    track.audio_file = stored(media_storage.track_audio_key(track, "x.mp3"), make_audio(2))
    track.processing_status = "pending"
    track.save()
    assert jobs.TRACK.claim(track.pk, "job-1")
    return track


def test_it_lets_the_redelivered_job_finish_a_track_its_dead_run_claimed(claimed_track):
    assert processing.track_process(track_id=claimed_track.pk, claim_id="job-1") is True

    claimed_track.refresh_from_db()
    assert claimed_track.processing_status == "ready", claimed_track.processing_error


def test_it_keeps_another_job_off_a_track_being_processed(claimed_track):
    assert processing.track_process(track_id=claimed_track.pk, claim_id="job-2") is False

    claimed_track.refresh_from_db()
    assert claimed_track.processing_status == "processing"


@pytest.fixture
def claimed_transcript(public_track, stored, make_pdf):
    """A transcript whose first delivery, job-1, claimed it and then died."""
    transcript = Transcript.objects.create(track=public_track, language="en", pdf_file=stored("t.pdf", make_pdf()))
    assert transcript.status == "pending"
    assert jobs.TRANSCRIPT.claim(transcript.pk, "job-1")
    return transcript


def test_it_lets_the_redelivered_job_finish_a_transcript_its_dead_run_claimed(claimed_transcript):
    assert processing.transcript_process(transcript_id=claimed_transcript.pk, claim_id="job-1") is True

    claimed_transcript.refresh_from_db()
    assert claimed_transcript.status == "ready", claimed_transcript.processing_error


def test_it_keeps_another_job_off_a_transcript_being_processed(claimed_transcript):
    assert processing.transcript_process(transcript_id=claimed_transcript.pk, claim_id="job-2") is False

    claimed_transcript.refresh_from_db()
    assert claimed_transcript.status == "processing"


def test_the_transcript_task_claims_with_its_task_id(claimed_transcript):
    from media.tasks import process_transcript

    # A redelivery keeps the task id: run the task as job-1's redelivery would be.
    assert process_transcript.apply(args=(claimed_transcript.pk,), task_id="job-1").get() is True

    claimed_transcript.refresh_from_db()
    assert claimed_transcript.status == "ready"
