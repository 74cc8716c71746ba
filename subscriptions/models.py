"""Subscriptions and payments (docs/architecture.md "Subscriptions and payments").

A member's :class:`Subscription` to a :class:`Plan` moves through the states of
:mod:`subscriptions.states`; every payment received (online or by hand) is a :class:`Payment`
and every stretch of time it buys a :class:`Period`. Nothing here is edited after the fact: a
refund is a negative payment, a correction a period that voids another. The access rule reads
the current state from the member's ``subscription_*`` columns, which
:func:`subscriptions.services.sync_user` writes in the same transaction as every change here.
"""

import uuid

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import User


class Plan(models.Model):
    """What a member pays for: a tier of the access rule, a price and how long it lasts."""

    code = models.SlugField(_("code"), max_length=32, unique=True)
    name_en = models.CharField(_("name (English)"), max_length=100)
    name_pt = models.CharField(_("name (Portuguese)"), max_length=100)
    tier = models.CharField(_("access"), max_length=8, choices=User.Plan.choices, default=User.Plan.BASIC)
    price = models.DecimalField(_("price"), max_digits=8, decimal_places=2)
    currency = models.CharField(_("currency"), max_length=3, default="EUR")
    period_months = models.PositiveSmallIntegerField(_("months per period"), default=1)
    active = models.BooleanField(_("offered"), default=True, help_text=_("Members may start this plan."))
    created_at = models.DateTimeField(_("created"), default=timezone.now, editable=False)

    class Meta:
        verbose_name = _("plan")
        verbose_name_plural = _("plans")
        ordering = ["price", "code"]
        constraints = [
            models.CheckConstraint(condition=Q(price__gt=0), name="plan_price_positive"),
            models.CheckConstraint(condition=Q(period_months__gte=1), name="plan_period_positive"),
            models.CheckConstraint(condition=Q(tier__in=["basic", "premium"]), name="plan_tier_valid"),
            models.CheckConstraint(condition=Q(currency__regex=r"^[A-Z]{3}$"), name="plan_currency_iso"),
        ]

    def __str__(self):
        return f"{self.name_en} · {self.price} {self.currency}"

    def name(self, language: str) -> str:
        return self.name_pt if language == "pt" and self.name_pt else self.name_en


class Subscription(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        ACTIVE = "active", _("Active")
        PAST_DUE = "past_due", _("Past due")
        CANCELLED = "cancelled", _("Cancelled")
        EXPIRED = "expired", _("Expired")

    class Source(models.TextChoices):
        EASYPAY = "easypay", _("Easypay")
        BANK = "bank", _("Bank transfer")
        CASH = "cash", _("Cash")
        ADMIN = "admin", _("Granted by staff")

    # A member has at most one subscription in these states: the one that renews.
    CURRENT = (Status.PENDING, Status.ACTIVE, Status.PAST_DUE)
    # States whose paid time still opens the archive (a cancelled one runs to its end).
    PAID_UP = (Status.ACTIVE, Status.PAST_DUE, Status.CANCELLED)

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="subscriptions", verbose_name=_("member")
    )
    plan = models.ForeignKey(Plan, on_delete=models.PROTECT, related_name="subscriptions", verbose_name=_("plan"))
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.PENDING)
    source = models.CharField(_("paid by"), max_length=8, choices=Source.choices)
    # The provider's id of the recurring subscription or of the single payment being awaited.
    provider_ref = models.CharField(_("provider reference"), max_length=64, blank=True, default="")
    # The end of the last period paid for (null: none yet, or a staff grant with no end).
    paid_until = models.DateTimeField(_("paid until"), null=True, blank=True)
    created_at = models.DateTimeField(_("started"), default=timezone.now)
    updated_at = models.DateTimeField(_("changed"), auto_now=True)
    cancelled_at = models.DateTimeField(_("cancelled"), null=True, blank=True)

    class Meta:
        verbose_name = _("subscription")
        verbose_name_plural = _("subscriptions")
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["status", "paid_until"])]
        constraints = [
            models.UniqueConstraint(
                fields=["user"],
                condition=Q(status__in=["pending", "active", "past_due"]),
                name="one_current_subscription",
            ),
            models.CheckConstraint(
                condition=Q(status__in=["pending", "active", "past_due", "cancelled", "expired"]),
                name="subscription_status_valid",
            ),
            models.CheckConstraint(
                condition=Q(source__in=["easypay", "bank", "cash", "admin"]), name="subscription_source_valid"
            ),
            models.CheckConstraint(
                condition=Q(status="cancelled", cancelled_at__isnull=False) | ~Q(status="cancelled"),
                name="subscription_cancelled_has_date",
            ),
        ]

    def __str__(self):
        return f"{self.user} · {self.plan.code} · {self.get_status_display()}"


