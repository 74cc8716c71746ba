"""``/health`` (process alive) and ``/health/ready`` (database, cache, broker, storage).

Served by a middleware placed first so that a load balancer's health check, which sends the
instance IP as Host, is answered before Django's host validation rejects it.
"""

import logging
import threading
import time
import uuid

from django.conf import settings
from django.core.cache import cache
from django.core.files.storage import default_storage
from django.db import connection
from django.http import JsonResponse

logger = logging.getLogger(__name__)


def _check_database() -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")


def _check_cache() -> None:
    key = f"health:{uuid.uuid4().hex}"
    cache.set(key, "1", 10)
    if cache.get(key) != "1":
        raise RuntimeError("cache did not return what was written")
    cache.delete(key)


def _check_broker() -> None:
    if settings.CELERY_TASK_ALWAYS_EAGER:
        return
    from padmakara.celery import app

    with app.connection_for_write() as conn:
        conn.ensure_connection(max_retries=1, timeout=3)


def _check_storage() -> None:
    default_storage.exists("health-check")


CHECKS = {"database": _check_database, "cache": _check_cache, "broker": _check_broker, "storage": _check_storage}


def readiness() -> tuple[bool, dict]:
    results = {}
    for name, check in CHECKS.items():
        try:
            check()
            results[name] = "ok"
        except Exception as exc:  # every failure is reported, none stops the others
            logger.warning("health check %s failed: %s", name, exc)
            results[name] = "error"
    return all(value == "ok" for value in results.values()), results


_last: tuple[float, bool, dict] | None = None  # (monotonic time, ok, checks) of the last round
_lock = threading.Lock()


def cached_readiness() -> tuple[bool, dict]:
    """:func:`readiness`, at most once per ``HEALTH_READY_CACHE_SECONDS`` in this process.

    ``/health/ready`` needs no credentials: without this every call would open a database
    query, a cache round trip, a broker connection and a storage request. Concurrent calls
    after the window wait for the one round running rather than starting their own.
    """
    global _last
    ttl = settings.HEALTH_READY_CACHE_SECONDS
    if ttl <= 0:
        return readiness()
    last = _last
    if last is not None and time.monotonic() - last[0] < ttl:
        return last[1], last[2]
    with _lock:
        last = _last
        if last is not None and time.monotonic() - last[0] < ttl:
            return last[1], last[2]
        ok, checks = readiness()
        _last = (time.monotonic(), ok, checks)
        return ok, checks


def forget_readiness() -> None:
    """Drop the remembered answer (tests)."""
    global _last
    _last = None


class HealthCheckMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        path = request.path_info.rstrip("/")
        if path == "/health":
            return JsonResponse({"status": "ok"})
        if path == "/health/ready":
            ok, checks = cached_readiness()
            return JsonResponse({"status": "ok" if ok else "unavailable", "checks": checks}, status=200 if ok else 503)
        return self.get_response(request)
