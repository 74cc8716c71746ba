from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CompatConfig(AppConfig):
    """The mobile app's own API (docs/compat-api.md): views and shapes over the other apps'
    services and selectors, no models of its own."""

    name = "compat"
    verbose_name = _("Mobile app compatibility")
