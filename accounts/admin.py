"""Users in the admin: email is the login, so the username parts of Django's UserAdmin are
replaced; profile, preferences and subscription each get a section; memberships and devices
are inlines (progress/admin.py adds listening progress); staff can confirm, disable or reset
two-step verification; a superuser can reset a staff member's two-step verification for the
admin (a django-otp TOTP device, accounts/admin_site.py), whose own device admin is not shown:
a device's secret is no one else's to read."""

from django import forms
from django.contrib import admin, messages
from django.contrib.auth import admin as auth_admin
from django.contrib.auth import forms as auth_forms
from django.utils import formats, timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from django_otp.plugins.otp_totp.models import TOTPDevice

from padmakara.admin import LargeTablePaginator, api_id
from padmakara.errors import DomainError

from . import selectors, services
from .models import Device, GroupMembership, User
from .providers import canonical_email


class EmailFormMixin:
    """Emails are stored case-folded (``canonical_email``, as the API does) and unique whatever their case."""

    def clean_email(self):
        try:
            email = canonical_email(self.cleaned_data["email"])
        except DomainError as exc:
            raise forms.ValidationError(exc.message, code="invalid") from exc
        taken = User.objects.filter(email__iexact=email)
        if self.instance.pk:
            taken = taken.exclude(pk=self.instance.pk)
        if taken.exists():
            raise forms.ValidationError(_("A user with this email address already exists."), code="unique")
        return email


class UserCreationForm(EmailFormMixin, auth_forms.AdminUserCreationForm):
    class Meta:
        model = User
        fields = ["email"]
        field_classes: dict = {}


class UserChangeForm(EmailFormMixin, auth_forms.UserChangeForm):
    class Meta:
        model = User
        fields = [
            "email",
            "password",
            "name",
            "email_verified",
            "cognito_sub",
            "language",
            "content_language",
            "biometric_enabled",
            "notifications_enabled",
            "time_zone",
            "subscription_status",
            "subscription_plan",
            "subscription_expires_at",
            "is_active",
            "is_staff",
            "is_superuser",
            "groups",
            "user_permissions",
            "date_joined",
        ]
        field_classes: dict = {}


class GroupMembershipInline(admin.TabularInline):
    model = GroupMembership
    autocomplete_fields = ["group"]
    readonly_fields = ["created_at"]
    extra = 0


class DeviceInline(admin.TabularInline):
    model = Device
    extra = 0
    can_delete = True
    fields = ("platform", "app_version", "created_at", "last_seen_at")
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False  # devices register themselves from the app


