"""Reads of subscriptions: what a member sees of theirs."""

from .models import Payment, Plan, Subscription


def member_overview(*, user, payments: int = 50) -> dict:
    """The member's current (or latest) subscription, their latest payments and the plans offered."""
    current = Subscription.objects.filter(user=user).select_related("plan").order_by("-created_at", "-id").first()
    return {
        "current": current,
        "payments": list(Payment.objects.filter(subscription__user=user).order_by("-received_at", "-id")[:payments]),
        "plans": list(Plan.objects.filter(active=True)),
    }
