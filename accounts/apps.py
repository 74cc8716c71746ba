from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
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
