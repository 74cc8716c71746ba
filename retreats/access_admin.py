"""The admin of attendance and grants (docs/architecture.md "The access rule").

Attendance and grants show inline on the gathering and on the user (the User admin is
extended from here: accounts sits below retreats). Staff grant access in bulk from the user
list or a pasted list of emails (all or nothing), and import attendance lists (CSV of
``email, gathering``) after a dry run. Every grant goes through ``retreats.services``, which
records it in the audit trail.
"""

from django import forms
from django.contrib import admin, messages
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.http import HttpResponseRedirect
from django.shortcuts import render
from django.urls import path, reverse
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from padmakara.admin import add_actions, extend_admin

from . import services
from .models import Attendance, Retreat

# An attendance list is a few thousand lines at most.
IMPORT_MAX_BYTES = 2 * 1024 * 1024


class AttendanceFormsetSaving:
    """For the admins with an attendance inline: new rows are saved through the service (a
    grant is recorded in the audit trail, by whom), edited and deleted rows as usual."""

    def save_formset(self, request, form, formset, change):
        if formset.model is not Attendance:
            return super().save_formset(request, form, formset, change)
        instances = formset.save(commit=False)
        for obj in formset.deleted_objects:
            obj.delete()
        for obj in instances:
            if obj.pk is None:
                services.attendance_record(
                    user=obj.user, gathering=obj.gathering, source=obj.source, by=request.user, note=obj.note
                )
            else:
                obj.save()
        formset.save_m2m()
        return None


class _AttendanceInline(admin.TabularInline):
    model = Attendance
    readonly_fields = ["granted_by", "created"]
    extra = 0
    verbose_name = _("attendance or grant")
    verbose_name_plural = _("attendance and grants")


class GatheringAttendanceInline(_AttendanceInline):
    fields = ["user", "source", "note", "granted_by", "created"]
    autocomplete_fields = ["user"]

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("user", "granted_by")


class UserAttendanceInline(_AttendanceInline):
    fk_name = "user"
    fields = ["gathering", "source", "note", "granted_by", "created"]
    autocomplete_fields = ["gathering"]

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("gathering", "granted_by")


# --- Grant access: from the user list, the gathering list, or pasted emails --------------------


class GrantForm(forms.Form):
    emails = forms.CharField(
        label=_("Emails"),
        widget=forms.Textarea(attrs={"rows": 8, "cols": 60}),
        help_text=_("One per line, or separated by commas. Every email must belong to an account."),
    )
    gatherings = forms.ModelMultipleChoiceField(
        label=_("Gatherings"),
        queryset=Retreat.objects.order_by("-start_date", "name"),
        widget=forms.SelectMultiple(attrs={"size": 12}),
    )
    note = forms.CharField(label=_("Note"), max_length=300, required=False)


