from django.core import mail

from accounts.models import AccessRequest
from accounts.services import access_request_decline
from tests.factories import make_user

BODY = {
    "email": "Rita@Example.org",
    "firstName": "Rita",
    "lastName": "Sousa",
    "message": "I was at the summer retreat in 2024.",
    "language": "pt",
}


def test_it_creates_a_pending_request_and_tells_the_person_in_their_language(api, db, on_commit):
    with on_commit():
        response = api.post("/api/v1/auth/request-access", BODY)

    assert response.status_code == 202
    request = AccessRequest.objects.get()
    assert (request.email, request.first_name, request.last_name, request.status) == (
        "rita@example.org",
        "Rita",
        "Sousa",
        "pending",
    )
    assert request.language == "pt" and request.message == BODY["message"]
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["rita@example.org"]
    assert mail.outbox[0].extra_headers["Content-Language"] == "pt"
    assert "pedido" in mail.outbox[0].subject


def test_it_creates_no_account(api, db, on_commit):
    from accounts.models import User

    with on_commit():
        api.post("/api/v1/auth/request-access", BODY)
    assert not User.objects.filter(email="rita@example.org").exists()


def test_it_puts_no_text_from_the_request_in_the_mail(api, db, on_commit):
    with on_commit():
        api.post("/api/v1/auth/request-access", {**BODY, "firstName": "Visit evil.example", "message": "spam"})
    sent = mail.outbox[0]
    assert "evil" not in sent.body and "spam" not in sent.body
    assert "evil" not in sent.alternatives[0][0]


def test_it_answers_a_second_request_the_same_and_creates_nothing(api, db, on_commit):
    with on_commit():
        first = api.post("/api/v1/auth/request-access", BODY)
        second = api.post("/api/v1/auth/request-access", {**BODY, "message": "Again"})

    assert first.status_code == second.status_code == 202
    assert first.json() == second.json()
    assert AccessRequest.objects.count() == 1
    assert len(mail.outbox) == 1


def test_it_answers_the_same_for_an_email_with_an_account_and_creates_nothing(api, db, on_commit):
    make_user(email="rita@example.org")
    with on_commit():
        response = api.post("/api/v1/auth/request-access", BODY)
    assert response.status_code == 202
    assert not AccessRequest.objects.exists()
    assert mail.outbox == []


def test_it_takes_a_new_request_after_a_decline(api, db, on_commit, staff):
    with on_commit():
        api.post("/api/v1/auth/request-access", BODY)
    access_request_decline(access_request=AccessRequest.objects.get(), by=staff, notify=False)

    with on_commit():
        response = api.post("/api/v1/auth/request-access", {**BODY, "message": "Please look again."})

    assert response.status_code == 202
    assert list(AccessRequest.objects.order_by("created_at").values_list("status", flat=True)) == [
        "declined",
        "pending",
    ]


def test_it_validates_the_fields(api, db):
    response = api.post("/api/v1/auth/request-access", {"email": "not-an-email", "language": "fr"})
    assert response.status_code == 400
    details = response.json()["error"]["details"]
    assert {"email", "firstName", "lastName", "language"} <= set(details)


def test_it_limits_requests_per_email_from_any_ip(api, db):
    for number in range(3):
        assert api.post("/api/v1/auth/request-access", BODY, REMOTE_ADDR=f"10.0.0.{number}").status_code == 202
    response = api.post("/api/v1/auth/request-access", {**BODY, "email": "RITA@example.org"}, REMOTE_ADDR="10.0.1.1")
    assert response.status_code == 429
    assert response.json()["error"]["code"] == "rate_limited"
    assert int(response["Retry-After"]) > 0


def test_it_limits_requests_per_ip(api, db):
    for number in range(10):
        body = {**BODY, "email": f"person{number}@example.org"}
        assert api.post("/api/v1/auth/request-access", body).status_code == 202
    response = api.post("/api/v1/auth/request-access", {**BODY, "email": "another@example.org"})
    assert response.status_code == 429
    assert (
        api.post(
            "/api/v1/auth/request-access", {**BODY, "email": "another@example.org"}, REMOTE_ADDR="10.9.9.9"
        ).status_code
        == 202
    )
