"""Attendance and grants: the services (audited, all or nothing), the admin pages that call
them, and the listener's view of their access (``GET /user/access``)."""

import pytest
from auditlog.models import LogEntry
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from retreats import services
from retreats.access import AccessProfile
from retreats.models import Attendance
from tests import factories

pytestmark = pytest.mark.django_db


def _on_request():
    return factories.make_retreat(audience="available-on-request-only", name="Vajrakilaya", name_pt="Vajrakilaya pt")


def test_a_grant_opens_an_on_request_gathering_and_is_audited(staff):
    gathering, user = _on_request(), factories.make_user(email="ana@example.org")
    assert not AccessProfile.for_user(user).can_play_retreat(gathering)

    created = services.access_grant(users=[user], gatherings=[gathering], granted_by=staff, note="Asked by email")

    assert created == 1
    grant = Attendance.objects.get()
    assert (grant.source, grant.granted_by, grant.note) == ("granted", staff, "Asked by email")
    assert AccessProfile.for_user(factories.reread_access(user)).can_play_retreat(gathering)
    entry = LogEntry.objects.get_for_object(gathering).get()
    assert entry.actor == staff and "ana@example.org" in entry.additional_data["message"]


def test_granting_again_changes_nothing(staff):
    gathering, user = _on_request(), factories.make_user()
    services.access_grant(users=[user], gatherings=[gathering], granted_by=staff)

    assert services.access_grant(users=[user], gatherings=[gathering], granted_by=staff) == 0
    assert Attendance.objects.count() == 1 and LogEntry.objects.get_for_object(gathering).count() == 1


def test_a_pasted_list_with_an_unknown_email_grants_nothing(staff):
    gathering = _on_request()
    factories.make_user(email="ana@example.org")

    with pytest.raises(services.UnknownEmails) as refused:
        services.access_grant_by_emails(
            emails=services.parse_emails("Ana@example.org, nobody@example.org\nghost@example.org"),
            gatherings=[gathering],
            granted_by=staff,
        )

    assert refused.value.emails == ["nobody@example.org", "ghost@example.org"]
    assert not Attendance.objects.exists() and not LogEntry.objects.exists()


def test_a_pasted_list_matches_emails_whatever_their_case(staff):
    gathering = _on_request()
    user = factories.make_user(email="Carla@Example.org")

    assert services.access_grant_by_emails(emails=["carla@example.org"], gatherings=[gathering], granted_by=staff) == 1
    assert Attendance.objects.get().user == user


# --- Admin ------------------------------------------------------------------------------


def test_the_grant_page_grants_to_every_email_and_gathering(staff_client, staff):
    first, second = _on_request(), _on_request()
    ana, bruno = factories.make_user(email="ana@example.org"), factories.make_user(email="bruno@example.org")

    response = staff_client.post(
        reverse("admin:retreats_attendance_grant"),
        {"emails": "ana@example.org\nbruno@example.org", "gatherings": [first.pk, second.pk], "note": "Retreat list"},
    )

    assert response.status_code == 302
    assert set(Attendance.objects.values_list("user", "gathering", "source")) == {
        (user.pk, gathering.pk, "granted") for user in (ana, bruno) for gathering in (first, second)
    }
    entries = [LogEntry.objects.get_for_object(gathering).filter(actor=staff).count() for gathering in (first, second)]
    assert entries == [1, 1]  # one per gathering (and one per attendance row, as for any staff write)


def test_the_grant_page_lists_unknown_emails_and_grants_nothing(staff_client):
    gathering = _on_request()
    factories.make_user(email="ana@example.org")

    response = staff_client.post(
        reverse("admin:retreats_attendance_grant"),
        {"emails": "ana@example.org, nobody@example.org", "gatherings": [gathering.pk]},
    )

    assert response.status_code == 200
    assert response.context["unknown"] == ["nobody@example.org"]
    assert "nobody@example.org" in response.content.decode()
    assert not Attendance.objects.exists()


def test_the_user_list_action_opens_the_grant_page_with_the_users(staff_client):
    ana, bruno = factories.make_user(email="ana@example.org"), factories.make_user(email="bruno@example.org")

    response = staff_client.post(
        reverse("admin:accounts_user_changelist"),
        {"action": "grant_access_to_users", "_selected_action": [ana.pk, bruno.pk]},
    )
    page = staff_client.get(response["Location"])

    assert page.status_code == 200
    assert page.context["form"].initial["emails"].split("\n") == ["ana@example.org", "bruno@example.org"]


