from django.apps import AppConfig


class PadmakaraConfig(AppConfig):
    name = "padmakara"
    verbose_name = "Padmakara"

    def ready(self):
        from padmakara import audit  # noqa: F401  (connects the audit log's receivers)
        from padmakara.observability import connect_celery_signals

        connect_celery_signals()
