import pytest

from media import processing
from media.signals import transcript_text_ready
from media.tasks import process_transcript
from retreats.models import Transcript
from tests.media import pdfs

pytestmark = pytest.mark.django_db


@pytest.fixture
def transcript_with(public_track, stored):
    def make(data: bytes) -> Transcript:
        return Transcript.objects.create(track=public_track, language="en", pdf_file=stored("t.pdf", data))

    return make


def test_it_keeps_the_page_count_and_the_text_of_each_page(transcript_with, make_pdf):
    transcript = transcript_with(make_pdf(("Refuge and bodhicitta.", "Calm abiding.", "Dedication.")))

    processing.transcript_process(transcript_id=transcript.pk)

    transcript.refresh_from_db()
    assert transcript.status == "ready"
    assert transcript.page_count == 3
    texts = list(transcript.pages.values_list("number", "text"))
    assert [n for n, _ in texts] == [1, 2, 3]
    assert "bodhicitta" in texts[0][1] and "Calm abiding" in texts[1][1]


def test_it_announces_the_text_for_search_indexing(transcript_with, make_pdf, django_capture_on_commit_callbacks):
    seen = []

    def receiver(sender, transcript_id, **kwargs):
        seen.append(transcript_id)

    transcript_text_ready.connect(receiver)
    try:
        transcript = transcript_with(make_pdf())
        with django_capture_on_commit_callbacks(execute=True):
            processing.transcript_process(transcript_id=transcript.pk)
    finally:
        transcript_text_ready.disconnect(receiver)
    assert seen == [transcript.pk]


def test_it_flags_a_pdf_without_a_text_layer(transcript_with, make_pdf):
    transcript = transcript_with(make_pdf(("", ""), text=False))

    processing.transcript_process(transcript_id=transcript.pk)

    transcript.refresh_from_db()
    assert transcript.status == "no_text"
    assert transcript.page_count == 2
    assert "no text layer" in transcript.processing_error


def test_it_refuses_a_file_that_is_not_a_pdf(transcript_with, make_audio):
    transcript = transcript_with(make_audio(1))

    processing.transcript_process(transcript_id=transcript.pk)

    transcript.refresh_from_db()
    assert transcript.status == "failed"
    assert transcript.processing_error == "This is not a PDF file."


def test_it_marks_a_damaged_pdf_failed(transcript_with, make_pdf):
    transcript = transcript_with(make_pdf()[:200])

    processing.transcript_process(transcript_id=transcript.pk)

    transcript.refresh_from_db()
    assert transcript.status == "failed"
    assert "could not be read" in transcript.processing_error


def test_it_replaces_the_pages_when_reprocessed(transcript_with, make_pdf):
    transcript = transcript_with(make_pdf(("a", "b", "c")))
    processing.transcript_process(transcript_id=transcript.pk)
    Transcript.objects.filter(pk=transcript.pk).update(status="pending")

    processing.transcript_process(transcript_id=transcript.pk)

    assert transcript.pages.count() == 3


def test_it_ignores_a_replayed_job(transcript_with, make_pdf, django_assert_num_queries):
    transcript = transcript_with(make_pdf())
    process_transcript.delay(transcript.pk)

    with django_assert_num_queries(1):
        assert process_transcript.delay(transcript.pk).get() is False
    assert transcript.pages.count() == 2


# --- Hostile PDFs: extraction stops within MEDIA_PDF_* and says why ------------------------


def _failed_with(transcript: Transcript, *words: str) -> None:
    transcript.refresh_from_db()
    assert transcript.status == "failed"
    for word in words:
        assert word in transcript.processing_error
    assert transcript.page_count == 0
    assert not transcript.pages.exists()


def test_the_celery_task_stops_at_the_page_limit_of_a_repeated_page_tree(transcript_with):
    """The reported attack: 1.9 KB whose page tree repeats its kids into 10,000 pages."""
    data = pdfs.repeated_page_tree(fanout=100)
    assert len(data) < 4096

    assert process_transcript.delay(transcript_with(data).pk).get() is True

    _failed_with(Transcript.objects.get(), "more than 2000 pages", "MEDIA_PDF_MAX_PAGES", "not indexed")


