from django.contrib import admin
from django.urls import include, path, re_path
from django.utils.translation import gettext_lazy as _
from django.utils.translation import gettext_noop
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from padmakara.api import errors
from padmakara.api.routing import slash_optional
from padmakara.views import home

api_v1 = [
    *slash_optional("schema", SpectacularAPIView.as_view(), "schema"),
    *slash_optional("docs", SpectacularSwaggerView.as_view(url_name="schema"), "docs"),
    path("", include("retreats.urls")),
    path("", include("accounts.urls")),
    path("", include("notifications.urls")),
    path("", include("progress.urls")),
    path("", include("media.urls")),
    path("", include("library.urls")),
    path("", include("subscriptions.urls")),
]

urlpatterns = [
    path("", home, name="home"),
    path("admin/dashboard/", include("dashboard.urls")),
    path("admin/", admin.site.urls),
    path("i18n/", include("django.conf.urls.i18n")),
    path("api/v1/", include(api_v1)),
    path("", include("accounts.well_known_urls")),
    # The mobile app's own API (docs/compat-api.md), before the catch-all of unknown API paths.
    path("api/", include("compat.urls")),
    re_path(r"^api/", errors.unknown_api_path),
]

# Media files are served only through signed, expiring URLs (media.urls), never as static files.

handler400 = "padmakara.api.errors.handler400"
handler403 = "padmakara.api.errors.handler403"
handler404 = "padmakara.api.errors.handler404"
handler500 = "padmakara.api.errors.handler500"

admin.site.site_header = "Padmakara"
admin.site.site_title = _("Padmakara admin")
admin.site.index_title = _("Retreat teachings")
admin.site.site_url = "/"  # "View site": the home page (padmakara.views.home), with the API docs and health

# The admin index's link for view-only models: Django's own Portuguese catalogue leaves it as
# "View". Marked here so that the project's catalogue (LOCALE_PATHS, which takes precedence) has it.
gettext_noop("View")

# Django's admin messages that name a model: its Portuguese catalogue writes them for a masculine
# noun ("Adicionar outro Faixa", "O faixa … foi adicionado"), and Portuguese nouns have genders.
# The project's catalogue words them so that they read right for any model.
gettext_noop("Add another %(verbose_name)s")  # an inline's "add a row" link
gettext_noop("Add another %(model)s")  # the + beside a related field
gettext_noop("Change selected %(model)s")
gettext_noop("Delete selected %(model)s")
gettext_noop("View selected %(model)s")
gettext_noop("Delete selected %(verbose_name_plural)s")
gettext_noop("The {name} “{obj}” was added successfully.")
gettext_noop("The {name} “{obj}” was added successfully. You may add another {name} below.")
gettext_noop("The {name} “{obj}” was changed successfully.")
gettext_noop("The {name} “{obj}” was changed successfully. You may edit it again below.")
gettext_noop("The {name} “{obj}” was changed successfully. You may add another {name} below.")
gettext_noop("The %(name)s “%(obj)s” was deleted successfully.")
gettext_noop("%(name)s with ID “%(key)s” doesn’t exist. Perhaps it was deleted?")
# The User list's filter and page: Django's Portuguese reads "Status de superuser".
gettext_noop("superuser status")
