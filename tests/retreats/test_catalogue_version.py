import pytest
from django.core.cache import caches

from retreats import versioning


@pytest.fixture
def redis_cache(settings, redis_url):
    settings.CACHES = {
        "default": {
            "BACKEND": "padmakara.cache.FailOpenRedisCache",
            "LOCATION": redis_url,
            "KEY_PREFIX": "version-test",
        }
    }
    cache = caches["default"]
    yield cache
    cache.delete(versioning.CACHE_KEY)


def _ttl(cache) -> int:
    key = cache.make_and_validate_key(versioning.CACHE_KEY)
    return cache._cache.get_client(key).ttl(key)


def test_it_keeps_one_stamp_until_the_catalogue_changes(redis_cache):
    first = versioning.catalogue_version()

    assert versioning.catalogue_version() == first
    versioning.bump_catalogue_version()
    assert versioning.catalogue_version() != first


def test_it_lets_the_stamp_expire_so_a_lost_bump_costs_at_most_an_hour(redis_cache):
    versioning.catalogue_version()
    assert 0 < _ttl(redis_cache) <= versioning.LIFETIME_SECONDS

    versioning.bump_catalogue_version()
    assert 0 < _ttl(redis_cache) <= versioning.LIFETIME_SECONDS
