import datetime

from django.core import mail
from django.utils import timezone

from accounts.models import EmailCode, RefreshToken
from accounts.services import user_create_verified

from .conftest import PASSWORD, last_code

NEW = "another-long-phrase"


def test_it_resets_the_password_with_the_emailed_code(api, app_user, on_commit):
    with on_commit():
        assert api.post("/api/v1/auth/forgot-password", {"email": "ana@example.org"}).status_code == 202
    response = api.post(
        "/api/v1/auth/reset-password", {"email": "ana@example.org", "code": last_code(), "newPassword": NEW}
    )
    assert response.status_code == 200
    assert api.post("/api/v1/auth/login", {"email": "ana@example.org", "password": NEW}).status_code == 200
    assert api.post("/api/v1/auth/login", {"email": "ana@example.org", "password": PASSWORD}).status_code == 401


def test_it_answers_the_same_for_unknown_emails_and_sends_nothing(api, app_user, on_commit):
    with on_commit():
        known = api.post("/api/v1/auth/forgot-password", {"email": "ana@example.org"})
    sent = len(mail.outbox)
    with on_commit():
        unknown = api.post("/api/v1/auth/forgot-password", {"email": "nobody@example.org"})
    assert known.status_code == unknown.status_code == 202
    assert known.json() == unknown.json()
    assert len(mail.outbox) == sent == 1


def test_it_gives_reset_codes_one_hour(api, app_user, on_commit):
    with on_commit():
        api.post("/api/v1/auth/forgot-password", {"email": "ana@example.org"})
    row = EmailCode.objects.get(purpose="reset")
    assert abs((row.expires_at - row.created_at) - datetime.timedelta(hours=1)) < datetime.timedelta(seconds=5)


def test_it_refuses_an_expired_reset_code(api, app_user, on_commit):
    with on_commit():
        api.post("/api/v1/auth/forgot-password", {"email": "ana@example.org"})
    EmailCode.objects.update(expires_at=timezone.now() - datetime.timedelta(seconds=1))
    response = api.post(
        "/api/v1/auth/reset-password", {"email": "ana@example.org", "code": last_code(), "newPassword": NEW}
    )
    assert response.status_code == 400


def test_it_uses_a_reset_code_once(api, app_user, on_commit):
    with on_commit():
        api.post("/api/v1/auth/forgot-password", {"email": "ana@example.org"})
    code = last_code()
    body = {"email": "ana@example.org", "code": code, "newPassword": NEW}
    assert api.post("/api/v1/auth/reset-password", body).status_code == 200
    assert api.post("/api/v1/auth/reset-password", {**body, "newPassword": "yet-another-phrase"}).status_code == 400


def test_it_refuses_a_weak_new_password(api, app_user, on_commit):
    with on_commit():
        api.post("/api/v1/auth/forgot-password", {"email": "ana@example.org"})
    response = api.post(
        "/api/v1/auth/reset-password", {"email": "ana@example.org", "code": last_code(), "newPassword": "password"}
    )
    assert response.status_code == 400
    assert "password" in response.json()["error"]["details"]


def test_it_keeps_the_code_usable_after_a_weak_new_password(api, app_user, on_commit):
    with on_commit():
        api.post("/api/v1/auth/forgot-password", {"email": "ana@example.org"})
    body = {"email": "ana@example.org", "code": last_code(), "newPassword": "password"}
    api.post("/api/v1/auth/reset-password", body)
    assert api.post("/api/v1/auth/reset-password", {**body, "newPassword": NEW}).status_code == 200


def test_it_answers_a_weak_password_with_a_wrong_code_alike_for_known_and_unknown_emails(api, app_user):
    body = {"code": "000000", "newPassword": "password"}
    known = api.post("/api/v1/auth/reset-password", {**body, "email": "ana@example.org"})
    unknown = api.post("/api/v1/auth/reset-password", {**body, "email": "nobody@example.org"})
    assert known.status_code == unknown.status_code == 400
    known_error, unknown_error = known.json()["error"], unknown.json()["error"]
    assert known_error["details"] == unknown_error["details"] == {"code": ["The code is wrong or has expired."]}
    assert known_error["message"] == unknown_error["message"]


def test_it_ends_every_session_on_reset(api, tokens, on_commit):
    with on_commit():
        api.post("/api/v1/auth/forgot-password", {"email": "ana@example.org"})
    api.post("/api/v1/auth/reset-password", {"email": "ana@example.org", "code": last_code(), "newPassword": NEW})
    assert not RefreshToken.objects.filter(revoked_at__isnull=True).exists()
    assert api.post("/api/v1/auth/refresh", {"refreshToken": tokens["refreshToken"]}).status_code == 401


def test_it_refuses_a_kelvin_sign_email_for_a_reset(api, db, on_commit):
    user_create_verified(email="kate@example.org", password=PASSWORD)
    with on_commit():
        forgot = api.post("/api/v1/auth/forgot-password", {"email": "\u212aate@example.org"})
    reset = api.post(
        "/api/v1/auth/reset-password", {"email": "\u212aate@example.org", "code": "000000", "newPassword": NEW}
    )
    assert forgot.status_code == reset.status_code == 400
    assert reset.json()["error"]["code"] == "validation_error" and "email" in reset.json()["error"]["details"]
    assert not mail.outbox
