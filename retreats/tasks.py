"""Celery tasks of the catalogue. Each takes ids, is sent on commit and is idempotent."""

from celery import shared_task
from django.db import OperationalError

from . import search

# Transient database trouble (a restart, a failover) is worth retrying; anything else is a bug.
_RETRY = {"autoretry_for": (OperationalError,), "retry_backoff": True, "max_retries": 5}


@shared_task(acks_late=True, time_limit=120, soft_time_limit=100, **_RETRY)
def index_track_for_search(track_id: int) -> int:
    """Refresh one track's search vector; 0 when it is gone or already up to date."""
    return search.index_tracks(track_ids=[track_id])


@shared_task(acks_late=True, time_limit=600, soft_time_limit=540, **_RETRY)
def index_transcript_for_search(transcript_id: int) -> int:
    """Refresh the search vectors of one transcript's pages; returns how many changed."""
    return search.index_transcripts(transcript_ids=[transcript_id])