class Payment(models.Model):
    """Money received or given back. Rows are never edited: a refund or a correction of an
    amount is another row (``kind`` refund, a negative amount, ``refund_of`` the original)."""

    class Kind(models.TextChoices):
        PAYMENT = "payment", _("Payment")
        REFUND = "refund", _("Refund")

    class Status(models.TextChoices):
        PAID = "paid", _("Paid")
        FAILED = "failed", _("Failed")

    class Method(models.TextChoices):
        CARD = "card", _("Card")
        MBWAY = "mbway", _("MB WAY")
        MULTIBANCO = "multibanco", _("Multibanco")
        DIRECT_DEBIT = "direct_debit", _("Direct debit")
        BANK = "bank", _("Bank transfer")
        CASH = "cash", _("Cash")
        OTHER = "other", _("Other")

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    subscription = models.ForeignKey(
        Subscription, on_delete=models.CASCADE, related_name="payments", verbose_name=_("subscription")
    )
    kind = models.CharField(_("kind"), max_length=8, choices=Kind.choices, default=Kind.PAYMENT)
    status = models.CharField(_("status"), max_length=8, choices=Status.choices, default=Status.PAID)
    amount = models.DecimalField(_("amount"), max_digits=8, decimal_places=2)
    currency = models.CharField(_("currency"), max_length=3, default="EUR")
    method = models.CharField(_("method"), max_length=12, choices=Method.choices)
    source = models.CharField(_("source"), max_length=8, choices=Subscription.Source.choices)
    # The provider's own id of this payment (Easypay's transaction id): one row per id.
    provider_payment_id = models.CharField(_("provider payment id"), max_length=64, blank=True, default="")
    received_at = models.DateTimeField(_("received"))
    refund_of = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="refunds", verbose_name=_("refund of")
    )
    note = models.TextField(_("note"), blank=True, default="")
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("recorded by"),
    )
    recorded_at = models.DateTimeField(_("recorded"), default=timezone.now, editable=False)

    class Meta:
        verbose_name = _("payment")
        verbose_name_plural = _("payments")
        ordering = ["-received_at", "-id"]
        indexes = [models.Index(fields=["received_at"])]
        constraints = [
            models.UniqueConstraint(
                fields=["source", "provider_payment_id"],
                condition=~Q(provider_payment_id=""),
                name="payment_provider_id_unique",
            ),
            models.CheckConstraint(
                condition=Q(kind="payment", amount__gt=0, refund_of__isnull=True)
                | Q(kind="refund", amount__lt=0, refund_of__isnull=False, status="paid"),
                name="payment_sign_matches_kind",
            ),
            models.CheckConstraint(condition=Q(status__in=["paid", "failed"]), name="payment_status_valid"),
        ]

    def __str__(self):
        return f"{self.amount} {self.currency} · {self.get_method_display()} · {self.received_at:%Y-%m-%d}"


