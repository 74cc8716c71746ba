"""Admin for notifications: the outbox with its state and last error, what users were told,
dead push tokens, digest subscribers, and (local mode) the pushes that would have gone out."""

from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from . import services
from .models import DigestSubscription, LocalPush, Notification, NotificationEvent, PushEndpoint


@admin.register(NotificationEvent)
class NotificationEventAdmin(admin.ModelAdmin):
    # The three counts in one column: in Portuguese, ten columns were 200 px too wide at 1366 px.
    list_display = ["key", "kind", "retreat", "state", "delivery", "attempts", "created_at", "finished_at"]
    list_filter = ["state", "kind"]
    list_select_related = ["retreat"]
    search_fields = ["key", "retreat__name"]
    raw_id_fields = ["retreat"]
    readonly_fields = [f.name for f in NotificationEvent._meta.fields]
    actions = ["retry"]

    def has_add_permission(self, request):
        return False

    @admin.display(description=_("delivery"), ordering="notified_count")
    def delivery(self, obj):
        return _("%(notified)d notified, %(pushed)d pushes sent, %(failed)d failed") % {
            "notified": obj.notified_count,
            "pushed": obj.pushed_count,
            "failed": obj.push_failed_count,
        }

    @admin.action(description=_("Send again what has not gone out (failed events)"))
    def retry(self, request, queryset):
        ids = services.notification_events_retry(events=queryset, user=request.user)
        self.message_user(
            request,
            ngettext("%(n)d event queued again.", "%(n)d events queued again.", len(ids)) % {"n": len(ids)},
            messages.SUCCESS if ids else messages.WARNING,
        )


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    list_display = ["title", "user", "type", "read", "push_state", "created_at"]
    list_filter = ["type", "read", "push_state"]
    list_select_related = ["user"]
    search_fields = ["user__email", "title", "event_key"]
    raw_id_fields = ["user", "event"]
    readonly_fields = ["uuid", "event_key", "created_at", "read_at", "push_claim"]
    show_full_result_count = False  # no COUNT(*) over a table of millions on every page

    def has_add_permission(self, request):
        return False  # written by the app, never by hand


@admin.register(PushEndpoint)
class PushEndpointAdmin(admin.ModelAdmin):
    list_display = ["device", "disabled_at", "disabled_reason", "endpoint_arn"]
    list_filter = [("disabled_at", admin.EmptyFieldListFilter)]
    list_select_related = ["device__user"]
    search_fields = ["device__user__email", "device__push_token"]
    raw_id_fields = ["device"]

    def has_add_permission(self, request):
        return False  # written by the app, never by hand


@admin.register(DigestSubscription)
class DigestSubscriptionAdmin(admin.ModelAdmin):
    list_display = ["user", "created_at", "last_sent_at"]
    list_select_related = ["user"]
    search_fields = ["user__email"]
    raw_id_fields = ["user"]

    def has_add_permission(self, request):
        return False  # written by the app, never by hand


@admin.register(LocalPush)
class LocalPushAdmin(admin.ModelAdmin):
    list_display = ["title", "platform", "token", "created_at"]
    list_filter = ["platform"]
    search_fields = ["token", "title"]
    show_full_result_count = False

    def has_add_permission(self, request):
        return False
