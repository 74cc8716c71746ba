"""Payment providers behind one interface, chosen by dotted path in ``PAYMENT_PROVIDER``:
:class:`subscriptions.providers.easypay.EasypayProvider` in production,
:class:`subscriptions.providers.local.LocalPaymentProvider` for ``make run``."""

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from functools import cache

from django.conf import settings
from django.utils.module_loading import import_string


class ProviderUnavailable(Exception):
    """The provider's API could not be reached or answered with a server error: try again later."""


class ProviderRefused(Exception):
    """The provider's API refused the request (a 4xx): trying again will not help."""


@dataclass(frozen=True)
class Checkout:
    """What the app needs to let the member pay: a page to open, or a Multibanco reference."""

    provider_ref: str
    method: str
    url: str = ""
    entity: str = ""
    reference: str = ""
    amount: Decimal | None = None
    expires_at: datetime | None = None


@dataclass(frozen=True)
class Charge:
    """One payment as the provider's API reports it (never as a notification claims it)."""

    payment_id: str  # the provider's id of this payment (one per capture of a subscription)
    subscription_key: str  # the key we gave when starting: our Subscription.uuid
    status: str  # "paid", "failed" or "pending"
    amount: Decimal
    currency: str
    method: str  # a Payment.Method value
    at: datetime
    raw: dict = field(default_factory=dict, compare=False)


class PaymentProvider:
    """The interface: start a payment, read payments back, cancel a recurring one."""

    name = "easypay"

    def start(self, *, subscription, plan, user, method: str) -> Checkout:
        raise NotImplementedError

    def charges(self, *, resource_id: str, event: str) -> list[Charge]:
        """The payments of the resource a notification named, fetched from the provider's API."""
        raise NotImplementedError

    def cancel(self, *, provider_ref: str) -> None:
        raise NotImplementedError


@cache
def _provider_class(path: str):
    return import_string(path)


def get_provider() -> PaymentProvider:
    return _provider_class(settings.PAYMENT_PROVIDER)()
