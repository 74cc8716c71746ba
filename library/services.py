"""Writes for books: check an uploaded PDF and cover, then read the PDF's text for search."""

import logging

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from media import audio, pdfstamp, processing, watermarks
from media import storage as media_storage
from media.models import WatermarkedCopy
from retreats.versioning import bump_catalogue_version

from .models import Book, BookPage

logger = logging.getLogger(__name__)

COVER_FORMATS = ("JPEG", "PNG", "WEBP")


def validate_pdf(fileobj) -> int:
    """The page count of an uploaded book PDF; a ValidationError saying what is wrong with one
    that is not a PDF, is encrypted or damaged, or is too large (its readers get a copy stamped
    with their name, so it must be one we can stamp)."""
    if fileobj.size > settings.LIBRARY_PDF_MAX_BYTES:
        raise ValidationError(
            _("The PDF is %(size)d MB; the most is %(limit)d MB (LIBRARY_PDF_MAX_BYTES).")
            % {"size": fileobj.size // 1024**2, "limit": settings.LIBRARY_PDF_MAX_BYTES // 1024**2}
        )
    fileobj.seek(0)
    try:
        pages = pdfstamp.inspect(fileobj)
    except pdfstamp.StampError as exc:
        raise ValidationError(_("This PDF cannot be used: %(reason)s") % {"reason": exc}) from exc
    finally:
        fileobj.seek(0)
    if pages > settings.MEDIA_PDF_MAX_PAGES:
        raise ValidationError(
            _("The PDF has %(pages)d pages; the most is %(limit)d (MEDIA_PDF_MAX_PAGES).")
            % {"pages": pages, "limit": settings.MEDIA_PDF_MAX_PAGES}
        )
    return pages


def validate_cover(fileobj) -> None:
    """A cover must be a JPEG, PNG or WebP image of reasonable size, in bytes and in pixels
    (read from its header: a huge image is refused before it is decoded)."""
    from PIL import Image, UnidentifiedImageError

    if fileobj.size > settings.LIBRARY_COVER_MAX_BYTES:
        raise ValidationError(
            _("The cover image is %(size)d KB; the most is %(limit)d KB (LIBRARY_COVER_MAX_BYTES).")
            % {"size": fileobj.size // 1024, "limit": settings.LIBRARY_COVER_MAX_BYTES // 1024}
        )
    fileobj.seek(0)
    try:
        with Image.open(fileobj) as image:
            kind, (width, height) = image.format, image.size
    except (UnidentifiedImageError, OSError, Image.DecompressionBombError) as exc:
        raise ValidationError(_("The cover is not an image that can be read.")) from exc
    finally:
        fileobj.seek(0)
    if kind not in COVER_FORMATS:
        raise ValidationError(_("The cover must be a JPEG, PNG or WebP image."))
    limit = settings.LIBRARY_COVER_MAX_PIXELS
    if max(width, height) > limit:
        raise ValidationError(
            _("The cover is %(width)d × %(height)d pixels; at most %(limit)d on each side.")
            % {"width": width, "height": height, "limit": limit}
        )


def book_file_saved(*, book: Book) -> None:
    """Once the new PDF is committed, read its text (a task)."""
    from . import tasks

    Book.objects.filter(pk=book.pk).update(text_status=Book.TextStatus.PENDING, text_error="")
    transaction.on_commit(lambda: tasks.read_book_text.delay(book.pk))


def book_read_text(*, book_id: int) -> bool:
    """Count the PDF's pages, keep each page's text (BookPage) and index it for search.
    Returns False when the book is gone."""
    from . import search

    book = Book.objects.filter(pk=book_id).first()
    if book is None or not book.pdf_file:
        return False
    try:
        with media_storage.local_copy(book.pdf_file.name or "", suffix=".pdf") as (path, checksum, size):
            pages = processing.read_pdf_text(path).pages
    except audio.MediaError as exc:
        Book.objects.filter(pk=book_id).update(text_status=Book.TextStatus.FAILED, text_error=str(exc))
        return True
    with transaction.atomic():
        BookPage.objects.filter(book_id=book_id).delete()
        BookPage.objects.bulk_create(
            BookPage(book_id=book_id, number=number, text=text) for number, text in enumerate(pages, start=1)
        )
        status = Book.TextStatus.READY if any(pages) else Book.TextStatus.NO_TEXT
        Book.objects.filter(pk=book_id).update(
            page_count=len(pages), file_size=size, checksum=checksum, text_status=status, text_error=""
        )
        if search.index_books(book_ids=[book_id]):
            transaction.on_commit(bump_catalogue_version)
    return True


def book_pdf_for(book: Book, user) -> tuple[str, int, bool]:
    """The storage key of the PDF a reader gets, its page count and whether it is watermarked:
    a signed-in listener's own stamped copy (media/watermarks.py), anyone else the file as
    uploaded. Both APIs sign the key they are given here."""
    key = book.pdf_file.name or ""
    if not watermarks.wants_watermark(user):
        return key, book.page_count, False
    copy = watermarks.watermarked_copy(
        user=user,
        kind=WatermarkedCopy.Kind.BOOK,
        source_uuid=book.uuid,
        source_key=key,
        checksum=book.checksum,
    )
    return copy.key, copy.page_count, True
