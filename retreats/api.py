"""Content API (docs/api.md "Content"): read-only, selectors' rows built into ``retreats.shapes``, ETag first."""

from django.conf import settings
from django.core.cache import cache
from django.http import HttpResponse
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from padmakara.api.errors import APIError
from padmakara.api.etag import make_etag, not_modified
from padmakara.api.pagination import int_param, page_from, page_parameters
from padmakara.api.renderers import dumps
from padmakara.api.schema import ERROR_RESPONSES
from padmakara.api.throttles import AnonymousThrottle, ContentThrottle

from . import selectors, services, shapes
from .access import AccessProfile
from .models import Retreat
from .versioning import catalogue_version

LANGUAGE_PARAM = OpenApiParameter(
    "language",
    OpenApiTypes.STR,
    enum=["en", "pt"],
    description="Language of names and descriptions (default: the user's).",
)
# Gatherings per group in the catalogue list: the whole real archive's groups fit (about 40
# each); at ten times its size the body stays small, and the group detail pages the rest.
GATHERING_LIMIT = 50
MAX_GATHERING_LIMIT = 100

CONTENT_LANGUAGE_PARAM = OpenApiParameter(
    "contentLanguage",
    OpenApiTypes.STR,
    enum=list(selectors.CONTENT_LANGUAGES),
    description="Tracks heard in English, Portuguese or either (default: the user's content language).",
)


class ContentView(APIView):
    """Shared by the content reads: who reads, in which language, and the ETag check."""

    # A caller with no token reads the free-anyone gatherings only (the access rule's anonymous
    # profile), rate-limited per IP; a bad token is still a 401 from authentication.
    permission_classes = [AllowAny]
    throttle_classes = [AnonymousThrottle, ContentThrottle]
    renders_camel_case = True

    def reader(self, request) -> selectors.Reader:
        user = request.user
        language = request.query_params.get("language") or getattr(user, "language", "en")
        if language not in ("en", "pt"):
            raise APIError(
                _("language must be en or pt."), code="validation_error", details={"language": ["Must be en or pt."]}
            )
        content_language = request.query_params.get("contentLanguage") or getattr(user, "content_language", "en")
        if content_language not in selectors.CONTENT_LANGUAGES:
            raise APIError(
                _("contentLanguage must be en, pt or en-pt."),
                code="validation_error",
                details={"contentLanguage": ["Must be en, pt or en-pt."]},
            )
        return selectors.Reader(
            profile=AccessProfile.for_user(user), language=language, content_language=content_language
        )

    def respond_object(self, request, shape, select, object_id):
        """One object: the rows ``select(reader, object_id)`` reads, built into ``shape``; 404 without rows."""
        reader = self.reader(request)

        def build():
            rows = select(reader, object_id)
            return None if rows is None else shape.build(rows, reader.language)

        return self.respond(request, reader, build)

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
            CONTENT_LANGUAGE_PARAM,
            OpenApiParameter("year", {"type": "integer", "minimum": 1900, "maximum": 2100}),
            OpenApiParameter("season", OpenApiTypes.STR, enum=["spring", "fall"]),
            OpenApiParameter(
                "gatheringLimit",
                {"type": "integer", "minimum": 1, "maximum": MAX_GATHERING_LIMIT},
                description=f"Gatherings listed per group, newest first (default {GATHERING_LIMIT}); "
                "the rest are paged in the group detail.",
            ),
            *page_parameters(),
        ],
        responses={200: shapes.RetreatList, **ERROR_RESPONSES},
    )
    def get(self, request):
        reader = self.reader(request)
        page = page_from(request)
        filters = self._filters(request)
        per_group = int_param(request, "gatheringLimit", GATHERING_LIMIT, minimum=1, maximum=MAX_GATHERING_LIMIT)

        def build():
            groups, total = selectors.retreat_groups_page(
                reader, filters, limit=page.limit, offset=page.offset, per_group=per_group
            )
            return shapes.RetreatList.build(
                page,
                total,
                retreatGroups=[shapes.RetreatGroupSummary.build(group, reader.language) for group in groups],
            )

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
        parameters=[LANGUAGE_PARAM, CONTENT_LANGUAGE_PARAM, *page_parameters()],
        responses={200: shapes.RetreatGroup, **ERROR_RESPONSES},
    )
    def get(self, request, group_id):
        reader = self.reader(request)
        page = page_from(request)

        def build():
            rows = selectors.retreat_group_detail(reader, group_id, limit=page.limit, offset=page.offset)
            return None if rows is None else shapes.RetreatGroup.build(rows, reader.language, page=page)

        return self.respond(request, reader, build)


class GatheringDetailView(ContentView):
    @extend_schema(
        operation_id="content_gathering",
        parameters=[LANGUAGE_PARAM, CONTENT_LANGUAGE_PARAM],
        responses={200: shapes.Gathering, **ERROR_RESPONSES},
    )
    def get(self, request, gathering_id):
        return self.respond_object(request, shapes.Gathering, selectors.gathering_detail, gathering_id)


class TrackDetailView(ContentView):
    @extend_schema(
        operation_id="content_track",
        parameters=[LANGUAGE_PARAM, CONTENT_LANGUAGE_PARAM],
        responses={200: shapes.Track, **ERROR_RESPONSES},
    )
    def get(self, request, track_id):
        return self.respond_object(request, shapes.Track, selectors.track_detail, track_id)


class TeacherListView(ContentView):
    @extend_schema(
        operation_id="content_teachers",
        parameters=[*page_parameters()],
        responses={200: shapes.TeacherList, **ERROR_RESPONSES},
    )
    def get(self, request):
        reader = self.reader(request)
        page = page_from(request)

        def build():
            rows, total = selectors.teachers_page(limit=page.limit, offset=page.offset)
            return shapes.TeacherList.build(page, total, teachers=[shapes.TeacherSummary.build(row) for row in rows])

        return self.respond(request, reader, build)


class TeacherDetailView(ContentView):
    @extend_schema(
        operation_id="content_teacher",
        parameters=[LANGUAGE_PARAM],
        responses={200: shapes.Teacher, **ERROR_RESPONSES},
    )
    def get(self, request, abbreviation):
        return self.respond_object(request, shapes.Teacher, selectors.teacher_detail, abbreviation)


class UserAccessView(APIView):
    """``GET /user/access``: the listener's grants and attendances of published gatherings."""

    throttle_classes = [ContentThrottle]
    renders_camel_case = True

    @extend_schema(operation_id="user_access", responses={200: shapes.UserAccess, **ERROR_RESPONSES})
    def get(self, request):
        language = getattr(request.user, "language", "en")
        body = shapes.UserAccess.build(services.listener_access(request.user), language)
        return Response(body, headers={"Cache-Control": "private, no-store"})
