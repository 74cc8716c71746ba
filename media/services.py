"""Media state changes: processing tracks and transcripts, offline bundles.

Each long job claims its row with a conditional ``update()`` (0 rows → someone else has it,
or it is done), records the outcome on the row, and raises only transient errors so the task
retries. Tasks (media/tasks.py) are thin wrappers that take ids.
"""

import datetime
import hashlib
import json
import logging
import os
import tempfile
import time
import zipfile

from botocore.exceptions import BotoCoreError, ClientError
from django.conf import settings
from django.core.cache import cache
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from pypdf import PdfReader
from pypdf.errors import PdfReadError, PyPdfError

from padmakara import mail
from retreats.access import AccessProfile, published_q
from retreats.models import Track, Transcript, TranscriptPage
from retreats.versioning import bump_catalogue_version

from . import audio, selectors
from . import storage as media_storage
from .models import DownloadBundle
from .signals import transcript_text_ready

logger = logging.getLogger(__name__)

# Storage and network trouble: worth a retry with backoff. File problems are MediaError.
TRANSIENT_ERRORS = (OSError, BotoCoreError, ClientError)
LIVE_BUNDLE = [DownloadBundle.Status.PREPARING, DownloadBundle.Status.BUILDING, DownloadBundle.Status.READY]


def _missing(exc: Exception) -> bool:
    """A file that is not in storage will not appear by retrying."""
    if isinstance(exc, FileNotFoundError):
        return True
    if isinstance(exc, ClientError):
        return exc.response.get("Error", {}).get("Code") in {"404", "NoSuchKey", "NotFound"}
    return False


MISSING_FILE = "The file is missing from storage; upload it again."


def _stale_before() -> datetime.datetime:
    """A claim older than the task's hard time limit belongs to a worker that died."""
    return timezone.now() - datetime.timedelta(seconds=settings.MEDIA_TASK_TIME_LIMIT + 60)


# --- Tracks -------------------------------------------------------------------------------


def track_adopt_file(*, track: Track) -> None:
    """Give a file saved through a plain admin form its stable key (never the uploader's name)."""
    name = track.audio_file.name
    key = media_storage.track_audio_key(track, name)
    if name and name != key:
        media_storage.move(name, key)
        track.audio_file.name = key
        Track.objects.filter(pk=track.pk).update(audio_file=key)


def transcript_adopt_file(*, transcript: Transcript) -> None:
    name = transcript.pdf_file.name
    key = media_storage.transcript_key(transcript)
    if name and name != key:
        media_storage.move(name, key)
        transcript.pdf_file.name = key
        Transcript.objects.filter(pk=transcript.pk).update(pdf_file=key)


def track_queue_processing(*, track: Track) -> None:
    """Mark the track for processing and send the job once the transaction commits."""
    from .tasks import process_track

    Track.objects.filter(pk=track.pk).update(
        processing_status=Track.ProcessingStatus.PENDING, processing_error="", updated_at=timezone.now()
    )
    track.processing_status, track.processing_error = Track.ProcessingStatus.PENDING, ""
    track_id = track.pk
    transaction.on_commit(lambda: send_job(process_track, track_id))


def send_job(task, object_id: int) -> bool:
    """Send a job for a row already saved as waiting. With the broker unreachable the request
    still succeeds: the row stays waiting and :func:`requeue_waiting` sends it again once the
    broker is back (the claims make a second delivery harmless)."""
    try:
        task.delay(object_id)
        return True
    except Exception as exc:  # kombu's OperationalError and whatever the transport raises
        logger.warning("broker unreachable, %s(%s) left waiting for requeue: %s", task.name, object_id, exc)
        return False


