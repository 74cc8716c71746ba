"""The audit log in the admin: read by staff (filter by person, kind of object, object and date),
changed by no one. Replaces the admin django-auditlog ships (its raw correlation ids, its
English-only column texts and its delete permission for cascades)."""

import datetime

from auditlog.models import LogEntry
from django.contrib import admin
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import FieldDoesNotExist
from django.db import models
from django.urls import NoReverseMatch, reverse
from django.utils import formats, timezone
from django.utils.html import format_html, format_html_join
from django.utils.text import capfirst
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from padmakara.admin import LargeTablePaginator

ACTIONS = {
    LogEntry.Action.CREATE: _("Created"),
    LogEntry.Action.UPDATE: _("Changed"),
    LogEntry.Action.DELETE: _("Deleted"),
    LogEntry.Action.ACCESS: _("Viewed"),
}
EMPTY = "—"


def _model(entry):
    return ContentType.objects.get_for_id(entry.content_type_id).model_class()


def _field(model, name):
    try:
        return model._meta.get_field(name) if model else None
    except FieldDoesNotExist:
        return None


def _label(model, name) -> str:
    field = _field(model, name)
    return str(capfirst(field.verbose_name)) if field is not None and hasattr(field, "verbose_name") else name


def _value(field, value) -> str:
    """A stored value (text) as staff read it: choices by their label, yes/no, local times."""
    if value is None or value in ("None", ""):
        return EMPTY
    if field is None:
        return str(value)
    choices = dict(getattr(field, "flatchoices", None) or [])
    if choices:
        return str(choices.get(value, value))
    if isinstance(field, models.BooleanField):
        return gettext("Yes") if str(value) == "True" else gettext("No")
    if isinstance(field, models.DateTimeField):
        try:
            moment = datetime.datetime.fromisoformat(str(value))
        except ValueError:
            return str(value)
        if timezone.is_naive(moment):
            moment = timezone.make_aware(moment, datetime.UTC)
        return formats.localize(timezone.localtime(moment))
    return str(value)


def changes_table(entry) -> str:
    """The entry's fields as a before/after table (many-to-many: what was added or removed)."""
    model = _model(entry)
    rows = []
    for name, change in sorted((entry.changes_dict or {}).items()):
        field = _field(model, name)
        if isinstance(change, dict) and change.get("type") == "m2m":
            objects = ", ".join(change.get("objects", []))
            before, after = (EMPTY, objects) if change.get("operation") == "add" else (objects, EMPTY)
        else:
            before, after = (_value(field, value) for value in change)
        rows.append((_label(model, name), before, after))
    if not rows:
        return ""
    return format_html(
        '<table class="audit-changes"><thead><tr><th>{}</th><th>{}</th><th>{}</th></tr></thead><tbody>{}</tbody></table>',
        gettext("Field"),
        gettext("Before"),
        gettext("After"),
        format_html_join("", "<tr><td>{}</td><td>{}</td><td>{}</td></tr>", rows),
    )


class ActorFilter(admin.SimpleListFilter):
    """By staff member, by the email kept in the entry (so it still works once the account is gone)."""

    title = _("staff member")
    parameter_name = "actor"

    def lookups(self, request, model_admin):
        emails = (
            LogEntry.objects.exclude(actor_email=None).order_by("actor_email").values_list("actor_email", flat=True)
        )
        return [(email, email) for email in emails.distinct()]

    def queryset(self, request, queryset):
        return queryset.filter(actor_email=self.value()) if self.value() else queryset


class KindFilter(admin.SimpleListFilter):
    """By kind of object, named as the admin names it (in the reader's language)."""

    title = _("kind of object")
    parameter_name = "kind"

    def lookups(self, request, model_admin):
        ids = LogEntry.objects.order_by().values_list("content_type_id", flat=True).distinct()
        kinds = []
        for content_type_id in ids:
            model = ContentType.objects.get_for_id(content_type_id).model_class()
            if model is not None:
                kinds.append((str(content_type_id), str(capfirst(model._meta.verbose_name_plural))))
        return sorted(kinds, key=lambda kind: kind[1])

    def queryset(self, request, queryset):
        return queryset.filter(content_type_id=self.value()) if self.value() else queryset


