"""Search vectors follow the content: a task after each change, never twice for the same text."""

import pytest
from django.contrib.postgres.search import SearchQuery
from django.core.files.base import ContentFile
from django.db import connection

from retreats import search, tasks
from retreats.models import Track, TranscriptPage
from tests.factories import make_retreat, make_session, make_track

from .content import track_in, transcript_of

pytestmark = [pytest.mark.django_db, pytest.mark.postgres, pytest.mark.usefixtures("postgres")]


def row_version(model, pk):
    """PostgreSQL's xmin: it changes whenever the row is written."""
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT xmin::text FROM {model._meta.db_table} WHERE id = %s", [pk])
        return cursor.fetchone()[0]


def test_it_indexes_a_track_once_its_save_commits(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        track = track_in(title="Lojong slogans", description="Train in the three objects.")

    track.refresh_from_db()
    assert track.search_hash
    assert "'lojong':1A" in track.search_vector and "'object':" in track.search_vector


def test_it_reindexes_a_changed_title(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        track = track_in(title="Lojong")
    with django_capture_on_commit_callbacks(execute=True):
        track.title = "Tonglen"
        track.save()

    track.refresh_from_db()
    assert "tonglen" in track.search_vector and "lojong" not in track.search_vector


def test_it_sends_no_task_for_fields_search_does_not_read(django_capture_on_commit_callbacks):
    track = track_in(title="Lojong")
    with django_capture_on_commit_callbacks() as callbacks:
        Track.objects.get(pk=track.pk).save(update_fields=["duration"])
    assert not [c for c in callbacks if getattr(c, "func", None) == tasks.index_track_for_search.delay]


def test_it_indexes_transcript_pages_when_the_transcript_is_saved(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        transcript = transcript_of(track_in(), ["Primera página.", "Segunda página."], language="pt")

    pages = list(transcript.pages.order_by("number"))
    assert all(page.search_hash for page in pages)
    assert "'segund':1C" in pages[1].search_vector  # Portuguese stemmer, weight C


def test_it_ignores_a_replayed_job():
    track = track_in(title="Lojong")
    transcript = transcript_of(track, ["One page.", "Two pages."])
    assert tasks.index_track_for_search.delay(track.pk).get() == 1
    assert tasks.index_transcript_for_search.delay(transcript.pk).get() == 2
    track_version = row_version(Track, track.pk)
    page_version = row_version(TranscriptPage, transcript.pages.first().pk)

    assert tasks.index_track_for_search.delay(track.pk).get() == 0
    assert tasks.index_transcript_for_search.delay(transcript.pk).get() == 0

    assert row_version(Track, track.pk) == track_version  # not even rewritten
    assert row_version(TranscriptPage, transcript.pages.first().pk) == page_version


def test_it_reindexes_only_the_page_that_changed():
    transcript = transcript_of(track_in(), ["One page.", "Two pages.", "Three pages."])
    search.index_transcripts(transcript_ids=[transcript.pk])
    TranscriptPage.objects.filter(transcript=transcript, number=2).update(text="Second page, corrected.")

    assert tasks.index_transcript_for_search.delay(transcript.pk).get() == 1


def test_it_reindexes_when_the_language_changes():
    track = track_in(title="Prática")
    search.index_tracks(track_ids=[track.pk])
    Track.objects.filter(pk=track.pk).update(language="pt", languages=["pt"])

    assert search.index_tracks(track_ids=[track.pk]) == 1
    track.refresh_from_db()
    assert "'pratic':1A" in track.search_vector


def test_it_returns_quietly_for_a_deleted_row():
    track = track_in()
    track_id = track.pk
    track.delete()

    assert tasks.index_track_for_search.delay(track_id).get() == 0
    assert tasks.index_transcript_for_search.delay(10**9).get() == 0


def test_it_survives_a_full_save_of_an_indexed_track(django_capture_on_commit_callbacks):
    """Admin saves every field, the stored vector included; the task then sees the change."""
    track = track_in(title="Lojong")
    search.index_tracks(track_ids=[track.pk])
    loaded = Track.objects.get(pk=track.pk)
    loaded.title = "Tonglen"

    with django_capture_on_commit_callbacks(execute=True):
        loaded.save()

    loaded.refresh_from_db()
    assert "tonglen" in loaded.search_vector and "lojong" not in loaded.search_vector


def test_it_reindexes_a_page_edited_on_its_own(django_capture_on_commit_callbacks):
    transcript = transcript_of(track_in(), ["Lojong.", "Tonglen."])
    search.index_transcripts(transcript_ids=[transcript.pk])
    page = transcript.pages.get(number=2)

    with django_capture_on_commit_callbacks(execute=True):
        page.text = "Shamatha."
        page.save()

    page.refresh_from_db()
    assert "shamatha" in page.search_vector and "tonglen" not in page.search_vector


@pytest.mark.django_db(transaction=True)
def test_it_indexes_text_extracted_by_the_media_pipeline(postgres, tmp_path):
    from fpdf import FPDF

    from media import processing
    from retreats.models import Transcript

    track = make_track(make_session(make_retreat()), title="Talk")
    pdf = FPDF()
    pdf.add_page()
    pdf.set_font("helvetica", size=12)
    pdf.multi_cell(0, 10, "Loving kindness towards all beings.")
    transcript = Transcript.objects.create(track=track, language="en")
    transcript.pdf_file.save("t.pdf", ContentFile(bytes(pdf.output())), save=True)

    processing.transcript_process(transcript_id=transcript.pk)

    page = transcript.pages.get()
    # English stems, weight C (transcript text), at the words' positions.
    assert "'love':1C" in page.search_vector and "'kind':2C" in page.search_vector
    assert TranscriptPage.objects.filter(search_vector=SearchQuery("kindness", config="padmakara_en")).get() == page


@pytest.mark.parametrize(
    ("model", "index"), [(Track, "retreats_track_search_gin"), (TranscriptPage, "retreats_page_search_gin")]
)
def test_it_searches_the_vectors_through_their_gin_index(model, index):
    with connection.cursor() as cursor:
        cursor.execute("SELECT indexdef FROM pg_indexes WHERE indexname = %s", [index])
        [(definition,)] = cursor.fetchall()
    assert f"ON public.{model._meta.db_table} USING gin (search_vector)" in definition

    query = model.objects.filter(search_vector=SearchQuery("kindness", config="padmakara_en"))
    with connection.cursor() as cursor:
        cursor.execute("SET enable_seqscan = off")  # a test table is tiny: the planner would scan it
        try:
            plan = query.explain()
        finally:
            cursor.execute("RESET enable_seqscan")
    assert index in plan
