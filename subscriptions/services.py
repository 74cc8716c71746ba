"""Every change to subscriptions and payments (docs/architecture.md "Subscriptions and payments").

Status changes go through :func:`subscriptions.states.next_status`; after every change the
member's ``subscription_*`` columns are written from the subscriptions in the same transaction
(:func:`sync_user`), so the one access rule (``retreats.access``) and the access-version
triggers see it at once. Staff actions leave an audit entry (``padmakara.audit``).
"""

import calendar
import datetime
import ipaddress
import logging
from dataclasses import dataclass
from decimal import Decimal

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone
from django.utils.translation import gettext_noop

from accounts.models import User
from padmakara import audit
from padmakara.errors import Conflict, DomainError, NotFound

from . import mail, states
from .models import Payment, Period, Plan, ProviderNotification, Reminder, Subscription
from .providers import Checkout, ProviderRefused, ProviderUnavailable, get_provider

logger = logging.getLogger(__name__)

S = Subscription.Status
MANUAL_SOURCES = (Subscription.Source.BANK, Subscription.Source.CASH)
# The ways to pay online a member may choose, and Easypay's code for each.
ONLINE_METHODS = {"card": "cc", "direct_debit": "dd", "mbway": "mbw", "multibanco": "mb"}
ONLINE_METHOD_CHOICES = sorted(ONLINE_METHODS)


def add_months(moment: datetime.datetime, months: int) -> datetime.datetime:
    """``moment`` plus calendar months, the day clamped to the month's end (31 Jan + 1 = 28/29 Feb)."""
    month = moment.month - 1 + months
    year, month = moment.year + month // 12, month % 12 + 1
    return moment.replace(year=year, month=month, day=min(moment.day, calendar.monthrange(year, month)[1]))


# --- the current state -----------------------------------------------------------------


def effective_periods(subscription: Subscription):
    """Paid and granted periods that no void names."""
    voided = Period.objects.filter(voids=OuterRef("pk"))
    return subscription.periods.exclude(kind=Period.Kind.VOID).exclude(Exists(voided))


def _recompute(subscription: Subscription) -> None:
    """``paid_until`` from the periods; a subscription whose paid time is gone (a refund, a
    correction) lapses, one given paid time again after a lapse reopens."""
    periods = list(effective_periods(subscription).values_list("ends_at", flat=True))
    open_ended = any(end is None for end in periods)
    subscription.paid_until = None if open_ended or not periods else max(periods)
    has_time = open_ended or (subscription.paid_until is not None and subscription.paid_until > timezone.now())
    if subscription.status in Subscription.PAID_UP and not has_time:
        subscription.status = states.next_status(subscription.status, states.LAPSE)
    elif subscription.status == S.EXPIRED and has_time:
        subscription.status = states.next_status(subscription.status, states.REOPEN)


def sync_user(user_id: int) -> None:
    """Write the member's ``subscription_*`` columns from their subscriptions: the paid-up one
    reaching furthest decides (no end beats any end). The access-version trigger moves with them."""
    subscriptions = list(Subscription.objects.filter(user_id=user_id).select_related("plan"))
    paid_up = [s for s in subscriptions if s.status in Subscription.PAID_UP and (s.paid_until or s.periods.exists())]
    far = datetime.datetime.max.replace(tzinfo=datetime.UTC)
    best = max(paid_up, key=lambda s: (s.paid_until or far, s.plan.tier == User.Plan.PREMIUM), default=None)
    values: dict[str, object]
    if best is not None:
        values = {"subscription_status": "active", "subscription_plan": best.plan.tier}
        values["subscription_expires_at"] = best.paid_until
    else:
        ended = [s for s in subscriptions if s.paid_until is not None]
        last = max(ended, key=lambda s: s.paid_until or far, default=None)
        values = {
            "subscription_status": "expired" if last else "inactive",
            "subscription_expires_at": last.paid_until if last else None,
        }
        if last:
            values["subscription_plan"] = last.plan.tier
    User.objects.filter(pk=user_id).update(**values)