def requeue_waiting(*, older_than: datetime.timedelta | None = None) -> int:
    """Send again the jobs of rows still waiting after ``older_than`` (the broker was down
    when they were sent, or their message was lost). Returns how many were sent."""
    from .tasks import build_bundle, process_track, process_transcript

    if older_than is None:
        older_than = datetime.timedelta(seconds=settings.MEDIA_REQUEUE_AFTER_SECONDS)
    before = timezone.now() - older_than
    waiting = [
        # Rows without a file are waiting for an upload, not for a job.
        (
            process_track,
            Track.objects.filter(processing_status=Track.ProcessingStatus.PENDING, updated_at__lt=before).exclude(
                audio_file=""
            ),
        ),
        (
            process_transcript,
            Transcript.objects.filter(status=Transcript.Status.PENDING, updated_at__lt=before).exclude(pdf_file=""),
        ),
        (build_bundle, DownloadBundle.objects.filter(status=DownloadBundle.Status.PREPARING, updated_at__lt=before)),
    ]
    return sum(send_job(task, pk) for task, rows in waiting for pk in rows.values_list("pk", flat=True))


def _claim_key(kind: str, object_id: int) -> str:
    return f"media:claim:{kind}:{object_id}"


def _own_abandoned_claim(kind: str, object_id: int, claim_id: str | None) -> bool:
    """True when this job's own earlier delivery claimed the row and died (its worker was
    killed: acks_late + reject_on_worker_lost redeliver the same task id at once). Without
    this, the redelivery would find the row PROCESSING, not yet stale, and give up, leaving it
    PROCESSING for the whole stale window (the task's time limit) with no job left to run."""
    return bool(claim_id) and cache.get(_claim_key(kind, object_id)) == claim_id


def _remember_claim(kind: str, object_id: int, claim_id: str | None) -> None:
    if claim_id:
        cache.set(_claim_key(kind, object_id), claim_id, timeout=settings.MEDIA_TASK_TIME_LIMIT + 120)


def _claim_track(track_id: int, claim_id: str | None = None) -> bool:
    pending = Q(processing_status=Track.ProcessingStatus.PENDING)
    abandoned = Q(processing_status=Track.ProcessingStatus.PROCESSING, updated_at__lt=_stale_before())
    if _own_abandoned_claim("track", track_id, claim_id):
        abandoned = Q(processing_status=Track.ProcessingStatus.PROCESSING)
    claimed = bool(
        Track.objects.filter(pending | abandoned, pk=track_id).update(
            processing_status=Track.ProcessingStatus.PROCESSING, processing_error="", updated_at=timezone.now()
        )
    )
    if claimed:
        _remember_claim("track", track_id, claim_id)
    return claimed


def _track_failed(track_id: int, message: str) -> None:
    Track.objects.filter(pk=track_id).update(
        processing_status=Track.ProcessingStatus.FAILED, processing_error=message, updated_at=timezone.now()
    )


def _release_track(track_id: int) -> None:
    """Give the claim back so the retry of a transient failure can take it."""
    Track.objects.filter(pk=track_id, processing_status=Track.ProcessingStatus.PROCESSING).update(
        processing_status=Track.ProcessingStatus.PENDING, updated_at=timezone.now()
    )


def track_process(*, track_id: int, claim_id: str | None = None) -> bool:
    """Probe the track's audio (duration, codec, bitrate, size, sha256) and transcode its
    renditions. Returns False when there was nothing to do (claimed elsewhere, or done)."""
    done = _track_process(track_id=track_id, claim_id=claim_id)
    if done:
        # Processing writes with update(), which sends no signal: the content API's ETags and
        # cached bodies (duration, size) must still change.
        transaction.on_commit(bump_catalogue_version)
    return done


def _track_process(*, track_id: int, claim_id: str | None = None) -> bool:
    if not _claim_track(track_id, claim_id):
        return False
    track = Track.objects.select_related("session__retreat").get(pk=track_id)
    if not track.audio_file:
        _track_failed(track_id, "The track has no audio file.")
        return True
    key = track.audio_file.name
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
    except audio.MediaError as exc:
        _track_failed(track_id, str(exc))
        return True
    except TRANSIENT_ERRORS as exc:
        if _missing(exc):
            _track_failed(track_id, MISSING_FILE)
            return True
        _release_track(track_id)
        raise
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
    from .tasks import process_transcript

    Transcript.objects.filter(pk=transcript.pk).update(
        status=Transcript.Status.PENDING, processing_error="", updated_at=timezone.now()
    )
    transcript.status, transcript.processing_error = Transcript.Status.PENDING, ""
    transcript_id = transcript.pk
    transaction.on_commit(lambda: send_job(process_transcript, transcript_id))


