"""The merge rules of docs/api.md as a table: events (in arrival order) → the stored state.

Each case runs twice: one request per event (merged across requests by the database) and
all events in one batch (folded, then merged).
"""

import datetime

import pytest

from progress.services import progress_sync

from .events import event, stored_state

pytestmark = pytest.mark.django_db

# (minutes from now, position, completed, seconds listened, eventId or None)
CASES = {
    "a newer event moves the position": (
        [(-10, 100, False, 0, None), (-5, 200, False, 0, None)],
        (200, False, -5, 0),
    ),
    "an older event arriving late does not move it back": (
        [(-5, 200, False, 0, None), (-10, 100, False, 0, None)],
        (200, False, -5, 0),
    ),
    "an older event further along still loses": (
        [(-5, 50, False, 0, None), (-10, 900, False, 0, None)],
        (50, False, -5, 0),
    ),
    "completed is sticky when a newer event restarts the talk": (
        [(-10, 500, True, 0, None), (-5, 10, False, 0, None)],
        (10, True, -5, 0),
    ),
    "an older completed event arriving late still completes": (
        [(-5, 10, False, 0, None), (-10, 500, True, 0, None)],
        (10, True, -5, 0),
    ),
    "reaching 95% of the duration completes": ([(-5, 950, False, 0, None)], (950, True, -5, 0)),
    "just under 95% does not complete": ([(-5, 949.5, False, 0, None)], (949.5, False, -5, 0)),
    "a position past the end is taken as the end": ([(-5, 1003, False, 0, None)], (1000, True, -5, 0)),
    "same playedAt: the further position wins": (
        [(-5, 300, False, 0, None), (-5, 200, False, 0, None)],
        (300, False, -5, 0),
    ),
    "same playedAt, other arrival order: the further position wins": (
        [(-5, 200, False, 0, None), (-5, 300, False, 0, None)],
        (300, False, -5, 0),
    ),
    "listening time adds each event's session": (
        [(-10, 100, False, 60, None), (-5, 200, False, 120, None)],
        (200, False, -5, 180),
    ),
    "an older event still adds its listening time": (
        [(-5, 200, False, 0, None), (-10, 100, False, 60, None)],
        (200, False, -5, 60),
    ),
    "a replayed eventId changes nothing, even with other values": (
        [(-10, 100, False, 60, "same"), (-5, 990, True, 600, "same")],
        (100, False, -10, 60),
    ),
    "a playedAt more than 5 minutes ahead is taken as now": (
        [(60, 100, False, 0, None), (-1, 200, False, 0, None)],
        (100, False, 0, 0),
    ),
    "a playedAt up to 5 minutes ahead is kept": ([(4, 100, False, 0, None)], (100, False, 4, 0)),
}


@pytest.mark.parametrize("mode", ["one request per event", "one batch"])
@pytest.mark.parametrize("case", CASES.values(), ids=CASES.keys())
def test_it_merges_by_the_rules(user, track, now, case, mode):
    rows, (position, completed, last_played, listening) = case
    events = [
        event(
            track,
            at=now + datetime.timedelta(minutes=minutes),
            position=pos,
            completed=done,
            seconds=secs,
            event_id=event_id,
        )
        for minutes, pos, done, secs, event_id in rows
    ]

    if mode == "one batch":
        progress_sync(user=user, events=events, now=now)
    else:
        for e in events:
            progress_sync(user=user, events=[e], now=now)

    state = stored_state(user, track)
    assert (state.position, state.completed, state.listening) == (position, completed, listening)
    assert state.last_played == now + datetime.timedelta(minutes=last_played)
