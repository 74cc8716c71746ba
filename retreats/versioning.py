"""A cheap version stamp of the whole catalogue, shared by every process through the cache.

A missing stamp (cache flushed or evicted) is replaced by a fresh random one: clients then
refetch once, which is always safe. The stamp also expires after an hour: a bump lost while
the cache was unreachable (it fails open) then costs at most an hour of stale ETags.
"""

import uuid

from django.core.cache import cache

CACHE_KEY = "catalogue:version"
LIFETIME_SECONDS = 60 * 60


def catalogue_version() -> str:
    return cache.get_or_set(CACHE_KEY, lambda: uuid.uuid4().hex, timeout=LIFETIME_SECONDS)


def bump_catalogue_version() -> None:
    cache.set(CACHE_KEY, uuid.uuid4().hex, timeout=LIFETIME_SECONDS)
