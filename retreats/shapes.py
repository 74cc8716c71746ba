"""The content API's response shapes (docs/api.md "Content"): each declared once, built from the
rows of ``retreats.selectors`` and ``retreats.search``.

The catalogue bodies can be large (a gathering's detail lists every track), so ``build`` writes
each dict literally from ``.values()`` rows; the renderer then only dumps it
(``renders_camel_case``).
"""

from django.core.files.storage import default_storage
from rest_framework import serializers

from padmakara.api.formats import iso_datetime
from padmakara.api.shapes import PageShape, Shape

from . import search
from .access import Reason
from .models import LANGUAGE_CODES, Audience, Retreat, pick_language
from .selectors import GatheringRows, SessionRows, TrackRows


class TrackSummary(Shape):
    id = serializers.UUIDField()
    title = serializers.CharField()
    duration = serializers.FloatField()
    order = serializers.IntegerField()
    language = serializers.CharField(help_text="The main language heard (one of languages).")
    languages = serializers.ListField(
        child=serializers.ChoiceField(choices=LANGUAGE_CODES),
        help_text="Every language heard on the recording (a teaching with live interpretation has two).",
    )
    originalLanguage = serializers.ChoiceField(
        choices=LANGUAGE_CODES, help_text="The language the teaching was given in."
    )
    hasTranscript = serializers.BooleanField()
    isTranslation = serializers.BooleanField()
    originalTrackId = serializers.UUIDField(allow_null=True)
    partNumber = serializers.IntegerField(
        allow_null=True, help_text="A session recorded in several parts: which part (null when not in parts)."
    )
    isPractice = serializers.BooleanField(help_text="A guided recitation or practice, listed first in its session.")
    hasReadAlong = serializers.BooleanField(
        help_text="A word-timed transcript is served at /content/track/{id}/read-along."
    )

    @classmethod
    def build(cls, row: tuple) -> dict:
        """``row``: ``session_id`` and ``selectors.TRACK_SUMMARY_COLUMNS``."""
        (_session_id, uuid, title, duration, order, language, languages, original_language, has_transcript,
         original_uuid, part_number, is_practice, read_along_checksum) = row  # fmt: skip
        return {
            "id": uuid,
            "title": title,
            "duration": duration,
            "order": order,
            "language": language,
            "languages": languages,
            "originalLanguage": original_language or language,
            "hasTranscript": has_transcript,
            "isTranslation": original_uuid is not None,
            "originalTrackId": original_uuid,
            "partNumber": part_number,
            "isPractice": is_practice,
            "hasReadAlong": bool(read_along_checksum),
        }


class Session(Shape):
    id = serializers.UUIDField()
    name = serializers.CharField()
    type = serializers.ChoiceField(choices=["morning", "afternoon", "evening", "other"])
    date = serializers.DateField(allow_null=True)
    partNumber = serializers.IntegerField(allow_null=True, help_text="A day's session given in parts: which part.")
    tracks = TrackSummary(many=True)

    @classmethod
    def build(cls, rows: SessionRows, language: str) -> dict:
        session, tracks = rows
        return {
            "id": session["uuid"],
            "name": pick_language(session["name"], session["name_pt"], language),
            "type": session["type"],
            "date": session["date"],
            "partNumber": session["part_number"],
            "tracks": [TrackSummary.build(track) for track in tracks],
        }


LOCKED_REASONS = list(Reason.ALL)


class AudienceRef(Shape):
    slug = serializers.ChoiceField(choices=list(Audience.SLUGS))
    name = serializers.CharField()


def locked_reason_field():
    return serializers.ChoiceField(
        choices=LOCKED_REASONS, allow_null=True, help_text="Why it is locked (null when not locked)."
    )


