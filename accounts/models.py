import uuid

from django.contrib.auth.base_user import AbstractBaseUser, BaseUserManager
from django.contrib.auth.models import PermissionsMixin
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class UserQuerySet(models.QuerySet):
    pass


class UserManager(BaseUserManager.from_queryset(UserQuerySet)):
    use_in_migrations = True

    def _create_user(self, email, password, **extra):
        if not email:
            raise ValueError("An email address is required.")
        user = self.model(email=self.normalize_email(email).lower(), **extra)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(self, email, password=None, **extra):
        extra.setdefault("is_staff", False)
        extra.setdefault("is_superuser", False)
        return self._create_user(email, password, **extra)

    def create_superuser(self, email, password=None, **extra):
        extra.update(is_staff=True, is_superuser=True, email_verified=True)
        return self._create_user(email, password, **extra)

    def get_or_create_for_cognito(self, payload: dict, *, token: str | None = None):
        """The user a verified token speaks for (django-cognito-jwt's hook), or None.

        Known subjects cost one query. An unknown one is created or linked by email only when
        the identity provider confirms the account still exists, so a token outliving a
        deleted account does not bring it back.
        """
        try:
            return self.get(cognito_sub=payload["sub"])
        except self.model.DoesNotExist:
            pass
        from .services import user_link_from_provider

        return user_link_from_provider(sub=payload["sub"], access_token=token)


class User(AbstractBaseUser, PermissionsMixin):
    """A listener or a staff member. Email is the login; ``cognito_sub`` links the identity provider."""

    class Language(models.TextChoices):
        EN = "en", _("English")
        PT = "pt", _("Portuguese")

    class ContentLanguage(models.TextChoices):
        EN = "en", _("English only")
        EN_PT = "en-pt", _("English with Portuguese translation")

    class SubscriptionStatus(models.TextChoices):
        ACTIVE = "active", _("Active")
        INACTIVE = "inactive", _("Inactive")
        EXPIRED = "expired", _("Expired")

    class Plan(models.TextChoices):
        BASIC = "basic", _("Basic")
        PREMIUM = "premium", _("Premium")

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    email = models.EmailField(_("email"), unique=True)
    name = models.CharField(_("name"), max_length=150, blank=True)
    cognito_sub = models.CharField(_("identity provider subject"), max_length=64, unique=True, null=True, blank=True)
    email_verified = models.BooleanField(_("email verified"), default=False)
    is_staff = models.BooleanField(_("staff"), default=False, help_text=_("Can log into the admin."))
    is_active = models.BooleanField(_("active"), default=True)
    date_joined = models.DateTimeField(_("joined"), default=timezone.now)

    language = models.CharField(_("app language"), max_length=2, choices=Language.choices, default=Language.EN)
    content_language = models.CharField(
        _("content language"), max_length=5, choices=ContentLanguage.choices, default=ContentLanguage.EN
    )
    biometric_enabled = models.BooleanField(_("biometric login"), default=False)
    notifications_enabled = models.BooleanField(_("notifications"), default=True)
    time_zone = models.CharField(_("time zone"), max_length=64, default="UTC")

    subscription_status = models.CharField(
        _("subscription status"), max_length=8, choices=SubscriptionStatus.choices, default=SubscriptionStatus.INACTIVE
    )
    subscription_plan = models.CharField(_("plan"), max_length=8, choices=Plan.choices, default=Plan.BASIC)
    subscription_expires_at = models.DateTimeField(_("subscription expires"), null=True, blank=True)

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS: list[str] = []

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")
        constraints = [
            models.CheckConstraint(condition=models.Q(language__in=["en", "pt"]), name="user_language_valid"),
            models.CheckConstraint(
                condition=models.Q(content_language__in=["en", "en-pt"]), name="user_content_language_valid"
            ),
            models.CheckConstraint(
                condition=models.Q(subscription_status__in=["active", "inactive", "expired"]),
                name="user_subscription_status_valid",
            ),
            models.CheckConstraint(
                condition=models.Q(subscription_plan__in=["basic", "premium"]), name="user_plan_valid"
            ),
        ]

    def __str__(self):
        return self.email

    def get_full_name(self):
        return self.name or self.email

    def get_short_name(self):
        return self.name or self.email

    @property
    def subscription_is_active(self) -> bool:
        if self.subscription_status != self.SubscriptionStatus.ACTIVE:
            return False
        return self.subscription_expires_at is None or self.subscription_expires_at > timezone.now()

    @property
    def effective_subscription_status(self) -> str:
        """``expired`` once ``expiresAt`` has passed, even before a job updates the row."""
        if self.subscription_status == self.SubscriptionStatus.ACTIVE and not self.subscription_is_active:
            return self.SubscriptionStatus.EXPIRED
        return self.subscription_status


