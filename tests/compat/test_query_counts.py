"""The app's hottest calls cost the same few queries whatever the size of the catalogue."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests import factories

from .conftest import access_token

pytestmark = pytest.mark.django_db


def grow(gatherings: int, group) -> list:
    retreats = []
    for _ in range(gatherings):
        retreat = factories.make_retreat(groups=[group], audience="free-subscribers")
        retreat.teachers.add(factories.make_teacher())
        for _session in range(2):
            session = factories.make_session(retreat)
            for _track in range(3):
                factories.make_transcript(factories.make_track(session))
        retreats.append(retreat)
    return retreats


def queries(client, path: str) -> int:
    client.get(path)  # the access facts are cached after a first request
    with CaptureQueriesContext(connection) as captured:
        assert client.get(path).status_code == 200
    return len(captured)


@pytest.fixture
def subscriber_client(api):
    user = factories.make_subscriber()
    user.cognito_sub = str(user.uuid)
    user.save(update_fields=["cognito_sub"])
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {access_token(user)}")
    return api


@pytest.mark.parametrize("path", ["/api/events", "/api/events/public", "/api/groups", "/api/sync/versions"])
def test_it_lists_in_constant_queries(subscriber_client, path):
    group = factories.make_group()
    grow(1, group)
    small = queries(subscriber_client, path)
    grow(6, group)
    assert queries(subscriber_client, path) == small


def test_it_lists_events_in_six_queries(subscriber_client, django_assert_num_queries):
    grow(3, factories.make_group())
    subscriber_client.get("/api/events")  # the access facts are cached after the first request
    # user, events, teachers, places, groups (+1: the access facts' cache is per access version)
    with django_assert_num_queries(5):
        subscriber_client.get("/api/events")


def test_it_reads_an_event_in_constant_queries(subscriber_client, django_assert_num_queries):
    small, big = grow(1, factories.make_group())[0], None
    group = factories.make_group()
    big = grow(1, group)[0]
    for _ in range(5):
        session = factories.make_session(big)
        for _track in range(4):
            factories.make_transcript(factories.make_track(session))
    subscriber_client.get(f"/api/events/{small.pk}")
    assert queries(subscriber_client, f"/api/events/{small.pk}") == queries(subscriber_client, f"/api/events/{big.pk}")
    # user, the access check, gathering, teachers, places, groups, sessions, tracks, transcripts
    with django_assert_num_queries(9):
        subscriber_client.get(f"/api/events/{big.pk}")


def test_it_tells_sync_versions_in_two_queries(subscriber_client, django_assert_num_queries):
    with django_assert_num_queries(2):  # the user (authentication), the counters
        subscriber_client.get("/api/sync/versions")
