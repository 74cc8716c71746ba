import re

import pytest
from django.core import mail

from accounts.services import user_create_verified

from .cognito_server import cognito_pool  # noqa: F401  (fixture)
from .cognito_stub import stub  # noqa: F401  (fixture)

PASSWORD = "a-long-pass-phrase"


def last_code() -> str:
    """The 6-digit code of the last email sent."""
    return re.search(r"\b(\d{6})\b", mail.outbox[-1].body).group(1)


@pytest.fixture
def app_user(db):
    return user_create_verified(email="ana@example.org", password=PASSWORD, name="Ana")


@pytest.fixture
def login(api):
    def _login(email="ana@example.org", password=PASSWORD):
        response = api.post("/api/v1/auth/login", {"email": email, "password": password})
        assert response.status_code == 200, response.content
        return response.json()

    return _login


@pytest.fixture
def tokens(app_user, login):
    return login()


@pytest.fixture
def bearer(api, tokens):
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {tokens['accessToken']}")
    return api


@pytest.fixture
def on_commit(django_capture_on_commit_callbacks):
    """Run on-commit callbacks (emails) of what happens inside the block."""
    return lambda: django_capture_on_commit_callbacks(execute=True)
