"""Uploads from the admin: the browser sends each file straight to S3 by presigned multipart
upload (the app server never holds the bytes), or, on local storage, to the app in chunks.
Staff then review the guesses from the file names and save: only then are tracks and
transcripts created and processing queued; their files move to their stable keys once that
transaction has committed."""

import datetime
import hashlib
import logging
import math
import os
from dataclasses import dataclass, field
from functools import partial

from django.conf import settings
from django.core.files.storage import default_storage
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from padmakara.errors import DomainError
from retreats import live
from retreats.models import Place, Retreat, Session, Teacher, Track, TrackSpeaker, Transcript, language_set

from . import processing
from . import storage as media_storage
from .filenames import (
    ParsedFolder,
    ParsedName,
    order_folders,
    pair_with_originals,
    parse_filename,
    parse_folder_name,
    unpaired_translations,
)
from .models import Upload
from .signals import tracks_added

logger = logging.getLogger(__name__)

# S3 allows at most 10,000 parts of at least 5 MiB (except the last).
MAX_PARTS = 10_000
MIN_PART = 5 * 1024 * 1024


class UploadError(DomainError):
    """A request about an upload that cannot be done as asked (``validation_error``, 400)."""

    code = "validation_error"

    def __init__(self, message: str, details=None):
        super().__init__(message, details=details)


def part_size_for(size: int) -> int:
    return max(settings.MEDIA_UPLOAD_PART_BYTES, MIN_PART, math.ceil(size / MAX_PARTS))


def speaker_aliases() -> dict[str, str]:
    aliases = {}
    for abbreviation, other in Teacher.objects.values_list("abbreviation", "aliases"):
        aliases[abbreviation.upper()] = abbreviation
        for alias in filter(None, (a.strip().upper() for a in other.split(","))):
            aliases[alias] = abbreviation
    return aliases


def _speakers(item: dict, teachers: dict[str, Teacher], aliases: dict[str, str]) -> list[Teacher]:
    """The teachers of an item's ``speakers`` (or its one ``speaker``), main first, each once;
    unknown abbreviations are left out."""
    wanted = item.get("speakers")
    if not isinstance(wanted, list):
        wanted = [item.get("speaker")]
    found: list[Teacher] = []
    for abbreviation in wanted:
        teacher = teachers.get(aliases.get(str(abbreviation or "").upper(), "").upper())
        if teacher is not None and teacher not in found:
            found.append(teacher)
    return found


def place_aliases() -> dict[str, str]:
    return {a.upper(): a for a in Place.objects.values_list("abbreviation", flat=True)}


def guess(session: Session, filename: str) -> ParsedName:
    """The parser's guesses for one file (the review table shows them)."""
    return parse_filename(
        filename, speakers=speaker_aliases(), places=place_aliases(), default_year=session.retreat.start_date.year
    )


@transaction.atomic
def upload_start(*, session: Session, user, filename: str, size: int, content_type: str = "") -> Upload:
    """Register a file about to be uploaded; on S3 also open its multipart upload (the upload
    then has an ``s3_upload_id``: the browser sends its parts of :func:`part_size_for` bytes
    to S3, else chunks of ``MEDIA_UPLOAD_PART_BYTES`` to the app)."""
    if size <= 0 or size > settings.MEDIA_UPLOAD_MAX_BYTES:
        raise UploadError(
            _("Files must be between 1 byte and %(max)d bytes.") % {"max": settings.MEDIA_UPLOAD_MAX_BYTES}
        )
    ext = media_storage.extension_of(filename, "")
    upload = Upload.objects.create(
        session=session, filename=os.path.basename(filename)[:500], size=size, content_type=content_type[:100],
        key="", created_by=user,
    )  # fmt: skip
    upload.key = f"uploads/{session.pk}/{upload.uuid}{ext}"
    if media_storage.is_s3():
        client, object_key = media_storage.s3_client(), media_storage.s3_object_key(upload.key)
        extra = media_storage.s3_object_parameters(upload.key)
        created = client.create_multipart_upload(
            Bucket=media_storage.s3_bucket(), Key=object_key,
            # From the key's extension, never the browser's word: a "text/html" audio file
            # would be served as a page from the media domain.
            ContentType=media_storage.content_type_for(upload.key),
            **extra,
        )  # fmt: skip
        upload.s3_upload_id = created["UploadId"]
    upload.save(update_fields=["key", "s3_upload_id"])
    return upload


