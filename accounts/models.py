import uuid

from django.contrib.auth.base_user import AbstractBaseUser, BaseUserManager
from django.contrib.auth.models import PermissionsMixin
from django.db import connection, models, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from padmakara import realtime
from padmakara.precompiled import Precompiled


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
        if connection.vendor == "postgresql":
            # Every request with a token reads this row: compiled once (0.25 ms against 0.7).
            found = _USER_BY_SUB.instances(sub=str(payload["sub"]))
            if found:
                return found[0]
        else:
            try:
                return self.get(cognito_sub=payload["sub"])
            except self.model.DoesNotExist:
                pass
        from .services import user_link_from_provider

        return user_link_from_provider(sub=payload["sub"], access_token=token)


REVOCATION_FIELDS = frozenset({"tokens_valid_after", "revoked_sessions"})
# Written by the database only (see ``User.access_version``).
TRIGGER_FIELDS = frozenset({"access_version"})


class User(AbstractBaseUser, PermissionsMixin):
    """A listener or a staff member. Email is the login; ``cognito_sub`` links the identity provider."""

    class Language(models.TextChoices):
        EN = "en", _("English")
        PT = "pt", _("Portuguese")

    class ContentLanguage(models.TextChoices):
        EN = "en", _("English only")
        PT = "pt", _("Portuguese only")
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

    # Token revocation (accounts/revocation.py), on the row the authenticator reads anyway, so
    # checking it costs no query and does not depend on the cache. Tokens of sessions begun
    # (``auth_time``) at or before this second are refused: a password change, reset or
    # disabling ends every session.
    tokens_valid_after = models.DateTimeField(_("signed out everywhere at"), null=True, blank=True, editable=False)
    # Single sessions ended by a logout: session id (``origin_jti``) -> epoch second after which
    # none of its access tokens can still be unexpired (entries are dropped past it).
    revoked_sessions = models.JSONField(default=dict, blank=True, editable=False)
    # Moves whenever what this user may play could change: a group membership, an attendance or
    # grant, the subscription, staff or active flags. Database triggers move it (migrations
    # accounts 0008 and retreats 0005), so admin saves, services, imports, bulk writes and
    # ``update()`` calls all count; Python never writes it. Keys the cached access profile.
    access_version = models.PositiveBigIntegerField(_("access version"), default=0, editable=False)

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
                condition=models.Q(content_language__in=["en", "pt", "en-pt"]), name="user_content_language_valid"
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

    @classmethod
    def from_db(cls, db, field_names, values):
        instance = super().from_db(db, field_names, values)
        instance._loaded_active = instance.__dict__.get("is_active")
        return instance

    def save(self, **kwargs):
        """Saving a new password, or deactivating the account, ends every session
        (``tokens_valid_after``); the admin's password form and ``changepassword`` included.

        A save of an existing row never writes the revocation fields otherwise: they change
        through ``accounts.revocation`` only, and a full save of a row read before a logout
        must not bring the logged-out session back. Nor does it write ``access_version``,
        which only the database moves.
        """
        update_fields = kwargs.get("update_fields")
        existing = self.pk is not None and not self._state.adding and not kwargs.get("force_insert")
        if existing:
            if update_fields is None:
                # What a full save writes (a deferred field is not loaded, so not written either).
                deferred = self.get_deferred_fields()
                fields = (
                    {f.name for f in self._meta.concrete_fields if not f.primary_key and f.attname not in deferred}
                    - REVOCATION_FIELDS
                    - TRIGGER_FIELDS
                )
            else:
                fields = set(update_fields) - TRIGGER_FIELDS
            saving_password = self._password is not None and "password" in fields
            deactivating = (
                getattr(self, "_loaded_active", None) is True and not self.is_active and "is_active" in fields
            )
            if saving_password or deactivating:
                self.tokens_valid_after = timezone.now()
                self.revoked_sessions = {}
                fields |= REVOCATION_FIELDS
                user_id = self.pk
                transaction.on_commit(lambda: realtime.recheck_sessions(user_id=user_id))
            kwargs["update_fields"] = fields
        super().save(**kwargs)
        self._loaded_active = self.is_active

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


