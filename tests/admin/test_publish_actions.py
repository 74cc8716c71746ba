import pytest
from auditlog.models import LogEntry
from django.urls import reverse

from retreats.actions import NotPublishable, PublishPermissionError, PublishRetreatAction
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
    assert LogEntry.objects.filter(object_id=draft.pk, additional_data__message="Published.").count() == 1


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

    entry = LogEntry.objects.get(object_id=gathering.pk)
    assert entry.actor == staff
    assert entry.additional_data["message"] == message


def test_it_publishes_through_the_service_from_the_change_form(staff_client, staff):
    draft = factories.make_retreat(status="draft")
    url = reverse("admin:retreats_retreat_change", args=[draft.pk])
    form = staff_client.get(url).context["adminform"].form
    data = {name: value for name, value in form.initial.items() if value is not None}
    data.update(
        {
            "status": "published",
            "groups": [group.pk for group in draft.groups.all()],
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
    assert LogEntry.objects.filter(object_id=draft.pk, additional_data__message="Published.", actor=staff).exists()


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
    assert LogEntry.objects.get(object_id=draft.pk).actor == staff
    assert sent == [draft.pk]
    assert catalogue_version() != before


NO_GROUP = "is in no retreat group: the app lists gatherings by group, so listeners would never see it."


def test_the_publish_action_refuses_a_gathering_in_no_group(staff_client):
    lone = factories.make_retreat(status="draft", groups=(), name="Lone retreat")
    grouped = factories.make_retreat(status="draft")

    response = _act(staff_client, "publish", lone, grouped)

    messages = _messages(response)
    assert any(m.startswith("“Lone retreat” " + NO_GROUP) for m in messages)
    assert "1 gathering published." in messages
    lone.refresh_from_db()
    assert lone.status == "draft"
    assert Retreat.objects.get(pk=grouped.pk).status == "published"


def test_the_publish_action_class_raises_a_domain_error_for_a_gathering_in_no_group(db):
    lone = factories.make_retreat(status="draft", groups=())

    with pytest.raises(NotPublishable) as refused:
        PublishRetreatAction(lone).execute()

    assert refused.value.code == "no_retreat_group"
    lone.refresh_from_db()
    assert lone.status == "draft"


def test_the_change_form_refuses_to_publish_with_no_group_in_portuguese(staff_client):
    draft = factories.make_retreat(status="draft", groups=(), name="Retiro sem grupo")
    url = reverse("admin:retreats_retreat_change", args=[draft.pk])
    form = staff_client.get(url).context["adminform"].form
    data = {name: value for name, value in form.initial.items() if value is not None}
    data.update({"status": "published", "groups": [], "teachers": [], "places": [],
                 "sessions-TOTAL_FORMS": 0, "sessions-INITIAL_FORMS": 0})  # fmt: skip

    response = staff_client.post(url, data, HTTP_ACCEPT_LANGUAGE="pt")

    assert response.status_code == 200
    errors = response.context["adminform"].form.errors["groups"]
    assert errors == [
        "“Retiro sem grupo” não pertence a nenhum grupo de retiros: a aplicação lista os encontros por grupo, "
        "pelo que os ouvintes nunca o veriam. Junte-o a um grupo de retiros e depois publique-o."
    ]
    draft.refresh_from_db()
    assert draft.status == "draft"


def test_a_published_gathering_in_no_group_is_warned_about_and_stays_editable(staff_client):
    legacy = factories.make_retreat(status="published", name="Old retreat")
    url = reverse("admin:retreats_retreat_change", args=[legacy.pk])

    response = staff_client.get(url)

    assert _messages(response) == [
        "“Old retreat” is published but in no retreat group: listeners do not see it in the app. "
        "Add it to a retreat group."
    ]
    form = response.context["adminform"].form
    data = {name: value for name, value in form.initial.items() if value is not None}
    data.update({"name": "Old retreat, renamed", "groups": [], "teachers": [], "places": []})
    for inline in response.context["inline_admin_formsets"]:  # sessions, attendance and grants
        prefix = inline.formset.prefix
        data.update({f"{prefix}-TOTAL_FORMS": 0, f"{prefix}-INITIAL_FORMS": 0})
    assert staff_client.post(url, data).status_code == 302
    legacy.refresh_from_db()
    assert (legacy.name, legacy.status) == ("Old retreat, renamed", "published")
