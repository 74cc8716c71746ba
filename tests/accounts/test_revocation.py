"""Access tokens stop working when their session ends (local provider): logout ends one
session; a password change (API or admin), a reset, disabling and deletion end them all.
Each case also checks that the refresh token is refused and that a new login works."""

import time

import jwt
import pytest
from rest_framework.test import APIClient

from accounts import revocation
from accounts.models import User
from accounts.services import user_delete_account, user_disable
from tests.support import free_port

from .conftest import PASSWORD, last_code

NEW_PASSWORD = "another-long-pass-phrase"


def status_with(token: str) -> int:
    """The status of an authenticated read with ``token`` (a fresh client: no other credentials)."""
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
    response = client.get("/api/v1/user/profile")
    if response.status_code == 401:
        assert response.json()["error"]["code"] == "invalid_token"
    return response.status_code


def refresh_status(refresh_token: str) -> int:
    response = APIClient().post("/api/v1/auth/refresh", {"refreshToken": refresh_token})
    if response.status_code == 401:
        assert response.json()["error"]["code"] == "invalid_token"
    return response.status_code


@pytest.fixture
def two_sessions(app_user, login):
    """The same user logged in on two phones."""
    return login(), login()


def assert_ended(session):
    assert status_with(session["accessToken"]) == 401
    assert refresh_status(session["refreshToken"]) == 401


def assert_alive(session):
    assert status_with(session["accessToken"]) == 200
    assert refresh_status(session["refreshToken"]) == 200


# --- logout: one session ----------------------------------------------------------------


def test_logout_revokes_the_access_token_at_once(api, two_sessions):
    phone, other_phone = two_sessions
    assert status_with(phone["accessToken"]) == 200
    response = api.post("/api/v1/auth/logout", {"refreshToken": phone["refreshToken"]})
    assert response.status_code == 200
    assert_ended(phone)
    assert_alive(other_phone)


def test_logout_revokes_the_access_tokens_refreshed_in_that_session(api, tokens):
    refreshed = api.post("/api/v1/auth/refresh", {"refreshToken": tokens["refreshToken"]}).json()
    api.post("/api/v1/auth/logout", {"refreshToken": refreshed["refreshToken"]})
    assert status_with(tokens["accessToken"]) == 401
    assert status_with(refreshed["accessToken"]) == 401


def test_logout_with_the_bearer_alone_still_revokes_it(api, two_sessions):
    phone, other_phone = two_sessions
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {phone['accessToken']}")
    assert api.post("/api/v1/auth/logout", {"refreshToken": "not-a-token"}).status_code == 200
    assert status_with(phone["accessToken"]) == 401
    assert status_with(other_phone["accessToken"]) == 200


def test_logout_answers_200_with_an_expired_or_forged_bearer(api, tokens):
    api.credentials(HTTP_AUTHORIZATION="Bearer not.a.jwt")
    assert api.post("/api/v1/auth/logout", {"refreshToken": tokens["refreshToken"]}).status_code == 200
    assert status_with(tokens["accessToken"]) == 401


def test_a_new_login_works_after_a_logout(api, tokens, login):
    api.post("/api/v1/auth/logout", {"refreshToken": tokens["refreshToken"]})
    assert_alive(login())


def test_a_stale_copy_of_the_user_saved_later_does_not_bring_a_session_back(api, app_user, tokens):
    stale = User.objects.get(pk=app_user.pk)  # e.g. a request that read the row before the logout
    api.post("/api/v1/auth/logout", {"refreshToken": tokens["refreshToken"]})
    stale.name = "Ana Maria"
    stale.save()
    assert status_with(tokens["accessToken"]) == 401
    assert User.objects.get(pk=app_user.pk).name == "Ana Maria"


# --- password change through the API: every session ---------------------------------------


def test_a_password_change_ends_every_session(api, two_sessions, login):
    phone, other_phone = two_sessions
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {phone['accessToken']}")
    response = api.post("/api/v1/auth/change-password", {"currentPassword": PASSWORD, "newPassword": NEW_PASSWORD})
    assert response.status_code == 200, response.content
    assert_ended(phone)
    assert_ended(other_phone)
    assert_alive(login(password=NEW_PASSWORD))


def test_a_password_change_needs_the_current_password(api, two_sessions):
    phone, other_phone = two_sessions
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {phone['accessToken']}")
    response = api.post(
        "/api/v1/auth/change-password", {"currentPassword": "not-the-password", "newPassword": NEW_PASSWORD}
    )
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "invalid_credentials"
    assert_alive(phone)
    assert_alive(other_phone)


def test_a_password_change_refuses_a_weak_password(api, bearer, tokens):
    response = bearer.post("/api/v1/auth/change-password", {"currentPassword": PASSWORD, "newPassword": "12345678"})
    assert response.status_code == 400
    assert "password" in response.json()["error"]["details"]
    assert status_with(tokens["accessToken"]) == 200


def test_a_password_change_needs_an_access_token(api, app_user):
    response = api.post("/api/v1/auth/change-password", {"currentPassword": PASSWORD, "newPassword": NEW_PASSWORD})
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "not_authenticated"


# --- password change in the admin ------------------------------------------------------


