import datetime

from django.utils import timezone

from accounts.models import EmailCode, User

from .conftest import PASSWORD, last_code


def _register(api, on_commit, email="a@example.org"):
    with on_commit():
        api.post("/api/v1/auth/register", {"name": "Ana", "email": email, "password": PASSWORD})
    return last_code()


def test_it_verifies_with_the_emailed_code(api, db, on_commit):
    code = _register(api, on_commit)
    response = api.post("/api/v1/auth/verify-email", {"email": "a@example.org", "code": code})
    assert response.status_code == 200
    assert User.objects.get().email_verified


def test_it_refuses_a_wrong_code(api, db, on_commit):
    code = _register(api, on_commit)
    wrong = f"{(int(code) + 1) % 1_000_000:06d}"
    response = api.post("/api/v1/auth/verify-email", {"email": "a@example.org", "code": wrong})
    assert response.status_code == 400
    assert response.json()["error"]["details"]["code"]
    assert not User.objects.get().email_verified


def test_it_uses_a_code_once(api, db, on_commit):
    code = _register(api, on_commit)
    assert api.post("/api/v1/auth/verify-email", {"email": "a@example.org", "code": code}).status_code == 200
    assert api.post("/api/v1/auth/verify-email", {"email": "a@example.org", "code": code}).status_code == 400


def test_it_refuses_a_code_older_than_24_hours(api, db, on_commit):
    code = _register(api, on_commit)
    EmailCode.objects.update(expires_at=timezone.now() - datetime.timedelta(seconds=1))
    assert api.post("/api/v1/auth/verify-email", {"email": "a@example.org", "code": code}).status_code == 400


def test_it_gives_verification_codes_24_hours(api, db, on_commit):
    _register(api, on_commit)
    row = EmailCode.objects.get()
    assert abs((row.expires_at - row.created_at) - datetime.timedelta(hours=24)) < datetime.timedelta(seconds=5)


def test_it_kills_a_code_after_five_wrong_guesses(api, db, on_commit):
    code = _register(api, on_commit)
    wrong = f"{(int(code) + 1) % 1_000_000:06d}"
    for _ in range(5):
        api.post("/api/v1/auth/verify-email", {"email": "a@example.org", "code": wrong})
    assert api.post("/api/v1/auth/verify-email", {"email": "a@example.org", "code": code}).status_code == 400


def test_it_resends_a_code_that_replaces_the_old_one(api, db, on_commit):
    first = _register(api, on_commit)
    with on_commit():
        response = api.post("/api/v1/auth/resend-verification", {"email": "a@example.org"})
    assert response.status_code == 202
    second = last_code()
    if first != second:
        assert api.post("/api/v1/auth/verify-email", {"email": "a@example.org", "code": first}).status_code == 400
    assert api.post("/api/v1/auth/verify-email", {"email": "a@example.org", "code": second}).status_code == 200


def test_it_answers_resend_the_same_for_unknown_emails(api, db, on_commit):
    _register(api, on_commit)
    with on_commit():
        known = api.post("/api/v1/auth/resend-verification", {"email": "a@example.org"})
        unknown = api.post("/api/v1/auth/resend-verification", {"email": "nobody@example.org"})
    assert known.status_code == unknown.status_code == 202
    assert known.json() == unknown.json()
