import uuid

import pytest

from retreats.models import Tag
from tests.factories import make_catalogue, make_group, make_retreat, make_session, make_teacher, make_track

pytestmark = pytest.mark.django_db


def test_it_returns_the_track_with_its_context(user_api):
    group = make_group(name="Mind Training")
    retreat = make_retreat(groups=[group], name="Spring 2024")
    session = make_session(retreat, name="Day 1 morning")
    track = make_track(session, speakers=[make_teacher(name="Jigme Khyentse", abbreviation="JKR")], file_size=1234)
    track.tags.add(Tag.objects.create(name="Compassion"))

    body = user_api.get(f"/api/v1/content/track/{track.uuid}").json()

    assert body["id"] == str(track.uuid)
    assert body["retreat"] == {"id": str(group.uuid), "name": "Mind Training"}
    assert body["gathering"] == {"id": str(retreat.uuid), "name": "Spring 2024"}
    assert body["session"] == {"id": str(session.uuid), "name": "Day 1 morning", "date": "2024-03-15"}
    assert body["speaker"] == {"name": "Jigme Khyentse", "abbreviation": "JKR"}
    assert body["tags"] == ["Compassion"]
    assert body["fileSize"] == 1234
    assert body["hasTranscript"] is False and body["locked"] is False


def test_it_points_a_translation_at_its_original(user_api):
    _, [retreat] = make_catalogue(gatherings=1, sessions=1, tracks=1)
    translation = retreat.sessions.get().tracks.get(language="pt")

    body = user_api.get(f"/api/v1/content/track/{translation.uuid}").json()

    assert body["isTranslation"] is True
    assert body["originalTrackId"] == str(translation.original.uuid)


def test_it_marks_a_locked_track(user_api):
    track = make_track(make_session(make_retreat(audience="retreat-group-members")))

    assert user_api.get(f"/api/v1/content/track/{track.uuid}").json()["locked"] is True


def test_it_hides_tracks_of_drafts(user_api):
    track = make_track(make_session(make_retreat(status="draft")))

    assert user_api.get(f"/api/v1/content/track/{track.uuid}").status_code == 404
    assert user_api.get(f"/api/v1/content/track/{uuid.uuid4()}").status_code == 404


def test_it_costs_a_fixed_number_of_queries(user_api, django_assert_num_queries):
    _, [retreat] = make_catalogue(gatherings=1, sessions=1, tracks=1)
    track = retreat.sessions.get().tracks.get(language="pt")

    # access profile, the track with its context, its gathering's groups, its tags and speakers
    with django_assert_num_queries(2):
        user_api.get(f"/api/v1/content/track/{track.uuid}")
