import pytest

from media import read_along
from tests.factories import make_catalogue
from tests.media.read_alongs import simple

pytestmark = pytest.mark.django_db


def attach(track):
    read_along.read_along_attach(track=track, document=read_along.parse(simple(), duration=track.duration))


def tracks_of(body):
    return [track for s in body["sessions"] for track in s["tracks"]]


def test_it_flags_the_tracks_that_have_a_read_along(user_api):
    group, [retreat] = make_catalogue(gatherings=1, sessions=1, tracks=2, translations=False)
    first, second = retreat.sessions.get().tracks.order_by("order")
    attach(first)

    body = user_api.get(f"/api/v1/content/gathering/{retreat.uuid}").json()

    assert [(t["id"], t["hasReadAlong"]) for t in tracks_of(body)] == [
        (str(first.uuid), True),
        (str(second.uuid), False),
    ]
    assert user_api.get(f"/api/v1/content/track/{first.uuid}").json()["hasReadAlong"] is True
    assert user_api.get(f"/api/v1/content/track/{second.uuid}").json()["hasReadAlong"] is False


def test_adding_one_changes_the_catalogues_etag(user_api, django_capture_on_commit_callbacks):
    group, [retreat] = make_catalogue(gatherings=1, sessions=1, tracks=1, translations=False)
    etag = user_api.get(f"/api/v1/content/gathering/{retreat.uuid}")["ETag"]

    with django_capture_on_commit_callbacks(execute=True):
        attach(retreat.sessions.get().tracks.get())

    response = user_api.get(f"/api/v1/content/gathering/{retreat.uuid}", HTTP_IF_NONE_MATCH=etag)
    assert response.status_code == 200
    assert tracks_of(response.json())[0]["hasReadAlong"] is True


def test_it_costs_no_extra_query(user_api, django_assert_num_queries, django_capture_on_commit_callbacks):
    _, [retreat] = make_catalogue(gatherings=1, sessions=1, tracks=1)
    attach(retreat.sessions.get().tracks.first())
    with django_assert_num_queries(6):  # the access profile, the gathering, its row, places, sessions, tracks
        user_api.get(f"/api/v1/content/gathering/{retreat.uuid}")

    with django_capture_on_commit_callbacks(execute=True):
        _, [larger] = make_catalogue(gatherings=1, sessions=2, tracks=3)
        for session in larger.sessions.all():
            for track in session.tracks.all():
                attach(track)
    with django_assert_num_queries(5):  # the access profile is cached by now
        body = user_api.get(f"/api/v1/content/gathering/{larger.uuid}").json()
    assert sum(t["hasReadAlong"] for t in tracks_of(body)) == 2 * 3  # English tracks are listed

    track = retreat.sessions.get().tracks.first()
    with django_assert_num_queries(1):  # as test_track_detail.py, less the cached access profile
        assert user_api.get(f"/api/v1/content/track/{track.uuid}").json()["hasReadAlong"] is True
