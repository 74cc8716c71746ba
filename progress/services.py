"""Writes of listening progress, bookmarks and highlights.

The merge of progress events runs in the database in two statements whatever the batch size,
and never reads a row to write it back, so two devices syncing at once lose nothing:

1. every event goes into ``ListeningSession`` with ``ON CONFLICT (user_id, event_id) DO NOTHING
   RETURNING event_id``: the rows that come back are the events never seen before;
2. only those new events, folded per track, are upserted into ``TrackProgress`` with
   ``ON CONFLICT (user_id, track_id) DO UPDATE``: the position and ``last_played`` follow the
   newer ``playedAt`` (ties: the further position), ``completed`` is OR-ed.

So a replayed event changes nothing, and the final state does not depend on the order in
which events arrive. PostgreSQL and SQLite (3.35+) share both statements; only the row source
differs (``unnest()`` of one array per column on PostgreSQL, ``VALUES`` on SQLite).
"""

import datetime
import sqlite3
import uuid
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import orjson
from django.conf import settings
from django.db import connections, router, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from padmakara import realtime
from padmakara.errors import DomainError, Locked, NotFound

from . import selectors
from .models import Bookmark, EventBookmark, Highlight, ListeningSession, TrackProgress


@dataclass(frozen=True)
class ProgressEvent:
    """One position report from a device, as validated by the API."""

    event_id: str
    track_id: uuid.UUID
    position: float
    completed: bool = False
    played_at: datetime.datetime | None = None
    start_time: datetime.datetime | None = None
    end_time: datetime.datetime | None = None
    device_info: dict = field(default_factory=dict)


@dataclass(frozen=True)
class Rejection:
    """An event left out of a sync: its track is unknown (``not_found``), may not be played
    (``locked``), or one of its times is out of range (``validation_error``). A ``locked`` one
    says why (``reason``: ``retreats.access.Reason``, as ``details.reason`` of a 403 ``locked``)."""

    event_id: str
    track_id: uuid.UUID
    code: str
    reason: str | None = None


@dataclass(frozen=True)
class SyncResult:
    applied: int
    duplicates: int
    progress: list[dict]  # rows of selectors.progress_states
    rejected: list[Rejection]


def _require_playable(ref: selectors.TrackRef | None) -> selectors.TrackRef:
    if ref is None:
        raise NotFound(_("No such track."))
    if not ref.playable:
        raise Locked(details={"reason": ref.locked_reason})
    return ref


def playable_track(*, user, track_uuid) -> selectors.TrackRef:
    """The published track ``user`` may play; 404 when unknown or unpublished, 403 ``locked`` otherwise."""
    return _require_playable(selectors.track_refs(user=user, track_uuids=[track_uuid]).get(track_uuid))


# The times an event may carry (playedAt, startTime, endTime): nothing was played before the app
# existed, and the bounds keep arithmetic and the database far from the ends of the calendar.
EARLIEST_TIME = datetime.datetime(2000, 1, 1, tzinfo=datetime.UTC)
LATEST_TIME = datetime.datetime(2100, 1, 1, tzinfo=datetime.UTC)


def _in_range(value: datetime.datetime) -> bool:
    try:
        return EARLIEST_TIME <= value.astimezone(datetime.UTC) < LATEST_TIME
    except OverflowError:
        return False


def _times_out_of_range(event: ProgressEvent) -> dict:
    """The event's times outside [EARLIEST_TIME, LATEST_TIME), as validation details (empty when all fit)."""
    message = [_("Must be between 2000-01-01 and 2100-01-01.")]
    details: dict = {}
    if event.played_at is not None and not _in_range(event.played_at):
        details["played_at"] = message
    session = {
        name: message
        for name, value in (("start_time", event.start_time), ("end_time", event.end_time))
        if value is not None and not _in_range(value)
    }
    if session:
        details["session_data"] = session
    return details


def _played_at(value: datetime.datetime | None, now: datetime.datetime) -> datetime.datetime:
    """A device clock running ahead must not pin the position: far-future times are taken as now."""
    if value is None or value > now + datetime.timedelta(seconds=settings.PROGRESS_CLOCK_SKEW_SECONDS):
        return now
    return value


def _session_row(*, user_id: int, ref: selectors.TrackRef, event: ProgressEvent, now: datetime.datetime) -> dict:
    position = event.position
    if ref.duration > 0:
        position = min(position, ref.duration)  # players report a hair past the end
    completed = bool(event.completed) or (
        ref.duration > 0 and position >= settings.PROGRESS_COMPLETION_RATIO * ref.duration
    )
    seconds = 0.0
    if event.start_time is not None and event.end_time is not None:
        seconds = max(0.0, (event.end_time - event.start_time).total_seconds())
        if ref.duration > 0:
            seconds = min(seconds, ref.duration)  # one event counts at most the whole track
    return {
        "user_id": user_id,
        "track_id": ref.id,
        "event_id": event.event_id,
        "played_at": _played_at(event.played_at, now),
        "position": position,
        "completed": completed,
        "start_time": event.start_time,
        "end_time": event.end_time,
        "seconds": seconds,
        "device_info": event.device_info or {},
        "created_at": now,
    }


