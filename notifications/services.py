"""Notification writes: queue an event, fan it out to users in batches, push, mark read.

Fan-out is exactly once per user and event whatever happens to the task: each batch inserts
with ON CONFLICT DO NOTHING on ``(user, event_key)`` and moves the event's keyset cursor in the
same transaction, so a retried task resumes after the last committed batch and a replayed
one finds nothing new. Pushes are claimed per notification with a conditional update before
they go out, so no notification is pushed twice.
"""

import hashlib
import logging
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import partial

from django.conf import settings
from django.db import transaction
from django.db.models import Count, F, Q, Subquery
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext, gettext_noop

from accounts.models import User
from padmakara import realtime
from padmakara.audit import audit, changes_since, values
from padmakara.errors import NotFound
from retreats.access import audience_q
from retreats.models import Retreat, Track, pick_language

from . import push as push_backends
from . import selectors, shapes, texts
from .models import DigestSubscription, Notification, NotificationEvent, PushEndpoint

logger = logging.getLogger(__name__)


def _send_fan_out(event_id: int) -> None:
    from .tasks import fan_out_event

    fan_out_event.delay(event_id)


@transaction.atomic
def queue_gathering_published(*, retreat: Retreat) -> NotificationEvent:
    """The outbox row for a publish, in the publishing transaction; the task is sent on commit.

    The key names the gathering, not the moment: publishing it again after an unpublish tells
    nobody twice.
    """
    event, created = NotificationEvent.objects.get_or_create(
        key=f"gathering:{retreat.uuid}:published",
        defaults={"kind": NotificationEvent.Kind.GATHERING_PUBLISHED, "retreat": retreat},
    )
    if created:
        transaction.on_commit(lambda: _send_fan_out(event.pk))
    return event


@transaction.atomic
def notify_tracks_added(*, retreat_id: int, track_ids: list[int]) -> NotificationEvent | None:
    """Tell the audience of a published gathering about tracks added to it after publishing.

    Tracks announced before (with the gathering or an earlier call) are left out; the same
    set of new tracks always makes the same event key, so repeated calls tell nobody twice.
    Returns None when there is nothing new to tell.
    """
    retreat = Retreat.objects.filter(pk=retreat_id, status=Retreat.Status.PUBLISHED).first()
    if retreat is None:
        return None
    tracks = Track.objects.filter(pk__in=track_ids, session__retreat_id=retreat.pk)
    if retreat.published_at is not None:
        tracks = tracks.filter(created_at__gt=retreat.published_at)
    announced = set()
    for ids in NotificationEvent.objects.filter(retreat=retreat, kind=NotificationEvent.Kind.TRACKS_ADDED).values_list(
        "track_ids", flat=True
    ):
        announced.update(ids)
    new_ids = sorted(set(tracks.values_list("pk", flat=True)) - announced)
    if not new_ids:
        return None
    digest = hashlib.sha256(",".join(map(str, new_ids)).encode()).hexdigest()[:24]
    event, created = NotificationEvent.objects.get_or_create(
        key=f"gathering:{retreat.uuid}:tracks:{digest}",
        defaults={"kind": NotificationEvent.Kind.TRACKS_ADDED, "retreat": retreat, "track_ids": new_ids},
    )
    if created:
        transaction.on_commit(lambda: _send_fan_out(event.pk))
    return event


def notification_events_retry(*, events, user=None) -> list[int]:
    """Queue the failed events among ``events`` (a queryset) again: the fan-out resumes where it
    stopped. Returns their ids. ``user``: the staff member, named in the audit entry."""
    failed = list(events.filter(state=NotificationEvent.State.FAILED))
    ids = [event.pk for event in failed]
    NotificationEvent.objects.filter(pk__in=ids, state=NotificationEvent.State.FAILED).update(
        state=NotificationEvent.State.QUEUED, last_error="", finished_at=None
    )
    for event in failed:
        before = values(event, ["state", "last_error", "finished_at"])
        event.state, event.last_error, event.finished_at = NotificationEvent.State.QUEUED, "", None
        audit(user=user, obj=event, message=gettext_noop("Queued again."), changes=changes_since(before, event))
        transaction.on_commit(partial(_send_fan_out, event.pk))
    return ids


