"""Property tests: the stored state depends only on the set of distinct events, never on
their order, on how they are split into requests, or on how often each is replayed."""

import datetime

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from progress.services import progress_sync
from tests.factories import make_user

from .events import event, expected_state, stored_state

pytestmark = pytest.mark.django_db

NOW = datetime.datetime(2026, 6, 1, 12, 0, tzinfo=datetime.UTC)
PROPERTY_SETTINGS = settings(
    max_examples=25,
    deadline=None,
    derandomize=True,  # the same examples every run: a failure is reproducible from CI logs
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

# Few distinct minutes and positions, so that ties on playedAt and on position come up often.
event_specs = st.lists(
    st.tuples(
        st.integers(min_value=-30, max_value=-1),  # minutes before now
        st.sampled_from([0.0, 10.0, 300.0, 949.0, 950.0, 1000.0, 1200.0]),  # 1200 is past the end
        st.sampled_from([False, False, False, True]),  # completed, now and then
        st.sampled_from([0.0, 15.0, 60.0]),  # seconds listened
    ),
    min_size=1,
    max_size=12,
)


def _events(track, specs):
    return [
        event(track, at=NOW + datetime.timedelta(minutes=m), position=p, completed=c, seconds=s) for m, p, c, s in specs
    ]


@PROPERTY_SETTINGS
@given(specs=event_specs, data=st.data())
def test_it_gives_the_same_state_for_any_order_and_any_split(track, specs, data):
    events = _events(track, specs)
    shuffled = data.draw(st.permutations(events))
    cuts = sorted(data.draw(st.lists(st.integers(0, len(shuffled)), max_size=4)))
    batches = [shuffled[a:b] for a, b in zip([0, *cuts], [*cuts, len(shuffled)], strict=True)]
    one_batch, one_by_one, in_batches = make_user(), make_user(), make_user()

    progress_sync(user=one_batch, events=events, now=NOW)
    for e in shuffled:
        progress_sync(user=one_by_one, events=[e], now=NOW)
    for batch in batches:
        if batch:
            progress_sync(user=in_batches, events=batch, now=NOW)

    expected = expected_state(events, duration=track.duration)
    assert stored_state(one_batch, track) == expected
    assert stored_state(one_by_one, track) == expected
    assert stored_state(in_batches, track) == expected


@PROPERTY_SETTINGS
@given(specs=event_specs, data=st.data())
def test_it_gives_the_same_state_whatever_is_replayed(track, specs, data):
    events = _events(track, specs)
    replays = data.draw(st.lists(st.sampled_from(events), max_size=12))
    noisy = data.draw(st.permutations(events + replays))
    split = data.draw(st.integers(0, len(noisy)))
    user = make_user()

    results = [progress_sync(user=user, events=part, now=NOW) for part in (noisy[:split], noisy[split:]) if part]

    assert stored_state(user, track) == expected_state(events, duration=track.duration)
    assert sum(r.applied for r in results) == len(events)
    assert sum(r.duplicates for r in results) == len(replays)
