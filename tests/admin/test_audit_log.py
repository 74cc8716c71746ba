"""The audit log: each kind of staff write leaves an entry with who, when and the fields
before and after; the log's admin shows it to staff (filters, en and pt) and lets no one,
superusers included, add, change or delete an entry; entries outlive their actor."""

import datetime
import json

import pytest
from auditlog.models import LogEntry
from django.contrib.auth.models import Permission
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts.models import GroupMembership, User
from notifications.models import NotificationEvent
from padmakara.audit import acting_as, audit
from retreats.models import Track
from tests import factories

pytestmark = pytest.mark.django_db

LOG = reverse("admin:auditlog_logentry_changelist")


def _entries(obj):
    return LogEntry.objects.filter(content_type=ContentType.objects.get_for_model(obj), object_id=obj.pk)


def _client(user, language="en") -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE=language)
    factories.admin_login(client, user)
    return client


def _post_track(client, track, **changes):
    data = {
        "session": track.session_id,
        "order": track.order,
        "language": track.language,
        "title": track.title,
        "description": track.description,
        "transcripts-TOTAL_FORMS": 0,
        "transcripts-INITIAL_FORMS": 0,
        "track_speakers-TOTAL_FORMS": 0,
        "track_speakers-INITIAL_FORMS": 0,
        **changes,
    }
    return client.post(reverse("admin:retreats_track_change", args=[track.pk]), data)


# --- Each kind of staff write --------------------------------------------------------------


def test_an_admin_change_of_a_track_title_records_before_and_after(staff_client, staff):
    track = factories.make_track(factories.make_session(factories.make_retreat()), title="Old title")

    response = _post_track(staff_client, track, title="New title")

    assert response.status_code == 302, response.context and response.context["errors"]
    entry = _entries(track).get()
    assert entry.action == LogEntry.Action.UPDATE
    assert entry.changes_dict == {"title": ["Old title", "New title"]}
    assert (entry.actor, entry.actor_email, entry.additional_data["actor_name"]) == (staff, staff.email, "Staff")
    assert entry.remote_addr == "127.0.0.1"


def test_the_remote_address_is_the_one_the_rate_limits_count_not_a_header_the_client_picks(staff, settings):
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "NUM_PROXIES": 0}
    track = factories.make_track(factories.make_session(factories.make_retreat()), title="Old title")
    client = Client(HTTP_X_FORWARDED_FOR="203.0.113.9")
    factories.admin_login(client, staff)

    _post_track(client, track, title="New title")

    assert _entries(track).get().remote_addr == "127.0.0.1"


def test_publishing_records_the_status_before_and_after(staff_client, staff):
    draft = factories.make_retreat(status="draft")

    staff_client.post(
        reverse("admin:retreats_retreat_changelist"), {"action": "publish", "_selected_action": [draft.pk]}
    )

    entry = _entries(draft).get()
    assert entry.additional_data["message"] == "Published."
    assert entry.changes_dict["status"] == ["draft", "published"]
    assert entry.changes_dict["published_at"][0] == "None"
    assert entry.actor == staff


def test_disabling_a_user_records_active_before_and_after(staff_client, staff):
    listener = factories.make_user()

    staff_client.post(
        reverse("admin:accounts_user_changelist"), {"action": "disable_users", "_selected_action": [listener.pk]}
    )

    entry = _entries(listener).get()
    assert (entry.additional_data["message"], entry.actor) == ("Disabled.", staff)
    assert entry.changes_dict == {"is_active": ["True", "False"]}


def test_adding_a_membership_records_it(staff_client, staff, user):
    group = factories.make_group(name="Bodhisattva")

    response = staff_client.post(reverse("admin:accounts_groupmembership_add"), {"user": user.pk, "group": group.pk})

    assert response.status_code == 302
    entry = _entries(GroupMembership.objects.get()).get()
    assert entry.action == LogEntry.Action.CREATE
    assert entry.changes_dict["group"] == ["None", "Bodhisattva"]  # the object's name, not its id
    assert entry.actor == staff


def test_granting_a_subscription_records_it(staff):
    listener = factories.make_user()

    with acting_as(staff):
        listener.subscription_status, listener.subscription_plan = "active", "premium"
        listener.save()

    entry = _entries(listener).get()
    assert entry.changes_dict == {
        "subscription_status": ["inactive", "active"],
        "subscription_plan": ["basic", "premium"],
    }


