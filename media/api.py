"""Media API (docs/api.md "Media"): signed URLs for audio and transcripts, offline bundles;
the bodies are built by ``media.shapes``."""

import gzip

from django.http import HttpResponse
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.exceptions import PermissionDenied
from rest_framework.parsers import BaseParser
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from padmakara.api.etag import not_modified
from padmakara.api.schema import ErrorEnvelopeSerializer, error_responses
from padmakara.api.throttles import AnonymousThrottle, ContentThrottle, MediaThrottle
from padmakara.errors import NotFound
from retreats.access import AccessProfile
from retreats.models import Track

from . import bundles, read_along, selectors, shapes, signing, watermarks
from .models import QUALITIES


class MediaView(APIView):
    throttle_classes = [MediaThrottle]

    def profile(self, request) -> AccessProfile:
        return AccessProfile.for_user(request.user)

    def bundle_response(self, request, bundle, status_code: int = status.HTTP_200_OK) -> Response:
        """A bundle's state, with a signed URL of its ZIP once it is ready."""
        signed = signing.sign_bundle(bundle, request=request) if bundle.status == "ready" else None
        return Response(shapes.DownloadBundle.build(bundle, signed), status=status_code)


class PublicMediaView(MediaView):
    """Signed URLs answer a caller with no token too, for free-anyone gatherings only."""

    permission_classes = [AllowAny]
    throttle_classes = [AnonymousThrottle, MediaThrottle]


class AudioURLView(PublicMediaView):
    class QuerySerializer(serializers.Serializer):
        quality = serializers.ChoiceField(choices=QUALITIES, default="high", required=False)

    @extend_schema(
        parameters=[OpenApiParameter("quality", str, enum=QUALITIES)],
        responses={200: shapes.AudioURL, **error_responses(403, 409)},
        summary="Audio URL",
    )
    def get(self, request, track_id):
        query = self.QuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        track = selectors.track_for_playback(self.profile(request), track_id)
        source = selectors.audio_source(track, query.validated_data["quality"])
        if source is None:
            raise selectors.NotReady("This track's audio is still being processed.")
        signed = signing.sign(source.key, expires_in=signing.expiry_seconds(track.duration), request=request)
        return Response(shapes.AudioURL.build(signed, source, track.duration))


class TranscriptURLView(PublicMediaView):
    @extend_schema(responses={200: shapes.TranscriptURL, **error_responses(403, 409)}, summary="Transcript URL")
    def get(self, request, track_id):
        track = selectors.track_for_playback(self.profile(request), track_id)
        transcript = selectors.transcript_for(track, request.query_params.get("language") or None)
        if transcript is None:
            raise selectors.NotFound("This track has no transcript.")
        key, watermarked = watermarks.transcript_for_reader(transcript, request.user)
        signed = signing.sign(key, expires_in=signing.expiry_seconds(), request=request)
        return Response(shapes.TranscriptURL.build(signed, transcript, watermarked=watermarked))


class DownloadCreateView(MediaView):
    class InputSerializer(serializers.Serializer):
        track_ids = serializers.ListField(child=serializers.UUIDField(), allow_empty=False, min_length=1)
        include_transcripts = serializers.BooleanField(default=False)
        quality = serializers.ChoiceField(choices=QUALITIES, default="medium")

        def validate_track_ids(self, value):
            limit = bundles.bundle_max_tracks()
            if len(value) > limit:
                raise serializers.ValidationError(f"At most {limit} tracks per download.")
            return list(dict.fromkeys(value))

    @extend_schema(
        request=InputSerializer,
        # 404: unknown track ids; 403: tracks of a gathering the user may not play.
        responses={
            202: shapes.DownloadBundle,
            **error_responses(403, 404),
            429: OpenApiResponse(
                ErrorEnvelopeSerializer,
                description="Too many requests (rate_limited), or the listener's allowance of offline "
                "downloads is used up (quota_exceeded, details.limit says which); Retry-After when known.",
            ),
        },
        summary="Request an offline bundle",
    )
    def post(self, request):
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        bundle = bundles.bundle_request(profile=self.profile(request), user=request.user, **data.validated_data)
        return self.bundle_response(request, bundle, status.HTTP_202_ACCEPTED)


class DownloadDetailView(MediaView):
    @extend_schema(responses={200: shapes.DownloadBundle}, summary="Offline bundle status")
    def get(self, request, download_id):
        bundle = bundles.bundle_for(profile=self.profile(request), bundle_uuid=download_id, user=request.user)
        return self.bundle_response(request, bundle)


