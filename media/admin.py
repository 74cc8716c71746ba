"""Media pieces for the admin: processing status columns, read-only media facts and a
"reprocess" action for the Track and Transcript admins, an upload link on the Session admin
(those admins live in retreats/admin.py), plus the admin of media's own models.

The mixins below are layered over the retreats admins at the end of this module
(``padmakara.admin.extend_admin``): they add the status badges to the list, the page and the
read-only fields, the ``reprocess_media`` action, and queue processing when the file changes;
the upload page is at ``admin:media_session_upload`` (session id).
"""

from django.contrib import admin, messages
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

import retreats.admin  # noqa: F401  (registers the admins extended at the end of this module)
from padmakara.admin import add_actions, add_to_fieldset, extend_admin, insert_after
from retreats.models import Session, Track, Transcript

from . import processing
from .models import DownloadBundle, Upload
from .reprocess import media_reprocess

_BADGE_COLOURS = {
    "pending": "#777",
    "processing": "#2a6fb0",
    "ready": "#2e7d32",
    "failed": "#c62828",
    "no_text": "#b26a00",
}


def _badge(status: str, label: str, error: str = ""):
    return format_html(
        '<span title="{}" style="color:#fff;background:{};padding:1px 6px;border-radius:8px">{}</span>',
        error,
        _BADGE_COLOURS.get(status, "#777"),
        label,
    )


@admin.action(description=_("Process the media again (probe, transcode, extract text)"))
def reprocess_media(modeladmin, request, queryset):
    """Queue processing again for the selected tracks or transcripts."""
    count = sum(media_reprocess(obj=obj, user=request.user) for obj in queryset)
    modeladmin.message_user(
        request,
        ngettext(
            "%(count)d file queued for processing; its status updates when the worker is done.",
            "%(count)d files queued for processing; their status updates when the workers are done.",
            count,
        )
        % {"count": count},
        messages.SUCCESS if count else messages.WARNING,
    )


class ProcessedFileAdminMixin:
    """What the Track and Transcript admins share: the status badge among the read-only fields,
    the ``reprocess_media`` action, and processing queued when a new file is saved."""

    badge_field: str
    file_field: str

    def get_readonly_fields(self, request, obj=None):
        return insert_after(super().get_readonly_fields(request, obj), None, self.badge_field)

    def get_actions(self, request):
        return add_actions(self, request, super().get_actions(request), reprocess_media)

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        if getattr(obj, self.file_field) and (not change or self.file_field in form.changed_data):
            self.queue_processing(obj)

    def queue_processing(self, obj) -> None:
        raise NotImplementedError


class TrackMediaAdminMixin(ProcessedFileAdminMixin):
    badge_field = "processing_badge"
    file_field = "audio_file"

    def get_list_display(self, request):
        return insert_after(super().get_list_display(request), None, "processing_badge")

    def get_fieldsets(self, request, obj=None):
        return add_to_fieldset(super().get_fieldsets(request, obj), _("Audio"), "processing_badge", after="checksum")

    @admin.display(description=_("processing"), ordering="processing_status")
    def processing_badge(self, obj):
        return _badge(obj.processing_status, obj.get_processing_status_display(), obj.processing_error)

    def queue_processing(self, obj) -> None:
        processing.track_adopt_file(track=obj)
        processing.track_queue_processing(track=obj)


class TranscriptMediaAdminMixin(ProcessedFileAdminMixin):
    badge_field = "status_badge"
    file_field = "pdf_file"

    def get_list_display(self, request):
        return insert_after(super().get_list_display(request), "language", "status_badge")

    def get_fields(self, request, obj=None):
        return insert_after(super().get_fields(request, obj), "pdf_file", "status_badge")

    @admin.display(description=_("status"), ordering="status")
    def status_badge(self, obj):
        return _badge(obj.status, obj.get_status_display(), obj.processing_error)

    def queue_processing(self, obj) -> None:
        processing.transcript_adopt_file(transcript=obj)
        processing.transcript_queue_processing(transcript=obj)


@admin.register(DownloadBundle)
class DownloadBundleAdmin(admin.ModelAdmin):
    list_display = ["uuid", "status", "progress", "size", "quality", "include_transcripts", "created_at", "expires_at"]
    list_filter = ["status", "quality"]
    readonly_fields = [f.name for f in DownloadBundle._meta.fields]
    raw_id_fields = ["created_by"]
    show_full_result_count = False

    def has_add_permission(self, request):
        return False


@admin.register(Upload)
class UploadAdmin(admin.ModelAdmin):
    list_display = ["filename", "session", "size", "status", "created_at"]
    list_filter = ["status"]
    list_select_related = ["session__retreat"]
    raw_id_fields = ["session", "created_by"]
    readonly_fields = ["uuid", "key", "s3_upload_id", "received", "checksum"]
    show_full_result_count = False

    def get_urls(self):
        from . import admin_views

        # The upload page and its JSON endpoints live under /admin/media/upload/…
        return admin_views.urls(self.admin_site) + super().get_urls()


class SessionUploadLinkMixin:
    """For the Session admin: a read-only field linking to the session's upload page."""

    media_readonly_fields = ("upload_link",)

    def get_readonly_fields(self, request, obj=None):
        return insert_after(super().get_readonly_fields(request, obj), None, *self.media_readonly_fields)

    def get_fields(self, request, obj=None):
        return insert_after(super().get_fields(request, obj), "part_number", "upload_link")

    @admin.display(description=_("upload files"))
    def upload_link(self, obj):
        if not obj or not obj.pk:
            return _("Save the session first, then upload its files.")
        return format_html(
            '<a class="button" href="{}">{}</a>',
            reverse("admin:media_session_upload", args=[obj.pk]),
            _("Upload audio and transcripts"),
        )


extend_admin(Track, TrackMediaAdminMixin)
extend_admin(Transcript, TranscriptMediaAdminMixin)
extend_admin(Session, SessionUploadLinkMixin)