class Period(models.Model):
    """A stretch of paid (or granted) time, or a void of an earlier one (a refund, a correction).
    A subscription's ``paid_until`` is the latest end among its periods that no void names."""

    class Kind(models.TextChoices):
        PAID = "paid", _("Paid")
        GRANTED = "granted", _("Granted")
        VOID = "void", _("Void")

    subscription = models.ForeignKey(
        Subscription, on_delete=models.CASCADE, related_name="periods", verbose_name=_("subscription")
    )
    kind = models.CharField(_("kind"), max_length=8, choices=Kind.choices)
    payment = models.ForeignKey(
        Payment, on_delete=models.PROTECT, null=True, blank=True, related_name="periods", verbose_name=_("payment")
    )
    starts_at = models.DateTimeField(_("from"), null=True, blank=True)
    ends_at = models.DateTimeField(_("until"), null=True, blank=True)  # null on a grant: no end
    voids = models.OneToOneField(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="voided_by", verbose_name=_("voids")
    )
    note = models.TextField(_("note"), blank=True, default="")
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    recorded_at = models.DateTimeField(_("recorded"), default=timezone.now, editable=False)

    class Meta:
        verbose_name = _("period")
        verbose_name_plural = _("periods")
        ordering = ["starts_at", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(kind__in=["paid", "granted", "void"]), name="period_kind_valid"),
            models.CheckConstraint(
                condition=Q(kind="void", voids__isnull=False)
                | Q(kind="paid", voids__isnull=True, starts_at__isnull=False, ends_at__gt=F("starts_at"))
                | Q(kind="granted", voids__isnull=True, starts_at__isnull=False),
                name="period_shape_valid",
            ),
            models.CheckConstraint(
                condition=Q(ends_at__isnull=True) | Q(starts_at__isnull=True) | Q(ends_at__gt=F("starts_at")),
                name="period_ends_after_start",
            ),
            # One period per payment (a paid period names its payment).
            models.UniqueConstraint(fields=["payment"], condition=Q(kind="paid"), name="one_period_per_payment"),
        ]

    def __str__(self):
        if self.kind == self.Kind.VOID:
            return f"void of #{self.voids_id}"
        end = f"{self.ends_at:%Y-%m-%d}" if self.ends_at else "…"
        return f"{self.starts_at:%Y-%m-%d} – {end}"


class ProviderNotification(models.Model):
    """A notification as it arrived at the webhook: kept whole, believed in nothing until the
    provider's API confirms it (:func:`subscriptions.services.confirm_notification`)."""

    class Status(models.TextChoices):
        RECEIVED = "received", _("Waiting to be confirmed")
        CONFIRMED = "confirmed", _("Confirmed")
        IGNORED = "ignored", _("Nothing to do")
        FAILED = "failed", _("Failed")

    provider = models.CharField(_("provider"), max_length=16, default="easypay")
    resource_id = models.CharField(_("resource id"), max_length=64, db_index=True)
    event = models.CharField(_("type"), max_length=32, blank=True, default="")
    body = models.JSONField(_("body"))
    remote_addr = models.GenericIPAddressField(_("from address"), null=True, blank=True)
    received_at = models.DateTimeField(_("received"), default=timezone.now)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.RECEIVED)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    next_attempt_at = models.DateTimeField(_("next attempt"), default=timezone.now)
    processed_at = models.DateTimeField(_("processed"), null=True, blank=True)
    outcome = models.CharField(_("outcome"), max_length=200, blank=True, default="")
    last_error = models.TextField(_("last error"), blank=True, default="")

    class Meta:
        verbose_name = _("provider notification")
        verbose_name_plural = _("provider notifications")
        ordering = ["-received_at"]
        indexes = [models.Index(fields=["status", "next_attempt_at"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=["received", "confirmed", "ignored", "failed"]), name="notification_status_valid"
            )
        ]

    def __str__(self):
        return f"{self.provider} {self.event} {self.resource_id}"


class Reminder(models.Model):
    """A reminder mail sent to a member: one row per subscription, kind and date it is about, so
    that each goes out once however often the beat task runs."""

    class Kind(models.TextChoices):
        WEEK_BEFORE = "week_before", _("A week before the end")
        EXPIRED = "expired", _("On the end")
        PAYMENT_FAILED = "payment_failed", _("Payment failed")

    subscription = models.ForeignKey(
        Subscription, on_delete=models.CASCADE, related_name="reminders", verbose_name=_("subscription")
    )
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    # The end date (paid_until) or the failed payment's time the reminder is about.
    about = models.DateTimeField(_("about"))
    sent_at = models.DateTimeField(_("sent"), default=timezone.now)

    class Meta:
        verbose_name = _("reminder")
        verbose_name_plural = _("reminders")
        constraints = [
            models.UniqueConstraint(fields=["subscription", "kind", "about"], name="reminder_once"),
            models.CheckConstraint(
                condition=Q(kind__in=["week_before", "expired", "payment_failed"]), name="reminder_kind_valid"
            ),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} · {self.about:%Y-%m-%d}"