def _save(subscription: Subscription, *, by=None, message: str = "", before: dict | None = None) -> None:
    subscription.save()
    sync_user(subscription.user_id)
    if by is not None and message:
        changes = audit.changes_since(before, subscription) if before else None
        audit.audit(user=by, obj=subscription, message=message, changes=changes)


TRACKED = ("status", "paid_until", "cancelled_at", "provider_ref")


def current_subscription(user, *, lock: bool = False) -> Subscription | None:
    queryset = Subscription.objects.filter(user=user, status__in=Subscription.CURRENT).select_related("plan")
    if lock:
        queryset = queryset.select_for_update()
    return queryset.first()


# --- starting and stopping -------------------------------------------------------------


@transaction.atomic
def start(*, user, plan: Plan, method: str) -> tuple[Subscription, Checkout]:
    """A member starts paying online: a pending subscription and what they need to pay it."""
    if not plan.active:
        raise NotFound("No such plan.")
    if method not in ONLINE_METHODS:
        raise DomainError("Choose card, direct_debit, multibanco or mbway.", details={"method": ["invalid"]})
    User.objects.select_for_update().filter(pk=user.pk).first()  # one start at a time per member
    if current_subscription(user) is not None:
        raise Conflict("You already have a subscription; cancel it before starting another.")
    subscription = Subscription.objects.create(user=user, plan=plan, source=Subscription.Source.EASYPAY)
    try:
        checkout = get_provider().start(subscription=subscription, plan=plan, user=user, method=ONLINE_METHODS[method])
    except ProviderUnavailable as exc:
        raise DomainError(
            "The payment service is not answering; try again in a few minutes.", code="service_unavailable"
        ) from exc
    except ProviderRefused as exc:
        logger.error("payment start refused: %s", exc)
        raise DomainError("The payment service refused this payment.", code="provider_error") from exc
    subscription.provider_ref = checkout.provider_ref
    subscription.save(update_fields=["provider_ref", "updated_at"])
    return subscription, checkout


@transaction.atomic
def cancel(*, subscription: Subscription, by=None) -> Subscription:
    """Stop renewal (member or staff): paid time runs to its end, nothing more is charged."""
    subscription = Subscription.objects.select_for_update().get(pk=subscription.pk)
    before = audit.values(subscription, TRACKED)
    subscription.status = states.next_status(subscription.status, states.CANCEL)
    subscription.cancelled_at = timezone.now()
    if subscription.source == Subscription.Source.EASYPAY and subscription.provider_ref and subscription.paid_until:
        try:
            get_provider().cancel(provider_ref=subscription.provider_ref)
        except ProviderUnavailable as exc:
            raise DomainError(
                "The payment service is not answering; try again in a few minutes.", code="service_unavailable"
            ) from exc
        except ProviderRefused as exc:
            logger.warning("cancel of %s refused by the provider: %s", subscription.provider_ref, exc)
    _save(subscription, by=by, message=gettext_noop("Cancelled the subscription"), before=before)
    return subscription


# --- money in and out ------------------------------------------------------------------