def test_completing_an_upload_records_its_status(staff_client, staff):
    session = factories.make_session(factories.make_retreat())
    data = b"0123456789"
    plan = staff_client.post(
        reverse("admin:media_upload_start", args=[session.pk]),
        {"filename": "001 JKR - Talk.mp3", "size": len(data)},
        content_type="application/json",
    ).json()
    staff_client.post(
        reverse("admin:media_upload_chunk", args=[plan["uploadId"]]) + "?offset=0",
        data,
        content_type="application/octet-stream",
    )

    response = staff_client.post(
        reverse("admin:media_upload_complete", args=[plan["uploadId"]]), {}, content_type="application/json"
    )

    assert response.status_code == 200, response.content
    from media.models import Upload

    upload = Upload.objects.get()
    entries = list(_entries(upload).order_by("timestamp", "pk"))
    assert entries[0].action == LogEntry.Action.CREATE
    assert entries[-1].changes_dict["status"] == ["uploading", "uploaded"]
    assert {entry.actor for entry in entries} == {staff}


def test_secrets_and_a_listeners_own_settings_are_not_recorded(staff):
    listener = factories.make_user(name="Ana")

    with acting_as(staff):
        listener.set_password("another-long-pass-phrase")
        listener.language, listener.name = "pt", "Ana Silva"
        listener.save()

    entry = _entries(listener).get()
    assert entry.changes_dict == {"name": ["Ana", "Ana Silva"]}
    assert "pbkdf2" not in json.dumps(entry.serialized_data) + json.dumps(entry.changes)


def test_writes_no_staff_member_made_leave_no_entry(api, user):
    track = factories.make_track(factories.make_session(factories.make_retreat()))
    track.title = "Changed by a worker"
    track.save()  # no one is acting: a task, a command
    api.force_authenticate(user)
    assert api.put("/api/v1/user/profile", {"name": "Listener's own change"}).status_code == 200

    assert not LogEntry.objects.exists()


def test_a_retry_records_the_state_before_and_after(staff):
    event = NotificationEvent.objects.create(
        key="k", kind="new_gathering", retreat=factories.make_retreat(), state="failed", last_error="boom"
    )
    from notifications.services import notification_events_retry

    notification_events_retry(events=NotificationEvent.objects.all(), user=staff)

    entry = _entries(event).get()
    assert entry.changes_dict == {"state": ["failed", "queued"], "last_error": ["boom", ""]}


# --- The log's admin -----------------------------------------------------------------------


@pytest.fixture
def entry(staff):
    track = factories.make_track(factories.make_session(factories.make_retreat()), title="Old title")
    with acting_as(staff):
        track.title = "New title"
        track.save()
    return _entries(track).get()


def test_it_shows_who_what_and_the_fields_before_and_after_without_ids_or_json(staff_client, entry, staff):
    listing = staff_client.get(LOG).content.decode()
    page = staff_client.get(reverse("admin:auditlog_logentry_change", args=[entry.pk])).content.decode()

    assert "Staff &lt;" + staff.email + "&gt;" in listing
    assert 'Track: <a href="/admin/retreats/track/' in listing and "New title (EN)</a>" in listing
    assert "<th>Field</th><th>Before</th><th>After</th>" in page
    assert "<td>Title</td><td>Old title</td><td>New title</td>" in page
    for raw in ('{"title"', "[&quot;Old title", "Correlation ID", "object pk", "content type"):
        assert raw not in listing and raw not in page


def test_it_reads_in_portuguese(staff, entry):
    client = _client(staff, "pt")
    page = client.get(reverse("admin:auditlog_logentry_change", args=[entry.pk]), HTTP_ACCEPT_LANGUAGE="pt")

    html = page.content.decode()
    assert "<th>Campo</th><th>Antes</th><th>Depois</th>" in html
    assert "<td>Título</td>" in html


def test_a_service_message_reads_in_the_readers_language(staff):
    listener = factories.make_user()
    audit(user=staff, obj=listener, message="Disabled.", changes={"is_active": (True, False)})

    html = _client(staff, "pt").get(LOG).content.decode()

    assert "Desativado." in html or "Desativada." in html


@pytest.mark.parametrize("superuser", [True, False], ids=["superuser", "staff with every audit permission"])
def test_no_one_adds_changes_or_deletes_an_entry(entry, superuser):
    if superuser:
        reader = factories.make_staff()
    else:
        reader = factories.make_user(is_staff=True)
        reader.user_permissions.add(*Permission.objects.filter(content_type__app_label="auditlog"))
    client = _client(reader)
    change = reverse("admin:auditlog_logentry_change", args=[entry.pk])

    listing = client.get(LOG)
    page = client.get(change)

    assert listing.status_code == 200 and page.status_code == 200
    assert client.get(reverse("admin:auditlog_logentry_add")).status_code == 403
    assert client.post(change, {"changes_text": "rewritten"}).status_code == 403
    delete = reverse("admin:auditlog_logentry_delete", args=[entry.pk])
    assert client.get(delete).status_code == 403 and client.post(delete, {"post": "yes"}).status_code == 403
    bulk = client.post(LOG, {"action": "delete_selected", "_selected_action": [entry.pk], "post": "yes"})
    assert bulk.status_code in (200, 302)
    html = listing.content.decode() + page.content.decode()
    assert reverse("admin:auditlog_logentry_add") not in html and delete not in html and 'name="_save"' not in html
    assert 'name="action"' not in listing.content.decode()
    entry.refresh_from_db()
    assert entry.changes_dict == {"title": ["Old title", "New title"]}
    assert LogEntry.objects.count() == 1


