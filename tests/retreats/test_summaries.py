"""The catalogue's read model (retreats/summaries.py): every kind of write keeps the session
and gathering summaries current in its own transaction, through database triggers."""

import pytest
from django.db import connection

from retreats.models import GatheringSummary, Retreat, Session, SessionSummary, Track, Transcript
from tests import factories

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("postgres")]


def gathering(retreat) -> GatheringSummary:
    return GatheringSummary.objects.get(gathering=retreat)


def session_summary(session) -> SessionSummary:
    return SessionSummary.objects.get(session=session)


def test_it_gives_a_new_gathering_an_empty_summary():
    retreat = factories.make_retreat()
    summary = gathering(retreat)
    assert (summary.session_count, summary.track_count, summary.duration, summary.languages) == (0, 0, 0, [])


def test_it_counts_tracks_created_one_by_one():
    retreat = factories.make_retreat()
    session = factories.make_session(retreat)
    original = factories.make_track(session, order=1, duration=100)
    factories.make_track(session, order=1, language="pt", original=original, duration=50, is_practice=True)
    summary = gathering(retreat)
    assert summary.session_count == 1
    assert summary.track_count == 2
    assert (summary.visible_en_count, summary.visible_pt_count, summary.visible_en_pt_count) == (1, 1, 2)
    assert summary.practice_count == 1
    assert summary.duration == 150
    assert summary.languages == ["en", "pt"]
    assert summary.changed_at is not None
    assert session_summary(session).track_count == 2


def test_it_counts_a_bulk_insert():
    retreat = factories.make_retreat()
    sessions = [factories.make_session(retreat) for _ in range(3)]
    Track.objects.bulk_create(
        Track(session=session, order=n, title=f"T{n}", language="en", languages=["en", "tib"], duration=10)
        for session in sessions
        for n in range(1, 5)
    )
    summary = gathering(retreat)
    assert (summary.session_count, summary.track_count, summary.duration) == (3, 12, 120)
    assert summary.languages == ["en", "tib"]
    assert [session_summary(s).track_count for s in sessions] == [4, 4, 4]


def test_it_follows_an_update_of_languages_duration_and_practice():
    retreat = factories.make_retreat()
    session = factories.make_session(retreat)
    factories.make_track(session, duration=10)
    Track.objects.filter(session=session).update(languages=["en", "fr"], duration=30, is_practice=True)
    summary = gathering(retreat)
    assert (summary.languages, summary.duration, summary.practice_count) == (["en", "fr"], 30, 1)


def test_it_shows_the_whole_session_to_a_listener_of_a_language_it_lacks():
    retreat = factories.make_retreat()
    english, tibetan = factories.make_session(retreat), factories.make_session(retreat)
    factories.make_track(english)
    factories.make_track(english, order=2)
    factories.make_track(tibetan, language="tib")
    summary = gathering(retreat)
    # Portuguese is heard nowhere: every track of each session; English: 2, plus the Tibetan one.
    assert (summary.visible_en_count, summary.visible_pt_count, summary.visible_en_pt_count) == (3, 3, 3)
    assert summary.languages == ["en", "tib"]


def test_it_moves_a_track_to_another_gathering():
    first, second = factories.make_retreat(), factories.make_retreat()
    track = factories.make_track(factories.make_session(first))
    target = factories.make_session(second)
    Track.objects.filter(pk=track.pk).update(session=target)
    assert (gathering(first).track_count, gathering(second).track_count) == (0, 1)


def test_it_counts_transcripts_on_insert_and_delete():
    retreat = factories.make_retreat()
    track = factories.make_track(factories.make_session(retreat))
    transcript = factories.make_transcript(track)
    factories.make_transcript(track, language="pt")
    assert gathering(retreat).transcript_count == 1  # tracks with a transcript, not transcripts
    Transcript.objects.filter(pk=transcript.pk).delete()
    assert gathering(retreat).transcript_count == 1
    Transcript.objects.filter(track=track).delete()
    assert gathering(retreat).transcript_count == 0


def test_it_follows_deletes_of_tracks_sessions_and_gatherings():
    group, (retreat, other) = factories.make_catalogue(gatherings=2, sessions=2, tracks=2)
    assert gathering(retreat).track_count == 8
    Track.objects.filter(session__retreat=retreat, language="pt").delete()
    assert gathering(retreat).track_count == 4
    session = retreat.sessions.first()
    session.delete()
    assert (gathering(retreat).session_count, gathering(retreat).track_count) == (1, 2)
    assert not SessionSummary.objects.filter(session_id=session.pk).exists()
    retreat.delete()
    assert not GatheringSummary.objects.filter(gathering_id=retreat.pk).exists()
    assert gathering(other).track_count == 8


def test_it_moves_a_session_to_another_gathering():
    first, second = factories.make_retreat(), factories.make_retreat()
    session = factories.make_session(first)
    factories.make_track(session)
    Session.objects.filter(pk=session.pk).update(retreat=second, order=99)
    assert (gathering(first).session_count, gathering(second).session_count) == (0, 1)
    assert gathering(second).track_count == 1


def test_it_counts_a_raw_sql_write():
    retreat = factories.make_retreat()
    session = factories.make_session(retreat)
    with connection.cursor() as cursor:
        cursor.execute(
            'INSERT INTO retreats_track (uuid, session_id, title, description, "order", language, languages,'
            " original_language, is_practice, audio_file, duration, file_size, checksum, processing_status,"
            " processing_error, renditions, search_hash, read_along_checksum, read_along_file, read_along_source,"
            " read_along_status, read_along_error, created_at, updated_at)"
            " VALUES (gen_random_uuid(), %s, 'Raw', '', 1, 'pt', '[\"pt\"]', 'pt', false, '', 60, 0, '',"
            " 'pending', '', '{}', '', '', '', '', '', '', now(), now())",
            [session.pk],
        )
    assert (gathering(retreat).track_count, gathering(retreat).languages) == (1, ["pt"])


def test_every_gathering_has_a_summary():
    factories.make_catalogue(gatherings=3)
    assert GatheringSummary.objects.count() == Retreat.objects.count()
    assert SessionSummary.objects.count() == Session.objects.count()
