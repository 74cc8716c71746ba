"""Notifications API (docs/api.md "Notifications"): the user's own list, and marking one read."""

from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.response import Response
from rest_framework.views import APIView

from padmakara.api.pagination import page_from
from padmakara.api.schema import ERROR_RESPONSES
from padmakara.api.throttles import ContentThrottle

from . import selectors, services, shapes


class NotificationListView(APIView):
    throttle_classes = [ContentThrottle]
    renders_camel_case = True

    @extend_schema(
        operation_id="notifications_list",
        parameters=[OpenApiParameter("limit", OpenApiTypes.INT), OpenApiParameter("offset", OpenApiTypes.INT)],
        responses={200: shapes.NotificationList, **ERROR_RESPONSES},
    )
    def get(self, request):
        page = page_from(request)
        rows, total = selectors.notifications_page(user=request.user, limit=page.limit, offset=page.offset)
        return Response(
            shapes.NotificationList.build(page, total, notifications=[shapes.Notification.build(row) for row in rows])
        )


class NotificationReadView(APIView):
    throttle_classes = [ContentThrottle]
    renders_camel_case = True

    @extend_schema(
        operation_id="notifications_read",
        request=None,
        responses={200: shapes.Message, **ERROR_RESPONSES},
    )
    def put(self, request, notification_id):
        services.notification_mark_read(user=request.user, notification_id=notification_id)
        return Response(shapes.Message.build(_("Notification marked as read.")))
