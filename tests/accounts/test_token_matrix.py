"""Every kind of bad token answers 401 ``invalid_token`` (docs/api.md), never 403 or 500."""

import time

import pytest

from tests.factories import make_user

from . import tokens as t

NOW = int(time.time())


def _matrix(user, other):
    good = t.signed(t.claims(user))
    return {
        "expired": t.signed(t.claims(user, iat=NOW - 7300, exp=NOW - 3700)),
        "not yet valid (nbf)": t.signed(t.claims(user, nbf=NOW + 3600)),
        "not yet valid (iat)": t.signed(t.claims(user, iat=NOW + 3600, exp=NOW + 7200)),
        "wrong issuer": t.signed(t.claims(user, iss="https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_other")),
        "wrong client": t.signed(t.claims(user, client_id="another-app")),
        "id token where access is due": t.signed(
            t.claims(user, token_use="id", client_id=None, aud="padmakara-app", email=user.email)
        ),
        "no token_use": t.signed(t.claims(user, token_use=None)),
        "alg none": t.unsigned(t.claims(user)),
        "HS256 signed with the public key": t.hs256_with_public_key(t.claims(user)),
        "unknown kid": t.with_unknown_kid(t.claims(user)),
        "tampered payload": t.tampered(good, sub=other.cognito_sub),
        "not a JWT": "definitely-not-a-jwt",
        "unknown subject": t.signed(t.claims(user, sub="00000000-0000-0000-0000-000000000000")),
    }


CASES = [
    "expired",
    "not yet valid (nbf)",
    "not yet valid (iat)",
    "wrong issuer",
    "wrong client",
    "id token where access is due",
    "no token_use",
    "alg none",
    "HS256 signed with the public key",
    "unknown kid",
    "tampered payload",
    "not a JWT",
    "unknown subject",
]


@pytest.fixture
def pair(db):
    from accounts.services import user_create_verified

    return (
        user_create_verified(email="ana@example.org", password="a-long-pass-phrase", name="Ana"),
        user_create_verified(email="bruno@example.org", password="a-long-pass-phrase", name="Bruno"),
    )


@pytest.mark.parametrize("case", CASES)
def test_it_answers_401_invalid_token(api, pair, case):
    token = _matrix(*pair)[case]
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
    response = api.get("/api/v1/user/profile")
    assert response.status_code == 401, case
    assert response.json()["error"]["code"] == "invalid_token"
    assert response["WWW-Authenticate"].startswith("Bearer")


def test_it_accepts_the_untouched_token(api, pair):
    user, _ = pair
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {t.signed(t.claims(user))}")
    response = api.get("/api/v1/user/profile")
    assert response.status_code == 200
    assert response.json()["email"] == user.email


def test_it_allows_a_little_clock_skew(api, pair, settings):
    user, _ = pair
    settings.IDENTITY_CLOCK_SKEW_SECONDS = 60
    token = t.signed(t.claims(user, iat=NOW - 3630, exp=int(time.time()) - 30))
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
    assert api.get("/api/v1/user/profile").status_code == 200


def test_it_answers_not_authenticated_without_a_token(api, db):
    response = api.get("/api/v1/user/profile")
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "not_authenticated"
    assert response["WWW-Authenticate"] == "Bearer"


def test_it_refuses_a_disabled_users_token(api, db):
    user = make_user(email="off@example.org", is_active=False, cognito_sub="sub-off", email_verified=True)
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {t.signed(t.claims(user))}")
    assert api.get("/api/v1/user/profile").status_code == 401


def test_it_refuses_a_revoked_refresh_token(api, pair):
    user, _ = pair
    tokens = api.post("/api/v1/auth/login", {"email": user.email, "password": "a-long-pass-phrase"}).json()
    api.post("/api/v1/auth/logout", {"refreshToken": tokens["refreshToken"]})
    response = api.post("/api/v1/auth/refresh", {"refreshToken": tokens["refreshToken"]})
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "invalid_token"
