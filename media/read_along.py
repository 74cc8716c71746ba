"""Read-along: a track's word-timed transcript (docs/api.md "Read-along").

A read-along is a JSON object of segments, each with its words and their times::

    {"segments": [{"start": 0.0, "end": 2.4, "words": [
        {"text": "Good", "start": 0.0, "end": 0.3, "confidence": 0.97}, …]}, …]}

It is validated against the track (:func:`parse`: times inside the track's duration, segments
and words in order and not overlapping, words not empty, confidence 0 to 1; the first fault is
named, "segment 12: starts at 61.2 s, before segment 11 ends (62.0 s)"), then stored in the
default storage as gzip-compressed canonical JSON, never in a database column. Its SHA-256
(of the canonical JSON) is the track's ``read_along_checksum``: the version the API's ETag is
made of, and the part of the storage key that changes with it, so a new version never
overwrites the one being served; the old object is deleted once the new one is committed.
"""

import contextlib
import gzip
import hashlib
import math
from dataclasses import dataclass

import orjson
from django.conf import settings
from django.core.cache import cache
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction
from django.template.defaultfilters import filesizeformat
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from padmakara import audit
from padmakara.errors import DomainError
from retreats.models import Track, TranscriptPage
from retreats.versioning import bump_catalogue_version

from . import aligners, jobs
from . import storage as media_storage

FORMAT_VERSION = 1
SOURCE_UPLOAD = "upload"


class ReadAlongInvalid(DomainError):
    """A read-along that cannot be accepted; the message names the first fault found."""

    code = "validation_error"


class ReadAlongTooLarge(ReadAlongInvalid):
    code = "request_too_large"


@dataclass(frozen=True)
class ReadAlong:
    """A validated read-along: its canonical JSON and what it holds."""

    body: bytes
    checksum: str
    segment_count: int
    word_count: int


def seconds(value: float) -> str:
    """A time for people: 61.2, 62.0, 61.25 (at most three decimals, at least one)."""
    text = f"{value:.3f}".rstrip("0")
    return text + "0" if text.endswith(".") else text


def _time(value) -> float | None:
    """A finite number of seconds, or None (booleans are not numbers here)."""
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        return None
    return float(value)


def _confidence(value, where: str, details: dict) -> float | None:
    if value is None:
        return None
    number = _time(value)
    if number is None or not 0 <= number <= 1:
        raise ReadAlongInvalid(
            _("%(where)s: confidence must be a number from 0 to 1 (it is %(value)s).")
            % {"where": where, "value": orjson.dumps(value).decode()[:40]},
            details=details,
        )
    return number


def max_bytes() -> int:
    return settings.READ_ALONG_MAX_BYTES


def check_size(size: int) -> None:
    """Refuse a read-along over ``READ_ALONG_MAX_BYTES`` before reading it."""
    if size > max_bytes():
        raise ReadAlongTooLarge(
            _("The read-along is too large (%(size)s); at most %(limit)s.")
            % {"size": filesizeformat(size), "limit": filesizeformat(max_bytes())},
            details={"maxBytes": max_bytes()},
        )


