"""A cheap version stamp of the whole catalogue, shared by every process through the cache.

A missing stamp (cache flushed or evicted) is replaced by a fresh random one: clients then
refetch once, which is always safe.
"""

import uuid

from django.core.cache import cache

CACHE_KEY = "catalogue:version"


def catalogue_version() -> str:
    return cache.get_or_set(CACHE_KEY, lambda: uuid.uuid4().hex, timeout=None)


def bump_catalogue_version() -> None:
    cache.set(CACHE_KEY, uuid.uuid4().hex, timeout=None)