def upload_part_urls(*, upload: Upload, part_numbers: list[int]) -> dict[int, str]:
    """Presigned PUT URLs for parts of an S3 multipart upload (the browser PUTs the bytes)."""
    if upload.status != Upload.Status.UPLOADING or not upload.s3_upload_id:
        raise UploadError(_("This upload is not open."))
    client, object_key = media_storage.s3_client(), media_storage.s3_object_key(upload.key)
    limit = math.ceil(upload.size / part_size_for(upload.size))
    urls = {}
    for number in part_numbers:
        if not 1 <= number <= limit:
            raise UploadError(_("Part %(n)d is out of range.") % {"n": number})
        urls[number] = client.generate_presigned_url(
            "upload_part",
            Params={"Bucket": media_storage.s3_bucket(), "Key": object_key,
                    "UploadId": upload.s3_upload_id, "PartNumber": number},
            ExpiresIn=3600,
        )  # fmt: skip
    return urls


def upload_complete(*, upload: Upload, parts: list[dict] | None = None) -> Upload:
    """Close the upload: on S3 assemble the parts; locally check the size and checksum the file."""
    if upload.status == Upload.Status.UPLOADED:
        return upload  # a retried request
    if upload.status != Upload.Status.UPLOADING:
        raise UploadError(_("This upload is not open."))
    if upload.s3_upload_id:
        client, object_key = media_storage.s3_client(), media_storage.s3_object_key(upload.key)
        ordered = sorted(({"PartNumber": int(p["part_number"]), "ETag": p["etag"]} for p in parts or []),
                         key=lambda p: p["PartNumber"])  # fmt: skip
        client.complete_multipart_upload(
            Bucket=media_storage.s3_bucket(), Key=object_key, UploadId=upload.s3_upload_id,
            MultipartUpload={"Parts": ordered},
        )  # fmt: skip
        size = client.head_object(Bucket=media_storage.s3_bucket(), Key=object_key)["ContentLength"]
    else:
        size = default_storage.size(upload.key) if default_storage.exists(upload.key) else 0
        digest = hashlib.sha256()
        for chunk in media_storage.iter_chunks(upload.key):
            digest.update(chunk)
        upload.checksum = digest.hexdigest()
    if size != upload.size:
        raise UploadError(
            _("The file arrived incomplete (%(got)d of %(want)d bytes).") % {"got": size, "want": upload.size}
        )
    upload.received, upload.status = size, Upload.Status.UPLOADED
    upload.save(update_fields=["received", "status", "checksum"])
    return upload


def upload_chunk(*, upload: Upload, offset: int, stream, length: int) -> int:
    """Local mode: write one chunk at ``offset``, streamed from the request (bounded memory).
    Writing at an offset makes a retried chunk harmless."""
    if upload.status != Upload.Status.UPLOADING or upload.s3_upload_id:
        raise UploadError(_("This upload is not open."))
    if offset < 0 or offset > upload.received or offset + length > upload.size:
        raise UploadError(_("Chunk out of order: send from byte %(n)d.") % {"n": upload.received})
    path = default_storage.path(upload.key)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "r+b" if os.path.exists(path) else "wb") as out:
        out.seek(offset)
        remaining = length
        while remaining > 0:
            data = stream.read(min(remaining, 256 * 1024))
            if not data:
                break
            out.write(data)
            remaining -= len(data)
    if remaining:
        raise UploadError(_("The chunk was cut short."))
    received = max(upload.received, offset + length)
    Upload.objects.filter(pk=upload.pk).update(received=received)
    upload.received = received
    return received


def upload_abort(*, upload: Upload) -> None:
    _discard_staged(upload)
    Upload.objects.filter(pk=upload.pk).update(status=Upload.Status.ABORTED)