@transaction.atomic
def record_payment(
    *,
    subscription: Subscription,
    amount: Decimal,
    method: str,
    received_at: datetime.datetime,
    source: str | None = None,
    currency: str = "EUR",
    provider_payment_id: str = "",
    period_start: datetime.datetime | None = None,
    period_end: datetime.datetime | None = None,
    note: str = "",
    by=None,
) -> Payment:
    """A payment received: its row, the period it buys (from the end of the paid time, or from
    when it was received if that is later, for the plan's months unless given) and the status."""
    subscription = Subscription.objects.select_for_update().select_related("plan").get(pk=subscription.pk)
    before = audit.values(subscription, TRACKED)
    if subscription.status == S.EXPIRED:
        # Money for a lapsed subscription: it goes to the member's current one if they have one.
        current = current_subscription(subscription.user_id, lock=True)
        if current is not None:
            subscription = current
            before = audit.values(subscription, TRACKED)
    if amount <= 0:
        raise DomainError("A payment's amount is more than zero; record a refund for money given back.")
    payment = Payment.objects.create(
        subscription=subscription,
        amount=amount,
        currency=currency,
        method=method,
        source=source or subscription.source,
        provider_payment_id=provider_payment_id,
        received_at=received_at,
        note=note,
        recorded_by=by,
    )
    if period_start is None:
        paid_until = subscription.paid_until if effective_periods(subscription).exists() else None
        period_start = max(filter(None, (paid_until, received_at)))
    if period_end is None:
        period_end = add_months(period_start, subscription.plan.period_months)
    if period_end <= period_start:
        raise DomainError("The period must end after it starts.", details={"period_end": ["before_start"]})
    Period.objects.create(
        subscription=subscription,
        kind=Period.Kind.PAID,
        payment=payment,
        starts_at=period_start,
        ends_at=period_end,
        note=note,
        recorded_by=by,
    )
    subscription.status = states.next_status(subscription.status, states.PAID)
    _recompute(subscription)
    _save(subscription, by=by, message=gettext_noop("Recorded a payment"), before=before)
    if by is not None:
        audit.audit(user=by, obj=payment, message=gettext_noop("Recorded a payment"))
    return payment


@transaction.atomic
def record_manual_payment(
    *,
    user,
    plan: Plan,
    method: str,
    amount: Decimal,
    received_at: datetime.datetime,
    period_start: datetime.datetime | None = None,
    period_end: datetime.datetime | None = None,
    note: str = "",
    by,
) -> Payment:
    """Staff record cash or a bank transfer: it extends the member's current subscription, or
    starts one paid by hand."""
    source = Subscription.Source.CASH if method == Payment.Method.CASH else Subscription.Source.BANK
    User.objects.select_for_update().filter(pk=user.pk).first()
    subscription = current_subscription(user, lock=True)
    if subscription is None:
        subscription = Subscription.objects.create(user=user, plan=plan, source=source)
        if by is not None:
            audit.audit(user=by, obj=subscription, message=gettext_noop("Started a subscription paid by hand"))
    return record_payment(
        subscription=subscription,
        amount=amount,
        method=method,
        source=source,
        received_at=received_at,
        period_start=period_start,
        period_end=period_end,
        note=note,
        by=by,
    )


@transaction.atomic
def refund(*, payment: Payment, amount: Decimal | None = None, note: str = "", void_period: bool = True, by) -> Payment:
    """Money given back: a negative payment naming the original, and (by default) a void of the
    period it bought. Nothing is edited; the subscription's paid time is worked out again."""
    payment = Payment.objects.select_for_update().select_related("subscription").get(pk=payment.pk)
    if payment.kind != Payment.Kind.PAYMENT or payment.status != Payment.Status.PAID:
        raise Conflict("Only a received payment can be refunded.")
    refunded = -sum(r.amount for r in payment.refunds.all())
    amount = payment.amount - refunded if amount is None else amount
    if amount <= 0 or amount > payment.amount - refunded:
        raise DomainError("The refund is more than what is left of the payment.", details={"amount": ["too_much"]})
    subscription = Subscription.objects.select_for_update().get(pk=payment.subscription_id)
    before = audit.values(subscription, TRACKED)
    back = Payment.objects.create(
        subscription=subscription,
        kind=Payment.Kind.REFUND,
        amount=-amount,
        currency=payment.currency,
        method=payment.method,
        source=payment.source,
        received_at=timezone.now(),
        refund_of=payment,
        note=note,
        recorded_by=by,
    )
    period = payment.periods.filter(kind=Period.Kind.PAID, voided_by__isnull=True).first()
    if void_period and period is not None:
        Period.objects.create(subscription=subscription, kind=Period.Kind.VOID, voids=period, note=note, recorded_by=by)
    _recompute(subscription)
    _save(subscription, by=by, message=gettext_noop("Refunded a payment"), before=before)
    audit.audit(user=by, obj=back, message=gettext_noop("Refunded a payment"), changes={"amount": ("", back.amount)})
    return back


