"""Media API (docs/api.md "Media"): signed URLs for audio and transcripts, offline bundles;
the bodies are built by ``media.shapes``."""

from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from padmakara.api.schema import ErrorEnvelopeSerializer, error_responses
from padmakara.api.throttles import AnonymousThrottle, MediaThrottle
from retreats.access import AccessProfile

from . import bundles, selectors, shapes, signing, watermarks
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
        key = transcript.pdf_file.name
        watermarked = watermarks.wants_watermark(request.user)
        if watermarked:
            key = watermarks.for_transcript(transcript, request.user).key
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