class ImportForm(forms.Form):
    file = forms.FileField(label=_("CSV file"), help_text=_("Two columns: email, gathering (its slug or id)."))
    dry_run = forms.BooleanField(
        label=_("Dry run"), required=False, initial=True, help_text=_("Show what would be created; change nothing.")
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > IMPORT_MAX_BYTES:
            raise forms.ValidationError(_("The file is too large."))
        try:
            return upload.read().decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            raise forms.ValidationError(_("The file must be UTF-8 text.")) from exc


@admin.register(Attendance)
class AttendanceAdmin(AttendanceFormsetSaving, admin.ModelAdmin):
    list_display = ["user", "gathering", "source", "granted_by", "created"]
    list_filter = ["source", "gathering__audience"]
    list_select_related = ["user", "gathering", "granted_by"]
    search_fields = ["user__email", "user__name", "gathering__name", "gathering__slug"]
    autocomplete_fields = ["user", "gathering"]
    readonly_fields = ["granted_by", "created"]
    fields = ["user", "gathering", "source", "note", "granted_by", "created"]

    def save_model(self, request, obj, form, change):
        if change:
            return super().save_model(request, obj, form, change)
        created = services.attendance_record(
            user=obj.user, gathering=obj.gathering, source=obj.source, by=request.user, note=obj.note
        )
        obj.pk = created.pk
        return None

    def get_urls(self):
        return [
            path("grant/", self.admin_site.admin_view(self.grant_view), name="retreats_attendance_grant"),
            path("import/", self.admin_site.admin_view(self.import_view), name="retreats_attendance_import"),
            *super().get_urls(),
        ]

    def changelist_view(self, request, extra_context=None):
        extra_context = {
            **(extra_context or {}),
            "grant_url": reverse("admin:retreats_attendance_grant"),
            "import_url": reverse("admin:retreats_attendance_import"),
        }
        return super().changelist_view(request, extra_context)

    def _page(self, request, template, title, **context):
        return render(
            request,
            template,
            {**self.admin_site.each_context(request), "opts": self.opts, "title": title, **context},
        )

    def grant_view(self, request):
        if not self.has_add_permission(request):
            raise PermissionDenied
        unknown: list[str] = []
        if request.method == "POST":
            form = GrantForm(request.POST)
            if form.is_valid():
                try:
                    created = services.access_grant_by_emails(
                        emails=services.parse_emails(form.cleaned_data["emails"]),
                        gatherings=form.cleaned_data["gatherings"],
                        granted_by=request.user,
                        note=form.cleaned_data["note"],
                    )
                except services.UnknownEmails as exc:
                    unknown = exc.emails
                    form.add_error("emails", gettext("No account has these emails; nothing was granted."))
                else:
                    self.message_user(
                        request,
                        ngettext("%(count)d grant created.", "%(count)d grants created.", created) % {"count": created},
                        messages.SUCCESS,
                    )
                    return HttpResponseRedirect(reverse("admin:retreats_attendance_changelist") + "?source=granted")
        else:
            users = get_user_model().objects.filter(pk__in=_ids(request.GET.get("users")))
            form = GrantForm(
                initial={
                    "emails": "\n".join(users.order_by("email").values_list("email", flat=True)),
                    "gatherings": list(_ids(request.GET.get("gatherings"))),
                }
            )
        return self._page(
            request, "admin/retreats/grant_access.html", gettext("Grant access"), form=form, unknown=unknown
        )

    def import_view(self, request):
        if not self.has_add_permission(request):
            raise PermissionDenied
        report = None
        dry_run = True
        if request.method == "POST":
            form = ImportForm(request.POST, request.FILES)
            if form.is_valid():
                dry_run = form.cleaned_data["dry_run"]
                report = services.attendance_import(
                    csv_text=form.cleaned_data["file"], dry_run=dry_run, imported_by=request.user
                )
                if not dry_run:
                    self.message_user(
                        request,
                        ngettext("%(count)d attendance imported.", "%(count)d attendances imported.", report.created)
                        % {"count": report.created},
                        messages.SUCCESS,
                    )
        else:
            form = ImportForm()
        return self._page(
            request,
            "admin/retreats/import_attendance.html",
            gettext("Import attendance"),
            form=form,
            report=report,
            dry_run=dry_run,
        )


def _ids(text: str | None) -> list[int]:
    return [int(part) for part in (text or "").split(",") if part.strip().isdigit()]


@admin.action(description=_("Grant access to gatherings…"), permissions=["change"])
def grant_access_to_users(modeladmin, request, queryset):
    ids = ",".join(str(pk) for pk in queryset.values_list("pk", flat=True))
    return HttpResponseRedirect(f"{reverse('admin:retreats_attendance_grant')}?users={ids}")


@admin.action(description=_("Grant access to the selected gatherings…"), permissions=["change"])
def grant_access_to_gatherings(modeladmin, request, queryset):
    ids = ",".join(str(pk) for pk in queryset.values_list("pk", flat=True))
    return HttpResponseRedirect(f"{reverse('admin:retreats_attendance_grant')}?gatherings={ids}")


class UserAdminAccess(AttendanceFormsetSaving):
    """The User admin: the user's attendance and grants inline, and the bulk grant action."""

    def get_inlines(self, request, obj):
        inlines = super().get_inlines(request, obj)
        return [*inlines, UserAttendanceInline] if obj is not None else inlines

    def get_actions(self, request):
        return add_actions(self, request, super().get_actions(request), grant_access_to_users)


extend_admin(get_user_model(), UserAdminAccess)
