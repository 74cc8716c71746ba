import datetime

import pytest
from django.utils import timezone

from retreats.access import AccessProfile
from retreats.models import Retreat
from tests.factories import make_group, make_member, make_retreat, make_staff, make_user

pytestmark = pytest.mark.django_db

FUTURE = timezone.now() + datetime.timedelta(days=30)
PAST = timezone.now() - datetime.timedelta(days=1)


def _subscriber(plan, expires_at=FUTURE, status="active"):
    return make_user(subscription_status=status, subscription_plan=plan, subscription_expires_at=expires_at)


@pytest.fixture
def gatherings():
    group = make_group()
    return group, {
        "public": make_retreat(groups=[group], audience="free-anyone"),
        "members": make_retreat(groups=[group], audience="retreat-group-members"),
        "basic": make_retreat(audience="free-subscribers", required_plan="basic"),
        "premium": make_retreat(audience="free-subscribers", required_plan="premium"),
    }


@pytest.mark.parametrize(
    ("who", "playable"),
    [
        ("anonymous", {"public"}),
        ("listener", {"public"}),
        ("member", {"public", "members", "basic"}),
        ("unsubscribed member", {"public"}),
        ("basic", {"public", "basic"}),
        ("premium", {"public", "basic", "premium"}),
        ("expired", {"public"}),
        ("inactive", {"public"}),
        ("staff", {"public", "members", "basic", "premium"}),
    ],
)
def test_it_decides_the_same_in_sql_and_in_python(gatherings, who, playable):
    from django.contrib.auth.models import AnonymousUser

    group, retreats = gatherings
    users = {
        "anonymous": lambda: AnonymousUser(),
        "listener": lambda: make_user(),
        "member": lambda: make_member(_subscriber("basic"), group).user,
        "unsubscribed member": lambda: make_member(make_user(), group).user,
        "basic": lambda: _subscriber("basic"),
        "premium": lambda: _subscriber("premium"),
        "expired": lambda: _subscriber("premium", expires_at=PAST),
        "inactive": lambda: _subscriber("premium", status="inactive"),
        "staff": lambda: make_staff(),
    }
    profile = AccessProfile.for_user(users[who]())

    in_sql = set(Retreat.objects.filter(profile.playable_q()).values_list("pk", flat=True))
    in_python = {r.pk for r in retreats.values() if profile.can_play_retreat(r)}

    assert in_sql == in_python == {retreats[name].pk for name in playable}


def test_it_locks_everything_for_a_disabled_account(gatherings):
    group, retreats = gatherings
    user = make_member(make_user(is_active=False), group).user

    assert AccessProfile.for_user(user).playable_q() is not None
    assert not AccessProfile.for_user(user).can_play_retreat(retreats["members"])
