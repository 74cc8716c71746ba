"""The aligner backend, the ``align_track`` command and its task."""

import gzip
import io

import orjson
import pytest
from django.core.management import CommandError, call_command

from media import aligners, read_along
from media.tasks import align_track
from tests import factories

pytestmark = pytest.mark.django_db

TEXT = "Good morning. Let us begin with the refuge prayer!\n\nThen we rest."


class SilentAligner:
    """A backend that finds nothing: the failure is recorded on the row."""

    name = "silent"
    approximate = False
    needs_audio = False

    def align(self, source):
        raise aligners.AlignmentError("Nothing heard.")


@pytest.fixture
def track(public_track):
    factories.make_transcript(public_track, pages=(TEXT,))
    return public_track


def test_the_proportional_aligner_spreads_the_words_over_the_duration():
    made = aligners.ProportionalAligner().align(aligners.AlignmentInput(None, TEXT, 60.0, "en"))

    assert made["approximate"] is True
    assert [[w["text"] for w in s["words"]] for s in made["segments"]] == [
        ["Good", "morning."],
        ["Let", "us", "begin", "with", "the", "refuge", "prayer!"],
        ["Then", "we", "rest."],
    ]
    assert made["segments"][0]["start"] == 0.0 and made["segments"][-1]["end"] <= 60.0
    assert read_along.parse(orjson.dumps(made), duration=60.0).word_count == 12


def test_the_proportional_aligner_is_deterministic():
    source = aligners.AlignmentInput(None, TEXT, 60.0, "en")

    assert aligners.ProportionalAligner().align(source) == aligners.ProportionalAligner().align(source)


def test_the_aligner_is_chosen_in_settings(settings):
    settings.READ_ALONG_ALIGNER = "tests.media.test_align_track.SilentAligner"

    assert isinstance(aligners.get_aligner(), SilentAligner)


def test_the_command_aligns_a_track_from_its_transcript(track):
    out = io.StringIO()

    call_command("align_track", str(track.uuid), stdout=out)

    track.refresh_from_db()
    assert track.has_read_along and track.read_along_source == "proportional"
    assert track.read_along_status == "done"
    assert track.read_along_checksum[:12] in out.getvalue()


def test_the_command_takes_a_text_file(public_track, tmp_path):
    text = tmp_path / "talk.txt"
    text.write_text("One two three.", encoding="utf-8")

    call_command("align_track", str(public_track.pk), "--text-file", str(text), stdout=io.StringIO())

    public_track.refresh_from_db()
    served = orjson.loads(gzip.decompress(read_along.read_along_compressed(public_track)))
    assert [w["text"] for w in served["segments"][0]["words"]] == ["One", "two", "three."]


def test_the_command_reports_a_failure(track):
    with pytest.raises(CommandError, match="1 of 1 tracks could not be aligned"):
        call_command(
            "align_track", str(track.uuid), "--aligner", "tests.media.test_align_track.SilentAligner",
            stdout=io.StringIO(), stderr=io.StringIO(),
        )  # fmt: skip

    track.refresh_from_db()
    assert (track.read_along_status, track.read_along_error) == ("failed", "Nothing heard.")
    assert not track.has_read_along


def test_the_command_refuses_an_unknown_track(db):
    with pytest.raises(CommandError, match="No track"):
        call_command("align_track", "7c9e6679-7425-40de-944b-e07fc1f90ae7")


def test_a_track_without_text_fails_with_a_reason(public_track):
    with pytest.raises(CommandError):
        call_command("align_track", str(public_track.uuid), stdout=io.StringIO(), stderr=io.StringIO())

    public_track.refresh_from_db()
    assert public_track.read_along_error == "The transcript has no text to align."


def test_the_task_aligns_a_queued_track(track, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        read_along.read_along_queue(track=track)

    track.refresh_from_db()
    assert track.read_along_status == "done" and track.has_read_along


def test_it_ignores_a_replayed_job(track, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        read_along.read_along_queue(track=track)
    track.refresh_from_db()
    version, updated = track.read_along_checksum, track.updated_at

    assert align_track.apply(args=(track.pk,)).get() is False

    track.refresh_from_db()
    assert (track.read_along_checksum, track.updated_at) == (version, updated)


def test_the_task_returns_quietly_for_a_deleted_track(db):
    assert align_track.apply(args=(987654,)).get() is False
