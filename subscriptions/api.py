"""Subscription API (docs/api.md "Subscription") and the payment provider's webhook."""

from django.db import transaction
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.throttling import BaseThrottle
from rest_framework.views import APIView

from padmakara.api.errors import APIError
from padmakara.api.inputs import validated
from padmakara.api.schema import error_responses
from padmakara.api.throttles import WindowThrottle, _ScopedThrottle
from padmakara.errors import NotFound

from . import selectors, services, shapes
from .models import Plan


class PaymentsThrottle(_ScopedThrottle):
    scope = "payments"


class NotificationThrottle(WindowThrottle):
    """Per source address: the webhook takes no token."""

    scope = "payment_notifications"

    def get_cache_key(self, request, view):
        return self.cache_format % {"scope": self.scope, "ident": self.get_ident(request)}


class SubscriptionView(APIView):
    class InputSerializer(serializers.Serializer):
        class Meta:
            ref_name = "StartSubscriptionInput"

        plan = serializers.SlugField(max_length=32)
        method = serializers.ChoiceField(choices=services.ONLINE_METHOD_CHOICES)

    def get_throttles(self):
        return [PaymentsThrottle()] if self.request.method == "POST" else super().get_throttles()

    @extend_schema(responses={200: shapes.SubscriptionOverview})
    def get(self, request):
        overview = selectors.member_overview(user=request.user)
        return Response(shapes.SubscriptionOverview.build(user=request.user, **overview))

    @extend_schema(
        request=InputSerializer, responses={201: shapes.SubscriptionStarted, **error_responses(404, 409, 502, 503)}
    )
    def post(self, request):
        data = validated(self.InputSerializer, request)

        plan = Plan.objects.filter(code=data["plan"], active=True).first()
        if plan is None:
            raise NotFound("No such plan.")
        subscription, checkout = services.start(user=request.user, plan=plan, method=data["method"])
        body = shapes.SubscriptionStarted.build(subscription, checkout, request.user.language)
        return Response(body, status=status.HTTP_201_CREATED)


class CancelSubscriptionView(APIView):
    throttle_classes = (PaymentsThrottle,)

    @extend_schema(request=None, responses={200: shapes.MemberSubscription, **error_responses(404, 409)})
    def post(self, request):
        current = services.current_subscription(request.user)
        if current is None:
            raise APIError("You have no subscription to cancel.", code="not_found", status_code=404)
        subscription = services.cancel(subscription=current)
        return Response(shapes.MemberSubscription.build(subscription, request.user.language))


class EasypayNotificationView(APIView):
    """Easypay's generic notification. Recorded and answered at once; a task confirms it with
    Easypay's API before anything changes (the body is never trusted)."""

    authentication_classes = ()
    permission_classes = (AllowAny,)
    throttle_classes = (NotificationThrottle,)

    class InputSerializer(serializers.Serializer):
        class Meta:
            ref_name = "EasypayNotificationInput"

        id = serializers.CharField(max_length=64)
        key = serializers.CharField(max_length=100, required=False, allow_blank=True)
        type = serializers.CharField(max_length=32, required=False, allow_blank=True)
        status = serializers.CharField(max_length=16, required=False, allow_blank=True)
        messages = serializers.ListField(child=serializers.CharField(max_length=500), required=False, max_length=20)
        date = serializers.CharField(max_length=32, required=False, allow_blank=True)

    @extend_schema(
        request=InputSerializer, responses={200: shapes.NotificationReceived, **error_responses(400, 403, 429)}
    )
    def post(self, request):
        address = BaseThrottle().get_ident(request)
        if not services.source_allowed(address):
            raise APIError("Not allowed from this address.", code="permission_denied", status_code=403)
        data = validated(self.InputSerializer, request)
        with transaction.atomic():
            services.receive_notification(body=dict(data), remote_addr=address)
        return Response(shapes.NotificationReceived.build())
