"""The dashboard's subscription reports: active subscribers over time, income per month by
source, members about to lapse."""

import datetime
from decimal import Decimal

import pytest
from django.utils import timezone

from dashboard import selectors
from subscriptions import services
from subscriptions.models import Plan, Subscription
from tests import factories

pytestmark = pytest.mark.django_db
URL = "/admin/dashboard/"


def _at(*args) -> datetime.datetime:
    return datetime.datetime(*args, tzinfo=datetime.UTC)


@pytest.fixture
def basic():
    return Plan.objects.get(code="basic")


def test_it_counts_subscribers_whose_paid_time_runs_at_each_moment(basic, staff):
    a, b = factories.make_user(), factories.make_user()
    services.record_manual_payment(
        user=a, plan=basic, method="cash", amount=Decimal("5"), received_at=_at(2026, 3, 1),
        period_start=_at(2026, 3, 1), period_end=_at(2026, 4, 1), by=staff,
    )  # fmt: skip
    refunded = services.record_manual_payment(
        user=b, plan=basic, method="bank", amount=Decimal("5"), received_at=_at(2026, 3, 10),
        period_start=_at(2026, 3, 10), period_end=_at(2026, 5, 10), by=staff,
    )  # fmt: skip
    from subscriptions.selectors import active_subscribers_at

    moments = [_at(2026, 2, 28), _at(2026, 3, 5), _at(2026, 3, 20), _at(2026, 4, 20)]
    assert active_subscribers_at(moments) == [0, 1, 2, 1]
    services.refund(payment=refunded, by=staff)
    assert active_subscribers_at(moments) == [0, 1, 1, 0]


def test_it_sums_income_per_month_and_source_with_refunds_taken_off(basic, staff):
    member = factories.make_user()
    first = services.record_manual_payment(
        user=member, plan=basic, method="cash", amount=Decimal("5"), received_at=_at(2026, 3, 1), by=staff
    )
    services.record_manual_payment(
        user=member, plan=basic, method="bank", amount=Decimal("5"), received_at=_at(2026, 3, 20), by=staff
    )
    subscription = Subscription.objects.filter(user=member).latest("pk")
    services.record_payment(
        subscription=subscription,
        amount=Decimal("5"),
        method="card",
        source="easypay",
        received_at=_at(2026, 4, 2),
        provider_payment_id="t-1",
    )
    services.refund(payment=first, amount=Decimal("2"), void_period=False, by=staff)  # refunded today
    rows = selectors.income_per_month(
        selectors.Filters(start=datetime.date(2026, 3, 1), end=datetime.date(2026, 4, 30))
    )
    assert [
        (r["month"].date() if isinstance(r["month"], datetime.datetime) else r["month"], r["source"], r["total"])
        for r in rows
    ] == [
        (datetime.date(2026, 3, 1), "bank", Decimal("5.00")),
        (datetime.date(2026, 3, 1), "cash", Decimal("5.00")),
        (datetime.date(2026, 4, 1), "easypay", Decimal("5.00")),
    ]


def test_it_lists_members_about_to_lapse_who_will_not_renew_by_themselves(basic, staff):
    now = timezone.now()
    by_hand = factories.make_user(email="by-hand@example.org")
    services.record_manual_payment(
        user=by_hand, plan=basic, method="cash", amount=Decimal("5"), received_at=now,
        period_start=now - datetime.timedelta(days=20), period_end=now + datetime.timedelta(days=5), by=staff,
    )  # fmt: skip
    online = factories.make_user(email="online@example.org")
    subscription = Subscription.objects.create(user=online, plan=basic, source="easypay")
    services.record_payment(
        subscription=subscription, amount=Decimal("5"), method="card", received_at=now,
        period_start=now - datetime.timedelta(days=20), period_end=now + datetime.timedelta(days=5), provider_payment_id="t-9",
    )  # fmt: skip
    far = factories.make_user(email="far@example.org")
    services.record_manual_payment(user=far, plan=basic, method="cash", amount=Decimal("5"), received_at=now, by=staff)
    assert [m["email"] for m in selectors.about_to_lapse()] == ["by-hand@example.org"]


def test_the_page_shows_the_reports(staff_client, staff, basic):
    member = factories.make_user(email="lapsing@example.org")
    now = timezone.now()
    services.record_manual_payment(
        user=member, plan=basic, method="cash", amount=Decimal("5"), received_at=now,
        period_start=now - datetime.timedelta(days=25), period_end=now + datetime.timedelta(days=3), by=staff,
    )  # fmt: skip
    body = staff_client.get(URL).content.decode()
    assert "Active subscribers (at the end of each week)" in body
    assert "Income per month (EUR, refunds taken off)" in body
    assert "lapsing@example.org" in body
    assert "/admin/subscriptions/subscription/" in body
