from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SubscriptionsConfig(AppConfig):
    name = "subscriptions"
    verbose_name = _("Subscriptions and payments")

    def ready(self):
        from padmakara import audit

        from .models import Plan

        # Payments, periods and subscriptions change only through services.py, which audit
        # themselves; plans are edited in the admin like any other model.
        audit.register(Plan, exclude=["created_at"])
