import pytest
from django.core import mail

from accounts.models import EmailCode, User

from .conftest import PASSWORD


def test_it_creates_an_unverified_user_and_emails_a_code(api, db, on_commit):
    with on_commit():
        response = api.post("/api/v1/auth/register", {"name": "Ana", "email": "Ana@Example.org", "password": PASSWORD})
    assert response.status_code == 201
    user = User.objects.get(email="ana@example.org")
    assert response.json()["userId"] == str(user.uuid)
    assert not user.email_verified
    assert user.cognito_sub
    assert EmailCode.objects.filter(user=user, purpose="verify").count() == 1
    assert len(mail.outbox) == 1 and mail.outbox[0].to == ["ana@example.org"]


def test_it_sends_no_attacker_text_to_the_address_it_registers(api, db, on_commit):
    name = '<a href="https://evil.example">Claim your prize</a>'
    with on_commit():
        api.post("/api/v1/auth/register", {"name": name, "email": "victim@example.org", "password": PASSWORD})
    message = mail.outbox[0]
    assert "prize" not in message.body and "evil.example" not in message.alternatives[0][0]


def test_it_answers_409_for_a_taken_email(api, app_user):
    response = api.post("/api/v1/auth/register", {"name": "X", "email": "ANA@example.org", "password": PASSWORD})
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "email_taken"


def test_it_refuses_a_weak_password(api, db):
    response = api.post("/api/v1/auth/register", {"name": "Ana", "email": "a@example.org", "password": "12345678"})
    assert response.status_code == 400
    body = response.json()["error"]
    assert body["code"] == "validation_error"
    assert "password" in body["details"]
    assert not User.objects.exists()


def test_it_accepts_a_trailing_slash_without_redirect(api, db):
    response = api.post("/api/v1/auth/register/", {"name": "Ana", "email": "a@example.org", "password": PASSWORD})
    assert response.status_code == 201


def test_it_stores_codes_hashed(api, db, on_commit):
    from .conftest import last_code

    with on_commit():
        api.post("/api/v1/auth/register", {"name": "Ana", "email": "a@example.org", "password": PASSWORD})
    row = EmailCode.objects.get()
    assert last_code() not in row.code_hash


@pytest.mark.parametrize("email", ["\u212aate@example.org", "\u0130nes@example.org", "stra\u00dfe@example.org"])
def test_it_refuses_an_email_that_changes_when_lower_cased(api, db, email):
    response = api.post("/api/v1/auth/register", {"name": "K", "email": email, "password": PASSWORD})
    assert response.status_code == 400
    assert "email" in response.json()["error"]["details"]
    assert not User.objects.exists()
