"""Notification reads."""

from collections import defaultdict
from dataclasses import dataclass

from django.db.models import Q, QuerySet

from .models import Notification


def user_notifications(*, user) -> QuerySet[Notification]:
    """The user's own notifications, newest first: the only way the API reaches a row."""
    return Notification.objects.filter(user=user).order_by("-created_at", "-id")


NOTIFICATION_FIELDS = ("uuid", "type", "title", "message", "read", "created_at")


def notifications_page(*, user, limit: int, offset: int) -> tuple[list[dict], int]:
    """A page of the user's notification rows (``NOTIFICATION_FIELDS``), and how many they have."""
    notifications = user_notifications(user=user)
    rows = list(notifications.values(*NOTIFICATION_FIELDS)[offset : offset + limit])
    return rows, notifications.count()


@dataclass(frozen=True)
class PushDevice:
    pk: int
    platform: str
    push_token: str
    endpoint_arn: str


def push_devices(*, user_ids) -> dict[int, list[PushDevice]]:
    """The devices that may receive a push, per user (``user_ids``: ids or a subquery): one
    query, disabled tokens and devices without one (signed in only, or revoked) left out."""
    from accounts.models import Device

    rows = (
        Device.objects.filter(user_id__in=user_ids, push_token__isnull=False)
        .filter(Q(push_endpoint__isnull=True) | Q(push_endpoint__disabled_at__isnull=True))
        .values_list("pk", "user_id", "platform", "push_token", "push_endpoint__endpoint_arn")
    )
    devices = defaultdict(list)
    for pk, user_id, platform, token, arn in rows:
        if token is None:  # left out by the query already; says so to the type checker
            continue
        devices[user_id].append(PushDevice(pk=pk, platform=platform, push_token=token, endpoint_arn=arn or ""))
    return devices
