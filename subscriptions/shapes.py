"""The subscription API's response shapes (docs/api.md "Subscription"), each declared once."""

from rest_framework import serializers

from accounts.shapes import Subscription as AccessSubscription
from padmakara.api.formats import iso_datetime
from padmakara.api.shapes import Shape

from .models import Payment as PaymentRow
from .models import Plan as PlanRow
from .models import Subscription as SubscriptionRow
from .providers import Checkout as CheckoutRow

PAYMENT_METHODS = PaymentRow.Method.values  # PaymentMethodEnum in the schema


class Plan(Shape):
    code = serializers.CharField()
    name = serializers.CharField()
    price = serializers.CharField(help_text='Decimal, two places, e.g. "5.00".')
    currency = serializers.CharField()
    periodMonths = serializers.IntegerField()

    @classmethod
    def build(cls, plan: PlanRow, language: str) -> dict:
        return {
            "code": plan.code,
            "name": plan.name(language),
            "price": str(plan.price),
            "currency": plan.currency,
            "periodMonths": plan.period_months,
        }


class MemberSubscription(Shape):
    id = serializers.UUIDField()
    status = serializers.ChoiceField(choices=SubscriptionRow.Status.values)
    source = serializers.ChoiceField(choices=SubscriptionRow.Source.values)
    plan = Plan()
    paidUntil = serializers.DateTimeField(allow_null=True)
    startedAt = serializers.DateTimeField()
    cancelledAt = serializers.DateTimeField(allow_null=True)

    @classmethod
    def build(cls, subscription: SubscriptionRow, language: str) -> dict:
        return {
            "id": str(subscription.uuid),
            "status": subscription.status,
            "source": subscription.source,
            "plan": Plan.build(subscription.plan, language),
            "paidUntil": iso_datetime(subscription.paid_until),
            "startedAt": iso_datetime(subscription.created_at),
            "cancelledAt": iso_datetime(subscription.cancelled_at),
        }


class Payment(Shape):
    id = serializers.UUIDField()
    kind = serializers.ChoiceField(choices=PaymentRow.Kind.values)
    status = serializers.ChoiceField(choices=PaymentRow.Status.values)
    amount = serializers.CharField()
    currency = serializers.CharField()
    method = serializers.ChoiceField(choices=PAYMENT_METHODS)
    receivedAt = serializers.DateTimeField()

    @classmethod
    def build(cls, payment: PaymentRow) -> dict:
        return {
            "id": str(payment.uuid),
            "kind": payment.kind,
            "status": payment.status,
            "amount": str(payment.amount),
            "currency": payment.currency,
            "method": payment.method,
            "receivedAt": iso_datetime(payment.received_at),
        }


class SubscriptionOverview(Shape):
    access = AccessSubscription()
    current = MemberSubscription(allow_null=True)
    payments = Payment(many=True)
    plans = Plan(many=True)

    @classmethod
    def build(cls, *, user, current, payments, plans) -> dict:
        language = user.language
        return {
            "access": AccessSubscription.build(user),
            "current": MemberSubscription.build(current, language) if current else None,
            "payments": [Payment.build(p) for p in payments],
            "plans": [Plan.build(p, language) for p in plans],
        }


class Checkout(Shape):
    method = serializers.ChoiceField(choices=PAYMENT_METHODS)
    url = serializers.CharField(allow_blank=True)
    entity = serializers.CharField(allow_blank=True)
    reference = serializers.CharField(allow_blank=True)
    amount = serializers.CharField()

    @classmethod
    def build(cls, checkout: CheckoutRow) -> dict:
        return {
            "method": checkout.method,
            "url": checkout.url,
            "entity": checkout.entity,
            "reference": checkout.reference,
            "amount": str(checkout.amount),
        }


class SubscriptionStarted(Shape):
    subscription = MemberSubscription()
    checkout = Checkout()

    @classmethod
    def build(cls, subscription: SubscriptionRow, checkout: CheckoutRow, language: str) -> dict:
        return {"subscription": MemberSubscription.build(subscription, language), "checkout": Checkout.build(checkout)}


class NotificationReceived(Shape):
    received = serializers.BooleanField()

    @classmethod
    def build(cls) -> dict:
        return {"received": True}
