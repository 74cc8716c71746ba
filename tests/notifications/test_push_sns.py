import json

import pytest

from accounts.models import Device
from notifications import services
from notifications.models import NotificationEvent, PushEndpoint
from notifications.push import PushMessage, SNSPushBackend
from tests.factories import make_retreat, make_user

pytestmark = [pytest.mark.django_db, pytest.mark.s3]


def _fan_out(retreat, key):
    event = NotificationEvent.objects.create(key=key, kind="new_gathering", retreat=retreat)
    assert services.claim_event(event_id=event.pk)
    return services.fan_out(event_id=event.pk)


def test_it_makes_an_endpoint_per_device_and_publishes_to_it(sns, settings):
    (result,) = SNSPushBackend().send(
        [PushMessage(device_id=1, platform="ios", token="apns-token-1", title="New", body="Hello", data={"a": "b"})]
    )

    assert result.ok and result.endpoint_arn
    endpoints = sns.list_endpoints_by_platform_application(PlatformApplicationArn=settings.SNS_APNS_APPLICATION_ARN)
    assert [e["Attributes"]["Token"] for e in endpoints["Endpoints"]] == ["apns-token-1"]


def test_it_sends_apns_and_fcm_payloads():
    backend = SNSPushBackend.__new__(SNSPushBackend)
    backend.apns_key = "APNS"
    ios = json.loads(backend._payload(PushMessage(1, "ios", "t", "Title", "Body", {"gatheringId": "g"})))
    android = json.loads(backend._payload(PushMessage(1, "android", "t", "Title", "Body", {"gatheringId": "g"})))

    assert json.loads(ios["APNS"]) == {
        "aps": {"alert": {"title": "Title", "body": "Body"}, "sound": "default"},
        "gatheringId": "g",
    }
    assert json.loads(android["GCM"])["notification"] == {"title": "Title", "body": "Body"}


def test_it_keeps_the_endpoint_for_the_next_fan_out(sns):
    user = make_user()
    device = Device.objects.create(user=user, platform="android", push_token="fcm-token-1")

    first = _fan_out(make_retreat(audience="free-anyone"), "first")
    arn = PushEndpoint.objects.get(device=device).endpoint_arn
    second = _fan_out(make_retreat(audience="free-anyone"), "second")

    assert first.pushed == second.pushed == 1
    assert arn.startswith("arn:aws:sns:") and PushEndpoint.objects.get(device=device).endpoint_arn == arn


def test_it_disables_a_device_whose_endpoint_sns_disabled(sns):
    user = make_user()
    device = Device.objects.create(user=user, platform="ios", push_token="apns-token-dead")
    _fan_out(make_retreat(audience="free-anyone"), "first")
    arn = PushEndpoint.objects.get(device=device).endpoint_arn
    # What SNS does when APNs reports the token unregistered.
    sns.set_endpoint_attributes(EndpointArn=arn, Attributes={"Enabled": "false"})

    second = _fan_out(make_retreat(audience="free-anyone"), "second")
    third = _fan_out(make_retreat(audience="free-anyone"), "third")

    endpoint = PushEndpoint.objects.get(device=device)
    assert endpoint.disabled_at is not None and endpoint.disabled_reason.startswith("EndpointDisabled")
    assert (second.pushed, second.devices_disabled) == (0, 1)
    assert (third.pushed, third.push_failed, third.devices_disabled) == (0, 0, 0)  # not tried again


def test_it_asks_for_a_retry_when_sns_is_unreachable(settings, monkeypatch):
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    settings.SNS_ENDPOINT_URL = "http://127.0.0.1:9"  # discard port: nothing listens
    settings.SNS_APNS_APPLICATION_ARN = "arn:aws:sns:eu-west-1:123456789012:app/APNS/padmakara-ios"
    settings.PUSH_HTTP_TIMEOUT = 1

    (result,) = SNSPushBackend().send([PushMessage(device_id=1, platform="ios", token="t", title="T", body="B")])

    assert result.retry and not result.invalid
