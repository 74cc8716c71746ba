"""Content API (API.md "Content"): read-only, camelCase built by the selectors, ETag first."""

from django.conf import settings
from django.core.cache import cache
from django.http import HttpResponse
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.views import APIView

from padmakara.api.errors import APIError
from padmakara.api.etag import make_etag, not_modified
from padmakara.api.pagination import page_from, page_parameters
from padmakara.api.renderers import dumps
from padmakara.api.schema import ERROR_RESPONSES
from padmakara.api.throttles import ContentThrottle

from . import selectors
from .access import AccessProfile
from .models import Retreat
from .versioning import catalogue_version


def _many(serializer):
    """The list form of one documented component (the same identity, so one schema name)."""
    return type(serializer)(many=True)


_track_summary_fields = {
    "id": serializers.UUIDField(),
    "title": serializers.CharField(),
    "duration": serializers.FloatField(),
    "order": serializers.IntegerField(),
    "language": serializers.CharField(),
    "hasTranscript": serializers.BooleanField(),
    "isTranslation": serializers.BooleanField(),
    "originalTrackId": serializers.UUIDField(allow_null=True),
}
_session_fields = {
    "id": serializers.UUIDField(),
    "name": serializers.CharField(),
    "type": serializers.ChoiceField(choices=["morning", "afternoon", "evening", "other"]),
    "date": serializers.DateField(allow_null=True),
    "tracks": inline_serializer(name="TrackSummary", fields=_track_summary_fields, many=True),
}
_gathering_fields = {
    "id": serializers.UUIDField(),
    "name": serializers.CharField(),
    "season": serializers.ChoiceField(choices=["spring", "fall"]),
    "year": serializers.IntegerField(),
    "startDate": serializers.DateField(),
    "endDate": serializers.DateField(),
    "sessionCount": serializers.IntegerField(),
    "trackCount": serializers.IntegerField(),
    "locked": serializers.BooleanField(),
}
_gathering_detail_fields = {
    **_gathering_fields,
    "description": serializers.CharField(),
    "sessions": inline_serializer(name="Session", fields=_session_fields, many=True),
}
GatheringDetail = inline_serializer(name="Gathering", fields=_gathering_detail_fields)
_group_fields = {
    "id": serializers.UUIDField(),
    "name": serializers.CharField(),
    "description": serializers.CharField(),
    "imageUrl": serializers.CharField(allow_null=True),
}
_group_summary_fields = {
    **_group_fields,
    "gatherings": inline_serializer(name="GatheringSummary", fields=_gathering_fields, many=True),
}
GroupDetail = inline_serializer(
    name="RetreatGroup",
    fields={
        **_group_fields,
        "gatherings": _many(GatheringDetail),
    },
)
_ref = {"id": serializers.UUIDField(), "name": serializers.CharField()}
TrackDetail = inline_serializer(
    name="Track",
    fields={
        "id": serializers.UUIDField(),
        "title": serializers.CharField(),
        "description": serializers.CharField(),
        "duration": serializers.FloatField(),
        "order": serializers.IntegerField(),
        "language": serializers.CharField(),
        "hasTranscript": serializers.BooleanField(),
        "isTranslation": serializers.BooleanField(),
        "originalTrackId": serializers.UUIDField(allow_null=True),
        "tags": serializers.ListField(child=serializers.CharField()),
        "retreat": inline_serializer(name="TrackRetreatRef", fields=_ref, allow_null=True),
        "session": inline_serializer(
            name="TrackSessionRef", fields={**_ref, "date": serializers.DateField(allow_null=True)}
        ),
        "gathering": inline_serializer(name="TrackGatheringRef", fields=_ref),
        "speaker": inline_serializer(
            name="Speaker",
            fields={"name": serializers.CharField(), "abbreviation": serializers.CharField()},
            allow_null=True,
        ),
        "fileSize": serializers.IntegerField(),
        "locked": serializers.BooleanField(),
    },
)
LANGUAGE_PARAM = OpenApiParameter(
    "language",
    OpenApiTypes.STR,
    enum=["en", "pt"],
    description="Language of names and descriptions (default: the user's).",
)


