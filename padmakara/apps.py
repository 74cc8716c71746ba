from django.apps import AppConfig
from django.contrib.admin import apps as admin_apps


class PadmakaraConfig(AppConfig):
    name = "padmakara"
    verbose_name = "Padmakara"

    def ready(self):
        from padmakara import audit  # noqa: F401  (connects the audit log's receivers)
        from padmakara.observability import connect_celery_signals

        connect_celery_signals()


class PadmakaraAdminConfig(admin_apps.AdminConfig):
    """django.contrib.admin with the project's site (padmakara.admin_site.PadmakaraAdminSite)."""

    default = False  # named in INSTALLED_APPS; "padmakara" itself is PadmakaraConfig
    default_site = "padmakara.admin_site.PadmakaraAdminSite"
