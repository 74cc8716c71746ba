"""Reads for the media API. Every track goes through the access rule before a URL is signed."""

from dataclasses import dataclass

from padmakara.errors import DomainError, Locked, NotFound
from retreats.access import AccessProfile, published_q
from retreats.models import Track, Transcript

from . import storage as media_storage

# Best first: where the asked-for rendition is not ready, the best ready one is served.
QUALITY_ORDER = ["high", "medium", "low"]


class NotReady(DomainError):
    """The file exists but is still being processed (the API answers 409 ``not_ready``)."""

    code = "not_ready"


@dataclass(frozen=True)
class AudioSource:
    key: str
    quality: str
    content_type: str
    size: int


def playable_tracks(profile: AccessProfile):
    """Published tracks the profile may play (the SQL form of the access rule)."""
    return Track.objects.filter(published_q("session__retreat__")).filter(profile.playable_q("session__retreat__"))


def track_for_playback(profile: AccessProfile, track_uuid=None, *, track_id: int | None = None) -> Track:
    """The published track (by uuid, or by ``track_id``), or 404; a track that exists but may
    not be played is 403 ``locked``."""
    which = {"uuid": track_uuid} if track_id is None else {"pk": track_id}
    track = Track.objects.filter(published_q("session__retreat__"), **which).select_related("session__retreat").first()
    if track is None:
        raise NotFound()
    reason = profile.reason_for_retreat(track.session.retreat)
    if reason is not None:
        raise Locked(details={"reason": reason})
    return track


def audio_source(track: Track, quality: str) -> AudioSource | None:
    """The asked-for quality if ready, else the best ready one; None when nothing is playable."""
    candidates = [quality] + [q for q in QUALITY_ORDER if q != quality]
    for candidate in candidates:
        if candidate == "high":
            if track.audio_file and track.processing_status == Track.ProcessingStatus.READY:
                name = track.audio_file.name or ""
                return AudioSource(name, "high", media_storage.content_type_for(name), track.file_size)
            continue
        rendition = (track.renditions or {}).get(candidate)
        if rendition and rendition.get("key"):
            return AudioSource(
                rendition["key"], candidate, rendition.get("contentType", "audio/mp4"), rendition.get("size", 0)
            )
    return None


def transcript_for(track: Track, language: str | None = None) -> Transcript | None:
    """The track's PDF in ``language`` if asked, else in the track's own language, else any."""
    transcripts = [t for t in track.transcripts.all() if t.pdf_file and t.status in ("ready", "no_text")]
    for wanted in (language, track.language):
        for transcript in transcripts:
            if wanted and transcript.language == wanted:
                return transcript
    return None if language else (transcripts[0] if transcripts else None)


@dataclass(frozen=True)
class FileState:
    """One file of a session as the upload page follows its processing."""

    kind: str  # "audio" or "transcript"
    uuid: str
    order: int
    language: str
    language_label: str
    title: str
    status: str
    status_label: str
    error: str
    duration: float

    @property
    def done(self) -> bool:
        return self.status not in ("pending", "processing")


def session_file_states(session_id: int) -> list[FileState]:
    """The processing state of every track and transcript of a session (two queries)."""
    states = [
        FileState("audio", str(t.uuid), t.order, t.language, str(t.get_language_display()), t.title, t.processing_status,
                  str(t.get_processing_status_display()), t.processing_error, t.duration)
        for t in Track.objects.filter(session_id=session_id).order_by("order", "language")
    ]  # fmt: skip
    transcripts = Transcript.objects.filter(track__session_id=session_id).select_related("track")
    states += [
        FileState("transcript", str(t.uuid), t.track.order, t.language, str(t.get_language_display()), t.track.title, t.status,
                  str(t.get_status_display()), t.processing_error, 0)
        for t in transcripts.order_by("track__order", "language")
    ]  # fmt: skip
    return states


def transcript_for_reading(profile: AccessProfile, transcript_id: int) -> Transcript:
    """A transcript PDF by id, of a track the profile may play (404 / 403 ``locked`` as above)."""
    transcript = (
        Transcript.objects.filter(pk=transcript_id, status__in=("ready", "no_text"))
        .exclude(pdf_file="")
        .select_related("track")
        .first()
    )
    if transcript is None:
        raise NotFound()
    track_for_playback(profile, track_id=transcript.track_id)
    return transcript


def event_track_uuids(profile: AccessProfile, event_id: int) -> list:
    """The uuids of a gathering's tracks the profile may play (empty: none, or not allowed)."""
    return list(
        playable_tracks(profile)
        .filter(session__retreat_id=event_id)
        .order_by("session__order", "order", "language")
        .values_list("uuid", flat=True)
    )
