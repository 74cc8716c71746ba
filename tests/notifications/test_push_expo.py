import pytest

from accounts.models import Device
from notifications import services
from notifications.models import Notification, NotificationEvent, PushEndpoint
from notifications.push import ExpoPushBackend, PushMessage, PushTemporaryError
from tests.factories import make_retreat, make_user

pytestmark = pytest.mark.django_db


def _message(n, token=None):
    return PushMessage(device_id=n, platform="ios", token=token or f"ExponentPushToken[ok-{n}]", title="T", body="B")


def _fan_out(retreat, key="k"):
    event = NotificationEvent.objects.create(key=key, kind="new_gathering", retreat=retreat)
    assert services.claim_event(event_id=event.pk)
    return services.fan_out(event_id=event.pk)


def test_it_sends_at_most_100_messages_a_request(expo):
    results = ExpoPushBackend().send([_message(n) for n in range(250)])

    assert [len(batch) for batch in expo.requests] == [100, 100, 50]
    assert all(r.ok for r in results) and len(results) == 250
    assert expo.requests[0][0] == {
        "to": "ExponentPushToken[ok-0]",
        "title": "T",
        "body": "B",
        "data": {},
        "sound": "default",
    }
    assert expo.headers[0]["Authorization"] == "Bearer expo-secret"


def test_it_reports_an_unregistered_token_as_invalid(expo):
    ok, gone = ExpoPushBackend().send([_message(1), _message(2, "ExponentPushToken[gone-2]")])

    assert ok.ok and not ok.invalid
    assert not gone.ok and gone.invalid and gone.error.startswith("DeviceNotRegistered")


def test_it_asks_for_a_retry_when_expo_is_unavailable(expo):
    expo.status = 503

    results = ExpoPushBackend().send([_message(1)])

    assert results[0].retry and not results[0].ok and not results[0].invalid


def test_it_disables_an_unregistered_device_and_never_pushes_to_it_again(expo):
    user = make_user()
    Device.objects.create(user=user, platform="ios", push_token="ExponentPushToken[ok-1]")
    gone = Device.objects.create(user=user, platform="android", push_token="ExponentPushToken[gone-1]")

    first = _fan_out(make_retreat(audience="free-anyone"), key="first")
    second = _fan_out(make_retreat(audience="free-anyone"), key="second")

    assert PushEndpoint.objects.get(device=gone).disabled_at is not None
    assert (first.pushed, first.devices_disabled) == (1, 1)
    assert (second.pushed, second.devices_disabled) == (1, 0)
    assert [m["to"] for m in expo.requests[-1]] == ["ExponentPushToken[ok-1]"]


def test_it_pushes_again_once_the_app_registers_the_token_again(expo):
    from accounts.services import device_register

    user = make_user()
    device, _ = device_register(user=user, platform="ios", push_token="ExponentPushToken[gone-1]")
    _fan_out(make_retreat(audience="free-anyone"), key="first")
    assert PushEndpoint.objects.get(device=device).disabled_at is not None

    device_register(user=user, platform="ios", push_token="ExponentPushToken[gone-1]")

    assert not PushEndpoint.objects.filter(device=device).exists()


def test_it_keeps_the_notification_and_retries_only_the_push_when_expo_is_down(expo):
    user = make_user()
    Device.objects.create(user=user, platform="ios", push_token="ExponentPushToken[ok-1]")
    retreat = make_retreat(audience="free-anyone")
    event = NotificationEvent.objects.create(key="k", kind="new_gathering", retreat=retreat)
    expo.status = 503

    assert services.claim_event(event_id=event.pk)
    with pytest.raises(PushTemporaryError):
        services.fan_out(event_id=event.pk)
    services.release_event(event_id=event.pk, error="Expo down", final=False)
    assert Notification.objects.get().push_state == "pending"

    expo.status = 200
    assert services.claim_event(event_id=event.pk)
    result = services.fan_out(event_id=event.pk)

    assert result.pushed == 1 and result.users == 0  # the notification was written by the first run
    assert Notification.objects.get().push_state == "sent"
    assert NotificationEvent.objects.get().state == "sent"
    assert [len(r) for r in expo.requests] == [1, 1]


def test_it_pushes_only_to_devices_with_a_token(expo):
    from django.utils import timezone

    user = make_user()
    Device.objects.create(user=user, platform="ios", push_token="ExponentPushToken[ok-1]")
    Device.objects.create(user=user, name="Signed in, no pushes", platform="ios", session="s-1")
    Device.objects.create(user=user, name="Revoked", platform="ios", session="s-2", revoked_at=timezone.now())

    result = _fan_out(make_retreat(audience="free-anyone"))

    assert result.pushed == 1
    assert [m["to"] for m in expo.requests[-1]] == ["ExponentPushToken[ok-1]"]
