"""In-app notifications and the outbox of events that fan out to them.

A NotificationEvent is one thing worth telling people about (a gathering was published, tracks
were added to one); its ``key`` is unique, so a second click or a second call finds the row that
is already there. Fan-out turns it into one Notification per user; ``(user, event_key)`` is
unique, so a replayed or retried batch inserts nothing new.

The tables keep the names they had when these models lived in ``accounts`` (``db_table``).
"""

import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class NotificationEvent(models.Model):
    """One publish event, processed by a worker: queued → inflight → sent | failed."""

    class Kind(models.TextChoices):
        GATHERING_PUBLISHED = "new_gathering", _("Gathering published")
        TRACKS_ADDED = "new_tracks", _("Tracks added")

    class State(models.TextChoices):
        QUEUED = "queued", _("Queued")
        INFLIGHT = "inflight", _("Sending")
        SENT = "sent", _("Sent")
        FAILED = "failed", _("Failed")

    key = models.CharField(_("key"), max_length=120, unique=True)
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    retreat = models.ForeignKey(
        "retreats.Retreat", on_delete=models.CASCADE, related_name="notification_events", verbose_name=_("gathering")
    )
    track_ids = models.JSONField(_("tracks"), default=list, blank=True)
    state = models.CharField(_("state"), max_length=8, choices=State.choices, default=State.QUEUED, db_index=True)
    # Keyset cursor: the highest user id already fanned out, so a retry resumes where it stopped.
    cursor = models.BigIntegerField(_("last user id done"), default=0)
    attempts = models.PositiveIntegerField(_("attempts"), default=0)
    # A worker holds the event until this time; a crashed worker's lease runs out and another may resume.
    locked_until = models.DateTimeField(_("locked until"), null=True, blank=True)
    notified_count = models.PositiveIntegerField(_("notifications"), default=0)
    pushed_count = models.PositiveIntegerField(_("pushes sent"), default=0)
    push_failed_count = models.PositiveIntegerField(_("pushes failed"), default=0)
    devices_disabled_count = models.PositiveIntegerField(_("devices disabled"), default=0)
    last_error = models.TextField(_("last error"), blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    started_at = models.DateTimeField(_("started"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)

    class Meta:
        db_table = "accounts_notificationevent"
        ordering = ["-created_at"]
        verbose_name = _("notification event")
        verbose_name_plural = _("notification events")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(state__in=["queued", "inflight", "sent", "failed"]),
                name="notification_event_state_valid",
            ),
            models.CheckConstraint(
                condition=models.Q(kind__in=["new_gathering", "new_tracks"]), name="notification_event_kind_valid"
            ),
        ]

    def __str__(self):
        return self.key


class Notification(models.Model):
    """What one user sees in the app's notification list, written in their language."""

    class PushState(models.TextChoices):
        PENDING = "pending", _("Waiting")
        SENDING = "sending", _("Sending")
        SENT = "sent", _("Sent")
        NO_DEVICE = "no_device", _("No device")
        FAILED = "failed", _("Failed")

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications", verbose_name=_("user")
    )
    event = models.ForeignKey(
        NotificationEvent,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="notifications",
        verbose_name=_("event"),
    )
    event_key = models.CharField(_("event key"), max_length=120)
    type = models.CharField(_("type"), max_length=32)
    title = models.CharField(_("title"), max_length=200)
    message = models.TextField(_("message"))
    data = models.JSONField(_("data"), default=dict, blank=True)
    read = models.BooleanField(_("read"), default=False)
    read_at = models.DateTimeField(_("read at"), null=True, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True, db_index=True)
    push_state = models.CharField(
        _("push"), max_length=9, choices=PushState.choices, default=PushState.PENDING, db_index=True
    )
    # Which worker claimed the push (a conditional update sets it; 0 rows → another worker has it).
    push_claim = models.UUIDField(null=True, blank=True, editable=False)

    export_exclude = ("push_claim",)  # the GDPR export (accounts.selectors.user_export) leaves out worker bookkeeping
    export_label = "accounts.Notification"  # its key in that export, from when the model lived in accounts

    class Meta:
        db_table = "accounts_notification"
        ordering = ["-created_at", "-id"]
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        constraints = [
            # Exactly once per user and event: fan-out inserts with ON CONFLICT DO NOTHING on this.
            models.UniqueConstraint(fields=["user", "event_key"], name="notification_once_per_user_event"),
            models.CheckConstraint(
                condition=models.Q(push_state__in=["pending", "sending", "sent", "no_device", "failed"]),
                name="notification_push_state_valid",
            ),
        ]
        indexes = [
            models.Index(fields=["user", "-created_at"], name="notification_user_recent"),
            # Fan-out looks for the pushes still waiting in one event; most rows are long past that.
            models.Index(fields=["event"], condition=models.Q(push_state="pending"), name="notification_push_waiting"),
            # A worker reads back the rows it has just claimed; only claimed rows are in this index.
            models.Index(
                fields=["push_claim"], condition=models.Q(push_claim__isnull=False), name="notification_push_claimed"
            ),
        ]

    def __str__(self):
        return f"{self.user_id}: {self.title}"


class LocalPush(models.Model):
    """What the local push backend would have sent (PUSH_BACKEND=…LocalPushBackend)."""

    platform = models.CharField(_("platform"), max_length=8)
    token = models.CharField(_("push token"), max_length=512)
    title = models.CharField(_("title"), max_length=200)
    body = models.TextField(_("body"))
    data = models.JSONField(_("data"), default=dict, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        db_table = "accounts_localpush"
        ordering = ["-created_at", "-id"]
        verbose_name = _("local push")
        verbose_name_plural = _("local pushes")

    def __str__(self):
        return f"{self.platform} {self.token[:12]}…: {self.title}"


class PushEndpoint(models.Model):
    """Push state of one device: its SNS platform endpoint, and whether its token is dead.

    Kept beside ``accounts.Device`` rather than on it: a device whose provider said the token
    is unregistered is skipped by every later fan-out until the app registers it again.
    """

    device = models.OneToOneField(
        "accounts.Device",
        on_delete=models.CASCADE,
        primary_key=True,
        related_name="push_endpoint",
        verbose_name=_("device"),
    )
    endpoint_arn = models.CharField(_("SNS endpoint"), max_length=300, blank=True)
    disabled_at = models.DateTimeField(_("disabled"), null=True, blank=True, db_index=True)
    disabled_reason = models.CharField(_("why disabled"), max_length=500, blank=True)

    class Meta:
        db_table = "accounts_pushendpoint"
        verbose_name = _("push endpoint")
        verbose_name_plural = _("push endpoints")

    def __str__(self):
        return f"{self.device_id}: {'disabled' if self.disabled_at else 'enabled'}"


class DigestSubscription(models.Model):
    """A user who asked for the new-content email digest (opt-in: no row, no digest)."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        primary_key=True,
        related_name="digest_subscription",
        verbose_name=_("user"),
    )
    created_at = models.DateTimeField(_("subscribed"), auto_now_add=True)
    last_sent_at = models.DateTimeField(_("last digest"), null=True, blank=True)

    export_label = "accounts.DigestSubscription"  # its key in the GDPR export, from when it lived in accounts

    class Meta:
        db_table = "accounts_digestsubscription"
        verbose_name = _("digest subscription")
        verbose_name_plural = _("digest subscriptions")

    def __str__(self):
        return str(self.user_id)