class GatheringSummary(Shape):
    id = serializers.UUIDField()
    name = serializers.CharField()
    season = serializers.ChoiceField(choices=["spring", "fall"])
    year = serializers.IntegerField()
    startDate = serializers.DateField()
    endDate = serializers.DateField()
    sessionCount = serializers.IntegerField()
    trackCount = serializers.IntegerField()
    audience = AudienceRef()
    locked = serializers.BooleanField()
    lockedReason = locked_reason_field()
    duration = serializers.FloatField(help_text="Seconds: every recording of the gathering, in every language.")
    languages = serializers.ListField(
        child=serializers.ChoiceField(choices=LANGUAGE_CODES), help_text="Every language heard in the gathering."
    )
    practiceCount = serializers.IntegerField(help_text="Tracks that are guided recitations or practices.")
    transcriptCount = serializers.IntegerField(help_text="Tracks with a transcript.")
    changedAt = serializers.DateTimeField(
        allow_null=True, help_text="The last change of its sessions, tracks or transcripts."
    )

    @classmethod
    def build(cls, row: dict, language: str) -> dict:
        """``row``: a gathering row of ``selectors._gathering_rows``."""
        return {
            "id": row["retreat__uuid"],
            "name": pick_language(row["retreat__name"], row["retreat__name_pt"], language),
            "season": row["retreat__season"] or Retreat.season_for(row["retreat__start_date"]),
            "year": row["retreat__start_date"].year,
            "startDate": row["retreat__start_date"],
            "endDate": row["retreat__end_date"],
            "sessionCount": row["session_count"],
            "trackCount": row["track_count"],
            "audience": {
                "slug": row["retreat__audience_id"],
                "name": pick_language(row["retreat__audience__name"], row["retreat__audience__name_pt"], language),
            },
            "locked": not row["playable"],
            "lockedReason": row["locked_reason"],
            "duration": row["duration"],
            "languages": row["languages"] or [],
            "practiceCount": row["practice_count"],
            "transcriptCount": row["transcript_count"],
            "changedAt": iso_datetime(row["changed_at"]) if row["changed_at"] else None,
        }


def storage_url(name: str | None) -> str | None:
    """A stored image's URL as the catalogue gives it (``imageUrl``): the storage's own, signed
    by S3 in production."""
    return default_storage.url(name) if name else None


class Place(Shape):
    name = serializers.CharField()
    abbreviation = serializers.CharField()
    location = serializers.CharField(allow_blank=True)
    photoUrl = serializers.CharField(allow_null=True)

    @classmethod
    def build(cls, row: tuple) -> dict:
        """``row``: ``selectors.PLACE_COLUMNS`` less ``retreat_id``."""
        name, abbreviation, location, photo = row
        return {"name": name, "abbreviation": abbreviation, "location": location, "photoUrl": storage_url(photo)}


class GatheringInGroup(GatheringSummary):
    description = serializers.CharField()
    places = Place(many=True)

    @classmethod
    def build(cls, row: dict, language: str) -> dict:
        gathering = GatheringSummary.build(row, language)
        gathering["description"] = pick_language(row["retreat__description"], row["retreat__description_pt"], language)
        gathering["places"] = [Place.build(place) for place in row["places"]]
        return gathering


class Gathering(GatheringSummary):
    description = serializers.CharField()
    places = Place(many=True)
    sessions = Session(many=True)

    @classmethod
    def build(cls, rows: GatheringRows, language: str) -> dict:
        row, sessions = rows
        gathering = GatheringSummary.build(row, language)
        gathering["description"] = pick_language(row["retreat__description"], row["retreat__description_pt"], language)
        gathering["places"] = [Place.build(place) for place in row["places"]]
        gathering["sessions"] = [Session.build(session, language) for session in sessions]
        return gathering


