"""A track's languages are a set holding its main language; its speakers a list, main first."""

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from retreats.models import Track, TrackSpeaker, language_set
from tests.factories import make_retreat, make_session, make_teacher, make_track

pytestmark = pytest.mark.django_db


def test_it_keeps_the_main_language_in_the_set_in_a_fixed_order():
    track = make_track(make_session(make_retreat()), language="pt", languages=["tib", "pt", "tib"])

    assert track.languages == ["pt", "tib"]
    assert track.original_language == "pt"


def test_it_takes_the_original_language_of_a_translation_from_its_original():
    session = make_session(make_retreat())
    original = make_track(session, language="tib")

    translation = make_track(session, language="pt", original=original, order=original.order)

    assert translation.original_language == "tib"


def test_the_database_refuses_a_set_without_the_main_language():
    track = make_track(make_session(make_retreat()))

    with pytest.raises(IntegrityError), transaction.atomic():
        Track.objects.filter(pk=track.pk).update(languages=["pt"])


def test_it_refuses_unknown_language_codes():
    with pytest.raises(ValueError, match="xx"):
        language_set(["en", "xx"])
    track = Track(session=make_session(make_retreat()), title="T", languages=["klingon"])
    with pytest.raises(ValidationError) as error:
        track.full_clean()
    assert "languages" in error.value.message_dict


def test_a_teacher_speaks_once_per_track_and_a_position_holds_one_teacher():
    jkr, kps = make_teacher(abbreviation="JKR"), make_teacher(abbreviation="KPS")
    track = make_track(make_session(make_retreat()), speakers=[kps, jkr])

    assert [s.teacher.abbreviation for s in track.track_speakers.order_by("position")] == ["KPS", "JKR"]
    with pytest.raises(IntegrityError), transaction.atomic():
        TrackSpeaker.objects.create(track=track, teacher=jkr, position=5)
    with pytest.raises(IntegrityError), transaction.atomic():
        TrackSpeaker.objects.create(track=track, teacher=make_teacher(abbreviation="PWR"), position=0)
