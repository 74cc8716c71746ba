"""Access tokens stop working when their session ends, with the Cognito provider against moto's
server (real HTTP; tokens signed by the server, checked through its JWKS). moto answers
RevokeToken with a 500 (docs/field-notes.md), so the logout call alone is answered by
botocore's Stubber; everything else goes to the server."""

import time

import jwt
import pytest
from botocore.stub import Stubber
from rest_framework.test import APIClient

from accounts.models import User
from accounts.providers import get_provider
from accounts.services import user_disable
from tests.accounts.test_revocation import refresh_status, status_with

PASSWORD = "A-long-pass-phrase-1"
NEW_PASSWORD = "Another-pass-phrase-2"


@pytest.fixture
def registered(api, db, cognito_pool):
    response = api.post("/api/v1/auth/register", {"name": "Ana", "email": "ana@example.org", "password": PASSWORD})
    assert response.status_code == 201, response.content
    # moto's confirm_sign_up takes any code (docs/field-notes.md); the call still goes over HTTP.
    assert api.post("/api/v1/auth/verify-email", {"email": "ana@example.org", "code": "123456"}).status_code == 200
    return User.objects.get(email="ana@example.org")


def login(password=PASSWORD):
    response = APIClient().post("/api/v1/auth/login", {"email": "ana@example.org", "password": password})
    assert response.status_code == 200, response.content
    return response.json()


def assert_ended(session):
    assert status_with(session["accessToken"]) == 401
    assert refresh_status(session["refreshToken"]) == 401


def login_after_the_revocation(password=PASSWORD):
    """Token times are whole seconds: a Cognito session begun in the very second of the
    revocation counts as revoked (accounts/revocation.py), so the new login comes after it."""
    revoked_at = int(User.objects.get(email="ana@example.org").tokens_valid_after.timestamp())
    while int(time.time()) <= revoked_at:
        time.sleep(0.05)
    return login(password)


@pytest.fixture
def two_sessions(registered):
    return login(), login()


def test_logout_with_the_bearer_revokes_that_session_at_once(api, cognito_pool, two_sessions):
    _, _, client_id = cognito_pool
    phone, other_phone = two_sessions
    assert jwt.decode(phone["accessToken"], options={"verify_signature": False})["origin_jti"]
    with Stubber(get_provider().client) as stub:
        stub.add_response("revoke_token", {}, {"Token": phone["refreshToken"], "ClientId": client_id})
        api.credentials(HTTP_AUTHORIZATION=f"Bearer {phone['accessToken']}")
        assert api.post("/api/v1/auth/logout", {"refreshToken": phone["refreshToken"]}).status_code == 200
    assert status_with(phone["accessToken"]) == 401
    # The stubbed RevokeToken left the refresh token alive in moto: its new tokens belong to
    # the ended session (same origin_jti), so the refresh is refused all the same.
    assert refresh_status(phone["refreshToken"]) == 401
    assert status_with(other_phone["accessToken"]) == 200
    assert refresh_status(other_phone["refreshToken"]) == 200
    assert status_with(login()["accessToken"]) == 200


def test_a_password_change_ends_every_session(api, two_sessions):
    phone, other_phone = two_sessions
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {phone['accessToken']}")
    response = api.post("/api/v1/auth/change-password", {"currentPassword": PASSWORD, "newPassword": NEW_PASSWORD})
    assert response.status_code == 200, response.content
    assert_ended(phone)
    assert_ended(other_phone)
    assert status_with(login_after_the_revocation(NEW_PASSWORD)["accessToken"]) == 200


def test_a_password_change_with_a_wrong_current_password_changes_nothing(api, two_sessions):
    phone, _ = two_sessions
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {phone['accessToken']}")
    response = api.post(
        "/api/v1/auth/change-password", {"currentPassword": "Wrong-pass-phrase-9", "newPassword": NEW_PASSWORD}
    )
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "invalid_credentials"
    assert status_with(phone["accessToken"]) == 200


def test_a_password_reset_ends_every_session(api, two_sessions):
    assert api.post("/api/v1/auth/forgot-password", {"email": "ana@example.org"}).status_code == 202
    # moto's confirm_forgot_password takes any code that is not one of its own format.
    response = api.post(
        "/api/v1/auth/reset-password", {"email": "ana@example.org", "code": "123456", "newPassword": NEW_PASSWORD}
    )
    assert response.status_code == 200, response.content
    for session in two_sessions:
        assert_ended(session)
    assert status_with(login_after_the_revocation(NEW_PASSWORD)["accessToken"]) == 200


def test_disabling_ends_every_session(registered, two_sessions):
    user_disable(user=registered)
    for session in two_sessions:
        assert_ended(session)


def test_deleting_the_account_ends_every_session(api, two_sessions):
    phone, _ = two_sessions
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {phone['accessToken']}")
    assert api.delete("/api/v1/user/account").status_code == 204
    # Access tokens only: moto answers a refresh of a deleted user with a 500, where Cognito
    # refuses it (NotAuthorizedException, answered 401 invalid_token: test_cognito_stubbed).
    for session in two_sessions:
        assert status_with(session["accessToken"]) == 401
