import pytest
from django.test import RequestFactory
from rest_framework.test import APIClient

from accounts.models import User
from accounts.providers import get_provider
from compat import dataset as e2e

USER_KEYS = ("nosub", "subscriber", "groupmember", "participant", "granted", "admin")
CALLERS = ("anonymous", *USER_KEYS)

# Who may open each seeded event (docs/compat-api.md "Audiences").
OPENS = {
    "E2E-ANYONE": set(CALLERS),
    "E2E-SUBS": {"subscriber", "groupmember", "participant", "admin"},
    "E2E-GROUP": {"groupmember", "admin"},
    "E2E-PART": {"participant", "admin"},
    "E2E-REQ": {"granted", "admin"},
    "E2E-INIT": {"granted", "admin"},
}


def access_token(user) -> str:
    request = RequestFactory().get("/")
    return get_provider().sign_in_user(user=user, request=request, allow_staff=True).access_token


@pytest.fixture
def seeded(db):
    return e2e.seed()


@pytest.fixture
def as_caller(seeded):
    """An API client for a seeded caller (``anonymous`` or a user key), with its bearer token."""

    def make(key: str) -> APIClient:
        client = APIClient()
        if key != "anonymous":
            user = User.objects.get(email=e2e.email(key))
            client.credentials(HTTP_AUTHORIZATION=f"Bearer {access_token(user)}")
        return client

    return make


def seeded_user(key: str) -> User:
    return User.objects.get(email=e2e.email(key))