def _discard_staged(upload: Upload) -> None:
    if upload.s3_upload_id and upload.status == Upload.Status.UPLOADING:
        media_storage.s3_client().abort_multipart_upload(
            Bucket=media_storage.s3_bucket(),
            Key=media_storage.s3_object_key(upload.key),
            UploadId=upload.s3_upload_id,
        )
    elif default_storage.exists(upload.key):
        default_storage.delete(upload.key)


def uploads_abort_stale(*, older_than: datetime.timedelta = datetime.timedelta(days=2)) -> int:
    """Abort uploads never finished or never saved: incomplete S3 multipart uploads cost
    storage until aborted, and staged files are only useful until staff save them."""
    stale = Upload.objects.filter(
        status__in=[Upload.Status.UPLOADING, Upload.Status.UPLOADED], created_at__lt=timezone.now() - older_than
    )
    count = 0
    for upload in stale:
        upload_abort(upload=upload)
        count += 1
    return count


@dataclass
class ReviewRow:
    """One file of a batch under review: the parser's guesses, the number of the original a
    translation pairs with, and the file it duplicates (None when it is new)."""

    upload: Upload
    parsed: ParsedName
    original_order: int | None
    duplicate_of: str | None
    warnings: list[str] = field(default_factory=list)


def review_rows(*, session: Session, uploads: list[Upload]) -> list[ReviewRow]:
    """Guesses for a batch, with translations paired and duplicates (same checksum as a track
    or a transcript of the session, or an earlier file of the batch) flagged, named by what
    they duplicate."""
    speakers, places, year = speaker_aliases(), place_aliases(), session.retreat.start_date.year
    parsed = [parse_filename(u.filename, speakers=speakers, places=places, default_year=year) for u in uploads]
    # A translation pairs with its original in this batch or with one saved before.
    saved_originals = set(Track.objects.filter(session=session, original__isnull=True).values_list("order", flat=True))
    pairs = pair_with_originals(parsed, existing=saved_originals)
    unpaired = set(unpaired_translations(parsed, pairs))
    known = {track.checksum: _("track %(track)s") % {"track": track}
             for track in Track.objects.filter(session=session).exclude(checksum="")}  # fmt: skip
    known.update(
        (transcript.checksum, _("the %(language)s transcript of track %(track)s")
         % {"language": transcript.language.upper(), "track": transcript.track})
        for transcript in Transcript.objects.filter(track__session=session).exclude(checksum="").select_related("track")
    )  # fmt: skip
    seen: dict[str, str] = {}
    rows = []
    for index, (upload, p) in enumerate(zip(uploads, parsed, strict=True)):
        duplicate = None
        if upload.checksum:
            duplicate = known.get(upload.checksum) or seen.get(upload.checksum)
            seen.setdefault(upload.checksum, upload.filename)
        rows.append(ReviewRow(upload, p, pairs.get(index), duplicate, file_warnings(p, unpaired=index in unpaired)))
    return rows


def file_warnings(parsed: ParsedName, *, unpaired: bool = False) -> list[str]:
    """What staff should check about one file's guesses before saving it (the upload page
    and the archive import's report say the same)."""
    warnings = []
    if unpaired:
        warnings.append(
            _("A translation of number %(n)s, but this session has no original numbered %(n)s: pair it by hand.")
            % {"n": parsed.number}
        )
    if parsed.unknown_codes:
        warnings.append(
            _("Not a known teacher: %(codes)s. Add the teacher (or an alias) or correct the speaker.")
            % {"codes": ", ".join(parsed.unknown_codes)}
        )
    return warnings


@dataclass
class SavedBatch:
    tracks: list[Track]
    transcripts: list[Transcript]
    skipped: list[str]


