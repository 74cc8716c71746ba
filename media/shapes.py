"""The Media API's response shapes (API.md "Media"): each declared once, built from the track,
rendition or transcript the selectors found, the URL ``media.signing`` signed for it, or the
bundle of ``media.bundles``."""

from rest_framework import serializers

from padmakara.api.formats import iso_datetime
from padmakara.api.shapes import Shape
from retreats.models import Transcript

from .models import QUALITIES
from .models import DownloadBundle as DownloadBundleModel
from .selectors import AudioSource
from .signing import SignedURL


class AudioURL(Shape):
    url = serializers.URLField()
    expiresAt = serializers.DateTimeField()
    contentType = serializers.CharField()
    duration = serializers.FloatField()
    quality = serializers.ChoiceField(choices=QUALITIES)

    @classmethod
    def build(cls, signed: SignedURL, source: AudioSource, duration: float) -> dict:
        return {
            "url": signed.url,
            "expiresAt": iso_datetime(signed.expires_at),
            "contentType": source.content_type,
            "duration": duration,
            "quality": source.quality,
        }


class TranscriptURL(Shape):
    url = serializers.URLField()
    expiresAt = serializers.DateTimeField()
    contentType = serializers.CharField()
    pageCount = serializers.IntegerField()

    @classmethod
    def build(cls, signed: SignedURL, transcript: Transcript) -> dict:
        return {
            "url": signed.url,
            "expiresAt": iso_datetime(signed.expires_at),
            "contentType": "application/pdf",
            "pageCount": transcript.page_count,
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
