"""A gathering's folder: its sub-folders become sessions, proposed from their names (date,
morning/afternoon) for staff to correct, then created in the order they happened."""

import datetime

import pytest
from django.urls import reverse

from media.filenames import parse_folder_name
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("folder", "date", "type"),
    [
        ("2024-05-12 AM", datetime.date(2024, 5, 12), "morning"),
        ("2024-05-12 PM", datetime.date(2024, 5, 12), "afternoon"),
        ("12 Maio manhã", datetime.date(2024, 5, 12), "morning"),
        ("13 de Maio tarde", datetime.date(2024, 5, 13), "afternoon"),
        ("Day 2 - 13 May evening", datetime.date(2024, 5, 13), "evening"),
        ("Extras", None, "other"),
    ],
)
def test_it_reads_the_date_and_part_of_day_from_a_folder_name(folder, date, type):
    parsed = parse_folder_name(folder, default_year=2024)

    assert (parsed.date, parsed.type, parsed.name) == (date, type, folder)


def test_it_proposes_sessions_in_the_order_they_happened_and_saves_nothing(staff_client):
    retreat = factories.make_retreat(start_date=datetime.date(2024, 5, 11))

    response = staff_client.post(
        reverse("admin:media_folder_sessions", args=[retreat.pk]),
        {"folders": ["12 Maio tarde", "Extras", "2024-05-12 AM", "11 May PM"]},
        content_type="application/json",
    )

    assert response.status_code == 200
    assert [(s["folder"], s["date"], s["type"]) for s in response.json()["sessions"]] == [
        ("11 May PM", "2024-05-11", "afternoon"),
        ("2024-05-12 AM", "2024-05-12", "morning"),
        ("12 Maio tarde", "2024-05-12", "afternoon"),
        ("Extras", None, "other"),
    ]
    assert retreat.sessions.count() == 0


def test_it_creates_the_corrected_sessions_after_the_existing_ones(staff_client):
    retreat = factories.make_retreat()
    factories.make_session(retreat, order=1, name="Opening")
    sessions = [
        {"folder": "2024-05-12 AM", "name": "Day 1 morning", "date": "2024-05-12", "type": "morning"},
        {"folder": "12 Maio tarde", "name": "Day 1 afternoon", "date": "2024-05-12", "type": "afternoon"},
    ]

    response = staff_client.post(
        reverse("admin:media_folder_sessions_create", args=[retreat.pk]), {"sessions": sessions},
        content_type="application/json",
    )  # fmt: skip

    assert response.status_code == 200
    created = response.json()["sessions"]
    assert [s["folder"] for s in created] == ["2024-05-12 AM", "12 Maio tarde"]
    rows = list(retreat.sessions.order_by("order").values_list("order", "name", "date", "type"))
    assert rows == [
        (1, "Opening", datetime.date(2024, 3, 15), "morning"),
        (2, "Day 1 morning", datetime.date(2024, 5, 12), "morning"),
        (3, "Day 1 afternoon", datetime.date(2024, 5, 12), "afternoon"),
    ]
    assert created[0]["startUrl"] == reverse("admin:media_upload_start", args=[created[0]["sessionId"]])


def test_it_creates_none_when_one_is_wrong(staff_client):
    retreat = factories.make_retreat()
    sessions = [
        {"folder": "a", "name": "Day 1 morning", "date": "2024-05-12", "type": "morning"},
        {"folder": "b", "name": "", "date": "", "type": "other"},
    ]

    response = staff_client.post(
        reverse("admin:media_folder_sessions_create", args=[retreat.pk]), {"sessions": sessions},
        content_type="application/json", HTTP_ACCEPT_LANGUAGE="pt",
    )  # fmt: skip

    assert response.status_code == 400
    assert response.json()["error"]["details"] == {"b": "A sessão precisa de um nome."}
    assert retreat.sessions.count() == 0


def test_the_folder_page_renders_and_is_linked_from_the_gathering(staff_client):
    retreat = factories.make_retreat()
    url = reverse("admin:media_retreat_upload", args=[retreat.pk])

    assert url in staff_client.get(reverse("admin:retreats_retreat_change", args=[retreat.pk])).content.decode()
    page = staff_client.get(url)
    assert page.status_code == 200
    assert b'data-mode="gathering"' in page.content and b"webkitdirectory" in page.content


def test_the_folder_endpoints_are_for_staff_who_may_add_sessions(client, user):
    retreat = factories.make_retreat()
    clerk = factories.make_user(is_staff=True)
    factories.admin_login(client, clerk)

    assert client.get(reverse("admin:media_retreat_upload", args=[retreat.pk])).status_code == 403
    assert (
        client.post(
            reverse("admin:media_folder_sessions", args=[retreat.pk]),
            {"folders": ["x"]},
            content_type="application/json",
        ).status_code
        == 403
    )
