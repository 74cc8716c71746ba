import jwt
import pytest

from accounts.authentication import validate_access_token
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


def _attempt(api, password, email="ana@example.org", ip="203.0.113.9"):
    return api.post("/api/v1/auth/login", {"email": email, "password": password}, REMOTE_ADDR=ip)


def test_it_lets_the_owner_in_after_an_attackers_30_wrong_passwords(api, app_user, clock):
    for _ in range(30):
        _attempt(api, "wrong-password", ip="198.51.100.66")
        clock.advance(1)
    response = _attempt(api, PASSWORD)
    if response.status_code == 429:  # the attacker's last failure is at most a minute old
        assert int(response["Retry-After"]) <= 60
        clock.advance(int(response["Retry-After"]))
        response = _attempt(api, PASSWORD)
    assert response.status_code == 200


def test_it_slows_a_burst_of_failures_with_429_whatever_the_password(api, app_user, clock):
    statuses = [_attempt(api, "wrong-password").status_code for _ in range(5)]
    response = _attempt(api, PASSWORD)
    assert statuses == [401] * 5
    assert response.status_code == 429
    assert response.json()["error"]["code"] == "rate_limited"
    assert response["Retry-After"] == "1"


def test_it_slows_an_account_from_every_ip(api, app_user, clock):
    for n in range(5):
        _attempt(api, "wrong-password", ip=f"198.51.100.{n}")
    assert _attempt(api, PASSWORD, ip="192.0.2.1").status_code == 429


def test_it_slows_one_ip_trying_many_accounts(api, app_user, clock, settings):
    for n in range(settings.IDENTITY_LOGIN_FREE_FAILURES_PER_IP):
        _attempt(api, "wrong-password", email=f"someone{n}@example.org")
    assert _attempt(api, PASSWORD).status_code == 429
    assert _attempt(api, PASSWORD, ip="192.0.2.1").status_code == 200


def test_it_grows_the_wait_up_to_a_minute(api, app_user, clock):
    waits = []
    for _ in range(12):
        response = _attempt(api, "wrong-password")
        if response.status_code == 429:
            waits.append(int(response["Retry-After"]))
            clock.advance(waits[-1])
            _attempt(api, "wrong-password")
    assert waits == sorted(waits) and waits[0] == 1 and max(waits) == 60


def test_it_slows_an_unknown_email_exactly_like_a_known_one(api, app_user, clock):
    known = [_attempt(api, "wrong-password").status_code for _ in range(7)]
    unknown = [
        _attempt(api, "wrong-password", email="nobody@example.org", ip="192.0.2.1").status_code for _ in range(7)
    ]
    assert known == unknown == [401] * 5 + [429] * 2


def test_it_forgets_the_account_failures_after_a_success(api, app_user, clock):
    for _ in range(4):
        _attempt(api, "wrong-password")
    assert _attempt(api, PASSWORD).status_code == 200
    assert _attempt(api, "wrong-password").status_code == 401


def test_it_issues_tokens_the_validator_accepts(api, app_user, login, rf):
    body = login()
    payload = validate_access_token(body["accessToken"], rf.get("/"))
    assert payload["sub"] == app_user.cognito_sub


@pytest.mark.parametrize("path", ["/api/v1/auth/login", "/api/v1/auth/refresh", "/api/v1/auth/register"])
def test_it_ignores_a_stale_bearer_token_on_public_auth_endpoints(api, db, path):
    api.credentials(HTTP_AUTHORIZATION="Bearer not.a.token")
    response = api.post(path, {})
    assert response.status_code == 400  # the body is checked; the token is not


def test_it_refuses_a_kelvin_sign_email_that_lower_cases_into_another_account(api, db):
    user_create_verified(email="kate@example.org", password=PASSWORD)
    response = api.post("/api/v1/auth/login", {"email": "\u212aate@example.org", "password": PASSWORD})
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "validation_error"
