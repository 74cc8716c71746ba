from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NotificationsConfig(AppConfig):
    name = "notifications"
    verbose_name = _("Notifications")

    def ready(self):
        from padmakara import audit

        from . import receivers  # noqa: F401
        from .models import NotificationEvent

        # Staff retry failed events (padmakara.audit.audit); the fan-out's own progress leaves no entry.
        audit.register(NotificationEvent, exclude=["cursor", "locked_until"])