def _claim_transcript(transcript_id: int) -> bool:
    pending = Q(status=Transcript.Status.PENDING)
    abandoned = Q(status=Transcript.Status.PROCESSING, updated_at__lt=_stale_before())
    return bool(
        Transcript.objects.filter(pending | abandoned, pk=transcript_id).update(
            status=Transcript.Status.PROCESSING, processing_error="", updated_at=timezone.now()
        )
    )


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


def transcript_process(*, transcript_id: int) -> bool:
    """Count the PDF's pages and keep the text of each (TranscriptPage) for search.

    Nothing the content API serves changes here (``hasTranscript`` follows the row); the
    search indexing that follows bumps the catalogue version when the text changed."""
    if not _claim_transcript(transcript_id):
        return False
    transcript = Transcript.objects.get(pk=transcript_id)
    if not transcript.pdf_file:
        _transcript_done(transcript_id, status=Transcript.Status.FAILED, message="The transcript has no PDF file.")
        return True
    try:
        with media_storage.local_copy(transcript.pdf_file.name, suffix=".pdf") as (path, _checksum, size):
            pages = _read_pdf(path)
    except audio.MediaError as exc:
        _transcript_done(transcript_id, status=Transcript.Status.FAILED, message=str(exc))
        return True
    except TRANSIENT_ERRORS as exc:
        if _missing(exc):
            _transcript_done(transcript_id, status=Transcript.Status.FAILED, message=MISSING_FILE)
            return True
        Transcript.objects.filter(pk=transcript_id, status=Transcript.Status.PROCESSING).update(
            status=Transcript.Status.PENDING
        )
        raise
    with transaction.atomic():
        TranscriptPage.objects.filter(transcript_id=transcript_id).delete()
        TranscriptPage.objects.bulk_create(
            TranscriptPage(transcript_id=transcript_id, number=number, text=text)
            for number, text in enumerate(pages, start=1)
        )
        if any(pages):
            _transcript_done(transcript_id, status=Transcript.Status.READY, page_count=len(pages), file_size=size)
        else:
            _transcript_done(
                transcript_id,
                status=Transcript.Status.NO_TEXT,
                message="The PDF has no text layer (a scan?): it can be read in the app but search will not find it.",
                page_count=len(pages),
                file_size=size,
            )
        transaction.on_commit(lambda: transcript_text_ready.send(sender=Transcript, transcript_id=transcript_id))
    return True


# --- Offline bundles --------------------------------------------------------------------------


def bundle_max_tracks() -> int:
    return settings.MEDIA_BUNDLE_MAX_TRACKS


def bundle_request_key(*, track_uuids, quality: str, include_transcripts: bool) -> str:
    payload = json.dumps([sorted(str(u) for u in track_uuids), quality, bool(include_transcripts)])
    return hashlib.sha256(payload.encode()).hexdigest()


def _bundle_tracks(profile: AccessProfile, track_uuids) -> list[Track]:
    """Published tracks by uuid in the asked order; unknown → 404, not playable → 403 locked."""
    tracks = {
        t.uuid: t
        for t in Track.objects.filter(published_q("session__retreat__"), uuid__in=track_uuids)
        .select_related("session__retreat")
        .prefetch_related("transcripts")
    }
    missing = [str(u) for u in track_uuids if u not in tracks]
    if missing:
        raise selectors.NotFound(f"Unknown tracks: {', '.join(missing[:5])}.")
    playable = set(selectors.playable_tracks(profile).filter(uuid__in=track_uuids).values_list("uuid", flat=True))
    if len(playable) != len(tracks):
        from padmakara.api.errors import Locked

        raise Locked()
    return [tracks[u] for u in track_uuids]


