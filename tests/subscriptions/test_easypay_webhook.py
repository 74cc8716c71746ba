"""Easypay's notifications: recorded at once, believed only after Easypay's API (a local stand-in
server here) confirms them; replays, duplicates, disorder, forgery and an API outage change
nothing they should not."""

import datetime
from decimal import Decimal

import pytest

from subscriptions import services
from subscriptions.api import NotificationThrottle
from subscriptions.models import Payment, ProviderNotification, Subscription
from tests import factories

URL = "/api/v1/payments/easypay/notifications"


def _notify(api, resource_id: str, *, key: str = "", kind: str = "capture", status: str = "success", **extra):
    body = {
        "id": resource_id,
        "key": key,
        "type": kind,
        "status": status,
        "messages": ["ok"],
        "date": "2026-03-10 13:00:00",
    }
    return api.post(URL, body, format="json", **extra)


def _confirm_all() -> list:
    return [
        services.confirm_notification(notification_id=pk)
        for pk in ProviderNotification.objects.order_by("pk").values_list("pk", flat=True)
    ]


@pytest.fixture
def pending(easypay, basic, now):
    """A member who asked for a Multibanco reference (POST /single on the stand-in)."""
    member = factories.make_user()
    subscription, checkout = services.start(user=member, plan=basic, method="multibanco")
    assert (checkout.entity, subscription.status) == ("21098", "pending")
    return subscription


def test_it_records_the_notification_and_answers_without_asking_easypay(api, easypay, pending):
    easypay.requests.clear()
    easypay.down = True
    response = _notify(api, pending.provider_ref, key=str(pending.uuid))
    assert response.status_code == 200
    assert response.json() == {"received": True}
    notification = ProviderNotification.objects.get()
    assert (notification.resource_id, notification.status, notification.remote_addr) == (
        pending.provider_ref,
        "received",
        "127.0.0.1",
    )
    assert easypay.requests == []  # confirmation is the task's, after the answer


def test_a_confirmed_payment_activates_the_subscription(api, easypay, pending):
    easypay.single(pending.provider_ref, key=str(pending.uuid))
    _notify(api, pending.provider_ref, key=str(pending.uuid))
    assert _confirm_all() == ["confirmed"]
    subscription = Subscription.objects.get(pk=pending.pk)
    assert subscription.status == "active"
    payment = subscription.payments.get()
    assert (payment.provider_payment_id, payment.amount, payment.method) == (
        pending.provider_ref,
        Decimal("5.00"),
        "multibanco",
    )
    assert subscription.user.__class__.objects.get(pk=subscription.user_id).subscription_is_active
    assert ("GET", f"/2.0/single/{pending.provider_ref}") in easypay.requests


def test_it_changes_nothing_when_easypay_says_not_paid(api, easypay, pending):
    easypay.single(pending.provider_ref, key=str(pending.uuid), status="pending")
    _notify(api, pending.provider_ref, key=str(pending.uuid))  # the body claims success
    assert _confirm_all() == ["ignored"]
    assert Subscription.objects.get(pk=pending.pk).status == "pending"
    assert not Payment.objects.exists()


def test_a_replayed_or_duplicated_notification_records_one_payment(api, easypay, pending):
    easypay.single(pending.provider_ref, key=str(pending.uuid))
    for _ in range(3):
        _notify(api, pending.provider_ref, key=str(pending.uuid))
    assert _confirm_all() == ["confirmed", "ignored", "ignored"]
    assert _confirm_all() == [None, None, None]  # a replayed job finds them done
    assert Payment.objects.count() == 1
    # Paid at 13:00 in Lisbon on 10 March (UTC+0): one calendar month later is 13:00 Lisbon summer time.
    assert Subscription.objects.get(pk=pending.pk).paid_until == datetime.datetime(2026, 4, 10, 12, tzinfo=datetime.UTC)


def test_a_late_failure_notice_does_not_undo_a_payment(api, easypay, pending):
    easypay.single(pending.provider_ref, key=str(pending.uuid))
    _notify(api, pending.provider_ref, key=str(pending.uuid))
    _notify(api, pending.provider_ref, key=str(pending.uuid), status="failed")  # arrives after
    assert _confirm_all() == ["confirmed", "ignored"]
    assert Subscription.objects.get(pk=pending.pk).status == "active"


def test_captures_notified_out_of_order_each_add_one_period(api, easypay, basic, now):
    member = factories.make_user()
    subscription, checkout = services.start(user=member, plan=basic, method="card")
    assert checkout.url.startswith("https://pay.test.easypay.pt/")
    key = str(subscription.uuid)
    easypay.capture(subscription.provider_ref, "cap-1", key=key, date="2026-03-10 13:00")
    easypay.capture(subscription.provider_ref, "cap-2", key=key, date="2026-04-10 13:00")
    _notify(api, subscription.provider_ref, key=key, kind="subscription_capture")  # about cap-2
    _notify(api, subscription.provider_ref, key=key, kind="subscription_capture")  # about cap-1, late
    assert _confirm_all() == ["confirmed", "ignored"]
    subscription.refresh_from_db()
    assert sorted(subscription.payments.values_list("provider_payment_id", flat=True)) == ["cap-1", "cap-2"]
    assert subscription.paid_until == datetime.datetime(2026, 5, 10, 12, tzinfo=datetime.UTC)


