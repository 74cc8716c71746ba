"""The app's sign-in (docs/compat-api.md "Accounts"): magic link, device activation, refresh,
devices; links single-use and short-lived, fingerprints hashed, tokens handed out once."""

import re
from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone

from accounts.models import AccessRequest, Device, DeviceActivation
from accounts.providers import get_provider

pytestmark = pytest.mark.django_db

FINGERPRINT = "fp-0123456789abcdef"
DEVICE = {"device_fingerprint": FINGERPRINT, "device_name": "Ana's iPhone", "device_type": "ios"}


@pytest.fixture
def member(db):
    return get_provider().create_account(email="ana@example.com", name="Ana", language="pt")


def ask_link(api, email="ana@example.com", **extra):
    return api.post(
        "/api/auth/request-magic-link", {"email": email, "language": "en", **DEVICE, **extra}, format="json"
    )


def mailed_link() -> str:
    return re.search(r"http://testserver/api/auth/activate/\S+", mail.outbox[-1].body).group(0)


def activate(api, member, django_capture_on_commit_callbacks) -> dict:
    with django_capture_on_commit_callbacks(execute=True):
        assert ask_link(api).json()["status"] == "magic_link_sent"
    assert api.get(mailed_link()).status_code == 200
    return api.post("/api/auth/device/discover", {"device_fingerprint": FINGERPRINT}, format="json").json()


def test_it_asks_an_unknown_email_for_approval(api):
    body = ask_link(api, email="stranger@example.com").json()
    assert body["status"] == "approval_required" and body["message"]
    assert DeviceActivation.objects.count() == 0