class ObjectFilter(admin.SimpleListFilter):
    """One object's history: ``?object=<content type>-<primary key>``, the link of each row's object."""

    title = _("object")
    parameter_name = "object"

    def _parse(self):
        content_type_id, _sep, pk = (self.value() or "").partition("-")
        return (int(content_type_id), pk) if content_type_id.isdigit() and pk else (None, None)

    def lookups(self, request, model_admin):
        content_type_id, pk = self._parse()
        if content_type_id is None:
            return []
        entry = LogEntry.objects.filter(content_type_id=content_type_id, object_pk=pk).order_by("-timestamp").first()
        return [(self.value(), entry.object_repr if entry else EMPTY)]

    def queryset(self, request, queryset):
        content_type_id, pk = self._parse()
        if content_type_id is None:
            return queryset
        return queryset.filter(content_type_id=content_type_id, object_pk=pk)


class AuditEntryAdmin(admin.ModelAdmin):
    """Read-only for everyone, superusers included: no add, no change, no delete."""

    date_hierarchy = "timestamp"
    list_display = ["when", "who", "action_label", "object_link", "summary"]
    list_display_links = ["when"]
    list_filter = [ActorFilter, KindFilter, ObjectFilter]
    list_select_related = ["actor"]
    search_fields = ["object_repr", "actor_email"]
    paginator = LargeTablePaginator
    list_per_page = 50
    actions = None
    # Not the model's own names (``changes`` is its raw JSON): the admin would show the field.
    fields = ("when", "who", "action_label", "object_link", "service_message", "before_and_after", "remote_addr")
    readonly_fields = fields

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.display(description=_("when"), ordering="timestamp")
    def when(self, entry):
        return formats.localize(timezone.localtime(entry.timestamp))

    @admin.display(description=_("staff member"))
    def who(self, entry):
        if entry.actor is not None:
            name, email = entry.actor.get_full_name(), entry.actor.email
        else:
            name, email = (entry.additional_data or {}).get("actor_name"), entry.actor_email
        if not email:
            return gettext("the system")
        if entry.actor is None:
            return format_html("{} &lt;{}&gt; ({})", name or email, email, gettext("account deleted"))
        return format_html("{} &lt;{}&gt;", name, email) if name and name != email else email

    @admin.display(description=_("action"))
    def action_label(self, entry):
        return ACTIONS.get(entry.action, EMPTY)

    @admin.display(description=_("object"))
    def object_link(self, entry):
        model = _model(entry)
        kind = capfirst(model._meta.verbose_name) if model else EMPTY
        history = f"?{ObjectFilter.parameter_name}={entry.content_type_id}-{entry.object_pk}"
        try:
            if entry.action == LogEntry.Action.DELETE or model is None:
                raise NoReverseMatch
            url = reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_change", args=[entry.object_pk])
        except NoReverseMatch:
            return format_html('{}: {} (<a href="{}">{}</a>)', kind, entry.object_repr, history, gettext("history"))
        return format_html(
            '{}: <a href="{}">{}</a> (<a href="{}">{}</a>)', kind, url, entry.object_repr, history, gettext("history")
        )

    @admin.display(description=_("what"))
    def summary(self, entry):
        message = (entry.additional_data or {}).get("message")
        if message:
            return gettext(message)
        if entry.action in (LogEntry.Action.UPDATE, LogEntry.Action.CREATE):
            model = _model(entry)
            return ", ".join(_label(model, name) for name in sorted(entry.changes_dict or {}))
        return ""

    @admin.display(description=_("message"))
    def service_message(self, entry):
        message = (entry.additional_data or {}).get("message")
        return gettext(message) if message else EMPTY

    @admin.display(description=_("fields before and after"))
    def before_and_after(self, entry):
        return changes_table(entry) or EMPTY


admin.site.unregister(LogEntry)
admin.site.register(LogEntry, AuditEntryAdmin)
