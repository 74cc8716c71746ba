"""Media rows: offline bundles and uploads in flight. Track and Transcript live in ``retreats``."""

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

QUALITIES = ["low", "medium", "high"]


class DownloadBundle(models.Model):
    """A ZIP of tracks for offline listening. Identical requests share one bundle while it is
    preparing or ready (the partial unique constraint); a periodic task deletes expired ones."""

    class Status(models.TextChoices):
        PREPARING = "preparing", _("Preparing")
        BUILDING = "building", _("Building")
        READY = "ready", _("Ready")
        FAILED = "failed", _("Failed")
        EXPIRED = "expired", _("Expired")

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    request_key = models.CharField(_("request key"), max_length=64, db_index=True)
    track_ids = models.JSONField(_("track ids"), default=list)
    quality = models.CharField(_("quality"), max_length=6, choices=[(q, q) for q in QUALITIES], default="medium")
    include_transcripts = models.BooleanField(_("with transcripts"), default=False)
    status = models.CharField(_("status"), max_length=9, choices=Status.choices, default=Status.PREPARING)
    progress = models.FloatField(_("progress"), default=0)
    estimated_size = models.BigIntegerField(_("estimated size (bytes)"), default=0)
    size = models.BigIntegerField(_("size (bytes)"), default=0)
    file = models.CharField(_("file key"), max_length=500, blank=True)
    error = models.TextField(_("error"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)
    expires_at = models.DateTimeField(_("expires"), db_index=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("download bundle")
        verbose_name_plural = _("download bundles")
        constraints = [
            models.UniqueConstraint(
                fields=["request_key"],
                condition=Q(status__in=["preparing", "building", "ready"]),
                name="bundle_one_live_per_request",
            ),
            models.CheckConstraint(
                condition=Q(status__in=["preparing", "building", "ready", "failed", "expired"]),
                name="bundle_status_valid",
            ),
            models.CheckConstraint(condition=Q(progress__gte=0) & Q(progress__lte=1), name="bundle_progress_range"),
        ]

    def __str__(self):
        return f"bundle {self.uuid} ({self.status})"


class Upload(models.Model):
    """A file staff are uploading to a session: straight to S3 by presigned multipart, or to
    the app in chunks in local mode. It becomes a Track or Transcript when staff confirm it."""

    class Status(models.TextChoices):
        UPLOADING = "uploading", _("Uploading")
        UPLOADED = "uploaded", _("Uploaded")
        ATTACHED = "attached", _("Saved")
        ABORTED = "aborted", _("Aborted")

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    session = models.ForeignKey("retreats.Session", on_delete=models.CASCADE, related_name="uploads")
    filename = models.CharField(_("file name"), max_length=500)
    size = models.BigIntegerField(_("size (bytes)"))
    content_type = models.CharField(_("content type"), max_length=100, blank=True)
    key = models.CharField(_("staging key"), max_length=500)
    s3_upload_id = models.CharField(max_length=1024, blank=True)
    received = models.BigIntegerField(_("bytes received"), default=0)
    checksum = models.CharField(_("SHA-256"), max_length=64, blank=True)
    status = models.CharField(_("status"), max_length=9, choices=Status.choices, default=Status.UPLOADING)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        ordering = ["created_at"]
        verbose_name = _("upload")
        verbose_name_plural = _("uploads")
        constraints = [
            models.CheckConstraint(condition=Q(size__gte=0), name="upload_size_not_negative"),
            models.CheckConstraint(
                condition=Q(status__in=["uploading", "uploaded", "attached", "aborted"]), name="upload_status_valid"
            ),
        ]

    def __str__(self):
        return self.filename


class ArchiveImport(models.Model):
    """One import of the community's archive started from the admin (media/archive.py): the
    CSV staff uploaded, where the files are, the plan's report and the apply's progress. The
    command ``import_archive`` does the same without a row."""

    class Status(models.TextChoices):
        PLANNING = "planning", _("Planning")
        PLANNED = "planned", _("Planned")
        APPLYING = "applying", _("Importing")
        APPLIED = "applied", _("Imported")
        FAILED = "failed", _("Failed")

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    source = models.CharField(_("files"), max_length=1000, help_text=_("An S3 prefix: s3://bucket/prefix/"))
    csv_name = models.CharField(_("CSV file"), max_length=300, blank=True)
    csv_text = models.TextField(_("CSV"), blank=True)
    status = models.CharField(_("status"), max_length=8, choices=Status.choices, default=Status.PLANNING)
    report = models.JSONField(_("report"), default=dict, blank=True)
    files_total = models.PositiveIntegerField(_("files to import"), default=0)
    files_done = models.PositiveIntegerField(_("files done"), default=0)
    error = models.TextField(_("error"), blank=True)
    # The report is written in the language of the staff member who started the import.
    language = models.CharField(_("language"), max_length=8, default="en")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("archive import")
        verbose_name_plural = _("archive imports")
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=["planning", "planned", "applying", "applied", "failed"]),
                name="archive_import_status_valid",
            ),
        ]

    def __str__(self):
        return f"{self.csv_name or self.source} ({self.get_status_display()})"


