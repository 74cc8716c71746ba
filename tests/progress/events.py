"""Progress events for tests, and the merge rules of docs/api.md written the slow, obvious way
(events applied one by one in playedAt order) to compare the database's merge against."""

import datetime
import itertools
from dataclasses import dataclass

from progress.services import ProgressEvent

_ids = itertools.count(1)


def iso(value: datetime.datetime) -> str:
    return value.astimezone(datetime.UTC).isoformat().replace("+00:00", "Z")


def event(track, *, at: datetime.datetime, position: float, completed=False, seconds=0.0, event_id=None, device="A"):
    """A ProgressEvent on ``track`` whose session of ``seconds`` ends at ``at``."""
    return ProgressEvent(
        event_id=event_id or f"ev-{next(_ids)}",
        track_id=track.uuid,
        position=position,
        completed=completed,
        played_at=at,
        start_time=at - datetime.timedelta(seconds=seconds) if seconds else None,
        end_time=at if seconds else None,
        device_info={"platform": "ios", "device": device},
    )


def wire(e: ProgressEvent) -> dict:
    """The same event as the app sends it to /progress/sync."""
    body = {"eventId": e.event_id, "trackId": str(e.track_id), "position": e.position,
            "completed": e.completed, "playedAt": iso(e.played_at)}  # fmt: skip
    if e.start_time:
        body["sessionData"] = {"startTime": iso(e.start_time), "endTime": iso(e.end_time), "deviceInfo": e.device_info}
    return body


@dataclass(frozen=True)
class State:
    position: float
    completed: bool
    last_played: datetime.datetime
    listening: float


def expected_state(events, *, duration: float, ratio: float = 0.95) -> State:
    """The rules applied to each distinct eventId once, oldest playedAt first (ties: the further position)."""
    unique = {}
    for e in events:
        unique.setdefault(e.event_id, e)
    ordered = sorted(unique.values(), key=lambda e: (e.played_at, e.position))
    position = completed = last_played = None
    listening = 0.0
    for e in ordered:
        clamped = min(e.position, duration)
        position, last_played = clamped, e.played_at
        completed = bool(completed) or e.completed or clamped >= ratio * duration
        if e.start_time:
            listening += (e.end_time - e.start_time).total_seconds()
    return State(position, completed, last_played, listening)


def stored_state(user, track) -> State:
    from django.db.models import Sum

    from progress.models import ListeningSession, TrackProgress

    row = TrackProgress.objects.get(user=user, track=track)
    listening = ListeningSession.objects.filter(user=user, track=track).aggregate(s=Sum("seconds"))["s"] or 0.0
    return State(row.position, row.completed, row.last_played, listening)
