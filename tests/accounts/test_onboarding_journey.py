"""The whole onboarding through the API and the admin: ask to join, staff approve (with a group
and a gathering), the mails, a code by email, tokens, the device listed, revoked, refresh refused."""

import re

from django.core import mail
from django.urls import reverse

from accounts.models import AccessRequest
from tests import factories

EMAIL = "rita@example.org"


def test_it_takes_a_person_from_request_to_a_revoked_device(api, staff_client, on_commit):
    group = factories.make_group(name="Ngöndro")
    gathering = factories.make_retreat(audience="available-on-request-only", name="Autumn teachings")

    with on_commit():
        asked = api.post(
            "/api/v1/auth/request-access",
            {"email": EMAIL, "firstName": "Rita", "lastName": "Sousa", "message": "Hello", "language": "en"},
        )
    assert asked.status_code == 202
    assert mail.outbox[-1].subject == "We have your request to join Padmakara"

    request = AccessRequest.objects.get(email=EMAIL)
    change = reverse("admin:accounts_accessrequest_change", args=[request.pk])
    assert staff_client.post(change, {"groups": [group.pk], "gatherings": [gathering.pk]}).status_code == 302
    with on_commit():
        staff_client.post(
            reverse("admin:accounts_accessrequest_changelist"),
            {"action": "approve", "_selected_action": [request.pk]},
        )
    assert mail.outbox[-1].subject == "Welcome to Padmakara"

    with on_commit():
        assert api.post("/api/v1/auth/email-code", {"email": EMAIL}).status_code == 202
    code = re.search(r"\b(\d{6})\b", mail.outbox[-1].body).group(1)
    signed_in = api.post(
        "/api/v1/auth/email-code/verify",
        {"email": EMAIL, "code": code, "device": {"name": "Rita's phone", "platform": "ios", "appVersion": "3.1.0"}},
    )
    assert signed_in.status_code == 200
    tokens = signed_in.json()

    api.credentials(HTTP_AUTHORIZATION=f"Bearer {tokens['accessToken']}")
    profile = api.get("/api/v1/user/profile").json()
    assert [grant["gathering"]["name"] for grant in profile["access"]["grants"]] == ["Autumn teachings"]
    devices = api.get("/api/v1/user/devices").json()["devices"]
    assert [(d["name"], d["current"]) for d in devices] == [("Rita's phone", True)]

    assert api.delete(f"/api/v1/user/devices/{devices[0]['id']}").status_code == 204

    assert api.get("/api/v1/user/profile").status_code == 401
    api.credentials()
    refused = api.post("/api/v1/auth/refresh", {"refreshToken": tokens["refreshToken"]})
    assert refused.status_code == 401
    assert refused.json()["error"]["code"] == "invalid_token"
