"""Staff set a track's languages and its speakers (main first) on the track's page."""

import pytest
from django.urls import reverse

from tests import factories

pytestmark = pytest.mark.django_db


def _post(client, track, **changes):
    data = {
        "session": track.session_id,
        "order": track.order,
        "language": track.language,
        "title": track.title,
        "description": "",
        "transcripts-TOTAL_FORMS": 0,
        "transcripts-INITIAL_FORMS": 0,
        "track_speakers-TOTAL_FORMS": 0,
        "track_speakers-INITIAL_FORMS": 0,
        **changes,
    }
    return client.post(reverse("admin:retreats_track_change", args=[track.pk]), data)


def test_it_saves_languages_and_speakers_in_their_order(staff_client):
    track = factories.make_track(factories.make_session(factories.make_retreat()))
    jkr, kps = factories.make_teacher(abbreviation="JKR"), factories.make_teacher(abbreviation="KPS")

    response = _post(
        staff_client,
        track,
        languages=["pt"],
        **{
            "track_speakers-TOTAL_FORMS": 2,
            "track_speakers-0-position": 1,
            "track_speakers-0-teacher": jkr.pk,
            "track_speakers-1-position": 0,
            "track_speakers-1-teacher": kps.pk,
        },
    )

    assert response.status_code == 302, response.context and response.context["errors"]
    track.refresh_from_db()
    assert track.languages == ["en", "pt"]  # the main language is always in the set
    assert [s.teacher.abbreviation for s in track.track_speakers.order_by("position")] == ["KPS", "JKR"]
    listing = staff_client.get(reverse("admin:retreats_track_changelist"))
    assert "EN + PT" in listing.content.decode() and "KPS, JKR" in listing.content.decode()


def test_it_explains_a_teacher_given_twice(staff_client):
    track = factories.make_track(factories.make_session(factories.make_retreat()))
    jkr = factories.make_teacher(abbreviation="JKR")

    response = _post(
        staff_client,
        track,
        **{
            "track_speakers-TOTAL_FORMS": 2,
            "track_speakers-0-position": 0,
            "track_speakers-0-teacher": jkr.pk,
            "track_speakers-1-position": 1,
            "track_speakers-1-teacher": jkr.pk,
        },
    )

    assert response.status_code == 200
    assert "Please correct the duplicate data for teacher." in response.content.decode()


def test_it_refuses_an_unknown_language(staff_client):
    track = factories.make_track(factories.make_session(factories.make_retreat()))

    response = _post(staff_client, track, languages=["xx"])

    assert response.status_code == 200
    assert "languages" in response.context["adminform"].form.errors


def test_it_saves_a_practice_and_a_part_and_filters_practices(staff_client):
    session = factories.make_session(factories.make_retreat())
    track = factories.make_track(session)
    factories.make_track(session)

    response = _post(staff_client, track, is_practice="on", part_number=2)

    assert response.status_code == 302, response.context and response.context["errors"]
    track.refresh_from_db()
    assert (track.is_practice, track.part_number) == (True, 2)
    listing = staff_client.get(reverse("admin:retreats_track_changelist"), {"is_practice__exact": "1"})
    assert list(listing.context["cl"].result_list) == [track]


def test_it_refuses_a_part_zero(staff_client):
    track = factories.make_track(factories.make_session(factories.make_retreat()))

    response = _post(staff_client, track, part_number=0)

    assert response.status_code == 200
    assert "part_number" in response.context["adminform"].form.errors
