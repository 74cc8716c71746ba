from django.apps import AppConfig


class PadmakaraConfig(AppConfig):
    name = "padmakara"
    verbose_name = "Padmakara"

    def ready(self):
        from django.conf import settings

        from padmakara import audit  # noqa: F401  (connects the audit log's receivers)
        from padmakara.observability import connect_celery_signals

        if settings.TRACING:
            # Here, before the WSGI handler loads the middleware: Django's instrumentation adds its own.
            from padmakara.tracing import configure_tracing

            configure_tracing(service_name="padmakara", release=settings.PADMAKARA_RELEASE or "unknown")
        connect_celery_signals()
