"""Offline bundles: ask for one (identical requests share it), build its ZIP in a job, tell
whoever asked by email when it is ready, expire it. The claims, retries and resends are the
job layer's (media/jobs.py); media/tasks.py runs these functions by id."""

import datetime
import hashlib
import json
import logging
import time
import zipfile

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction
from django.db.models import Sum
from django.utils import timezone

from padmakara import mail, realtime
from padmakara.api.formats import iso_datetime, now_iso
from padmakara.errors import Locked, NotFound, QuotaExceeded
from retreats.access import AccessProfile, published_q
from retreats.models import Track

from . import jobs, selectors, watermarks
from . import storage as media_storage
from .models import DownloadBundle

logger = logging.getLogger(__name__)

LIVE_BUNDLE = [DownloadBundle.Status.PREPARING, DownloadBundle.Status.BUILDING, DownloadBundle.Status.READY]
IN_PROGRESS = [DownloadBundle.Status.PREPARING, DownloadBundle.Status.BUILDING]
QUOTA_WINDOW = datetime.timedelta(hours=24)


def bundle_max_tracks() -> int:
    return settings.MEDIA_BUNDLE_MAX_TRACKS


def bundle_request_key(*, track_uuids, quality: str, include_transcripts: bool, owner_id: int | None = None) -> str:
    """Identical requests share a bundle; one with transcripts is its owner's alone, since
    they carry the owner's name and email (media/watermarks.py)."""
    payload = [sorted(str(u) for u in track_uuids), quality, bool(include_transcripts)]
    if owner_id is not None:
        payload.append(owner_id)
    return hashlib.sha256(json.dumps(payload).encode()).hexdigest()


def _personal(user, include_transcripts: bool) -> bool:
    return include_transcripts and watermarks.wants_watermark(user)


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
        raise NotFound(f"Unknown tracks: {', '.join(missing[:5])}.")
    playable = set(selectors.playable_tracks(profile).filter(uuid__in=track_uuids).values_list("uuid", flat=True))
    if len(playable) != len(tracks):
        first_locked = next(tracks[u] for u in track_uuids if u not in playable)
        raise Locked(details={"reason": profile.reason_for_retreat(first_locked.session.retreat)})
    return [tracks[u] for u in track_uuids]


@transaction.atomic
def bundle_request(
    *, profile: AccessProfile, user, track_ids, include_transcripts: bool, quality: str
) -> DownloadBundle:
    """The live bundle for this exact request, or a new one queued for building."""
    tracks = _bundle_tracks(profile, track_ids)
    owner_id = user.pk if _personal(user, include_transcripts) else None
    key = bundle_request_key(
        track_uuids=track_ids, quality=quality, include_transcripts=include_transcripts, owner_id=owner_id
    )
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
    if user.is_authenticated and not user.is_staff:
        _check_quota(user=user, estimated=estimated, now=now)
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
    jobs.BUNDLE.send_on_commit(bundle.pk)
    return bundle


def _size(n: int) -> str:
    return f"{n / 1024**3:.1f} GB" if n >= 1024**3 else f"{n / 1024**2:.0f} MB"


def _seconds_until(moment: datetime.datetime, now: datetime.datetime) -> int:
    return int((moment - now).total_seconds() + 0.999)


def _check_quota(*, user, estimated: int, now: datetime.datetime) -> None:
    """Refuse a new bundle past the listener's allowance (MEDIA_BUNDLE_USER_*): bundles being
    prepared at once, bundles alive at once, and bytes asked for in the last 24 hours. Only
    bundles this user's requests created count; one shared with an identical earlier request
    is returned before this is reached. The user's row is locked first, so that two requests
    at once cannot both pass on the same count."""
    get_user_model().objects.select_for_update().filter(pk=user.pk).exists()
    mine = DownloadBundle.objects.filter(created_by=user)
    max_building = settings.MEDIA_BUNDLE_USER_MAX_BUILDING
    if mine.filter(status__in=IN_PROGRESS, expires_at__gt=now).count() >= max_building:
        raise QuotaExceeded(
            f"You already have {max_building} downloads being prepared, the most at once: "
            "ask again when one of them is ready.",
            limit="bundles_building",
        )
    max_live = settings.MEDIA_BUNDLE_USER_MAX_LIVE
    live = mine.filter(status__in=LIVE_BUNDLE, expires_at__gt=now)
    if live.count() >= max_live:
        soonest = live.order_by("expires_at").values_list("expires_at", flat=True).first()
        raise QuotaExceeded(
            f"You already have {max_live} downloads ready or being prepared, the most at once: "
            "ask again when one of them has expired.",
            limit="bundles_live",
            retry_after=_seconds_until(soonest, now) if soonest else None,
        )
    max_bytes = settings.MEDIA_BUNDLE_USER_MAX_BYTES_PER_DAY
    if estimated > max_bytes:
        raise QuotaExceeded(
            f"This download ({_size(estimated)}) is larger than the daily allowance of {_size(max_bytes)}: "
            "ask for fewer tracks or a lower quality.",
            limit="bytes_per_day",
        )
    recent = mine.filter(created_at__gt=now - QUOTA_WINDOW).exclude(status=DownloadBundle.Status.FAILED)
    used = recent.aggregate(total=Sum("estimated_size"))["total"] or 0
    if used + estimated > max_bytes:
        # When enough of the window's bundles have left it for this one to fit.
        retry_after = None
        freed = 0
        for created_at, size in recent.order_by("created_at").values_list("created_at", "estimated_size"):
            freed += size
            if used - freed + estimated <= max_bytes:
                retry_after = _seconds_until(created_at + QUOTA_WINDOW, now)
                break
        raise QuotaExceeded(
            f"Your downloads of the last 24 hours come to {_size(used)}; with this one "
            f"({_size(estimated)}) they would pass the daily allowance of {_size(max_bytes)}.",
            limit="bytes_per_day",
            retry_after=retry_after,
        )


