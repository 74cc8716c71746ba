"""Where each listener is in each talk, what they listened to, and what they marked.

``ListeningSession`` is the ledger of progress events: one row per (user, eventId), so an
event replayed by an offline device is recognised and changes nothing. ``TrackProgress`` is
the merged state per (user, track), written only by the upsert in ``services``.
"""

import uuid

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

NOTE_MAX_LENGTH = 2000
HIGHLIGHT_TEXT_MAX_LENGTH = 5000
EVENT_ID_MAX_LENGTH = 64


class TrackProgress(models.Model):
    """The merged position of one user in one track: latest ``last_played`` wins, ``completed`` is sticky."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="track_progress",
        verbose_name=_("user"),
        db_index=False,  # the unique (user, track) index serves every lookup by user
    )
    track = models.ForeignKey(
        "retreats.Track", on_delete=models.CASCADE, related_name="progress", verbose_name=_("track")
    )
    position = models.FloatField(_("position (seconds)"), default=0)
    completed = models.BooleanField(_("completed"), default=False)
    last_played = models.DateTimeField(_("last played"))
    created_at = models.DateTimeField(_("first played"))
    updated_at = models.DateTimeField(_("updated"))

    class Meta:
        verbose_name = _("track progress")
        verbose_name_plural = _("track progress")
        constraints = [
            models.UniqueConstraint(fields=["user", "track"], name="progress_unique_user_track"),
            models.CheckConstraint(condition=Q(position__gte=0), name="progress_position_not_negative"),
        ]
        indexes = [models.Index(fields=["user", "-last_played"], name="progress_user_last_played")]

    def __str__(self):
        return f"{self.user} · {self.track_id} @ {self.position:.0f}s"


class ListeningSession(models.Model):
    """One progress event as a device sent it; its span counts once towards listening time."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="listening_sessions",
        verbose_name=_("user"),
        db_index=False,  # the unique (user, event_id) index serves every lookup by user; one index less per insert
    )
    track = models.ForeignKey(
        "retreats.Track", on_delete=models.CASCADE, related_name="listening_sessions", verbose_name=_("track")
    )
    event_id = models.CharField(_("event id"), max_length=EVENT_ID_MAX_LENGTH)
    played_at = models.DateTimeField(_("played at"))
    position = models.FloatField(_("position (seconds)"), default=0)
    completed = models.BooleanField(_("completed"), default=False)
    start_time = models.DateTimeField(_("started"), null=True, blank=True)
    end_time = models.DateTimeField(_("ended"), null=True, blank=True)
    seconds = models.FloatField(_("seconds listened"), default=0)
    device_info = models.JSONField(_("device"), default=dict, blank=True)
    created_at = models.DateTimeField(_("received"))

    class Meta:
        verbose_name = _("listening session")
        verbose_name_plural = _("listening sessions")
        constraints = [
            # The dedup key: a replayed eventId hits this and is ignored (ON CONFLICT DO NOTHING).
            models.UniqueConstraint(fields=["user", "event_id"], name="listening_unique_user_event"),
            models.CheckConstraint(condition=Q(seconds__gte=0), name="listening_seconds_not_negative"),
            models.CheckConstraint(condition=Q(position__gte=0), name="listening_position_not_negative"),
            models.CheckConstraint(
                condition=Q(start_time__isnull=True) | Q(end_time__isnull=True) | Q(end_time__gte=F("start_time")),
                name="listening_end_not_before_start",
            ),
        ]
        indexes = [
            models.Index(fields=["user", "played_at"], name="listening_user_played_at"),
            models.Index(fields=["user", "track"], name="listening_user_track"),
        ]

    def __str__(self):
        return f"{self.user} · {self.event_id}"


class Bookmark(models.Model):
    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="bookmarks",
        verbose_name=_("user"),
        db_index=False,  # served by the (user, track, position) index
    )
    track = models.ForeignKey(
        "retreats.Track", on_delete=models.CASCADE, related_name="bookmarks", verbose_name=_("track")
    )
    position = models.FloatField(_("position (seconds)"))
    note = models.TextField(_("note"), max_length=NOTE_MAX_LENGTH, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        ordering = ["position", "created_at"]
        verbose_name = _("bookmark")
        verbose_name_plural = _("bookmarks")
        constraints = [models.CheckConstraint(condition=Q(position__gte=0), name="bookmark_position_not_negative")]
        indexes = [models.Index(fields=["user", "track", "position"], name="bookmark_user_track")]

    def __str__(self):
        return f"{self.user} · {self.track_id} @ {self.position:.0f}s"


class Highlight(models.Model):
    class Color(models.TextChoices):
        YELLOW = "yellow", _("Yellow")
        GREEN = "green", _("Green")
        BLUE = "blue", _("Blue")
        PINK = "pink", _("Pink")
        ORANGE = "orange", _("Orange")

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="highlights",
        verbose_name=_("user"),
        db_index=False,  # served by the (user, track, page) index
    )
    track = models.ForeignKey(
        "retreats.Track", on_delete=models.CASCADE, related_name="highlights", verbose_name=_("track")
    )
    page = models.PositiveIntegerField(_("page"))
    text = models.TextField(_("text"), max_length=HIGHLIGHT_TEXT_MAX_LENGTH)
    color = models.CharField(_("colour"), max_length=8, choices=Color.choices, default=Color.YELLOW)
    note = models.TextField(_("note"), max_length=NOTE_MAX_LENGTH, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        ordering = ["page", "created_at"]
        verbose_name = _("highlight")
        verbose_name_plural = _("highlights")
        constraints = [
            models.CheckConstraint(condition=Q(page__gte=1), name="highlight_page_positive"),
            models.CheckConstraint(
                condition=Q(color__in=["yellow", "green", "blue", "pink", "orange"]), name="highlight_color_valid"
            ),
        ]
        indexes = [models.Index(fields=["user", "track", "page"], name="highlight_user_track")]

    def __str__(self):
        return f"{self.user} · {self.track_id} p.{self.page}"


class EventBookmark(models.Model):
    """A gathering the listener keeps at hand (the mobile app's event bookmarks)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="event_bookmarks",
        verbose_name=_("user"),
        db_index=False,  # served by the unique (user, gathering) index
    )
    gathering = models.ForeignKey(
        "retreats.Retreat", on_delete=models.CASCADE, related_name="bookmarks", verbose_name=_("gathering")
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("gathering bookmark")
        verbose_name_plural = _("gathering bookmarks")
        constraints = [
            models.UniqueConstraint(fields=["user", "gathering"], name="eventbookmark_unique_user_gathering")
        ]

    def __str__(self):
        return f"{self.user} · {self.gathering_id}"
