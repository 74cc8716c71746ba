"""Media API (docs/api.md "Media"): signed URLs for audio and transcripts, offline bundles."""

from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from padmakara.api.formats import iso_datetime
from padmakara.api.schema import error_responses
from padmakara.api.throttles import MediaThrottle
from retreats.access import AccessProfile

from . import bundles, selectors, signing
from .models import QUALITIES

_audio_out = inline_serializer(
    name="AudioURL",
    fields={
        "url": serializers.URLField(),
        "expiresAt": serializers.DateTimeField(),
        "contentType": serializers.CharField(),
        "duration": serializers.FloatField(),
        "quality": serializers.ChoiceField(choices=QUALITIES),
    },
)
_transcript_out = inline_serializer(
    name="TranscriptURL",
    fields={
        "url": serializers.URLField(),
        "expiresAt": serializers.DateTimeField(),
        "contentType": serializers.CharField(),
        "pageCount": serializers.IntegerField(),
    },
)
_bundle_out = inline_serializer(
    name="DownloadBundle",
    fields={
        "downloadId": serializers.UUIDField(),
        "status": serializers.ChoiceField(choices=["preparing", "ready", "failed", "expired"]),
        "progress": serializers.FloatField(),
        "size": serializers.IntegerField(),
        "estimatedSize": serializers.IntegerField(),
        "url": serializers.URLField(allow_null=True),
        "expiresAt": serializers.DateTimeField(),
        "error": serializers.CharField(allow_null=True),
    },
)


class MediaView(APIView):
    throttle_classes = [MediaThrottle]

    def profile(self, request) -> AccessProfile:
        return AccessProfile.for_user(request.user)


class AudioURLView(MediaView):
    class QuerySerializer(serializers.Serializer):
        quality = serializers.ChoiceField(choices=QUALITIES, default="high", required=False)

    @extend_schema(
        parameters=[OpenApiParameter("quality", str, enum=QUALITIES)],
        responses={200: _audio_out, **error_responses(403, 409)},
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
        return Response(
            {
                "url": signed.url,
                "expiresAt": iso_datetime(signed.expires_at),
                "contentType": source.content_type,
                "duration": track.duration,
                "quality": source.quality,
            }
        )


class TranscriptURLView(MediaView):
    @extend_schema(responses={200: _transcript_out, **error_responses(403)}, summary="Transcript URL")
    def get(self, request, track_id):
        track = selectors.track_for_playback(self.profile(request), track_id)
        transcript = selectors.transcript_for(track, request.query_params.get("language") or None)
        if transcript is None:
            raise selectors.NotFound("This track has no transcript.")
        signed = signing.sign(transcript.pdf_file.name, expires_in=signing.expiry_seconds(), request=request)
        return Response(
            {
                "url": signed.url,
                "expiresAt": iso_datetime(signed.expires_at),
                "contentType": "application/pdf",
                "pageCount": transcript.page_count,
            }
        )


def bundle_body(bundle, request) -> dict:
    status_ = "preparing" if bundle.status in ("preparing", "building") else bundle.status
    url = None
    if bundle.status == "ready":
        seconds = max(1, int((bundle.expires_at - signing.timezone.now()).total_seconds()))
        url = signing.sign(
            bundle.file,
            expires_in=min(seconds, signing.MAX_EXPIRY_SECONDS),
            request=request,
            filename=f"padmakara-{bundle.uuid}.zip",
        ).url
    return {
        "downloadId": str(bundle.uuid),
        "status": status_,
        "progress": round(bundle.progress, 3),
        "size": bundle.size,
        "estimatedSize": bundle.estimated_size,
        "url": url,
        "expiresAt": iso_datetime(bundle.expires_at),
        "error": bundle.error or None,
    }


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
        responses={202: _bundle_out, **error_responses(403, 404)},
        summary="Request an offline bundle",
    )
    def post(self, request):
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        bundle = bundles.bundle_request(profile=self.profile(request), user=request.user, **data.validated_data)
        return Response(bundle_body(bundle, request), status=status.HTTP_202_ACCEPTED)


class DownloadDetailView(MediaView):
    @extend_schema(responses={200: _bundle_out}, summary="Offline bundle status")
    def get(self, request, download_id):
        bundle = bundles.bundle_for(profile=self.profile(request), bundle_uuid=download_id)
        return Response(bundle_body(bundle, request))