def test_it_mails_a_single_use_link_in_the_users_language(api, member, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        body = ask_link(api).json()
    assert body["status"] == "magic_link_sent" and "access_token" not in body
    assert mail.outbox[-1].to == ["ana@example.com"]
    assert "Padmakara" in mail.outbox[-1].subject and "Ative" in mail.outbox[-1].subject  # Portuguese
    row = DeviceActivation.objects.get()
    assert FINGERPRINT not in row.fingerprint_hash and len(row.fingerprint_hash) == 64
    link = mailed_link()
    assert link.rsplit("/", 1)[1] not in row.link_hash
    assert api.get(link).status_code == 200
    assert api.get(link).status_code == 410  # used


def test_it_refuses_an_expired_link(api, member, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        ask_link(api)
    DeviceActivation.objects.update(expires_at=timezone.now() - timedelta(seconds=1))
    assert api.get(mailed_link()).status_code == 410
    body = api.post("/api/auth/device/discover", {"device_fingerprint": FINGERPRINT}, format="json").json()
    assert body == {"status": "not_activated"}


def test_it_hands_the_tokens_out_once_per_activation(api, member, django_capture_on_commit_callbacks):
    before = api.post("/api/auth/device/discover", {"device_fingerprint": FINGERPRINT}, format="json").json()
    assert before == {"status": "not_activated"}
    body = activate(api, member, django_capture_on_commit_callbacks)
    assert body["status"] == "activated"
    assert body["access_token"] and body["refresh_token"]
    assert body["user"]["email"] == "ana@example.com" and body["device"]["activated_at"].endswith("Z")
    again = api.post("/api/auth/device/discover", {"device_fingerprint": FINGERPRINT}, format="json").json()
    assert again == {"status": "not_activated"}
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {body['access_token']}")
    devices = api.get("/api/auth/devices").json()
    assert [device["device_name"] for device in devices] == ["Ana's iPhone"]


def test_it_does_not_hand_tokens_to_another_fingerprint(api, member, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        ask_link(api)
    api.get(mailed_link())
    body = api.post("/api/auth/device/discover", {"device_fingerprint": "fp-someone-else"}, format="json").json()
    assert body == {"status": "not_activated"}


def test_it_activates_through_the_deep_link_on_the_asking_device(api, member, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        ask_link(api)
    token = mailed_link().rsplit("/", 1)[1]
    wrong = api.post(
        "/api/auth/auto-activate", {"token": token, **DEVICE, "device_fingerprint": "fp-other-one"}, format="json"
    )
    assert wrong.status_code == 400 and wrong.json()["code"] == "invalid_token"
    body = api.post("/api/auth/auto-activate", {"token": token, **DEVICE}, format="json").json()
    assert body["access_token"] and body["refresh_token"] and body["user"]["id"] == member.pk
    assert api.post("/api/auth/auto-activate", {"token": token, **DEVICE}, format="json").status_code == 400


def test_it_signs_a_known_device_in_again_within_a_limit(api, member, django_capture_on_commit_callbacks):
    first = activate(api, member, django_capture_on_commit_callbacks)
    answers = [ask_link(api).json() for _ in range(6)]
    assert [answer["status"] for answer in answers[:5]] == ["already_activated"] * 5
    assert answers[0]["access_token"] and answers[0]["refresh_token"]
    assert answers[5]["status"] == "magic_link_sent"  # past the limit: a link, no tokens
    # The device keeps one row, with the latest session; the first session ended.
    assert Device.objects.filter(user=member, revoked_at__isnull=True).count() == 1
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {first['access_token']}")
    assert api.get("/api/auth/devices").status_code == 401


def test_it_refreshes_with_rotation(api, member, django_capture_on_commit_callbacks):
    body = activate(api, member, django_capture_on_commit_callbacks)
    refreshed = api.post("/api/auth/refresh", {"refreshToken": body["refresh_token"]}, format="json").json()
    assert refreshed["accessToken"] and refreshed["refreshToken"] != body["refresh_token"]
    reused = api.post("/api/auth/refresh", {"refreshToken": body["refresh_token"]}, format="json")
    assert reused.status_code == 401 and reused.json()["code"] == "invalid_token"


def test_it_revokes_the_device_on_deactivation(api, member, django_capture_on_commit_callbacks):
    body = activate(api, member, django_capture_on_commit_callbacks)
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {body['access_token']}")
    assert (
        api.post("/api/auth/device/deactivate", {"device_fingerprint": FINGERPRINT}, format="json").status_code == 200
    )
    assert api.get("/api/auth/devices").status_code == 401
    assert Device.objects.get(user=member).revoked_at is not None
    api.credentials()
    refused = api.post("/api/auth/refresh", {"refreshToken": body["refresh_token"]}, format="json")
    assert refused.status_code == 401


def test_it_lets_staff_revoke_a_device_from_the_admin(api, member, staff_client, django_capture_on_commit_callbacks):
    body = activate(api, member, django_capture_on_commit_callbacks)
    device = Device.objects.get(user=member)
    response = staff_client.post(
        "/admin/accounts/device/", {"action": "revoke_devices", "_selected_action": [device.pk]}
    )
    assert response.status_code == 302
    assert Device.objects.get(pk=device.pk).revoked_at is not None
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {body['access_token']}")
    assert api.get("/api/auth/user").status_code == 401


def test_it_queues_an_approval_request_once(api):
    request = {"email": "new@example.com", "first_name": "Nova", "last_name": "Pessoa", "language": "pt", **DEVICE}
    assert api.post("/api/auth/request-approval", request, format="json").json()["status"] == "approval_requested"
    assert api.post("/api/auth/request-approval", request, format="json").json()["status"] == "already_pending"
    assert AccessRequest.objects.get().language == "pt"


@pytest.mark.parametrize(
    "body",
    [{}, {"email": "not-an-email", **DEVICE}, {"email": "ana@example.com", "device_fingerprint": "short"}],
)
def test_it_refuses_malformed_sign_in_requests(api, body):
    response = api.post("/api/auth/request-magic-link", body, format="json")
    assert response.status_code == 400 and response.json()["code"] == "validation_error"


def test_it_rate_limits_link_requests_per_email(api, member, settings):
    codes = [ask_link(api).status_code for _ in range(12)]
    assert 429 in codes
    limited = ask_link(api)
    assert limited.json()["code"] == "rate_limited" and isinstance(limited.json()["error"], str)


def test_it_updates_preferences_and_deletes_the_account(api, member, django_capture_on_commit_callbacks):
    body = activate(api, member, django_capture_on_commit_callbacks)
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {body['access_token']}")
    user = api.patch("/api/auth/user", {"preferences": {"contentLanguage": "en-pt", "language": "en"}}, format="json")
    assert user.json()["preferences"]["contentLanguage"] == "en-pt"
    bad = api.patch("/api/auth/user", {"preferences": {"language": "fr"}}, format="json")
    assert bad.status_code == 400 and bad.json()["code"] == "validation_error"
    assert api.delete("/api/auth/user/delete").status_code == 204
    assert not type(member).objects.filter(pk=member.pk).exists()


def test_it_answers_in_the_language_the_app_sent(api):
    body = ask_link(api, email="stranger@example.com", language="pt").json()
    assert body["message"].startswith("Este email ainda não tem conta")
    request = {"email": "nova@example.com", "first_name": "Nova", "last_name": "Pessoa", "language": "pt"}
    assert api.post("/api/auth/request-approval", request, format="json").json()["message"].startswith("Obrigado")