@transaction.atomic
def uploads_save(*, session: Session, items: list[dict], user=None) -> SavedBatch:
    """Create the reviewed tracks and transcripts and queue processing; each file moves to
    its stable key once the transaction commits. ``items``: ``{uploadId, kind, order, title,
    language, languages, speakers (or one speaker), partNumber, isPractice, originalOrder, skip}``
    as corrected by staff. Duplicates flagged in
    review are not stored twice. ``user``: when given, only that staff member's uploads are
    saved (another's answers "not uploaded", as an unknown id does).

    Storage changes wait for the commit: until then every row points at an object that exists
    (a new row at its upload's staging object), so a rollback, whatever causes it, leaves each
    upload as it was and staff can save again."""
    mine = Upload.objects.filter(created_by=user) if user is not None else Upload.objects.all()
    uploads = {str(u.uuid): u for u in mine.select_for_update().filter(
        session=session, uuid__in=[i["upload_id"] for i in items], status=Upload.Status.UPLOADED)}  # fmt: skip
    teachers = {t.abbreviation.upper(): t for t in Teacher.objects.all()}
    aliases = speaker_aliases()
    batch = SavedBatch([], [], [])
    errors = {}
    audio_items = [i for i in items if i.get("kind") == "audio"]
    transcript_items = [i for i in items if i.get("kind") == "transcript"]
    created: dict[tuple[int, str], Track] = {}
    staged: list[tuple[Upload, Track | Transcript]] = []
    # Originals first, so translations can point at a track created in the same batch.
    for item in sorted(audio_items, key=lambda i: bool(i.get("original_order"))):
        upload = uploads.get(str(item["upload_id"]))
        if upload is None:
            errors[str(item["upload_id"])] = _("This file is not uploaded (or was already saved).")
            continue
        if item.get("skip"):
            _skip(upload)
            batch.skipped.append(upload.filename)
            continue
        original = None
        if item.get("original_order"):
            original = (
                created.get((int(item["original_order"]), "en"))
                or Track.objects.filter(session=session, order=item["original_order"], original__isnull=True)
                .exclude(language=item.get("language", "pt"))
                .first()
            )
        speakers = _speakers(item, teachers, aliases)
        language = item.get("language") or "en"
        try:
            languages = language_set(item.get("languages") or (), language)
        except (ValueError, TypeError):
            errors[upload.filename] = _("Unknown languages: %(languages)s.") % {"languages": item.get("languages")}
            continue
        try:
            with transaction.atomic():
                track = Track.objects.create(
                    session=session, order=int(item["order"]), title=item["title"][:300].strip() or upload.filename,
                    language=language, languages=languages, original=original,
                    part_number=int(item["part_number"]) if item.get("part_number") else None,
                    is_practice=bool(item.get("is_practice")),
                )  # fmt: skip
                TrackSpeaker.objects.bulk_create(
                    TrackSpeaker(track=track, teacher=teacher, position=position)
                    for position, teacher in enumerate(speakers)
                )
        except (IntegrityError, ValueError, TypeError, KeyError):
            # (A part number below 1 breaks a constraint too: the page only offers whole numbers.)
            errors[upload.filename] = _("Number %(n)s in %(lang)s is already taken in this session.") % {
                "n": item.get("order"), "lang": item.get("language")}  # fmt: skip
            continue
        created[(track.order, track.language)] = track
        staged.append((upload, track))
        batch.tracks.append(track)
    for item in transcript_items:
        upload = uploads.get(str(item["upload_id"]))
        if upload is None or item.get("skip"):
            if upload is not None:
                _skip(upload)
                batch.skipped.append(upload.filename)
            continue
        language = item.get("language") or "en"
        owner = (
            created.get((int(item.get("order") or 0), language))
            or Track.objects.filter(session=session, order=item.get("order") or 0, language=language).first()
        )
        if owner is None:
            errors[upload.filename] = _("No track number %(n)s in this session for this transcript.") % {
                "n": item.get("order")}  # fmt: skip
            continue
        transcript, _created = Transcript.objects.get_or_create(track=owner, language=language)
        staged.append((upload, transcript))
        batch.transcripts.append(transcript)
    if errors:
        # Nothing has moved: rolling back the rows leaves every upload as it was.
        transaction.set_rollback(True)
        raise UploadError(_("Some files could not be saved; nothing was saved."), details=errors)
    for upload, obj in staged:
        _attached(upload)
        # The move is queued before the job, so the job finds the file at its stable key.
        if isinstance(obj, Track):
            obj.audio_file.name, obj.file_size = upload.key, upload.size
            obj.save(update_fields=["audio_file", "file_size"])
            transaction.on_commit(partial(_adopt_staged, obj))
            processing.track_queue_processing(track=obj)
        else:
            obj.pdf_file.name, obj.file_size, obj.checksum = upload.key, upload.size, upload.checksum
            obj.save(update_fields=["pdf_file", "file_size", "checksum"])
            transaction.on_commit(partial(_adopt_staged, obj))
            processing.transcript_queue_processing(transcript=obj)
    if batch.tracks:
        # New talks in an already published gathering reach its listeners (a no-op for drafts).
        tracks_added.send(sender=Track, retreat_id=session.retreat_id, track_ids=[track.pk for track in batch.tracks])
        # The connected part of its audience refreshes its catalogue (retreats.live).
        live.tell_audience_on_commit(retreat_id=session.retreat_id, reason=live.Reason.TRACKS_ADDED)
    return batch


