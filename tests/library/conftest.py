import pytest
from django.core.files.base import ContentFile

from library import services
from library.models import Book


@pytest.fixture
def make_book(db, make_pdf):
    """A book with a real PDF (its text read as the admin's save would), published and open to
    anyone unless told otherwise."""

    def make(*, pages=("A page about the nature of mind.",), groups=(), **extra) -> Book:
        extra.setdefault("title", "The Words of My Perfect Teacher")
        extra.setdefault("authors", "Patrul Rinpoche, Padmakara Translation Group")
        extra.setdefault("status", Book.Status.PUBLISHED)
        extra.setdefault("audience_id", "free-anyone")
        book = Book(**extra)
        book.pdf_file.save("book.pdf", ContentFile(make_pdf(pages)), save=False)
        book.save()
        if groups:
            book.groups.set(groups)
        services.book_read_text(book_id=book.pk)
        book.refresh_from_db()
        return book

    return make
