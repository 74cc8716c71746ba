"""Members paying by hand hear a week before their paid time ends and when it ends, once each."""

from decimal import Decimal

import pytest

from subscriptions import services, tasks
from tests import factories

from .conftest import START


@pytest.fixture
def cash_member(basic, staff, now):
    member = factories.make_user(name="Maria", language="pt")
    services.record_manual_payment(
        user=member, plan=basic, method="cash", amount=Decimal("5"), received_at=START, by=staff
    )
    return member


def _run(capture) -> int:
    with capture(execute=True):
        return tasks.send_subscription_reminders()


def test_it_writes_a_week_before_the_end_once(cash_member, clock, mailoutbox, django_capture_on_commit_callbacks):
    assert _run(django_capture_on_commit_callbacks) == 0  # a month ahead: nothing yet
    clock.advance(days=24)  # 3 April: the end (10 April) is within a week
    assert _run(django_capture_on_commit_callbacks) == 1
    assert _run(django_capture_on_commit_callbacks) == 0
    clock.advance(hours=1)
    assert _run(django_capture_on_commit_callbacks) == 0
    assert len(mailoutbox) == 1
    assert mailoutbox[0].subject == "A sua assinatura termina a 10 de Abril de 2026"


def test_it_writes_on_the_end_once(cash_member, clock, mailoutbox, django_capture_on_commit_callbacks):
    clock.advance(days=31, minutes=1)
    assert _run(django_capture_on_commit_callbacks) == 1
    tasks.expire_lapsed_subscriptions()
    clock.advance(days=1)
    assert _run(django_capture_on_commit_callbacks) == 0
    assert [m.subject for m in mailoutbox] == ["A sua assinatura terminou"]


def test_a_new_payment_means_new_reminders_for_the_new_end(
    cash_member, basic, staff, clock, mailoutbox, django_capture_on_commit_callbacks
):
    clock.advance(days=24)
    _run(django_capture_on_commit_callbacks)
    services.record_manual_payment(
        user=cash_member, plan=basic, method="bank", amount=Decimal("5"), received_at=START, by=staff
    )
    assert _run(django_capture_on_commit_callbacks) == 0  # the end moved a month on
    clock.advance(days=30)
    assert _run(django_capture_on_commit_callbacks) == 1
    assert len(mailoutbox) == 2


def test_online_payers_get_no_expiry_reminders(db, basic, clock, now, mailoutbox, django_capture_on_commit_callbacks):
    from subscriptions.models import Subscription

    member = factories.make_user()
    subscription = Subscription.objects.create(user=member, plan=basic, source="easypay")
    services.record_payment(subscription=subscription, amount=Decimal("5"), method="card", received_at=START)
    clock.advance(days=25)
    assert _run(django_capture_on_commit_callbacks) == 0
    assert mailoutbox == []


def test_it_writes_in_english_to_english_speakers(
    db, basic, staff, clock, now, mailoutbox, django_capture_on_commit_callbacks
):
    member = factories.make_user(language="en")
    services.record_manual_payment(
        user=member, plan=basic, method="cash", amount=Decimal("5"), received_at=START, by=staff
    )
    clock.advance(days=25)
    _run(django_capture_on_commit_callbacks)
    assert mailoutbox[0].subject == "Your subscription ends on 10 April 2026"
    assert "5.00 EUR" in mailoutbox[0].body
