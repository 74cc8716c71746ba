import datetime

import pytest
from django.urls import reverse

from retreats.models import Retreat, Tag
from tests import factories

RETREATS = reverse("admin:retreats_retreat_changelist")
TRACKS = reverse("admin:retreats_track_changelist")


def _listed(response):
    return list(response.context["cl"].result_list)


@pytest.fixture
def spring_2023(db):
    return factories.make_retreat(
        name="Spring in Lisbon", name_pt="Primavera em Lisboa", slug="lisbon-2023", start_date=datetime.date(2023, 4, 2)
    )


@pytest.fixture
def fall_2024(db):
    return factories.make_retreat(name="Autumn teachings", slug="autumn-2024", start_date=datetime.date(2024, 10, 5))


def test_it_filters_gatherings_by_year(staff_client, spring_2023, fall_2024):
    assert _listed(staff_client.get(RETREATS, {"year": "2023"})) == [spring_2023]


def test_it_offers_only_the_years_that_have_gatherings(staff_client, spring_2023, fall_2024):
    response = staff_client.get(RETREATS)
    year_filter = next(f for f in response.context["cl"].filter_specs if f.parameter_name == "year")
    assert [value for value, _ in year_filter.lookup_choices] == ["2024", "2023"]


def test_it_filters_gatherings_by_season(staff_client, spring_2023, fall_2024):
    assert _listed(staff_client.get(RETREATS, {"season__exact": "fall"})) == [fall_2024]


def test_it_filters_gatherings_by_status(staff_client, spring_2023, fall_2024):
    Retreat.objects.filter(pk=fall_2024.pk).update(status="draft", published_at=None)
    assert _listed(staff_client.get(RETREATS, {"status__exact": "draft"})) == [fall_2024]


def test_it_filters_gatherings_by_group(staff_client, spring_2023, fall_2024):
    group = factories.make_group()
    spring_2023.groups.add(group)
    assert _listed(staff_client.get(RETREATS, {"groups__id__exact": group.pk})) == [spring_2023]


def test_it_filters_gatherings_by_teacher(staff_client, spring_2023, fall_2024):
    teacher = factories.make_teacher()
    fall_2024.teachers.add(teacher)
    assert _listed(staff_client.get(RETREATS, {"teachers__id__exact": teacher.pk})) == [fall_2024]


def test_it_finds_gatherings_by_portuguese_name(staff_client, spring_2023, fall_2024):
    assert _listed(staff_client.get(RETREATS, {"q": "lisboa"})) == [spring_2023]


def test_it_finds_gatherings_by_slug(staff_client, spring_2023, fall_2024):
    assert _listed(staff_client.get(RETREATS, {"q": "autumn-2024"})) == [fall_2024]


def test_it_shows_counts_and_total_duration(staff_client, spring_2023):
    session = factories.make_session(spring_2023)
    factories.make_session(spring_2023)
    factories.make_track(session, duration=3600)
    factories.make_track(session, duration=1800 + 29)

    response = staff_client.get(RETREATS)

    row = _listed(response)[0]
    assert (row.session_count, row.track_count) == (2, 2)
    assert "1:30" in response.content.decode()


def test_it_keeps_totals_right_when_filtering_by_teacher(staff_client, spring_2023):
    # A JOIN for the filter must not multiply the rows being summed.
    spring_2023.teachers.add(factories.make_teacher(), teacher := factories.make_teacher())
    factories.make_track(factories.make_session(spring_2023), duration=600)

    row = _listed(staff_client.get(RETREATS, {"teachers__id__exact": teacher.pk}))[0]

    assert (row.track_count, row.total_seconds) == (1, 600)


@pytest.fixture
def tracks(spring_2023, fall_2024):
    speaker = factories.make_teacher(name="Jigme Khyentse", abbreviation="JKR")
    original = factories.make_track(factories.make_session(spring_2023), title="On patience", speakers=[speaker])
    translation = factories.make_track(
        original.session, order=original.order, language="pt", title="Sobre a paciência", original=original
    )
    other = factories.make_track(factories.make_session(fall_2024), title="On compassion", processing_status="ready")
    return original, translation, other


def test_it_filters_tracks_by_language(staff_client, tracks):
    assert _listed(staff_client.get(TRACKS, {"language__exact": "pt"})) == [tracks[1]]


def test_it_filters_tracks_by_processing_status(staff_client, tracks):
    assert _listed(staff_client.get(TRACKS, {"processing_status__exact": "ready"})) == [tracks[2]]


def test_it_filters_tracks_by_gathering(staff_client, tracks, fall_2024):
    assert _listed(staff_client.get(TRACKS, {"session__retreat__id__exact": fall_2024.pk})) == [tracks[2]]


def test_it_filters_tracks_by_speaker(staff_client, tracks):
    speaker = tracks[0].speakers.get()
    assert _listed(staff_client.get(TRACKS, {"speakers__id__exact": speaker.pk})) == [tracks[0]]


def test_it_filters_tracks_by_tag(staff_client, tracks):
    tag = Tag.objects.create(name="Patience")
    tracks[1].tags.add(tag)
    assert _listed(staff_client.get(TRACKS, {"tags__id__exact": tag.pk})) == [tracks[1]]


def test_it_finds_tracks_by_title(staff_client, tracks):
    assert _listed(staff_client.get(TRACKS, {"q": "compassion"})) == [tracks[2]]


def test_it_suggests_gatherings_to_add_to_a_group(staff_client, spring_2023, fall_2024):
    response = staff_client.get(
        reverse("admin:autocomplete"),
        {"app_label": "retreats", "model_name": "retreat_groups", "field_name": "retreat", "term": "lisboa"},
    )

    assert [r["text"] for r in response.json()["results"]] == ["Spring in Lisbon"]
