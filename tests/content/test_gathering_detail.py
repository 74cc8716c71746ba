import uuid

import pytest

from tests.factories import make_catalogue, make_retreat, make_session, make_track

pytestmark = pytest.mark.django_db


def test_it_returns_one_gathering_with_sessions(user_api):
    _, [retreat] = make_catalogue(gatherings=1, sessions=2, tracks=1)

    body = user_api.get(f"/api/v1/content/gathering/{retreat.uuid}").json()

    assert body["id"] == str(retreat.uuid)
    assert body["sessionCount"] == 2 and body["trackCount"] == 2
    assert len(body["sessions"]) == 2
    assert body["locked"] is False


def test_it_serves_a_gathering_that_belongs_to_no_group(user_api):
    retreat = make_retreat(audience="retreat-group-members")
    make_track(make_session(retreat))

    body = user_api.get(f"/api/v1/content/gathering/{retreat.uuid}").json()

    assert body["locked"] is True
    assert body["trackCount"] == 1


def test_it_answers_404_for_a_draft(user_api):
    retreat = make_retreat(status="draft")

    assert user_api.get(f"/api/v1/content/gathering/{retreat.uuid}").status_code == 404
    assert user_api.get(f"/api/v1/content/gathering/{uuid.uuid4()}/").status_code == 404


def test_it_accepts_a_trailing_slash_without_redirecting(user_api):
    _, [retreat] = make_catalogue(gatherings=1, sessions=1, tracks=1)

    assert user_api.get(f"/api/v1/content/gathering/{retreat.uuid}/").status_code == 200


def test_it_costs_the_same_queries_for_few_and_many_tracks(user_api, django_assert_num_queries):
    _, [small] = make_catalogue(gatherings=1, sessions=1, tracks=1)
    _, [large] = make_catalogue(gatherings=1, sessions=6, tracks=10)
    # the access profile, the gathering, its summary row, its places, its sessions, their tracks
    with django_assert_num_queries(6):
        user_api.get(f"/api/v1/content/gathering/{small.uuid}")
    # the same, less the access profile (cached since the first request)
    with django_assert_num_queries(5):
        body = user_api.get(f"/api/v1/content/gathering/{large.uuid}").json()
    assert (body["trackCount"], body["duration"], body["languages"]) == (60, 120 * 1800.0, ["en", "pt"])
