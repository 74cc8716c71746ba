"""Reads of listening progress, bookmarks and highlights.

Every list is read as ``.values()`` rows in a constant number of queries (``progress.shapes``
builds the bodies), and every figure (totals, streaks, listening per day) is an aggregate
computed by the database.
"""

import datetime
import zoneinfo
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from django.db.models import Avg, Count, Exists, FloatField, IntegerField, Max, OuterRef, Q, Subquery, Sum, Value
from django.db.models.functions import Coalesce, TruncDate
from django.utils import timezone

from accounts.models import User
from retreats.access import AccessProfile, published_q
from retreats.models import Retreat, Track

from .models import Bookmark, EventBookmark, Highlight, ListeningSession, TrackProgress

STATS_DAYS = 30


@dataclass(frozen=True)
class TrackRef:
    """What a progress write needs to know about a track."""

    id: int
    uuid: object
    duration: float
    playable: bool
    locked_reason: str | None = None  # why not, when not playable (retreats.access.Reason)


def track_refs(*, user, track_uuids: Iterable) -> dict:
    """Published tracks among ``track_uuids``, keyed by uuid, each with whether ``user`` may play it.

    Unknown and unpublished tracks are simply absent (the caller answers 404).
    """
    return {ref.uuid: ref for ref in _track_refs(user, Q(uuid__in=list(track_uuids)))}


def track_refs_by_id(*, user, track_ids: Iterable[int]) -> dict:
    """:func:`track_refs` keyed by primary key (the mobile app's integer ids)."""
    return {ref.id: ref for ref in _track_refs(user, Q(pk__in=list(track_ids)))}


def _track_refs(user, which: Q) -> list[TrackRef]:
    profile = AccessProfile.for_user(user)
    rows = (
        Track.objects.filter(published_q("session__retreat__"), which)
        .annotate(playable=Exists(Retreat.objects.filter(profile.playable_q(), pk=OuterRef("session__retreat_id"))))
        .values_list(
            "id", "uuid", "duration", "playable", "session__retreat__audience_id", "session__retreat__required_plan"
        )
    )
    return [
        TrackRef(
            pk, uuid, duration, playable, None if playable else profile.reason(audience=audience, required_plan=plan)
        )
        for pk, uuid, duration, playable, audience, plan in rows
    ]


def transcript_page_count(*, track_id: int) -> int:
    """The most pages among the track's transcripts (0 without one)."""
    return Track.objects.filter(pk=track_id).aggregate(pages=Max("transcripts__page_count"))["pages"] or 0


PROGRESS_FIELDS = ("track_id", "position", "completed", "last_played")
BOOKMARK_FIELDS = ("uuid", "track_id", "track__uuid", "position", "note", "created_at")
HIGHLIGHT_FIELDS = ("uuid", "track__uuid", "page", "text", "color", "note", "created_at")


def empty_progress(track_uuid) -> dict:
    """The progress row of a track never played."""
    return {"track__uuid": track_uuid, "position": 0.0, "completed": False, "last_played": None}


def progress_states(*, user, track_uuids_by_id: dict[int, object]) -> list[dict]:
    """The merged state of these tracks (ids → uuids the caller already knows): one query."""
    rows = list(
        TrackProgress.objects.filter(user=user, track_id__in=list(track_uuids_by_id))
        .order_by("track_id")
        .values(*PROGRESS_FIELDS)
    )
    for row in rows:
        row["track__uuid"] = track_uuids_by_id[row["track_id"]]
    return rows


def listening_seconds():
    """Seconds listened, as an annotation on TrackProgress rows (same user, same track)."""
    total = (
        ListeningSession.objects.filter(user_id=OuterRef("user_id"), track_id=OuterRef("track_id"))
        .order_by()
        .values("track_id")
        .annotate(s=Sum("seconds"))
        .values("s")
    )
    return Coalesce(Subquery(total, output_field=FloatField()), Value(0.0))


