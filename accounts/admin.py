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
from django.db.models import Case, Value, When
from django.utils import formats, timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from django_otp.plugins.otp_totp.models import TOTPDevice

from padmakara.admin import LargeTablePaginator, api_id
from padmakara.errors import DomainError

from . import selectors, services
from .models import AccessRequest, Device, GroupMembership, User
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
    """The user's devices; revoking one (its session ends) is the Devices list's action, not a
    row deleted here, which would leave its session signed in."""

    model = Device
    extra = 0
    can_delete = False
    show_change_link = True
    fields = ("name", "platform", "app_version", "created_at", "last_seen_at", "revoked_at")
    readonly_fields = fields
    ordering = ("revoked_at", "-last_seen_at")

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


@admin.register(Device)
class DeviceAdmin(admin.ModelAdmin):
    """Every sign-in names its device; staff revoke one (a lost phone) from here."""

    list_display = ["__str__", "platform", "app_version", "last_seen_at", "state"]
    list_filter = ["platform", ("revoked_at", admin.EmptyFieldListFilter)]
    list_select_related = ["user"]
    search_fields = ["user__email", "name"]
    fields = ["user", "name", "platform", "app_version", "created_at", "last_seen_at", "revoked_at"]
    readonly_fields = fields
    actions = ["revoke_devices"]
    ordering = ["-last_seen_at"]
    paginator = LargeTablePaginator
    show_full_result_count = False
    show_facets = admin.ShowFacets.NEVER

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False  # revoke instead: deleting the row would leave its session signed in

    @admin.display(description=_("state"), ordering="revoked_at")
    def state(self, obj):
        return _("Revoked") if obj.revoked_at else _("Signed in") if obj.session else _("Notifications only")

    @admin.action(description=_("Revoke selected devices (they are signed out)"), permissions=["change"])
    def revoke_devices(self, request, queryset):
        count = sum(
            services.device_revoke(user=device.user, device_id=device.uuid, by=request.user)
            for device in queryset.select_related("user")
        )
        self.message_user(
            request,
            ngettext("%(count)d device revoked.", "%(count)d devices revoked.", count) % {"count": count},
            messages.SUCCESS,
        )


class AccessRequestForm(forms.ModelForm):
    class Meta:
        model = AccessRequest
        fields = ["groups", "gatherings"]


@admin.register(AccessRequest)
class AccessRequestAdmin(admin.ModelAdmin):
    """The approval queue: pending requests first, newest first. Staff pick the groups and
    gatherings the approval gives on a request's page, then approve or decline from the list
    (one or many)."""

    form = AccessRequestForm
    list_display = ["full_name", "email", "short_message", "created_at", "status"]
    list_filter = ["status", "language"]
    search_fields = ["email", "first_name", "last_name"]
    fields = [
        "first_name",
        "last_name",
        "email",
        "language",
        "message",
        "created_at",
        "status",
        "decided_at",
        "decided_by",
        "user",
        "groups",
        "gatherings",
    ]
    readonly_fields = [
        "first_name",
        "last_name",
        "email",
        "language",
        "message",
        "created_at",
        "status",
        "decided_at",
        "decided_by",
        "user",
    ]
    autocomplete_fields = ["groups", "gatherings"]
    actions = ["approve", "decline_with_mail", "decline_silently"]
    paginator = LargeTablePaginator
    show_full_result_count = False
    show_facets = admin.ShowFacets.NEVER

    def get_ordering(self, request):
        # The queue on top, newest first.
        pending_first = Case(When(status=AccessRequest.Status.PENDING, then=Value(0)), default=Value(1))
        return [pending_first.asc(), "-created_at"]

    def has_add_permission(self, request):
        return False  # people ask from the app

    def get_readonly_fields(self, request, obj=None):
        if obj is not None and obj.status != AccessRequest.Status.PENDING:
            return [*self.readonly_fields, "groups", "gatherings"]
        return self.readonly_fields

    @admin.display(description=_("name"), ordering="first_name")
    def full_name(self, obj):
        return obj.full_name

    @admin.display(description=_("message"))
    def short_message(self, obj):
        text = " ".join(obj.message.split())
        return text if len(text) <= 90 else text[:89] + "…"

    def _answer(self, request, queryset, answer, done):
        count, failed = 0, []
        for access_request in queryset.order_by("created_at"):
            try:
                answer(access_request)
                count += 1
            except DomainError as exc:
                failed.append(f"{access_request.email}: {exc.message}")
        if count:
            self.message_user(request, done(count), messages.SUCCESS)
        for failure in failed:
            self.message_user(request, failure, messages.ERROR)

    @admin.action(description=_("Approve selected requests (accounts are created and told)"), permissions=["change"])
    def approve(self, request, queryset):
        self._answer(
            request,
            queryset,
            lambda access_request: services.access_request_approve(access_request=access_request, by=request.user),
            lambda count: (
                ngettext(
                    "%(count)d request approved: the account is created and its sign-in email sent.",
                    "%(count)d requests approved: the accounts are created and their sign-in emails sent.",
                    count,
                )
                % {"count": count}
            ),
        )

    @admin.action(description=_("Decline selected requests, with a kind email"), permissions=["change"])
    def decline_with_mail(self, request, queryset):
        self._answer(
            request,
            queryset,
            lambda access_request: services.access_request_decline(
                access_request=access_request, by=request.user, notify=True
            ),
            lambda count: (
                ngettext(
                    "%(count)d request declined; the person was told.",
                    "%(count)d requests declined; each person was told.",
                    count,
                )
                % {"count": count}
            ),
        )

    @admin.action(description=_("Decline selected requests, without an email"), permissions=["change"])
    def decline_silently(self, request, queryset):
        self._answer(
            request,
            queryset,
            lambda access_request: services.access_request_decline(
                access_request=access_request, by=request.user, notify=False
            ),
            lambda count: (
                ngettext(
                    "%(count)d request declined, without an email.",
                    "%(count)d requests declined, without an email.",
                    count,
                )
                % {"count": count}
            ),
        )