def test_it_filters_by_staff_member_kind_of_object_object_and_date(staff):
    colleague = factories.make_staff(name="Colleague")
    session = factories.make_session(factories.make_retreat())
    first, second = factories.make_track(session, title="First"), factories.make_track(session, title="Second")
    listener = factories.make_user()
    with acting_as(staff):
        first.title = "First, edited"
        first.save()
    with acting_as(colleague):
        second.title = "Second, edited"
        second.save()
        listener.name = "Renamed"
        listener.save()
    LogEntry.objects.filter(object_id=listener.pk).update(timestamp=datetime.datetime(2025, 3, 1, tzinfo=datetime.UTC))
    client = _client(staff)
    track_type = ContentType.objects.get_for_model(Track).pk

    def listed(**params):
        response = client.get(LOG, params)
        assert response.status_code == 200
        return sorted(entry.object_repr for entry in response.context["cl"].result_list)

    assert listed(actor=colleague.email) == sorted([str(listener), str(second)])
    assert listed(kind=track_type) == sorted([str(first), str(second)])
    assert listed(object=f"{track_type}-{first.pk}") == [str(first)]
    assert listed(timestamp__year=2025) == [str(listener)]
    filters = client.get(LOG).content.decode()
    assert "Tracks" in filters and "Users" in filters and colleague.email in filters


def test_an_entry_outlives_its_actor_with_their_name(entry, staff):
    boss = factories.make_staff(name="Boss")
    client = _client(boss)

    response = client.post(reverse("admin:accounts_user_delete", args=[staff.pk]), {"post": "yes"})

    assert response.status_code == 302
    assert not User.objects.filter(pk=staff.pk).exists()
    entry.refresh_from_db()
    assert entry.actor is None
    assert (entry.actor_email, entry.additional_data["actor_name"]) == (staff.email, "Staff")
    deletion = LogEntry.objects.get(action=LogEntry.Action.DELETE, object_id=staff.pk)
    assert (deletion.actor, deletion.object_repr) == (boss, staff.email)
    listing = client.get(LOG).content.decode()
    assert f"Staff &lt;{staff.email}&gt; (account deleted)" in listing
    assert client.get(LOG, {"actor": staff.email}).context["cl"].result_count == 1


def test_staff_cannot_delete_their_own_account_from_the_api(api, staff, entry):
    api.force_authenticate(staff)

    response = api.delete("/api/v1/user/account")

    assert response.status_code == 403
    assert response.json()["error"]["code"] == "staff_account"
    assert User.objects.filter(pk=staff.pk).exists()
    assert LogEntry.objects.filter(pk=entry.pk, actor=staff).exists()


def test_the_log_lists_with_a_bounded_number_of_queries(staff, django_assert_num_queries):
    colleague = factories.make_staff(name="Colleague")
    session = factories.make_session(factories.make_retreat())

    def write(n):
        for i in range(n):
            track = factories.make_track(session, title=f"Talk {i}")
            person = factories.make_user()
            with acting_as(colleague if i % 2 else staff):
                track.title = f"Talk {i}, edited"
                track.save()
                person.name = f"Person {i}"
                person.save()
                factories.make_member(person, factories.make_group())
            audit(user=staff, obj=person, message="Disabled.", changes={"is_active": (True, False)})

    write(2)
    client = _client(staff)
    client.get(LOG)  # warm per-process caches (content types, session)
    with CaptureQueriesContext(connection) as few:
        client.get(LOG)
    write(12)

    with django_assert_num_queries(len(few)):
        response = client.get(LOG)
    assert response.context["cl"].result_count == 5 * 14  # track, user, group, membership, disable


def test_a_listeners_session_writes_leave_no_entry(client, user):
    # A listener signed in with a session (the API accepts one) is not staff: no entry.
    factories.admin_login(client, user)

    response = client.put("/api/v1/user/profile", {"name": "Renamed"}, content_type="application/json")

    assert response.status_code == 200
    user.refresh_from_db()
    assert user.name == "Renamed"
    assert not LogEntry.objects.exists()
