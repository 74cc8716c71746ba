"""A job whose worker was killed mid-run is redelivered with the same task id at once
(acks_late + reject_on_worker_lost); its row is still PROCESSING/BUILDING and not yet stale.
The redelivery takes it over; any other job still keeps off it Tracks, transcripts
and bundles share the claim (media/jobs.py)."""

from functools import partial

import pytest

from media import jobs, processing
from media import storage as media_storage
from retreats.models import Transcript

pytestmark = pytest.mark.django_db


@pytest.fixture(params=["track", "transcript"])
def claimed(request, public_track, stored, make_audio, make_pdf):
    """A track or a transcript whose first delivery, job-1, claimed it and then died: the row,
    the service that processes it (given a job id) and the field holding its status."""
    if request.param == "track":
        track = public_track
        track.audio_file = stored(media_storage.track_audio_key(track, "x.mp3"), make_audio(2))
        track.processing_status = "pending"
        track.save()
        assert jobs.TRACK.claim(track.pk, "job-1")
        return track, partial(processing.track_process, track_id=track.pk), "processing_status"
    transcript = Transcript.objects.create(track=public_track, language="en", pdf_file=stored("t.pdf", make_pdf()))
    assert transcript.status == "pending"
    assert jobs.TRANSCRIPT.claim(transcript.pk, "job-1")
    return transcript, partial(processing.transcript_process, transcript_id=transcript.pk), "status"


def test_it_lets_the_redelivered_job_finish_a_row_its_dead_run_claimed(claimed):
    row, process, status = claimed

    assert process(claim_id="job-1") is True

    row.refresh_from_db()
    assert getattr(row, status) == "ready", row.processing_error


def test_it_keeps_another_job_off_a_row_being_processed(claimed):
    row, process, status = claimed

    assert process(claim_id="job-2") is False

    row.refresh_from_db()
    assert getattr(row, status) == "processing"