def _attached(upload: Upload) -> None:
    Upload.objects.filter(pk=upload.pk).update(status=Upload.Status.ATTACHED)


def _skip(upload: Upload) -> None:
    """A file staff chose not to keep: aborted now, its staging object deleted after commit."""
    Upload.objects.filter(pk=upload.pk).update(status=Upload.Status.ABORTED)
    transaction.on_commit(partial(_discard_staged, upload))


def _adopt_staged(obj: Track | Transcript) -> None:
    """After commit: move a saved upload's file from its staging key to its stable key. If
    storage fails here the row keeps pointing at the staging object, which is still there:
    the file is processed and served under its upload name instead."""
    try:
        if isinstance(obj, Track):
            processing.track_adopt_file(track=obj)
        else:
            processing.transcript_adopt_file(transcript=obj)
    except Exception:
        logger.exception("%s %s: its file stays at its staging key", type(obj).__name__, obj.pk)


# --- A gathering's folder: its sub-folders become sessions ---------------------------------


def folder_sessions_propose(*, retreat: Retreat, folders: list[str]) -> list[ParsedFolder]:
    """The sessions a gathering's sub-folders would become (nothing is saved): staff review
    and correct them on the upload page, then :func:`folder_sessions_create` saves them."""
    names = list(dict.fromkeys(str(f).strip() for f in folders if str(f).strip()))[:200]
    return order_folders([parse_folder_name(name, default_year=retreat.start_date.year) for name in names])


@transaction.atomic
def folder_sessions_create(*, retreat: Retreat, sessions: list[dict]) -> list[tuple[str, Session]]:
    """Create the reviewed sessions, numbered after the gathering's existing ones, in the
    order given. ``sessions``: ``{folder, name, date (ISO or empty), type}``. Returns each
    folder with its new session."""
    if not sessions:
        raise UploadError(_("There is no session to create."))
    last = Session.objects.filter(retreat=retreat).aggregate(last=Max("order"))["last"] or 0
    created, errors = [], {}
    for index, item in enumerate(sessions, start=1):
        folder, name = str(item.get("folder") or ""), str(item.get("name") or "").strip()[:200]
        session_type = str(item.get("type")) if item.get("type") in Session.Type.values else Session.Type.OTHER.value
        try:
            date = datetime.date.fromisoformat(item["date"]) if item.get("date") else None
        except (TypeError, ValueError):
            errors[folder] = _("%(value)s is not a date (YYYY-MM-DD).") % {"value": item.get("date")}
            continue
        if not name:
            errors[folder] = _("The session needs a name.")
            continue
        session = Session.objects.create(retreat=retreat, order=last + index, name=name, date=date, type=session_type)
        created.append((folder, session))
    if errors:
        transaction.set_rollback(True)
        raise UploadError(_("Some sessions could not be created; none was."), details=errors)
    return created
