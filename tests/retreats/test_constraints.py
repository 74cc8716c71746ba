import datetime

import pytest
from django.db import IntegrityError, transaction

from retreats.models import Retreat, Transcript
from tests.factories import make_retreat, make_session, make_track

pytestmark = pytest.mark.django_db


def _violates(create):
    with pytest.raises(IntegrityError), transaction.atomic():
        create()


def test_it_refuses_an_end_date_before_the_start_date():
    _violates(lambda: make_retreat(start_date=datetime.date(2024, 5, 2), end_date=datetime.date(2024, 5, 1)))


def test_it_refuses_two_tracks_with_one_number_and_language_in_a_session():
    session = make_session(make_retreat())
    make_track(session, order=1)

    _violates(lambda: make_track(session, order=1))


def test_it_lets_a_translation_share_its_originals_number():
    session = make_session(make_retreat())
    original = make_track(session, order=1)

    translation = make_track(session, order=1, language="pt", original=original)

    assert translation.is_translation


def test_it_refuses_a_track_that_is_its_own_original():
    track = make_track(make_session(make_retreat()))
    track.original_id = track.pk

    _violates(track.save)


def test_it_refuses_a_second_transcript_in_the_same_language():
    track = make_track(make_session(make_retreat()))
    Transcript.objects.create(track=track, language="en")

    _violates(lambda: Transcript.objects.create(track=track, language="en"))


def test_it_refuses_two_sessions_with_one_order():
    retreat = make_retreat()
    make_session(retreat, order=1)

    _violates(lambda: make_session(retreat, order=1))


def test_it_refuses_a_negative_duration():
    session = make_session(make_retreat())

    _violates(lambda: make_track(session, duration=-1))


@pytest.mark.parametrize(("month", "season"), [(2, "fall"), (3, "spring"), (8, "spring"), (9, "fall"), (12, "fall")])
def test_it_defaults_the_season_from_the_start_month(month, season):
    retreat = make_retreat(start_date=datetime.date(2024, month, 1), end_date=datetime.date(2024, month, 2))

    assert retreat.season == season


def test_it_keeps_a_season_set_by_staff():
    retreat = make_retreat(start_date=datetime.date(2024, 2, 1), season="spring")

    assert retreat.season == "spring"


def test_it_stamps_the_publication_date():
    retreat = make_retreat(status="published")

    assert retreat.published_at is not None


def test_it_refuses_a_published_gathering_without_a_publication_date():
    retreat = make_retreat(status="published")

    # An update skips save(), which stamps the date: only the database can refuse it.
    _violates(lambda: Retreat.objects.filter(pk=retreat.pk).update(published_at=None))
    _violates(lambda: Retreat.objects.filter(pk=make_retreat(status="draft").pk).update(status="published"))
