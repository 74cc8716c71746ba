from accounts.models import Device
from accounts.services import device_delete, device_register
from tests.factories import make_user


def test_it_registers_a_device(bearer, app_user):
    response = bearer.post("/api/v1/user/devices", {"platform": "ios", "pushToken": "tok-1", "appVersion": "2.1.0"})
    assert response.status_code == 201
    body = response.json()
    assert body["platform"] == "ios" and body["pushToken"] == "tok-1" and body["appVersion"] == "2.1.0"
    assert Device.objects.get(uuid=body["id"]).user == app_user


def test_it_answers_200_with_the_same_device_for_a_known_token(bearer, app_user):
    first = bearer.post("/api/v1/user/devices", {"platform": "ios", "pushToken": "tok-1"}).json()
    again = bearer.post("/api/v1/user/devices", {"platform": "ios", "pushToken": "tok-1", "appVersion": "2.2"})
    assert again.status_code == 200
    assert again.json()["id"] == first["id"]
    assert Device.objects.count() == 1


def test_it_refuses_a_token_another_active_account_holds(bearer, app_user, db):
    other = make_user()
    device, _ = device_register(user=other, platform="android", push_token="shared")

    response = bearer.post("/api/v1/user/devices", {"platform": "android", "pushToken": "shared"})

    assert response.status_code == 409
    assert response.json()["error"]["code"] == "conflict"
    device.refresh_from_db()
    assert device.user == other


def test_it_registers_the_token_once_the_other_account_signed_out_on_the_phone(bearer, app_user, db):
    other = make_user()
    device, _ = device_register(user=other, platform="android", push_token="shared")
    device_delete(user=other, device_id=device.uuid)

    response = bearer.post("/api/v1/user/devices", {"platform": "android", "pushToken": "shared"})

    assert response.status_code == 201
    assert Device.objects.get(push_token="shared").user == app_user


def test_it_moves_a_token_of_a_deactivated_account(bearer, app_user, db):
    other = make_user()
    device, _ = device_register(user=other, platform="android", push_token="shared")
    other.is_active = False
    other.save(update_fields=["is_active"])

    response = bearer.post("/api/v1/user/devices", {"platform": "android", "pushToken": "shared"})

    # The token goes to the caller's sign-in device (the phone is listed once).
    assert response.status_code == 201
    assert Device.objects.get(push_token="shared").user == app_user
    assert Device.objects.get(push_token="shared").session is not None


def test_it_validates_the_platform(bearer, app_user):
    response = bearer.post("/api/v1/user/devices", {"platform": "symbian", "pushToken": "tok"})
    assert response.status_code == 400


def test_it_deletes_a_device_registered_for_pushes_only(app_user, api):
    device, _ = device_register(user=app_user, platform="web", push_token="tok")
    api.force_authenticate(app_user)
    assert api.delete(f"/api/v1/user/devices/{device.uuid}").status_code == 204
    assert not Device.objects.filter(pk=device.pk).exists()


def test_it_puts_the_push_token_on_the_sign_ins_device(bearer, app_user):
    body = bearer.post("/api/v1/user/devices", {"platform": "web", "pushToken": "tok"}).json()
    assert Device.objects.get(uuid=body["id"]).session is not None
    assert Device.objects.filter(user=app_user).count() == 1


def test_it_answers_404_for_another_users_device(bearer, app_user, db):
    device, _ = device_register(user=make_user(), platform="web", push_token="theirs")
    response = bearer.delete(f"/api/v1/user/devices/{device.uuid}")
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"
    assert Device.objects.filter(pk=device.pk).exists()
