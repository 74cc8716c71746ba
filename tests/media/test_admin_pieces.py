import pytest
from django.contrib import admin
from django.contrib.messages.storage.fallback import FallbackStorage
from django.test import RequestFactory

from media.admin import TrackMediaAdminMixin, TranscriptMediaAdminMixin, reprocess_media
from retreats.models import Track, Transcript

pytestmark = pytest.mark.django_db


class _TrackAdmin(TrackMediaAdminMixin, admin.ModelAdmin):
    pass


class _TranscriptAdmin(TranscriptMediaAdminMixin, admin.ModelAdmin):
    pass


def _request(staff):
    request = RequestFactory().post("/admin/")
    request.user = staff
    request.session = {}
    request._messages = FallbackStorage(request)
    return request


def test_it_reprocesses_the_selected_tracks(
    staff, public_track, stored, make_audio, django_capture_on_commit_callbacks
):
    public_track.audio_file = stored("a.mp3", make_audio(2))
    public_track.processing_status = "failed"
    public_track.processing_error = "old error"
    public_track.save()
    request = _request(staff)

    with django_capture_on_commit_callbacks(execute=True):
        reprocess_media(_TrackAdmin(Track, admin.site), request, Track.objects.all())

    public_track.refresh_from_db()
    assert public_track.processing_status == "ready"
    assert public_track.processing_error == ""
    assert "1 file queued" in [str(m) for m in request._messages][0]


def test_it_reprocesses_the_selected_transcripts(
    staff, public_track, stored, make_pdf, django_capture_on_commit_callbacks
):
    transcript = Transcript.objects.create(track=public_track, pdf_file=stored("t.pdf", make_pdf()), status="failed")

    with django_capture_on_commit_callbacks(execute=True):
        reprocess_media(_TranscriptAdmin(Transcript, admin.site), _request(staff), Transcript.objects.all())

    transcript.refresh_from_db()
    assert transcript.status == "ready"


def test_it_shows_the_status_with_the_error_text(public_track):
    public_track.processing_status = "failed"
    public_track.processing_error = "Not a readable audio file."

    html = _TrackAdmin(Track, admin.site).processing_badge(public_track)

    assert "Failed" in html and 'title="Not a readable audio file."' in html


def test_it_offers_the_reprocess_action(staff):
    actions = _TrackAdmin(Track, admin.site).get_actions(_request(staff))

    assert "reprocess_media" in actions


def test_it_lists_the_media_facts_as_read_only(staff, public_track):
    track_admin = admin.site.get_model_admin(Track)

    read_only = track_admin.get_readonly_fields(_request(staff), public_track)

    facts = {"processing_badge", "processing_error", "duration_display", "file_size", "checksum", "renditions_table"}
    assert facts <= set(read_only)
    assert not facts & set(track_admin.form.base_fields)  # shown, never editable


def test_it_gives_a_file_saved_through_the_admin_form_its_stable_key(
    staff, public_track, stored, make_audio, django_capture_on_commit_callbacks
):
    from django.core.files.storage import default_storage

    from media import storage as media_storage

    public_track.audio_file = stored("001 Teaching.mp3", make_audio(1))  # the uploader's own name
    form = type("Form", (), {"changed_data": ["audio_file"]})()

    with django_capture_on_commit_callbacks(execute=True):
        _TrackAdmin(Track, admin.site).save_model(_request(staff), public_track, form, change=True)

    public_track.refresh_from_db()
    assert public_track.audio_file.name == media_storage.track_audio_key(public_track, "x.mp3")
    assert not default_storage.exists("001 Teaching.mp3")
    assert public_track.processing_status == "ready"


def test_it_links_a_saved_session_to_its_upload_page(public_track):
    from media.admin import SessionUploadLinkMixin
    from retreats.models import Session

    class _SessionAdmin(SessionUploadLinkMixin, admin.ModelAdmin):
        pass

    html = _SessionAdmin(Session, admin.site).upload_link(public_track.session)

    assert f"/admin/media/upload/session/{public_track.session.pk}/upload/" in html


def test_it_audits_a_reprocess_naming_the_staff_member(
    staff, public_track, stored, make_audio, django_capture_on_commit_callbacks
):
    from auditlog.models import LogEntry

    public_track.audio_file = stored("a.mp3", make_audio(2))
    public_track.processing_status, public_track.processing_error = "failed", "ffmpeg said no"
    public_track.save()
    transcript = Transcript.objects.create(track=public_track, pdf_file="", status="failed")  # no file: not queued

    with django_capture_on_commit_callbacks(execute=True):
        reprocess_media(_TrackAdmin(Track, admin.site), _request(staff), Track.objects.all())
        reprocess_media(_TranscriptAdmin(Transcript, admin.site), _request(staff), Transcript.objects.all())

    entry = LogEntry.objects.get()
    assert (entry.object_id, entry.actor, entry.additional_data["message"]) == (
        public_track.pk,
        staff,
        "Queued for processing again.",
    )
    assert entry.changes_dict == {
        "processing_status": ["failed", "pending"],
        "processing_error": ["ffmpeg said no", ""],
    }
    assert not LogEntry.objects.filter(object_id=transcript.pk, content_type__model="transcript").exists()
