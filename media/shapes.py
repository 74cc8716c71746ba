"""The Media API's response shapes (API.md "Media"): each declared once, built from the track,
rendition or transcript the selectors found, the URL ``media.signing`` signed for it, or the
bundle of ``media.bundles``. Below them, the bodies of the staff upload page's JSON."""

import datetime
import math

from django.conf import settings
from rest_framework import serializers

from padmakara.api.formats import iso_datetime
from padmakara.api.shapes import Shape
from retreats.models import Transcript

from . import uploads
from .filenames import ParsedName
from .models import QUALITIES, Upload
from .models import DownloadBundle as DownloadBundleModel
from .selectors import AudioSource
from .signing import SignedURL


class _SignedFileURL(Shape):
    # What the audio and transcript answers share, first in both: the signed URL, when it
    # expires and what it serves. Not a component of its own.
    url = serializers.URLField()
    expiresAt = serializers.DateTimeField()
    contentType = serializers.CharField()

    @staticmethod
    def signed_fields(signed: SignedURL, content_type: str) -> dict:
        return {"url": signed.url, "expiresAt": iso_datetime(signed.expires_at), "contentType": content_type}


class AudioURL(_SignedFileURL):
    duration = serializers.FloatField()
    quality = serializers.ChoiceField(choices=QUALITIES)

    @classmethod
    def build(cls, signed: SignedURL, source: AudioSource, duration: float) -> dict:
        return {**cls.signed_fields(signed, source.content_type), "duration": duration, "quality": source.quality}


class TranscriptURL(_SignedFileURL):
    pageCount = serializers.IntegerField()
    watermarked = serializers.BooleanField(help_text="The PDF carries the listener's name and email on every page.")

    @classmethod
    def build(cls, signed: SignedURL, transcript: Transcript, *, watermarked: bool) -> dict:
        return {
            **cls.signed_fields(signed, "application/pdf"),
            "pageCount": transcript.page_count,
            "watermarked": watermarked,
        }


class DownloadBundle(Shape):
    downloadId = serializers.UUIDField()
    status = serializers.ChoiceField(choices=["preparing", "ready", "failed", "expired"])
    progress = serializers.FloatField()
    size = serializers.IntegerField()
    estimatedSize = serializers.IntegerField()
    url = serializers.URLField(allow_null=True)
    expiresAt = serializers.DateTimeField()
    error = serializers.CharField(allow_null=True)

    @classmethod
    def build(cls, bundle: DownloadBundleModel, signed: SignedURL | None) -> dict:
        """``signed``: the ZIP's URL once the bundle is ready, else None."""
        return {
            "downloadId": str(bundle.uuid),
            # API.md knows preparing|ready|failed|expired: a bundle being built is still preparing.
            "status": "preparing" if bundle.status in ("preparing", "building") else bundle.status,
            "progress": round(bundle.progress, 3),
            "size": bundle.size,
            "estimatedSize": bundle.estimated_size,
            "url": signed.url if signed is not None else None,
            "expiresAt": iso_datetime(bundle.expires_at),
            "error": bundle.error or None,
        }


# The staff upload page's JSON (media/admin_views.py, read by media/static/media/upload.js):
# admin bodies, not in the OpenAPI document, each built here once.


def _iso_date(value: datetime.date | None) -> str | None:
    return value.isoformat() if value else None


def upload_guess(parsed: ParsedName) -> dict:
    """The parser's guesses for one file, as the review table shows them."""
    return {
        "kind": parsed.kind,
        "order": parsed.number,
        "title": parsed.title,
        "speakers": parsed.speakers,
        "language": parsed.language,
        "languages": parsed.languages,
        "originalLanguage": parsed.original_language,
        "isTranslation": parsed.is_translation,
        "bilingual": parsed.bilingual,
        "date": _iso_date(parsed.date),
        "part": parsed.part,
        "partNumber": parsed.part_number,
        "isPractice": parsed.is_practice,
    }


def upload_plan(upload: Upload, guess: ParsedName) -> dict:
    """How the page sends the file: parts straight to S3, or chunks to the app."""
    plan = {"uploadId": str(upload.uuid), "guess": upload_guess(guess)}
    if upload.s3_upload_id:
        part = uploads.part_size_for(upload.size)
        plan.update({"mode": "s3", "partSize": part, "partCount": math.ceil(upload.size / part)})
    else:
        plan.update({"mode": "local", "chunkSize": settings.MEDIA_UPLOAD_PART_BYTES})
    return plan


def upload_done(upload: Upload) -> dict:
    """A file whose every byte arrived."""
    return {"uploadId": str(upload.uuid), "status": upload.status, "checksum": upload.checksum}


def review_row(row: uploads.ReviewRow) -> dict:
    """One file of the batch under review: its upload, the guesses, its pairing and duplicate."""
    upload, p = row.upload, row.parsed
    return {
        "uploadId": str(upload.uuid), "filename": upload.filename, "size": upload.size, "kind": p.kind,
        "order": p.number, "title": p.title, "speaker": p.speakers[0] if p.speakers else "",
        "speakers": p.speakers, "language": p.language, "languages": p.languages,
        "originalLanguage": p.original_language, "isTranslation": p.is_translation,
        "originalOrder": row.original_order, "bilingual": p.bilingual,
        "date": _iso_date(p.date), "part": p.part, "partNumber": p.part_number,
        "isPractice": p.is_practice, "duplicateOf": row.duplicate_of, "warnings": row.warnings,
    }  # fmt: skip


def saved_batch(batch: uploads.SavedBatch) -> dict:
    return {"tracks": [str(t.uuid) for t in batch.tracks], "skipped": batch.skipped}


def file_state(state) -> dict:
    """A file's processing state as the upload page polls it (``admin:media_session_status``)."""
    return {
        "kind": state.kind, "id": state.uuid, "order": state.order, "language": state.language,
        "languageLabel": state.language_label, "title": state.title, "status": state.status, "statusLabel": state.status_label, "error": state.error,
        "duration": state.duration, "done": state.done,
    }  # fmt: skip


def folder_session(p) -> dict:
    """A sub-folder's proposed session (media.filenames.ParsedFolder)."""
    return {"folder": p.folder, "name": p.name, "date": _iso_date(p.date), "type": p.type}