class ArchiveFile(models.Model):
    """One file of the archive the import has dealt with, found again by where it was
    (``location``) and by its SHA-256: a re-run or a resumed run skips it, and a second
    copy of the same bytes elsewhere is not imported twice."""

    class Status(models.TextChoices):
        IMPORTED = "imported", _("Imported")
        DUPLICATE = "duplicate", _("Duplicate")
        SKIPPED = "skipped", _("Skipped")

    location = models.CharField(_("location"), max_length=1000, unique=True)
    checksum = models.CharField(_("SHA-256"), max_length=64, blank=True, db_index=True)
    size = models.BigIntegerField(_("size (bytes)"), default=0)
    status = models.CharField(_("status"), max_length=9, choices=Status.choices)
    audio_set = models.PositiveSmallIntegerField(_("audio set"), null=True, blank=True)
    track = models.ForeignKey(
        "retreats.Track", on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("track")
    )
    transcript = models.ForeignKey(
        "retreats.Transcript",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("transcript"),
    )
    note = models.CharField(_("note"), max_length=500, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        ordering = ["location"]
        verbose_name = _("archive file")
        verbose_name_plural = _("archive files")
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=["imported", "duplicate", "skipped"]), name="archive_file_status_valid"
            ),
            models.CheckConstraint(condition=Q(size__gte=0), name="archive_file_size_not_negative"),
        ]

    def __str__(self):
        return self.location


class WatermarkedCopy(models.Model):
    """A PDF (a transcript, a book) with one listener's name and email in the footer of every
    page, kept in storage under ``watermarks/`` for reuse until it expires; a periodic task
    deletes expired copies and those of deleted accounts. ``fingerprint`` changes with the
    source file and with the text stamped, so a new version of either makes a new copy."""

    class Kind(models.TextChoices):
        TRANSCRIPT = "transcript", _("Transcript")
        BOOK = "book", _("Book")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+", verbose_name=_("user")
    )
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    source_uuid = models.UUIDField(_("source"))
    fingerprint = models.CharField(_("fingerprint"), max_length=64)
    key = models.CharField(_("file key"), max_length=500)
    page_count = models.PositiveIntegerField(_("pages"), default=0)
    size = models.BigIntegerField(_("size (bytes)"), default=0)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    expires_at = models.DateTimeField(_("expires"), db_index=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("watermarked copy")
        verbose_name_plural = _("watermarked copies")
        constraints = [
            models.UniqueConstraint(
                fields=["user", "kind", "source_uuid", "fingerprint"], name="watermarkedcopy_one_per_version"
            ),
            models.CheckConstraint(condition=Q(kind__in=["transcript", "book"]), name="watermarkedcopy_kind_valid"),
        ]

    def __str__(self):
        return f"{self.kind} {self.source_uuid} for user {self.user_id}"
