"""Media and downloads (docs/compat-api.md "Media and downloads") over ``media.selectors``, the one
signer ``media.signing`` and the one bundle builder ``media.bundles``."""

import gzip

import orjson
from django.core.files.storage import default_storage
from django.http import FileResponse
from rest_framework.permissions import AllowAny
from rest_framework.response import Response

from media import bundles, read_along, selectors, signing, watermarks
from padmakara.api import errors
from padmakara.api.throttles import AnonymousThrottle, MediaThrottle

from . import shapes
from .api import CompatView, PublicView, QueryTokenAuthentication, forbidden, not_found

# The app's names for a bundle's states.
BUNDLE_STATUS = {
    "preparing": "pending",
    "building": "processing",
    "ready": "ready",
    "failed": "failed",
    "expired": "failed",
}


class AudioURLView(PublicView):
    throttle_classes = [AnonymousThrottle, MediaThrottle]

    def get(self, request, track_id):
        track = selectors.track_for_playback(self.profile(request), track_id=track_id)
        source = selectors.audio_source(track, request.query_params.get("quality") or "high")
        if source is None:
            raise selectors.NotReady("This track's audio is still being processed.")
        expires_in = signing.expiry_seconds(track.duration)
        signed = signing.sign(source.key, expires_in=expires_in, request=request)
        return Response({"url": signed.url, "expiresIn": expires_in})


class TranscriptView(PublicView):
    """The PDF itself (the web app shows it in an iframe, so the token may come as ``?token=``)."""

    authentication_classes = [QueryTokenAuthentication]
    throttle_classes = [AnonymousThrottle, MediaThrottle]

    def get(self, request, transcript_id):
        transcript = selectors.transcript_for_reading(self.profile(request), transcript_id)
        filename = transcript.pdf_file.name.rsplit("/", 1)[-1] or f"transcript-{transcript.pk}.pdf"
        # A signed-in listener reads their own watermarked copy, as through /api/v1 (never the
        # unmarked file: that would undo the anti-sharing footer).
        name, _watermarked = watermarks.transcript_for_reader(transcript, request.user)
        return FileResponse(
            default_storage.open(name, "rb"),
            content_type="application/pdf",
            as_attachment=False,
            filename=filename,
        )


class ReadAlongView(PublicView):
    """The track's word-timed transcript (media/read_along.py) in the app's shape, for whoever may play it."""

    throttle_classes = [AnonymousThrottle, MediaThrottle]

    def get(self, request, track_id):
        track = selectors.track_for_playback(self.profile(request), track_id=track_id)
        if not track.read_along_checksum:
            raise not_found("This track has no read-along.")
        document = orjson.loads(gzip.decompress(read_along.read_along_compressed(track)))
        return Response(shapes.read_along(document))


class DownloadRequestView(CompatView):
    """A ZIP of the event's tracks the caller may play, by ``media.bundles``."""

    throttle_classes = [MediaThrottle]

    def post(self, request, event_id):
        profile = self.profile(request)
        track_uuids = selectors.event_track_uuids(profile, event_id)
        if not track_uuids:
            raise forbidden("Nothing of this event can be downloaded with your access.")
        limit = bundles.bundle_max_tracks()
        if len(track_uuids) > limit:
            raise errors.APIError(f"At most {limit} tracks per download.", code="validation_error")
        bundle = bundles.bundle_request(
            profile=profile, user=request.user, track_ids=track_uuids, include_transcripts=True, quality="medium"
        )
        return Response({"request_id": str(bundle.uuid), "status": BUNDLE_STATUS[bundle.status]}, status=202)


class PublicDownloadRequestView(DownloadRequestView):
    """The same for anyone, a free-anyone event's tracks being the only ones an anonymous caller may play."""

    permission_classes = [AllowAny]
    throttle_classes = [AnonymousThrottle, MediaThrottle]
    public = True


class DownloadStatusView(CompatView):
    def get(self, request, request_id):
        bundle = bundles.bundle_for(profile=self.profile(request), bundle_uuid=request_id, user=request.user)
        return Response(
            {
                "status": BUNDLE_STATUS[bundle.status],
                "progress_percent": round(100 * bundle.progress),
                "error_message": bundle.error or None,
            }
        )


class DownloadFileView(CompatView):
    def get(self, request, request_id):
        bundle = bundles.bundle_for(profile=self.profile(request), bundle_uuid=request_id, user=request.user)
        if bundle.status != "ready":
            raise errors.APIError("The download is not ready yet.", code="not_ready", status_code=409)
        return Response({"success": True, "download_url": signing.sign_bundle(bundle, request=request).url})