class GroupMembership(models.Model):
    """A user belongs to a retreat group: they may play its ``members`` gatherings."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="memberships", verbose_name=_("user"))
    group = models.ForeignKey(
        "retreats.RetreatGroup", on_delete=models.CASCADE, related_name="memberships", verbose_name=_("retreat group")
    )
    created_at = models.DateTimeField(_("since"), auto_now_add=True)

    class Meta:
        verbose_name = _("group membership")
        verbose_name_plural = _("group memberships")
        constraints = [models.UniqueConstraint(fields=["user", "group"], name="membership_unique_user_group")]

    def __str__(self):
        return f"{self.user} ∈ {self.group}"


class Device(models.Model):
    """A phone or browser that receives push notifications for a user."""

    class Platform(models.TextChoices):
        IOS = "ios", "iOS"
        ANDROID = "android", "Android"
        WEB = "web", _("Web")

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="devices", verbose_name=_("user"))
    platform = models.CharField(_("platform"), max_length=8, choices=Platform.choices)
    # One token, one device: a phone that changes account moves its token to the new user.
    push_token = models.CharField(_("push token"), max_length=512, unique=True)
    app_version = models.CharField(_("app version"), max_length=32, blank=True)
    created_at = models.DateTimeField(_("registered"), auto_now_add=True)
    last_seen_at = models.DateTimeField(_("last seen"), default=timezone.now)

    class Meta:
        verbose_name = _("device")
        verbose_name_plural = _("devices")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(platform__in=["ios", "android", "web"]), name="device_platform_valid"
            )
        ]

    def __str__(self):
        return f"{self.get_platform_display()} ({self.user})"


class RefreshToken(models.Model):
    """A refresh token of the local identity provider, kept only as a SHA-256 hash.

    Each refresh rotates the token inside its ``family``; presenting a rotated token again
    means it was copied, so the whole family is revoked.
    """

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="refresh_tokens", verbose_name=_("user"))
    token_hash = models.CharField(max_length=64, unique=True)
    family = models.UUIDField(default=uuid.uuid4, db_index=True)
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    revoked_at = models.DateTimeField(null=True, blank=True)

    export_exclude = ("token_hash",)

    class Meta:
        verbose_name = _("refresh token")
        verbose_name_plural = _("refresh tokens")

    def __str__(self):
        return f"refresh token {self.pk} of {self.user_id}"


class EmailCode(models.Model):
    """A 6-digit code sent by email (local provider), stored as an HMAC, single use."""

    class Purpose(models.TextChoices):
        VERIFY = "verify", _("Email verification")
        RESET = "reset", _("Password reset")

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="email_codes", verbose_name=_("user"))
    purpose = models.CharField(max_length=8, choices=Purpose.choices)
    code_hash = models.CharField(max_length=64)
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)

    export_exclude = ("code_hash",)

    class Meta:
        verbose_name = _("email code")
        verbose_name_plural = _("email codes")
        indexes = [models.Index(fields=["user", "purpose"], name="emailcode_user_purpose")]
        constraints = [
            models.CheckConstraint(condition=models.Q(purpose__in=["verify", "reset"]), name="emailcode_purpose_valid")
        ]

    def __str__(self):
        return f"{self.purpose} code for {self.user_id}"


class LocalCredentials(models.Model):
    """Local-provider state beside the password: TOTP secret and the lock-out counter."""

    user = models.OneToOneField(User, on_delete=models.CASCADE, related_name="credentials", verbose_name=_("user"))
    mfa_secret = models.CharField(max_length=64, blank=True)
    mfa_enabled = models.BooleanField(_("MFA on"), default=False)
    # The last TOTP time step accepted, so one code cannot be replayed within its window.
    mfa_last_step = models.BigIntegerField(default=0)
    failed_logins = models.PositiveSmallIntegerField(default=0)
    locked_until = models.DateTimeField(null=True, blank=True)

    export_exclude = ("mfa_secret", "mfa_last_step")

    class Meta:
        verbose_name = _("local credentials")
        verbose_name_plural = _("local credentials")

    def __str__(self):
        return f"credentials of {self.user_id}"


# --- Notifications ----------------------------------------------------------------------
# In-app notifications and the outbox of events that fan out to them (logic: the
# ``notifications`` app). A NotificationEvent is one thing worth telling people about (a
# gathering was published, tracks were added to one); its ``key`` is unique, so a second click
# or a second call finds the row that is already there. Fan-out turns it into one Notification
# per user; ``(user, event_key)`` is unique, so a replayed or retried batch inserts nothing new.


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
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="notifications", verbose_name=_("user"))
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

    class Meta:
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
        Device, on_delete=models.CASCADE, primary_key=True, related_name="push_endpoint", verbose_name=_("device")
    )
    endpoint_arn = models.CharField(_("SNS endpoint"), max_length=300, blank=True)
    disabled_at = models.DateTimeField(_("disabled"), null=True, blank=True, db_index=True)
    disabled_reason = models.CharField(_("why disabled"), max_length=500, blank=True)

    class Meta:
        verbose_name = _("push endpoint")
        verbose_name_plural = _("push endpoints")

    def __str__(self):
        return f"{self.device_id}: {'disabled' if self.disabled_at else 'enabled'}"


class DigestSubscription(models.Model):
    """A user who asked for the new-content email digest (opt-in: no row, no digest)."""

    user = models.OneToOneField(
        User, on_delete=models.CASCADE, primary_key=True, related_name="digest_subscription", verbose_name=_("user")
    )
    created_at = models.DateTimeField(_("subscribed"), auto_now_add=True)
    last_sent_at = models.DateTimeField(_("last digest"), null=True, blank=True)

    class Meta:
        verbose_name = _("digest subscription")
        verbose_name_plural = _("digest subscriptions")

    def __str__(self):
        return str(self.user_id)