@transaction.atomic
def bundle_request(
    *, profile: AccessProfile, user, track_ids, include_transcripts: bool, quality: str
) -> DownloadBundle:
    """The live bundle for this exact request, or a new one queued for building."""
    tracks = _bundle_tracks(profile, track_ids)
    key = bundle_request_key(track_uuids=track_ids, quality=quality, include_transcripts=include_transcripts)
    now = timezone.now()
    DownloadBundle.objects.filter(request_key=key, status__in=LIVE_BUNDLE, expires_at__lte=now).update(
        status=DownloadBundle.Status.EXPIRED
    )
    existing = DownloadBundle.objects.filter(request_key=key, status__in=LIVE_BUNDLE).first()
    if existing is not None:
        return existing
    estimated = 0
    for track in tracks:
        source = selectors.audio_source(track, quality)
        estimated += source.size if source else 0
        if include_transcripts:
            estimated += sum(t.file_size for t in track.transcripts.all())
    try:
        with transaction.atomic():
            bundle = DownloadBundle.objects.create(
                request_key=key,
                track_ids=[str(u) for u in track_ids],
                quality=quality,
                include_transcripts=include_transcripts,
                estimated_size=estimated,
                created_by=user if user.is_authenticated else None,
                expires_at=now + datetime.timedelta(hours=settings.MEDIA_BUNDLE_TTL_HOURS),
            )
    except IntegrityError:
        # An identical request won the race: share its bundle.
        return DownloadBundle.objects.get(request_key=key, status__in=LIVE_BUNDLE)
    from .tasks import build_bundle

    bundle_id = bundle.pk
    transaction.on_commit(lambda: send_job(build_bundle, bundle_id))
    return bundle


def bundle_for(*, profile: AccessProfile, bundle_uuid) -> DownloadBundle:
    """A bundle whose every track the profile may play; anything else answers 404."""
    bundle = DownloadBundle.objects.filter(uuid=bundle_uuid).first()
    if bundle is None:
        raise selectors.NotFound()
    playable = selectors.playable_tracks(profile).filter(uuid__in=bundle.track_ids).count()
    if playable != len(bundle.track_ids):
        raise selectors.NotFound()
    if bundle.status in LIVE_BUNDLE and bundle.expires_at <= timezone.now():
        bundle.status = DownloadBundle.Status.EXPIRED
    return bundle


class _EntryNames:
    """ZIP entry names, unique even when an original and its translation share number and
    title (docs/field-notes.md: one silently replaced the other)."""

    def __init__(self):
        self.used: set[str] = set()

    def add(self, name: str) -> str:
        stem, dot, ext = name.rpartition(".")
        candidate, n = name, 2
        while candidate.lower() in self.used:
            candidate = f"{stem}-{n}{dot}{ext}" if dot else f"{name}-{n}"
            n += 1
        self.used.add(candidate.lower())
        return candidate


def _copy_into_zip(archive: zipfile.ZipFile, key: str, entry: str, progress, sha256: str = "") -> tuple[int, str]:
    """Stream one object into the archive; hash it only when processing did not already."""
    digest, size = (None if sha256 else hashlib.sha256()), 0
    info = zipfile.ZipInfo(entry, date_time=timezone.now().timetuple()[:6])
    info.compress_type = zipfile.ZIP_STORED  # audio and PDFs are already compressed
    with archive.open(info, "w", force_zip64=True) as out:
        for chunk in media_storage.iter_chunks(key):
            out.write(chunk)
            if digest is not None:
                digest.update(chunk)
            size += len(chunk)
            progress(len(chunk))
    return size, sha256 or digest.hexdigest()


