"""Passwordless sign-in with the local provider: POST /auth/email-code, then /verify with the
code or the link's token."""

import re
from datetime import timedelta

import pyotp
import pytest
from django.core import mail
from django.utils import timezone

from accounts.models import EmailCode, LocalCredentials, User
from accounts.providers import get_provider

from .conftest import last_code

EMAIL = "ana@example.org"


@pytest.fixture
def listener(db):
    """An approved account: no password."""
    return get_provider().create_account(email=EMAIL, name="Ana", language="pt")


@pytest.fixture
def send_code(api, on_commit):
    def _send(email=EMAIL, **extra):
        with on_commit():
            response = api.post("/api/v1/auth/email-code", {"email": email}, **extra)
        assert response.status_code == 202
        return response

    return _send


def last_token() -> str:
    return re.search(r"token=([\w-]+)", mail.outbox[-1].body).group(1)


def verify(api, **body):
    return api.post("/api/v1/auth/email-code/verify", body)


def test_it_signs_in_with_the_emailed_code(api, listener, send_code):
    send_code()

    response = verify(api, email=EMAIL, code=last_code())

    assert response.status_code == 200
    body = response.json()
    assert body["accessToken"] and body["refreshToken"] and body["user"]["email"] == EMAIL
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {body['accessToken']}")
    assert api.get("/api/v1/user/profile").status_code == 200


def test_it_signs_in_with_the_links_token(api, listener, send_code):
    send_code()

    response = verify(api, token=last_token())

    assert response.status_code == 200
    assert response.json()["user"]["email"] == EMAIL


def test_it_mails_code_and_link_in_the_users_language(listener, send_code, settings):
    settings.APP_LINK_BASE = "https://app.padmakara.pt/link"
    send_code()
    sent = mail.outbox[-1]
    assert sent.to == [EMAIL] and sent.extra_headers["Content-Language"] == "pt"
    assert re.search(r"\b\d{6}\b", sent.subject)
    assert "https://app.padmakara.pt/link/email-code?token=" in sent.body
    assert "10 minutos" in sent.body


def test_it_stores_code_and_token_hashed(listener, send_code):
    send_code()
    row = EmailCode.objects.get(purpose="signin")
    assert last_code() not in (row.code_hash, row.link_hash)
    assert last_token() not in (row.code_hash, row.link_hash)
    assert abs((row.expires_at - row.created_at) - timedelta(minutes=10)) < timedelta(seconds=5)


def test_it_confirms_the_email_address(api, listener, send_code):
    send_code()
    verify(api, email=EMAIL, code=last_code())
    assert User.objects.get(email=EMAIL).email_verified


def test_it_answers_the_same_for_unknown_emails_and_sends_nothing(api, listener, on_commit):
    with on_commit():
        known = api.post("/api/v1/auth/email-code", {"email": EMAIL})
        unknown = api.post("/api/v1/auth/email-code", {"email": "nobody@example.org"})
    assert known.status_code == unknown.status_code == 202
    assert known.json() == unknown.json()
    assert len(mail.outbox) == 1
    wrong_known = verify(api, email=EMAIL, code="000000" if last_code() != "000000" else "111111")
    wrong_unknown = verify(api, email="nobody@example.org", code="123456")
    assert wrong_known.status_code == wrong_unknown.status_code == 400
    assert wrong_known.json()["error"]["message"] == wrong_unknown.json()["error"]["message"]


def test_it_refuses_a_used_code(api, listener, send_code):
    send_code()
    code = last_code()
    assert verify(api, email=EMAIL, code=code).status_code == 200
    response = verify(api, email=EMAIL, code=code)
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "validation_error"
    assert "code" in response.json()["error"]["details"]


def test_it_refuses_a_replayed_link(api, listener, send_code):
    send_code()
    token = last_token()
    assert verify(api, token=token).status_code == 200
    assert verify(api, token=token).status_code == 400


def test_the_code_and_the_link_are_one_credential(api, listener, send_code):
    send_code()
    code, token = last_code(), last_token()
    assert verify(api, token=token).status_code == 200
    assert verify(api, email=EMAIL, code=code).status_code == 400


