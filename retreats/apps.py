from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RetreatsConfig(AppConfig):
    name = "retreats"
    verbose_name = _("Retreats")

    def ready(self):
        from . import search_signals, signals  # noqa: F401
