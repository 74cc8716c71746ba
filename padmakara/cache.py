"""The Redis cache, failing open.

The cache holds rate-limit counters, the catalogue version stamp and rendered bodies: all of
it can be rebuilt, none of it is worth an error page. While Redis is unreachable every read is
a miss and every write is dropped, with a warning in the log (at most one every few seconds),
so the API keeps serving reads from PostgreSQL and rate limiting is suspended, not a 500.
"""

import logging
import time

from django.core.cache.backends.redis import RedisCache
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

logger = logging.getLogger(__name__)

UNREACHABLE = (RedisConnectionError, RedisTimeoutError, OSError)
WARN_EVERY_SECONDS = 10.0


class FailOpenRedisCache(RedisCache):
    _last_warning = 0.0

    def _unreachable(self, operation: str, exc: Exception) -> None:
        now = time.monotonic()
        if now - FailOpenRedisCache._last_warning >= WARN_EVERY_SECONDS:
            FailOpenRedisCache._last_warning = now
            logger.warning("cache unreachable (%s: %s); serving without it, rate limits off", operation, exc)

    def get(self, key, default=None, version=None):
        try:
            return super().get(key, default, version)
        except UNREACHABLE as exc:
            self._unreachable("get", exc)
            return default

    def get_many(self, keys, version=None):
        try:
            return super().get_many(keys, version)
        except UNREACHABLE as exc:
            self._unreachable("get_many", exc)
            return {}

    def has_key(self, key, version=None):
        try:
            return super().has_key(key, version)
        except UNREACHABLE as exc:
            self._unreachable("has_key", exc)
            return False

    def add(self, key, value, timeout=..., version=None):
        try:
            return super().add(key, value, **({} if timeout is ... else {"timeout": timeout}), version=version)
        except UNREACHABLE as exc:
            self._unreachable("add", exc)
            return False

    def set(self, key, value, timeout=..., version=None):
        try:
            return super().set(key, value, **({} if timeout is ... else {"timeout": timeout}), version=version)
        except UNREACHABLE as exc:
            self._unreachable("set", exc)
            return None

    def set_many(self, data, timeout=..., version=None):
        try:
            return super().set_many(data, **({} if timeout is ... else {"timeout": timeout}), version=version)
        except UNREACHABLE as exc:
            self._unreachable("set_many", exc)
            return list(data)

    def touch(self, key, timeout=..., version=None):
        try:
            return super().touch(key, **({} if timeout is ... else {"timeout": timeout}), version=version)
        except UNREACHABLE as exc:
            self._unreachable("touch", exc)
            return False

    def delete(self, key, version=None):
        try:
            return super().delete(key, version)
        except UNREACHABLE as exc:
            self._unreachable("delete", exc)
            return False

    def delete_many(self, keys, version=None):
        try:
            return super().delete_many(keys, version)
        except UNREACHABLE as exc:
            self._unreachable("delete_many", exc)
            return None

    def incr(self, key, delta=1, version=None):
        try:
            return super().incr(key, delta, version)
        except UNREACHABLE as exc:
            # As for a missing key: callers (version stamps) already handle ValueError.
            self._unreachable("incr", exc)
            raise ValueError(f"Key '{key}' not found (cache unreachable)") from exc
