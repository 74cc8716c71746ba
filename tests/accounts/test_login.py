import jwt
import pytest

from accounts.authentication import validate_access_token
from accounts.models import LocalCredentials
from accounts.services import user_create_verified
from tests.factories import make_user

from .conftest import PASSWORD
from .hashers import CountingHasher


def test_it_returns_tokens_and_the_user(api, app_user):
    response = api.post("/api/v1/auth/login", {"email": "ana@example.org", "password": PASSWORD})
    assert response.status_code == 200
    body = response.json()
    assert set(body) == {"accessToken", "refreshToken", "idToken", "expiresIn", "user"}
    assert body["expiresIn"] == 3600
    assert body["user"]["id"] == str(app_user.uuid)
    assert body["user"]["lastLogin"]


def test_it_issues_access_tokens_in_cognitos_format(api, app_user, login):
    body = login()
    access = jwt.decode(body["accessToken"], options={"verify_signature": False})
    assert access["token_use"] == "access"
    assert access["client_id"] == "padmakara-app"
    assert "aud" not in access
    assert access["sub"] == app_user.cognito_sub
    assert access["iss"] == "http://testserver"
    assert access["exp"] - access["iat"] == 3600
    assert jwt.get_unverified_header(body["accessToken"])["alg"] == "RS256"
    identity = jwt.decode(body["idToken"], options={"verify_signature": False})
    assert identity["token_use"] == "id"
    assert identity["aud"] == "padmakara-app"
    assert identity["email"] == "ana@example.org"


def test_it_answers_the_same_for_a_wrong_password_and_an_unknown_email(api, app_user):
    wrong = api.post("/api/v1/auth/login", {"email": "ana@example.org", "password": "not-the-password"})
    unknown = api.post("/api/v1/auth/login", {"email": "nobody@example.org", "password": "not-the-password"})
    assert wrong.status_code == unknown.status_code == 401
    assert wrong.json()["error"]["code"] == unknown.json()["error"]["code"] == "invalid_credentials"
    assert wrong.json()["error"]["message"] == unknown.json()["error"]["message"]


def test_it_hashes_the_password_for_unknown_emails_too(api, db, settings):
    settings.PASSWORD_HASHERS = ["tests.accounts.hashers.CountingHasher"]
    CountingHasher.calls = 0
    api.post("/api/v1/auth/login", {"email": "nobody@example.org", "password": "whatever-it-is"})
    assert CountingHasher.calls == 1


def test_it_asks_an_unverified_user_to_verify_first(api, db):
    make_user(email="new@example.org", password=PASSWORD, email_verified=False)
    response = api.post("/api/v1/auth/login", {"email": "new@example.org", "password": PASSWORD})
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "email_not_verified"


def test_it_does_not_tell_an_unverified_user_apart_without_the_password(api, db):
    make_user(email="new@example.org", password=PASSWORD, email_verified=False)
    response = api.post("/api/v1/auth/login", {"email": "new@example.org", "password": "wrong-password"})
    assert response.status_code == 401


def test_it_refuses_a_disabled_user(api, db):
    user_create_verified(email="off@example.org", password=PASSWORD, name="Off", is_active=False)
    response = api.post("/api/v1/auth/login", {"email": "off@example.org", "password": PASSWORD})
    assert response.status_code == 401


def test_it_locks_out_after_repeated_failures(api, app_user, settings):
    settings.IDENTITY_LOCKOUT_THRESHOLD = 3
    for _ in range(3):
        api.post("/api/v1/auth/login", {"email": "ana@example.org", "password": "wrong-password"})
    response = api.post("/api/v1/auth/login", {"email": "ana@example.org", "password": PASSWORD})
    assert response.status_code == 401
    assert LocalCredentials.objects.get(user=app_user).locked_until is not None


def test_it_resets_the_failure_counter_on_success(api, app_user, settings):
    settings.IDENTITY_LOCKOUT_THRESHOLD = 3
    for _ in range(2):
        api.post("/api/v1/auth/login", {"email": "ana@example.org", "password": "wrong-password"})
    assert api.post("/api/v1/auth/login", {"email": "ana@example.org", "password": PASSWORD}).status_code == 200
    assert LocalCredentials.objects.get(user=app_user).failed_logins == 0


def test_it_issues_tokens_the_validator_accepts(api, app_user, login, rf):
    body = login()
    payload = validate_access_token(body["accessToken"], rf.get("/"))
    assert payload["sub"] == app_user.cognito_sub


@pytest.mark.parametrize("path", ["/api/v1/auth/login", "/api/v1/auth/refresh", "/api/v1/auth/register"])
def test_it_ignores_a_stale_bearer_token_on_public_auth_endpoints(api, db, path):
    api.credentials(HTTP_AUTHORIZATION="Bearer not.a.token")
    response = api.post(path, {})
    assert response.status_code == 400  # the body is checked; the token is not