_SESSION_COLUMNS = (
    "user_id", "track_id", "event_id", "played_at", "position", "completed",
    "start_time", "end_time", "seconds", "device_info", "created_at",
)  # fmt: skip
_PROGRESS_COLUMNS = ("user_id", "track_id", "position", "completed", "last_played", "created_at", "updated_at")


def _adapter(connection, column: str):
    """How one column's Python value goes to the driver (datetimes are text on SQLite, JSON is Jsonb on PG)."""
    if column in ("played_at", "start_time", "end_time", "created_at", "updated_at", "last_played"):
        return connection.ops.adapt_datetimefield_value
    if column == "device_info":
        return lambda value: connection.ops.adapt_json_value(value, None)
    return None


# PostgreSQL types of the columns, for the unnest() row source.
_PG_TYPES = {
    "user_id": "bigint", "track_id": "bigint", "event_id": "varchar", "position": "double precision",
    "completed": "boolean", "seconds": "double precision", "device_info": "jsonb", "played_at": "timestamptz",
    "start_time": "timestamptz", "end_time": "timestamptz", "created_at": "timestamptz", "updated_at": "timestamptz",
    "last_played": "timestamptz",
}  # fmt: skip


def _row_source(connection, columns: Sequence[str], rows: Sequence[dict]) -> tuple[str, list]:
    """The rows as the source of an INSERT: ``SELECT * FROM unnest(...)`` on PostgreSQL, ``VALUES`` elsewhere.

    unnest() takes one array per column, so a 500-event sync is 11 parameters rather than 5,500:
    psycopg and the planner handle it in a fraction of the time. The statements around it are the same.
    """
    if connection.vendor == "postgresql":
        arrays = []
        for column in columns:
            values = [row[column] for row in rows]
            if column == "device_info":
                values = [orjson.dumps(value).decode() for value in values]
            arrays.append(values)
        return f"SELECT * FROM unnest({', '.join(f'%s::{_PG_TYPES[column]}[]' for column in columns)})", arrays
    adapters = [(column, _adapter(connection, column)) for column in columns]
    params = []
    for row in rows:
        for column, adapt in adapters:
            value = row[column]
            params.append(adapt(value) if adapt is not None and value is not None else value)
    one = "(" + ", ".join(["%s"] * len(columns)) + ")"
    return "VALUES " + ", ".join([one] * len(rows)), params


def _max_params(connection) -> int:
    """How many parameters one VALUES statement may carry. Django reports SQLite's historic 999;
    SQLite 3.32+ takes 32,766, which keeps a 500-event sync in one statement."""
    if connection.vendor == "sqlite":
        connection.ensure_connection()
        return connection.connection.getlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER)
    return connection.features.max_query_params or 65535