@dataclass
class FanOutResult:
    batches: int = 0
    users: int = 0
    pushed: int = 0
    push_failed: int = 0
    devices_disabled: int = 0
    retry_pushes: int = 0  # pushes that failed transiently: they wait for the task's retry


def _lease() -> datetime:
    return timezone.now() + timedelta(seconds=settings.NOTIFY_LEASE_SECONDS)


def claim_event(*, event_id: int) -> bool:
    """Take the event for this worker; False when it is gone, done or leased by another."""
    now = timezone.now()
    return bool(
        NotificationEvent.objects.filter(pk=event_id)
        .filter(
            Q(state=NotificationEvent.State.QUEUED) | Q(state=NotificationEvent.State.INFLIGHT, locked_until__lt=now)
        )
        .update(
            state=NotificationEvent.State.INFLIGHT,
            locked_until=_lease(),
            attempts=F("attempts") + 1,
            started_at=Coalesce(F("started_at"), now),
        )
    )


def release_event(*, event_id: int, error: str, final: bool) -> None:
    """Hand the event back after a failure: queued for the retry, or failed for good."""
    NotificationEvent.objects.filter(pk=event_id, state=NotificationEvent.State.INFLIGHT).update(
        state=NotificationEvent.State.FAILED if final else NotificationEvent.State.QUEUED,
        # A queued event waiting for its retry is "locked" until the retry is due (plus the
        # backoff's worst case), so the stalled-event sweep leaves it to the retry.
        locked_until=None
        if final
        else timezone.now() + timedelta(seconds=settings.NOTIFY_RETRY_DELAY * 2**settings.NOTIFY_MAX_RETRIES),
        last_error=error[:2000],
        finished_at=timezone.now() if final else None,
    )


def fan_out(*, event_id: int, batch_size: int | None = None) -> FanOutResult | None:
    """Fan a claimed event out to its audience, batch by batch, then mark it sent.

    Raises :class:`push.PushTemporaryError` when some pushes must be tried again later
    (the notifications are written; only those pushes wait).
    """
    batch_size = batch_size or settings.NOTIFY_BATCH_SIZE
    event = NotificationEvent.objects.select_related("retreat").filter(pk=event_id).first()
    if event is None or event.state != NotificationEvent.State.INFLIGHT:
        return None
    retreat = event.retreat
    if retreat.status != Retreat.Status.PUBLISHED:
        release_event(
            event_id=event.pk, error="The gathering was unpublished before its notifications went out.", final=True
        )
        return None

    backend = push_backends.get_backend()
    result = FanOutResult()
    audience = (
        User.objects.filter(audience_q(retreat), notifications_enabled=True)
        .order_by("pk")
        .values_list("pk", "language")
    )
    cursor = event.cursor
    count = len(event.track_ids)
    data = {"type": event.kind, "gatheringId": str(retreat.uuid)}
    rendered = {
        language: texts.render(event.kind, language, name_en=retreat.name, name_pt=retreat.name_pt, count=count)
        for language in ("en", "pt")
    }
    while True:
        users = list(audience.filter(pk__gt=cursor)[:batch_size])
        if not users:
            break
        cursor = users[-1][0]
        with transaction.atomic():
            Notification.objects.bulk_create(
                [
                    Notification(
                        user_id=user_id,
                        event=event,
                        event_key=event.key,
                        type=event.kind,
                        title=rendered.get(language, rendered["en"])[0],
                        message=rendered.get(language, rendered["en"])[1],
                        data=data,
                    )
                    for user_id, language in users
                ],
                ignore_conflicts=True,
            )
            NotificationEvent.objects.filter(pk=event.pk).update(cursor=cursor, locked_until=_lease())
        # Right away when the batch has committed (a task), else once the caller's transaction has.
        transaction.on_commit(partial(_tell_connected, event=event, user_ids=[user_id for user_id, _lang in users]))
        result.batches += 1
        result.users += len(users)
        if not result.retry_pushes:  # once the provider fails, only notifications are written this run
            _push_pending(event=event, backend=backend, result=result, limit=batch_size)
    # Pushes left waiting by an earlier run (a worker that died, a provider that failed).
    while not result.retry_pushes and _push_pending(event=event, backend=backend, result=result, limit=batch_size):
        pass

    NotificationEvent.objects.filter(pk=event.pk).update(
        notified_count=Notification.objects.filter(event=event).count(),
        pushed_count=F("pushed_count") + result.pushed,
        push_failed_count=F("push_failed_count") + result.push_failed,
        devices_disabled_count=F("devices_disabled_count") + result.devices_disabled,
        **(
            {}
            if result.retry_pushes
            else {"state": NotificationEvent.State.SENT, "finished_at": timezone.now(), "locked_until": None}
        ),
    )
    if result.retry_pushes:
        raise push_backends.PushTemporaryError(f"{result.retry_pushes} push(es) to retry")
    return result