def test_it_refuses_a_tree_past_the_limit_without_walking_all_of_it(transcript_with, settings):
    settings.MEDIA_PDF_MAX_PAGES = 50
    transcript = transcript_with(pdfs.repeated_page_tree(fanout=1000))  # a million pages

    processing.transcript_process(transcript_id=transcript.pk)

    _failed_with(transcript, "more than 50 pages")


def test_it_parses_a_page_listed_many_times_once(tmp_path):
    path = tmp_path / "repeated.pdf"
    path.write_bytes(pdfs.repeated_page_tree(fanout=10))

    text = processing._read_pdf(str(path))

    assert text.pages == ["Calm abiding"] * 100
    assert text.parsed == 1


def test_it_parses_a_content_stream_shared_by_many_pages_once(tmp_path):
    path = tmp_path / "shared.pdf"
    path.write_bytes(pdfs.shared_content(pages=10, size=256 * 1024))

    text = processing._read_pdf(str(path))

    assert text.pages == ["Calm abiding"] * 10
    assert text.parsed == 1


def test_the_celery_task_refuses_a_page_whose_content_is_over_the_limit(transcript_with, settings):
    """The reported attack's other half: pages drawing one 2 MB content stream."""
    settings.MEDIA_PDF_MAX_PAGE_CONTENT_BYTES = 1024 * 1024
    transcript = transcript_with(pdfs.shared_content(pages=10, size=2 * 1024 * 1024))

    process_transcript.delay(transcript.pk).get()

    _failed_with(transcript, "Page 1's content", "MEDIA_PDF_MAX_PAGE_CONTENT_BYTES")


def test_it_counts_a_form_as_often_as_a_page_draws_it(transcript_with):
    """68 KB: one page drawing a 64 KB form 200 times parses 12.8 MB, past the default 4 MB."""
    data = pdfs.form_drawn_many_times(times=200, size=64 * 1024)
    assert len(data) < 80 * 1024

    process_transcript.delay(transcript_with(data).pk).get()

    _failed_with(Transcript.objects.get(), "Page 1's content, with the forms it draws", "more than 4194304 bytes")


def test_it_reads_the_text_of_a_form_drawn_once(tmp_path):
    path = tmp_path / "form.pdf"
    path.write_bytes(pdfs.form_drawn_many_times(times=1, size=1024))

    assert processing._read_pdf(str(path)).pages == ["Calm abiding"]


def test_it_refuses_a_page_with_more_text_than_a_page_holds(transcript_with, make_pdf, settings):
    settings.MEDIA_PDF_MAX_PAGE_CHARS = 30
    transcript = transcript_with(make_pdf(("Short.", "A second page with rather more than thirty characters.")))

    processing.transcript_process(transcript_id=transcript.pk)

    _failed_with(transcript, "Page 2 has", "MEDIA_PDF_MAX_PAGE_CHARS")


def test_it_stops_when_the_whole_text_passes_the_limit(transcript_with, make_pdf, settings):
    settings.MEDIA_PDF_MAX_TOTAL_CHARS = 40
    transcript = transcript_with(make_pdf(("Refuge and bodhicitta.", "Calm abiding and insight.", "Dedication.")))

    processing.transcript_process(transcript_id=transcript.pk)

    _failed_with(transcript, "passes 40 characters", "at page 2", "MEDIA_PDF_MAX_TOTAL_CHARS")


def test_it_stops_when_reading_takes_longer_than_the_time_limit(transcript_with, make_pdf, settings):
    settings.MEDIA_PDF_MAX_SECONDS = 0  # already past it at the first page: no clock in the test

    transcript = transcript_with(make_pdf())
    process_transcript.delay(transcript.pk).get()

    _failed_with(transcript, "more than 0 s", "stopped at page 1 of 2", "MEDIA_PDF_MAX_SECONDS")


def test_a_pdf_within_the_limits_is_indexed_as_before(transcript_with, make_pdf, settings):
    """Within the limits the same PDF is indexed as before: the limits only refuse past them."""
    transcript = transcript_with(make_pdf(("Refuge and bodhicitta.", "Calm abiding.")))

    processing.transcript_process(transcript_id=transcript.pk)

    transcript.refresh_from_db()
    assert transcript.status == "ready"
    assert transcript.processing_error == ""
    assert transcript.pages.count() == 2
