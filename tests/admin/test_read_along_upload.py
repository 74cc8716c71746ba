"""Staff upload a track's read-along on its page, beside the audio."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from tests import factories
from tests.media.read_alongs import document, simple

pytestmark = pytest.mark.django_db


def _post(client, track, headers=None, **changes):
    data = {
        "session": track.session_id,
        "order": track.order,
        "language": track.language,
        "title": track.title,
        "description": "",
        "transcripts-TOTAL_FORMS": 0,
        "transcripts-INITIAL_FORMS": 0,
        "track_speakers-TOTAL_FORMS": 0,
        "track_speakers-INITIAL_FORMS": 0,
        **changes,
    }
    return client.post(reverse("admin:retreats_track_change", args=[track.pk]), data, headers=headers)


def upload(raw: bytes) -> SimpleUploadedFile:
    return SimpleUploadedFile("talk.json", raw, content_type="application/json")


@pytest.fixture
def track(db):
    return factories.make_track(factories.make_session(factories.make_retreat()), duration=120)


def test_it_stores_an_uploaded_read_along(staff_client, track):
    response = _post(staff_client, track, read_along_upload=upload(simple()))

    assert response.status_code == 302, response.context and response.context["errors"]
    track.refresh_from_db()
    assert track.has_read_along and track.read_along_source == "upload"
    page = staff_client.get(reverse("admin:retreats_track_change", args=[track.pk])).content.decode()
    assert track.read_along_checksum[:12] in page and "Download (gzip-compressed JSON)" in page


def test_it_names_the_first_bad_segment(staff_client, track):
    raw = document((0.0, 62.0, [("one", 0.0, 1.0)]), (61.2, 63.0, [("two", 61.2, 62.5)]))

    response = _post(staff_client, track, read_along_upload=upload(raw))

    assert response.status_code == 200
    assert "segment 2: starts at 61.2 s, before segment 1 ends (62.0 s)." in response.content.decode()
    track.refresh_from_db()
    assert not track.has_read_along


def test_it_explains_in_portuguese(staff_client, track):
    raw = document((0.0, 500.0, [("a", 0.0, 1.0)]))

    response = _post(staff_client, track, headers={"Accept-Language": "pt"}, read_along_upload=upload(raw))

    assert "segmento 1: termina aos 500.0 s, depois do fim da faixa (120.0 s)." in response.content.decode()


def test_it_refuses_a_file_that_is_not_json(staff_client, track):
    response = _post(staff_client, track, read_along_upload=upload(b"\x89PNG not json"))

    assert "The read-along is not JSON" in response.content.decode()


def test_it_refuses_a_huge_file(staff_client, track, settings):
    settings.READ_ALONG_MAX_BYTES = 1024

    response = _post(staff_client, track, read_along_upload=upload(b" " * 4096))

    assert "The read-along is too large (4.0\xa0KB); at most 1.0\xa0KB." in response.content.decode()


def test_it_removes_the_read_along(staff_client, track):
    _post(staff_client, track, read_along_upload=upload(simple()))

    response = _post(staff_client, track, read_along_remove="on")

    assert response.status_code == 302
    track.refresh_from_db()
    assert not track.has_read_along


def test_the_action_queues_the_aligner(staff_client, track, django_capture_on_commit_callbacks):
    factories.make_transcript(track, pages=("Good morning. Let us begin.",))

    with django_capture_on_commit_callbacks(execute=True):
        response = staff_client.post(
            reverse("admin:retreats_track_changelist"),
            {"action": "align_read_along", "_selected_action": [track.pk]},
        )

    assert response.status_code == 302
    track.refresh_from_db()
    assert (track.read_along_status, track.read_along_source) == ("done", "proportional")


def test_it_records_who_added_it(staff_client, staff, track):
    from auditlog.models import LogEntry

    _post(staff_client, track, read_along_upload=upload(simple()))

    entry = LogEntry.objects.filter(additional_data__message="Read-along added").get()
    assert entry.actor == staff and entry.object_pk == str(track.pk)
