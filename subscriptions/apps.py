from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SubscriptionsConfig(AppConfig):
    name = "subscriptions"
    verbose_name = _("Subscriptions and payments")

    def ready(self):
        from django.db.models.signals import post_migrate

        from padmakara import audit

        from .models import Plan

        # Payments, periods and subscriptions change only through services.py, which audit
        # themselves; plans are edited in the admin like any other model.
        audit.register(Plan, exclude=["created_at"])
        post_migrate.connect(ensure_plans, sender=self)


# The plans migration 0002 creates; recreated where missing after a ``flush`` empties the tables.
DEFAULT_PLANS = (
    ("basic", "Monthly", "Mensal", "basic", "5.00"),
    ("premium", "Supporter", "Apoiante", "premium", "10.00"),
)


def ensure_plans(*, using="default", apps=None, **kwargs) -> None:
    """The two plans the community starts with, created where missing (existing rows kept as staff left them)."""
    from decimal import Decimal

    from .models import Plan

    model = apps.get_model("subscriptions", "Plan") if apps is not None else Plan
    existing = set(model.objects.using(using).values_list("code", flat=True))
    model.objects.using(using).bulk_create(
        model(code=code, name_en=name_en, name_pt=name_pt, tier=tier, price=Decimal(price))
        for code, name_en, name_pt, tier, price in DEFAULT_PLANS
        if code not in existing
    )
