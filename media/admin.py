"""Media pieces for the admin: processing status columns, read-only media facts and a
"reprocess" action for the Track and Transcript admins, an upload link on the Session admin
(those admins live in retreats/admin.py), plus the admin of media's own models.

The mixins below are layered over the retreats admins at the end of this module
(``padmakara.admin.extend_admin``): they add the status badges to the list, the page and the
read-only fields, the ``reprocess_media`` action, and queue processing when the file changes;
the upload page is at ``admin:media_session_upload`` (session id).
"""

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.widgets import AdminFileWidget
from django.db import models
from django.template.defaultfilters import filesizeformat
from django.urls import reverse
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

import retreats.admin  # noqa: F401  (registers the admins extended at the end of this module)
from padmakara.admin import add_actions, add_to_fieldset, extend_admin, insert_after, insert_fieldset
from retreats.models import Place, Retreat, Session, Teacher, Track, Transcript

from . import processing, read_along, signing
from .archive_admin import ArchiveImportAdmin
from .models import ArchiveImport, DownloadBundle, Upload
from .reprocess import media_reprocess


def signed_url(name: str, *, duration: float = 0, request=None) -> str:
    """The file at storage name ``name``, through the signer the app's media API uses
    (media/signing.py): an expiring link that works on local storage, S3 and CloudFront."""
    return signing.sign(name, expires_in=signing.expiry_seconds(duration), request=request).url


class _SignedFile:
    """A stored file as the file widget shows it: its name, and a signed URL as its link."""

    def __init__(self, name: str, url: str):
        self.name, self.url = name, url

    def __str__(self):
        return self.name


class SignedFileWidget(AdminFileWidget):
    """The admin's file input, whose "Currently: …" link opens the file through a signed URL
    instead of ``MEDIA_URL`` (``/files/…``, which nothing serves: media is never public)."""

    def format_value(self, value):
        value = super().format_value(value)
        if value and getattr(value, "name", None) and self.is_initial(value):
            return _SignedFile(value.name, signed_url(value.name))
        return value


SIGNED_FILE_FIELDS = {models.FileField: {"widget": SignedFileWidget}}

