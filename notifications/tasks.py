"""Celery tasks of notifications: thin wrappers over services, ids in, idempotent."""

import logging

from celery import shared_task
from celery.exceptions import SoftTimeLimitExceeded
from django.conf import settings
from django.db import DatabaseError

from . import services
from .push import PushTemporaryError

logger = logging.getLogger(__name__)


@shared_task(
    bind=True,
    acks_late=True,
    reject_on_worker_lost=True,
    max_retries=settings.NOTIFY_MAX_RETRIES,
    time_limit=settings.NOTIFY_TASK_TIME_LIMIT,
    soft_time_limit=settings.NOTIFY_TASK_TIME_LIMIT - 30,
)
def fan_out_event(self, event_id: int) -> dict | None:
    """Fan one NotificationEvent out; a replayed job finds the event done (or leased) and returns."""
    if not services.claim_event(event_id=event_id):
        return None
    try:
        result = services.fan_out(event_id=event_id)
    except (PushTemporaryError, DatabaseError, SoftTimeLimitExceeded) as exc:
        # Transient, or a fan-out too long for one run: the retry resumes after the last batch.
        final = self.request.retries >= self.max_retries
        services.release_event(event_id=event_id, error=f"{exc.__class__.__name__}: {exc}", final=final)
        if final:
            logger.error("notification event %s failed for good: %s", event_id, exc)
            return None
        # Backoff: 30 s, 1 min, 2 min, … (well under the broker's visibility timeout).
        raise self.retry(exc=exc, countdown=settings.NOTIFY_RETRY_DELAY * 2**self.request.retries) from exc
    except Exception as exc:
        services.release_event(event_id=event_id, error=f"{exc.__class__.__name__}: {exc}", final=True)
        raise
    return None if result is None else {"users": result.users, "batches": result.batches, "pushed": result.pushed}


@shared_task(acks_late=True, time_limit=settings.NOTIFY_TASK_TIME_LIMIT)
def send_new_content_digests() -> int:
    """Periodic (celery beat): the opt-in email digest of new gatherings."""
    return services.send_new_content_digests()


@shared_task(acks_late=True, time_limit=300)
def resume_stalled_events() -> int:
    """Periodic (celery beat): fan-outs whose task was lost or whose worker died go again."""
    return len(services.resume_stalled_events())
