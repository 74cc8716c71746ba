"""The books API's response shapes (docs/api.md "Books")."""

from rest_framework import serializers

from media.shapes import _SignedFileURL
from media.signing import SignedURL
from padmakara.api.formats import iso_datetime
from padmakara.api.shapes import Shape
from retreats.models import LANGUAGE_CHOICES

from .models import Book as BookModel


class Book(Shape):
    id = serializers.UUIDField()
    title = serializers.CharField(help_text="In the asked language where there is one, else the English title.")
    titleEn = serializers.CharField()
    titlePt = serializers.CharField(allow_blank=True)
    authors = serializers.ListField(child=serializers.CharField(), help_text="The main author first.")
    language = serializers.CharField(
        help_text="The book's language: " + ", ".join(code for code, _ in LANGUAGE_CHOICES) + "."
    )
    version = serializers.CharField(allow_blank=True)
    coverUrl = serializers.URLField(allow_null=True, help_text="Signed, short-lived; null without a cover.")
    pageCount = serializers.IntegerField()
    fileSize = serializers.IntegerField()
    updatedAt = serializers.DateTimeField()

    @classmethod
    def build(cls, book: BookModel, language: str, cover: SignedURL | None) -> dict:
        return {
            "id": book.uuid,
            "title": book.title_in(language),
            "titleEn": book.title,
            "titlePt": book.title_pt,
            "authors": book.author_list,
            "language": book.language,
            "version": book.version,
            "coverUrl": cover.url if cover is not None else None,
            "pageCount": book.page_count,
            "fileSize": book.file_size,
            "updatedAt": iso_datetime(book.updated_at),
        }


class BookList(Shape):
    books = Book(many=True)
    hasHiddenPublications = serializers.BooleanField(
        help_text="Some published books are not open to this user (they are left out of the list)."
    )


class BookURL(_SignedFileURL):
    pageCount = serializers.IntegerField()
    watermarked = serializers.BooleanField(help_text="The PDF carries the reader's name and email on every page.")

    @classmethod
    def build(cls, signed: SignedURL, page_count: int, *, watermarked: bool) -> dict:
        return {**cls.signed_fields(signed, "application/pdf"), "pageCount": page_count, "watermarked": watermarked}
