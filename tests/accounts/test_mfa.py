import datetime

import pyotp
from django.utils import timezone

from accounts.models import LocalCredentials

from .conftest import PASSWORD


def _enable(bearer) -> pyotp.TOTP:
    setup = bearer.post("/api/v1/auth/mfa/setup").json()
    totp = pyotp.TOTP(setup["secret"])
    assert setup["otpauthUri"].startswith("otpauth://totp/")
    response = bearer.post("/api/v1/auth/mfa/verify", {"code": totp.now()})
    assert response.status_code == 200
    return totp


def _password_step(client) -> str:
    """Signs out, then logs in with the password: the session the second step (the TOTP code) needs."""
    client.credentials()
    return client.post("/api/v1/auth/login", {"email": "ana@example.org", "password": PASSWORD}).json()["session"]


def test_it_needs_a_token_to_set_up_mfa(api, db):
    assert api.post("/api/v1/auth/mfa/setup").status_code == 401


def test_it_challenges_the_next_login(bearer, app_user):
    _enable(bearer)
    bearer.credentials()
    response = bearer.post("/api/v1/auth/login", {"email": "ana@example.org", "password": PASSWORD})
    assert response.status_code == 200
    assert response.json()["challenge"] == "SOFTWARE_TOKEN_MFA"
    assert response.json()["session"]
    assert "accessToken" not in response.json()


def test_it_logs_in_with_the_totp_code(bearer, app_user):
    totp = _enable(bearer)
    # The setup code's time step is spent; the login needs a code of a later step.
    LocalCredentials.objects.filter(user=app_user).update(mfa_last_step=0)
    session = _password_step(bearer)
    response = bearer.post(
        "/api/v1/auth/login/mfa", {"email": "ana@example.org", "session": session, "code": totp.now()}
    )
    assert response.status_code == 200
    assert response.json()["accessToken"]
    assert response.json()["user"]["email"] == "ana@example.org"


def test_it_refuses_a_replayed_totp_code(bearer, app_user):
    totp = _enable(bearer)
    session = _password_step(bearer)
    # The code just used to turn MFA on cannot log in again.
    code = totp.at(timezone.now())
    response = bearer.post("/api/v1/auth/login/mfa", {"email": "ana@example.org", "session": session, "code": code})
    assert response.status_code == 400


def test_it_refuses_a_wrong_totp_code(bearer, app_user):
    totp = _enable(bearer)
    LocalCredentials.objects.filter(user=app_user).update(mfa_last_step=0)
    session = _password_step(bearer)
    wrong = f"{(int(totp.now()) + 1) % 1_000_000:06d}"
    response = bearer.post("/api/v1/auth/login/mfa", {"email": "ana@example.org", "session": session, "code": wrong})
    assert response.status_code == 400


def test_it_refuses_a_forged_session(bearer, app_user):
    totp = _enable(bearer)
    LocalCredentials.objects.filter(user=app_user).update(mfa_last_step=0)
    bearer.credentials()
    response = bearer.post(
        "/api/v1/auth/login/mfa", {"email": "ana@example.org", "session": "forged", "code": totp.now()}
    )
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "invalid_credentials"


def test_it_refuses_a_wrong_code_when_turning_mfa_on(bearer, app_user):
    bearer.post("/api/v1/auth/mfa/setup")
    response = bearer.post("/api/v1/auth/mfa/verify", {"code": "000000"})
    assert response.status_code == 400
    assert not LocalCredentials.objects.get(user=app_user).mfa_enabled


def _next_code(totp: pyotp.TOTP) -> str:
    """A code of the next time step: the current one was used up turning MFA on."""
    return totp.at(timezone.now() + datetime.timedelta(seconds=30))


def test_it_refuses_to_set_up_mfa_again_with_only_an_access_token(bearer, app_user):
    totp = _enable(bearer)
    response = bearer.post("/api/v1/auth/mfa/setup")
    assert response.status_code == 400
    assert "code" in response.json()["error"]["details"]
    credentials = LocalCredentials.objects.get(user=app_user)
    assert credentials.mfa_enabled and credentials.mfa_secret == totp.secret


def test_it_refuses_to_set_up_mfa_again_with_a_wrong_password(bearer, app_user):
    _enable(bearer)
    response = bearer.post("/api/v1/auth/mfa/setup", {"password": "not-the-password"})
    assert response.status_code == 400


def test_it_sets_up_mfa_again_with_a_current_code(bearer, app_user):
    totp = _enable(bearer)
    response = bearer.post("/api/v1/auth/mfa/setup", {"code": _next_code(totp)})
    assert response.status_code == 200
    assert response.json()["secret"] != totp.secret


def test_it_keeps_the_old_secret_until_the_new_one_is_verified(bearer, app_user):
    old = _enable(bearer)
    bearer.post("/api/v1/auth/mfa/setup", {"password": PASSWORD})
    session = _password_step(bearer)
    response = bearer.post(
        "/api/v1/auth/login/mfa", {"email": "ana@example.org", "session": session, "code": _next_code(old)}
    )
    assert response.status_code == 200


def test_it_switches_to_the_new_secret_once_verified(bearer, app_user):
    old = _enable(bearer)
    new = pyotp.TOTP(bearer.post("/api/v1/auth/mfa/setup", {"password": PASSWORD}).json()["secret"])
    assert bearer.post("/api/v1/auth/mfa/verify", {"code": new.now()}).status_code == 200
    credentials = LocalCredentials.objects.get(user=app_user)
    assert credentials.mfa_enabled and credentials.mfa_secret == new.secret != old.secret


def test_it_keeps_counting_wrong_codes_across_password_steps(bearer, app_user):
    _enable(bearer)
    for _ in range(5):
        body = {"email": "ana@example.org", "session": _password_step(bearer), "code": "000000"}
        assert bearer.post("/api/v1/auth/login/mfa", body).status_code == 400
    response = bearer.post("/api/v1/auth/login", {"email": "ana@example.org", "password": PASSWORD})
    assert response.status_code == 429