@transaction.atomic
def void_period(*, period: Period, note: str, by) -> Period:
    """A correction: the period no longer counts (record the right one with a payment or grant)."""
    period = Period.objects.select_for_update().get(pk=period.pk)
    if period.kind == Period.Kind.VOID or Period.objects.filter(voids=period).exists():
        raise Conflict("This period is already void.")
    subscription = Subscription.objects.select_for_update().get(pk=period.subscription_id)
    before = audit.values(subscription, TRACKED)
    void = Period.objects.create(
        subscription=subscription, kind=Period.Kind.VOID, voids=period, note=note, recorded_by=by
    )
    _recompute(subscription)
    _save(subscription, by=by, message=gettext_noop("Voided a period"), before=before)
    return void


@transaction.atomic
def grant(*, user, plan: Plan, until: datetime.datetime | None, note: str = "", by) -> Subscription:
    """Staff give time without payment (source ``admin``; ``until`` None: no end)."""
    User.objects.select_for_update().filter(pk=user.pk).first()
    subscription = current_subscription(user, lock=True)
    if subscription is None:
        subscription = Subscription.objects.create(user=user, plan=plan, source=Subscription.Source.ADMIN)
    before = audit.values(subscription, TRACKED)
    start_at = max(filter(None, (subscription.paid_until, timezone.now())))
    if until is not None and until <= start_at:
        raise DomainError("The grant must end after the time already paid.", details={"until": ["too_early"]})
    Period.objects.create(
        subscription=subscription,
        kind=Period.Kind.GRANTED,
        starts_at=start_at,
        ends_at=until,
        note=note,
        recorded_by=by,
    )
    subscription.status = states.next_status(subscription.status, states.PAID)
    _recompute(subscription)
    _save(subscription, by=by, message=gettext_noop("Granted subscription time"), before=before)
    return subscription


@transaction.atomic
def record_failed_payment(*, subscription: Subscription, charge) -> Payment | None:
    """An online charge failed: recorded once (by the provider's id), the member warned once."""
    subscription = Subscription.objects.select_for_update().get(pk=subscription.pk)
    payment = Payment.objects.create(
        subscription=subscription,
        status=Payment.Status.FAILED,
        amount=charge.amount if charge.amount > 0 else subscription.plan.price,
        currency=charge.currency,
        method=charge.method,
        source=Subscription.Source.EASYPAY,
        provider_payment_id=charge.payment_id,
        received_at=charge.at,
    )
    if subscription.status in (S.PENDING, S.ACTIVE, S.PAST_DUE):
        subscription.status = states.next_status(subscription.status, states.PAYMENT_FAILED)
        _save(subscription)
    _remind(subscription=subscription, kind=Reminder.Kind.PAYMENT_FAILED, about=payment.received_at)
    return payment


def expire_lapsed(*, now: datetime.datetime | None = None) -> int:
    """Beat: paid-up subscriptions whose time ran out become ``expired`` (the access rule
    already stopped counting them at ``paid_until``)."""
    now = now or timezone.now()
    ids = list(
        Subscription.objects.filter(status__in=Subscription.PAID_UP, paid_until__lte=now).values_list("pk", flat=True)
    )
    for pk in ids:
        with transaction.atomic():
            subscription = Subscription.objects.select_for_update().filter(pk=pk).first()
            if subscription is None or subscription.status not in Subscription.PAID_UP:
                continue
            if subscription.paid_until is None or subscription.paid_until > now:
                continue
            subscription.status = states.next_status(subscription.status, states.LAPSE)
            _save(subscription)
    return len(ids)


# --- notifications from the provider ---------------------------------------------------