# The authenticator's read of the user a token speaks for (UserManager.get_or_create_for_cognito).
_USER_BY_SUB = Precompiled(lambda _variant, sub: User.objects.filter(cognito_sub=sub).order_by()[:1], sub=str)


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
    """A phone or browser of a user: the one a sign-in named (its session, ``origin_jti``, and
    the name, platform and app version the app gave), and the one that receives pushes.

    Revoking it (the user, or staff) ends its session: its refresh tokens die and its access
    tokens are refused (accounts.revocation). A revoked device is kept, with ``revoked_at``, so
    a Cognito refresh token of its session is refused after its access tokens' hour too.
    A device identifier is never a credential: no endpoint signs in with one.
    """

    class Platform(models.TextChoices):
        IOS = "ios", "iOS"
        ANDROID = "android", "Android"
        WEB = "web", _("Web")

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="devices", verbose_name=_("user"))
    name = models.CharField(_("name"), max_length=100, blank=True)
    # Blank: a sign-in that did not say (an older app).
    platform = models.CharField(_("platform"), max_length=8, choices=Platform.choices, blank=True)
    # One token, one device: a phone that changes account moves its token to the new user.
    push_token = models.CharField(_("push token"), max_length=512, unique=True, null=True, blank=True)
    app_version = models.CharField(_("app version"), max_length=32, blank=True)
    # The sign-in session (``origin_jti`` of its tokens); none for a device registered for pushes only.
    session = models.CharField(_("session"), max_length=64, unique=True, null=True, blank=True, editable=False)
    created_at = models.DateTimeField(_("registered"), auto_now_add=True)
    last_seen_at = models.DateTimeField(_("last used"), default=timezone.now)
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True, editable=False)

    class Meta:
        verbose_name = _("device")
        verbose_name_plural = _("devices")
        indexes = [models.Index(fields=["user", "-last_seen_at"], name="device_user_last_seen")]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(platform__in=["", "ios", "android", "web"]), name="device_platform_valid"
            )
        ]

    def __str__(self):
        label = self.name or self.get_platform_display() or _("Unnamed device")
        return f"{label} ({self.user})"


class AccessRequest(models.Model):
    """Someone asking to join the (closed) community: no account until staff approve.

    Staff may pick retreat groups (memberships) and gatherings (grants, by retreats) that the
    approval gives. One pending request per email; after a decline a new one may come.
    """

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        APPROVED = "approved", _("Approved")
        DECLINED = "declined", _("Declined")

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    email = models.EmailField(_("email"))
    first_name = models.CharField(_("first name"), max_length=150)
    last_name = models.CharField(_("last name"), max_length=150)
    message = models.TextField(_("message"), max_length=2000, blank=True)
    language = models.CharField(_("language"), max_length=2, choices=User.Language.choices, default=User.Language.EN)
    status = models.CharField(_("status"), max_length=8, choices=Status.choices, default=Status.PENDING)
    created_at = models.DateTimeField(_("asked"), auto_now_add=True)
    decided_at = models.DateTimeField(_("decided"), null=True, blank=True, editable=False)
    decided_by = models.ForeignKey(
        User,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        editable=False,
        related_name="+",
        verbose_name=_("decided by"),
    )
    # The account the approval created (or found); its deletion takes the request with it.
    user = models.ForeignKey(
        User,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        editable=False,
        related_name="access_requests",
        verbose_name=_("account"),
    )
    groups = models.ManyToManyField(
        "retreats.RetreatGroup",
        blank=True,
        related_name="+",
        verbose_name=_("groups to join"),
        help_text=_("The approval makes the person a member of these groups."),
    )
    gatherings = models.ManyToManyField(
        "retreats.Retreat",
        blank=True,
        related_name="+",
        verbose_name=_("gatherings to grant"),
        help_text=_("The approval grants access to these gatherings."),
    )

    # A staff member's export leaves out the requests they answered: those are the requesters' data.
    export_not_owned_through = ("decided_by",)

    class Meta:
        verbose_name = _("access request")
        verbose_name_plural = _("access requests")
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["status", "-created_at"], name="accessrequest_status_created")]
        constraints = [
            models.UniqueConstraint(
                fields=["email"], condition=models.Q(status="pending"), name="accessrequest_one_pending_per_email"
            ),
            models.CheckConstraint(
                condition=models.Q(status__in=["pending", "approved", "declined"]), name="accessrequest_status_valid"
            ),
            models.CheckConstraint(condition=models.Q(language__in=["en", "pt"]), name="accessrequest_language_valid"),
        ]

    def __str__(self):
        return f"{self.full_name} <{self.email}>"

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip()

    def get_short_name(self) -> str:
        # For padmakara.mail, which writes to a request as to a user.
        return self.first_name


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
        SIGNIN = "signin", _("Sign-in")

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="email_codes", verbose_name=_("user"))
    purpose = models.CharField(max_length=8, choices=Purpose.choices)
    code_hash = models.CharField(max_length=64)
    # Sign-in codes: the HMAC of the one-time token of the mail's link, which works instead of the code.
    link_hash = models.CharField(max_length=64, unique=True, null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)

    export_exclude = ("code_hash", "link_hash")

    class Meta:
        verbose_name = _("email code")
        verbose_name_plural = _("email codes")
        indexes = [models.Index(fields=["user", "purpose"], name="emailcode_user_purpose")]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(purpose__in=["verify", "reset", "signin"]), name="emailcode_purpose_valid"
            )
        ]

    def __str__(self):
        return f"{self.purpose} code for {self.user_id}"