def parse(raw: bytes, *, duration: float) -> ReadAlong:
    """Validate ``raw`` (JSON bytes) for a track of ``duration`` seconds; raise
    :class:`ReadAlongInvalid` naming the first fault."""
    check_size(len(raw))
    if duration <= 0:
        raise ReadAlongInvalid(
            _("The track's duration is not known yet: add the read-along once its audio is processed.")
        )
    try:
        data = orjson.loads(raw)
    except orjson.JSONDecodeError as exc:
        raise ReadAlongInvalid(
            _("The read-along is not JSON (line %(line)d, column %(column)d: %(reason)s).")
            % {"line": exc.lineno, "column": exc.colno, "reason": exc.msg}
        ) from None
    segments = data.get("segments") if isinstance(data, dict) else None
    if not isinstance(segments, list):
        raise ReadAlongInvalid(_("The read-along must be a JSON object with a list of segments."))
    if not segments:
        raise ReadAlongInvalid(_("The read-along has no segments."))
    end_limit = duration + settings.READ_ALONG_END_TOLERANCE_SECONDS
    clean_segments = []
    previous_end = None
    word_count = 0
    for n, segment in enumerate(segments, start=1):
        where = _("segment %(n)d") % {"n": n}
        details = {"segment": n}
        if not isinstance(segment, dict):
            raise ReadAlongInvalid(
                _("%(where)s: must be an object with start, end and words.") % {"where": where}, details=details
            )
        start, end = _time(segment.get("start")), _time(segment.get("end"))
        if start is None or end is None:
            raise ReadAlongInvalid(
                _("%(where)s: start and end must be numbers of seconds.") % {"where": where}, details=details
            )
        if start < 0:
            raise ReadAlongInvalid(
                _("%(where)s: starts at %(start)s s, before the track begins.")
                % {"where": where, "start": seconds(start)},
                details=details,
            )
        if end <= start:
            raise ReadAlongInvalid(
                _("%(where)s: ends at %(end)s s, not after it starts (%(start)s s).")
                % {"where": where, "end": seconds(end), "start": seconds(start)},
                details=details,
            )
        if end > end_limit:
            raise ReadAlongInvalid(
                _("%(where)s: ends at %(end)s s, after the track ends (%(duration)s s).")
                % {"where": where, "end": seconds(end), "duration": seconds(duration)},
                details=details,
            )
        if previous_end is not None and start < previous_end:
            raise ReadAlongInvalid(
                _("%(where)s: starts at %(start)s s, before segment %(previous)d ends (%(previous_end)s s).")
                % {"where": where, "start": seconds(start), "previous": n - 1, "previous_end": seconds(previous_end)},
                details=details,
            )
        words = segment.get("words")
        if not isinstance(words, list) or not words:
            raise ReadAlongInvalid(_("%(where)s: has no words.") % {"where": where}, details=details)
        clean_words = _words(words, n=n, start=start, end=end)
        word_count += len(clean_words)
        clean = {"start": start, "end": end, "words": clean_words}
        confidence = _confidence(segment.get("confidence"), where, details)
        if confidence is not None:
            clean["confidence"] = confidence
        clean_segments.append(clean)
        previous_end = end
    document = {"version": FORMAT_VERSION, "segments": clean_segments}
    if isinstance(data.get("language"), str) and data["language"]:
        document["language"] = data["language"][:8]
    if data.get("approximate") is True:
        document["approximate"] = True
    body = orjson.dumps(document)
    return ReadAlong(
        body=body,
        checksum=hashlib.sha256(body).hexdigest(),
        segment_count=len(clean_segments),
        word_count=word_count,
    )


def _words(words: list, *, n: int, start: float, end: float) -> list[dict]:
    clean_words = []
    previous_end = None
    for w, word in enumerate(words, start=1):
        where = _("segment %(n)d, word %(w)d") % {"n": n, "w": w}
        details = {"segment": n, "word": w}
        text = word.get("text") if isinstance(word, dict) else None
        if not isinstance(text, str) or not text.strip():
            raise ReadAlongInvalid(_("%(where)s: the word is empty.") % {"where": where}, details=details)
        word_start, word_end = _time(word.get("start")), _time(word.get("end"))
        if word_start is None or word_end is None:
            raise ReadAlongInvalid(
                _("%(where)s: start and end must be numbers of seconds.") % {"where": where}, details=details
            )
        if word_end < word_start:
            raise ReadAlongInvalid(
                _("%(where)s: ends at %(end)s s, before it starts (%(start)s s).")
                % {"where": where, "end": seconds(word_end), "start": seconds(word_start)},
                details=details,
            )
        if word_start < start or word_end > end:
            raise ReadAlongInvalid(
                _("%(where)s: %(start)s–%(end)s s lies outside its segment (%(segment_start)s–%(segment_end)s s).")
                % {
                    "where": where,
                    "start": seconds(word_start),
                    "end": seconds(word_end),
                    "segment_start": seconds(start),
                    "segment_end": seconds(end),
                },
                details=details,
            )
        if previous_end is not None and word_start < previous_end:
            raise ReadAlongInvalid(
                _("%(where)s: starts at %(start)s s, before word %(previous)d ends (%(previous_end)s s).")
                % {
                    "where": where,
                    "start": seconds(word_start),
                    "previous": w - 1,
                    "previous_end": seconds(previous_end),
                },
                details=details,
            )
        clean = {"text": text.strip(), "start": word_start, "end": word_end}
        confidence = _confidence(word.get("confidence"), where, details)
        if confidence is not None:
            clean["confidence"] = confidence
        clean_words.append(clean)
        previous_end = word_end
    return clean_words


# --- Storage ---------------------------------------------------------------------------


def read_along_key(track: Track, checksum: str) -> str:
    return f"{media_storage.track_stem(track)}.read-along-{checksum[:16]}.json.gz"


def _cache_key(checksum: str) -> str:
    return f"read-along:gz:{checksum}"


