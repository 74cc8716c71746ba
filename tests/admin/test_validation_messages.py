"""Constraint violations reach staff as form errors they can read, never as an IntegrityError."""

import datetime

from django.urls import reverse

from retreats.models import Retreat, Track
from tests import factories


def _errors(response):
    """Every error shown on the page: field, form-wide and inline ones."""
    errors = [str(e) for e in response.context["errors"]]
    for formset in response.context["inline_admin_formsets"]:
        errors += [str(e) for e in formset.formset.non_form_errors()]
        errors += [str(e) for form_errors in formset.formset.errors for e in form_errors.values()]
    return " ".join(errors)


def _inline_management(prefix, total=0, initial=0):
    return {f"{prefix}-TOTAL_FORMS": total, f"{prefix}-INITIAL_FORMS": initial}


def test_it_explains_an_end_date_before_the_start_date(staff_client):
    response = staff_client.post(
        reverse("admin:retreats_retreat_add"),
        {
            "name": "Backwards",
            "slug": "backwards",
            "start_date": "2024-05-10",
            "end_date": "2024-05-01",
            "status": "draft",
            "audience": "free-anyone",
            "required_plan": "basic",
            **_inline_management("sessions"),
        },
    )

    assert response.status_code == 200
    assert "The end date cannot be before the start date." in _errors(response)
    assert "Constraint" not in _errors(response)
    assert not Retreat.objects.exists()


def test_it_explains_a_track_number_taken_in_the_session(staff_client):
    session = factories.make_session(factories.make_retreat())
    factories.make_track(session, order=3, language="en")

    response = staff_client.post(
        reverse("admin:retreats_track_add"),
        {
            "session": session.pk,
            "order": 3,
            "language": "en",
            "title": "Same number",
            **_inline_management("transcripts"),
            **_inline_management("track_speakers"),
        },
    )

    assert response.status_code == 200
    assert "This session already has a track number 3 in English." in _errors(response)
    assert session.tracks.count() == 1


def test_it_accepts_the_same_number_in_another_language(staff_client):
    session = factories.make_session(factories.make_retreat())
    original = factories.make_track(session, order=3, language="en")

    response = staff_client.post(
        reverse("admin:retreats_track_add"),
        {
            "session": session.pk,
            "order": 3,
            "language": "pt",
            "title": "Tradução",
            "original": original.pk,
            **_inline_management("transcripts"),
            **_inline_management("track_speakers"),
        },
    )

    assert response.status_code == 302
    assert session.tracks.get(language="pt").original == original


def test_it_explains_duplicate_numbers_among_inline_tracks(staff_client):
    session = factories.make_session(factories.make_retreat())
    first, second = factories.make_track(session, order=1), factories.make_track(session, order=2)
    data = {
        "retreat": session.retreat.pk,
        "order": session.order,
        "name": session.name,
        "type": session.type,
        **_inline_management("tracks", total=2, initial=2),
    }
    for i, track in enumerate([first, second]):
        data.update(
            {
                f"tracks-{i}-id": track.pk,
                f"tracks-{i}-session": session.pk,
                f"tracks-{i}-order": 1,
                f"tracks-{i}-title": track.title,
                f"tracks-{i}-language": "en",
            }
        )

    response = staff_client.post(reverse("admin:retreats_session_change", args=[session.pk]), data)

    assert response.status_code == 200
    assert "Please correct the duplicate data for language and number, which must be unique." in _errors(response)
    assert sorted(session.tracks.values_list("order", flat=True)) == [1, 2]


def test_it_renumbers_inline_tracks(staff_client):
    session = factories.make_session(factories.make_retreat())
    track = factories.make_track(session, order=1)
    data = {
        "retreat": session.retreat.pk,
        "order": session.order,
        "name": session.name,
        "type": session.type,
        **_inline_management("tracks", total=1, initial=1),
        "tracks-0-id": track.pk,
        "tracks-0-session": session.pk,
        "tracks-0-order": 7,
        "tracks-0-title": track.title,
        "tracks-0-language": "en",
    }

    response = staff_client.post(reverse("admin:retreats_session_change", args=[session.pk]), data)

    assert response.status_code == 302
    track.refresh_from_db()
    assert track.order == 7


def test_it_explains_a_track_that_is_its_own_original(staff_client):
    track = factories.make_track(factories.make_session(factories.make_retreat()))

    response = staff_client.post(
        reverse("admin:retreats_track_change", args=[track.pk]),
        {
            "session": track.session_id,
            "order": track.order,
            "language": track.language,
            "title": track.title,
            "original": track.pk,
            **_inline_management("transcripts"),
            **_inline_management("track_speakers"),
        },
    )

    assert response.status_code == 200
    assert "A track cannot be its own original." in _errors(response)
    assert Track.objects.get(pk=track.pk).original is None


def test_it_explains_a_second_transcript_in_the_same_language(staff_client):
    track = factories.make_track(factories.make_session(factories.make_retreat()))
    factories.make_transcript(track, language="en")

    response = staff_client.post(reverse("admin:retreats_transcript_add"), {"track": track.pk, "language": "en"})

    assert response.status_code == 200
    assert "Transcript with this Track and Language already exists." in _errors(response)


def test_it_explains_a_session_order_taken_in_the_gathering(staff_client):
    retreat = factories.make_retreat(start_date=datetime.date(2024, 5, 1))
    factories.make_session(retreat, order=1)

    response = staff_client.post(
        reverse("admin:retreats_session_add"),
        {"retreat": retreat.pk, "order": 1, "name": "Again", "type": "morning", **_inline_management("tracks")},
    )

    assert response.status_code == 200
    assert "Session with this Gathering and Order already exists." in _errors(response)


def test_it_explains_a_gathering_listed_twice_in_a_group(staff_client):
    group, retreat = factories.make_group(), factories.make_retreat()
    data = {"name": group.name, "slug": group.slug, "order": 0, **_inline_management("Retreat_groups", total=2)}
    for i in range(2):
        data[f"Retreat_groups-{i}-retreat"] = retreat.pk

    response = staff_client.post(reverse("admin:retreats_retreatgroup_change", args=[group.pk]), data)

    assert response.status_code == 200
    assert "Please correct the duplicate data for gathering." in _errors(response)
