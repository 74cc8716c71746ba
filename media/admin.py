"""Media pieces for the admin: processing status columns, read-only media facts and a
"reprocess" action for Track and Transcript admins (which live in retreats/admin.py), plus
the admin of media's own models.

Attach to the retreats admin::

    from media.admin import TrackMediaAdminMixin, TranscriptMediaAdminMixin

    class TrackAdmin(TrackMediaAdminMixin, admin.ModelAdmin):
        list_display = [..., "processing_badge"]
        readonly_fields = [*TrackMediaAdminMixin.media_readonly_fields]

    class TranscriptAdmin(TranscriptMediaAdminMixin, admin.ModelAdmin): ...

    class SessionAdmin(SessionUploadLinkMixin, admin.ModelAdmin):
        readonly_fields = [*SessionUploadLinkMixin.media_readonly_fields]

The mixins add the ``reprocess_media`` action and queue processing when the file changes;
the upload page is at ``admin:media_session_upload`` (session id).
"""

from django.contrib import admin, messages
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from retreats.models import Track, Transcript

from . import services
from .models import DownloadBundle, Upload

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
    count = 0
    for obj in queryset:
        if isinstance(obj, Track) and obj.audio_file:
            services.track_queue_processing(track=obj)
            count += 1
        elif isinstance(obj, Transcript) and obj.pdf_file:
            services.transcript_queue_processing(transcript=obj)
            count += 1
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


class TrackMediaAdminMixin:
    media_readonly_fields = ("processing_badge", "processing_error", "duration", "file_size", "checksum", "renditions")
    actions = [reprocess_media]

    @admin.display(description=_("processing"), ordering="processing_status")
    def processing_badge(self, obj):
        return _badge(obj.processing_status, obj.get_processing_status_display(), obj.processing_error)

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        if obj.audio_file and (not change or "audio_file" in form.changed_data):
            services.track_adopt_file(track=obj)
            services.track_queue_processing(track=obj)


class TranscriptMediaAdminMixin:
    media_readonly_fields = ("status_badge", "processing_error", "page_count", "file_size")
    actions = [reprocess_media]

    @admin.display(description=_("status"), ordering="status")
    def status_badge(self, obj):
        return _badge(obj.status, obj.get_status_display(), obj.processing_error)

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        if obj.pdf_file and (not change or "pdf_file" in form.changed_data):
            services.transcript_adopt_file(transcript=obj)
            services.transcript_queue_processing(transcript=obj)


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

    @admin.display(description=_("upload files"))
    def upload_link(self, obj):
        if not obj or not obj.pk:
            return _("Save the session first, then upload its files.")
        return format_html(
            '<a class="button" href="{}">{}</a>',
            reverse("admin:media_session_upload", args=[obj.pk]),
            _("Upload audio and transcripts"),
        )
