import pytest
from auditlog.models import LogEntry
from django.test import Client
from django.urls import reverse

from notifications.models import Notification, NotificationEvent
from tests import factories

pytestmark = pytest.mark.django_db


def test_the_retry_action_queues_failed_events_again_and_audits_it(staff, django_capture_on_commit_callbacks):
    listener = factories.make_user(name="Listener")
    retreat = factories.make_retreat(status="published")
    failed = NotificationEvent.objects.create(
        key="failed", kind="new_gathering", retreat=retreat, state="failed", last_error="boom"
    )
    done = NotificationEvent.objects.create(key="done", kind="new_gathering", retreat=retreat, state="sent")
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    factories.admin_login(client, staff)

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = client.post(
            reverse("admin:notifications_notificationevent_changelist"),
            {"action": "retry", "_selected_action": [failed.pk, done.pk]},
            follow=True,
        )

    assert [str(m) for m in response.context["messages"]] == ["1 event queued again."]
    failed.refresh_from_db()
    assert (failed.state, failed.last_error) == ("queued", "")
    assert len(callbacks) == 1  # one fan-out job, for the failed event only, sent after commit

    callbacks[0]()  # the job runs (eagerly here) and tells the gathering's audience
    failed.refresh_from_db()
    done.refresh_from_db()
    assert failed.state == "sent" and done.state == "sent"
    assert Notification.objects.filter(user=listener, event=failed).exists()
    assert not Notification.objects.filter(event=done).exists()
    entry = LogEntry.objects.get()
    assert (entry.object_id, entry.actor, entry.additional_data["message"]) == (failed.pk, staff, "Queued again.")
    assert entry.changes_dict == {"state": ["failed", "queued"], "last_error": ["boom", ""]}


@pytest.mark.parametrize(
    "language, expected",
    [("en", "1200 notified, 950 pushes sent, 12 failed"), ("pt", "1200 notificados, 950 push enviados, 12 falhados")],
)
def test_the_event_list_shows_its_delivery_counts_in_one_column(staff, language, expected):
    retreat = factories.make_retreat(status="published")
    NotificationEvent.objects.create(
        key="sent", kind="new_gathering", retreat=retreat, state="sent",
        notified_count=1200, pushed_count=950, push_failed_count=12,
    )  # fmt: skip
    client = Client(HTTP_ACCEPT_LANGUAGE=language)
    factories.admin_login(client, staff)

    response = client.get(reverse("admin:notifications_notificationevent_changelist"))

    assert f'field-delivery">{expected}<' in response.content.decode()