def test_a_password_change_in_the_admin_ends_every_session(staff_client, app_user, two_sessions, login):
    phone, other_phone = two_sessions
    response = staff_client.post(
        f"/admin/accounts/user/{app_user.pk}/password/", {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD}
    )
    assert response.status_code == 302, response.content
    assert_ended(phone)
    assert_ended(other_phone)
    assert_alive(login(password=NEW_PASSWORD))


def test_a_password_hash_upgrade_at_login_is_no_password_change(settings, app_user, tokens, login):
    settings.PASSWORD_HASHERS = [
        "django.contrib.auth.hashers.ScryptPasswordHasher",
        "django.contrib.auth.hashers.MD5PasswordHasher",
    ]
    login()  # the MD5 hash is upgraded to scrypt on this login
    assert User.objects.get(pk=app_user.pk).password.startswith("scrypt$")
    assert_alive(tokens)


# --- reset, disable, delete ----------------------------------------------------------------


def test_a_password_reset_ends_every_session(api, two_sessions, login, on_commit):
    with on_commit():
        api.post("/api/v1/auth/forgot-password", {"email": "ana@example.org"})
    response = api.post(
        "/api/v1/auth/reset-password",
        {"email": "ana@example.org", "code": last_code(), "newPassword": NEW_PASSWORD},
    )
    assert response.status_code == 200
    for session in two_sessions:
        assert_ended(session)
    assert_alive(login(password=NEW_PASSWORD))


def test_disabling_ends_every_session_and_enabling_again_does_not_bring_them_back(app_user, two_sessions, login):
    user_disable(user=app_user)
    for session in two_sessions:
        assert_ended(session)
    User.objects.filter(pk=app_user.pk).update(is_active=True)
    for session in two_sessions:
        assert_ended(session)
    assert_alive(login())


def test_unticking_active_in_the_admin_ends_every_session(app_user, tokens, login):
    user = User.objects.get(pk=app_user.pk)
    user.is_active = False
    user.save()
    user.is_active = True
    user.save()
    assert_ended(tokens)
    assert_alive(login())


def test_deleting_the_account_ends_every_session(app_user, two_sessions):
    user_delete_account(user=app_user)
    for session in two_sessions:
        assert_ended(session)


# --- cost and independence from the cache ------------------------------------------------


def test_the_check_adds_no_query_to_an_authenticated_request(api, app_user, two_sessions, django_assert_num_queries):
    phone, other_phone = two_sessions
    api.post("/api/v1/auth/logout", {"refreshToken": other_phone["refreshToken"]})  # one revoked entry
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {phone['accessToken']}")
    # /user/preferences reads nothing but the user (the profile adds its access section's query,
    # counted in test_profile).
    client.get("/api/v1/user/preferences")  # warm the verified-token cache
    # The one query is the user by ``sub`` the authenticator made before revocation existed.
    with django_assert_num_queries(1):
        assert client.get("/api/v1/user/preferences").status_code == 200


@pytest.fixture
def unreachable_cache(settings, _isolated):
    """The fail-open Redis cache, pointed where nothing listens (the cache is back before the
    suite's own teardown clears it)."""
    reachable = settings.CACHES
    settings.CACHES = {
        "default": {
            "BACKEND": "padmakara.cache.FailOpenRedisCache",
            "LOCATION": f"redis://127.0.0.1:{free_port()}/0",
            "OPTIONS": {"socket_connect_timeout": 0.2, "socket_timeout": 0.2},
        }
    }
    yield
    settings.CACHES = reachable


def test_revocation_holds_while_the_cache_is_unreachable(api, two_sessions, unreachable_cache):
    phone, other_phone = two_sessions
    api.post("/api/v1/auth/logout", {"refreshToken": phone["refreshToken"]})
    assert status_with(phone["accessToken"]) == 401
    assert status_with(other_phone["accessToken"]) == 200


# --- the list of logged-out sessions stays small -----------------------------------------


def test_the_list_forgets_sessions_whose_tokens_have_all_expired(app_user):
    revocation.revoke_session(user_id=app_user.pk, sid="long-gone", until=int(time.time()) - 1)
    revocation.revoke_session(user_id=app_user.pk, sid="just-now", until=revocation.access_token_horizon())
    assert list(User.objects.get(pk=app_user.pk).revoked_sessions) == ["just-now"]


def test_too_many_logouts_at_once_end_every_session(api, app_user, login, monkeypatch):
    monkeypatch.setattr(revocation, "MAX_REVOKED_SESSIONS", 2)
    sessions = [login() for _ in range(4)]
    for session in sessions[:3]:
        api.post("/api/v1/auth/logout", {"refreshToken": session["refreshToken"]})
    assert_ended(sessions[3])  # the safe side: the one still logged in must log in again
    assert_alive(login_in_a_new_second(login, app_user))


def login_in_a_new_second(login, user):
    """Local logins in the second of a revocation are dated after it; this one just checks it."""
    session = login()
    claims = jwt.decode(session["accessToken"], options={"verify_signature": False})
    assert claims["auth_time"] > int(User.objects.get(pk=user.pk).tokens_valid_after.timestamp())
    return session
