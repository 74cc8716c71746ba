"""The state machine as a table: every status against every event, allowed or refused."""

import itertools

import pytest

from subscriptions import states
from subscriptions.models import Subscription
from subscriptions.states import TransitionRefused, next_status

# status -> {event: next status}; an event missing from a row is refused.
EXPECTED = {
    "pending": {"paid": "active", "payment_failed": "pending", "cancel": "cancelled"},
    "active": {"paid": "active", "payment_failed": "past_due", "cancel": "cancelled", "lapse": "expired"},
    "past_due": {"paid": "active", "payment_failed": "past_due", "cancel": "cancelled", "lapse": "expired"},
    "cancelled": {"paid": "cancelled", "lapse": "expired"},
    "expired": {"paid": "active", "reopen": "active"},
}


@pytest.mark.parametrize(("status", "event"), list(itertools.product(Subscription.Status.values, states.EVENTS)))
def test_it_moves_or_refuses_as_the_table_says(status, event):
    expected = EXPECTED[status].get(event)
    if expected is None:
        with pytest.raises(TransitionRefused):
            next_status(status, event)
    else:
        assert next_status(status, event) == expected


def test_the_table_names_every_status():
    assert set(EXPECTED) == set(Subscription.Status.values)
    assert set(states.TRANSITIONS) == {(s, e) for s, row in EXPECTED.items() for e in row}


def test_a_refusal_is_a_conflict_naming_status_and_event():
    with pytest.raises(TransitionRefused) as refused:
        next_status("expired", "cancel")
    assert refused.value.code == "conflict"
    assert refused.value.details == {"status": "expired", "event": "cancel"}
