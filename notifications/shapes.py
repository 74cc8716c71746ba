"""The Notifications API's response shapes (docs/api.md "Notifications"), built from the rows of
``notifications.selectors``."""

from rest_framework import serializers

from padmakara.api.shapes import PageShape, RowShape, message_shape

Message = message_shape("Message")


class Notification(RowShape):
    # Built from a row of selectors.NOTIFICATION_FIELDS.
    id = serializers.UUIDField(source="uuid")
    type = serializers.CharField()
    title = serializers.CharField()
    message = serializers.CharField()
    read = serializers.BooleanField()
    createdAt = serializers.DateTimeField()


class NotificationList(PageShape):
    notifications = Notification(many=True)
