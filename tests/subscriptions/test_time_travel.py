"""Access follows the paid time to the second: the access rule reads the member's columns, which
the services keep, and compares their end with the clock."""

import datetime
from decimal import Decimal

from accounts.models import User
from retreats.access import AccessProfile, active_subscription_q
from subscriptions import services
from subscriptions.models import Subscription
from tests import factories

from .conftest import START


def _can_play(user, retreat) -> bool:
    return AccessProfile.for_user(User.objects.get(pk=user.pk)).can_play_retreat(retreat)


def test_access_ends_exactly_when_the_period_ends(db, basic, staff, clock, now):
    member = factories.make_user()
    retreat = factories.make_retreat(audience="free-subscribers")
    services.record_manual_payment(
        user=member, plan=basic, method="cash", amount=Decimal("5"), received_at=START, by=staff
    )
    assert _can_play(member, retreat)
    clock.advance(datetime.timedelta(days=31).total_seconds() - 1)  # 10 April 11:59:59
    assert _can_play(member, retreat)
    assert User.objects.filter(active_subscription_q(), pk=member.pk).exists()
    clock.advance(1)  # 10 April 12:00:00, the end of the period
    assert not _can_play(member, retreat)
    assert not User.objects.filter(active_subscription_q(), pk=member.pk).exists()


def test_the_beat_task_marks_it_expired_after_the_end(db, basic, staff, clock, now):
    member = factories.make_user()
    payment = services.record_manual_payment(
        user=member, plan=basic, method="bank", amount=Decimal("5"), received_at=START, by=staff
    )
    assert services.expire_lapsed() == 0
    clock.advance(days=32)
    assert services.expire_lapsed() == 1
    assert Subscription.objects.get(pk=payment.subscription_id).status == "expired"
    member.refresh_from_db()
    assert member.subscription_status == "expired"


def test_a_cancelled_subscription_keeps_access_until_its_end(db, basic, staff, clock, now):
    member = factories.make_user()
    retreat = factories.make_retreat(audience="free-subscribers")
    payment = services.record_manual_payment(
        user=member, plan=basic, method="cash", amount=Decimal("5"), received_at=START, by=staff
    )
    services.cancel(subscription=payment.subscription)
    assert _can_play(member, retreat)
    clock.advance(days=31)
    assert not _can_play(member, retreat)
