"""Progress API (docs/api.md "Progress"): each view validates, calls one service or selector, responds.

Bodies arrive in snake_case (the parser converts camelCase); responses are built in camelCase
by ``progress.shapes`` from the selectors' rows, so the renderer does not walk them again.
"""

import datetime
import uuid

import orjson
from django.conf import settings
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_field
from rest_framework import serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.authentication import request_session
from padmakara.api.errors import APIError
from padmakara.api.inputs import validated
from padmakara.api.pagination import page_from, page_parameters
from padmakara.api.schema import camel_request, error_responses
from padmakara.api.throttles import ProgressThrottle

from . import selectors, services, shapes
from .models import EVENT_ID_MAX_LENGTH, HIGHLIGHT_TEXT_MAX_LENGTH, NOTE_MAX_LENGTH, Highlight

MAX_SESSION_SECONDS = 24 * 60 * 60
MAX_DEVICE_INFO_BYTES = 2048
MAX_POSITION = 7 * 24 * 60 * 60  # a week: no talk is longer; keeps inf and absurd values out


# --- Input ------------------------------------------------------------------------------


class IsoDateTimeField(serializers.DateTimeField):
    """ISO 8601 parsed by the standard library. DRF's general parser took a third of the
    validation time of a 500-event sync (three timestamps per event); this one is ~200× faster."""

    def to_internal_value(self, value):
        if not isinstance(value, str):
            return super().to_internal_value(value)
        try:
            parsed = datetime.datetime.fromisoformat(value)
        except ValueError:
            self.fail("invalid", format="ISO 8601, e.g. 2026-01-15T10:00:00Z")
        if parsed.tzinfo is None:
            return parsed.replace(tzinfo=datetime.UTC)
        try:
            return parsed.astimezone(datetime.UTC)
        except OverflowError:
            # An offset that pushes it past the calendar (0001-01-01T00:00:00+14:00): its end of the
            # calendar, which the merge refuses as out of range rather than failing on it later.
            if parsed.year == datetime.MINYEAR:
                return datetime.datetime.min.replace(tzinfo=datetime.UTC)
            return datetime.datetime.max.replace(tzinfo=datetime.UTC)


@extend_schema_field(OpenApiTypes.OBJECT)
class DeviceInfoField(serializers.Field):
    """Whatever the app reports about the device, as one small JSON object, stored as given
    (DictField would validate it key by key on each of 500 events)."""

    default_error_messages = {
        "not_a_dict": _("Must be an object."),
        "too_large": _("Must be at most {max_bytes} bytes of JSON."),
    }

    def to_internal_value(self, data):
        if not isinstance(data, dict):
            self.fail("not_a_dict")
        if len(orjson.dumps(data)) > MAX_DEVICE_INFO_BYTES:
            self.fail("too_large", max_bytes=MAX_DEVICE_INFO_BYTES)
        return data

    def to_representation(self, value):
        return value


class SessionDataInput(serializers.Serializer):
    start_time = IsoDateTimeField(required=False, allow_null=True)
    end_time = IsoDateTimeField(required=False, allow_null=True)
    device_info = DeviceInfoField(required=False, default=dict)

    def validate(self, attrs):
        start, end = attrs.get("start_time"), attrs.get("end_time")
        if start is not None and end is not None:
            if end < start:
                raise serializers.ValidationError({"end_time": [_("Must not be before startTime.")]})
            if (end - start).total_seconds() > MAX_SESSION_SECONDS:
                raise serializers.ValidationError({"end_time": [_("A session lasts at most 24 hours.")]})
        return attrs


class _EventFields(serializers.Serializer):
    track_id = serializers.UUIDField()
    position = serializers.FloatField(min_value=0, max_value=MAX_POSITION)
    completed = serializers.BooleanField(required=False, default=False)
    session_data = SessionDataInput(required=False, allow_null=True)


class TrackProgressInput(_EventFields):
    event_id = serializers.CharField(max_length=EVENT_ID_MAX_LENGTH, required=False, allow_blank=False)
    played_at = IsoDateTimeField(required=False, allow_null=True)


class SyncEventInput(_EventFields):
    event_id = serializers.CharField(max_length=EVENT_ID_MAX_LENGTH)
    played_at = IsoDateTimeField()


class ProgressSyncInput(serializers.Serializer):
    events = serializers.ListField(child=SyncEventInput(), allow_empty=True)


