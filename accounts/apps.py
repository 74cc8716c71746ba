from django.apps import AppConfig
from django.contrib.admin import apps as admin_apps
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    default = True  # the one for "accounts" in INSTALLED_APPS; AdminConfig below is named there
    name = "accounts"
    verbose_name = _("Accounts")

    def ready(self):
        from django.db.models.signals import post_migrate, pre_migrate

        from . import schema  # noqa: F401  (registers the OpenAPI description of the Bearer token)

        self.register_audited_models()
        pre_migrate.connect(drop_sqlite_access_triggers, sender=self)
        post_migrate.connect(create_sqlite_access_triggers, sender=self)

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


def drop_sqlite_access_triggers(*, using="default", **kwargs) -> None:
    """Before a ``migrate`` on SQLite: its table rebuilds would trip over them (access_version.py)."""
    from django.db import connections

    from .access_version import sqlite_drop_triggers

    if connections[using].vendor == "sqlite":
        sqlite_drop_triggers(connections[using])


def create_sqlite_access_triggers(*, using="default", **kwargs) -> None:
    """After a ``migrate`` or ``flush`` on SQLite: the access-version triggers of accounts' tables."""
    from django.db import connections

    from .access_version import sqlite_create_triggers

    if connections[using].vendor == "sqlite":
        sqlite_create_triggers(connections[using], ("accounts_user", "accounts_groupmembership"))


class AdminConfig(admin_apps.AdminConfig):
    """Django's admin, whose ``admin.site`` is the project's site: sign-in slowed after failures
    and, when ``ADMIN_REQUIRE_MFA``, a TOTP code for every staff member (accounts/admin_site.py)."""

    default = False
    default_site = "accounts.admin_site.AdminSite"
