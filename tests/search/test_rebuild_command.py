import io

import pytest
from django.core.management import call_command

from retreats.models import Track

from .content import track_in, transcript_of

pytestmark = pytest.mark.django_db


def rebuild(*args):
    out = io.StringIO()
    call_command("rebuild_search_index", *args, stdout=out)
    return out.getvalue()


def test_it_shows_progress_and_what_it_did(postgres):
    for _ in range(3):
        transcript_of(track_in(), ["One.", "Two."])

    output = rebuild("--batch-size", "2")

    assert "tracks       [####################..........]  66% 2/3" in output
    assert "transcripts  [##############################] 100% 3/3" in output
    assert "3 tracks and 6 transcript pages re-indexed" in output


def test_it_indexes_nothing_twice(postgres):
    transcript_of(track_in(), ["One.", "Two."])
    rebuild()

    assert "0 tracks and 0 transcript pages re-indexed" in rebuild()
    assert "1 tracks and 2 transcript pages re-indexed" in rebuild("--force")


def test_it_indexes_rows_written_without_signals(postgres):
    track = track_in(title="Lojong")
    rebuild()
    Track.objects.filter(pk=track.pk).update(title="Tonglen")

    assert "1 tracks and 0 transcript pages" in rebuild()
    track.refresh_from_db()
    assert "tonglen" in track.search_vector


def test_it_has_nothing_to_store_on_sqlite(settings):
    settings.SEARCH_BACKEND = "substring"
    track_in()

    assert "(substring): 0 tracks and 0 transcript pages re-indexed" in rebuild("--no-progress")