def totals(*, user) -> dict:
    """The row of ``statistics`` in ``GET /progress/user``: one query of scalar subqueries."""

    def count(queryset):
        return Coalesce(
            Subquery(
                queryset.order_by().values("user_id").annotate(c=Count("pk")).values("c"), output_field=IntegerField()
            ),
            Value(0),
        )

    mine = Q(user_id=OuterRef("pk"))
    listened = ListeningSession.objects.filter(mine).order_by().values("user_id").annotate(s=Sum("seconds")).values("s")
    row = (
        User.objects.filter(pk=user.pk)
        .annotate(
            total_tracks=count(TrackProgress.objects.filter(mine)),
            completed_tracks=count(TrackProgress.objects.filter(mine, completed=True)),
            total_listening_time=Coalesce(Subquery(listened, output_field=FloatField()), Value(0.0)),
            total_bookmarks=count(Bookmark.objects.filter(mine)),
            total_highlights=count(Highlight.objects.filter(mine)),
        )
        .values("total_tracks", "completed_tracks", "total_listening_time", "total_bookmarks", "total_highlights")
        .get()
    )
    return row


def user_progress_page(
    *, user, track_uuid=None, limit: int, offset: int
) -> tuple[list[tuple[Mapping[str, Any], list[Mapping[str, Any]]]], int]:
    """``GET /progress/user``: most recently played first, each row with its listening time and its bookmark rows."""
    queryset = TrackProgress.objects.filter(user=user)
    if track_uuid is not None:
        queryset = queryset.filter(track__uuid=track_uuid)
    total = queryset.count()
    rows = list(
        queryset.annotate(total_listening_time=listening_seconds())
        .order_by("-last_played", "-pk")
        .values("track_id", "track__uuid", "position", "completed", "last_played", "total_listening_time")[
            offset : offset + limit
        ]
    )
    bookmarks: defaultdict[int, list[Mapping[str, Any]]] = defaultdict(list)
    if rows:
        for row in (
            Bookmark.objects.filter(user=user, track_id__in=[r["track_id"] for r in rows])
            .order_by("position", "created_at")
            .values(*BOOKMARK_FIELDS)
        ):
            bookmarks[row["track_id"]].append(row)
    return [(row, bookmarks[row["track_id"]]) for row in rows], total


def _newest_first_page(queryset, fields, *, track_uuid, limit: int, offset: int) -> tuple[list[dict], int]:
    """The user's rows of one track (or of all), as ``fields``, newest first; and how many there are."""
    if track_uuid is not None:
        queryset = queryset.filter(track__uuid=track_uuid)
    total = queryset.count()
    return list(queryset.order_by("-created_at", "-pk").values(*fields)[offset : offset + limit]), total


def bookmarks_page(*, user, track_uuid=None, limit: int, offset: int) -> tuple[list[dict], int]:
    """Bookmark rows (``BOOKMARK_FIELDS``), newest first, and how many there are."""
    return _newest_first_page(
        Bookmark.objects.filter(user=user), BOOKMARK_FIELDS, track_uuid=track_uuid, limit=limit, offset=offset
    )


def highlights_page(*, user, track_uuid=None, limit: int, offset: int) -> tuple[list[dict], int]:
    """Highlight rows (``HIGHLIGHT_FIELDS``), newest first, and how many there are."""
    return _newest_first_page(
        Highlight.objects.filter(user=user), HIGHLIGHT_FIELDS, track_uuid=track_uuid, limit=limit, offset=offset
    )


def user_zone(user) -> zoneinfo.ZoneInfo:
    """The user's time zone; UTC when unset or unknown."""
    try:
        return zoneinfo.ZoneInfo(user.time_zone or "UTC")
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return zoneinfo.ZoneInfo("UTC")


@dataclass(frozen=True)
class ListeningStats:
    totals: dict  # the row of :func:`totals`
    current_streak_days: int
    listening_by_day: list[tuple[datetime.date, float]]  # the last STATS_DAYS days, oldest first


