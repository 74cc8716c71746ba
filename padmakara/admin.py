"""Admin pieces shared by the apps, and the way an app adds its bits to another app's admin.

An app's admin module registers the admins of its own models. An app higher up (media,
progress) that has something to show on a lower app's page (a processing badge on the Track
page, listening progress on the User page) does not get imported by that app: it extends the
registered admin from its own admin module with :func:`extend_admin`::

    class TrackProgressAdmin:
        def get_readonly_fields(self, request, obj=None):
            return [*super().get_readonly_fields(request, obj), track_progress_figures]

    extend_admin(Track, TrackProgressAdmin)

The extension is a mixin put in front of the admin class currently registered for the model;
its ``get_*`` methods call ``super()``, so any number of extensions compose.
:func:`insert_after`, :func:`add_to_fieldset`, :func:`insert_fieldset` and :func:`add_actions`
build the lists such methods return without touching the lower admin's own.
"""

from django.contrib import admin
from django.contrib.admin.options import IS_POPUP_VAR
from django.core.paginator import Paginator
from django.db import connections
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _


class LargeTablePaginator(Paginator):
    """Counts an unfiltered big table from PostgreSQL's statistics instead of ``COUNT(*)``
    (as healthchecks does); filtered lists and small tables keep their exact count."""

    estimate_above = 10_000

    @cached_property
    def count(self):
        query = getattr(self.object_list, "query", None)
        if query is not None and not query.where:
            estimate = self._estimate(self.object_list.db, query.model._meta.db_table)  # type: ignore[attr-defined]
            if estimate > self.estimate_above:
                return estimate
        return super().count

    @staticmethod
    def _estimate(alias: str, table: str) -> int:
        connection = connections[alias]
        if connection.vendor != "postgresql":
            return 0
        with connection.cursor() as cursor:
            # reltuples is -1 until the table is first analysed: then the exact count is used.
            cursor.execute("SELECT reltuples::bigint FROM pg_class WHERE oid = to_regclass(%s)", [table])
            row = cursor.fetchone()
        return int(row[0]) if row and row[0] is not None else 0


class PadmakaraAdminSite(admin.AdminSite):
    """The admin site: the catalogue staff work in (gatherings, sessions, tracks) comes first on
    the index, then media, listening, notifications and accounts; any other app after those."""

    app_order = ["retreats", "media", "progress", "notifications", "accounts", "auth"]

    def get_app_list(self, request, app_label=None):
        apps = super().get_app_list(request, app_label)
        rank = {label: index for index, label in enumerate(self.app_order)}
        return sorted(apps, key=lambda app: (rank.get(app["app_label"], len(rank)), app["name"].lower()))


@admin.display(description=_("API id"))
def api_id(obj):
    """The ``uuid`` the mobile API calls ``id`` (the model field has no translated label)."""
    return obj.uuid


# --- Extending another app's admin --------------------------------------------------------


def extend_admin(model, extension: type, site: admin.AdminSite | None = None) -> type:
    """Register ``model`` again with ``extension`` layered over its current admin class."""
    site = site or admin.site
    current = type(site.get_model_admin(model))
    extended = type(current.__name__, (extension, current), {"__module__": current.__module__})
    site.unregister(model)
    site.register(model, extended)
    return extended


def insert_after(items, anchor, *new) -> list:
    """A copy of ``items`` with ``new`` right after ``anchor`` (at the end when ``anchor`` is
    None or missing); an item already there is not added twice."""
    items = list(items)
    at = items.index(anchor) + 1 if anchor in items else len(items)
    items[at:at] = [item for item in new if item not in items]
    return items


def add_to_fieldset(fieldsets, name, *fields, after=None) -> list:
    """A copy of ``fieldsets`` with ``fields`` added to the one called ``name``, after ``after``."""
    result = []
    for title, options in fieldsets:
        if title == name:
            options = {**options, "fields": insert_after(options["fields"], after, *fields)}
        result.append((title, options))
    return result


def insert_fieldset(fieldsets, fieldset, *, before=None) -> list:
    """A copy of ``fieldsets`` with ``fieldset`` before the one called ``before`` (or at the end)."""
    result = list(fieldsets)
    titles = [title for title, _options in result]
    at = titles.index(before) if before in titles else len(result)
    result.insert(at, fieldset)
    return result


def add_actions(model_admin, request, actions: dict, *functions) -> dict:
    """``actions`` (what ``super().get_actions()`` gave) with ``functions`` added, under the
    rules of ``ModelAdmin.get_actions``: none in popups, none when actions are off, and only
    those the user has the permissions for."""
    if model_admin.actions is None or IS_POPUP_VAR in request.GET:
        return actions
    extra = model_admin._filter_actions_by_permissions(request, [model_admin.get_action(f) for f in functions])
    return {**actions, **{name: (func, name, description) for func, name, description in extra}}
