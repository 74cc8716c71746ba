"""The reminder mails of subscriptions (en/pt templates ``emails/<lang>/subscription_<kind>.*``),
sent through the project's one mail path (:mod:`padmakara.mail`)."""

import datetime

from django.utils import timezone, translation

from padmakara import mail

from .models import Subscription


def send_reminder(*, subscription_id: int, kind: str, about: datetime.datetime) -> int:
    subscription = Subscription.objects.select_related("user", "plan").filter(pk=subscription_id).first()
    if subscription is None or not subscription.user.is_active:
        return 0
    user, plan = subscription.user, subscription.plan
    ends_at = subscription.paid_until or about
    with translation.override(user.language):  # month names in the mail's language
        return mail.send(
            user=user,
            template=f"subscription_{kind}",
            context={
                "plan": plan.name(user.language),
                "price": plan.price,
                "currency": plan.currency,
                "ends_at": timezone.localtime(ends_at, timezone.get_fixed_timezone(0)),
            },
        )
