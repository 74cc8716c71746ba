from accounts.services import device_register
from notifications.models import DigestSubscription, Notification
from tests.factories import make_admin_device, make_group, make_member


def test_it_exports_the_profile_and_every_personal_row(bearer, app_user):
    make_member(app_user, make_group(name="Mind Training"))
    device_register(user=app_user, platform="ios", push_token="tok-1")
    response = bearer.get("/api/v1/user/export")
    assert response.status_code == 200
    body = response.json()
    assert body["profile"]["email"] == "ana@example.org"
    assert "tok-1" in [device["pushToken"] for device in body["records"]["accounts.Device"]]
    assert len(body["records"]["accounts.GroupMembership"]) == 1
    assert body["records"]["accounts.RefreshToken"]  # the login's session, listed without its secret


def test_it_leaves_secrets_out(bearer, app_user):
    bearer.post("/api/v1/auth/mfa/setup")
    text = bearer.get("/api/v1/user/export").content.decode()
    for secret in ("password", "tokenHash", "codeHash", "mfaSecret"):
        assert secret not in text
    assert app_user.password not in text


def test_it_lists_an_admin_device_without_its_key(bearer, app_user):
    device = make_admin_device(app_user)

    body = bearer.get("/api/v1/user/export").json()

    # The model's label, "otp_totp.TOTPDevice", camelCased like every key of the API.
    assert [row["name"] for row in body["records"]["otpTotp.TOTPDevice"]] == ["admin"]
    assert device.key not in str(body)


def test_it_is_private(bearer, app_user):
    response = bearer.get("/api/v1/user/export")
    assert "no-store" in response["Cache-Control"]


def test_it_keeps_the_keys_of_models_that_moved_to_another_app(bearer, app_user):
    Notification.objects.create(user=app_user, event_key="k", type="new_gathering", title="t", message="m")
    DigestSubscription.objects.create(user=app_user)
    records = bearer.get("/api/v1/user/export").json()["records"]
    assert records["accounts.Notification"][0]["title"] == "t"
    assert len(records["accounts.DigestSubscription"]) == 1


def test_it_exports_the_access_request_of_the_user_but_not_those_staff_answered(db, staff):
    from accounts.models import AccessRequest
    from accounts.selectors import user_export
    from accounts.services import access_request_approve, access_request_create

    request = access_request_create(email="rita@example.org", first_name="Rita", last_name="Sousa", message="Hi")
    rita = access_request_approve(access_request=request, by=staff)

    assert [row["message"] for row in user_export(rita).records["accounts.AccessRequest"]] == ["Hi"]
    assert "accounts.AccessRequest" not in user_export(staff).records
    assert AccessRequest.objects.filter(user=rita).exists()
