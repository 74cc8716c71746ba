"""Per-user rate limits of docs/api.md. They share the cache (Redis in production) and are
politeness, not protection: hard limits belong at the load balancer or WAF."""

import hashlib
import math

from django.core.cache import DEFAULT_CACHE_ALIAS, caches
from django.core.cache.backends.redis import RedisCache
from django.utils.connection import ConnectionProxy
from rest_framework.throttling import SimpleRateThrottle

from padmakara.cache import UNREACHABLE


class WindowThrottle(SimpleRateThrottle):
    """DRF's throttle keeps the time of every request of the window in one cached list, read
    and written back on each request: two round trips to Redis and a list as long as the rate
    (1,000 floats for ``1000/hour``), unpickled and pickled every time. This one counts
    requests in fixed windows of the rate's duration and weighs the previous window's count by
    how much of it the sliding window still covers (the "sliding window counter"): one round
    trip (a pipeline of INCR, EXPIRE and GET), two small integers. A refused request is not
    counted. While Redis is unreachable the limit is suspended, like the rest of the cache."""

    num_requests: int
    duration: int
    _wait: float = 0.0

    def allow_request(self, request, view):
        if self.rate is None:
            return True
        self.key = self.get_cache_key(request, view)
        if self.key is None:
            return True
        now = self.timer()
        window, elapsed = divmod(now, self.duration)
        current_key, previous_key = f"{self.key}:{int(window)}", f"{self.key}:{int(window) - 1}"
        try:
            current, previous = self._count(current_key, previous_key)
        except UNREACHABLE:
            return True
        covered = 1 - elapsed / self.duration  # of the previous window, by the sliding one
        if previous * covered + current <= self.num_requests:
            return True
        self._uncount(current_key)
        self._wait = self._wait_for(current - 1, previous, elapsed)
        return False

    def _count(self, current_key: str, previous_key: str) -> tuple[int, int]:
        """This request counted: the current window's count (this one included) and the last's."""
        ttl = 2 * self.duration
        # DRF's default is the proxy of the default cache: the backend behind it decides.
        cache = caches[DEFAULT_CACHE_ALIAS] if isinstance(self.cache, ConnectionProxy) else self.cache
        if isinstance(cache, RedisCache):
            client = cache._cache.get_client(write=True)
            pipe = client.pipeline(transaction=False)
            pipe.incr(cache.make_key(current_key))
            pipe.expire(cache.make_key(current_key), ttl)
            pipe.get(cache.make_key(previous_key))
            current, _, previous = pipe.execute()
            return int(current), int(previous or 0)
        cache.add(current_key, 0, ttl)
        try:
            current = cache.incr(current_key)
        except ValueError as exc:  # expired in between, or the fail-open cache unreachable
            raise ConnectionError("the count could not be kept") from exc
        return current, int(cache.get(previous_key) or 0)

    def _uncount(self, current_key: str) -> None:
        try:
            self.cache.decr(current_key)
        except (ValueError, *UNREACHABLE):
            pass

    def _wait_for(self, current: int, previous: int, elapsed: float) -> float:
        """Seconds until one more request fits: while the previous window's weight fades if
        that is enough, else into the next window as the current one's does."""
        spare = self.num_requests - current - 1
        if spare >= 0 and previous:
            return max(1.0, self.duration * (1 - spare / previous) - elapsed)
        fading = self.duration * (1 - (self.num_requests - 1) / current) if current else 0.0
        return max(1.0, self.duration - elapsed + fading)

    def wait(self):
        return math.ceil((self._wait or self.duration) - 1e-6)  # 40.000000001 s is 40


class _ScopedThrottle(WindowThrottle):
    def get_cache_key(self, request, view):
        if request.user and request.user.is_authenticated:
            ident = f"user:{request.user.pk}"
        else:
            ident = f"ip:{self.get_ident(request)}"
        return self.cache_format % {"scope": self.scope, "ident": ident}


class ContentThrottle(_ScopedThrottle):
    scope = "content"


class ProgressThrottle(_ScopedThrottle):
    scope = "progress"


class MediaThrottle(_ScopedThrottle):
    scope = "media"


class AnonymousThrottle(WindowThrottle):
    """Per client IP, for callers with no token on the reads that answer them (the content
    reads and media URLs of ``free-anyone`` gatherings); signed-in callers pass untouched."""

    scope = "anonymous"

    def get_cache_key(self, request, view):
        if request.user and request.user.is_authenticated:
            return None
        return self.cache_format % {"scope": self.scope, "ident": self.get_ident(request)}


class AuthThrottle(WindowThrottle):
    """Per client IP, for the unauthenticated /auth endpoints."""

    scope = "auth"

    def get_cache_key(self, request, view):
        return self.cache_format % {"scope": self.scope, "ident": self.get_ident(request)}


class _IPThrottle(WindowThrottle):
    def get_cache_key(self, request, view):
        return self.cache_format % {"scope": self.scope, "ident": self.get_ident(request)}


class _EmailThrottle(WindowThrottle):
    """Per email address of the request body (case-folded, hashed in the key), whoever asks:
    one address cannot be flooded with mails from many IPs. A body with no email passes
    (the view's validation answers it)."""

    def get_cache_key(self, request, view):
        email = request.data.get("email") if isinstance(request.data, dict) else None
        if not isinstance(email, str) or not email.strip():
            return None
        ident = hashlib.sha256(email.strip().casefold().encode()).hexdigest()
        return self.cache_format % {"scope": self.scope, "ident": ident}


class AccessRequestThrottle(_IPThrottle):
    """``POST /auth/request-access`` per client IP."""

    scope = "access_request"


class AccessRequestEmailThrottle(_EmailThrottle):
    scope = "access_request_email"


class EmailCodeThrottle(_IPThrottle):
    """``POST /auth/email-code`` and its ``/verify``, per client IP (together)."""

    scope = "email_code"


class EmailCodeEmailThrottle(_EmailThrottle):
    scope = "email_code_email"
