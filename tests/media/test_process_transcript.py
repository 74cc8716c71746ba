import pytest

from media import processing
from media.signals import transcript_text_ready
from media.tasks import process_transcript
from retreats.models import Transcript

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
