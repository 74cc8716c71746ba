import datetime
import itertools

import pytest
from django.utils import timezone

from accounts.models import User
from retreats.access import AccessProfile, audience_q
from retreats.models import Audience
from tests.factories import make_attendance, make_group, make_member, make_retreat, make_user

pytestmark = pytest.mark.django_db


def test_it_agrees_with_the_access_rule_for_every_kind_of_user_and_gathering():
    group, other = make_group(), make_group()
    past = timezone.now() - datetime.timedelta(days=1)
    retreats = [
        make_retreat(audience=audience, required_plan=plan, groups=[group])
        for audience in Audience.SLUGS
        for plan in ("basic", "premium")
    ] + [make_retreat(audience=Audience.GROUP_MEMBERS)]  # no group: any active subscriber
    users = []
    for n, (status, plan, expires, member, staff, active) in enumerate(
        itertools.product(
            ("active", "inactive", "expired"),
            ("basic", "premium"),
            (None, past),
            (None, group, other),
            (False, True),
            (True, False),
        )
    ):
        user = make_user(
            subscription_status=status,
            subscription_plan=plan,
            subscription_expires_at=expires,
            is_staff=staff,
            is_active=active,
        )
        if member:
            make_member(user, member)
        # Every third user attended half the gatherings, every third was granted them.
        source = (None, "attended", "granted")[n % 3]
        if source:
            for retreat in retreats[n % 2 :: 2]:
                make_attendance(user, retreat, source=source)
        users.append(user)

    for retreat in retreats:
        # Deactivated accounts are told nothing, whatever the gathering.
        expected = {u.pk for u in users if u.is_active and AccessProfile.for_user(u).can_play_retreat(retreat)}
        assert set(User.objects.filter(audience_q(retreat)).values_list("pk", flat=True)) == expected, (
            retreat.audience_id
        )
