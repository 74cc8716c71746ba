"""Tracks and transcripts grow past 20,000 rows: their changelists must not COUNT(*) them."""

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from padmakara.admin import LargeTablePaginator
from retreats.models import Track
from tests import factories


def _three_tracks():
    session = factories.make_session(factories.make_retreat())
    for _ in range(3):
        factories.make_track(session)


def _big_table_paginator(queryset):
    paginator = LargeTablePaginator(queryset, 100)
    paginator.estimate_above = 1  # three rows stand in for twenty thousand
    return paginator


def test_it_estimates_an_unfiltered_big_table_from_statistics(postgres, db):
    _three_tracks()
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE retreats_track")
    paginator = _big_table_paginator(Track.objects.all())

    with CaptureQueriesContext(connection) as queries:
        count = paginator.count

    assert count == 3
    assert not any("COUNT(" in q["sql"].upper() for q in queries.captured_queries)


def test_it_counts_exactly_when_filtered(db):
    _three_tracks()
    paginator = _big_table_paginator(Track.objects.filter(language="en", order__lte=2))

    assert paginator.count == 2


def test_it_does_not_count_the_whole_table_a_second_time(staff_client):
    _three_tracks()

    response = staff_client.get(reverse("admin:retreats_track_changelist"), {"language__exact": "en"})

    assert response.context["cl"].full_result_count is None
    assert response.context["cl"].result_count == 3
