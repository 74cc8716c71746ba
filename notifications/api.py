"""Notifications API (API.md "Notifications"): the user's own list, and marking one read."""

from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.models import Notification
from padmakara.api.errors import APIError
from padmakara.api.formats import iso_datetime
from padmakara.api.pagination import page_from
from padmakara.api.schema import ERROR_RESPONSES
from padmakara.api.throttles import ContentThrottle

from . import selectors, services

_notification_fields = {
    "id": serializers.UUIDField(),
    "type": serializers.CharField(),
    "title": serializers.CharField(),
    "message": serializers.CharField(),
    "read": serializers.BooleanField(),
    "createdAt": serializers.DateTimeField(),
}


class NotificationListView(APIView):
    throttle_classes = [ContentThrottle]
    renders_camel_case = True

    @extend_schema(
        operation_id="notifications_list",
        parameters=[OpenApiParameter("limit", OpenApiTypes.INT), OpenApiParameter("offset", OpenApiTypes.INT)],
        responses={
            200: inline_serializer(
                name="NotificationList",
                fields={
                    "notifications": inline_serializer(name="Notification", fields=_notification_fields, many=True),
                    "totalCount": serializers.IntegerField(),
                    "hasMore": serializers.BooleanField(),
                },
            ),
            **ERROR_RESPONSES,
        },
    )
    def get(self, request):
        page = page_from(request)
        notifications = selectors.user_notifications(user=request.user)
        rows = page.window(notifications.values("uuid", "type", "title", "message", "read", "created_at"))
        body = [
            {
                "id": str(row["uuid"]),
                "type": row["type"],
                "title": row["title"],
                "message": row["message"],
                "read": row["read"],
                "createdAt": iso_datetime(row["created_at"]),
            }
            for row in rows
        ]
        return Response({"notifications": body, **page.meta(notifications.count())})


class NotificationReadView(APIView):
    throttle_classes = [ContentThrottle]
    renders_camel_case = True

    @extend_schema(
        operation_id="notifications_read",
        request=None,
        responses={
            200: inline_serializer(name="Message", fields={"message": serializers.CharField()}),
            **ERROR_RESPONSES,
        },
    )
    def put(self, request, notification_id):
        try:
            services.notification_mark_read(user=request.user, notification_id=notification_id)
        except Notification.DoesNotExist:
            raise APIError(_("Notification not found."), code="not_found", status_code=404) from None
        return Response({"message": _("Notification marked as read.")})
