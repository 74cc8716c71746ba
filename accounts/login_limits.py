"""Slowing repeated login failures, per account and per client IP, instead of locking accounts.

A lock that anyone can set by typing wrong passwords lets a stranger keep an owner out for
good. Here, after a few failures, attempts for that account (or from that IP) are refused with
429 ``rate_limited`` for a short wait, whatever the password; the wait doubles with each
further failure, up to a minute, so guessing stays slow while the owner, from anywhere, gets
in once the wait has passed. Counts live in the cache (shared Redis in production) and are
forgotten a while after the last failure; the account's count ends at a successful login or a
password reset. The email is counted as typed (normalised), account or not, so an unknown
email is slowed exactly like a known one.
"""

from __future__ import annotations

import hashlib
import time

from django.conf import settings
from django.core.cache import cache
from rest_framework.throttling import BaseThrottle

from .providers import rate_limited


def _now() -> float:
    return time.time()


def _account_key(email: str) -> str:
    return "login-fail:account:" + hashlib.sha256(email.encode()).hexdigest()


def _keys(email: str, request) -> list[tuple[str, int]]:
    """(cache key, free failures) for the account and, with a request, the client IP."""
    keys = [(_account_key(email), settings.IDENTITY_LOGIN_FREE_FAILURES)]
    if request is not None:
        ip = BaseThrottle().get_ident(request)  # the IP the auth rate limit counts, proxies included
        keys.append((f"login-fail:ip:{ip}", settings.IDENTITY_LOGIN_FREE_FAILURES_PER_IP))
    return keys


def check(*, email: str, request=None) -> None:
    """Raise 429 ``rate_limited`` while the account or the IP must wait."""
    now = _now()
    wait = max((entry["until"] - now for key, _ in _keys(email, request) if (entry := cache.get(key))), default=0)
    if wait > 0:
        raise rate_limited(wait)


def record_failure(*, email: str, request=None) -> None:
    now = _now()
    for key, free in _keys(email, request):
        entry = cache.get(key) or {"count": 0, "until": 0.0}
        entry["count"] += 1
        if entry["count"] >= free:
            delay = min(settings.IDENTITY_LOGIN_MAX_DELAY_SECONDS, 2 ** (entry["count"] - free))
            entry["until"] = now + delay
        cache.set(key, entry, settings.IDENTITY_LOGIN_FAILURE_MEMORY_SECONDS)


def clear(*, email: str) -> None:
    """The owner proved the account (login or reset): its count starts again. The IP's does not."""
    cache.delete(_account_key(email))