def test_it_refuses_an_expired_code_and_link(api, listener, send_code):
    send_code()
    EmailCode.objects.filter(purpose="signin").update(expires_at=timezone.now() - timedelta(seconds=1))
    assert verify(api, email=EMAIL, code=last_code()).status_code == 400
    assert verify(api, token=last_token()).status_code == 400


def test_it_refuses_another_emails_code(api, listener, send_code, db):
    get_provider().create_account(email="rui@example.org", name="Rui", language="en")
    send_code("rui@example.org")
    ruis_code, ruis_token = last_code(), last_token()
    send_code()

    assert verify(api, email=EMAIL, code=ruis_code).status_code == 400 or ruis_code == last_code()
    assert verify(api, email=EMAIL, token=ruis_token).status_code == 400
    # Rui's own code still works for Rui.
    assert verify(api, email="rui@example.org", code=ruis_code).status_code == 200


def test_it_ends_the_code_after_five_wrong_ones(api, listener, send_code):
    send_code()
    code = last_code()
    wrong = "111111" if code != "111111" else "222222"
    for _ in range(5):
        assert verify(api, email=EMAIL, code=wrong).status_code == 400
    # The sixth attempt, with the right code, is refused: the code is spent.
    assert verify(api, email=EMAIL, code=code).status_code == 400
    assert verify(api, token=last_token()).status_code == 400


def test_a_new_code_replaces_the_last(api, listener, send_code):
    send_code()
    first_code, first_token = last_code(), last_token()
    send_code()
    assert verify(api, token=first_token).status_code == 400
    if first_code != last_code():
        assert verify(api, email=EMAIL, code=first_code).status_code == 400
    assert verify(api, email=EMAIL, code=last_code()).status_code == 200


def test_it_refuses_a_disabled_account(api, listener, send_code):
    send_code()
    User.objects.filter(pk=listener.pk).update(is_active=False)
    assert verify(api, email=EMAIL, code=last_code()).status_code == 400


def test_it_asks_for_the_second_step_where_mfa_is_on(api, listener, send_code):
    secret = pyotp.random_base32()
    LocalCredentials.objects.create(user=listener, mfa_secret=secret, mfa_enabled=True)
    send_code()

    response = verify(api, email=EMAIL, code=last_code())

    assert response.status_code == 200
    assert response.json()["challenge"] == "SOFTWARE_TOKEN_MFA" and "accessToken" not in response.json()
    done = api.post(
        "/api/v1/auth/login/mfa",
        {"email": EMAIL, "session": response.json()["session"], "code": pyotp.TOTP(secret).now()},
    )
    assert done.status_code == 200 and done.json()["accessToken"]


@pytest.mark.parametrize(
    "body",
    [{}, {"email": EMAIL}, {"code": "123456"}, {"email": EMAIL, "code": "12ab56"}, {"deviceId": "x"}],
)
def test_it_validates_the_body(api, db, body):
    response = verify(api, **body)
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "validation_error"


def test_it_limits_codes_per_email_from_any_ip(api, listener, on_commit):
    for number in range(10):
        with on_commit():
            response = api.post("/api/v1/auth/email-code", {"email": EMAIL}, REMOTE_ADDR=f"10.0.0.{number}")
        assert response.status_code == 202
    response = api.post("/api/v1/auth/email-code", {"email": EMAIL}, REMOTE_ADDR="10.0.1.1")
    assert response.status_code == 429
    assert response.json()["error"]["code"] == "rate_limited"
    assert len(mail.outbox) == 10


def test_it_limits_codes_and_guesses_per_ip(api, db):
    for number in range(30):
        assert verify(api, email=f"p{number}@example.org", code="123456").status_code == 400
    response = api.post("/api/v1/auth/email-code", {"email": "someone@example.org"})
    assert response.status_code == 429
    assert (
        api.post("/api/v1/auth/email-code", {"email": "someone@example.org"}, REMOTE_ADDR="10.9.9.9").status_code == 202
    )


def test_password_login_still_works(api, app_user, login):
    assert login()["accessToken"]


def test_staff_get_no_code(api, on_commit, db):
    from tests.factories import make_staff

    make_staff(email="staff@example.org")
    with on_commit():
        response = api.post("/api/v1/auth/email-code", {"email": "staff@example.org"})
    assert response.status_code == 202
    assert mail.outbox == []
