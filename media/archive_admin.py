"""The archive import's admin (media/archive.py): staff upload the CSV and name the S3 prefix,
read the plan's report, then import; the page shows the progress while a task works."""

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.formats import number_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from . import archive
from .models import ArchiveImport


class ArchiveImportForm(forms.Form):
    csv_file = forms.FileField(label=gettext_lazy("CSV export"), help_text=gettext_lazy("The old website's export."))
    source = forms.CharField(
        label=gettext_lazy("Where the files are"),
        max_length=1000,
        help_text=gettext_lazy("An S3 prefix, such as s3://bucket/mediateca/ (or a prefix in the media bucket)."),
    )

    MAX_CSV_BYTES = 20 * 1024 * 1024

    def clean_csv_file(self):
        upload = self.cleaned_data["csv_file"]
        if upload.size > self.MAX_CSV_BYTES:
            raise forms.ValidationError(_("The CSV is larger than 20 MB."))
        try:
            return upload.name, upload.read().decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            raise forms.ValidationError(_("The CSV must be UTF-8 text.")) from exc


class ArchiveImportAdmin(admin.ModelAdmin):
    list_display = ["csv_or_source", "status", "progress", "created_by", "created_at"]
    list_filter = ["status"]
    show_full_result_count = False

    @admin.display(description=gettext_lazy("import"), ordering="csv_name")
    def csv_or_source(self, obj):
        return obj.csv_name or obj.source

    @admin.display(description=gettext_lazy("files imported"))
    def progress(self, obj):
        if not obj.files_total:
            return "—"
        return _("%(done)s of %(total)s") % {
            "done": number_format(obj.files_done, force_grouping=True),
            "total": number_format(obj.files_total, force_grouping=True),
        }

    def _allowed(self, request) -> bool:
        return request.user.has_perm("retreats.add_retreat") and request.user.has_perm("retreats.add_track")

    def has_view_permission(self, request, obj=None):
        return self._allowed(request)

    def has_add_permission(self, request):
        return self._allowed(request)

    def has_change_permission(self, request, obj=None):
        return False  # read and acted on through its own page

    def has_delete_permission(self, request, obj=None):
        return False

    def get_urls(self):
        wrap = self.admin_site.admin_view
        return [
            path("start/", wrap(self.start_view), name="media_archiveimport_start"),
            path("<int:import_id>/report/", wrap(self.report_view), name="media_archiveimport_report"),
            path("<int:import_id>/apply/", wrap(self.apply_view), name="media_archiveimport_apply"),
            *super().get_urls(),
        ]

    def add_view(self, request, form_url="", extra_context=None):
        return self.start_view(request)

    def change_view(self, request, object_id, form_url="", extra_context=None):
        return self.report_view(request, int(object_id))

    def start_view(self, request):
        if not self._allowed(request):
            raise PermissionDenied
        form = ArchiveImportForm(request.POST or None, request.FILES or None)
        if request.method == "POST" and form.is_valid():
            name, text = form.cleaned_data["csv_file"]
            try:
                job = archive.import_start(csv_name=name, csv_text=text, source=form.cleaned_data["source"],
                                           user=request.user)  # fmt: skip
            except archive.ArchiveImportError as exc:
                form.add_error(None, str(exc))
            else:
                messages.info(request, _("Planning: nothing is written until you import."))
                return redirect("admin:media_archiveimport_report", job.pk)
        context = {**self.admin_site.each_context(request), "opts": self.model._meta, "form": form,
                   "title": _("Import the archive")}  # fmt: skip
        return TemplateResponse(request, "media/archive_import_start.html", context)

    def report_view(self, request, import_id: int):
        if not self._allowed(request):
            raise PermissionDenied
        job = get_object_or_404(ArchiveImport.objects.select_related("created_by"), pk=import_id)
        running = job.status in {ArchiveImport.Status.PLANNING, ArchiveImport.Status.APPLYING}
        total = job.files_total
        context = {
            **self.admin_site.each_context(request), "opts": self.model._meta, "job": job, "report": job.report,
            "running": running, "percent": int(100 * job.files_done / total) if total else 0,
            "can_apply": job.status in {ArchiveImport.Status.PLANNED, ArchiveImport.Status.FAILED},
            "apply_url": reverse("admin:media_archiveimport_apply", args=[job.pk]),
            "title": _("Archive import"),
        }  # fmt: skip
        return TemplateResponse(request, "media/archive_import.html", context)

    def apply_view(self, request, import_id: int):
        if not self._allowed(request) or request.method != "POST":
            raise PermissionDenied
        job = get_object_or_404(ArchiveImport, pk=import_id)
        if archive.import_apply_start(job=job, user=request.user):
            messages.info(request, _("Importing as drafts: this page follows the progress."))
        else:
            messages.warning(request, _("This import is not ready to apply (it is planning or running)."))
        return redirect("admin:media_archiveimport_report", job.pk)
