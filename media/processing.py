"""Processing tracks and transcripts: give an admin-saved file its stable key, queue the job,
probe and transcode audio, extract a PDF's text. The claims, retries and resends are the job
layer's (media/jobs.py); media/tasks.py runs these functions by id."""

import hashlib
import os
import tempfile

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from pypdf import PdfReader
from pypdf.errors import PdfReadError, PyPdfError

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


def _read_pdf(path: str) -> list[str]:
    with open(path, "rb") as fh:
        if fh.read(5) != b"%PDF-":
            raise audio.MediaError("This is not a PDF file.")
    try:
        reader = PdfReader(path)
        return [(page.extract_text() or "").strip() for page in reader.pages]
    except (PdfReadError, PyPdfError, ValueError, KeyError) as exc:
        raise audio.MediaError(f"The PDF could not be read ({exc}).") from exc


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
            pages = _read_pdf(path)
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