_BADGE_COLOURS = {
    "pending": "#777",
    "processing": "#2a6fb0",
    "aligning": "#2a6fb0",
    "done": "#2e7d32",
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


@admin.display(description=_("size"), ordering="file_size")
def file_size_display(obj):
    """A file's size for people: "1.5 MB", not 1572864."""
    return filesizeformat(obj.file_size) if obj and obj.file_size else "—"


def _swap(fields, old, new) -> list:
    return [new if field == old else field for field in fields]


class SignedFilesAdminMixin:
    """File fields (the admin's own and its inlines') link to their files through signed URLs."""

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        if isinstance(db_field, models.FileField):
            kwargs["widget"] = SignedFileWidget
        return super().formfield_for_dbfield(db_field, request, **kwargs)

    def get_inline_instances(self, request, obj=None):
        inlines = super().get_inline_instances(request, obj)
        for inline in inlines:
            inline.formfield_overrides = {**inline.formfield_overrides, **SIGNED_FILE_FIELDS}
        return inlines


class TrackMediaAdminMixin(SignedFilesAdminMixin, ProcessedFileAdminMixin):
    badge_field = "processing_badge"
    file_field = "audio_file"

    def get_list_display(self, request):
        return insert_after(super().get_list_display(request), None, "processing_badge")

    def get_readonly_fields(self, request, obj=None):
        fields = [f for f in super().get_readonly_fields(request, obj) if f != "renditions"]
        return insert_after(fields, None, "player", "renditions_table", file_size_display)

    def get_fieldsets(self, request, obj=None):
        fieldsets = add_to_fieldset(
            super().get_fieldsets(request, obj), _("Audio"), "player", "processing_badge", after="audio_file"
        )
        return [
            (title, {**options, "fields": _swap(_swap(options["fields"], "renditions", "renditions_table"),
                                                "file_size", file_size_display)})
            for title, options in fieldsets
        ]  # fmt: skip

    @admin.display(description=_("listen"))
    def player(self, obj):
        if not obj or not obj.audio_file:
            return _("No audio file yet.")
        return format_html(
            '<audio controls preload="none" src="{}" class="track-player"></audio>',
            signed_url(obj.audio_file.name, duration=obj.duration),
        )

    @admin.display(description=_("renditions"))
    def renditions_table(self, obj):
        renditions = (obj.renditions or {}) if obj else {}
        if not renditions:
            return _("None yet: they are made when the audio is processed.")
        rows = []
        for quality, facts in renditions.items():
            label = _("original") if quality == "source" else quality
            bitrate = facts.get("bitrate")
            rows.append(
                (
                    label,
                    facts.get("codec") or facts.get("contentType") or "—",
                    f"{round(bitrate / 1000)} kbps" if bitrate else "—",
                    filesizeformat(facts["size"]) if facts.get("size") else "—",
                )
            )
        return format_html(
            '<table class="renditions"><thead><tr><th>{}</th><th>{}</th><th>{}</th><th>{}</th></tr></thead>'
            "<tbody>{}</tbody></table>",
            _("quality"),
            _("codec"),
            _("bitrate"),
            _("size"),
            format_html_join("", "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>", rows),
        )

    @admin.display(description=_("processing"), ordering="processing_status")
    def processing_badge(self, obj):
        return _badge(obj.processing_status, obj.get_processing_status_display(), obj.processing_error)

    def queue_processing(self, obj) -> None:
        processing.track_adopt_file(track=obj)
        processing.track_queue_processing(track=obj)


class TranscriptMediaAdminMixin(SignedFilesAdminMixin, ProcessedFileAdminMixin):
    badge_field = "status_badge"
    file_field = "pdf_file"

    def get_list_display(self, request):
        shown = insert_after(super().get_list_display(request), "language", "status_badge")
        return _swap(shown, "file_size", file_size_display)

    def get_readonly_fields(self, request, obj=None):
        return insert_after(super().get_readonly_fields(request, obj), None, "open_pdf", file_size_display)

    def get_fields(self, request, obj=None):
        fields = insert_after(super().get_fields(request, obj), "pdf_file", "open_pdf", "status_badge")
        return _swap(fields, "file_size", file_size_display)

    @admin.display(description=_("open"))
    def open_pdf(self, obj):
        if not obj or not obj.pdf_file:
            return _("No PDF yet.")
        return format_html(
            '<a class="button" href="{}" target="_blank" rel="noopener">{}</a>',
            signed_url(obj.pdf_file.name),
            _("Open the PDF"),
        )

    @admin.display(description=_("status"), ordering="status")
    def status_badge(self, obj):
        return _badge(obj.status, obj.get_status_display(), obj.processing_error)

    def queue_processing(self, obj) -> None:
        processing.transcript_adopt_file(transcript=obj)
        processing.transcript_queue_processing(transcript=obj)


@admin.register(DownloadBundle)
class DownloadBundleAdmin(admin.ModelAdmin):
    list_display = [
        "uuid", "status", "progress", "human_size", "quality", "include_transcripts", "created_at", "expires_at",
    ]  # fmt: skip
    list_filter = ["status", "quality"]
    readonly_fields = [f.name for f in DownloadBundle._meta.fields]
    raw_id_fields = ["created_by"]
    show_full_result_count = False

    def has_add_permission(self, request):
        return False

    @admin.display(description=_("size"), ordering="size")
    def human_size(self, obj):
        """Such as 45.8 MB, rather than 48000000 under "size (bytes)": shorter, read at a glance."""
        return filesizeformat(obj.size)


@admin.register(Upload)
class UploadAdmin(admin.ModelAdmin):
    """The record of files in flight: read-only. Staff upload from a session's page (the
    "Upload audio and transcripts" button on the gathering's sessions and on the session)."""

    list_display = ["filename", "session", "human_size", "status", "created_at", "upload_page"]
    list_filter = ["status"]
    list_select_related = ["session__retreat"]
    search_fields = ["filename"]
    show_full_result_count = False

    def has_add_permission(self, request):
        return False  # an upload record is made by the upload page, never by hand

    def has_change_permission(self, request, obj=None):
        return False

    @admin.display(description=_("size"), ordering="size")
    def human_size(self, obj):
        return filesizeformat(obj.size)

    @admin.display(description=_("upload page"))
    def upload_page(self, obj):
        return format_html(
            '<a href="{}">{}</a>', reverse("admin:media_session_upload", args=[obj.session_id]), _("Upload files")
        )

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
        return session_upload_button(obj)


@admin.display(description=_("upload files"))
def session_upload_button(obj):
    """The button to a session's upload page (a saved session only)."""
    if not obj or not obj.pk:
        return _("Save the session first, then upload its files.")
    return format_html(
        '<a class="button" href="{}">{}</a>',
        reverse("admin:media_session_upload", args=[obj.pk]),
        _("Upload audio and transcripts"),
    )


class RetreatSessionUploadsMixin:
    """For the gathering page: every row of its sessions has its upload button, and the
    gathering's folder can be uploaded whole (its sub-folders become sessions)."""

    def get_readonly_fields(self, request, obj=None):
        return insert_after(super().get_readonly_fields(request, obj), None, "folder_upload")

    def get_fieldsets(self, request, obj=None):
        return add_to_fieldset(super().get_fieldsets(request, obj), None, "folder_upload")

    @admin.display(description=_("upload a folder"))
    def folder_upload(self, obj):
        if not obj or not obj.pk:
            return _("Save the gathering first, then upload its folder of sessions.")
        return format_html(
            '<a class="button" href="{}">{}</a><div class="help">{}</div>',
            reverse("admin:media_retreat_upload", args=[obj.pk]),
            _("Upload a folder of sessions"),
            _("Each sub-folder becomes a session; you check them before anything is saved."),
        )

    def get_inline_instances(self, request, obj=None):
        inlines = super().get_inline_instances(request, obj)
        for inline in inlines:
            if inline.model is Session:
                inline.fields = insert_after(inline.fields, None, session_upload_button)
                inline.readonly_fields = insert_after(inline.readonly_fields, None, session_upload_button)
        return inlines


@admin.action(description=_("Make the read-along from the transcript (configured aligner)"))
def align_read_along(modeladmin, request, queryset):
    """Queue the configured aligner for the selected tracks."""
    count = 0
    for track in queryset:
        read_along.read_along_queue(track=track)
        count += 1
    modeladmin.message_user(
        request,
        ngettext(
            "%(count)d track queued for alignment; its read-along appears when the worker is done.",
            "%(count)d tracks queued for alignment; their read-alongs appear when the workers are done.",
            count,
        )
        % {"count": count},
        messages.SUCCESS,
    )


def read_along_form(base: type[forms.ModelForm]) -> type[forms.ModelForm]:
    """``base`` (the track's form) with a read-along upload, checked against the track."""

    class TrackReadAlongForm(base):  # type: ignore[valid-type,misc]
        read_along_upload = forms.FileField(
            label=_("read-along (JSON)"),
            required=False,
            help_text=_(
                "A word-timed transcript: segments with their words, start, end and confidence "
                "(docs/api.md, Read-along). Replaces the current one."
            ),
        )
        read_along_remove = forms.BooleanField(label=_("remove the read-along"), required=False)

        def clean_read_along_upload(self):
            upload = self.cleaned_data.get("read_along_upload")
            if not upload:
                return None
            try:
                read_along.check_size(upload.size)
                return read_along.parse(upload.read(), duration=self.instance.duration or 0)
            except read_along.ReadAlongInvalid as exc:
                raise forms.ValidationError(str(exc)) from None

    return TrackReadAlongForm


class TrackReadAlongAdminMixin:
    """The Track page's read-along: upload a JSON beside the audio, see its version, remove
    it, or have the aligner make it (an action of the list)."""

    read_along_fields = ("read_along_upload", "read_along_remove", "read_along_state")

    def get_form(self, request, obj=None, change=False, **kwargs):
        kwargs["form"] = read_along_form(kwargs.get("form") or self.form)
        return super().get_form(request, obj, change, **kwargs)

    def get_readonly_fields(self, request, obj=None):
        return insert_after(super().get_readonly_fields(request, obj), None, "read_along_state")

    def get_fieldsets(self, request, obj=None):
        fieldsets = [
            (title, {**options, "fields": [f for f in options["fields"] if f not in self.read_along_fields]})
            for title, options in super().get_fieldsets(request, obj)
        ]
        return insert_fieldset(
            fieldsets, (_("Read-along"), {"fields": list(self.read_along_fields)}), before=_("Record")
        )

    def get_actions(self, request):
        return add_actions(self, request, super().get_actions(request), align_read_along)

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        document = form.cleaned_data.get("read_along_upload")
        if document is not None:
            read_along.read_along_attach(track=obj, document=document, user=request.user)
        elif form.cleaned_data.get("read_along_remove"):
            read_along.read_along_remove(track=obj, user=request.user)

    @admin.display(description=_("current read-along"))
    def read_along_state(self, obj):
        parts = []
        if obj and obj.read_along_checksum:
            parts.append(
                format_html(
                    '<a href="{}">{}</a> · {} {}',
                    signed_url(obj.read_along_file.name),
                    _("Download (gzip-compressed JSON)"),
                    _("version"),
                    obj.read_along_checksum[:12],
                )
            )
            if obj.read_along_source and obj.read_along_source != read_along.SOURCE_UPLOAD:
                parts.append(_("made by the aligner “%(name)s”") % {"name": obj.read_along_source})
        else:
            parts.append(_("None yet."))
        if obj and obj.read_along_status:
            parts.append(_badge(obj.read_along_status, obj.get_read_along_status_display(), obj.read_along_error))
        if obj and obj.read_along_error:
            parts.append(format_html('<span class="errornote">{}</span>', obj.read_along_error))
        return format_html_join(mark_safe("<br>"), "{}", ((part,) for part in parts))


def _photo_preview(field: str):
    @admin.display(description=_("preview"))
    def preview(obj):
        photo = getattr(obj, field, None) if obj else None
        if not photo:
            return _("No photo yet.")
        return format_html(
            '<img src="{}" alt="" style="max-width:240px;max-height:160px;border-radius:4px">',
            signed_url(photo.name),
        )

    preview.__name__ = f"{field}_preview"
    return preview


# One function per field: the admin matches read-only callables by identity.
PHOTO_PREVIEWS = {field: _photo_preview(field) for field in ("avatar", "hero", "photo")}


class PhotoPreviewAdminMixin(SignedFilesAdminMixin):
    """A thumbnail beside each photo field of the Teacher and Place pages, through signed URLs."""

    photo_fields: tuple[str, ...] = ()

    def _previews(self):
        return {field: PHOTO_PREVIEWS[field] for field in self.photo_fields}

    def get_readonly_fields(self, request, obj=None):
        return insert_after(super().get_readonly_fields(request, obj), None, *self._previews().values())

    def get_fieldsets(self, request, obj=None):
        fieldsets = super().get_fieldsets(request, obj)
        for field, preview in self._previews().items():
            fieldsets = [
                (title, {**options, "fields": insert_after(options["fields"], field, preview)})
                if field in options["fields"]
                else (title, options)
                for title, options in fieldsets
            ]
        return fieldsets


class TeacherPhotosAdminMixin(PhotoPreviewAdminMixin):
    photo_fields = ("avatar", "hero")


class PlacePhotosAdminMixin(PhotoPreviewAdminMixin):
    photo_fields = ("photo",)


extend_admin(Track, TrackMediaAdminMixin)
extend_admin(Teacher, TeacherPhotosAdminMixin)
extend_admin(Place, PlacePhotosAdminMixin)
extend_admin(Track, TrackReadAlongAdminMixin)
extend_admin(Transcript, TranscriptMediaAdminMixin)
extend_admin(Session, SessionUploadLinkMixin)
extend_admin(Retreat, RetreatSessionUploadsMixin)


admin.site.register(ArchiveImport, ArchiveImportAdmin)
