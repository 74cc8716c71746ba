import datetime

import pytest
from django.core.cache import cache
from django.utils import timezone

from dashboard import selectors
from retreats.models import Track
from tests.factories import make_group, make_retreat, make_session, make_track, make_user

from .data import make_listening

pytestmark = pytest.mark.django_db
URL = "/admin/dashboard/"


def test_it_renders_for_an_empty_database(staff_client):
    response = staff_client.get(URL)

    assert response.status_code == 200
    body = response.content.decode()
    assert "Listening hours per day" in body and "New sign-ups per day" in body
    assert "no data in this period" in body
    assert "<script" not in body.split('id="content-main"')[1]  # charts need no JavaScript


def test_it_is_for_staff_only(client):
    client.force_login(make_user())

    response = client.get(URL)

    assert response.status_code == 302 and "/admin/login/" in response["Location"]


def test_it_is_linked_from_the_admin_index(staff_client):
    assert 'href="/admin/dashboard/"' in staff_client.get("/admin/").content.decode()


def test_it_draws_listening_as_svg_bars(staff_client):
    make_listening(users=20, sessions_per_user=5)

    body = staff_client.get(URL).content.decode()

    assert body.count("<svg") >= 6
    assert 'class="bar"' in body and "Gathering" in body and "% of" in body


def test_it_renders_a_large_database_in_a_bounded_number_of_queries(staff_client, django_assert_max_num_queries):
    make_listening(users=30, sessions_per_user=3, seed=1)
    with django_assert_max_num_queries(20) as small:
        staff_client.get(URL)
    cache.clear()
    make_listening(users=600, sessions_per_user=20, seed=2)

    with django_assert_max_num_queries(len(small.captured_queries)):
        response = staff_client.get(URL)

    assert response.status_code == 200


def test_it_answers_from_the_cache_until_the_filters_change(staff_client, django_assert_max_num_queries):
    staff_client.get(URL)
    with django_assert_max_num_queries(4):  # session, user, groups for the filter form: no figures
        staff_client.get(URL)

    group = make_group()
    response = staff_client.get(URL, {"group": group.pk})

    assert response.status_code == 200
    assert cache.get(
        selectors.Filters(
            start=response.context["filters"].start, end=response.context["filters"].end, group_id=group.pk
        ).cache_key
    )


def test_it_filters_by_group_and_date_range():
    group_a, group_b = make_group(), make_group()
    make_listening(users=10, sessions_per_user=4, group=group_a, seed=3)
    today = timezone.now().date()
    whole = selectors.Filters(start=today - datetime.timedelta(days=40), end=today)

    only_b = selectors.Filters(start=whole.start, end=whole.end, group_id=group_b.pk)
    long_ago = selectors.Filters(start=today - datetime.timedelta(days=400), end=today - datetime.timedelta(days=300))

    assert sum(v for _, v in selectors.listening_hours_per_day(whole)) > 0
    assert sum(v for _, v in selectors.listening_hours_per_day(only_b)) == 0
    assert selectors.most_played_tracks(long_ago) == []


def test_it_counts_processing_failures():
    track = make_track(make_session(make_retreat()), title="Broken <b>file</b>")
    Track.objects.filter(pk=track.pk).update(processing_status="failed", processing_error="ffprobe: invalid data")
    today = timezone.now().date()

    failures = selectors.processing_failures(selectors.Filters(start=today - datetime.timedelta(days=1), end=today))

    assert failures["tracks"] == 1 and failures["latest"][0]["processing_error"] == "ffprobe: invalid data"


def test_it_escapes_titles_in_the_svg(staff_client):
    group, retreats = make_listening(users=3, sessions_per_user=10, seed=4)
    Track.objects.filter(session__retreat__in=retreats).update(title="<script>alert(1)</script>")

    body = staff_client.get(URL).content.decode()

    assert "<script>alert(1)" not in body and "&lt;script&gt;alert(1)" in body


def test_it_keeps_a_reversed_or_huge_range_sane(staff_client):
    response = staff_client.get(URL, {"start": "2026-01-31", "end": "2020-01-01"})

    filters = response.context["filters"]
    assert filters.start <= filters.end and (filters.end - filters.start).days < selectors.MAX_DAYS


def test_it_shows_offline_bundles_by_outcome(staff_client):
    from media.models import DownloadBundle

    expires = timezone.now() + datetime.timedelta(days=1)
    for n, status in enumerate(["ready", "ready", "failed"]):
        DownloadBundle.objects.create(
            request_key=f"k{n}", status=status, expires_at=expires, error="disk full" * (status == "failed")
        )

    body = staff_client.get(URL).content.decode()

    assert "Offline bundles by outcome" in body and "No data source yet" not in body
    bundles = selectors.bundle_outcomes(selectors.Filters(start=timezone.now().date(), end=timezone.now().date()))
    assert bundles["by_status"] == {"ready": 2, "failed": 1} and bundles["latest_failed"][0]["error"] == "disk full"


def test_it_labels_the_bundle_bars_with_the_translated_statuses(staff_client):
    from media.models import DownloadBundle

    expires = timezone.now() + datetime.timedelta(days=1)
    for n, status in enumerate(["ready", "ready", "failed"]):
        DownloadBundle.objects.create(request_key=f"k{n}", status=status, expires_at=expires)

    english = staff_client.get(URL, HTTP_ACCEPT_LANGUAGE="en")
    portuguese = staff_client.get(URL, HTTP_ACCEPT_LANGUAGE="pt")  # same cached figures, other language

    def bars(response):
        return [(row.label, row.value) for row in response.context["charts"]["bundles"].rows]

    assert bars(english) == [("Failed", "1"), ("Ready", "2")]
    assert bars(portuguese) == [("Falhou", "1"), ("Pronto", "2")]
    body = portuguese.content.decode()
    assert ">Pronto</text>" in body and ">ready<" not in body
