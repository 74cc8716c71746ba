"""Listening and bookmarks (docs/compat-api.md "Listening and bookmarks") over ``progress``'s
one merge and its selectors."""

from rest_framework.response import Response

from accounts.authentication import request_session
from padmakara.api.throttles import ProgressThrottle
from progress import selectors as progress_selectors
from progress import services as progress_services
from retreats import selectors

from . import shapes
from .api import CompatView, no_content, not_found, null


class ProgressView(CompatView):
    throttle_classes = [ProgressThrottle]

    def get(self, request):
        return Response([shapes.progress(row) for row in progress_selectors.progress_rows(user=request.user)])

    def post(self, request):
        data = self.body(request)
        track_id, position = self.required(data, "trackId", "positionSeconds")
        track_id = self.integer(track_id, "trackId")
        position = self.number(position, "positionSeconds")
        row = progress_services.progress_report(
            user=request.user, track_id=track_id, position=position, origin=request_session(request)
        )
        if row is None:
            return Response({"skipped": True, "reason": "unknown_or_locked_track"})
        return Response(shapes.progress(row))


class TrackProgressView(CompatView):
    def get(self, request, track_id):
        rows = progress_selectors.progress_rows(user=request.user, track_id=track_id)
        return Response(shapes.progress(rows[0], with_track=False) if rows else shapes.EMPTY_PROGRESS)


class LastPlayedView(CompatView):
    def get(self, request):
        row = progress_selectors.last_played_row(user=request.user)
        track = (
            selectors.track_rows_by_ids(self.profile(request), [row["track_id"]]).get(row["track_id"]) if row else None
        )
        if row is None or track is None:
            return null()
        body = shapes.progress(row)
        context = shapes.track_with_context(track)
        session = context.pop("session")
        event = session.pop("event")
        return Response({**body, "track": context, "session": session, "event": event})


class TrackBookmarkListView(CompatView):
    def get(self, request):
        rows = progress_selectors.track_bookmark_rows(user=request.user)
        tracks = selectors.track_rows_by_ids(self.profile(request), [row["track_id"] for row in rows])
        return Response([self.shape(row, tracks[row["track_id"]]) for row in rows if row["track_id"] in tracks])

    def post(self, request):
        (track_id,) = self.required(self.body(request), "trackId")
        track_id = self.integer(track_id, "trackId")
        bookmark_id = progress_services.track_bookmark_add(user=request.user, track_id=track_id)
        track = selectors.track_rows_by_ids(self.profile(request), [track_id])[track_id]
        rows = [row for row in progress_selectors.track_bookmark_rows(user=request.user) if row["id"] == bookmark_id]
        return Response(self.shape(rows[0], track), status=201)

    @staticmethod
    def shape(row: dict, track: dict) -> dict:
        return {
            "id": row["id"],
            "trackId": row["track_id"],
            "createdAt": shapes.iso_datetime(row["created_at"]),
            "track": shapes.track_with_context(track),
        }


class TrackBookmarkDetailView(CompatView):
    def delete(self, request, track_id):
        if not progress_services.track_bookmark_remove(user=request.user, track_id=track_id):
            raise not_found("No such bookmark.")
        return no_content()


class EventBookmarkListView(CompatView):
    def get(self, request):
        rows = progress_selectors.event_bookmark_rows(user=request.user)
        events = selectors.event_rows(self.profile(request), event_ids=[row["gathering_id"] for row in rows])
        by_id = {event["id"]: event for event in events.events}
        return Response(
            [
                self.shape(row, shapes.event(by_id[row["gathering_id"]], events))
                for row in rows
                if row["gathering_id"] in by_id
            ]
        )

    def post(self, request):
        (event_id,) = self.required(self.body(request), "eventId")
        event_id = self.integer(event_id, "eventId")
        events = selectors.event_rows(self.profile(request), event_ids=[event_id])
        bookmark_id = progress_services.event_bookmark_add(
            user=request.user, event_id=event_id, visible=bool(events.events)
        )
        rows = [row for row in progress_selectors.event_bookmark_rows(user=request.user) if row["id"] == bookmark_id]
        return Response(self.shape(rows[0], shapes.event(events.events[0], events)), status=201)

    @staticmethod
    def shape(row: dict, event: dict) -> dict:
        return {
            "id": row["id"],
            "eventId": row["gathering_id"],
            "createdAt": shapes.iso_datetime(row["created_at"]),
            "event": event,
        }


class EventBookmarkDetailView(CompatView):
    def delete(self, request, event_id):
        if not progress_services.event_bookmark_remove(user=request.user, event_id=event_id):
            raise not_found("No such bookmark.")
        return no_content()
