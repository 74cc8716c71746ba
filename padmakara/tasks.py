"""Project-wide tasks. ``ping`` proves the whole path (broker, worker, cache) for smoke checks."""

import logging
import socket

from celery import shared_task
from django.core.cache import cache
from django.utils import timezone

from padmakara.observability import current_request_id

logger = logging.getLogger(__name__)

PING_TTL_SECONDS = 300


def ping_cache_key(token: str) -> str:
    return f"padmakara:ping:{token}"


@shared_task(name="padmakara.ping", ignore_result=True, time_limit=30, soft_time_limit=20)
def ping(token: str) -> dict:
    """Record in the shared cache which worker answered, and the request id the task carried.

    Replaying it only rewrites the same cache entry, so a redelivered message does no harm.
    """
    answer = {
        "token": token,
        "hostname": socket.gethostname(),
        "request_id": current_request_id(),
        "answered_at": timezone.now().isoformat(),
    }
    cache.set(ping_cache_key(token), answer, timeout=PING_TTL_SECONDS)
    logger.info("ping answered", extra={"token": token})
    return answer
