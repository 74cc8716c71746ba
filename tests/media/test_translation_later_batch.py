"""A translation uploaded in a later batch than its original pairs with it, and a translation
with no original anywhere is pointed out to staff instead of being saved unpaired in silence."""

import pytest

from retreats.models import Track
from tests import factories

from .test_uploads import _local_upload, _review, _save

pytestmark = pytest.mark.django_db


@pytest.fixture
def session(db):
    factories.make_teacher(name="Jigme Khyentse Rinpoche", abbreviation="JKR")
    return factories.make_session(factories.make_retreat(slug="autumn-2024"), name="Day 1 morning")


def test_it_pairs_a_translation_with_an_original_saved_in_an_earlier_batch(
    staff_client, session, make_audio, django_capture_on_commit_callbacks
):
    first = _local_upload(staff_client, session, "003 JKR - Bodhicitta.mp3", make_audio(1))
    with django_capture_on_commit_callbacks(execute=True):
        assert _save(staff_client, session, _review(staff_client, session, [first["uploadId"]])).status_code == 200

    later = _local_upload(staff_client, session, "003 TRAD - Bodicita.mp3", make_audio(1, frequency=660))
    [row] = _review(staff_client, session, [later["uploadId"]])
    assert (row["originalOrder"], row["warnings"]) == (3, [])

    with django_capture_on_commit_callbacks(execute=True):
        assert _save(staff_client, session, [row]).status_code == 200
    assert Track.objects.get(session=session, language="pt").original == Track.objects.get(
        session=session, language="en"
    )


def test_it_warns_about_a_translation_with_no_original(staff_client, session, make_audio):
    upload = _local_upload(staff_client, session, "004 TRAD - Sem original.mp3", make_audio(1))

    [row] = _review(staff_client, session, [upload["uploadId"]])

    assert row["originalOrder"] is None
    assert row["warnings"] == [
        "A translation of number 4, but this session has no original numbered 4: pair it by hand."
    ]


def test_it_warns_about_a_speaker_code_no_teacher_has(staff_client, session, make_audio):
    upload = _local_upload(staff_client, session, "005 XYZ - Dialogue.mp3", make_audio(1))

    [row] = _review(staff_client, session, [upload["uploadId"]])

    assert row["title"] == "Dialogue"
    assert "Not a known teacher: XYZ" in row["warnings"][0]