def test_the_gathering_page_saves_a_grant_inline_through_the_service(staff_client, staff):
    gathering, user = _on_request(), factories.make_user(email="ana@example.org")
    url = reverse("admin:retreats_retreat_change", args=[gathering.pk])
    form = staff_client.get(url).context["adminform"].form
    data = {name: value for name, value in form.initial.items() if value is not None}
    data.update(
        {
            "groups": [],
            "teachers": [],
            "places": [],
            "sessions-TOTAL_FORMS": 0,
            "sessions-INITIAL_FORMS": 0,
            "attendances-TOTAL_FORMS": 1,
            "attendances-INITIAL_FORMS": 0,
            "attendances-0-user": user.pk,
            "attendances-0-source": "granted",
            "attendances-0-note": "By phone",
        }
    )

    response = staff_client.post(url, data)

    assert response.status_code == 302, response.context and response.context["errors"]
    grant = Attendance.objects.get()
    assert (grant.user, grant.source, grant.granted_by) == (user, "granted", staff)
    assert (
        LogEntry.objects.get_for_object(gathering)
        .filter(additional_data__message__icontains="ana@example.org")
        .exists()
    )


def test_the_user_page_shows_the_users_attendance_and_grants(staff_client):
    gathering, user = _on_request(), factories.make_user()
    factories.make_grant(user, gathering, note="Asked at the door")

    page = staff_client.get(reverse("admin:accounts_user_change", args=[user.pk])).content.decode()

    assert "Asked at the door" in page


def _csv(text: str):
    return SimpleUploadedFile("attendance.csv", text.encode(), content_type="text/csv")


def test_the_import_dry_run_shows_what_would_be_created_and_changes_nothing(staff_client):
    gathering = factories.make_retreat(slug="summer-2024", audience="event-participants")
    factories.make_user(email="ana@example.org")

    response = staff_client.post(
        reverse("admin:retreats_attendance_import"),
        {
            "file": _csv(
                f"email,gathering\nana@example.org,summer-2024\nnobody@example.org,{gathering.uuid}\nana@example.org,nope\n"
            ),
            "dry_run": "on",
        },
    )

    report = response.context["report"]
    assert report.to_create == [("ana@example.org", "summer-2024")]
    assert report.unknown_emails == ["nobody@example.org"]
    assert report.unknown_gatherings == ["nope"]
    assert "Dry run" in response.content.decode()
    assert not Attendance.objects.exists()


def test_the_import_creates_the_known_attendance_once(staff_client, staff):
    gathering = factories.make_retreat(slug="summer-2024", audience="event-participants")
    ana = factories.make_user(email="ana@example.org")
    csv_text = "ana@example.org,summer-2024\nnobody@example.org,summer-2024\n"

    staff_client.post(reverse("admin:retreats_attendance_import"), {"file": _csv(csv_text)})
    again = staff_client.post(reverse("admin:retreats_attendance_import"), {"file": _csv(csv_text)})

    attendance = Attendance.objects.get()
    assert (attendance.user, attendance.gathering, attendance.source) == (ana, gathering, "imported")
    assert again.context["report"].existing == [("ana@example.org", "summer-2024")]
    assert AccessProfile.for_user(ana).can_play_retreat(gathering)
    assert LogEntry.objects.get_for_object(gathering).filter(actor=staff).count() == 1


# --- API ----------------------------------------------------------------------------------


def test_a_listener_sees_their_grants_and_attendances(user_api, user, staff):
    granted = _on_request()
    attended = factories.make_retreat(audience="event-participants", name="Summer", name_pt="Verão")
    factories.make_attendance(user, attended, source="imported")
    services.access_grant(users=[user], gatherings=[granted], granted_by=staff, note="By email")
    factories.make_grant(user, factories.make_retreat(status="draft"))  # drafts are not shown
    factories.make_grant(factories.make_user(), granted)  # nor anyone else's

    body = user_api.get("/api/v1/user/access").json()

    assert [(g["gathering"]["id"], g["source"], g["note"]) for g in body["grants"]] == [
        (str(granted.uuid), "granted", "By email")
    ]
    assert [(a["gathering"]["name"], a["source"]) for a in body["attendances"]] == [("Summer", "imported")]
    assert body["grants"][0]["createdAt"].endswith("Z")


def test_the_profile_lists_the_same_grants_and_attendances(user_api, user, staff):
    factories.make_attendance(user, factories.make_retreat(audience="event-participants", name_pt="Verão"))
    services.access_grant(users=[user], gatherings=[_on_request()], granted_by=staff, note="By email")

    profile = user_api.get("/api/v1/user/profile").json()

    assert profile["access"] == user_api.get("/api/v1/user/access").json()
    assert [g["note"] for g in profile["access"]["grants"]] == ["By email"]
    assert len(profile["access"]["attendances"]) == 1


def test_the_profile_documents_its_access_section(api):
    schema = api.get("/api/v1/schema", HTTP_ACCEPT="application/vnd.oai.openapi+json").json()
    profile = schema["paths"]["/api/v1/user/profile"]["get"]["responses"]["200"]["content"]["application/json"]
    component = schema["components"]["schemas"][profile["schema"]["$ref"].rsplit("/", 1)[1]]

    assert {"id", "email", "preferences", "access"} <= set(component["properties"])
    access = schema["components"]["schemas"]["UserAccess"]
    assert set(access["properties"]) == {"grants", "attendances"}


def test_the_access_list_needs_a_token(api):
    assert api.get("/api/v1/user/access").status_code == 401