class ContentView(APIView):
    """Shared by the content reads: who reads, in which language, and the ETag check."""

    throttle_classes = [ContentThrottle]
    renders_camel_case = True

    def reader(self, request) -> selectors.Reader:
        user = request.user
        language = request.query_params.get("language") or getattr(user, "language", "en")
        if language not in ("en", "pt"):
            raise APIError(
                _("language must be en or pt."), code="validation_error", details={"language": ["Must be en or pt."]}
            )
        return selectors.Reader(
            profile=AccessProfile.for_user(user),
            language=language,
            content_language=getattr(user, "content_language", "en"),
        )

    def respond(self, request, reader: selectors.Reader, build):
        # The body depends on the catalogue version, the access profile, the languages and the
        # path, not on who asks: listeners with the same profile share one rendering.
        etag = make_etag(
            catalogue_version(),
            reader.profile.stamp,
            reader.language,
            reader.content_language,
            request.get_full_path(),
        )
        cached = not_modified(request, etag)
        if cached is not None:
            return cached
        body_key = f"content:body:{etag}"
        rendered = cache.get(body_key) if settings.CONTENT_CACHE_SECONDS else None
        if rendered is None:
            body = build()
            if body is None:
                raise APIError(_("Not found."), code="not_found", status_code=404)
            rendered = dumps(body)
            if settings.CONTENT_CACHE_SECONDS:
                cache.set(body_key, rendered, timeout=settings.CONTENT_CACHE_SECONDS)
        response = HttpResponse(rendered, content_type="application/json")
        response["ETag"] = etag
        response["Cache-Control"] = "private, no-cache"
        return response


class RetreatListView(ContentView):
    @extend_schema(
        operation_id="content_retreats",
        parameters=[
            LANGUAGE_PARAM,
            OpenApiParameter("year", {"type": "integer", "minimum": 1900, "maximum": 2100}),
            OpenApiParameter("season", OpenApiTypes.STR, enum=["spring", "fall"]),
            *page_parameters(),
        ],
        responses={
            200: inline_serializer(
                name="RetreatList",
                fields={
                    "retreatGroups": inline_serializer(
                        name="RetreatGroupSummary", fields=_group_summary_fields, many=True
                    ),
                    "totalCount": serializers.IntegerField(),
                    "hasMore": serializers.BooleanField(),
                },
            ),
            **ERROR_RESPONSES,
        },
    )
    def get(self, request):
        reader = self.reader(request)
        page = page_from(request)
        filters = self._filters(request)

        def build():
            groups, total = selectors.retreat_groups_page(reader, filters, limit=page.limit, offset=page.offset)
            return {"retreatGroups": groups, **page.meta(total)}

        return self.respond(request, reader, build)

    @staticmethod
    def _filters(request) -> selectors.RetreatFilters:
        errors = {}
        year = request.query_params.get("year") or None
        season = request.query_params.get("season") or None
        if year is not None:
            if not year.isdigit() or not 1900 <= int(year) <= 2100:
                errors["year"] = ["Must be a year such as 2024."]
            else:
                year = int(year)
        if season is not None and season not in Retreat.Season.values:
            errors["season"] = ["Must be spring or fall."]
        if errors:
            raise APIError(_("The request has invalid parameters."), code="validation_error", details=errors)
        return selectors.RetreatFilters(year=year, season=season)


class RetreatGroupDetailView(ContentView):
    @extend_schema(
        operation_id="content_retreat",
        parameters=[LANGUAGE_PARAM],
        responses={200: GroupDetail, **ERROR_RESPONSES},
    )
    def get(self, request, group_id):
        reader = self.reader(request)
        return self.respond(request, reader, lambda: selectors.retreat_group_detail(reader, group_id))


class GatheringDetailView(ContentView):
    @extend_schema(
        operation_id="content_gathering",
        parameters=[LANGUAGE_PARAM],
        responses={200: GatheringDetail, **ERROR_RESPONSES},
    )
    def get(self, request, gathering_id):
        reader = self.reader(request)
        return self.respond(request, reader, lambda: selectors.gathering_detail(reader, gathering_id))


class TrackDetailView(ContentView):
    @extend_schema(
        operation_id="content_track",
        parameters=[LANGUAGE_PARAM],
        responses={200: TrackDetail, **ERROR_RESPONSES},
    )
    def get(self, request, track_id):
        reader = self.reader(request)
        return self.respond(request, reader, lambda: selectors.track_detail(reader, track_id))