def source_allowed(address: str | None) -> bool:
    """Whether ``address`` is among ``EASYPAY_NOTIFICATION_SOURCES`` (all are, when it is empty)."""
    networks = settings.EASYPAY_NOTIFICATION_SOURCES
    if not networks:
        return True
    try:
        ip = ipaddress.ip_address(address or "")
    except ValueError:
        return False
    return any(ip in ipaddress.ip_network(network, strict=False) for network in networks)


def receive_notification(*, body: dict, remote_addr: str | None) -> ProviderNotification:
    """Keep a notification as it came and queue its confirmation; nothing else believes it."""
    from . import tasks

    now = timezone.now()
    notification = ProviderNotification.objects.create(
        received_at=now,
        next_attempt_at=now,
        resource_id=str(body.get("id", ""))[:64],
        event=str(body.get("type", ""))[:32],
        body=body,
        remote_addr=remote_addr,
    )
    transaction.on_commit(lambda: tasks.confirm_notification.delay(notification.pk))
    return notification


@dataclass(frozen=True)
class Outcome:
    status: str
    text: str


def _claim(notification_id: int) -> ProviderNotification | None:
    return (
        ProviderNotification.objects.select_for_update(skip_locked=True)
        .filter(pk=notification_id, status=ProviderNotification.Status.RECEIVED, next_attempt_at__lte=timezone.now())
        .first()
    )


def confirm_notification(*, notification_id: int) -> str | None:
    """Ask the provider's API about the resource a notification names, and apply what it says.

    Idempotent (a payment is recorded once per provider payment id), indifferent to order (the
    API's present state is applied, not the notification's story), and safe against forgery (the
    payment's owner is the subscription whose key the API reports; the body's claims are unused).
    The API down: the row waits for the next attempt (:func:`confirm_waiting`), nothing is lost.
    """
    with transaction.atomic():
        notification = _claim(notification_id)
        if notification is None:
            return None  # done already, or another worker has it, or not yet due
        notification.attempts += 1
        try:
            charges = get_provider().charges(resource_id=notification.resource_id, event=notification.event)
        except ProviderUnavailable as exc:
            final = notification.attempts >= settings.PAYMENT_CONFIRM_MAX_ATTEMPTS
            delay = settings.PAYMENT_CONFIRM_RETRY_SECONDS * 2 ** (notification.attempts - 1)
            notification.status = ProviderNotification.Status.FAILED if final else notification.status
            notification.next_attempt_at = timezone.now() + datetime.timedelta(seconds=delay)
            notification.last_error = str(exc)
            notification.save(update_fields=["attempts", "status", "next_attempt_at", "last_error"])
            if final:
                logger.error(
                    "payment notification %s not confirmed after %s attempts", notification.pk, notification.attempts
                )
            return None
        except ProviderRefused as exc:
            outcome = Outcome(ProviderNotification.Status.IGNORED, f"provider refused: {exc}"[:200])
        else:
            outcome = _apply_charges(charges)
        notification.status = outcome.status
        notification.outcome = outcome.text[:200]
        notification.processed_at = timezone.now()
        notification.last_error = ""
        notification.save(update_fields=["attempts", "status", "outcome", "processed_at", "last_error"])
        return notification.status


