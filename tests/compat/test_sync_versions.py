"""``/sync/versions``: each namespace's counter moves on any change of it, whoever makes it
(database triggers), and the ``user`` counter when that user's access changes."""

import pytest

from accounts.models import GroupMembership, User
from retreats import services as retreat_services
from retreats.models import Retreat, RetreatGroup, Session, Teacher, Track
from retreats.selectors import sync_versions
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def catalogue():
    group = factories.make_group()
    retreat = factories.make_retreat(groups=[group], status="draft")
    session = factories.make_session(retreat)
    track = factories.make_track(session)
    teacher = factories.make_teacher()
    return {"group": group, "retreat": retreat, "session": session, "track": track, "teacher": teacher}


def moved(change) -> set[str]:
    """The namespaces whose counter ``change()`` moved."""
    before = sync_versions()
    change()
    after = sync_versions()
    return {namespace for namespace in before if after[namespace] != before[namespace]}


def test_it_moves_events_on_a_service_publish(catalogue):
    assert "events" in moved(lambda: retreat_services.retreat_publish(retreat=catalogue["retreat"]))


def test_it_moves_events_on_an_update_call(catalogue):
    assert moved(lambda: Track.objects.filter(pk=catalogue["track"].pk).update(title="Renamed")) == {"events"}


def test_it_moves_events_on_a_bulk_create_and_a_delete(catalogue):
    retreat = catalogue["retreat"]
    assert moved(lambda: Session.objects.bulk_create([Session(retreat=retreat, name="Bulk", order=9)])) == {"events"}
    assert moved(lambda: Session.objects.filter(name="Bulk").delete()) == {"events"}


def test_it_moves_events_and_groups_when_a_gathering_joins_a_group(catalogue):
    other = factories.make_group()
    assert moved(lambda: catalogue["retreat"].groups.add(other)) == {"events", "groups"}


def test_it_moves_groups_on_a_rename(catalogue):
    assert "groups" in moved(lambda: RetreatGroup.objects.filter(pk=catalogue["group"].pk).update(name="New"))


def test_it_moves_teachers_on_a_save(catalogue):
    teacher = catalogue["teacher"]
    teacher.name = "Renamed"
    assert moved(teacher.save) >= {"teachers", "events"}


def test_it_moves_teachers_through_the_admin(catalogue, staff_client):
    teacher = catalogue["teacher"]

    def edit():
        response = staff_client.post(
            f"/admin/retreats/teacher/{teacher.pk}/change/",
            {"name": "Edited in admin", "abbreviation": teacher.abbreviation, "aliases": "", "bio": ""},
        )
        assert response.status_code == 302, response.content[:500]

    assert "teachers" in moved(edit)
    assert Teacher.objects.get(pk=teacher.pk).name == "Edited in admin"


def test_it_leaves_the_catalogue_counters_alone_on_listening(catalogue, user):
    from progress.models import Bookmark

    assert moved(lambda: Bookmark.objects.create(user=user, track=catalogue["track"], position=0)) == set()


def test_it_tells_the_counters_over_the_api(catalogue, api):
    before = api.get("/api/sync/versions").json()
    Retreat.objects.filter(pk=catalogue["retreat"].pk).update(name="Moved")
    after = api.get("/api/sync/versions").json()
    assert after["events"]["global"] > before["events"]["global"]
    assert after["teachers"] == before["teachers"]


# --- The per-user counter (User.access_version, moved by triggers too) -------------------


def user_version(api, user) -> int:
    from .conftest import access_token

    api.credentials(HTTP_AUTHORIZATION=f"Bearer {access_token(User.objects.get(pk=user.pk))}")
    body = api.get("/api/sync/versions").json()
    assert len({versions["user"] for versions in body.values()}) == 1
    return body["events"]["user"]


@pytest.fixture
def listener(db):
    from accounts.providers import get_provider

    return get_provider().create_account(email="listener@example.com", name="Listener", language="en")


@pytest.mark.parametrize(
    "change",
    [
        "membership",
        "membership_removed",
        "grant",
        "attendance_import",
        "subscription_update",
        "subscription_save",
    ],
)
def test_it_moves_the_user_counter_when_access_changes(api, listener, catalogue, staff, change):
    group, retreat = catalogue["group"], catalogue["retreat"]
    if change == "membership_removed":
        GroupMembership.objects.create(user=listener, group=group)
    before = user_version(api, listener)
    if change == "membership":
        GroupMembership.objects.create(user=listener, group=group)
    elif change == "membership_removed":
        GroupMembership.objects.filter(user=listener).delete()
    elif change == "grant":
        retreat_services.access_grant(users=[listener], gatherings=[retreat], granted_by=staff)
    elif change == "attendance_import":
        retreat_services.attendance_import(
            csv_text=f"{listener.email},{retreat.slug}", dry_run=False, imported_by=staff
        )
    elif change == "subscription_update":
        User.objects.filter(pk=listener.pk).update(subscription_status="active")
    elif change == "subscription_save":
        row = User.objects.get(pk=listener.pk)
        row.subscription_status = "active"
        row.save()
    assert user_version(api, listener) > before


def test_it_keeps_the_user_counter_when_access_does_not_change(api, listener):
    before = user_version(api, listener)
    User.objects.filter(pk=listener.pk).update(name="Renamed")
    assert user_version(api, listener) == before


def test_it_makes_the_same_triggers_on_sqlite():
    """``make run`` on SQLite: the triggers come from retreats/sync_versions.py after migrate."""
    from django.db.backends.sqlite3.base import DatabaseWrapper

    from retreats.sync_versions import sqlite_create_triggers, sqlite_drop_triggers

    connection = DatabaseWrapper({**settings_sqlite(), "NAME": ":memory:"}, alias="sqlite-sync")
    try:
        with connection.cursor() as cursor:
            cursor.execute("CREATE TABLE retreats_syncversion (namespace TEXT PRIMARY KEY, version INTEGER)")
            cursor.execute("INSERT INTO retreats_syncversion VALUES ('events', 0), ('groups', 0), ('teachers', 0)")
            cursor.execute("CREATE TABLE retreats_teacher (id INTEGER PRIMARY KEY, name TEXT)")
        sqlite_create_triggers(connection)
        with connection.cursor() as cursor:
            cursor.execute("INSERT INTO retreats_teacher (name) VALUES ('A')")
            cursor.execute("UPDATE retreats_teacher SET name = 'B'")
            cursor.execute("SELECT namespace, version FROM retreats_syncversion ORDER BY namespace")
            assert cursor.fetchall() == [("events", 2), ("groups", 0), ("teachers", 2)]
        sqlite_drop_triggers(connection)
        with connection.cursor() as cursor:
            cursor.execute("SELECT count(*) FROM sqlite_master WHERE type = 'trigger'")
            assert cursor.fetchone() == (0,)
    finally:
        connection.close()


def settings_sqlite() -> dict:
    from django.db import connections

    return {
        **{key: value for key, value in connections["default"].settings_dict.items() if key not in ("ENGINE", "NAME")},
        "ENGINE": "django.db.backends.sqlite3",
        "OPTIONS": {},
    }
