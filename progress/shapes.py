"""The Progress API's response shapes (docs/api.md "Progress"): each declared once, built from the
``.values()`` rows of ``progress.selectors`` and the results of ``progress.services``."""

from rest_framework import serializers

from padmakara.api.shapes import PageShape, RowShape, Shape, WrapperShape, message_shape
from retreats.access import Reason

from .models import Highlight as HighlightModel
from .selectors import ListeningStats
from .services import Rejection, SyncResult

ProgressMessage = message_shape("ProgressMessage")


# Built from rows of progress.selectors (PROGRESS_FIELDS with track__uuid, BOOKMARK_FIELDS,
# HIGHLIGHT_FIELDS, totals): each field reads the row key of its source or snake_case name.


class TrackProgressState(RowShape):
    trackId = serializers.UUIDField(source="track__uuid")
    position = serializers.FloatField()
    completed = serializers.BooleanField()
    lastPlayed = serializers.DateTimeField()


class Bookmark(RowShape):
    id = serializers.UUIDField(source="uuid")
    trackId = serializers.UUIDField(source="track__uuid")
    position = serializers.FloatField()
    note = serializers.CharField()
    createdAt = serializers.DateTimeField()


class Highlight(RowShape):
    id = serializers.UUIDField(source="uuid")
    trackId = serializers.UUIDField(source="track__uuid")
    page = serializers.IntegerField()
    text = serializers.CharField()
    color = serializers.ChoiceField(choices=HighlightModel.Color.values)
    note = serializers.CharField()
    createdAt = serializers.DateTimeField()


class TrackProgressResponse(WrapperShape):
    message = serializers.CharField()
    progress = TrackProgressState()


class RejectedEvent(Shape):
    eventId = serializers.CharField()
    trackId = serializers.UUIDField()
    code = serializers.ChoiceField(choices=["not_found", "locked", "validation_error"])
    reason = serializers.ChoiceField(
        choices=list(Reason.ALL),
        required=False,
        help_text="With code locked only: why the track is locked (as details.reason of a 403 locked).",
    )

    @classmethod
    def build(cls, rejection: Rejection) -> dict:
        body = {"eventId": rejection.event_id, "trackId": rejection.track_id, "code": rejection.code}
        if rejection.reason is not None:
            body["reason"] = rejection.reason
        return body


class SyncResponse(Shape):
    applied = serializers.IntegerField()
    duplicates = serializers.IntegerField()
    progress = TrackProgressState(many=True)
    rejected = serializers.ListField(child=RejectedEvent())

    @classmethod
    def build(cls, result: SyncResult) -> dict:
        return {
            "applied": result.applied,
            "duplicates": result.duplicates,
            "progress": [TrackProgressState.build(row) for row in result.progress],
            "rejected": [RejectedEvent.build(rejection) for rejection in result.rejected],
        }


class TrackProgressWithBookmarks(TrackProgressState):
    totalListeningTime = serializers.FloatField()
    bookmarks = Bookmark(many=True)

    @classmethod
    def build(cls, rows: tuple[dict, list[dict]]) -> dict:
        row, bookmarks = rows
        item = super().build(row)
        item["bookmarks"] = [Bookmark.build(bookmark) for bookmark in bookmarks]
        return item


class ProgressTotals(RowShape):
    totalTracks = serializers.IntegerField()
    completedTracks = serializers.IntegerField()
    totalListeningTime = serializers.FloatField()
    totalBookmarks = serializers.IntegerField()
    totalHighlights = serializers.IntegerField()


class UserProgress(PageShape):
    progress = serializers.ListField(child=TrackProgressWithBookmarks())
    statistics = ProgressTotals()


class ListeningDay(Shape):
    date = serializers.DateField()
    seconds = serializers.FloatField()


class ProgressStats(ProgressTotals):
    currentStreakDays = serializers.IntegerField()
    listeningByDay = serializers.ListField(child=ListeningDay())

    @classmethod
    def build(cls, stats: ListeningStats) -> dict:
        return {
            **ProgressTotals.build(stats.totals),
            "currentStreakDays": stats.current_streak_days,
            "listeningByDay": [
                {"date": day.isoformat(), "seconds": seconds} for day, seconds in stats.listening_by_day
            ],
        }


class BookmarkCreated(WrapperShape):
    bookmark = Bookmark()


class BookmarkList(PageShape):
    bookmarks = Bookmark(many=True)


class HighlightCreated(WrapperShape):
    highlight = Highlight()


class HighlightList(PageShape):
    highlights = Highlight(many=True)
