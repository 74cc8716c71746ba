"""The community's plans, and the subscriptions staff set by hand before this app: each active
or expired one becomes a subscription granted by staff with one period, so the history starts
where the user columns were. The columns themselves are left as they are (they already say it)."""

from decimal import Decimal

from django.db import migrations
import datetime

from django.utils import timezone


def forward(apps, schema_editor):
    Plan = apps.get_model("subscriptions", "Plan")
    Subscription = apps.get_model("subscriptions", "Subscription")
    Period = apps.get_model("subscriptions", "Period")
    User = apps.get_model("accounts", "User")
    plans = {
        "basic": Plan.objects.get_or_create(
            code="basic",
            defaults={"name_en": "Monthly", "name_pt": "Mensal", "tier": "basic", "price": Decimal("5.00")},
        )[0],
        "premium": Plan.objects.get_or_create(
            code="premium",
            defaults={"name_en": "Supporter", "name_pt": "Apoiante", "tier": "premium", "price": Decimal("10.00")},
        )[0],
    }
    now = timezone.now()
    for user in User.objects.filter(subscription_status__in=["active", "expired"]).iterator():
        ends = user.subscription_expires_at
        lapsed = user.subscription_status == "expired" or (ends is not None and ends <= now)
        subscription = Subscription.objects.create(
            user=user,
            plan=plans.get(user.subscription_plan, plans["basic"]),
            source="admin",
            status="expired" if lapsed else "active",
            paid_until=ends,
        )
        if ends is None and lapsed:
            continue
        starts = user.date_joined if ends is None or user.date_joined < ends else ends - datetime.timedelta(days=30)
        Period.objects.create(subscription=subscription, kind="granted", starts_at=starts, ends_at=ends)


class Migration(migrations.Migration):
    dependencies = [("subscriptions", "0001_initial"), ("accounts", "0008_access_version")]

    operations = [migrations.RunPython(forward, migrations.RunPython.noop)]
