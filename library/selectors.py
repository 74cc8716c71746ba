"""Reads for the books API: the published books, and which of them a profile may read, by the
access rule of the gatherings (``retreats.access``), asked once per book."""

from padmakara.errors import NotFound
from retreats.access import AccessProfile

from .models import Book


def _published():
    return Book.objects.filter(status=Book.Status.PUBLISHED).prefetch_related("groups")


def may_read(profile: AccessProfile, book: Book) -> bool:
    """The gatherings' rule for a book (its groups prefetched): ``gathering`` stands for the
    gathering whose attendance or grant opens it."""
    return profile.can_play(
        audience=book.audience_id or "",
        required_plan=book.required_plan,
        group_ids={group.pk for group in book.groups.all()},
        gathering_id=book.gathering_id or 0,
    )


def readable_books(profile: AccessProfile) -> tuple[list[Book], bool]:
    """The published books the profile may read, by title, and whether others are hidden
    from it (two queries, whatever the number of books)."""
    books = list(_published().order_by("title", "pk"))
    readable = [book for book in books if may_read(profile, book)]
    return readable, len(readable) < len(books)


def book_for(profile: AccessProfile, book_uuid) -> Book:
    """A published book the profile may read; any other answers 404, as the list hides it."""
    book = _published().filter(uuid=book_uuid).first()
    if book is None or not may_read(profile, book):
        raise NotFound()
    return book