class NewBookmarkInput(serializers.Serializer):
    track_id = serializers.UUIDField()
    position = serializers.FloatField(min_value=0, max_value=MAX_POSITION)
    note = serializers.CharField(max_length=NOTE_MAX_LENGTH, required=False, allow_blank=True, default="")


class NewHighlightInput(serializers.Serializer):
    track_id = serializers.UUIDField()
    page = serializers.IntegerField(min_value=1)
    text = serializers.CharField(max_length=HIGHLIGHT_TEXT_MAX_LENGTH)
    color = serializers.ChoiceField(choices=Highlight.Color.choices, required=False, default=Highlight.Color.YELLOW)
    note = serializers.CharField(max_length=NOTE_MAX_LENGTH, required=False, allow_blank=True, default="")


def _event(data: dict, *, event_id: str) -> services.ProgressEvent:
    session = data.get("session_data") or {}
    return services.ProgressEvent(
        event_id=event_id,
        track_id=data["track_id"],
        position=data["position"],
        completed=data["completed"],
        played_at=data.get("played_at"),
        start_time=session.get("start_time"),
        end_time=session.get("end_time"),
        device_info=session.get("device_info") or {},
    )


def _track_filter(request):
    raw = request.query_params.get("trackId")
    if not raw:
        return None
    try:
        return uuid.UUID(raw)
    except ValueError:
        raise APIError(
            _("trackId must be a UUID."), code="validation_error", details={"trackId": [_("Must be a valid UUID.")]}
        ) from None


def _own_rows(request, select):
    """The page asked for, and the user's rows on it as ``select`` reads them (``?trackId=`` narrows them)."""
    track_uuid, page = _track_filter(request), page_from(request)
    rows, total = select(user=request.user, track_uuid=track_uuid, limit=page.limit, offset=page.offset)
    return page, rows, total


def _deleted(deleted: bool, not_found: str, done: str) -> Response:
    if not deleted:
        raise APIError(not_found, code="not_found", status_code=404)
    return Response(shapes.ProgressMessage.build(done))


# --- Schema (camelCase on the wire, as the parser and renderer make it) ---------------------------


PAGE_PARAMS = [
    OpenApiParameter("trackId", OpenApiTypes.UUID, description="Only rows of this track."),
    *page_parameters(),
]


def _errors(*codes):
    return error_responses(401, 429, *codes)


# --- Views ------------------------------------------------------------------------------


class ProgressView(APIView):
    throttle_classes = [ProgressThrottle]
    renders_camel_case = True


class TrackProgressView(ProgressView):
    @extend_schema(
        operation_id="progress_track",
        summary="Report the position in one track",
        description=(
            "Merged like a one-event sync: the latest playedAt sets position and lastPlayed, completed is sticky "
            "(and set at 95% of the duration), sessionData counts once per eventId. Without eventId the report "
            "counts as a new event; without playedAt it is taken as now."
        ),
        request=camel_request(TrackProgressInput),
        responses={200: shapes.TrackProgressResponse, **_errors(400, 403, 404)},
    )
    def post(self, request):
        data = validated(TrackProgressInput, request)
        event = _event(data, event_id=data.get("event_id") or services.new_event_id())
        result = services.progress_sync(user=request.user, events=[event], strict=True, origin=request_session(request))
        # Empty only when a replayed eventId belonged to another track: this one has no progress yet.
        progress = result.progress[0] if result.progress else selectors.empty_progress(event.track_id)
        return Response(shapes.TrackProgressResponse.build(progress, message=_("Progress saved.")))


class SyncView(ProgressView):
    @extend_schema(
        operation_id="progress_sync",
        summary="Upload an offline queue of progress events",
        description=(
            f"At most {settings.PROGRESS_SYNC_MAX_EVENTS} events. An eventId seen before (in an earlier request or "
            "earlier in this batch) counts in duplicates and changes nothing. Events on tracks that are unknown or "
            "that the user may no longer play, or with a time outside 2000-01-01 to 2100-01-01, are left out and "
            "listed in rejected (ours), so one of them never blocks the rest of the queue. A session counts at most "
            "the track's duration."
        ),
        request=camel_request(ProgressSyncInput),
        responses={200: shapes.SyncResponse, **_errors(400)},
    )
    def post(self, request):
        events = request.data.get("events") if isinstance(request.data, dict) else None
        limit = settings.PROGRESS_SYNC_MAX_EVENTS
        # Checked before validating a single event: an oversized queue costs nothing.
        if isinstance(events, list) and len(events) > limit:
            raise APIError(
                _("Too many events in one sync."),
                code="validation_error",
                details={
                    "events": [_("At most %(limit)d events per request; send the rest in another.") % {"limit": limit}]
                },
            )
        data = validated(ProgressSyncInput, request)
        result = services.progress_sync(
            user=request.user,
            events=[_event(item, event_id=item["event_id"]) for item in data["events"]],
            origin=request_session(request),
        )
        return Response(shapes.SyncResponse.build(result))