class RetreatGroupSummary(Shape):
    id = serializers.UUIDField()
    name = serializers.CharField()
    description = serializers.CharField()
    imageUrl = serializers.CharField(allow_null=True)
    gatheringCount = serializers.IntegerField(help_text="All its published gatherings (in the filters).")
    gatherings = GatheringSummary(many=True, help_text="The latest gatheringLimit of them, newest first.")

    @classmethod
    def build(cls, rows: tuple[dict, list[dict]], language: str) -> dict:
        """``rows``: the group's row and its gathering rows."""
        group, gatherings = rows
        return {
            "id": group["uuid"],
            "name": pick_language(group["name"], group["name_pt"], language),
            "description": pick_language(group["description"], group["description_pt"], language),
            "imageUrl": default_storage.url(group["image"]) if group["image"] else None,
            "gatheringCount": group["gathering_count"],
            "gatherings": [GatheringSummary.build(gathering, language) for gathering in gatherings],
        }


class RetreatGroup(RetreatGroupSummary):
    gatherings = GatheringInGroup(many=True, help_text="A page of them (limit, offset), newest first.")
    totalCount = serializers.IntegerField(help_text="As gatheringCount: the page's total.")
    hasMore = serializers.BooleanField()

    @classmethod
    def build(cls, rows, language: str, *, page=None) -> dict:
        """``rows``: ``selectors.retreat_group_detail``; ``page`` the window of gatherings."""
        group, gatherings, total = rows
        body = RetreatGroupSummary.build((group, []), language)
        body["gatherings"] = [GatheringInGroup.build(gathering, language) for gathering in gatherings]
        return {**body, **page.meta(total)}


class RetreatList(PageShape):
    retreatGroups = RetreatGroupSummary(many=True)


class TrackRetreatRef(Shape):
    id = serializers.UUIDField()
    name = serializers.CharField()


class TrackGatheringRef(TrackRetreatRef):
    pass


class TrackSessionRef(TrackRetreatRef):
    date = serializers.DateField(allow_null=True)


class Speaker(Shape):
    name = serializers.CharField()
    abbreviation = serializers.CharField()


class Track(TrackSummary):
    field_order = ("id", "title", "description")

    description = serializers.CharField()
    tags = serializers.ListField(child=serializers.CharField())
    retreat = TrackRetreatRef(allow_null=True)
    session = TrackSessionRef()
    gathering = TrackGatheringRef()
    speaker = Speaker(allow_null=True, help_text="The main speaker (the first of speakers).")
    speakers = Speaker(many=True)
    fileSize = serializers.IntegerField()
    locked = serializers.BooleanField()
    lockedReason = locked_reason_field()

    @classmethod
    def build(cls, rows: TrackRows, language: str) -> dict:
        row = rows.row
        first_group = rows.groups[0] if rows.groups else None
        speakers = [{"name": name, "abbreviation": abbreviation} for name, abbreviation in rows.speakers]
        return {
            "id": row["uuid"],
            "title": row["title"],
            "description": row["description"],
            "duration": row["duration"],
            "order": row["order"],
            "language": row["language"],
            "languages": row["languages"],
            "originalLanguage": row["original_language"] or row["language"],
            "hasTranscript": row["has_transcript"],
            "isTranslation": row["original__uuid"] is not None,
            "originalTrackId": row["original__uuid"],
            "partNumber": row["part_number"],
            "isPractice": row["is_practice"],
            "hasReadAlong": bool(row["read_along_checksum"]),
            "tags": [pick_language(name, name_pt, language) for name, name_pt in rows.tags],
            "retreat": {"id": first_group[1], "name": pick_language(first_group[2], first_group[3], language)}
            if first_group
            else None,
            "session": {
                "id": row["session__uuid"],
                "name": pick_language(row["session__name"], row["session__name_pt"], language),
                "date": row["session__date"],
            },
            "gathering": {
                "id": row["session__retreat__uuid"],
                "name": pick_language(row["session__retreat__name"], row["session__retreat__name_pt"], language),
            },
            "speaker": speakers[0] if speakers else None,
            "speakers": speakers,
            "fileSize": row["file_size"],
            "locked": not rows.playable,
            "lockedReason": rows.locked_reason,
        }