def test_a_failed_capture_makes_it_past_due_and_warns_once(
    api, easypay, basic, now, mailoutbox, django_capture_on_commit_callbacks
):
    member = factories.make_user(language="pt")
    subscription, _ = services.start(user=member, plan=basic, method="direct_debit")
    key = str(subscription.uuid)
    easypay.capture(subscription.provider_ref, "cap-1", key=key)
    _notify(api, subscription.provider_ref, key=key, kind="subscription_capture")
    _confirm_all()
    easypay.capture(subscription.provider_ref, "cap-2", key=key, status="failed", date="2026-04-10 13:00")
    for _ in range(2):
        _notify(api, subscription.provider_ref, key=key, kind="subscription_capture", status="failed")
    waiting = ProviderNotification.objects.filter(status="received").order_by("pk").values_list("pk", flat=True)
    with django_capture_on_commit_callbacks(execute=True):
        results = [services.confirm_notification(notification_id=pk) for pk in waiting]
    assert results == ["confirmed", "ignored"]
    subscription.refresh_from_db()
    assert subscription.status == "past_due"
    assert subscription.payments.filter(status="failed").count() == 1
    assert len(mailoutbox) == 1
    assert mailoutbox[0].to == [member.email]
    assert mailoutbox[0].subject == "O pagamento da sua assinatura não foi concluído"
    assert subscription.user.__class__.objects.get(pk=member.pk).subscription_is_active  # paid time still counts


def test_a_forged_notification_for_another_members_payment_gives_the_forger_nothing(api, easypay, basic, now):
    forger = factories.make_user()
    victim = factories.make_user()
    forger_subscription, _ = services.start(user=forger, plan=basic, method="multibanco")
    victim_subscription, _ = services.start(user=victim, plan=basic, method="multibanco")
    easypay.single(victim_subscription.provider_ref, key=str(victim_subscription.uuid))  # the victim paid
    # The forger names the victim's real payment id with their own key.
    _notify(api, victim_subscription.provider_ref, key=str(forger_subscription.uuid))
    _confirm_all()
    assert Subscription.objects.get(pk=forger_subscription.pk).status == "pending"
    assert not Payment.objects.filter(subscription=forger_subscription).exists()
    # What Easypay says is true: the victim's own payment, credited to the victim.
    assert Subscription.objects.get(pk=victim_subscription.pk).status == "active"


def test_a_notification_for_a_payment_easypay_does_not_know_is_ignored(api, easypay, pending):
    _notify(api, "5eca7446-14e9-47bb-aabb-5ee237159b8b", key=str(pending.uuid))
    assert _confirm_all() == ["ignored"]
    assert "refused" in ProviderNotification.objects.get().outcome


def test_with_the_api_down_it_waits_and_confirms_later(
    api, easypay, pending, clock, django_capture_on_commit_callbacks
):
    easypay.single(pending.provider_ref, key=str(pending.uuid))
    easypay.down = True
    _notify(api, pending.provider_ref, key=str(pending.uuid))
    assert _confirm_all() == [None]
    notification = ProviderNotification.objects.get()
    assert (notification.status, notification.attempts) == ("received", 1)
    assert "503" in notification.last_error
    assert services.confirm_waiting() == []  # not due yet
    easypay.down = False
    clock.advance(minutes=2)
    with django_capture_on_commit_callbacks(execute=True):
        assert services.confirm_waiting() == [notification.pk]  # the beat task queues it again
    notification.refresh_from_db()
    assert (notification.status, notification.attempts) == ("confirmed", 2)
    assert Subscription.objects.get(pk=pending.pk).status == "active"


def test_it_gives_up_after_the_last_attempt_and_keeps_the_row(api, easypay, pending, clock, settings):
    settings.PAYMENT_CONFIRM_MAX_ATTEMPTS = 2
    easypay.down = True
    _notify(api, pending.provider_ref, key=str(pending.uuid))
    _confirm_all()
    clock.advance(hours=1)
    _confirm_all()
    notification = ProviderNotification.objects.get()
    assert (notification.status, notification.attempts) == ("failed", 2)


def test_it_refuses_addresses_outside_the_configured_sources(api, settings, db):
    settings.EASYPAY_NOTIFICATION_SOURCES = ["192.0.2.0/24"]
    assert _notify(api, "x", REMOTE_ADDR="198.51.100.7").status_code == 403
    assert _notify(api, "x", REMOTE_ADDR="192.0.2.10").status_code == 200
    assert ProviderNotification.objects.count() == 1


def test_it_is_rate_limited_per_address(api, db, monkeypatch):
    monkeypatch.setattr(
        NotificationThrottle,
        "THROTTLE_RATES",
        {**NotificationThrottle.THROTTLE_RATES, "payment_notifications": "2/minute"},
    )
    codes = [_notify(api, f"id-{n}").status_code for n in range(3)]
    assert codes == [200, 200, 429]


def test_it_refuses_a_body_without_an_id(api, db):
    response = api.post(URL, {"type": "capture"}, format="json")
    assert response.status_code == 400
    assert not ProviderNotification.objects.exists()