class UserProgressView(ProgressView):
    @extend_schema(
        operation_id="progress_user",
        summary="The user's progress, most recently played first",
        parameters=PAGE_PARAMS,
        responses={200: shapes.UserProgress, **_errors(400)},
    )
    def get(self, request):
        page, rows, total = _own_rows(request, selectors.user_progress_page)
        return Response(
            shapes.UserProgress.build(
                page,
                total,
                progress=[shapes.TrackProgressWithBookmarks.build(row) for row in rows],
                statistics=shapes.ProgressTotals.build(selectors.totals(user=request.user)),
            )
        )


class StatsView(ProgressView):
    @extend_schema(
        operation_id="progress_stats",
        summary="Listening statistics",
        description="Days are counted in the user's time zone (UTC when unset); listeningByDay covers the last 30 days.",
        responses={200: shapes.ProgressStats, **_errors()},
    )
    def get(self, request):
        return Response(shapes.ProgressStats.build(selectors.stats(user=request.user)))


class BookmarkCreateView(ProgressView):
    @extend_schema(
        operation_id="progress_bookmark_create",
        summary="Bookmark a moment of a track",
        request=camel_request(NewBookmarkInput),
        responses={201: shapes.BookmarkCreated, **_errors(400, 403, 404)},
    )
    def post(self, request):
        data = validated(NewBookmarkInput, request)
        bookmark = services.bookmark_create(
            user=request.user, track_uuid=data["track_id"], position=data["position"], note=data["note"]
        )
        return Response(shapes.BookmarkCreated.build(bookmark), status=status.HTTP_201_CREATED)


class BookmarkListView(ProgressView):
    @extend_schema(
        operation_id="progress_bookmarks",
        summary="The user's bookmarks, newest first",
        parameters=PAGE_PARAMS,
        responses={200: shapes.BookmarkList, **_errors(400)},
    )
    def get(self, request):
        page, rows, total = _own_rows(request, selectors.bookmarks_page)
        return Response(shapes.BookmarkList.build(page, total, bookmarks=[shapes.Bookmark.build(row) for row in rows]))


class BookmarkDetailView(ProgressView):
    @extend_schema(
        operation_id="progress_bookmark_delete",
        summary="Delete a bookmark",
        responses={200: shapes.ProgressMessage, **_errors(404)},
    )
    def delete(self, request, bookmark_id):
        deleted = services.bookmark_delete(user=request.user, bookmark_uuid=bookmark_id)
        return _deleted(deleted, _("No such bookmark."), _("Bookmark deleted."))


class HighlightCreateView(ProgressView):
    @extend_schema(
        operation_id="progress_highlight_create",
        summary="Highlight a passage of a transcript",
        request=camel_request(NewHighlightInput),
        responses={201: shapes.HighlightCreated, **_errors(400, 403, 404)},
    )
    def post(self, request):
        data = validated(NewHighlightInput, request)
        highlight = services.highlight_create(
            user=request.user,
            track_uuid=data["track_id"],
            page=data["page"],
            text=data["text"],
            color=data["color"],
            note=data["note"],
        )
        return Response(shapes.HighlightCreated.build(highlight), status=status.HTTP_201_CREATED)


class HighlightListView(ProgressView):
    @extend_schema(
        operation_id="progress_highlights",
        summary="The user's highlights, newest first",
        parameters=PAGE_PARAMS,
        responses={200: shapes.HighlightList, **_errors(400)},
    )
    def get(self, request):
        page, rows, total = _own_rows(request, selectors.highlights_page)
        return Response(
            shapes.HighlightList.build(page, total, highlights=[shapes.Highlight.build(row) for row in rows])
        )


class HighlightDetailView(ProgressView):
    @extend_schema(
        operation_id="progress_highlight_delete",
        summary="Delete a highlight",
        responses={200: shapes.ProgressMessage, **_errors(404)},
    )
    def delete(self, request, highlight_id):
        deleted = services.highlight_delete(user=request.user, highlight_uuid=highlight_id)
        return _deleted(deleted, _("No such highlight."), _("Highlight deleted."))
