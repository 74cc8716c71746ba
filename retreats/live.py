"""``catalogue.changed.v1`` to the connected listeners whose playable set changed (docs/api.md
"Live events"): a gathering published or unpublished, tracks added to a published one, access
granted, or who may play a published one changed. Who may play a gathering is the access rule turned around (``access.audience_q``), so
the same rule decides the catalogue, the media URLs and who hears of a change. Every function
here registers its fan-out to run once the caller's transaction commits."""

from functools import partial

from django.db import transaction

from accounts.models import User
from padmakara import realtime

from .access import audience_q
from .models import Retreat
from .versioning import catalogue_version

# One query per this many connected users when a fan-out filters them by the access rule.
AUDIENCE_CHUNK = 5000


class Reason:
    PUBLISHED = "gathering_published"
    UNPUBLISHED = "gathering_unpublished"
    TRACKS_ADDED = "tracks_added"
    ACCESS_GRANTED = "access_granted"
    ACCESS_CHANGED = "access_changed"


def _data(*, retreat: Retreat, reason: str) -> dict:
    return {"catalogueVersion": catalogue_version(), "reason": reason, "gatheringIds": [str(retreat.uuid)]}


def _connected_audience(retreat: Retreat) -> list[int]:
    """The users connected lately who may play ``retreat``: one query per AUDIENCE_CHUNK of them."""
    try:
        online = sorted(realtime.event_log().online())
    except Exception:  # nobody can be told anything then; publish() logs the same failure
        return []
    audience: list[int] = []
    for start in range(0, len(online), AUDIENCE_CHUNK):
        chunk = online[start : start + AUDIENCE_CHUNK]
        audience += User.objects.filter(audience_q(retreat), pk__in=chunk).values_list("pk", flat=True)
    return audience


def _tell_audience(*, retreat_id: int, reason: str) -> int:
    retreat = Retreat.objects.filter(pk=retreat_id).first()
    if retreat is None or (reason != Reason.UNPUBLISHED and retreat.status != Retreat.Status.PUBLISHED):
        return 0
    audience = _connected_audience(retreat)
    if not audience:
        return 0
    return realtime.publish(
        user_ids=audience, event_type=realtime.CATALOGUE_CHANGED, data=_data(retreat=retreat, reason=reason)
    )


def tell_audience_on_commit(*, retreat_id: int, reason: str) -> None:
    """Once committed: every connected user who may play the gathering (who could, for an
    unpublish) hears that the catalogue changed."""
    transaction.on_commit(partial(_tell_audience, retreat_id=retreat_id, reason=reason))


def may_play(*, retreat: Retreat, user_ids) -> set[int]:
    """Of ``user_ids``, those connected lately who may play ``retreat`` now: one query, none when
    nobody of them is connected (only they would be told anything)."""
    try:
        connected = realtime.event_log().online(user_ids)
    except Exception:
        return set()
    if not connected:
        return set()
    return set(User.objects.filter(audience_q(retreat), pk__in=sorted(connected)).values_list("pk", flat=True))


def tell_access_gained_on_commit(*, retreat: Retreat, user_ids) -> None:
    """Once committed: these users, who may now play ``retreat`` and could not before, hear that
    their catalogue changed (a draft changes nobody's catalogue)."""
    user_ids = sorted(user_ids)
    if not user_ids or retreat.status != Retreat.Status.PUBLISHED:
        return
    transaction.on_commit(
        lambda: realtime.publish(
            user_ids=user_ids,
            event_type=realtime.CATALOGUE_CHANGED,
            data=_data(retreat=retreat, reason=Reason.ACCESS_GRANTED),
        )
    )


def audience_now(*, retreat_id: int) -> set[int]:
    """The connected users who may play this gathering now (none while it is a draft)."""
    retreat = Retreat.objects.filter(pk=retreat_id, status=Retreat.Status.PUBLISHED).first()
    return set() if retreat is None else set(_connected_audience(retreat))


def tell_access_changed_on_commit(*, retreat_id: int, before: set[int]) -> None:
    """Once committed: the connected users who gained or lost this gathering when staff changed
    who may play it (its audience, plan or groups) hear that their catalogue changed."""

    def tell():
        retreat = Retreat.objects.filter(pk=retreat_id).first()
        if retreat is None:
            return
        now = set(_connected_audience(retreat)) if retreat.status == Retreat.Status.PUBLISHED else set()
        changed = before ^ now
        if changed:
            realtime.publish(
                user_ids=sorted(changed),
                event_type=realtime.CATALOGUE_CHANGED,
                data=_data(retreat=retreat, reason=Reason.ACCESS_CHANGED),
            )

    transaction.on_commit(tell)
