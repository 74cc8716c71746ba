"""A changelist costs the same number of queries with 3 rows as with 30: counts and names
come from annotations and joins, never one query per row."""

from urllib.parse import urlencode

import pytest
from django.db import connection, transaction
from django.test import Client, override_settings
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from retreats.models import Place, Tag
from tests import factories


def _gatherings(n, group, teacher):
    _, retreats = factories.make_catalogue(gatherings=n, sessions=2, tracks=2, group=group)
    for retreat in retreats:
        retreat.teachers.add(teacher)
        retreat.places.add(Place.objects.get_or_create(name="Lisbon", abbreviation="LX")[0])
        for track in retreat.sessions.first().tracks.all():
            track.speakers.add(teacher)
            track.tags.add(Tag.objects.get_or_create(name="Patience", slug="patience")[0])
            factories.make_transcript(track)
    for _ in range(n):
        factories.make_member(factories.make_user(), group)


def _queries(client, url):
    client.get(url)  # warm per-process caches (content types, session) before counting
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200
    return len(captured)


CHANGELISTS = [
    "retreats_retreat",
    "retreats_retreatgroup",
    "retreats_session",
    "retreats_track",
    "retreats_transcript",
    "accounts_user",
    "accounts_groupmembership",
]


class TestChangelists:
    @pytest.fixture(scope="class")
    @classmethod
    def queries_with_three(cls, django_db_setup, django_db_blocker):
        """Each changelist's query count with 3 gatherings (and their sessions, tracks, members);
        then 27 more gatherings for the tests to list. Built once for the class, in a transaction
        rolled back after it."""
        fast_hashing = override_settings(PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"])
        with django_db_blocker.unblock(), transaction.atomic(), fast_hashing:
            client = Client()
            factories.admin_login(client, factories.make_staff())
            group, teacher = factories.make_group(), factories.make_teacher()
            _gatherings(3, group, teacher)
            counts = {name: _queries(client, reverse(f"admin:{name}_changelist")) for name in CHANGELISTS}
            _gatherings(27, group, teacher)
            yield counts
            transaction.set_rollback(True)

    @pytest.mark.parametrize("changelist", CHANGELISTS)
    def test_it_lists_with_a_bounded_number_of_queries(
        self, queries_with_three, staff_client, django_assert_num_queries, changelist
    ):
        url = reverse(f"admin:{changelist}_changelist")
        staff_client.get(url)  # warm per-process caches, as for the count with three

        with django_assert_num_queries(queries_with_three[changelist]):
            staff_client.get(url)


def test_it_edits_a_gathering_with_a_bounded_number_of_queries(staff_client, django_assert_num_queries):
    group, teacher = factories.make_group(), factories.make_teacher()
    _, (small,) = factories.make_catalogue(gatherings=1, sessions=2, tracks=2, group=group)
    _, (big,) = factories.make_catalogue(gatherings=1, sessions=20, tracks=2, group=group)
    small.teachers.add(teacher)
    big.teachers.add(teacher)
    with_two = _queries(staff_client, reverse("admin:retreats_retreat_change", args=[small.pk]))

    with django_assert_num_queries(with_two):
        staff_client.get(reverse("admin:retreats_retreat_change", args=[big.pk]))


def test_it_edits_a_session_with_a_bounded_number_of_queries(staff_client, django_assert_num_queries):
    teacher = factories.make_teacher()
    _, (small, big) = factories.make_catalogue(gatherings=2, sessions=1, tracks=1)
    small_session, big_session = small.sessions.get(), big.sessions.get()
    for i in range(2, 21):
        original = factories.make_track(big_session, order=i, speakers=[teacher])
        factories.make_track(big_session, order=i, language="pt", original=original, speakers=[teacher])
    with_two = _queries(staff_client, reverse("admin:retreats_session_change", args=[small_session.pk]))

    with django_assert_num_queries(with_two):
        staff_client.get(reverse("admin:retreats_session_change", args=[big_session.pk]))


def test_it_edits_a_track_with_a_bounded_number_of_queries(staff_client, django_assert_num_queries):
    _, (retreat,) = factories.make_catalogue(gatherings=1, sessions=1, tracks=2)
    small, big = retreat.sessions.get().tracks.filter(language="en")
    factories.make_transcript(small)
    for language in ("pt", "fr", "es", "de"):
        factories.make_transcript(big, language=language)
    with_one = _queries(staff_client, reverse("admin:retreats_track_change", args=[small.pk]))

    with django_assert_num_queries(with_one):
        staff_client.get(reverse("admin:retreats_track_change", args=[big.pk]))


def test_it_suggests_sessions_with_a_bounded_number_of_queries(staff_client, django_assert_num_queries):
    # The track form's session picker labels each session "gathering · session".
    url = reverse("admin:autocomplete")
    params = {"app_label": "retreats", "model_name": "track", "field_name": "session", "term": "morning"}
    factories.make_catalogue(gatherings=1, sessions=1, tracks=1)
    with_one = _queries(staff_client, f"{url}?{urlencode(params)}")
    factories.make_catalogue(gatherings=10, sessions=1, tracks=1)

    with django_assert_num_queries(with_one):
        response = staff_client.get(url, params)

    assert len(response.json()["results"]) == 11
