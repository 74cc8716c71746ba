"""Each sign-in names its device; GET /user/devices lists them, DELETE revokes one."""

from datetime import timedelta

import pytest
from django.utils import timezone

from accounts.models import Device
from tests.factories import make_user

from .conftest import PASSWORD

PHONE = {"name": "Ana's iPhone", "platform": "ios", "appVersion": "3.1.0"}
TABLET = {"name": "Tablet", "platform": "android", "appVersion": "3.0.2"}


@pytest.fixture
def sign_in(api, app_user):
    def _sign_in(device=None, email="ana@example.org", password=PASSWORD):
        body = {"email": email, "password": password}
        if device is not None:
            body["device"] = device
        response = api.post("/api/v1/auth/login", body)
        assert response.status_code == 200, response.content
        return response.json()

    return _sign_in


def as_bearer(api, tokens):
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {tokens['accessToken']}")
    return api


def test_it_lists_the_devices_of_each_sign_in(api, sign_in):
    sign_in(TABLET)
    phone = sign_in(PHONE)

    response = as_bearer(api, phone).get("/api/v1/user/devices")

    assert response.status_code == 200
    devices = response.json()["devices"]
    assert [(d["name"], d["platform"], d["appVersion"], d["current"]) for d in devices] == [
        ("Ana's iPhone", "ios", "3.1.0", True),
        ("Tablet", "android", "3.0.2", False),
    ]
    assert all(d["lastSeenAt"] for d in devices)
    assert response["Cache-Control"] == "private, no-store"


def test_a_sign_in_that_names_no_device_is_listed_too(api, sign_in):
    tokens = sign_in()
    devices = as_bearer(api, tokens).get("/api/v1/user/devices").json()["devices"]
    assert [(d["name"], d["platform"], d["current"]) for d in devices] == [("", "", True)]


def test_a_refresh_is_a_use_of_the_device(api, sign_in):
    tokens = sign_in(PHONE)
    long_ago = timezone.now() - timedelta(days=3)
    Device.objects.update(last_seen_at=long_ago)

    assert api.post("/api/v1/auth/refresh", {"refreshToken": tokens["refreshToken"]}).status_code == 200

    assert Device.objects.get().last_seen_at > long_ago + timedelta(days=2)


def test_it_leaves_out_devices_unused_for_longer_than_a_refresh_token_lives(api, sign_in, settings):
    sign_in(TABLET)
    phone = sign_in(PHONE)
    Device.objects.filter(name="Tablet").update(
        last_seen_at=timezone.now() - timedelta(days=settings.IDENTITY_REFRESH_TOKEN_DAYS, seconds=1)
    )
    devices = as_bearer(api, phone).get("/api/v1/user/devices").json()["devices"]
    assert [d["name"] for d in devices] == ["Ana's iPhone"]


def test_revoking_a_device_ends_its_session(api, sign_in):
    tablet = sign_in(TABLET)
    phone = sign_in(PHONE)
    tablet_id = next(
        d["id"] for d in as_bearer(api, phone).get("/api/v1/user/devices").json()["devices"] if not d["current"]
    )

    assert as_bearer(api, phone).delete(f"/api/v1/user/devices/{tablet_id}").status_code == 204

    # The tablet's refresh token and access token die; the phone goes on.
    api.credentials()
    refused = api.post("/api/v1/auth/refresh", {"refreshToken": tablet["refreshToken"]})
    assert refused.status_code == 401 and refused.json()["error"]["code"] == "invalid_token"
    assert as_bearer(api, tablet).get("/api/v1/user/profile").status_code == 401
    assert as_bearer(api, phone).get("/api/v1/user/profile").status_code == 200
    assert [d["name"] for d in api.get("/api/v1/user/devices").json()["devices"]] == ["Ana's iPhone"]
    api.credentials()
    assert api.post("/api/v1/auth/refresh", {"refreshToken": phone["refreshToken"]}).status_code == 200


def test_revoking_its_own_device_signs_the_caller_out(api, sign_in):
    phone = sign_in(PHONE)
    device_id = as_bearer(api, phone).get("/api/v1/user/devices").json()["devices"][0]["id"]

    assert api.delete(f"/api/v1/user/devices/{device_id}").status_code == 204

    assert api.get("/api/v1/user/devices").status_code == 401


def test_it_answers_404_for_another_users_device(api, sign_in, db):
    theirs = Device.objects.create(user=make_user(), name="Theirs", platform="web", session="their-session")
    tokens = sign_in(PHONE)

    response = as_bearer(api, tokens).delete(f"/api/v1/user/devices/{theirs.uuid}")

    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"
    theirs.refresh_from_db()
    assert theirs.revoked_at is None


def test_it_answers_404_for_a_device_revoked_already(api, sign_in):
    sign_in(TABLET)
    phone = sign_in(PHONE)
    tablet = Device.objects.get(name="Tablet")
    assert as_bearer(api, phone).delete(f"/api/v1/user/devices/{tablet.uuid}").status_code == 204
    assert api.delete(f"/api/v1/user/devices/{tablet.uuid}").status_code == 404


def test_logging_out_revokes_the_device(api, sign_in):
    sign_in(TABLET)
    phone = sign_in(PHONE)
    api.post("/api/v1/auth/logout", {"refreshToken": sign_in(TABLET)["refreshToken"]})

    devices = as_bearer(api, phone).get("/api/v1/user/devices").json()["devices"]

    assert [d["name"] for d in devices] == ["Ana's iPhone", "Tablet"]  # the first tablet sign-in lives on
    assert Device.objects.filter(revoked_at__isnull=False).count() == 1


def test_it_validates_the_device_of_a_sign_in(api, app_user):
    response = api.post(
        "/api/v1/auth/login",
        {"email": "ana@example.org", "password": PASSWORD, "device": {"platform": "symbian", "name": "x" * 101}},
    )
    assert response.status_code == 400
    assert set(response.json()["error"]["details"]["device"]) == {"platform", "name"}


@pytest.mark.parametrize("path", ["/api/v1/auth/refresh", "/api/v1/auth/login", "/api/v1/auth/email-code/verify"])
def test_no_endpoint_signs_in_with_a_device_identifier(api, sign_in, path):
    sign_in(PHONE)
    device = Device.objects.get()

    response = api.post(path, {"deviceId": str(device.uuid), "email": "ana@example.org"})

    assert response.status_code == 400
    assert "accessToken" not in response.json()
