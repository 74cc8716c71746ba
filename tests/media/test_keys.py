from media import storage as media_storage
from tests import factories


def test_it_builds_a_readable_key_from_gathering_session_and_track(db):
    retreat = factories.make_retreat(slug="spring-gathering-2024")
    session = factories.make_session(retreat, name="Day 1 Morning", order=3)
    track = factories.make_track(session, order=7, title="The Daily Practice in Three Parts")

    key = media_storage.track_audio_key(track, "001 JKR - The daily practice-(17 April AM).MP3")

    assert key == (
        f"retreats/spring-gathering-2024/03-day-1-morning/007-en-the-daily-practice-in-three-parts-{track.uuid.hex}.mp3"
    )


def test_it_never_uses_the_uploaded_filename(db):
    session = factories.make_session(factories.make_retreat())
    track = factories.make_track(session, order=1, title="Teaching")

    key = media_storage.track_audio_key(track, "../../etc/001 Teaching (copy).m4a")

    assert "copy" not in key and ".." not in key
    assert key.endswith(f"/001-en-teaching-{track.uuid.hex}.m4a")


def test_it_gives_an_original_and_its_translation_different_keys(db):
    session = factories.make_session(factories.make_retreat())
    original = factories.make_track(session, order=1, title="Teaching")
    translation = factories.make_track(session, order=1, title="Teaching", language="pt", original=original)

    assert media_storage.track_audio_key(original, "a.mp3") != media_storage.track_audio_key(translation, "a.mp3")


def test_it_gives_two_sessions_with_the_same_track_name_different_keys(db):
    retreat = factories.make_retreat()
    first = factories.make_track(factories.make_session(retreat, name="Day 1"), order=1, title="Teaching")
    second = factories.make_track(factories.make_session(retreat, name="Day 1"), order=1, title="Teaching")

    assert media_storage.track_audio_key(first, "x.mp3") != media_storage.track_audio_key(second, "x.mp3")


def test_it_names_renditions_and_transcripts_beside_the_track(db):
    track = factories.make_track(factories.make_session(factories.make_retreat()), order=2, title="Refuge")
    transcript = factories.make_transcript(track, language="pt")

    stem = media_storage.track_stem(track)
    assert media_storage.rendition_key(track, "low") == f"{stem}.low.m4a"
    assert media_storage.transcript_key(transcript) == f"{stem}.transcript-pt-{transcript.uuid.hex}.pdf"