def _tell_connected(*, event: NotificationEvent, user_ids: list[int]) -> None:
    """``notification.created.v1`` to the connected ones of a committed batch: each their own
    notification, in the shape of ``GET /notifications`` (one query, none when nobody is on)."""
    try:
        online = realtime.event_log().online(user_ids)
    except Exception:
        return  # the app lists its notifications when it opens
    if not online:
        return
    rows = Notification.objects.filter(event=event, user_id__in=sorted(online)).values(
        "user_id", *selectors.NOTIFICATION_FIELDS
    )
    realtime.publish_each(
        items=[(row["user_id"], {"notification": shapes.Notification.build(row)}) for row in rows],
        event_type=realtime.NOTIFICATION_CREATED,
    )


def _push_pending(*, event: NotificationEvent, backend, result: FanOutResult, limit: int) -> int:
    """Claim up to ``limit`` notifications of ``event`` not pushed yet and push them; returns how many."""
    claim = uuid.uuid4()
    waiting = Notification.objects.filter(event=event, push_state=Notification.PushState.PENDING)
    claimed = Notification.objects.filter(
        pk__in=Subquery(waiting.order_by("pk").values("pk")[:limit]), push_state=Notification.PushState.PENDING
    ).update(push_state=Notification.PushState.SENDING, push_claim=claim)
    if not claimed:
        return 0
    mine = Notification.objects.filter(push_claim=claim)
    rows = list(mine.values_list("pk", "user_id", "title", "message", "data"))
    devices = selectors.push_devices(user_ids=[user_id for _, user_id, *_ in rows])
    messages = []
    owner = {}
    for pk, user_id, title, message, data in rows:
        for device in devices.get(user_id, ()):
            messages.append(
                push_backends.PushMessage(
                    device_id=device.pk,
                    platform=device.platform,
                    token=device.push_token,
                    title=title,
                    body=message,
                    data={**data, "notificationId": str(pk)},
                    endpoint_arn=device.endpoint_arn,
                )
            )
            owner[len(messages) - 1] = pk
    outcomes = backend.send(messages) if messages else []
    record_push_outcomes(messages=messages, outcomes=outcomes)

    per_notification: dict[int, list] = {}
    for index, outcome in enumerate(outcomes):
        per_notification.setdefault(owner[index], []).append(outcome)
    states: dict[str, list[int]] = {state: [] for state in Notification.PushState.values}
    for pk, *_ in rows:
        got = per_notification.get(pk, [])
        if not got:
            states[Notification.PushState.NO_DEVICE].append(pk)
        elif any(o.ok for o in got):
            states[Notification.PushState.SENT].append(pk)
        elif any(o.retry for o in got):
            states[Notification.PushState.PENDING].append(pk)
        else:
            states[Notification.PushState.FAILED].append(pk)
    # The usual outcome (all sent, or no device) is one update by claim; only the other
    # states are named row by row.
    usual = max(states, key=lambda state: len(states[state]))
    for state, pks in states.items():
        if pks and state != usual:
            Notification.objects.filter(pk__in=pks).update(push_state=state, push_claim=None)
    mine.update(push_state=usual, push_claim=None)
    result.pushed += sum(o.ok for o in outcomes)
    result.push_failed += sum(not o.ok and not o.retry for o in outcomes)
    result.devices_disabled += sum(o.invalid for o in outcomes)
    result.retry_pushes += len(states[Notification.PushState.PENDING])
    return claimed


