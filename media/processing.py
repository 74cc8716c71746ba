"""Processing tracks and transcripts: give an admin-saved file its stable key, queue the job,
probe and transcode audio, extract a PDF's text. The claims, retries and resends are the job
layer's (media/jobs.py); media/tasks.py runs these functions by id."""

import hashlib
import os
import re
import tempfile
import time
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from pypdf import PageObject, PdfReader, apply_configuration
from pypdf.errors import LimitReachedError, PdfReadError, PyPdfError
from pypdf.generic import ArrayObject, DictionaryObject, IndirectObject, NameObject, StreamObject

from retreats.models import Track, Transcript, TranscriptPage
from retreats.versioning import bump_catalogue_version

from . import audio, jobs
from . import storage as media_storage
from .signals import transcript_text_ready

# --- Tracks -------------------------------------------------------------------------------


def track_adopt_file(*, track: Track) -> None:
    """Give a file saved through a plain admin form its stable key (never the uploader's name)."""
    name = track.audio_file.name or ""
    key = media_storage.track_audio_key(track, name)
    if name and name != key:
        key = media_storage.move(name, key)  # another name if the key is taken: never replaces
        track.audio_file.name = key
        Track.objects.filter(pk=track.pk).update(audio_file=key)


def transcript_adopt_file(*, transcript: Transcript) -> None:
    name = transcript.pdf_file.name
    key = media_storage.transcript_key(transcript)
    if name and name != key:
        key = media_storage.move(name, key)
        transcript.pdf_file.name = key
        Transcript.objects.filter(pk=transcript.pk).update(pdf_file=key)


def track_queue_processing(*, track: Track) -> None:
    """Mark the track for processing and send the job once the transaction commits."""
    jobs.TRACK.queue(track.pk)
    track.processing_status, track.processing_error = Track.ProcessingStatus.PENDING, ""


def track_process(*, track_id: int, claim_id: str | None = None) -> bool:
    """Probe the track's audio (duration, codec, bitrate, size, sha256) and transcode its
    renditions. Returns False when there was nothing to do (claimed elsewhere, or done)."""
    done = _track_process(track_id=track_id, claim_id=claim_id)
    if done:
        # Processing writes with update(), which sends no signal: the content API's ETags and
        # cached bodies (duration, size) must still change.
        transaction.on_commit(bump_catalogue_version)
    return done


def _fail_or_retry(job: jobs.RowJob, object_id: int, error: Exception) -> None:
    """Settle a job stopped by ``error``: a file that cannot be read (MediaError) or is missing
    from storage fails the row for good; other storage or network trouble gives the claim back
    and raises again, for the task to retry."""
    if isinstance(error, audio.MediaError):
        job.fail(object_id, str(error))
    elif jobs.missing(error):
        job.fail(object_id, jobs.MISSING_FILE)
    else:
        job.release(object_id)
        raise error


def _track_process(*, track_id: int, claim_id: str | None = None) -> bool:
    if not jobs.TRACK.claim(track_id, claim_id):
        return False
    track = Track.objects.select_related("session__retreat").get(pk=track_id)
    if not track.audio_file:
        jobs.TRACK.fail(track_id, "The track has no audio file.")
        return True
    key = track.audio_file.name or ""
    try:
        with media_storage.local_copy(key) as (path, checksum, size):
            duplicate = (
                Track.objects.filter(session_id=track.session_id, checksum=checksum).exclude(pk=track_id).first()
            )
            if duplicate is not None:
                _discard_duplicate(track, duplicate)
                return True
            info = audio.probe(path)
            renditions = {
                "source": {
                    "codec": info.codec,
                    "bitrate": info.bitrate,
                    "channels": info.channels,
                    "sampleRate": info.sample_rate,
                    "format": info.format_name,
                },
            }
            for quality, kbps in settings.MEDIA_RENDITIONS.items():
                renditions[quality] = _make_rendition(track, path, quality=quality, kbps=kbps)
    except (audio.MediaError, *jobs.TRANSIENT_ERRORS) as exc:
        _fail_or_retry(jobs.TRACK, track_id, exc)
        return True
    Track.objects.filter(pk=track_id, processing_status=Track.ProcessingStatus.PROCESSING).update(
        duration=info.duration,
        file_size=size,
        checksum=checksum,
        renditions=renditions,
        processing_status=Track.ProcessingStatus.READY,
        processing_error="",
        updated_at=timezone.now(),
    )
    return True


def _make_rendition(track: Track, source_path: str, *, quality: str, kbps: int) -> dict:
    fd, target = tempfile.mkstemp(suffix=".m4a", prefix="padmakara-")
    os.close(fd)
    try:
        audio.transcode_aac(
            source_path, target, kbps=kbps, mono=quality == "low", timeout=settings.MEDIA_TASK_TIME_LIMIT
        )
        digest = hashlib.sha256()
        with open(target, "rb") as fh:
            while chunk := fh.read(media_storage.CHUNK):
                digest.update(chunk)
            fh.seek(0)
            key = media_storage.put_file(media_storage.rendition_key(track, quality), fh)
        return {
            "key": key,
            "size": os.path.getsize(target),
            "sha256": digest.hexdigest(),
            "bitrate": kbps * 1000,
            "contentType": "audio/mp4",
        }
    finally:
        os.unlink(target)