@admin.register(User)
class UserAdmin(auth_admin.UserAdmin):
    form = UserChangeForm
    add_form = UserCreationForm
    list_display = [
        "email",
        "name",
        "is_staff",
        "is_active",
        "subscription",
        "language",
        "date_joined",
    ]
    list_filter = [
        "is_staff",
        "is_superuser",
        "is_active",
        "subscription_status",
        "subscription_plan",
        "language",
        "content_language",
        "memberships__group",
    ]
    search_fields = ["email", "name", "cognito_sub"]
    ordering = ["email"]
    # The subscription columns are the current state the subscriptions app writes from payments,
    # periods and grants (docs/architecture.md "Subscriptions and payments"): shown, not edited.
    readonly_fields = [
        api_id, "last_login", "admin_two_step", "subscription_status", "subscription_plan", "subscription_expires_at",
    ]  # fmt: skip
    fieldsets = [
        (None, {"fields": ["email", "password"]}),
        (_("Profile"), {"fields": ["name", "email_verified", "cognito_sub", api_id]}),
        (
            _("Preferences"),
            {"fields": ["language", "content_language", "biometric_enabled", "notifications_enabled", "time_zone"]},
        ),
        (_("Subscription"), {"fields": ["subscription_status", "subscription_plan", "subscription_expires_at"]}),
        (
            _("Permissions"),
            {"fields": ["is_active", "is_staff", "admin_two_step", "is_superuser", "groups", "user_permissions"]},
        ),
        (_("Important dates"), {"fields": ["last_login", "date_joined"]}),
    ]
    add_fieldsets = [
        (None, {"classes": ["wide"], "fields": ["email", "usable_password", "password1", "password2"]}),
    ]
    inlines = [GroupMembershipInline, DeviceInline]
    actions = ["confirm_users", "disable_users", "reset_mfa", "reset_admin_mfa"]
    paginator = LargeTablePaginator
    show_full_result_count = False
    show_facets = admin.ShowFacets.NEVER  # a COUNT per filter choice over the whole table

    @admin.display(description=_("Subscription"), ordering="subscription_status")
    def subscription(self, obj):
        """Plan and state in one column (three took a third of a 1366 px screen in Portuguese):
        "Premium · Active"; an active subscription past its end date reads "Expired"."""
        status = User.SubscriptionStatus(obj.effective_subscription_status).label
        return f"{obj.get_subscription_plan_display()} · {status}"

    @admin.display(description=_("two-step verification for the admin"))
    def admin_two_step(self, obj):
        device = selectors.admin_mfa_device(obj)
        if device is None:
            return _("Not set up")
        if device.created_at is None:  # a device older than django-otp's timestamps
            return _("On")
        return _("On since %(date)s") % {"date": formats.date_format(timezone.localtime(device.created_at))}

    def get_inlines(self, request, obj):
        return self.inlines if obj is not None else ()  # the add form asks for the login only

    def _each(self, request, queryset, service, done: str):
        count, failed = 0, []
        for user in queryset:
            try:
                service(user=user, by=request.user)
                count += 1
            except DomainError as exc:
                failed.append(f"{user.email}: {exc.message}")
        if count:
            self.message_user(request, done % {"count": count}, messages.SUCCESS)
        for failure in failed:
            self.message_user(request, failure, messages.ERROR)

    @admin.action(description=_("Confirm email of selected users"))
    def confirm_users(self, request, queryset):
        self._each(
            request,
            queryset,
            services.user_confirm,
            ngettext("%(count)d user confirmed.", "%(count)d users confirmed.", queryset.count()),
        )

    @admin.action(description=_("Disable selected users (they are signed out)"))
    def disable_users(self, request, queryset):
        self._each(
            request,
            queryset,
            services.user_disable,
            ngettext("%(count)d user disabled.", "%(count)d users disabled.", queryset.count()),
        )

    @admin.action(description=_("Reset two-step verification of selected users"))
    def reset_mfa(self, request, queryset):
        self._each(
            request,
            queryset,
            services.user_reset_mfa,
            ngettext(
                "Two-step verification reset for %(count)d user.",
                "Two-step verification reset for %(count)d users.",
                queryset.count(),
            ),
        )

    def has_reset_admin_mfa_permission(self, request) -> bool:
        return request.user.is_superuser

    @admin.action(
        description=_("Reset two-step verification for the admin of selected staff (superusers only)"),
        permissions=["reset_admin_mfa"],
    )
    def reset_admin_mfa(self, request, queryset):
        self._each(
            request,
            queryset,
            services.admin_mfa_reset,
            ngettext(
                "Two-step verification for the admin reset for %(count)d user: they set it up again at their next sign-in.",
                "Two-step verification for the admin reset for %(count)d users: they set it up again at their next sign-in.",
                queryset.count(),
            ),
        )


# Devices are set up by their owner (the two-step page) and reset with the action above.
if admin.site.is_registered(TOTPDevice):
    admin.site.unregister(TOTPDevice)


@admin.register(GroupMembership)
class GroupMembershipAdmin(admin.ModelAdmin):
    list_display = ["user", "group", "created_at"]
    list_filter = ["group"]
    list_select_related = ["user", "group"]
    search_fields = ["user__email", "user__name", "group__name"]
    raw_id_fields = ["user"]
    autocomplete_fields = ["group"]
    readonly_fields = ["created_at"]
    paginator = LargeTablePaginator
    show_full_result_count = False
    show_facets = admin.ShowFacets.NEVER  # a COUNT per filter choice over the whole table