class LocalCredentials(models.Model):
    """Local-provider state beside the password: TOTP secret and the lock-out counter."""

    user = models.OneToOneField(User, on_delete=models.CASCADE, related_name="credentials", verbose_name=_("user"))
    mfa_secret = models.CharField(max_length=64, blank=True)
    mfa_enabled = models.BooleanField(_("MFA on"), default=False)
    # A secret from a new setup, in use only once a code from it is verified: until then the
    # current secret (if MFA is on) keeps working, so an unfinished setup changes nothing.
    mfa_pending_secret = models.CharField(max_length=64, blank=True, default="")
    # The last TOTP time step accepted, so one code cannot be replayed within its window.
    mfa_last_step = models.BigIntegerField(default=0)

    export_exclude = ("mfa_secret", "mfa_pending_secret", "mfa_last_step")

    class Meta:
        verbose_name = _("local credentials")
        verbose_name_plural = _("local credentials")

    def __str__(self):
        return f"credentials of {self.user_id}"


class DeviceActivation(models.Model):
    """A device's sign-in by emailed link (the mobile app's device activation, docs/compat-api.md).

    The app asks for a link naming its device fingerprint, kept here only as an HMAC. The link's
    token (also kept as an HMAC) is single-use and short-lived; opening it activates the device
    (a ``Device`` row), and the app then collects its tokens once, by polling with the same
    fingerprint (``claimed_at``) or through the deep link. A fingerprint is never a password:
    it only lets a device collect the tokens of an activation its owner's mailbox approved.
    """

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="device_activations", verbose_name=_("user"))
    fingerprint_hash = models.CharField(max_length=64, db_index=True)
    device_name = models.CharField(_("device name"), max_length=100, blank=True)
    platform = models.CharField(_("platform"), max_length=8, blank=True)
    link_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(_("asked"), auto_now_add=True)
    expires_at = models.DateTimeField(_("link expires"))
    activated_at = models.DateTimeField(_("activated"), null=True, blank=True)
    claimed_at = models.DateTimeField(_("tokens collected"), null=True, blank=True)
    device = models.ForeignKey(
        Device, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("device")
    )

    export_exclude = ("fingerprint_hash", "link_hash")

    class Meta:
        verbose_name = _("device activation")
        verbose_name_plural = _("device activations")

    def __str__(self):
        return f"activation of {self.device_name or self.platform or '?'} for {self.user_id}"
