"""Practices (guided recitations) come first in their session; a session recorded in parts
numbers each track's part (docs/api.md "Content")."""

import pytest
from django.db import IntegrityError, transaction

from tests.factories import make_group, make_retreat, make_session, make_track

pytestmark = pytest.mark.django_db


@pytest.fixture
def session(db):
    session = make_session(make_retreat(groups=[make_group()]), part_number=2)
    make_track(session, order=1, title="Teaching, part 1", part_number=1)
    make_track(session, order=2, title="Teaching, part 2", part_number=2)
    make_track(session, order=3, title="Guru Yoga recitation", is_practice=True)
    return session


def test_it_lists_practices_first_then_by_number(user_api, session):
    body = user_api.get(f"/api/v1/content/gathering/{session.retreat.uuid}").json()

    tracks = body["sessions"][0]["tracks"]
    assert [(t["title"], t["isPractice"], t["partNumber"]) for t in tracks] == [
        ("Guru Yoga recitation", True, None),
        ("Teaching, part 1", False, 1),
        ("Teaching, part 2", False, 2),
    ]
    assert body["sessions"][0]["partNumber"] == 2


def test_the_track_detail_says_its_part_and_whether_it_is_a_practice(user_api, session):
    track = session.tracks.get(order=2)

    body = user_api.get(f"/api/v1/content/track/{track.uuid}").json()

    assert (body["partNumber"], body["isPractice"]) == (2, False)


def test_the_database_refuses_a_part_zero(session):
    with pytest.raises(IntegrityError), transaction.atomic():
        session.tracks.filter(order=1).update(part_number=0)
