"""Staff view of users: memberships, subscription, devices; confirm, disable, reset MFA."""

from django import forms
from django.contrib import admin, messages
from django.contrib.auth import admin as auth_admin
from django.contrib.auth.forms import BaseUserCreationForm, UserChangeForm
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from padmakara.api.errors import APIError

from . import services
from .models import Device, GroupMembership, User


class MembershipInline(admin.TabularInline):
    model = GroupMembership
    extra = 0
    autocomplete_fields = ()
    raw_id_fields = ("group",)
    verbose_name_plural = _("retreat group memberships")


class DeviceInline(admin.TabularInline):
    model = Device
    extra = 0
    can_delete = True
    fields = ("platform", "app_version", "created_at", "last_seen_at")
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False  # devices register themselves from the app


class UserCreationForm(BaseUserCreationForm):
    class Meta:
        model = User
        fields = ("email", "name")


class UserEditForm(UserChangeForm):
    class Meta:
        model = User
        fields = "__all__"
        field_classes = {"email": forms.EmailField}


@admin.register(User)
class UserAdmin(auth_admin.UserAdmin):
    form = UserEditForm
    add_form = UserCreationForm
    list_display = (
        "email",
        "name",
        "email_verified",
        "subscription_status",
        "subscription_plan",
        "subscription_expires_at",
        "is_active",
        "is_staff",
        "date_joined",
    )
    list_filter = ("email_verified", "subscription_status", "subscription_plan", "is_active", "is_staff", "language")
    search_fields = ("email", "name", "cognito_sub")
    ordering = ("-date_joined",)
    readonly_fields = ("uuid", "cognito_sub", "last_login", "date_joined")
    show_full_result_count = False
    inlines = (MembershipInline, DeviceInline)
    actions = ("confirm_users", "disable_users", "reset_mfa")
    fieldsets = (
        (None, {"fields": ("email", "name", "password", "uuid", "cognito_sub", "email_verified")}),
        (
            _("Subscription"),
            {"fields": ("subscription_status", "subscription_plan", "subscription_expires_at")},
        ),
        (
            _("Preferences"),
            {"fields": ("language", "content_language", "biometric_enabled", "notifications_enabled", "time_zone")},
        ),
        (_("Permissions"), {"fields": ("is_active", "is_staff", "is_superuser", "groups", "user_permissions")}),
        (_("Dates"), {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = ((None, {"classes": ("wide",), "fields": ("email", "name", "password1", "password2")}),)

    def get_inlines(self, request, obj):
        return self.inlines if obj is not None else ()  # the add form asks for the login only

    def _each(self, request, queryset, service, done: str):
        count, failed = 0, []
        for user in queryset:
            try:
                service(user=user)
                count += 1
            except APIError as exc:
                failed.append(f"{user.email}: {exc.detail}")
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
