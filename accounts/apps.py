from django.apps import AppConfig
from django.contrib.admin import apps as admin_apps
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    default = True  # the one for "accounts" in INSTALLED_APPS; AdminConfig below is named there
    name = "accounts"
    verbose_name = _("Accounts")

    def ready(self):
        from . import schema  # noqa: F401  (registers the OpenAPI description of the Bearer token)


class AdminConfig(admin_apps.AdminConfig):
    """Django's admin, whose ``admin.site`` is the project's site: sign-in slowed after failures
    and, when ``ADMIN_REQUIRE_MFA``, a TOTP code for every staff member (accounts/admin_site.py)."""

    default = False
    default_site = "accounts.admin_site.AdminSite"
