"""The bodies of docs/compat-api.md, built from the selectors' rows: integer ids, camelCase keys
(snake_case where the app reads them so), times in UTC with ``Z``. Written once, here."""

import datetime

from padmakara.api.formats import iso_datetime
from retreats.shapes import storage_url


def iso_date(value: datetime.date | None) -> str | None:
    return value.isoformat() if value is not None else None


def abbreviation(slug: str) -> str:
    """A group's short name: the first part of its slug, in capitals (``dk-2024`` → ``DK``)."""
    return slug.split("-", 1)[0].upper()


def teacher(row: tuple | dict) -> dict:
    if isinstance(row, tuple):
        pk, name, short = row
        row = {"id": pk, "name": name, "abbreviation": short}
    return {
        "id": row["id"],
        "name": row["name"],
        "abbreviation": row["abbreviation"],
        "photoUrl": None,
        "avatarUrl": None,
        "heroUrl": None,
        "heroMobileUrl": None,
        "avatarUpdatedAt": None,
        "heroUpdatedAt": None,
    }


def teacher_detail(row: dict) -> dict:
    """A teacher with their photos (retreats/photos.py keeps one re-encoded copy of each), by
    the storage's own URLs as /api/v1 gives them."""
    avatar, hero = storage_url(row.get("avatar")), storage_url(row.get("hero"))
    updated = iso_datetime(row.get("updated_at"))
    return {
        **teacher(row),
        "photoUrl": avatar,
        "avatarUrl": avatar,
        "heroUrl": hero,
        "heroMobileUrl": hero,
        "avatarUpdatedAt": updated if avatar else None,
        "heroUpdatedAt": updated if hero else None,
        "bio": row.get("bio", ""),
        "createdAt": iso_datetime(row.get("created_at")),
        "updatedAt": iso_datetime(row.get("updated_at")),
    }


def place(row: tuple) -> dict:
    pk, name, short, location = row
    return {"id": pk, "name": name, "abbreviation": short, "location": location or None}


def group_ref(row: tuple) -> dict:
    pk, name, name_pt, slug, _uuid = row
    return {"id": pk, "nameEn": name, "namePt": name_pt or None, "abbreviation": abbreviation(slug)}


def group(row: dict) -> dict:
    return {
        "id": row["id"],
        "nameEn": row["name"],
        "namePt": row["name_pt"] or None,
        "abbreviation": abbreviation(row["slug"]),
        "slug": row["slug"],
        "descriptionEn": row.get("description") or None,
        "descriptionPt": row.get("description_pt") or None,
        "avatarUrl": None,
        "heroUrl": None,
        "heroMobileUrl": None,
        "avatarUpdatedAt": None,
        "heroUpdatedAt": None,
        "createdAt": iso_datetime(row.get("created_at")),
        "updatedAt": iso_datetime(row.get("updated_at")),
    }


def event(row: dict, rows) -> dict:
    """One gathering of ``rows`` (``retreats.selectors.EventRows``), without its sessions."""
    pk = row["id"]
    return {
        "id": pk,
        "titleEn": row["name"],
        "titlePt": row["name_pt"] or None,
        "mainThemesEn": row["description"] or None,
        "mainThemesPt": row["description_pt"] or None,
        "startDate": iso_date(row["start_date"]),
        "endDate": iso_date(row["end_date"]),
        "status": row["status"],
        "audience": {"slug": row["audience_id"]},
        "featuredAt": None,
        "createdAt": iso_datetime(row["created_at"]),
        "updatedAt": iso_datetime(row["updated_at"]),
        "eventTeachers": [{"teacher": teacher(t)} for t in rows.teachers.get(pk, ())],
        "eventPlaces": [{"place": place(p)} for p in rows.places.get(pk, ())],
        "eventRetreatGroups": [{"retreatGroupId": g[0], "retreatGroup": group_ref(g)} for g in rows.groups.get(pk, ())],
    }


def events(rows) -> list[dict]:
    return [event(row, rows) for row in rows.events]


TIME_PERIODS = {"morning", "afternoon", "evening"}


def session(row: dict, tracks: list[dict]) -> dict:
    return {
        "id": row["id"],
        "titleEn": row["name"],
        "titlePt": row["name_pt"] or None,
        "sessionNumber": row["order"],
        "timePeriod": row["type"] if row["type"] in TIME_PERIODS else "other",
        "partNumber": row["part_number"],
        "sessionDate": iso_date(row["date"]),
        "eventId": row["retreat_id"],
        "createdAt": iso_datetime(row.get("created_at")),
        "updatedAt": iso_datetime(row.get("updated_at")),
        "tracks": [track(t) for t in tracks],
    }


def track(row: dict) -> dict:
    languages = row["languages"] or [row["language"]]
    return {
        "id": row["id"],
        "title": row["title"],
        "durationSeconds": round(row["duration"] or 0),
        "fileSizeBytes": row["file_size"],
        "trackNumber": row["order"],
        "sessionId": row["session_id"],
        "originalLanguage": row["original_language"] or row["language"],
        "languages": languages,
        "speaker": row.get("speaker"),
        "speakerName": row.get("speaker_name"),
        "isTranslation": row["original_id"] is not None,
        "isPractice": row["is_practice"],
        "hasReadAlong": bool(row.get("read_along_checksum")),
        "createdAt": iso_datetime(row.get("created_at")),
        "updatedAt": iso_datetime(row.get("updated_at")),
    }


def transcript(row: dict) -> dict:
    return {
        "id": row["id"],
        "language": row["language"],
        "pageCount": row["page_count"],
        "updatedAt": iso_datetime(row["updated_at"]),
        "originalFilename": (row["pdf_file"] or "").rsplit("/", 1)[-1],
    }


