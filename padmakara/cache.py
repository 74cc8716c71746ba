"""The Redis cache, failing open.

The cache holds rate-limit counters, the catalogue version stamp and rendered bodies: all of
it can be rebuilt, none of it is worth an error page. While Redis is unreachable every read is
a miss and every write is dropped, with a warning in the log (at most one every few seconds),
so the API keeps serving reads from PostgreSQL and rate limiting is suspended, not a 500.
"""

import logging
import time

from django.core.cache.backends.redis import RedisCache, RedisCacheClient
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

logger = logging.getLogger(__name__)

UNREACHABLE = (RedisConnectionError, RedisTimeoutError, OSError)
WARN_EVERY_SECONDS = 10.0


def _timeout(timeout) -> dict:
    """The ``timeout`` argument to pass on: none when the caller gave none (the default applies)."""
    return {} if timeout is ... else {"timeout": timeout}


class ReusingRedisCacheClient(RedisCacheClient):
    """Django's client builds a new ``redis.Redis`` for every command, and each one fills a
    table of some 200 response callbacks (0.2-0.3 ms, more than the round trip to Redis on
    loopback). One ``redis.Redis`` per connection pool is enough: it is safe to share between
    threads (every command borrows a connection from the pool) and the pool itself notices a
    fork."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._clients: dict[int, object] = {}

    def get_client(self, key=None, *, write=False):
        pool = self._get_connection_pool(write)  # type: ignore[attr-defined]
        client = self._clients.get(id(pool))
        if client is None:
            client = self._clients.setdefault(id(pool), self._client(connection_pool=pool))  # type: ignore[attr-defined]
        return client


class FailOpenRedisCache(RedisCache):
    _last_warning = 0.0

    def __init__(self, server, params):
        super().__init__(server, params)
        self._class = ReusingRedisCacheClient

    def _unreachable(self, operation: str, exc: Exception) -> None:
        now = time.monotonic()
        if now - FailOpenRedisCache._last_warning >= WARN_EVERY_SECONDS:
            FailOpenRedisCache._last_warning = now
            logger.warning("cache unreachable (%s: %s); serving without it, rate limits off", operation, exc)

    def _fail_open(self, operation: str, fallback, call, *args, **kwargs):
        """``call(*args, **kwargs)`` on Redis; ``fallback`` (what a miss or a dropped write
        answers) while Redis is unreachable."""
        try:
            return call(*args, **kwargs)
        except UNREACHABLE as exc:
            self._unreachable(operation, exc)
            return fallback

    def get(self, key, default=None, version=None):
        return self._fail_open("get", default, super().get, key, default, version)

    def get_many(self, keys, version=None):
        return self._fail_open("get_many", {}, super().get_many, keys, version)

    def has_key(self, key, version=None):
        return self._fail_open("has_key", False, super().has_key, key, version)

    def add(self, key, value, timeout=..., version=None):
        return self._fail_open("add", False, super().add, key, value, **_timeout(timeout), version=version)

    def set(self, key, value, timeout=..., version=None):
        return self._fail_open("set", None, super().set, key, value, **_timeout(timeout), version=version)

    def set_many(self, data, timeout=..., version=None):
        return self._fail_open("set_many", list(data), super().set_many, data, **_timeout(timeout), version=version)

    def touch(self, key, timeout=..., version=None):
        return self._fail_open("touch", False, super().touch, key, **_timeout(timeout), version=version)

    def delete(self, key, version=None):
        return self._fail_open("delete", False, super().delete, key, version)

    def delete_many(self, keys, version=None):
        return self._fail_open("delete_many", None, super().delete_many, keys, version)

    def incr(self, key, delta=1, version=None):
        try:
            return super().incr(key, delta, version)
        except UNREACHABLE as exc:
            # As for a missing key: callers (version stamps) already handle ValueError.
            self._unreachable("incr", exc)
            raise ValueError(f"Key '{key}' not found (cache unreachable)") from exc
