"""Easypay's Payments API 2.0 (https://docs.easypay.pt/openapi): ``AccountId`` and ``ApiKey``
headers, ``POST /single`` for a one-off payment (Multibanco reference, MB WAY),
``POST /subscription`` for a recurring card or direct-debit charge, ``GET`` of either to read
its state back and ``DELETE /subscription/{id}`` to stop it.

Easypay signs nothing it sends: a notification only says "look at resource X". We read X with
the account's credentials and believe only that answer; the ``key`` we set when creating a
payment (our subscription's uuid) tells whose it is.
"""

import datetime
import zoneinfo
from decimal import Decimal, InvalidOperation

import requests
from django.conf import settings
from django.utils import timezone

from . import Charge, Checkout, PaymentProvider, ProviderRefused, ProviderUnavailable

# Easypay's method codes and ours (Payment.Method).
METHODS = {"mb": "multibanco", "mbw": "mbway", "cc": "card", "dd": "direct_debit"}
RECURRING = {"cc", "dd"}
PAID_SINGLE = {"paid"}
FAILED_SINGLE = {"failed", "deleted", "expired"}
LISBON = zoneinfo.ZoneInfo("Europe/Lisbon")


def _when(text: str | None) -> datetime.datetime:
    """Easypay writes times as ``YYYY-MM-DD HH:MM[:SS]`` in Lisbon time, or in ISO 8601."""
    if not text:
        return timezone.now()
    try:
        value = datetime.datetime.fromisoformat(str(text).replace("Z", "+00:00"))
    except ValueError:
        return timezone.now()
    return timezone.make_aware(value, LISBON) if timezone.is_naive(value) else value


def _amount(value) -> Decimal:
    try:
        return Decimal(str(value)).quantize(Decimal("0.01"))
    except (InvalidOperation, TypeError):
        return Decimal("0")


class EasypayProvider(PaymentProvider):
    name = "easypay"

    def __init__(self):
        self.base_url = settings.EASYPAY_API_URL.rstrip("/")
        self.session = requests.Session()
        self.session.headers.update(
            {"AccountId": settings.EASYPAY_ACCOUNT_ID, "ApiKey": settings.EASYPAY_API_KEY, "Accept": "application/json"}
        )

    def _call(self, method: str, path: str, **kwargs) -> dict:
        try:
            response = self.session.request(
                method, f"{self.base_url}{path}", timeout=settings.EASYPAY_TIMEOUT_SECONDS, **kwargs
            )
        except requests.RequestException as exc:
            raise ProviderUnavailable(f"Easypay unreachable: {exc.__class__.__name__}") from exc
        if response.status_code >= 500 or response.status_code == 429:
            raise ProviderUnavailable(f"Easypay answered {response.status_code}")
        if response.status_code >= 400:
            raise ProviderRefused(f"Easypay refused {method} {path}: {response.status_code} {response.text[:200]}")
        if response.status_code == 204 or not response.content:
            return {}
        try:
            return response.json()
        except ValueError as exc:
            raise ProviderUnavailable("Easypay answered with something other than JSON") from exc

    def start(self, *, subscription, plan, user, method: str) -> Checkout:
        body = {
            "key": str(subscription.uuid),
            "value": float(plan.price),
            "currency": plan.currency,
            "method": method,
            "customer": {"key": str(user.uuid), "name": user.name or user.email, "email": user.email},
            "capture": {"transaction_key": str(subscription.uuid), "descriptive": f"Padmakara {plan.code}"},
        }
        if method in RECURRING:
            body |= {
                "frequency": f"{plan.period_months}M",
                "start_time": timezone.localtime(timezone.now(), LISBON).strftime("%Y-%m-%d %H:%M"),
                "unlimited_payments": True,
                "retries": settings.EASYPAY_SUBSCRIPTION_RETRIES,
            }
            answer = self._call("POST", "/subscription", json=body)
        else:
            body |= {"type": "sale"}
            answer = self._call("POST", "/single", json=body)
        found = answer.get("method") or {}
        return Checkout(
            provider_ref=str(answer.get("id", "")),
            method=METHODS.get(method, "other"),
            url=found.get("url", ""),
            entity=str(found.get("entity", "") or ""),
            reference=str(found.get("reference", "") or ""),
            amount=plan.price,
        )

    def charges(self, *, resource_id: str, event: str) -> list[Charge]:
        if event.startswith("subscription"):
            answer = self._call("GET", f"/subscription/{resource_id}")
            key = str(answer.get("key", ""))
            method = METHODS.get((answer.get("method") or {}).get("type", ""), "other")
            currency = answer.get("currency", "EUR")
            charges = []
            for transaction in answer.get("transactions") or []:
                values = transaction.get("values") or {}
                paid = _amount(values.get("paid"))
                status = transaction.get("status") or ("success" if paid > 0 else "pending")
                charges.append(
                    Charge(
                        payment_id=str(transaction.get("id", "")),
                        subscription_key=key,
                        status="paid"
                        if status == "success" and paid > 0
                        else "failed"
                        if status == "failed"
                        else "pending",
                        amount=paid if paid > 0 else _amount(values.get("requested", answer.get("value"))),
                        currency=currency,
                        method=method,
                        at=_when(transaction.get("date")),
                        raw=transaction,
                    )
                )
            return charges
        answer = self._call("GET", f"/single/{resource_id}")
        status = answer.get("payment_status", "pending")
        paid_at = answer.get("paid_at") or next(
            (t.get("date") for t in answer.get("transactions") or [] if t.get("date")), None
        )
        return [
            Charge(
                payment_id=str(answer.get("id", resource_id)),
                subscription_key=str(answer.get("key", "")),
                status="paid" if status in PAID_SINGLE else "failed" if status in FAILED_SINGLE else "pending",
                amount=_amount(answer.get("value")),
                currency=answer.get("currency", "EUR"),
                method=METHODS.get((answer.get("method") or {}).get("type", ""), "other"),
                at=_when(paid_at),
                raw=answer,
            )
        ]

    def cancel(self, *, provider_ref: str) -> None:
        if provider_ref:
            self._call("DELETE", f"/subscription/{provider_ref}")