def event_detail(detail) -> dict:
    """``retreats.selectors.EventDetailRows`` as the app's event with sessions and tracks."""
    body = event(detail.event.events[0], detail.event)
    body["transcripts"] = [transcript(row) for row in detail.transcripts]
    body["sessions"] = [session(row, detail.tracks.get(row["id"], [])) for row in detail.sessions]
    return body


def search(query: str, groups: list[dict], total: int) -> dict:
    return {"results": groups, "totalResults": total, "query": query}


def progress(row: dict, *, with_track: bool = True) -> dict:
    duration = row["track__duration"] or 0
    body = {
        "positionSeconds": round(row["position"], 3),
        "durationSeconds": round(duration) if duration else None,
        "completionPct": min(100, round(100 * row["position"] / duration)) if duration else 0,
        "isCompleted": row["completed"],
        "lastPlayed": iso_datetime(row["last_played"]),
    }
    return {"trackId": row["track_id"], **body} if with_track else body


EMPTY_PROGRESS = {"positionSeconds": 0, "completionPct": 0, "isCompleted": False}


def track_with_context(row: dict) -> dict:
    """A track of ``retreats.selectors.track_rows_by_ids`` with its session and gathering."""
    return {
        "id": row["id"],
        "title": row["title"],
        "trackNumber": row["order"],
        "durationSeconds": round(row["duration"] or 0),
        "sessionId": row["session_id"],
        "session": {
            "id": row["session_id"],
            "titleEn": row["session__name"],
            "titlePt": row["session__name_pt"] or None,
            "sessionDate": iso_date(row["session__date"]),
            "timePeriod": row["session__type"] if row["session__type"] in TIME_PERIODS else "other",
            "eventId": row["session__retreat_id"],
            "event": {
                "id": row["session__retreat_id"],
                "titleEn": row["session__retreat__name"],
                "titlePt": row["session__retreat__name_pt"] or None,
            },
        },
    }


SUBSCRIPTION_STATUS = {"active": "active", "expired": "expired"}


def user(row, *, group_names: list[str]) -> dict:
    status = SUBSCRIPTION_STATUS.get(row.effective_subscription_status, "none")
    return {
        "id": row.pk,
        "name": row.name or row.email.split("@")[0],
        "email": row.email,
        "avatar": None,
        "dharma_name": None,
        "retreat_groups": group_names,
        "preferences": {
            "language": row.language,
            "contentLanguage": row.content_language,
            "biometricEnabled": row.biometric_enabled,
            "notifications": row.notifications_enabled,
        },
        "subscription": {
            "status": status,
            "source": None,
            "expiresAt": iso_datetime(row.subscription_expires_at) if status != "none" else None,
        },
        "role": "admin" if row.is_staff else "user",
        "created_at": iso_datetime(row.date_joined),
        "last_login": iso_datetime(row.last_login),
    }


def device(row) -> dict:
    return {
        "id": row.pk,
        "device_name": row.name,
        "device_type": row.platform or None,
        "activated_at": iso_datetime(row.created_at),
        "last_used": iso_datetime(row.last_seen_at),
    }


def _confidence_tier(value: float | None) -> str:
    """The app's word confidence: ``high``, ``medium`` or ``low`` (none given, as from an
    approximate aligner: ``low``)."""
    if value is None:
        return "low"
    return "high" if value >= 0.8 else "medium" if value >= 0.5 else "low"


def read_along(document: dict) -> dict:
    """A read-along (media/read_along.py: ``segments`` of ``words`` with ``text`` and times)
    in the app's ``{clean_segments, stats}``."""
    tiers = {"high": 0, "medium": 0, "low": 0}
    segments = []
    for segment in document.get("segments", []):
        words = []
        for word in segment["words"]:
            tier = _confidence_tier(word.get("confidence"))
            tiers[tier] += 1
            words.append({"word": word["text"], "start": word["start"], "end": word["end"], "confidence": tier})
        known = [word["confidence"] for word in segment["words"] if word.get("confidence") is not None]
        segments.append(
            {
                "text": " ".join(word["word"] for word in words),
                "start": segment["start"],
                "end": segment["end"],
                "confidence": _confidence_tier(sum(known) / len(known) if known else None),
                "words": words,
            }
        )
    total = sum(tiers.values())
    return {
        "clean_segments": segments,
        "stats": {
            "clean_words": total,
            "words_high": tiers["high"],
            "words_medium": tiers["medium"],
            "words_low": tiers["low"],
            "usable_pct": round(100 * (tiers["high"] + tiers["medium"]) / total, 1) if total else 0,
        },
    }


def publication(book, language: str = "en") -> dict:
    """A book (library.Book) as the app's ``Publication``: ``accessLevel`` ``public`` for the
    ``free-anyone`` audience, ``subscribers`` for every other (the access rule decides who
    reads it; this only labels it)."""
    return {
        "id": str(book.uuid),
        "title": (book.title_pt or book.title) if language == "pt" else book.title,
        "subtitle": None,
        "description": None,
        "authors": [name.strip() for name in book.authors.split(",") if name.strip()],
        "language": book.language,
        "pageCount": book.page_count or None,
        "publicationDate": None,
        "version": book.version or None,
        "fileSizeBytes": book.file_size or None,
        "accessLevel": "public" if book.audience_id == "free-anyone" else "subscribers",
        "updatedAt": iso_datetime(book.updated_at),
        "coverImageUrl": storage_url(book.cover.name if book.cover else None),
    }