def _apply_charges(charges) -> Outcome:
    recorded, failed, known, unknown, pending = 0, 0, 0, 0, 0
    for charge in charges:
        if Payment.objects.filter(source=Subscription.Source.EASYPAY, provider_payment_id=charge.payment_id).exists():
            known += 1
            continue
        subscription = (
            Subscription.objects.filter(uuid=_uuid_or_none(charge.subscription_key)).select_related("plan").first()
        )
        if subscription is None:
            unknown += 1
            continue
        if charge.status == "pending":
            pending += 1
            continue
        try:
            with transaction.atomic():
                if charge.status == "paid":
                    if charge.currency != subscription.plan.currency or charge.amount < subscription.plan.price:
                        logger.warning(
                            "payment %s of %s %s is short of the plan's price",
                            charge.payment_id,
                            charge.amount,
                            charge.currency,
                        )
                    record_payment(
                        subscription=subscription,
                        amount=charge.amount,
                        currency=charge.currency,
                        method=charge.method,
                        source=Subscription.Source.EASYPAY,
                        provider_payment_id=charge.payment_id,
                        received_at=charge.at,
                    )
                    recorded += 1
                else:
                    record_failed_payment(subscription=subscription, charge=charge)
                    failed += 1
        except IntegrityError:
            known += 1  # a concurrent confirmation recorded it first
    if recorded or failed:
        return Outcome(
            ProviderNotification.Status.CONFIRMED, f"recorded {recorded} paid, {failed} failed, {known} known"
        )
    return Outcome(
        ProviderNotification.Status.IGNORED, f"nothing new ({known} known, {pending} pending, {unknown} not ours)"
    )


def _uuid_or_none(text: str):
    import uuid

    try:
        return uuid.UUID(str(text))
    except ValueError:
        return None


def confirm_waiting(*, limit: int = 200) -> list[int]:
    """Beat: notifications still waiting whose next attempt is due (the API was down, or the
    task never ran) are queued again."""
    from . import tasks

    ids = list(
        ProviderNotification.objects.filter(
            status=ProviderNotification.Status.RECEIVED, next_attempt_at__lte=timezone.now()
        )
        .order_by("next_attempt_at")
        .values_list("pk", flat=True)[:limit]
    )
    for pk in ids:
        tasks.confirm_notification.delay(pk)
    return ids


# --- reminders -------------------------------------------------------------------------


def _remind(*, subscription: Subscription, kind: str, about: datetime.datetime) -> bool:
    """Record the reminder and mail it on commit, once: a second call finds the row and stops."""
    with transaction.atomic():
        _, created = Reminder.objects.get_or_create(subscription=subscription, kind=kind, about=about)
    if created:
        subscription_id = subscription.pk
        transaction.on_commit(lambda: mail.send_reminder(subscription_id=subscription_id, kind=kind, about=about))
    return created


def send_reminders(*, now: datetime.datetime | None = None) -> int:
    """Beat: mail members paying by hand a week before their paid time ends and when it ends."""
    now = now or timezone.now()
    week = now + datetime.timedelta(days=settings.SUBSCRIPTION_REMINDER_DAYS)
    manual = Subscription.objects.filter(source__in=MANUAL_SOURCES, paid_until__isnull=False)
    sent = 0
    before_end = manual.filter(status__in=(S.ACTIVE, S.PAST_DUE), paid_until__gt=now, paid_until__lte=week).exclude(
        Exists(
            Reminder.objects.filter(
                subscription=OuterRef("pk"), kind=Reminder.Kind.WEEK_BEFORE, about=OuterRef("paid_until")
            )
        )
    )
    for subscription in before_end:
        assert subscription.paid_until is not None  # filtered on it
        sent += _remind(subscription=subscription, kind=Reminder.Kind.WEEK_BEFORE, about=subscription.paid_until)
    # On the end: within the last days, so a member whose time ended long ago is not written to.
    ended = manual.filter(
        Q(status__in=(S.ACTIVE, S.PAST_DUE, S.EXPIRED)),
        paid_until__lte=now,
        paid_until__gt=now - datetime.timedelta(days=settings.SUBSCRIPTION_REMINDER_DAYS),
    ).exclude(
        Exists(
            Reminder.objects.filter(
                subscription=OuterRef("pk"), kind=Reminder.Kind.EXPIRED, about=OuterRef("paid_until")
            )
        )
    )
    for subscription in ended:
        if current_subscription(subscription.user_id) not in (None, subscription):
            continue  # they have moved to another subscription
        assert subscription.paid_until is not None  # filtered on it
        sent += _remind(subscription=subscription, kind=Reminder.Kind.EXPIRED, about=subscription.paid_until)
    return sent
