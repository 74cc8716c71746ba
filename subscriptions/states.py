"""The subscription state machine: every status change goes through :func:`next_status`.

The table is the whole of it (tests/subscriptions/test_states.py walks every cell). Events:

* ``paid``: a payment was confirmed (online or by hand); it adds a period.
* ``payment_failed``: an online charge failed; the time already paid still counts.
* ``cancel``: the member or staff stop renewal; paid time runs to its end.
* ``lapse``: the paid time ran out (the beat task notices, after the access rule already has).
* ``reopen``: a refund or correction left paid time in the future again after a lapse.
"""

from padmakara.errors import Conflict

from .models import Subscription

S = Subscription.Status

PAID = "paid"
PAYMENT_FAILED = "payment_failed"
CANCEL = "cancel"
LAPSE = "lapse"
REOPEN = "reopen"
EVENTS = (PAID, PAYMENT_FAILED, CANCEL, LAPSE, REOPEN)

TRANSITIONS: dict[tuple[str, str], str] = {
    (S.PENDING, PAID): S.ACTIVE,
    (S.PENDING, PAYMENT_FAILED): S.PENDING,  # the first charge failed: still waiting for one
    (S.PENDING, CANCEL): S.CANCELLED,
    (S.ACTIVE, PAID): S.ACTIVE,
    (S.ACTIVE, PAYMENT_FAILED): S.PAST_DUE,
    (S.ACTIVE, CANCEL): S.CANCELLED,
    (S.ACTIVE, LAPSE): S.EXPIRED,
    (S.PAST_DUE, PAID): S.ACTIVE,
    (S.PAST_DUE, PAYMENT_FAILED): S.PAST_DUE,
    (S.PAST_DUE, CANCEL): S.CANCELLED,
    (S.PAST_DUE, LAPSE): S.EXPIRED,
    (S.CANCELLED, LAPSE): S.EXPIRED,
    (S.CANCELLED, PAID): S.CANCELLED,  # money that arrives after a cancel still buys its time
    (S.EXPIRED, PAID): S.ACTIVE,  # a late Multibanco payment, or cash after a lapse
    (S.EXPIRED, REOPEN): S.ACTIVE,
}


class TransitionRefused(Conflict):
    """An event the subscription's status does not allow (``conflict``)."""


def next_status(status: str, event: str) -> str:
    """The status after ``event``, or :class:`TransitionRefused`."""
    try:
        return TRANSITIONS[(status, event)]
    except KeyError:
        raise TransitionRefused(
            f"A {Subscription.Status(status).label.lower()} subscription cannot take “{event}”.",
            details={"status": status, "event": event},
        ) from None
