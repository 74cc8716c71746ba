"""A stand-in for Easypay on a developer's machine (``make run``): every payment started is
paid at once, and a notification for it arrives through the same webhook path (recorded, then
confirmed by the task), so the whole flow runs without an Easypay account.

What it "knows" lives in the cache: one process, one machine; never for production.
"""

import uuid

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.utils import timezone

from . import Charge, Checkout, PaymentProvider
from .easypay import METHODS

TIMEOUT = 30 * 24 * 3600


class LocalPaymentProvider(PaymentProvider):
    name = "easypay"  # payments it makes look like Easypay's, so reports and the API read the same

    def start(self, *, subscription, plan, user, method: str) -> Checkout:
        ref = f"local-{uuid.uuid4()}"
        charge = {
            "payment_id": f"{ref}-1",
            "subscription_key": str(subscription.uuid),
            "amount": str(plan.price),
            "currency": plan.currency,
            "method": METHODS.get(method, "other"),
        }
        cache.set(f"payments:local:{ref}", charge, timeout=TIMEOUT)

        def notify():
            from subscriptions import services

            services.receive_notification(
                body={"id": ref, "key": str(subscription.uuid), "type": "capture", "status": "success"},
                remote_addr="127.0.0.1",
            )

        transaction.on_commit(notify)
        return Checkout(
            provider_ref=ref,
            method=charge["method"],
            url=f"{settings.APP_BASE_URL}/",
            entity="00000" if method == "mb" else "",
            reference="000 000 000" if method == "mb" else "",
            amount=plan.price,
        )

    def charges(self, *, resource_id: str, event: str) -> list[Charge]:
        from decimal import Decimal

        found = cache.get(f"payments:local:{resource_id}")
        if not found:
            return []
        return [
            Charge(
                payment_id=found["payment_id"],
                subscription_key=found["subscription_key"],
                status="paid",
                amount=Decimal(found["amount"]),
                currency=found["currency"],
                method=found["method"],
                at=timezone.now(),
            )
        ]

    def cancel(self, *, provider_ref: str) -> None:
        cache.delete(f"payments:local:{provider_ref}")
