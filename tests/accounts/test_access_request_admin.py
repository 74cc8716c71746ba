"""The approval queue in the admin: approve or decline (one or many), in the audit log."""

import pytest
from auditlog.models import LogEntry
from django.core import mail
from django.urls import reverse

from accounts.models import AccessRequest, GroupMembership, User
from accounts.services import access_request_approve, access_request_create, access_request_decline
from padmakara.errors import Conflict
from retreats.models import Attendance
from tests import factories

CHANGELIST = reverse("admin:accounts_accessrequest_changelist")


def ask(email="rita@example.org", **extra) -> AccessRequest:
    fields = {"first_name": "Rita", "last_name": "Sousa", "message": "Summer 2024.", "language": "pt", **extra}
    return access_request_create(email=email, **fields)


def act(client, action, *requests):
    return client.post(CHANGELIST, {"action": action, "_selected_action": [r.pk for r in requests]}, follow=True)


def messages_of(response):
    return [str(m) for m in response.context["messages"]]


def test_it_lists_pending_requests_first_newest_first(staff_client, db):
    old = ask("old@example.org")
    decided = ask("decided@example.org")
    new = ask("new@example.org", message="Please let me in.")
    AccessRequest.objects.filter(pk=decided.pk).update(status="declined")

    response = staff_client.get(CHANGELIST)

    assert response.status_code == 200
    rows = list(response.context["cl"].result_list)
    assert rows == [new, old, AccessRequest.objects.get(pk=decided.pk)]
    page = response.content.decode()
    assert "Please let me in." in page and "new@example.org" in page and "Rita Sousa" in page


def test_it_approves_a_request_with_the_groups_and_gatherings_staff_picked(staff_client, staff, on_commit):
    group = factories.make_group(name="Ngöndro")
    gathering = factories.make_retreat(audience="available-on-request-only")
    request = ask()
    request.groups.add(group)
    request.gatherings.add(gathering)
    mail.outbox.clear()

    with on_commit():
        response = act(staff_client, "approve", request)

    assert messages_of(response) == ["1 request approved: the account is created and its sign-in email sent."]
    user = User.objects.get(email="rita@example.org")
    assert (user.name, user.language, user.has_usable_password()) == ("Rita Sousa", "pt", False)
    assert GroupMembership.objects.filter(user=user, group=group).exists()
    grant = Attendance.objects.get(user=user, gathering=gathering)
    assert (grant.source, grant.granted_by) == ("granted", staff)
    request.refresh_from_db()
    assert (request.status, request.user, request.decided_by) == ("approved", user, staff)
    assert [m.to for m in mail.outbox] == [["rita@example.org"]]
    assert mail.outbox[0].extra_headers["Content-Language"] == "pt"
    assert "padmakara://app/sign-in?email=rita%40example.org" in mail.outbox[0].body
    entry = LogEntry.objects.get_for_object(request).get()
    assert entry.actor == staff and entry.additional_data["message"] == "Access request approved."
    assert LogEntry.objects.get_for_object(gathering).filter(actor=staff).exists()  # the grant


def test_it_approves_many_at_once(staff_client, on_commit):
    requests = [ask(f"p{n}@example.org") for n in range(3)]
    with on_commit():
        response = act(staff_client, "approve", *requests)
    assert messages_of(response) == ["3 requests approved: the accounts are created and their sign-in emails sent."]
    assert User.objects.filter(email__startswith="p").count() == 3


def test_it_refuses_to_approve_an_approved_request_again(staff_client, staff, on_commit):
    request = ask()
    access_request_approve(access_request=request, by=staff)

    response = act(staff_client, "approve", request)

    assert messages_of(response) == ["rita@example.org: This request was already answered (Approved)."]
    assert User.objects.filter(email="rita@example.org").count() == 1
    with pytest.raises(Conflict):
        access_request_approve(access_request=request, by=staff)


def test_it_refuses_to_decline_an_approved_request(staff, db):
    request = ask()
    access_request_approve(access_request=request, by=staff)
    with pytest.raises(Conflict):
        access_request_decline(access_request=request, by=staff, notify=True)


def test_it_declines_with_a_kind_mail(staff_client, staff, on_commit):
    request = ask()
    mail.outbox.clear()

    with on_commit():
        response = act(staff_client, "decline_with_mail", request)

    assert messages_of(response) == ["1 request declined; the person was told."]
    request.refresh_from_db()
    assert (request.status, request.decided_by) == ("declined", staff)
    assert not User.objects.filter(email="rita@example.org").exists()
    assert [m.to for m in mail.outbox] == [["rita@example.org"]]
    assert "Lamentamos" in mail.outbox[0].body
    entry = LogEntry.objects.get_for_object(request).get()
    assert entry.additional_data["message"] == "Access request declined, with a mail."


def test_it_declines_without_a_mail(staff_client, on_commit):
    request = ask()
    mail.outbox.clear()
    with on_commit():
        act(staff_client, "decline_silently", request)
    request.refresh_from_db()
    assert request.status == "declined"
    assert mail.outbox == []
    assert LogEntry.objects.get_for_object(request).get().additional_data["message"] == (
        "Access request declined, without a mail."
    )


def test_it_gives_an_existing_account_the_access_instead_of_a_second_one(staff, db):
    request = ask()
    existing = factories.make_user(email="rita@example.org")
    group = factories.make_group()
    request.groups.add(group)

    assert access_request_approve(access_request=request, by=staff) == existing
    assert GroupMembership.objects.filter(user=existing, group=group).exists()


def test_the_index_shows_how_many_requests_wait(staff_client, db):
    ask("a@example.org")
    ask("b@example.org")
    response = staff_client.get(reverse("admin:index"))
    assert "2 requests wait for an answer." in response.content.decode()


def test_staff_pick_groups_and_gatherings_on_the_requests_page(staff_client, db):
    request = ask()
    group = factories.make_group()
    gathering = factories.make_retreat()
    url = reverse("admin:accounts_accessrequest_change", args=[request.pk])
    assert staff_client.get(url).status_code == 200

    response = staff_client.post(url, {"groups": [group.pk], "gatherings": [gathering.pk]})

    assert response.status_code == 302
    assert list(request.groups.all()) == [group] and list(request.gatherings.all()) == [gathering]


def test_staff_revoke_a_users_device(staff_client, staff, db):
    from accounts.models import Device

    user = factories.make_user()
    device = Device.objects.create(user=user, name="Lost phone", platform="ios", session="lost-session")

    response = staff_client.post(
        reverse("admin:accounts_device_changelist"),
        {"action": "revoke_devices", "_selected_action": [device.pk]},
        follow=True,
    )

    assert messages_of(response) == ["1 device revoked."]
    device.refresh_from_db()
    user.refresh_from_db()
    assert device.revoked_at is not None and "lost-session" in user.revoked_sessions
    assert LogEntry.objects.get_for_object(user).filter(actor=staff).exists()
    assert "Lost phone" in staff_client.get(reverse("admin:accounts_user_change", args=[user.pk])).content.decode()
