"""``User.access_version``: the database moves it on every change of what a user may play, and
the access profile is read once per version (retreats/access.py ``_access_facts``)."""

import os
import subprocess
import sys
from pathlib import Path

from django.conf import settings

from accounts.models import GroupMembership, User
from accounts.services import user_create_verified
from retreats.access import AccessProfile
from retreats.models import Attendance
from tests import factories


def version(user) -> int:
    return User.objects.values_list("access_version", flat=True).get(pk=user.pk)


def test_it_moves_when_a_membership_is_added_moved_and_removed(user, other_user):
    group, other_group = factories.make_group(), factories.make_group()
    start = version(user)

    membership = GroupMembership.objects.create(user=user, group=group)
    assert version(user) == start + 1
    GroupMembership.objects.filter(pk=membership.pk).update(group=other_group)
    assert version(user) == start + 2
    GroupMembership.objects.filter(pk=membership.pk).update(user=other_user)
    assert version(user) == start + 3 and version(other_user) == 1
    GroupMembership.objects.all().delete()
    assert version(other_user) == 2


def test_it_moves_on_bulk_attendances_and_grants_and_their_removal(user):
    gatherings = [factories.make_retreat(audience="event-participants") for _ in range(3)]
    start = version(user)

    Attendance.objects.bulk_create(Attendance(user=user, gathering=g) for g in gatherings)
    assert version(user) == start + 3
    Attendance.objects.filter(user=user).update(source="granted")
    assert version(user) > start + 3
    moved = version(user)
    Attendance.objects.filter(user=user).delete()
    assert version(user) == moved + 3


def test_it_moves_when_the_subscription_or_the_staff_and_active_flags_change(user):
    start = version(user)

    factories.subscribe(user, plan="premium")
    assert version(user) == start + 1
    User.objects.filter(pk=user.pk).update(subscription_expires_at="2030-01-01T00:00:00Z")
    assert version(user) == start + 2
    User.objects.filter(pk=user.pk).update(is_staff=True)
    User.objects.filter(pk=user.pk).update(is_active=False)
    assert version(user) == start + 4


def test_it_stays_on_saves_that_change_nothing_the_rule_reads(user):
    start = version(user)

    user.name = "Ana Maria"
    user.save()
    User.objects.filter(pk=user.pk).update(language="pt")

    assert version(user) == start


def test_a_full_save_of_a_user_read_before_a_grant_does_not_undo_it(user):
    stale = User.objects.get(pk=user.pk)
    factories.make_grant(user, factories.make_retreat(audience="received-initiation"))
    moved = version(user)

    stale.name = "Ana Maria"
    stale.save()

    assert version(user) == moved


def test_the_profile_is_read_once_per_version(user, django_assert_num_queries):
    gathering = factories.make_retreat(audience="received-initiation")
    with django_assert_num_queries(1):
        AccessProfile.for_user(user)
    with django_assert_num_queries(0):
        assert not AccessProfile.for_user(user).can_play_retreat(gathering)

    Attendance.objects.bulk_create([Attendance(user=user, gathering=gathering, source="granted")])
    fresh = User.objects.get(pk=user.pk)  # as the next request reads it

    with django_assert_num_queries(1):
        assert AccessProfile.for_user(fresh).can_play_retreat(gathering)


def test_a_profile_cache_of_zero_reads_every_time(user, settings, django_assert_num_queries):
    settings.ACCESS_PROFILE_CACHE_SECONDS = 0
    AccessProfile.for_user(user)

    with django_assert_num_queries(1):
        AccessProfile.for_user(user)


def test_a_signed_in_listener_sees_a_grant_on_the_next_request(db, api):
    user = user_create_verified(email="ana@example.org", password="a-long-pass-phrase", name="Ana")
    gathering = factories.make_retreat(audience="available-on-request-only")
    # A real sign-in: the authenticator reads the user afresh on each request.
    login = api.post("/api/v1/auth/login", {"email": user.email, "password": "a-long-pass-phrase"}).json()
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {login['accessToken']}")
    url = f"/api/v1/content/gathering/{gathering.uuid}"
    assert api.get(url).json()["lockedReason"] == "on_request"

    Attendance.objects.create(user=user, gathering=gathering, source="granted")

    assert api.get(url).json()["locked"] is False


SQLITE_CHECK = """
import django
django.setup()
from django.core.management import call_command
call_command("migrate", verbosity=0)
from accounts.models import GroupMembership, User
from accounts.services import user_create_verified
from retreats.models import Attendance, Retreat, RetreatGroup
import datetime
user = User.objects.create_user("ana@example.org")
group = RetreatGroup.objects.create(name="G", slug="g")
gathering = Retreat.objects.create(name="R", start_date=datetime.date(2024, 5, 1), end_date=datetime.date(2024, 5, 3))
steps = []
read = lambda: User.objects.values_list("access_version", flat=True).get(pk=user.pk)
GroupMembership.objects.create(user=user, group=group); steps.append(read())
Attendance.objects.create(user=user, gathering=gathering); steps.append(read())
Attendance.objects.all().delete(); steps.append(read())
User.objects.filter(pk=user.pk).update(subscription_status="active"); steps.append(read())
User.objects.filter(pk=user.pk).update(name="B"); steps.append(read())
print(steps)
"""


def test_the_triggers_work_on_sqlite_for_make_run(tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("CELERY_", "DATABASE_URL"))}
    env.update(DEBUG="1", DJANGO_SETTINGS_MODULE="padmakara.settings", DATABASE_URL=f"sqlite:///{tmp_path}/db.sqlite3")

    result = subprocess.run(
        [sys.executable, "-c", SQLITE_CHECK],
        cwd=Path(settings.BASE_DIR),
        env=env,
        capture_output=True,
        text=True,
        timeout=180,
    )

    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1] == "[1, 2, 3, 4, 4]"
