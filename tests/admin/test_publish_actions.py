import pytest
from django.contrib.admin.models import LogEntry
from django.urls import reverse

from retreats.actions import PublishPermissionError, PublishRetreatAction
from retreats.models import Retreat
from retreats.signals import gathering_published
from retreats.versioning import catalogue_version
from tests import factories

CHANGELIST = reverse("admin:retreats_retreat_changelist")


def _act(client, action, *retreats):
    return client.post(
        CHANGELIST,
        {"action": action, "_selected_action": [r.pk for r in retreats]},
        follow=True,
    )


def _messages(response):
    return [str(m) for m in response.context["messages"]]


def test_it_publishes_the_selected_drafts(staff_client):
    drafts = [factories.make_retreat(status="draft") for _ in range(2)]

    response = _act(staff_client, "publish", *drafts)

    assert _messages(response) == ["2 gatherings published."]
    assert set(Retreat.objects.values_list("status", flat=True)) == {"published"}
    assert Retreat.objects.filter(published_at__isnull=True).count() == 0


def test_it_says_how_many_were_already_published(staff_client):
    draft = factories.make_retreat(status="draft")
    published = factories.make_retreat(status="published")

    response = _act(staff_client, "publish", draft, published)

    assert _messages(response) == ["1 gathering published. 1 was already published."]


def test_it_does_nothing_on_a_second_publish(staff_client):
    draft = factories.make_retreat(status="draft")
    _act(staff_client, "publish", draft)
    draft.refresh_from_db()
    published_at = draft.published_at

    response = _act(staff_client, "publish", draft)

    assert _messages(response) == ["Nothing changed: the selected gathering was already published."]
    draft.refresh_from_db()
    assert draft.published_at == published_at
    assert LogEntry.objects.filter(object_id=str(draft.pk), change_message="Published.").count() == 1


def test_it_unpublishes_the_selected_gatherings(staff_client):
    published = [factories.make_retreat(status="published") for _ in range(3)]

    response = _act(staff_client, "unpublish", *published)

    assert _messages(response) == ["3 gatherings unpublished."]
    assert set(Retreat.objects.values_list("status", flat=True)) == {"draft"}


def test_it_does_nothing_on_a_second_unpublish(staff_client):
    drafts = [factories.make_retreat(status="draft") for _ in range(2)]

    response = _act(staff_client, "unpublish", *drafts)

    assert _messages(response) == ["Nothing changed: the 2 selected gatherings were already drafts."]
    assert LogEntry.objects.count() == 0


@pytest.mark.parametrize(
    ("status", "action", "message"), [("draft", "publish", "Published."), ("published", "unpublish", "Unpublished.")]
)
def test_it_logs_who_published_or_unpublished(staff_client, staff, status, action, message):
    gathering = factories.make_retreat(status=status)

    _act(staff_client, action, gathering)

    entry = LogEntry.objects.get(object_id=str(gathering.pk))
    assert entry.user == staff
    assert entry.change_message == message


def test_it_publishes_through_the_service_from_the_change_form(staff_client, staff):
    draft = factories.make_retreat(status="draft")
    url = reverse("admin:retreats_retreat_change", args=[draft.pk])
    form = staff_client.get(url).context["adminform"].form
    data = {name: value for name, value in form.initial.items() if value is not None}
    data.update(
        {
            "status": "published",
            "groups": [],
            "teachers": [],
            "places": [],
            "sessions-TOTAL_FORMS": 0,
            "sessions-INITIAL_FORMS": 0,
            "attendances-TOTAL_FORMS": 0,
            "attendances-INITIAL_FORMS": 0,
        }
    )

    response = staff_client.post(url, data)

    assert response.status_code == 302
    draft.refresh_from_db()
    assert draft.status == "published"
    assert draft.published_at is not None
    assert LogEntry.objects.filter(object_id=str(draft.pk), change_message="Published.", user=staff).exists()


def test_the_publish_action_checks_the_permission_first(db):
    draft = factories.make_retreat(status="draft")
    clerk = factories.make_user(is_staff=True)

    with pytest.raises(PublishPermissionError):
        PublishRetreatAction(draft, user=clerk).execute()

    draft.refresh_from_db()
    assert draft.status == "draft"
    assert not LogEntry.objects.exists()


def test_the_publish_action_is_one_path_for_the_update_the_audit_the_signal_and_the_version(
    staff, django_capture_on_commit_callbacks
):
    draft = factories.make_retreat(status="draft")
    before = catalogue_version()
    sent = []

    def receiver(sender, retreat, **kwargs):
        sent.append(retreat.pk)

    gathering_published.connect(receiver)
    try:
        with django_capture_on_commit_callbacks(execute=True):
            assert PublishRetreatAction(draft, user=staff).execute()
    finally:
        gathering_published.disconnect(receiver)

    assert draft.status == "published" and draft.published_at is not None
    assert LogEntry.objects.get(object_id=str(draft.pk)).user == staff
    assert sent == [draft.pk]
    assert catalogue_version() != before
