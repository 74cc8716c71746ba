"""Staff views of listening progress: read-only, since every row is written by a listener's device.

Other apps' admins get their progress bits from here (``padmakara.admin.extend_admin``, at the
end of this module):

- :func:`track_progress_figures`: a read-only field of the Track admin, in its own "Listening"
  section, that shows the track's completion figures (listeners, completed, rate, time) with
  a link to the rows;
- :class:`UserProgressInline`: the user's latest progress rows, an inline of the User admin.
"""

from django.contrib import admin
from django.contrib.auth import get_user_model
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

import accounts.admin  # noqa: F401  (registers the User admin extended at the end of this module)
import retreats.admin  # noqa: F401  (registers the Track admin extended at the end of this module)
from padmakara.admin import extend_admin, insert_after, insert_fieldset
from padmakara.api.formats import clock
from retreats.models import Track

from . import selectors
from .models import Bookmark, Highlight, ListeningSession, TrackProgress


@admin.display(description=_("position"), ordering="position")
def position_display(obj) -> str:
    return clock(obj.position)


class ReadOnlyAdmin(admin.ModelAdmin):
    """Staff may look, never edit: these rows are the listener's own record."""

    show_full_result_count = False  # no second COUNT(*) over a large table on every filtered page
    list_per_page = 50

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(TrackProgress)
class TrackProgressAdmin(ReadOnlyAdmin):
    list_display = ("user", "track", position_display, "completed", "last_played", "listening_display", "history")
    fields = ("user", "track", position_display, "completed", "last_played", "created_at", "updated_at")
    readonly_fields = fields
    list_filter = ("completed", "last_played")
    list_select_related = ("user", "track")
    search_fields = ("user__email", "track__title", "=track__uuid")
    raw_id_fields = ("user", "track")
    ordering = ("-last_played",)

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(listening_seconds=selectors.listening_seconds())

    @admin.display(description=_("listened"), ordering="listening_seconds")
    def listening_display(self, obj):
        return clock(obj.listening_seconds)

    @admin.display(description=_("history"))
    def history(self, obj):
        url = reverse("admin:progress_listeningsession_changelist")
        return format_html(
            '<a href="{}?user__id__exact={}&amp;track__id__exact={}">{}</a>',
            url,
            obj.user_id,
            obj.track_id,
            _("sessions"),
        )


@admin.register(ListeningSession)
class ListeningSessionAdmin(ReadOnlyAdmin):
    list_display = ("user", "track", "played_at", position_display, "completed", "listened", "device")
    fields = ("user", "track", "event_id", "played_at", position_display, "completed", "start_time", "end_time",
              "listened", "device_info", "created_at")  # fmt: skip
    readonly_fields = fields
    list_filter = ("completed", "played_at")
    list_select_related = ("user", "track")
    search_fields = ("user__email", "track__title", "=event_id")
    raw_id_fields = ("user", "track")
    ordering = ("-played_at",)

    @admin.display(description=_("listened"), ordering="seconds")
    def listened(self, obj):
        return clock(obj.seconds)

    @admin.display(description=_("device"))
    def device(self, obj):
        info = obj.device_info or {}
        return " ".join(str(info[key]) for key in ("platform", "model", "app_version") if info.get(key)) or "—"


@admin.register(Bookmark)
class BookmarkAdmin(ReadOnlyAdmin):
    list_display = ("user", "track", position_display, "note", "created_at")
    fields = ("user", "track", position_display, "note", "created_at")
    readonly_fields = fields
    list_select_related = ("user", "track")
    search_fields = ("user__email", "track__title", "=uuid")
    raw_id_fields = ("user", "track")
    ordering = ("-created_at",)


@admin.register(Highlight)
class HighlightAdmin(ReadOnlyAdmin):
    list_display = ("user", "track", "page", "color", "created_at")
    list_select_related = ("user", "track")
    search_fields = ("user__email", "track__title", "=uuid")
    raw_id_fields = ("user", "track")
    ordering = ("-created_at",)


@admin.display(description=_("listening progress"))
def track_progress_figures(track) -> str:
    """Completion figures of one track, for ``readonly_fields`` of the Track admin."""
    if track is None or track.pk is None:
        return "—"
    figures = selectors.track_completion(track_id=track.pk)
    url = reverse("admin:progress_trackprogress_changelist") + f"?track__id__exact={track.pk}"
    return format_html(
        '{} — {} · {} — {} · {} — {} · {} — {} · <a href="{}">{}</a>',
        _("listeners"),
        figures["listeners"],
        _("completed"),
        figures["completed"],
        _("completion rate"),
        f"{figures['completion_rate']:.0%}",
        _("time listened"),
        clock(figures["listening_seconds"]),
        url,
        _("see every listener"),
    )


class UserProgressInline(admin.TabularInline):
    """The user's progress rows, newest first and read-only, for the User admin."""

    model = TrackProgress
    fields = ("track", position_display, "completed", "last_played")
    readonly_fields = fields
    ordering = ("-last_played",)
    extra = 0
    max_num = 0
    can_delete = False
    show_change_link = True
    verbose_name_plural = _("listening progress")

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("track")

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class TrackAdminProgress:
    """The Track admin's "Listening" section, before its "Record" section."""

    def get_readonly_fields(self, request, obj=None):
        return insert_after(super().get_readonly_fields(request, obj), None, track_progress_figures)

    def get_fieldsets(self, request, obj=None):
        listening = (_("Listening"), {"fields": [track_progress_figures]})
        return insert_fieldset(super().get_fieldsets(request, obj), listening, before=_("Record"))


class UserAdminProgress:
    """The User admin's change page lists the user's progress after its other inlines."""

    def get_inlines(self, request, obj):
        inlines = super().get_inlines(request, obj)
        return [*inlines, UserProgressInline] if obj is not None else inlines


extend_admin(Track, TrackAdminProgress)
extend_admin(get_user_model(), UserAdminProgress)
