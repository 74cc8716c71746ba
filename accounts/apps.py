from django.apps import AppConfig
from django.contrib.admin import apps as admin_apps
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    default = True  # the one for "accounts" in INSTALLED_APPS; AdminConfig below is named there
    name = "accounts"
    verbose_name = _("Accounts")

    def ready(self):
        from . import schema  # noqa: F401  (registers the OpenAPI description of the Bearer token)

        self.register_audited_models()

    def register_audited_models(self):
        """Staff writes to accounts, their permissions, memberships and subscriptions are audited;
        a user's own settings (language, notifications...), logins and secrets are not."""
        from django.contrib.auth.models import Group

        from padmakara import audit

        from .models import GroupMembership, User

        audit.register(
            User,
            include=[
                "email", "name", "email_verified", "is_active", "is_staff", "is_superuser",
                "subscription_status", "subscription_plan", "subscription_expires_at",
            ],
            m2m=["groups", "user_permissions"],
        )  # fmt: skip
        audit.register(GroupMembership, exclude=["created_at"])
        audit.register(Group, m2m=["permissions"])


class AdminConfig(admin_apps.AdminConfig):
    """Django's admin, whose ``admin.site`` is the project's site: sign-in slowed after failures
    and, when ``ADMIN_REQUIRE_MFA``, a TOTP code for every staff member (accounts/admin_site.py)."""

    default = False
    default_site = "accounts.admin_site.AdminSite"