def bundle_for(*, profile: AccessProfile, bundle_uuid, user=None) -> DownloadBundle:
    """A bundle whose every track the profile may play, and, when it holds watermarked
    transcripts, that ``user`` asked for; anything else answers 404."""
    bundle = DownloadBundle.objects.filter(uuid=bundle_uuid).first()
    if bundle is None:
        raise NotFound()
    personal = bundle.include_transcripts and bundle.created_by_id is not None and not profile.is_staff
    if personal and (user is None or bundle.created_by_id != user.pk):
        raise NotFound()
    playable = selectors.playable_tracks(profile).filter(uuid__in=bundle.track_ids).count()
    if playable != len(bundle.track_ids):
        raise NotFound()
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
    digest = None if sha256 else hashlib.sha256()
    size = 0
    info = zipfile.ZipInfo(entry, date_time=timezone.now().timetuple()[:6])
    info.compress_type = zipfile.ZIP_STORED  # audio and PDFs are already compressed
    with archive.open(info, "w", force_zip64=True) as out:
        for chunk in media_storage.iter_chunks(key):
            out.write(chunk)
            if digest is not None:
                digest.update(chunk)
            size += len(chunk)
            progress(len(chunk))
    return size, digest.hexdigest() if digest is not None else sha256


def _transcript_key(transcript, owner) -> str:
    """The transcript's file for the bundle: the owner's watermarked copy when there is an
    owner; nothing when there is no file or it cannot be stamped (never the unmarked PDF)."""
    if not transcript.pdf_file:
        return ""
    try:
        return watermarks.transcript_for_reader(transcript, owner)[0]
    except watermarks.CannotWatermark:
        return ""


def bundle_build(*, bundle_id: int, claim_id: str | None = None) -> bool:
    """Write the ZIP (audio, transcripts if asked, manifest.json) through a temporary file and
    stream it to storage: memory stays bounded whatever the bundle's size."""
    if not jobs.BUNDLE.claim(bundle_id, claim_id):
        return False
    bundle = DownloadBundle.objects.select_related("created_by").get(pk=bundle_id)
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
        if track is None:
            continue
        source = selectors.audio_source(track, bundle.quality)
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
                try:
                    key = _transcript_key(transcript, bundle.created_by)
                except jobs.TRANSIENT_ERRORS:
                    jobs.BUNDLE.release(bundle_id)
                    raise
                if key:
                    entry = names.add(f"{stem}.transcript-{transcript.language}.pdf")
                    fields = {**common, "type": "transcript", "language": transcript.language}
                    plan.append((key, entry, fields))
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
                    "createdAt": now_iso(),
                    "quality": bundle.quality,
                    "files": manifest,
                }
                archive.writestr(
                    "manifest.json", json.dumps(body, ensure_ascii=False, indent=2), compress_type=zipfile.ZIP_DEFLATED
                )
            size = tmp.tell()
    except jobs.TRANSIENT_ERRORS as exc:
        if jobs.missing(exc):
            jobs.BUNDLE.fail(bundle_id, "A file of this bundle is missing; ask again later.")
            return True
        jobs.BUNDLE.release(bundle_id)
        raise
    except Exception as exc:
        logger.exception("bundle %s failed", bundle.uuid)
        jobs.BUNDLE.fail(bundle_id, f"The bundle could not be built ({type(exc).__name__}).")
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
    if bundle is None or user is None:
        return
    # The app on: its connections hear it now (it then asks GET /media/download/{id} for the URL).
    realtime.publish(
        user_ids=[user.pk],
        event_type=realtime.BUNDLE_READY,
        data={
            "downloadId": str(bundle.uuid),
            "status": "ready",
            "size": bundle.size,
            "expiresAt": iso_datetime(bundle.expires_at),
        },
    )
    if not user.notifications_enabled:
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
        if bundle.status == DownloadBundle.Status.BUILDING and bundle.updated_at > jobs.stale_before():
            continue  # still being written: the next run takes it
        if bundle.file:
            media_storage.default_storage.delete(bundle.file)
        DownloadBundle.objects.filter(pk=bundle.pk).update(status=DownloadBundle.Status.EXPIRED, file="")
        count += 1
    return count
