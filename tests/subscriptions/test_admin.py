"""Staff record cash and bank payments in the admin, and refund them; never edit them."""

from decimal import Decimal

from auditlog.models import LogEntry
from django.urls import reverse

from subscriptions.models import Payment, Subscription
from tests import factories


def test_it_records_a_cash_payment_that_extends_the_subscription(staff_client, staff, basic, now):
    member = factories.make_user(email="maria@example.org")
    response = staff_client.post(
        reverse("admin:subscriptions_payment_add"),
        {
            "user": "maria@example.org",
            "plan": basic.pk,
            "method": "cash",
            "amount": "15.00",
            "received_on": "2026-03-10",
            "period_start": "2026-03-01",
            "period_end": "2026-06-01",
            "note": "three months at the retreat",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    subscription = Subscription.objects.get(user=member)
    assert (subscription.source, subscription.status) == ("cash", "active")
    payment = subscription.payments.get()
    assert (payment.amount, payment.recorded_by, payment.note) == (
        Decimal("15.00"),
        staff,
        "three months at the retreat",
    )
    member.refresh_from_db()
    assert member.subscription_expires_at == subscription.paid_until
    assert LogEntry.objects.filter(actor=staff, additional_data__message="Recorded a payment").exists()


def test_it_shows_the_form_again_for_an_unknown_member(staff_client, basic):
    response = staff_client.post(
        reverse("admin:subscriptions_payment_add"),
        {"user": "nobody@example.org", "plan": basic.pk, "method": "bank", "amount": "5", "received_on": "2026-03-10"},
    )
    assert response.status_code == 200
    assert not Payment.objects.exists()


def test_a_refund_from_the_list_adds_an_entry_and_leaves_the_payment(staff_client, staff, basic):
    member = factories.make_user()
    from django.utils import timezone

    from subscriptions import services

    payment = services.record_manual_payment(
        user=member, plan=basic, method="bank", amount=Decimal("5"), received_at=timezone.now(), by=staff
    )
    response = staff_client.post(
        reverse("admin:subscriptions_payment_changelist"),
        {"action": "refund_selected", "_selected_action": [payment.pk]},
    )
    assert response.status_code == 302
    assert Payment.objects.filter(refund_of=payment, amount=Decimal("-5.00")).exists()
    assert Payment.objects.get(pk=payment.pk).amount == Decimal("5.00")


def test_payments_cannot_be_edited_or_deleted(staff_client, staff, basic):
    from django.utils import timezone

    from subscriptions import services

    payment = services.record_manual_payment(
        user=factories.make_user(), plan=basic, method="cash", amount=Decimal("5"), received_at=timezone.now(), by=staff
    )
    url = reverse("admin:subscriptions_payment_change", args=[payment.pk])
    staff_client.post(url, {"amount": "500"})
    assert Payment.objects.get(pk=payment.pk).amount == Decimal("5.00")
    assert staff_client.post(reverse("admin:subscriptions_payment_delete", args=[payment.pk])).status_code == 403


def test_the_pages_render(staff_client, staff, basic):
    from django.utils import timezone

    from subscriptions import services

    payment = services.record_manual_payment(
        user=factories.make_user(), plan=basic, method="cash", amount=Decimal("5"), received_at=timezone.now(), by=staff
    )
    for url in (
        reverse("admin:subscriptions_payment_add"),
        reverse("admin:subscriptions_payment_changelist"),
        reverse("admin:subscriptions_subscription_changelist"),
        reverse("admin:subscriptions_subscription_change", args=[payment.subscription_id]),
        reverse("admin:subscriptions_plan_changelist"),
        reverse("admin:subscriptions_providernotification_changelist"),
    ):
        assert staff_client.get(url).status_code == 200, url
