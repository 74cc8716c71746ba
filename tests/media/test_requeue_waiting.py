"""Rows left waiting because their job never reached the broker are sent again."""

import datetime

import pytest
from django.utils import timezone

from media import jobs
from media.models import DownloadBundle
from retreats.models import Track

pytestmark = pytest.mark.django_db


def test_it_sends_again_only_rows_waiting_for_a_job(public_track):
    # A pending track without a file waits for an upload, not for a job.
    Track.objects.filter(pk=public_track.pk).update(processing_status="pending")
    DownloadBundle.objects.create(
        request_key="r" * 64,
        track_ids=[str(public_track.uuid)],
        expires_at=timezone.now() + datetime.timedelta(days=1),
    )
    assert jobs.requeue_waiting(older_than=datetime.timedelta(hours=1)) == 0  # too recent

    sent = jobs.requeue_waiting(older_than=datetime.timedelta(0))

    assert sent == 1  # the bundle only (run at once here: Celery is eager in tests)
    assert DownloadBundle.objects.get().status != "preparing"