def bundle_build(*, bundle_id: int, claim_id: str | None = None) -> bool:
    """Write the ZIP (audio, transcripts if asked, manifest.json) through a temporary file and
    stream it to storage: memory stays bounded whatever the bundle's size."""
    stale = Q(status=DownloadBundle.Status.BUILDING, updated_at__lt=_stale_before())
    if _own_abandoned_claim("bundle", bundle_id, claim_id):
        stale = Q(status=DownloadBundle.Status.BUILDING)
    claimed = DownloadBundle.objects.filter(Q(status=DownloadBundle.Status.PREPARING) | stale, pk=bundle_id).update(
        status=DownloadBundle.Status.BUILDING, progress=0, error="", updated_at=timezone.now()
    )
    if not claimed:
        return False
    _remember_claim("bundle", bundle_id, claim_id)
    bundle = DownloadBundle.objects.get(pk=bundle_id)
    tracks = {
        str(t.uuid): t
        for t in Track.objects.filter(uuid__in=bundle.track_ids)
        .select_related("session__retreat")
        .prefetch_related("transcripts")
    }
    plan = []  # (key, entry name, manifest fields)
    names = _EntryNames()
    for uuid in bundle.track_ids:
        track = tracks.get(uuid)
        source = selectors.audio_source(track, bundle.quality) if track else None
        if source is None:
            continue
        stem = media_storage.track_stem(track).removeprefix("retreats/")
        ext = media_storage.extension_of(source.key)
        common = {"trackId": uuid, "title": track.title, "language": track.language}
        known = (
            track.checksum if source.quality == "high" else track.renditions.get(source.quality, {}).get("sha256", "")
        )
        audio_fields = {**common, "type": "audio", "quality": source.quality, "_sha256": known}
        plan.append((source.key, names.add(f"{stem}{ext}"), audio_fields))
        if bundle.include_transcripts:
            for transcript in track.transcripts.all():
                if transcript.pdf_file:
                    entry = names.add(f"{stem}.transcript-{transcript.language}.pdf")
                    fields = {**common, "type": "transcript", "language": transcript.language}
                    plan.append((transcript.pdf_file.name, entry, fields))
    try:
        total = sum(media_storage.default_storage.size(key) for key, _, _ in plan) or 1
        done = {"bytes": 0, "reported": 0.0, "at": time.monotonic()}

        def progress(n: int) -> None:
            # At most every 5% and every 2 seconds: progress is for people, not a write per chunk.
            done["bytes"] += n
            fraction = min(0.99, done["bytes"] / total)
            if fraction - done["reported"] >= 0.05 and time.monotonic() - done["at"] >= 2:
                done["reported"], done["at"] = fraction, time.monotonic()
                DownloadBundle.objects.filter(pk=bundle_id).update(progress=fraction, updated_at=timezone.now())

        bundle_file = media_storage.bundle_key(bundle)
        with media_storage.writer(bundle_file) as tmp:
            manifest = []
            with zipfile.ZipFile(tmp, "w", allowZip64=True) as archive:
                for source_key, entry, fields in plan:
                    known = fields.pop("_sha256", "")
                    size, sha256 = _copy_into_zip(archive, source_key, entry, progress, known)
                    manifest.append({"path": entry, **fields, "size": size, "sha256": sha256})
                body = {
                    "bundleId": str(bundle.uuid),
                    "createdAt": timezone.now().strftime("%Y-%m-%dT%H:%M:%SZ"),
                    "quality": bundle.quality,
                    "files": manifest,
                }
                archive.writestr(
                    "manifest.json", json.dumps(body, ensure_ascii=False, indent=2), compress_type=zipfile.ZIP_DEFLATED
                )
            size = tmp.tell()
    except TRANSIENT_ERRORS as exc:
        if _missing(exc):
            DownloadBundle.objects.filter(pk=bundle_id).update(
                status=DownloadBundle.Status.FAILED, error="A file of this bundle is missing; ask again later."
            )
            return True
        DownloadBundle.objects.filter(pk=bundle_id, status=DownloadBundle.Status.BUILDING).update(
            status=DownloadBundle.Status.PREPARING
        )
        raise
    except Exception as exc:
        logger.exception("bundle %s failed", bundle.uuid)
        DownloadBundle.objects.filter(pk=bundle_id).update(
            status=DownloadBundle.Status.FAILED, error=f"The bundle could not be built ({type(exc).__name__})."
        )
        return True
    DownloadBundle.objects.filter(pk=bundle_id, status=DownloadBundle.Status.BUILDING).update(
        status=DownloadBundle.Status.READY,
        progress=1,
        size=size,
        file=bundle_file,
        expires_at=timezone.now() + datetime.timedelta(hours=settings.MEDIA_BUNDLE_TTL_HOURS),
        updated_at=timezone.now(),
    )
    transaction.on_commit(lambda: _tell_bundle_ready(bundle_id))
    return True


