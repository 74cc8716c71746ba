"""Books in the admin: the uploads are checked before anything is saved (a PDF that is not one,
or is encrypted or damaged; a cover that is not an image or is huge), then the PDF's text is
read for search in a task, its state shown in the list."""

from django import forms
from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from . import services
from .models import Book


class BookForm(forms.ModelForm):
    class Meta:
        model = Book
        fields = [
            "title",
            "title_pt",
            "authors",
            "language",
            "version",
            "cover",
            "pdf_file",
            "status",
            "audience",
            "required_plan",
            "groups",
            "gathering",
        ]
        widgets = {"pdf_file": forms.ClearableFileInput(attrs={"accept": "application/pdf"})}

    def clean_pdf_file(self):
        upload = self.cleaned_data.get("pdf_file")
        if upload and "pdf_file" in self.changed_data:
            services.validate_pdf(upload)
        return upload

    def clean_cover(self):
        upload = self.cleaned_data.get("cover")
        if upload and "cover" in self.changed_data:
            services.validate_cover(upload)
        return upload


@admin.register(Book)
class BookAdmin(admin.ModelAdmin):
    form = BookForm
    list_display = ["title", "language", "status", "audience", "text_status"]
    list_filter = ["status", "language", "audience", "text_status"]
    list_select_related = ["audience"]
    search_fields = ["title", "title_pt", "authors"]
    autocomplete_fields = ["gathering"]
    filter_horizontal = ["groups"]
    readonly_fields = ["page_count", "file_size", "text_status", "text_error", "created_at", "updated_at"]
    fieldsets = [
        (None, {"fields": ["title", "title_pt", "authors", "language", "version", "status"]}),
        (_("Files"), {"fields": ["pdf_file", "cover", "page_count", "file_size", "text_status", "text_error"]}),
        (_("Who may read it"), {"fields": ["audience", "required_plan", "groups", "gathering"]}),
        (None, {"fields": ["created_at", "updated_at"]}),
    ]

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        if "pdf_file" in form.changed_data:
            services.book_file_saved(book=obj)
