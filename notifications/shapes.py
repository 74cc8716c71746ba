"""The Notifications API's response shapes (API.md "Notifications"), built from the rows of
``notifications.selectors``."""

from rest_framework import serializers

from padmakara.api.formats import iso_datetime
from padmakara.api.shapes import PageShape, Shape, message_shape

Message = message_shape("Message")


class Notification(Shape):
    id = serializers.UUIDField()
    type = serializers.CharField()
    title = serializers.CharField()
    message = serializers.CharField()
    read = serializers.BooleanField()
    createdAt = serializers.DateTimeField()

    @classmethod
    def build(cls, row: dict) -> dict:
        """``row``: ``selectors.NOTIFICATION_FIELDS``."""
        return {
            "id": str(row["uuid"]),
            "type": row["type"],
            "title": row["title"],
            "message": row["message"],
            "read": row["read"],
            "createdAt": iso_datetime(row["created_at"]),
        }


class NotificationList(PageShape):
    notifications = Notification(many=True)
