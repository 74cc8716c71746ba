"""Reads of subscriptions: what a member sees of theirs, and the staff dashboard's reports."""

import datetime

from django.db.models import Exists, OuterRef, Q, Sum
from django.db.models.functions import TruncMonth
from django.utils import timezone

from .models import Payment, Period, Plan, Subscription


def member_overview(*, user, payments: int = 50) -> dict:
    """The member's current (or latest) subscription, their latest payments and the plans offered."""
    current = Subscription.objects.filter(user=user).select_related("plan").order_by("-created_at", "-id").first()
    return {
        "current": current,
        "payments": list(Payment.objects.filter(subscription__user=user).order_by("-received_at", "-id")[:payments]),
        "plans": list(Plan.objects.filter(active=True)),
    }


# --- reports (the staff dashboard) -----------------------------------------------------


def active_subscribers_at(moments: list[datetime.datetime]) -> list[int]:
    """For each moment, how many members had paid (or granted) time running then: one query for
    the periods that overlap the span, counted per moment."""
    if not moments:
        return []
    first, last = min(moments), max(moments)
    voided = Period.objects.filter(voids=OuterRef("pk"))
    periods = list(
        Period.objects.exclude(kind=Period.Kind.VOID)
        .exclude(Exists(voided))
        .filter(starts_at__lte=last)
        .filter(Q(ends_at__isnull=True) | Q(ends_at__gt=first))
        .values_list("subscription__user_id", "starts_at", "ends_at")
    )
    return [
        len(
            {
                user
                for user, start, end in periods
                if start is not None and start <= moment and (end is None or end > moment)
            }
        )
        for moment in moments
    ]


def income_per_month(since: datetime.datetime, until: datetime.datetime) -> list[dict]:
    """Money received per calendar month (UTC) and source, refunds taken off:
    ``[{"month": date, "source": str, "total": Decimal}]``, oldest first."""
    rows = (
        Payment.objects.filter(status=Payment.Status.PAID, received_at__gte=since, received_at__lt=until)
        .annotate(month=TruncMonth("received_at", tzinfo=datetime.UTC))
        .values("month", "source")
        .annotate(total=Sum("amount"))
        .order_by("month", "source")
    )
    return [dict(row) for row in rows]


def about_to_lapse(*, within_days: int = 14, limit: int = 50) -> list[Subscription]:
    """Members whose paid time ends within ``within_days`` and will not renew by itself: paying by
    hand, behind on an online payment, or cancelled. Soonest first."""
    now = timezone.now()
    return list(
        Subscription.objects.filter(
            status__in=Subscription.PAID_UP,
            paid_until__gt=now,
            paid_until__lte=now + datetime.timedelta(days=within_days),
        )
        .filter(
            ~Q(source=Subscription.Source.EASYPAY)
            | Q(status__in=(Subscription.Status.PAST_DUE, Subscription.Status.CANCELLED))
        )
        .select_related("user", "plan")
        .order_by("paid_until", "pk")[:limit]
    )