class TeacherSummary(Shape):
    abbreviation = serializers.CharField(help_text="As in file names (JKR): the teacher's id in the API.")
    name = serializers.CharField()
    avatarUrl = serializers.CharField(allow_null=True)
    heroUrl = serializers.CharField(allow_null=True)
    gatheringCount = serializers.IntegerField(help_text="Published gatherings, locked ones included.")

    @classmethod
    def build(cls, row: dict) -> dict:
        return {
            "abbreviation": row["abbreviation"],
            "name": row["name"],
            "avatarUrl": storage_url(row["avatar"]),
            "heroUrl": storage_url(row["hero"]),
            "gatheringCount": row["gathering_count"],
        }


class TeacherList(PageShape):
    teachers = TeacherSummary(many=True)


class TeacherGathering(GatheringSummary):
    places = Place(many=True)

    @classmethod
    def build(cls, row: dict, language: str) -> dict:
        gathering = GatheringSummary.build(row, language)
        gathering["places"] = [Place.build(place) for place in row["places"]]
        return gathering


class Teacher(TeacherSummary):
    bio = serializers.CharField(allow_blank=True)
    gatherings = TeacherGathering(many=True)

    @classmethod
    def build(cls, rows: tuple[dict, list[dict]], language: str) -> dict:  # type: ignore[override]
        teacher, gatherings = rows
        return {
            **TeacherSummary.build(teacher),
            "bio": teacher["bio"],
            "gatherings": [TeacherGathering.build(row, language) for row in gatherings],
        }


class SearchResult(Shape):
    id = serializers.UUIDField(help_text="The track's id, the transcript's or the book's.")
    type = serializers.ChoiceField(choices=search.TYPES)
    title = serializers.CharField()
    description = serializers.CharField()
    duration = serializers.FloatField()
    language = serializers.CharField()
    relevanceScore = serializers.FloatField(help_text="0 to 1; title hits score 0.5 or more.")
    highlights = serializers.ListField(
        child=serializers.CharField(), help_text="HTML-escaped fragments with each hit in <mark>…</mark>."
    )
    trackId = serializers.UUIDField(allow_null=True, help_text="Null for a book.")
    page = serializers.IntegerField(allow_null=True, help_text="Transcripts and books: the best matching page.")

    @classmethod
    def build(cls, hit: search.SearchHit) -> dict:
        return {
            "id": hit.object_uuid,
            "type": hit.kind,
            "title": hit.title,
            "description": hit.description,
            "duration": hit.duration,
            "language": hit.language,
            "relevanceScore": round(hit.score, 4),
            "highlights": hit.highlights,
            "trackId": hit.track_uuid,
            "page": hit.page,
        }


class SearchResults(PageShape):
    results = SearchResult(many=True)


class AccessEntry(Shape):
    gathering = TrackGatheringRef()
    source = serializers.ChoiceField(choices=["attended", "granted", "imported"])
    note = serializers.CharField(allow_blank=True)
    createdAt = serializers.DateTimeField()


class UserAccess(Shape):
    grants = AccessEntry(many=True, help_text="Staff grants (source granted).")
    attendances = AccessEntry(many=True, help_text="Gatherings attended (source attended or imported).")

    @classmethod
    def build(cls, rows, language: str) -> dict:
        """``rows``: ``retreats.services.listener_access``."""

        def entry(attendance) -> dict:
            gathering = attendance.gathering
            return {
                "gathering": {"id": gathering.uuid, "name": pick_language(gathering.name, gathering.name_pt, language)},
                "source": attendance.source,
                "note": attendance.note,
                "createdAt": iso_datetime(attendance.created),
            }

        return {
            "grants": [entry(a) for a in rows if a.source == "granted"],
            "attendances": [entry(a) for a in rows if a.source != "granted"],
        }