def _insert_sessions(connection, rows: Sequence[dict]) -> set[str]:
    """Insert the events; return the eventIds that were new (known ones hit the unique key and are skipped)."""
    qn = connection.ops.quote_name
    new_ids: set[str] = set()
    # VALUES has one parameter per cell: split only if a batch could exceed the driver's limit.
    # unnest() on PostgreSQL takes any number of rows in its 11 parameters.
    chunk = max(1, _max_params(connection) // len(_SESSION_COLUMNS)) if connection.vendor != "postgresql" else len(rows)
    for offset in range(0, len(rows), chunk):
        source, params = _row_source(connection, _SESSION_COLUMNS, rows[offset : offset + chunk])
        sql = (
            f"INSERT INTO {qn(ListeningSession._meta.db_table)} ({', '.join(map(qn, _SESSION_COLUMNS))}) "
            f"{source} ON CONFLICT ({qn('user_id')}, {qn('event_id')}) DO NOTHING RETURNING {qn('event_id')}"
        )
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            new_ids.update(row[0] for row in cursor.fetchall())
    return new_ids


def _upsert_progress(connection, rows: Sequence[dict]) -> None:
    """Merge folded events into TrackProgress without reading it: newer playedAt wins, completed is sticky."""
    qn = connection.ops.quote_name
    table = qn(TrackProgress._meta.db_table)
    source, params = _row_source(connection, _PROGRESS_COLUMNS, rows)
    current = {column: f"{table}.{qn(column)}" for column in ("position", "completed", "last_played")}
    new = {column: f"excluded.{qn(column)}" for column in ("position", "completed", "last_played")}
    newer = (
        f"({new['last_played']} > {current['last_played']} OR ({new['last_played']} = {current['last_played']} "
        f"AND {new['position']} > {current['position']}))"
    )
    sql = (
        f"INSERT INTO {table} ({', '.join(map(qn, _PROGRESS_COLUMNS))}) {source} "
        f"ON CONFLICT ({qn('user_id')}, {qn('track_id')}) DO UPDATE SET "
        f"{qn('position')} = CASE WHEN {newer} THEN {new['position']} ELSE {current['position']} END, "
        f"{qn('last_played')} = CASE WHEN {newer} THEN {new['last_played']} ELSE {current['last_played']} END, "
        f"{qn('completed')} = ({current['completed']} OR {new['completed']}), "
        f"{qn('updated_at')} = excluded.{qn('updated_at')} "
        # An older event that completes nothing new leaves the row untouched (no dead tuple, no bump).
        f"WHERE {newer} OR ({new['completed']} AND NOT {current['completed']})"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


def _fold(rows: Sequence[dict], now: datetime.datetime) -> list[dict]:
    """New events of one batch, one row per track: the newest event's position, completed if any was."""
    by_track = defaultdict(list)
    for row in rows:
        by_track[row["track_id"]].append(row)
    folded = []
    for track_id in sorted(by_track):  # one lock order for every request: no deadlocks between devices
        events = by_track[track_id]
        newest = max(events, key=lambda row: (row["played_at"], row["position"]))
        folded.append(
            {
                "user_id": newest["user_id"],
                "track_id": track_id,
                "position": newest["position"],
                "completed": any(row["completed"] for row in events),
                "last_played": newest["played_at"],
                "created_at": now,
                "updated_at": now,
            }
        )
    return folded


def progress_sync(
    *,
    user,
    events: Sequence[ProgressEvent],
    strict: bool = False,
    now: datetime.datetime | None = None,
    origin: str | None = None,
) -> SyncResult:
    """Apply a batch of progress events (an offline queue, or one live report).

    An eventId seen before, in an earlier request or earlier in this batch, counts as a
    duplicate and changes nothing. Events on unknown or locked tracks, or with a time out of
    range, are ``rejected`` and left out; with ``strict`` (``POST /progress/track``) they
    answer 404 / 403 / 400 ``validation_error`` instead. A session counts at most the track's
    duration.

    Once committed, the user's other connected devices get the merged state of the tracks that
    changed (``progress.updated.v1``); ``origin`` is the session of the device that sent the
    events (``accounts.authentication.request_session``), which does not get it back.
    """
    now = now or timezone.now()
    refs = selectors.track_refs(user=user, track_uuids={event.track_id for event in events})
    seen: set[str] = set()
    rows, rejected, touched = [], [], {}
    duplicates = 0
    for event in events:
        if event.event_id in seen:
            duplicates += 1
            continue
        seen.add(event.event_id)
        out_of_range = _times_out_of_range(event)
        if out_of_range:
            if strict:
                raise DomainError(_("A time is out of range."), code="validation_error", details=out_of_range)
            rejected.append(Rejection(event.event_id, event.track_id, "validation_error"))
            continue
        ref = refs.get(event.track_id)
        if ref is None or not ref.playable:
            if strict:
                _require_playable(ref)
            if ref is None:
                rejected.append(Rejection(event.event_id, event.track_id, "not_found"))
            else:  # the reason was read with the track (selectors.track_refs): no query per event
                rejected.append(Rejection(event.event_id, event.track_id, "locked", ref.locked_reason))
            continue
        touched[ref.id] = ref.uuid
        rows.append(_session_row(user_id=user.pk, ref=ref, event=event, now=now))

    applied = 0
    new_rows = []
    if rows:
        rows.sort(key=lambda row: row["event_id"])  # one lock order on the unique key across concurrent requests
        connection = connections[router.db_for_write(ListeningSession)]
        with transaction.atomic(using=connection.alias):
            new_ids = _insert_sessions(connection, rows)
            new_rows = [row for row in rows if row["event_id"] in new_ids]
            if new_rows:
                _upsert_progress(connection, _fold(new_rows, now))
        applied = len(new_rows)
        duplicates += len(rows) - applied
    progress = selectors.progress_states(user=user, track_uuids_by_id=touched) if touched else []
    if new_rows:
        changed = {row["track_id"] for row in new_rows}
        states = [state for state in progress if state["track_id"] in changed]
        transaction.on_commit(lambda: _tell_other_devices(user_id=user.pk, states=states, origin=origin))
    return SyncResult(applied=applied, duplicates=duplicates, progress=progress, rejected=rejected)


def _tell_other_devices(*, user_id: int, states: list[dict], origin: str | None) -> None:
    from .shapes import TrackProgressState  # the shape module imports this one

    realtime.publish(
        user_ids=[user_id],
        event_type=realtime.PROGRESS_UPDATED,
        data={"progress": [TrackProgressState.build(state) for state in states]},
        origin=origin,
    )


def new_event_id() -> str:
    """For a live report sent without an eventId: it counts once, as its own event."""
    return f"srv-{uuid.uuid4().hex}"


def bookmark_create(*, user, track_uuid, position: float, note: str = "") -> dict:
    """Bookmark a moment of a track the user may play (position within its duration); its row."""
    ref = playable_track(user=user, track_uuid=track_uuid)
    if ref.duration > 0 and position > ref.duration:
        raise DomainError(
            _("The position is past the end of the track."),
            code="validation_error",
            details={"position": [_("Must be <= %(duration)g.") % {"duration": ref.duration}]},
        )
    bookmark = Bookmark.objects.create(user=user, track_id=ref.id, position=position, note=note)
    return {"uuid": bookmark.uuid, "track__uuid": ref.uuid, "position": bookmark.position,
            "note": bookmark.note, "created_at": bookmark.created_at}  # fmt: skip


def bookmark_delete(*, user, bookmark_uuid) -> bool:
    """Delete one of the user's bookmarks; False when there is none with this id (another user's included)."""
    deleted, _counts = Bookmark.objects.filter(user=user, uuid=bookmark_uuid).delete()
    return bool(deleted)


def highlight_create(*, user, track_uuid, page: int, text: str, color: str = "", note: str = "") -> dict:
    """Highlight a passage on a transcript page of a track the user may play; its row."""
    ref = playable_track(user=user, track_uuid=track_uuid)
    pages = selectors.transcript_page_count(track_id=ref.id)
    if page > pages:
        message = _("This track has no transcript.") if not pages else _("The page is past the end of the transcript.")
        raise DomainError(
            message,
            code="validation_error",
            details={"page": [_("Must be <= %(pages)d.") % {"pages": pages} if pages else message]},
        )
    highlight = Highlight.objects.create(
        user=user, track_id=ref.id, page=page, text=text, color=color or Highlight.Color.YELLOW, note=note
    )
    return {"uuid": highlight.uuid, "track__uuid": ref.uuid, "page": highlight.page, "text": highlight.text,
            "color": highlight.color, "note": highlight.note, "created_at": highlight.created_at}  # fmt: skip


def highlight_delete(*, user, highlight_uuid) -> bool:
    deleted, _counts = Highlight.objects.filter(user=user, uuid=highlight_uuid).delete()
    return bool(deleted)


# --- Integer-keyed writes (the mobile app's compatibility API, docs/compat-api.md) ------------

# A report at or past this share of the track marks it completed (the app sends positions only).
COMPLETED_SHARE = 0.95


def progress_report(*, user, track_id: int, position: float, origin: str | None = None) -> Mapping[str, Any] | None:
    """One live position report by integer track id, through :func:`progress_sync` (the one
    merge): the track's merged row afterwards, or None when the track is unknown or locked."""
    ref = selectors.track_refs_by_id(user=user, track_ids=[track_id]).get(track_id)
    if ref is None or not ref.playable:
        return None
    position = max(0.0, min(position, ref.duration) if ref.duration > 0 else position)
    completed = ref.duration > 0 and position >= ref.duration * COMPLETED_SHARE
    event = ProgressEvent(event_id=new_event_id(), track_id=ref.uuid, position=position, completed=completed)
    progress_sync(user=user, events=[event], origin=origin)
    rows = selectors.progress_rows(user=user, track_id=ref.id)
    return rows[0] if rows else None


def track_bookmark_add(*, user, track_id: int) -> int:
    """Bookmark a track the user may play (at its start), once: the bookmark's id."""
    ref = _require_playable(selectors.track_refs_by_id(user=user, track_ids=[track_id]).get(track_id))
    existing = Bookmark.objects.filter(user=user, track_id=ref.id).order_by("created_at").values_list("id", flat=True)
    if existing:
        return existing[0]
    return Bookmark.objects.create(user=user, track_id=ref.id, position=0).pk


def track_bookmark_remove(*, user, track_id: int) -> bool:
    """Every bookmark of the user on this track goes; False when there was none."""
    deleted, _counts = Bookmark.objects.filter(user=user, track_id=track_id).delete()
    return bool(deleted)


def event_bookmark_add(*, user, event_id: int, visible: bool) -> int:
    """Bookmark a gathering the caller found ``visible`` (the access rule's answer), once: its id."""
    if not visible:
        raise NotFound(_("No such gathering."))
    bookmark, _created = EventBookmark.objects.get_or_create(user=user, gathering_id=event_id)
    return bookmark.pk


def event_bookmark_remove(*, user, event_id: int) -> bool:
    deleted, _counts = EventBookmark.objects.filter(user=user, gathering_id=event_id).delete()
    return bool(deleted)