def stats(*, user, now: datetime.datetime | None = None) -> ListeningStats:
    """``GET /progress/stats``: the totals, the current streak and listening per day in the user's time zone."""
    zone = user_zone(user)
    today = timezone.localtime(now or timezone.now(), zone).date()
    first_day = today - datetime.timedelta(days=STATS_DAYS - 1)
    one_day = datetime.timedelta(days=1)
    days = (
        ListeningSession.objects.filter(user=user)
        .annotate(day=TruncDate("played_at", tzinfo=zone))
        .order_by()
        .values("day")
        .annotate(seconds=Sum("seconds"))
        .order_by("-day")
        .values_list("day", "seconds")
    )
    # The database sums seconds per day (one row per day with listening, however many sessions);
    # here we only walk those days, newest first, until the streak has ended and the chart is full.
    seconds_by_day: dict[datetime.date, float] = {}
    streak, expected, counting = 0, today, True
    for day, seconds in days:
        if day > today:  # up to the allowed clock skew past midnight: counts as today
            day = today
        if day >= first_day:
            seconds_by_day[day] = seconds_by_day.get(day, 0) + seconds
        if counting:
            if streak == 0 and expected == today and day == today - one_day:
                expected = day  # nothing yet today: a streak that ended yesterday is still current
            if day == expected:
                streak += 1
                expected = day - one_day
            elif day < expected:
                counting = False
        if not counting and day < first_day:
            break
    listening = []
    for offset in range(STATS_DAYS):
        day = first_day + datetime.timedelta(days=offset)
        listening.append((day, seconds_by_day.get(day, 0.0)))
    return ListeningStats(totals=totals(user=user), current_streak_days=streak, listening_by_day=listening)


def track_completion(*, track_id: int) -> dict:
    """Per-track figures for staff: listeners, completions, completion rate, hours listened."""
    figures = TrackProgress.objects.filter(track_id=track_id).aggregate(
        listeners=Count("pk"), completed=Count("pk", filter=Q(completed=True)), average_position=Avg("position")
    )
    listeners = figures["listeners"]
    return {
        "listeners": listeners,
        "completed": figures["completed"],
        "completion_rate": figures["completed"] / listeners if listeners else 0.0,
        "average_position": figures["average_position"] or 0.0,
        "listening_seconds": ListeningSession.objects.filter(track_id=track_id).aggregate(s=Sum("seconds"))["s"] or 0.0,
    }


# --- Integer-keyed reads (the mobile app's compatibility API, docs/compat-api.md) -------------

PROGRESS_ROW_FIELDS = ("track_id", "position", "completed", "last_played", "track__duration")


def progress_rows(*, user, track_id: int | None = None) -> list[Mapping[str, Any]]:
    """The user's merged progress rows with their track's duration, newest first. One query."""
    queryset = TrackProgress.objects.filter(user=user)
    if track_id is not None:
        queryset = queryset.filter(track_id=track_id)
    return list(queryset.order_by("-last_played").values(*PROGRESS_ROW_FIELDS))


def last_played_row(*, user) -> Mapping[str, Any] | None:
    """The user's most recently played track that is still published. One query."""
    return (
        TrackProgress.objects.filter(user=user, **{"track__session__retreat__status": Retreat.Status.PUBLISHED})
        .order_by("-last_played")
        .values(*PROGRESS_ROW_FIELDS)
        .first()
    )


def track_bookmark_rows(*, user) -> list[Mapping[str, Any]]:
    """The user's bookmarks, one per track (the earliest), newest first. One query."""
    first: dict[int, Mapping[str, Any]] = {}
    for row in Bookmark.objects.filter(user=user).order_by("created_at").values("id", "track_id", "created_at"):
        first.setdefault(row["track_id"], row)
    return sorted(first.values(), key=lambda row: row["created_at"], reverse=True)


def event_bookmark_rows(*, user) -> list[Mapping[str, Any]]:
    """The user's gathering bookmarks of published gatherings, newest first. One query."""
    return list(
        EventBookmark.objects.filter(user=user, **{"gathering__status": Retreat.Status.PUBLISHED})
        .order_by("-created_at")
        .values("id", "gathering_id", "created_at")
    )