def record_push_outcomes(*, messages, outcomes) -> None:
    """Keep new SNS endpoints and disable devices whose token the provider says is dead."""
    new_arns = {o.device_id: o.endpoint_arn for o in outcomes if o.endpoint_arn}
    dead = {o.device_id: o.error for o in outcomes if o.invalid}
    if not new_arns and not dead:
        return
    now = timezone.now()
    PushEndpoint.objects.bulk_create(
        [PushEndpoint(device_id=device_id) for device_id in new_arns.keys() | dead.keys()], ignore_conflicts=True
    )
    for device_id, arn in new_arns.items():
        PushEndpoint.objects.filter(device_id=device_id).update(endpoint_arn=arn)
    for device_id, error in dead.items():
        PushEndpoint.objects.filter(device_id=device_id).update(disabled_at=now, disabled_reason=error[:500])


@transaction.atomic
def notification_mark_read(*, user, notification_id) -> Notification:
    """Mark one of the user's notifications read (idempotent); another user's id is not found."""
    try:
        notification = selectors.user_notifications(user=user).select_for_update().get(uuid=notification_id)
    except Notification.DoesNotExist:
        raise NotFound(gettext("Notification not found.")) from None
    if not notification.read:
        notification.read = True
        notification.read_at = timezone.now()
        notification.save(update_fields=["read", "read_at"])
    return notification


def send_new_content_digests(*, now=None) -> int:
    """Email each subscribed user the gatherings published since their last digest that they
    may play; returns how many emails went out. A user with nothing new gets nothing."""
    from padmakara import mail
    from retreats.access import AccessProfile, published_q

    now = now or timezone.now()
    sent = 0
    subscriptions = DigestSubscription.objects.select_related("user").filter(user__is_active=True)
    for subscription in subscriptions.iterator(chunk_size=500):
        user = subscription.user
        since = subscription.last_sent_at or subscription.created_at
        gatherings = (
            Retreat.objects.filter(published_q(), AccessProfile.for_user(user).playable_q())
            .filter(published_at__gt=since, published_at__lte=now)
            .annotate(track_count=Count("sessions__tracks"))
            .order_by("-start_date")
        )
        rows = [
            {
                "name": pick_language(g.name, g.name_pt, user.language),
                "start_date": g.start_date,
                "track_count": g.track_count,
            }
            for g in gatherings[:50]
        ]
        # Claim the period first (0 rows: another run has it); an empty period is claimed too,
        # so the next digest starts here.
        claimed = DigestSubscription.objects.filter(pk=subscription.pk, last_sent_at=subscription.last_sent_at).update(
            last_sent_at=now
        )
        if claimed and rows:
            mail.send(user=user, template="digest", context={"gatherings": rows})
            sent += 1
    return sent


def resume_stalled_events(*, older_than: timedelta = timedelta(minutes=5)) -> list[int]:
    """Send the fan-out again for events nobody is working on: queued for a while (the task
    was lost with a broker restart) or in flight past their lease (the worker died, or the
    database was gone when it tried to hand the event back). Returns their ids."""
    now = timezone.now()
    stalled = list(
        NotificationEvent.objects.filter(
            Q(state=NotificationEvent.State.QUEUED, created_at__lt=now - older_than, locked_until__isnull=True)
            | Q(state=NotificationEvent.State.QUEUED, locked_until__lt=now - older_than)
            | Q(state=NotificationEvent.State.INFLIGHT, locked_until__lt=now)
        ).values_list("pk", flat=True)[:100]
    )
    for event_id in stalled:
        _send_fan_out(event_id)
    return stalled
