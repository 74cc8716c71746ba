import os
import socket

import pytest
from django.conf import settings
from django.core.cache import cache
from rest_framework.test import APIClient

from . import factories

IN_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}


def _reachable(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=1):
            return True
    except OSError:
        return False


def require(condition: bool, what: str) -> None:
    """Skip locally when a service is missing; in CI a missing service is a failure."""
    if condition:
        return
    if IN_CI:
        pytest.fail(f"{what} is required in CI but is not available")
    pytest.skip(f"{what} is not available here")


@pytest.fixture
def postgres():
    require(settings.IS_POSTGRES, "PostgreSQL (set DATABASE_URL)")


@pytest.fixture
def redis_url():
    url = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
    require(_reachable("127.0.0.1", 6379), "Redis on 127.0.0.1:6379")
    return url


@pytest.fixture(autouse=True)
def _isolated(settings, tmp_path):
    """Every test gets its own media folder and an empty cache (throttles, version stamps)."""
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": tmp_path / "media", "base_url": "/files/"},
        },
    }
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def api():
    return APIClient()


@pytest.fixture
def user(db):
    return factories.make_user(name="Ana")


@pytest.fixture
def other_user(db):
    return factories.make_user(name="Bruno")


@pytest.fixture
def staff(db):
    return factories.make_staff(name="Staff")


@pytest.fixture
def user_api(api, user):
    api.force_authenticate(user)
    return api


@pytest.fixture(autouse=True)
def _fast_passwords(settings):
    """Factories set a password on every user; PBKDF2's real cost is not under test (the
    identity tests that time hashing set their own hasher)."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
