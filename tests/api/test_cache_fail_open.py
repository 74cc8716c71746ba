"""The Redis cache fails open: Redis unreachable → misses and dropped writes with a
warning, never an exception (tests/faults/test_redis_down.py has it under a real server)."""

import logging

import pytest
from django.core.cache import caches

from tests.support import free_port


@pytest.fixture
def unreachable_cache(settings):
    settings.CACHES = {
        **settings.CACHES,
        "dead": {
            "BACKEND": "padmakara.cache.FailOpenRedisCache",
            "LOCATION": f"redis://127.0.0.1:{free_port()}/9",  # nothing listens there
            "OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 0.5},
        },
    }
    return caches["dead"]


def test_it_answers_misses_and_drops_writes_while_redis_is_unreachable(unreachable_cache, caplog):
    from padmakara.cache import FailOpenRedisCache

    FailOpenRedisCache._last_warning = 0.0
    with caplog.at_level(logging.WARNING, logger="padmakara.cache"):
        unreachable_cache.set("k", 1)
        assert unreachable_cache.get("k", "default") == "default"
        assert unreachable_cache.get_or_set("v", lambda: "fresh") == "fresh"
        assert unreachable_cache.add("k", 1) is False
        with pytest.raises(ValueError):
            unreachable_cache.incr("k")

    assert "cache unreachable" in caplog.text


def test_it_reuses_one_redis_client_per_server_and_still_answers(settings, redis_url):
    """Django's client built a new ``redis.Redis`` (and its table of response callbacks) for
    every command; one per connection pool is enough."""
    settings.CACHES = {
        **settings.CACHES,
        "shared": {"BACKEND": "padmakara.cache.FailOpenRedisCache", "LOCATION": redis_url},
    }
    cache = caches["shared"]
    client = cache._cache.get_client()
    assert cache._cache.get_client(write=True) is client
    cache.set("reused", {"a": 1}, timeout=30)
    assert cache.get("reused") == {"a": 1}
    cache.delete("counter-reused")
    assert cache.add("counter-reused", 0)
    assert cache.incr("counter-reused") == 1
    assert cache._cache.get_client() is client
    cache.delete_many(["reused", "counter-reused"])
