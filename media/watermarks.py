"""Watermarked PDFs: the copy of a transcript (or a book) a listener downloads carries their name
and email in the footer of every page (docs/api.md "Watermarked PDFs").

A copy is made once per listener and version of the file (and of the text stamped), stored
under ``watermarks/`` and reused until ``MEDIA_WATERMARK_TTL_HOURS`` after it was last served;
:func:`watermarks_delete_expired` (a periodic task) deletes the rest. Requests that arrive
while a copy is being made wait for it instead of making it again (a lock in the cache); when
the cache is down, or the maker died, they make it themselves after a while. A file that
cannot be stamped (not a PDF, encrypted, damaged) raises :class:`CannotWatermark`: the
original is left as it was and is never served unmarked in its place.
"""

import datetime
import hashlib
import logging
import time

from django.conf import settings
from django.core.cache import cache
from django.db.models import Q
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from padmakara.errors import DomainError

from . import pdfstamp
from . import storage as media_storage
from .models import WatermarkedCopy

logger = logging.getLogger(__name__)

PREFIX = "watermarks"
_POLL_SECONDS = 0.2


class CannotWatermark(DomainError):
    """The PDF cannot be stamped (the API answers 409 ``file_unreadable``)."""

    code = "file_unreadable"


def stamp_text(user) -> str:
    """The footer line, in the listener's language."""
    with translation.override(getattr(user, "language", None) or "en"):
        if user.name:
            return _("Personal copy for %(name)s <%(email)s>. Please do not share.") % {
                "name": user.name,
                "email": user.email,
            }
        return _("Personal copy for %(email)s. Please do not share.") % {"email": user.email}


def _fingerprint(source_key: str, checksum: str, text: str) -> str:
    return hashlib.sha256("\x1f".join([source_key, checksum, text]).encode()).hexdigest()


def _lifetime() -> datetime.timedelta:
    return datetime.timedelta(hours=settings.MEDIA_WATERMARK_TTL_HOURS)


def _live(user, kind: str, source_uuid, fingerprint: str, now: datetime.datetime) -> WatermarkedCopy | None:
    """The stored copy, kept alive for at least one more signed URL's lifetime."""
    copy = WatermarkedCopy.objects.filter(
        user=user, kind=kind, source_uuid=source_uuid, fingerprint=fingerprint, expires_at__gt=now
    ).first()
    if copy is None:
        return None
    if copy.expires_at < now + _lifetime() - datetime.timedelta(hours=1):
        # Served again: it lives another TTL from now (at most one write an hour per copy).
        copy.expires_at = now + _lifetime()
        WatermarkedCopy.objects.filter(pk=copy.pk, expires_at__gt=now).update(expires_at=copy.expires_at)
    return copy


def watermarked_copy(*, user, kind: str, source_uuid, source_key: str, checksum: str = "") -> WatermarkedCopy:
    """The listener's stamped copy of the PDF at ``source_key``, made now if there is none."""
    text = stamp_text(user)
    fingerprint = _fingerprint(source_key, checksum, text)
    now = timezone.now()
    copy = _live(user, kind, source_uuid, fingerprint, now)
    if copy is not None:
        return copy
    lock = f"watermark:lock:{fingerprint}:{user.pk}"
    deadline = time.monotonic() + settings.MEDIA_WATERMARK_WAIT_SECONDS
    while not cache.add(lock, 1, timeout=settings.MEDIA_WATERMARK_WAIT_SECONDS):
        # Someone is making this copy: wait for it rather than make it twice.
        time.sleep(_POLL_SECONDS)
        copy = _live(user, kind, source_uuid, fingerprint, timezone.now())
        if copy is not None:
            return copy
        if time.monotonic() > deadline:
            break  # the cache is down or the maker died: make it here
    try:
        copy = _live(user, kind, source_uuid, fingerprint, timezone.now())
        return copy or _make(user, kind, source_uuid, source_key, fingerprint, text)
    finally:
        cache.delete(lock)


def _make(user, kind: str, source_uuid, source_key: str, fingerprint: str, text: str) -> WatermarkedCopy:
    key = f"{PREFIX}/{user.pk}/{kind}-{source_uuid.hex}-{fingerprint[:16]}.pdf"
    started = time.perf_counter()
    try:
        with (
            media_storage.local_copy(source_key, suffix=".pdf") as (path, _sha256, _size),
            open(path, "rb") as source,
            media_storage.writer(key) as out,
        ):
            pages = pdfstamp.stamp_footer(source, out, text)
            size = out.tell()
    except FileNotFoundError as exc:
        logger.error("watermark: the file of %s %s is missing: %s", kind, source_uuid, source_key)
        raise CannotWatermark(_("This file is missing. The team has been told; try again later.")) from exc
    except pdfstamp.StampError as exc:
        logger.warning("watermark: %s %s cannot be stamped: %s", kind, source_uuid, exc)
        raise CannotWatermark(
            _("This file cannot be prepared for download (%(reason)s). The team has been told; try again later.")
            % {"reason": exc}
        ) from exc
    logger.info("watermark: %s %s, %d pages in %.2f s", kind, source_uuid, pages, time.perf_counter() - started)
    copy = WatermarkedCopy(
        user=user,
        kind=kind,
        source_uuid=source_uuid,
        fingerprint=fingerprint,
        key=key,
        page_count=pages,
        size=size,
        expires_at=timezone.now() + _lifetime(),
    )
    # One statement, whether an expired row for this version is still there or not.
    WatermarkedCopy.objects.bulk_create(
        [copy],
        update_conflicts=True,
        unique_fields=["user", "kind", "source_uuid", "fingerprint"],
        update_fields=["key", "page_count", "size", "expires_at"],
    )
    return copy


def for_transcript(transcript, user) -> WatermarkedCopy:
    name = transcript.pdf_file.name or ""
    return watermarked_copy(
        user=user,
        kind=WatermarkedCopy.Kind.TRANSCRIPT,
        source_uuid=transcript.uuid,
        source_key=name,
        checksum=transcript.checksum,
    )


def transcript_for_reader(transcript, user) -> tuple[str, bool]:
    """The storage key of the transcript a reader gets and whether it is watermarked: a
    signed-in listener's own stamped copy, anyone else the file as uploaded."""
    if not wants_watermark(user):
        return transcript.pdf_file.name or "", False
    return for_transcript(transcript, user).key, True


def wants_watermark(user) -> bool:
    """Only a signed-in listener has a name to stamp; anonymous readers of free content get
    the file as it is."""
    return settings.MEDIA_WATERMARK_PDFS and user is not None and user.is_authenticated


def watermarks_delete_expired(*, now: datetime.datetime | None = None) -> int:
    """Delete expired copies and those whose listener deleted their account; how many."""
    now = now or timezone.now()
    count = 0
    stale = WatermarkedCopy.objects.filter(Q(expires_at__lte=now) | Q(user__isnull=True))
    for pk, key in stale.values_list("pk", "key"):
        # The row first, conditionally: a copy served again meanwhile is kept.
        deleted, _rows = (
            WatermarkedCopy.objects.filter(pk=pk).filter(Q(expires_at__lte=now) | Q(user__isnull=True)).delete()
        )
        if deleted:
            media_storage.default_storage.delete(key)
            count += 1
    return count