@transaction.atomic
def read_along_attach(*, track: Track, document: ReadAlong, source: str = SOURCE_UPLOAD, user=None) -> Track:
    """Store ``document`` as the track's read-along (replacing any), and record its version."""
    track = Track.objects.select_for_update().select_related("session__retreat").get(pk=track.pk)
    previous_key, previous_checksum = track.read_along_file.name or "", track.read_along_checksum
    key = read_along_key(track, document.checksum)
    if key != previous_key:
        # mtime 0: the same document always compresses to the same bytes.
        media_storage.put_file(key, ContentFile(gzip.compress(document.body, mtime=0)))
    Track.objects.filter(pk=track.pk).update(
        read_along_file=key, read_along_checksum=document.checksum, read_along_source=source, updated_at=timezone.now()
    )
    if previous_key and previous_key != key:
        transaction.on_commit(lambda: _delete_quietly(previous_key))
    transaction.on_commit(bump_catalogue_version)  # hasReadAlong is in the catalogue's bodies
    audit.audit(
        user=user,
        obj=track,
        message=gettext_noop("Read-along added"),
        changes={"read_along_checksum": (previous_checksum, document.checksum)},
    )
    track.read_along_file.name, track.read_along_checksum, track.read_along_source = key, document.checksum, source
    return track


@transaction.atomic
def read_along_remove(*, track: Track, user=None) -> bool:
    """Remove the track's read-along; False when it had none."""
    track = Track.objects.select_for_update().get(pk=track.pk)
    key, checksum = track.read_along_file.name or "", track.read_along_checksum
    if not checksum:
        return False
    Track.objects.filter(pk=track.pk).update(
        read_along_file="", read_along_checksum="", read_along_source="", updated_at=timezone.now()
    )
    transaction.on_commit(lambda: _delete_quietly(key))
    transaction.on_commit(bump_catalogue_version)
    audit.audit(
        user=user,
        obj=track,
        message=gettext_noop("Read-along removed"),
        changes={"read_along_checksum": (checksum, "")},
    )
    return True


def _delete_quietly(key: str) -> None:
    # An orphaned object costs a few bytes; the row no longer points at it.
    with contextlib.suppress(Exception):
        default_storage.delete(key)


def read_along_compressed(track: Track) -> bytes:
    """The gzip-compressed JSON of the track's read-along, from the cache or storage."""
    key = _cache_key(track.read_along_checksum)
    data = cache.get(key)
    if data is None:
        limit = max_bytes() + 1
        with default_storage.open(track.read_along_file.name or "", "rb") as fh:
            data = fh.read(limit)  # compressed: far smaller than the limit of the JSON itself
        if settings.READ_ALONG_CACHE_SECONDS:
            cache.set(key, data, timeout=settings.READ_ALONG_CACHE_SECONDS)
    return data


# --- Aligning ----------------------------------------------------------------------------


def read_along_queue(*, track: Track) -> None:
    """Ask the configured aligner for the track's read-along, in a worker after commit."""
    jobs.READ_ALONG.queue(track.pk)


def transcript_text(track: Track) -> str:
    """The text of the track's transcript in its own language (else any), page after page."""
    pages = TranscriptPage.objects.filter(transcript__track=track).order_by("transcript__language", "number")
    by_language: dict[str, list[str]] = {}
    for language, text in pages.values_list("transcript__language", "text"):
        by_language.setdefault(language, []).append(text)
    chosen = by_language.get(track.language) or next(iter(by_language.values()), [])
    return "\n\n".join(chosen)


def read_along_align(
    *, track_id: int, claim_id: str | None = None, aligner_path: str | None = None, text: str | None = None
) -> bool:
    """Run the aligner for a waiting track and store what it makes (as an upload would be).
    ``text`` replaces the transcript's text. False when the track was not waiting (a replayed
    job) or the alignment failed; the failure is on the row."""
    job = jobs.READ_ALONG
    if not job.claim(track_id, claim_id):
        return False
    track = Track.objects.filter(pk=track_id).first()
    if track is None:
        return False
    try:
        aligner = aligners.get_aligner(aligner_path)
        source_text = transcript_text(track) if text is None else text
        if aligner.needs_audio:
            with media_storage.local_copy(track.audio_file.name or "") as (path, _digest, _size):
                made = aligner.align(aligners.AlignmentInput(path, source_text, track.duration, track.language))
        else:
            made = aligner.align(aligners.AlignmentInput(None, source_text, track.duration, track.language))
        document = parse(orjson.dumps(made), duration=track.duration)
    except (aligners.AlignmentError, ReadAlongInvalid) as exc:
        job.fail(track_id, str(exc))
        return False
    except Exception:
        job.release(track_id)  # transient (storage): the task retries
        raise
    read_along_attach(track=track, document=document, source=aligner.name)
    Track.objects.filter(pk=track_id, read_along_status=job.running).update(
        read_along_status=Track.ReadAlongStatus.DONE, read_along_error="", updated_at=timezone.now()
    )
    return True