def _discard_duplicate(track: Track, duplicate: Track) -> None:
    """Same bytes already in this session: flag it and keep one copy only."""
    key = track.audio_file.name
    if key and key != duplicate.audio_file.name:
        media_storage.default_storage.delete(key)
    Track.objects.filter(pk=track.pk).update(
        audio_file="",
        processing_status=Track.ProcessingStatus.FAILED,
        processing_error=f"Duplicate: the same file as track {duplicate} in this session; it was not stored twice.",
        updated_at=timezone.now(),
    )


# --- Transcripts ----------------------------------------------------------------------------


def transcript_queue_processing(*, transcript: Transcript) -> None:
    """Mark the transcript for processing and send the job once the transaction commits."""
    jobs.TRANSCRIPT.queue(transcript.pk)
    transcript.status, transcript.processing_error = Transcript.Status.PENDING, ""


def _transcript_done(transcript_id: int, *, status: str, message: str = "", **fields) -> None:
    Transcript.objects.filter(pk=transcript_id).update(
        status=status, processing_error=message, updated_at=timezone.now(), **fields
    )


@dataclass
class PdfText:
    """A PDF's text, page by page. ``parsed``: how many pages' content was parsed; pages that
    share theirs (one page object listed again, or one stream drawn by many pages) parse it once."""

    pages: list[str]
    parsed: int


def _content_streams(page: PageObject) -> list:
    """The page's /Contents as a list of (raw entry, stream) pairs, unparsed."""
    raw = page.raw_get("/Contents") if "/Contents" in page else None
    if raw is None:
        return []
    resolved = raw.get_object()
    if isinstance(resolved, ArrayObject):
        return [(item, item.get_object()) for item in resolved]
    return [(raw, resolved)]


def _text_key(page: PageObject, streams: list) -> tuple | None:
    """What a page's text depends on: its content streams and its resources. Only streams
    that are objects of their own can be shared, so only they make a key."""
    if not streams or not all(isinstance(raw, IndirectObject) for raw, _ in streams):
        return None
    contents = tuple((raw.idnum, raw.generation) for raw, _ in streams)
    resources = page.raw_get("/Resources") if "/Resources" in page else None
    if isinstance(resources, IndirectObject):
        return contents, (resources.idnum, resources.generation)
    return contents, repr(resources)


# A content stream drawing a named XObject: ``/Name Do``.
_DRAW = re.compile(rb"/([^\s/\[\]<>(){}%]+)\s*Do(?![^\s/\[\]<>(){}%])")


def _xobjects(resources) -> dict:
    resources = resources.get_object() if resources is not None else None
    xobjects = resources.get("/XObject") if isinstance(resources, DictionaryObject) else None
    xobjects = xobjects.get_object() if xobjects is not None else None
    return xobjects if isinstance(xobjects, DictionaryObject) else {}


def _content_work(data: bytes, xobjects: dict, limit: int, seen: dict, depth: int = 0) -> int:
    """Bytes text extraction parses for this content: its own, plus each form XObject it
    draws, once per drawing (pypdf parses a form again at every ``Do``), recursively. Counting
    stops past ``limit``; a form's cost is worked out once (``seen``)."""
    total = len(data)
    if depth > 10:
        return total
    for raw_name in _DRAW.findall(data):
        if total > limit:
            break
        name = "/" + NameObject.unnumber(raw_name).decode("utf-8", "replace")
        form = xobjects.get(name)
        form = form.get_object() if form is not None else None
        if not isinstance(form, StreamObject) or form.get("/Subtype") != "/Form":
            continue
        if id(form) not in seen:
            seen[id(form)] = limit + 1  # a form that draws itself costs too much
            inner = _xobjects(form.get("/Resources")) or xobjects
            seen[id(form)] = _content_work(form.get_data(), inner, limit, seen, depth + 1)
        total += seen[id(form)]
    return total


def _too_big(message: str) -> audio.MediaError:
    return audio.MediaError(
        f"{message} Its text was not indexed; if the PDF is genuine, raise the limit and process it again."
    )


