"""Staff record cash and bank payments; refunds and corrections are new entries, never edits."""

import datetime
from decimal import Decimal

import pytest
from auditlog.models import LogEntry

from accounts.models import User
from padmakara.errors import DomainError
from subscriptions import services
from subscriptions.models import Payment, Period, Subscription
from tests import factories

from .conftest import START, aware


@pytest.fixture
def member(db):
    return factories.make_user(name="Maria")


def _record(member, plan, staff, **extra):
    values = {"method": "cash", "amount": Decimal("5.00"), "received_at": START} | extra
    return services.record_manual_payment(user=member, plan=plan, by=staff, **values)


def test_it_starts_a_subscription_paid_by_hand_for_one_month(member, basic, staff, now):
    payment = _record(member, basic, staff)
    subscription = payment.subscription
    assert (subscription.status, subscription.source) == ("active", "cash")
    assert subscription.paid_until == aware(2026, 4, 10, 12)
    member.refresh_from_db()
    assert (member.subscription_status, member.subscription_plan) == ("active", "basic")
    assert member.subscription_expires_at == aware(2026, 4, 10, 12)


def test_a_second_payment_extends_from_the_end_of_the_paid_time(member, basic, staff, now):
    _record(member, basic, staff)
    payment = _record(member, basic, staff, method="bank", received_at=START + datetime.timedelta(days=3))
    assert payment.subscription.paid_until == aware(2026, 5, 10, 12)
    assert Subscription.objects.filter(user=member).count() == 1


def test_it_takes_the_period_staff_give(member, basic, staff, now):
    payment = _record(
        member, basic, staff, amount=Decimal("60.00"), period_start=aware(2026, 1, 1), period_end=aware(2027, 1, 1)
    )
    assert payment.subscription.paid_until == aware(2027, 1, 1)


def test_it_refuses_a_period_that_ends_before_it_starts(member, basic, staff, now):
    with pytest.raises(DomainError):
        _record(member, basic, staff, period_start=aware(2026, 5, 1), period_end=aware(2026, 4, 1))
    assert not Payment.objects.exists()


def test_a_refund_is_a_new_negative_entry_and_voids_the_period(member, basic, staff, now):
    payment = _record(member, basic, staff)
    refund = services.refund(payment=payment, note="paid twice", by=staff)
    payment.refresh_from_db()
    assert (payment.amount, payment.kind) == (Decimal("5.00"), "payment")  # untouched
    assert (refund.amount, refund.kind, refund.refund_of) == (Decimal("-5.00"), "refund", payment)
    assert Period.objects.filter(kind="void", voids__payment=payment).exists()
    subscription = Subscription.objects.get(pk=payment.subscription_id)
    assert subscription.status == "expired"
    member.refresh_from_db()
    assert not member.subscription_is_active


def test_it_refuses_to_refund_more_than_was_paid(member, basic, staff, now):
    payment = _record(member, basic, staff)
    services.refund(payment=payment, amount=Decimal("3.00"), void_period=False, by=staff)
    with pytest.raises(DomainError):
        services.refund(payment=payment, amount=Decimal("3.00"), by=staff)


def test_a_correction_voids_a_period_and_a_new_payment_gives_the_right_one(member, basic, staff, now):
    first = _record(member, basic, staff, period_start=START, period_end=aware(2027, 3, 10, 12))
    services.void_period(period=first.periods.get(), note="typed a year for a month", by=staff)
    subscription = Subscription.objects.get(pk=first.subscription_id)
    assert subscription.status == "expired"
    services.record_payment(
        subscription=subscription, amount=Decimal("5"), method="cash", received_at=START, period_start=START, by=staff
    )
    subscription.refresh_from_db()
    assert (subscription.status, subscription.paid_until) == ("active", aware(2026, 4, 10, 12))


def test_every_staff_entry_is_in_the_audit_log(member, basic, staff, now):
    payment = _record(member, basic, staff)
    services.refund(payment=payment, by=staff)
    messages = list(LogEntry.objects.filter(actor=staff).values_list("additional_data__message", flat=True))
    assert "Recorded a payment" in messages
    assert "Refunded a payment" in messages
    assert "Started a subscription paid by hand" in messages


def test_each_change_moves_the_access_version(member, basic, staff, now):
    versions = [User.objects.get(pk=member.pk).access_version]
    _record(member, basic, staff)
    versions.append(User.objects.get(pk=member.pk).access_version)
    latest = _record(member, basic, staff)
    versions.append(User.objects.get(pk=member.pk).access_version)
    services.refund(payment=latest, by=staff)
    versions.append(User.objects.get(pk=member.pk).access_version)
    assert versions == sorted(set(versions)), versions


def test_a_grant_without_end_opens_the_archive_for_good(member, premium, staff, now):
    services.grant(user=member, plan=premium, until=None, note="teacher", by=staff)
    member.refresh_from_db()
    assert (member.subscription_status, member.subscription_plan, member.subscription_expires_at) == (
        "active",
        "premium",
        None,
    )