def _tell_bundle_ready(bundle_id: int) -> None:
    """Email whoever asked for the bundle (the app also polls its status). The link opens the
    download in the app, which fetches a fresh signed URL: a signed URL in an email would
    expire before it is read."""
    bundle = DownloadBundle.objects.select_related("created_by").filter(pk=bundle_id).first()
    user = bundle.created_by if bundle else None
    if bundle is None or user is None or not user.notifications_enabled:
        return
    try:
        mail.send_bundle_ready(
            user=user,
            bundle_url=f"{settings.APP_BASE_URL}/downloads/{bundle.uuid}",
            size=bundle.size,
            expires_at=bundle.expires_at,
            track_count=len(bundle.track_ids),
        )
    except Exception:  # the bundle is ready whatever the mail server says
        logger.exception("bundle %s: the ready email could not be sent", bundle.uuid)


def bundles_delete_expired(*, now: datetime.datetime | None = None) -> int:
    """Delete expired bundles' files and mark them expired; returns how many were expired."""
    now = now or timezone.now()
    count = 0
    for bundle in DownloadBundle.objects.filter(expires_at__lte=now).exclude(status=DownloadBundle.Status.EXPIRED):
        if bundle.status == DownloadBundle.Status.BUILDING and bundle.updated_at > _stale_before():
            continue  # still being written: the next run takes it
        if bundle.file:
            media_storage.default_storage.delete(bundle.file)
        DownloadBundle.objects.filter(pk=bundle.pk).update(status=DownloadBundle.Status.EXPIRED, file="")
        count += 1
    return count


def record_gave_up(*, kind: str, object_id: int, error: Exception) -> None:
    """After the last retry of a transient error: say so on the row instead of leaving it waiting."""
    message = f"Gave up after several attempts: storage or network unavailable ({type(error).__name__})."
    if kind == "track":
        Track.objects.filter(
            pk=object_id,
            processing_status__in=[Track.ProcessingStatus.PENDING, Track.ProcessingStatus.PROCESSING],
        ).update(processing_status=Track.ProcessingStatus.FAILED, processing_error=message, updated_at=timezone.now())
    elif kind == "transcript":
        Transcript.objects.filter(
            pk=object_id, status__in=[Transcript.Status.PENDING, Transcript.Status.PROCESSING]
        ).update(status=Transcript.Status.FAILED, processing_error=message, updated_at=timezone.now())
    elif kind == "bundle":
        DownloadBundle.objects.filter(
            pk=object_id, status__in=[DownloadBundle.Status.PREPARING, DownloadBundle.Status.BUILDING]
        ).update(status=DownloadBundle.Status.FAILED, error=message)


def uploads_abort_stale(*, older_than: datetime.timedelta = datetime.timedelta(days=2)) -> int:
    """Abort uploads never finished or never saved: incomplete S3 multipart uploads cost
    storage until aborted, and staged files are only useful until staff save them."""
    from .models import Upload
    from .uploads import upload_abort

    stale = Upload.objects.filter(
        status__in=[Upload.Status.UPLOADING, Upload.Status.UPLOADED], created_at__lt=timezone.now() - older_than
    )
    count = 0
    for upload in stale:
        upload_abort(upload=upload)
        count += 1
    return count