def _read_pdf(path: str) -> PdfText:
    """The text of each page, within the limits of MEDIA_PDF_*: past one, a MediaError saying
    which, and the transcript is marked failed (nothing of it indexed). The page tree is not
    walked far past the page limit; a page whose content, with the forms it draws, passes the
    size limit is not parsed; pages that share a content stream reuse its text; the time limit
    is checked between pages."""
    with open(path, "rb") as fh:
        if fh.read(5) != b"%PDF-":
            raise audio.MediaError("This is not a PDF file.")
    max_pages = settings.MEDIA_PDF_MAX_PAGES
    max_page_chars = settings.MEDIA_PDF_MAX_PAGE_CHARS
    max_total_chars = settings.MEDIA_PDF_MAX_TOTAL_CHARS
    max_content = settings.MEDIA_PDF_MAX_PAGE_CONTENT_BYTES
    max_seconds = settings.MEDIA_PDF_MAX_SECONDS
    too_many_pages = f"The PDF has more than {max_pages} pages, the most that are read (MEDIA_PDF_MAX_PAGES)."
    started = time.monotonic()
    texts: list[str] = []
    known: dict[tuple, str] = {}
    total = parsed = 0
    try:
        # A page tree of N leaves has fewer than 2N entries: walking stops well short of a tree
        # that repeats its kids to make millions of pages from a few bytes.
        with apply_configuration(page_tree_maximum_entries=2 * max_pages + 100):
            reader = PdfReader(path)
            try:
                count = len(reader.pages)
            except LimitReachedError as exc:
                raise _too_big(too_many_pages) from exc
            if count > max_pages:
                raise _too_big(too_many_pages)
            for number, page in enumerate(reader.pages, start=1):
                if time.monotonic() - started >= max_seconds:
                    raise _too_big(
                        f"Reading its text took more than {max_seconds} s (MEDIA_PDF_MAX_SECONDS); "
                        f"stopped at page {number} of {count}."
                    )
                streams = _content_streams(page)
                key = _text_key(page, streams)
                if key is not None and key in known:
                    text = known[key]
                else:
                    data = b"\n".join(stream.get_data() for _, stream in streams if isinstance(stream, StreamObject))
                    xobjects = _xobjects(page.raw_get("/Resources") if "/Resources" in page else None)
                    size = _content_work(data, xobjects, max_content, {})
                    if size > max_content:
                        raise _too_big(
                            f"Page {number}'s content, with the forms it draws, is more than {max_content} bytes, "
                            "the most that are read (MEDIA_PDF_MAX_PAGE_CONTENT_BYTES)."
                        )
                    text = (page.extract_text() or "").strip()
                    parsed += 1
                    if key is not None:
                        known[key] = text
                if len(text) > max_page_chars:
                    raise _too_big(
                        f"Page {number} has {len(text)} characters of text, more than the {max_page_chars} "
                        "that are kept (MEDIA_PDF_MAX_PAGE_CHARS)."
                    )
                total += len(text)
                if total > max_total_chars:
                    raise _too_big(
                        f"Its text passes {max_total_chars} characters (MEDIA_PDF_MAX_TOTAL_CHARS) at page {number}."
                    )
                texts.append(text)
    except (PdfReadError, PyPdfError, ValueError, KeyError) as exc:
        raise audio.MediaError(f"The PDF could not be read ({exc}).") from exc
    return PdfText(pages=texts, parsed=parsed)


def read_pdf_text(path: str) -> PdfText:
    """The text of each page of the PDF at ``path``, within the limits of MEDIA_PDF_* (a
    MediaError past one): what transcripts are indexed from, for other PDFs (books) too."""
    return _read_pdf(path)


def transcript_process(*, transcript_id: int, claim_id: str | None = None) -> bool:
    """Count the PDF's pages and keep the text of each (TranscriptPage) for search.

    Nothing the content API serves changes here (``hasTranscript`` follows the row); the
    search indexing that follows bumps the catalogue version when the text changed."""
    if not jobs.TRANSCRIPT.claim(transcript_id, claim_id):
        return False
    transcript = Transcript.objects.get(pk=transcript_id)
    if not transcript.pdf_file:
        jobs.TRANSCRIPT.fail(transcript_id, "The transcript has no PDF file.")
        return True
    try:
        with media_storage.local_copy(transcript.pdf_file.name or "", suffix=".pdf") as (path, checksum, size):
            pages = _read_pdf(path).pages
    except (audio.MediaError, *jobs.TRANSIENT_ERRORS) as exc:
        _fail_or_retry(jobs.TRANSCRIPT, transcript_id, exc)
        return True
    with transaction.atomic():
        TranscriptPage.objects.filter(transcript_id=transcript_id).delete()
        TranscriptPage.objects.bulk_create(
            TranscriptPage(transcript_id=transcript_id, number=number, text=text)
            for number, text in enumerate(pages, start=1)
        )
        if any(pages):
            _transcript_done(
                transcript_id, status=Transcript.Status.READY, page_count=len(pages), file_size=size, checksum=checksum
            )
        else:
            _transcript_done(
                transcript_id,
                status=Transcript.Status.NO_TEXT,
                message="The PDF has no text layer (a scan?): it can be read in the app but search will not find it.",
                page_count=len(pages),
                file_size=size,
                checksum=checksum,
            )
        transaction.on_commit(lambda: transcript_text_ready.send(sender=Transcript, transcript_id=transcript_id))
    return True
