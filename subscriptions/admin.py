"""Subscriptions in the admin: plans edited as usual; subscriptions, payments and periods read
only, changed through the services (a payment recorded by hand, a refund, a cancel), each of
which leaves an audit entry."""

import datetime

from django import forms
from django.contrib import admin, messages
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.http import HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from padmakara.errors import DomainError

from . import services
from .models import Payment, Period, Plan, ProviderNotification, Subscription


@admin.register(Plan)
class PlanAdmin(admin.ModelAdmin):
    list_display = ["code", "name_en", "tier", "price", "currency", "period_months", "active"]
    list_filter = ["active", "tier"]
    fields = ["code", "name_en", "name_pt", "tier", "price", "currency", "period_months", "active"]

    def has_delete_permission(self, request, obj=None):
        return False  # a plan with history stays; stop offering it instead


class ReadOnlyInline(admin.TabularInline):
    extra = 0
    can_delete = False
    show_change_link = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class PaymentInline(ReadOnlyInline):
    model = Payment
    fields = ["received_at", "kind", "status", "amount", "currency", "method", "note", "recorded_by"]
    readonly_fields = fields


class PeriodInline(ReadOnlyInline):
    model = Period
    fields = ["kind", "starts_at", "ends_at", "voids", "note", "recorded_by"]
    readonly_fields = fields


@admin.register(Subscription)
class SubscriptionAdmin(admin.ModelAdmin):
    list_display = ["user", "plan", "status", "source", "paid_until", "created_at"]
    list_filter = ["status", "source", "plan"]
    list_select_related = ["user", "plan"]
    search_fields = ["user__email", "user__name"]
    date_hierarchy = "paid_until"
    fields = ["user", "plan", "status", "source", "paid_until", "created_at", "cancelled_at"]
    readonly_fields = fields
    inlines = [PeriodInline, PaymentInline]
    actions = ["cancel_selected"]

    def has_add_permission(self, request):
        return False  # started by a member online, or by recording a payment by hand

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.action(description=_("Cancel the selected subscriptions (paid time runs to its end)"))
    def cancel_selected(self, request, queryset):
        done = 0
        for subscription in queryset:
            try:
                services.cancel(subscription=subscription, by=request.user)
            except DomainError as exc:
                self.message_user(request, f"{subscription.user}: {exc}", messages.WARNING)
            else:
                done += 1
        if done:
            self.message_user(
                request,
                ngettext("%(count)d subscription cancelled.", "%(count)d subscriptions cancelled.", done)
                % {"count": done},
                messages.SUCCESS,
            )


class ManualPaymentForm(forms.Form):
    user = forms.ModelChoiceField(
        label=_("Member"), queryset=get_user_model().objects.filter(is_active=True), widget=forms.TextInput
    )
    plan = forms.ModelChoiceField(label=_("Plan"), queryset=Plan.objects.all())
    method = forms.ChoiceField(
        label=_("Method"), choices=[(m.value, m.label) for m in (Payment.Method.CASH, Payment.Method.BANK)]
    )
    amount = forms.DecimalField(label=_("Amount"), min_value=0.01, max_digits=8, decimal_places=2)
    received_on = forms.DateField(label=_("Received on"), initial=timezone.localdate)
    period_start = forms.DateField(
        label=_("Period from"), required=False, help_text=_("Leave empty: from the end of the time already paid.")
    )
    period_end = forms.DateField(
        label=_("Period until"), required=False, help_text=_("Leave empty: the plan's months from the start.")
    )
    note = forms.CharField(label=_("Note"), required=False, widget=forms.Textarea(attrs={"rows": 3, "cols": 60}))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["user"].help_text = _("The member's email.")
        self.fields["user"].to_field_name = "email"

    def clean(self):
        data = super().clean()
        start, end = data.get("period_start"), data.get("period_end")
        if start and end and end <= start:
            self.add_error("period_end", gettext("The period must end after it starts."))
        return data


def _moment(day: datetime.date | None) -> datetime.datetime | None:
    if day is None:
        return None
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(12)), datetime.UTC)


@admin.register(Payment)
class PaymentAdmin(admin.ModelAdmin):
    list_display = ["received_at", "member", "money", "method", "source"]
    list_filter = ["kind", "status", "source", "method"]
    list_select_related = ["subscription__user"]
    search_fields = ["subscription__user__email", "provider_payment_id", "note"]
    date_hierarchy = "received_at"
    fields = [
        "subscription", "kind", "status", "amount", "currency", "method", "source", "provider_payment_id",
        "received_at", "refund_of", "note", "recorded_by", "recorded_at",
    ]  # fmt: skip
    readonly_fields = fields
    actions = ["refund_selected"]

    @admin.display(description=_("member"), ordering="subscription__user__email")
    def member(self, obj):
        return obj.subscription.user

    @admin.display(description=_("amount"), ordering="amount")
    def money(self, obj):
        """ "5.00 EUR", a refund negative, a failed charge said so (kind and status in one column)."""
        text = f"{obj.amount} {obj.currency}"
        return f"{text} · {obj.get_status_display()}" if obj.status == Payment.Status.FAILED else text

    def has_delete_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def add_view(self, request, form_url="", extra_context=None):
        """Record a cash or bank payment: it extends the member's subscription like an online one."""
        if not self.has_add_permission(request):
            raise PermissionDenied
        form = ManualPaymentForm(request.POST or None, initial={"plan": Plan.objects.filter(code="basic").first()})
        if request.method == "POST" and form.is_valid():
            data = form.cleaned_data
            try:
                payment = services.record_manual_payment(
                    user=data["user"],
                    plan=data["plan"],
                    method=data["method"],
                    amount=data["amount"],
                    received_at=_moment(data["received_on"]),
                    period_start=_moment(data["period_start"]),
                    period_end=_moment(data["period_end"]),
                    note=data["note"],
                    by=request.user,
                )
            except DomainError as exc:
                form.add_error(None, str(exc))
            else:
                until = (
                    timezone.localtime(payment.subscription.paid_until).date()
                    if payment.subscription.paid_until
                    else None
                )
                self.message_user(
                    request,
                    gettext("Payment recorded: %(member)s is paid until %(until)s.")
                    % {"member": data["user"], "until": until},
                    messages.SUCCESS,
                )
                return HttpResponseRedirect(
                    reverse("admin:subscriptions_subscription_change", args=[payment.subscription_id])
                )
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": gettext("Record a payment by hand"),
            "form": form,
        }
        return render(request, "admin/subscriptions/record_payment.html", context)

    @admin.action(description=_("Refund the selected payments in full"))
    def refund_selected(self, request, queryset):
        done = 0
        for payment in queryset:
            try:
                services.refund(payment=payment, note=gettext("Refunded from the payment list"), by=request.user)
            except DomainError as exc:
                self.message_user(request, f"{payment}: {exc}", messages.WARNING)
            else:
                done += 1
        if done:
            self.message_user(
                request,
                ngettext("%(count)d payment refunded.", "%(count)d payments refunded.", done) % {"count": done},
                messages.SUCCESS,
            )


@admin.register(ProviderNotification)
class ProviderNotificationAdmin(admin.ModelAdmin):
    list_display = ["received_at", "provider", "event", "resource_id", "status", "attempts", "outcome"]
    list_filter = ["status", "provider", "event"]
    search_fields = ["resource_id"]
    date_hierarchy = "received_at"
    fields = [
        "received_at", "provider", "event", "resource_id", "remote_addr", "status", "attempts",
        "next_attempt_at", "processed_at", "outcome", "last_error",
    ]  # fmt: skip
    readonly_fields = fields

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
