from padmakara.api.routing import slash_optional

from . import api

urlpatterns = [
    *slash_optional("notifications", api.NotificationListView.as_view(), "notifications"),
    *slash_optional(
        "notifications/<uuid:notification_id>/read", api.NotificationReadView.as_view(), "notification-read"
    ),
]