class ReadAlongParser(BaseParser):
    """The read-along as raw JSON bytes, up to ``READ_ALONG_MAX_BYTES`` (not the API's 1 MB:
    a long talk's read-along is larger); media/read_along.py parses and validates it."""

    media_type = "application/json"

    def parse(self, stream, media_type=None, parser_context=None):
        request = (parser_context or {}).get("request")
        try:
            declared = int(request.META.get("CONTENT_LENGTH") or 0) if request is not None else 0
        except ValueError:
            declared = 0
        read_along.check_size(declared)
        raw = stream.read(read_along.max_bytes() + 1) if stream is not None else b""
        read_along.check_size(len(raw))
        return raw


def accepts_gzip(request) -> bool:
    """Whether ``Accept-Encoding`` allows gzip (``gzip;q=0`` refuses it, ``*`` allows it)."""
    accepted = {}
    for part in request.headers.get("Accept-Encoding", "").split(","):
        coding, _sep, params = part.strip().partition(";")
        quality = 1.0
        if params.strip().startswith("q="):
            try:
                quality = float(params.strip()[2:])
            except ValueError:
                quality = 0.0
        accepted[coding.strip().lower()] = quality
    return accepted.get("gzip", accepted.get("*", 0.0)) > 0


class ReadAlongView(PublicMediaView):
    """``/content/track/{id}/read-along``: the word-timed transcript, for whoever may play the
    track (GET); staff add (PUT) or remove (DELETE) it."""

    throttle_classes = [AnonymousThrottle, ContentThrottle]
    parser_classes = [ReadAlongParser]

    class ReadAlongSummary(serializers.Serializer):
        hasReadAlong = serializers.BooleanField()
        version = serializers.CharField(help_text="The read-along's SHA-256: its ETag on GET.")
        segmentCount = serializers.IntegerField()
        wordCount = serializers.IntegerField()

    def get_permissions(self):
        if self.request.method in ("GET", "HEAD", "OPTIONS"):
            return [AllowAny()]
        return [IsAuthenticated()]

    @extend_schema(
        responses={
            (200, "application/json"): OpenApiResponse(description="The read-along JSON (docs/api.md)."),
            304: OpenApiResponse(description="Not modified (If-None-Match)."),
            **error_responses(403, 404),
        },
        summary="Read-along of a track",
    )
    def get(self, request, track_id):
        track = selectors.track_for_playback(self.profile(request), track_id)
        if not track.read_along_checksum:
            raise NotFound("This track has no read-along.")
        # Weak: the gzip and the plain body are the same document.
        etag = f'W/"{track.read_along_checksum[:32]}"'
        headers = {"ETag": etag, "Cache-Control": "private, no-cache", "Vary": "Accept-Encoding"}
        response = not_modified(request, etag)
        if response is None:
            compressed = read_along.read_along_compressed(track)
            if accepts_gzip(request):
                response = HttpResponse(compressed, content_type="application/json")
                response["Content-Encoding"] = "gzip"
            else:
                response = HttpResponse(gzip.decompress(compressed), content_type="application/json")
        for name, value in headers.items():
            response[name] = value
        return response

    def _staff_track(self, request, track_id) -> Track:
        if not request.user.has_perm("retreats.change_track"):
            raise PermissionDenied(_("Only staff who may change tracks may change a read-along."))
        track = Track.objects.filter(uuid=track_id).first()
        if track is None:
            raise NotFound()
        return track

    @extend_schema(
        request={"application/json": OpenApiTypes.OBJECT},
        responses={200: ReadAlongSummary, **error_responses(400, 403, 404, 413)},
        summary="Add or replace a track's read-along (staff)",
    )
    def put(self, request, track_id):
        track = self._staff_track(request, track_id)
        document = read_along.parse(request.data, duration=track.duration)
        read_along.read_along_attach(track=track, document=document, user=request.user)
        return Response(
            {
                "hasReadAlong": True,
                "version": document.checksum,
                "segmentCount": document.segment_count,
                "wordCount": document.word_count,
            }
        )

    @extend_schema(responses={204: None, **error_responses(403, 404)}, summary="Remove a track's read-along (staff)")
    def delete(self, request, track_id):
        track = self._staff_track(request, track_id)
        if not read_along.read_along_remove(track=track, user=request.user):
            raise NotFound("This track has no read-along.")
        return Response(status=status.HTTP_204_NO_CONTENT)
