import datetime
import re
from xml.etree import ElementTree

import pytest
from django.core.cache import cache
from django.utils import timezone, translation

from dashboard import charts, selectors, views
from retreats.models import Track
from tests import factories
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
    factories.admin_login(client, make_user())

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
    # session, user, groups and audiences for the filter form (the audiences added one): no figures
    with django_assert_max_num_queries(5):
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


def test_it_filters_by_audience():
    from retreats.models import Retreat

    _group, retreats = make_listening(users=10, sessions_per_user=4, seed=5)
    Retreat.objects.filter(pk__in=[r.pk for r in retreats[:2]]).update(audience="event-participants")
    broken = make_track(make_session(make_retreat(audience="available-on-request-only")))
    Track.objects.filter(pk=broken.pk).update(processing_status="failed")
    today = timezone.now().date()
    span = {"start": today - datetime.timedelta(days=40), "end": today}
    everyone = selectors.Filters(**span)
    participants = selectors.Filters(**span, audience="event-participants")
    on_request = selectors.Filters(**span, audience="available-on-request-only")

    # Only the two event-participants gatherings' listening counts, and it is part of the whole.
    gathering_names = {g["track__session__retreat__name"] for g in selectors.most_played_gatherings(participants)}
    assert gathering_names and gathering_names <= {r.name for r in retreats[:2]}
    hours = sum(v for _, v in selectors.listening_hours_per_day(participants))
    assert 0 < hours < sum(v for _, v in selectors.listening_hours_per_day(everyone))
    assert selectors.most_played_tracks(on_request) == []
    assert (
        selectors.processing_failures(on_request)["tracks"],
        selectors.processing_failures(participants)["tracks"],
    ) == (1, 0)
    assert len({everyone.cache_key, participants.cache_key, on_request.cache_key}) == 3


def test_the_audience_filter_reads_in_the_language_of_the_page(staff_client):
    make_listening(users=3, sessions_per_user=2, seed=9)

    english = staff_client.get(URL, {"audience": "event-participants"}).content.decode()
    portuguese = staff_client.get(URL, {"audience": "event-participants"}, HTTP_ACCEPT_LANGUAGE="pt").content.decode()

    assert '<option value="event-participants" selected>Event participants</option>' in english
    assert "All audiences" in english
    assert '<option value="event-participants" selected>Participantes do evento</option>' in portuguese
    assert "Todos os públicos" in portuguese and "Público" in portuguese
    # The page's figures are those of the chosen audience: none listened to event-participants here.
    filters = staff_client.get(URL, {"audience": "event-participants"}).context["filters"]
    assert filters.audience == "event-participants"
    assert sum(v for _, v in selectors.listening_hours_per_day(filters)) == 0


def test_an_unknown_audience_is_ignored(staff_client):
    response = staff_client.get(URL, {"audience": "nobody"})

    assert response.status_code == 200 and response.context["filters"].audience is None


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


# SVG attributes that hold numbers: a decimal comma ("49,95") makes the browser drop the shape.
NUMERIC_ATTRIBUTES = {"x", "y", "x1", "x2", "y1", "y2", "dx", "dy", "width", "height", "rx", "viewBox"}


def _svgs(body: str) -> list[ElementTree.Element]:
    charts_part = body.split('id="content-main"')[1]
    return [
        ElementTree.fromstring(svg) for svg in re.findall(r'<svg [^>]*role="img".*?</svg>', charts_part, flags=re.S)
    ]


def test_it_writes_svg_numbers_unlocalised_in_portuguese(staff_client):
    make_listening(users=7, sessions_per_user=6, seed=5)

    body = staff_client.get(URL, HTTP_ACCEPT_LANGUAGE="pt").content.decode()

    svgs = _svgs(body)  # well-formed XML
    assert len(svgs) == 6  # every chart but the offline bundles (none made here)
    attributes = [
        (name, value) for svg in svgs for element in svg.iter() for name, value in element.attrib.items()
        if name in NUMERIC_ATTRIBUTES
    ]  # fmt: skip
    assert len(attributes) > 100
    for name, value in attributes:
        for number in value.split():
            assert re.fullmatch(r"-?\d+(\.\d+)?", number), f'{name}="{value}"'
    # Labels are text and follow the language.
    assert "sem. de" in body


def test_it_labels_months_in_the_language_of_the_page():
    day = datetime.date(2026, 2, 3)

    with translation.override("en"):
        english = views._day(day)
    with translation.override("pt"):
        portuguese = views._day(day)

    assert (english, portuguese) == ("3 Feb", "3 Fev")


def _tick_labels(chart) -> list[str]:
    return [tick.label for tick in chart.ticks]


def test_it_counts_people_in_whole_numbers_on_the_axis(staff_client):
    make_listening(users=3, sessions_per_user=4, seed=8)

    response = staff_client.get(URL, HTTP_ACCEPT_LANGUAGE="pt")

    for name in ("listeners", "sign_ups"):
        labels = _tick_labels(response.context["charts"][name])
        assert labels and all(label.isdigit() for label in labels), (name, labels)
        assert len(labels) == len(set(labels))


@pytest.mark.parametrize(
    ("highest", "top", "step"),
    [(0, 1, 1), (0.4, 1, 1), (1, 1, 1), (2, 2, 1), (3, 3, 1), (4, 4, 1), (5, 6, 2), (7, 8, 2), (10, 12, 3),
     (37, 40, 10), (120, 150, 50)],
)  # fmt: skip
def test_whole_number_axes_end_on_a_whole_tick(highest, top, step):
    assert charts.whole_ceiling(highest) == (top, step)
    assert top >= highest and top % step == 0 and top // step <= 4


def test_it_reads_listening_time_as_a_duration(staff_client):
    make_listening(users=4, sessions_per_user=3, seed=9)

    response = staff_client.get(URL)

    listening = response.context["charts"]["listening"]
    assert re.fullmatch(r"\d+:\d\d:\d\d", listening.total)
    assert all(re.fullmatch(r"\d+:\d\d:\d\d", row.value) for row in response.context["charts"]["tracks"].rows)
