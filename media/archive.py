"""Bringing the community's existing archive in (docs/import.md).

The archive is a folder tree (an S3 prefix or a local folder) holding one folder per gathering,
mostly ZIPs of MP3s per audio set (``Audio 1``, ``Audio 2``, ``Transcrição 1``), some loose files,
legacy folders beside new ones and ``.DS_Store`` debris; and the old website's CSV export, one
row per gathering (:mod:`media.archive_csv`).

* :func:`plan` lists the objects, reads each ZIP's central directory through ranged reads (a
  ZIP is never downloaded to plan), matches each gathering's folders to its CSV row by event
  code, runs the filename parser on every file, pairs translations and yields one
  :class:`GatheringPlan` at a time: what becomes which group, gathering, session, track and
  transcript, what cannot be placed and why, where the CSV's declared counts and durations
  disagree with the files, and duplicates. Nothing is written.
* :func:`apply_gathering` imports one planned gathering as a draft, resumably: each file is
  recorded (:class:`~media.models.ArchiveFile`) in the transaction that creates its track, so
  a crash or Ctrl-C loses at most the file in flight and the next run skips what is done;
  a file whose SHA-256 was imported before (from another folder) is not imported twice.
  ZIP members are streamed to their final keys; processing is queued for each new track.

Plans are streamed, gathering by gathering, so memory stays flat in the archive's size.
"""

from __future__ import annotations

import datetime
import hashlib
import io
import logging
import os
import re
import sqlite3
import tempfile
import time
import unicodedata
import uuid
import zipfile
import zlib
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import asdict, dataclass, field
from pathlib import PurePosixPath

from django.conf import settings
from django.core.cache import cache
from django.core.files.storage import default_storage
from django.db import IntegrityError, transaction
from django.db.models import Count, Q, Sum
from django.utils import timezone, translation
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from padmakara.audit import audit
from retreats import live
from retreats.models import (
    Audience,
    Place,
    Retreat,
    RetreatGroup,
    Session,
    Teacher,
    Track,
    TrackSpeaker,
    Transcript,
    language_set,
)
from retreats.search_signals import schedule_track_indexing
from retreats.versioning import bump_catalogue_version

from . import jobs, processing
from . import storage as media_storage
from .archive_csv import ArchiveRow, read_csv
from .filenames import (
    LANGUAGE_TAGS,
    ParsedName,
    normalise_event_code,
    pair_with_originals,
    parse_event_code,
    parse_filename,
    parse_folder_name,
)
from .models import ArchiveFile, ArchiveImport
from .signals import tracks_added

logger = logging.getLogger(__name__)

DEBRIS = {".ds_store", "thumbs.db", "desktop.ini"}
# Ranged reads fetch at least this much, so a member streamed in small reads costs few requests.
RANGE_BLOCK = 8 * 1024 * 1024
TAIL = 64 * 1024
UPLOAD_PART = 8 * 1024 * 1024
# Files up to SMALL_FILE are read whole and sent by PUT_THREADS threads at once; a batch holds at
# most BATCH_FILES files or BATCH_BYTES of them in memory before its rows are written.
SMALL_FILE = 4 * 1024 * 1024
PUT_THREADS = 4
BATCH_FILES = 50
BATCH_BYTES = 32 * 1024 * 1024
_SET_FOLDER = re.compile(r"(audio|[aá]udio|transcri[cç][aã]o|transcript(?:ion)?|transcricao)[\s_+.-]*(\d{0,2})", re.I)


# --- Where the files are -------------------------------------------------------------------


@dataclass(frozen=True)
class StoredObject:
    key: str  # relative to the source's root, "/"-separated
    size: int
    etag: str = ""


class RangedReader(io.RawIOBase):
    """A seekable, read-only file over an S3 object through ranged GETs, with one cached block:
    :mod:`zipfile` reads a ZIP's central directory (its last few kilobytes) through it, and
    streams a member without the rest of the ZIP ever being fetched."""

    def __init__(self, client, bucket: str, key: str, size: int, *, block: int = RANGE_BLOCK):
        super().__init__()
        self.client, self.bucket, self.key, self.size, self.block = client, bucket, key, size, block
        self.position = 0
        self._cache_start, self._cache = 0, b""
        self.requests = 0
        self.fetched = 0

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def tell(self) -> int:
        return self.position

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        base = {io.SEEK_SET: 0, io.SEEK_CUR: self.position, io.SEEK_END: self.size}[whence]
        if base + offset < 0:
            raise OSError("seek before the start of the object")
        self.position = base + offset
        return self.position

    def _fetch(self, start: int, length: int) -> None:
        if start + length > self.size - TAIL:
            # A read near the end is zipfile's look for the central directory: fetch the whole
            # tail at once (the end record, and for most ZIPs the directory it points to).
            start = min(start, max(0, self.size - TAIL))
            length = self.size - start
        end = min(self.size, start + max(length, self.block)) - 1
        body = self.client.get_object(Bucket=self.bucket, Key=self.key, Range=f"bytes={start}-{end}")["Body"]
        with body:
            self._cache_start, self._cache = start, body.read()
        self.requests += 1
        self.fetched += len(self._cache)

    def read(self, size: int | None = -1) -> bytes:
        if size is None or size < 0:
            size = self.size - self.position
        size = min(size, self.size - self.position)
        if size <= 0:
            return b""
        offset = self.position - self._cache_start
        if not (offset >= 0 and offset + size <= len(self._cache)):
            self._fetch(self.position, size)
            offset = self.position - self._cache_start
        data = self._cache[offset : offset + size]
        self.position += len(data)
        return data

    def readinto(self, buffer) -> int:
        data = self.read(len(buffer))
        buffer[: len(data)] = data
        return len(data)


class FolderSource:
    """A local folder (``--folder``)."""

    def __init__(self, root: str):
        self.root = os.path.abspath(root)
        self.description = self.root
        self.fetched = 0  # bytes read to plan, for the report (local reads cost nothing to count)

    def objects(self) -> Iterator[StoredObject]:
        for folder, folders, files in os.walk(self.root):
            folders.sort()
            for name in sorted(files):
                path = os.path.join(folder, name)
                yield StoredObject(os.path.relpath(path, self.root).replace(os.sep, "/"), os.path.getsize(path))

    def open(self, obj: StoredObject):
        return open(os.path.join(self.root, obj.key), "rb")

    def location(self, key: str) -> str:
        return f"file://{self.root}/{key}"

    def fingerprint(self, obj: StoredObject) -> str:
        crc = 0
        with self.open(obj) as fh:
            while chunk := fh.read(1024 * 1024):
                crc = zlib.crc32(chunk, crc)
        return f"crc32:{crc:08x}:{obj.size}"


class S3Source:
    """``s3://bucket/prefix/`` (or a prefix in the media bucket), through the media storage's
    client (its endpoint and credentials)."""

    def __init__(self, url: str, *, client=None):
        client = client or media_storage.s3_client()
        if url.startswith("s3://"):
            bucket, _slash, prefix = url[5:].partition("/")
        else:
            bucket, prefix = media_storage.s3_bucket(), url
        self.client, self.bucket = client, bucket
        self.prefix = prefix.strip("/") + "/" if prefix.strip("/") else ""
        self.description = f"s3://{bucket}/{self.prefix}"
        self.requests = 0
        self.fetched = 0

    def objects(self) -> Iterator[StoredObject]:
        pages = self.client.get_paginator("list_objects_v2").paginate(Bucket=self.bucket, Prefix=self.prefix)
        for page in pages:
            for item in page.get("Contents", []):
                key = item["Key"][len(self.prefix) :]
                if key and not key.endswith("/"):
                    yield StoredObject(key, item["Size"], item.get("ETag", "").strip('"'))

    def open(self, obj: StoredObject) -> RangedReader:
        return _CountingReader(self, self.client, self.bucket, self.prefix + obj.key, obj.size)

    def location(self, key: str) -> str:
        return f"s3://{self.bucket}/{self.prefix}{key}"

    def fingerprint(self, obj: StoredObject) -> str:
        return f"etag:{obj.etag}:{obj.size}"


class _CountingReader(RangedReader):
    def __init__(self, source: S3Source, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.source = source

    def _fetch(self, start: int, length: int) -> None:
        before = self.fetched
        super()._fetch(start, length)
        self.source.requests += 1
        self.source.fetched += self.fetched - before


def source_for(*, s3_prefix: str = "", folder: str = ""):
    if bool(s3_prefix) == bool(folder):
        raise ValueError("give exactly one of an S3 prefix and a folder")
    return S3Source(s3_prefix) if s3_prefix else FolderSource(folder)


# --- Files of a gathering ------------------------------------------------------------------


@dataclass
class ArchiveEntry:
    """One file of the archive: a loose object or a member of a ZIP."""

    location: str
    folder: str  # the gathering folder it was found in
    path: str  # inside the gathering folder: sub-folders, the ZIP's name, the member's path
    name: str
    size: int
    fingerprint: str
    object_key: str
    member: str = ""  # the ZIP member's name, "" for a loose file


def _is_debris(path: str) -> bool:
    parts = path.split("/")
    return any(p.startswith("._") or p.lower() in DEBRIS or p == "__MACOSX" for p in parts) or not parts[-1]


def _unsafe_member(name: str) -> bool:
    """A member name that would leave its folder if extracted (ZIP slip): absolute, a drive,
    or a ``..`` part. Nothing is ever extracted by name here, but such a ZIP is not trusted."""
    normal = name.replace("\\", "/")
    return normal.startswith("/") or bool(re.match(r"^[A-Za-z]:", normal)) or ".." in normal.split("/")


@dataclass
class Unplaced:
    location: str
    reason: str


def gathering_entries(source, objects: list[StoredObject], folder_of: Callable[[str], str]):
    """The files of a gathering's objects, ZIPs opened through their central directory; and
    the files that cannot be read (a corrupt ZIP, an unsafe member name)."""
    entries: list[ArchiveEntry] = []
    unplaced: list[Unplaced] = []
    for obj in objects:
        folder = folder_of(obj.key)
        inner = obj.key[len(folder) + 1 :] if obj.key.startswith(folder + "/") else obj.key
        if _is_debris(obj.key):
            continue
        if not obj.key.lower().endswith(".zip"):
            entries.append(
                ArchiveEntry(
                    location=source.location(obj.key), folder=folder, path=inner,
                    name=PurePosixPath(obj.key).name, size=obj.size, fingerprint=source.fingerprint(obj),
                    object_key=obj.key,
                )
            )  # fmt: skip
            continue
        try:
            with source.open(obj) as raw, zipfile.ZipFile(raw) as archive:
                members = archive.infolist()
        except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, EOFError, ValueError) as exc:
            unplaced.append(Unplaced(source.location(obj.key), _("corrupt ZIP: %(error)s") % {"error": exc}))
            continue
        unsafe = [m.filename for m in members if _unsafe_member(m.filename)]
        if unsafe:
            unplaced.append(
                Unplaced(
                    source.location(obj.key),
                    _("unsafe member names (ZIP slip): %(names)s") % {"names": ", ".join(unsafe[:3])},
                )
            )
            continue
        for member in members:
            if member.is_dir() or _is_debris(member.filename):
                continue
            entries.append(
                ArchiveEntry(
                    location=f"{source.location(obj.key)}!{member.filename}", folder=folder,
                    path=f"{inner}/{member.filename}", name=PurePosixPath(member.filename).name,
                    size=member.file_size, fingerprint=f"crc32:{member.CRC:08x}:{member.file_size}",
                    object_key=obj.key, member=member.filename,
                )
            )  # fmt: skip
    return entries, unplaced


# --- The plan ------------------------------------------------------------------------------


@dataclass
class PlannedTrack:
    location: str
    filename: str
    order: int
    title: str
    language: str
    languages: list[str]
    speakers: list[str]
    audio_set: int | None
    part_number: int | None = None
    is_practice: bool = False
    original_order: int | None = None  # a translation: its original's number in the session
    original_language: str = ""
    size: int = 0
    fingerprint: str = ""
    object_key: str = ""
    member: str = ""
    warnings: list[str] = field(default_factory=list)


@dataclass
class PlannedTranscript:
    location: str
    filename: str
    track_order: int
    track_language: str
    language: str
    size: int = 0
    object_key: str = ""
    member: str = ""


@dataclass
class PlannedSession:
    name: str
    name_pt: str
    date: datetime.date | None
    type: str
    tracks: list[PlannedTrack] = field(default_factory=list)
    transcripts: list[PlannedTranscript] = field(default_factory=list)


@dataclass
class Check:
    """The CSV's word against the files, for one audio set."""

    audio_set: int
    declared_count: int | None
    files: int
    declared_seconds: int | None
    agrees: bool
    # The set's length once its tracks are imported and all probed (a re-run's plan says it);
    # None before: a plan reads no audio.
    files_seconds: int | None = None


@dataclass
class GatheringPlan:
    event_code: str
    folders: list[str]
    csv_line: int | None
    name: str
    start_date: datetime.date | None
    end_date: datetime.date | None
    teachers: list[str]
    unknown_teachers: list[str]
    places: list[str]
    group: str
    event_type: str
    audience: str
    sessions: list[PlannedSession] = field(default_factory=list)
    unplaced: list[Unplaced] = field(default_factory=list)
    duplicates: list[dict] = field(default_factory=list)
    checks: list[Check] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    exists: bool = False  # the gathering was imported before
    imported_before: int = 0  # of its files (a resumed or repeated run skips them)

    @property
    def files(self) -> int:
        return sum(len(s.tracks) + len(s.transcripts) for s in self.sessions)

    def as_dict(self) -> dict:
        data = asdict(self)
        for key in ("start_date", "end_date"):
            data[key] = data[key].isoformat() if data[key] else None
        for session in data["sessions"]:
            session["date"] = session["date"].isoformat() if session["date"] else None
            for track in session["tracks"]:
                for internal in ("object_key", "member", "fingerprint"):
                    track.pop(internal)
            for transcript in session["transcripts"]:
                transcript.pop("object_key"), transcript.pop("member")
        return data


@dataclass
class Catalogue:
    """What the catalogue already knows, read once per plan: teachers (with aliases), places,
    groups, audiences and the event codes already imported."""

    speakers: dict[str, str]
    teacher_names: dict[str, str]
    places: dict[str, str]
    groups: dict[str, str]
    audiences: dict[str, str]
    imported_codes: set[str]

    @classmethod
    def load(cls) -> Catalogue:
        speakers, names = {}, {}
        for abbreviation, aliases, name in Teacher.objects.values_list("abbreviation", "aliases", "name"):
            speakers[abbreviation.upper()] = abbreviation
            names[_plain(name)] = abbreviation
            for alias in filter(None, (a.strip().upper() for a in aliases.split(","))):
                speakers[alias] = abbreviation
        audiences = {}
        for slug, name, name_pt in Audience.objects.values_list("slug", "name", "name_pt"):
            for text in (slug, name, name_pt):
                if text:
                    audiences[_plain(text)] = slug
        return cls(
            speakers=speakers,
            teacher_names=names,
            places={a.upper(): a for a in Place.objects.values_list("abbreviation", flat=True)},
            groups=dict(RetreatGroup.objects.values_list("slug", "name")),
            audiences=audiences,
            imported_codes=set(Retreat.objects.exclude(event_code="").values_list("event_code", flat=True)),
        )


def _plain(text: str) -> str:
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", " ", text.lower()).strip()


def _set_of(path: str) -> tuple[str, int | None]:
    """``Audio 1/x.zip/001.mp3`` → ``("audio", 1)``; ``Transcrição 2/…`` → ``("transcript", 2)``."""
    for part in path.replace("+", " ").split("/")[:-1]:
        match = _SET_FOLDER.search(part)
        if match:
            kind = "audio" if "udio" in match.group(1).lower() else "transcript"
            return kind, int(match.group(2)) if match.group(2) else 1
    return "", None


def _tag_language(path: str) -> str:
    """A language named in the folders or the ZIP's name: ``Audio 1 (Eng).zip``."""
    for part in reversed(path.replace("+", " ").split("/")[:-1]):
        for inner in re.findall(r"[(\[]([^)\]]*)[)\]]", part):
            for word in re.split(r"[\s\-/,]+", inner.upper()):
                if word in LANGUAGE_TAGS:
                    return LANGUAGE_TAGS[word]
    return ""


def _session_folder(path: str, default_year: int | None):
    """The nearest folder (a ZIP's name counts) that is not an audio or transcript set: a day."""
    for part in reversed(path.replace("+", " ").split("/")[:-1]):
        if _SET_FOLDER.search(part):
            continue
        folder = parse_folder_name(re.sub(r"\.zip$", "", part, flags=re.I), default_year=default_year)
        if folder.date:
            return folder
    return None


_TYPE_NAMES = {"morning": ("Morning", "Manhã"), "afternoon": ("Afternoon", "Tarde"), "evening": ("Evening", "Noite")}


def _session_names(date: datetime.date | None, session_type: str) -> tuple[str, str]:
    if date is None:
        return "Teachings", "Ensinamentos"
    en, pt = _TYPE_NAMES.get(session_type, ("", ""))
    day = date.isoformat()
    return (f"{day} {en}".strip(), f"{day} {pt}".strip())


def _fits(code: str, folder: str) -> bool:
    """Whether a folder is a gathering's: its name starts with the event code (spaces,
    ``+`` and case aside), as in ``20171114_20-KPS-WFL-ENS-VLH (legacy)``."""
    return normalise_event_code(folder).startswith(code)


def _folder_month_and_words(folder: str) -> tuple[str, set[str]]:
    """``2016-11-JKR-PWR-TRR-KPS+-Retiro+Setúbal`` → ``("201611", {"JKR", "PWR", "TRR", "KPS"})``."""
    text = normalise_event_code(folder)
    match = re.match(r"^((?:19|20)\d{2})-?(\d{2})", text)
    if not match:
        return "", set()
    return f"{match.group(1)}{match.group(2)}", {w for w in re.split(r"[-\s]+", text) if re.fullmatch(r"[A-Z]{2,5}", w)}


def match_folders(rows: Iterable[ArchiveRow], folders: Iterable[str]) -> tuple[dict[str, list[str]], list[str]]:
    """Event code → its folders (the one named exactly by it first, legacy copies after), and
    the folders no row claims. A folder whose name does not start with a code still matches
    the one row of its year and month whose teachers all appear in its name."""
    rows = list(rows)
    codes = {row.event_code: parse_event_code(row.event_code) for row in rows}
    matched: dict[str, list[str]] = defaultdict(list)
    left = []
    for folder in sorted(folders):
        owners = [row.event_code for row in rows if _fits(row.event_code, folder)]
        if not owners:
            month, words = _folder_month_and_words(folder)
            owners = [
                code
                for code, parsed in codes.items()
                if month and parsed.start_date and parsed.start_date.strftime("%Y%m") == month
                and parsed.teachers and set(parsed.teachers) <= words
            ]  # fmt: skip
            if len(owners) > 1:
                owners = []  # ambiguous: staff decide
        if owners:
            # The longest code that fits: 20171114_20-… before 20171114-…
            matched[max(owners, key=len)].append(folder)
        else:
            left.append(folder)
    for code, found in matched.items():
        found.sort(key=lambda f: (normalise_event_code(f) != code, len(f), f))
    return matched, left


class SeenFiles:
    """Every file's fingerprint seen so far in a plan, and where: duplicates are found across
    the whole archive. Kept in a temporary SQLite file, not in memory, so that a plan's memory
    stays flat whatever the archive's size (200,000 files would take ~70 MB as a dict)."""

    def __init__(self):
        self._file = tempfile.NamedTemporaryFile(prefix="archive-seen-", suffix=".sqlite3")  # noqa: SIM115
        self._db = sqlite3.connect(self._file.name)
        self._db.executescript(
            "PRAGMA journal_mode=OFF; PRAGMA synchronous=OFF; PRAGMA cache_size=-4000;"
            "CREATE TABLE seen (fingerprint TEXT PRIMARY KEY, location TEXT NOT NULL) WITHOUT ROWID;"
        )

    def known(self, fingerprints: list[str]) -> dict[str, str]:
        """Those of ``fingerprints`` seen before → where."""
        found: dict[str, str] = {}
        unique = list(dict.fromkeys(fingerprints))
        for start in range(0, len(unique), 500):
            chunk = unique[start : start + 500]
            marks = ",".join("?" * len(chunk))
            found.update(
                self._db.execute(f"SELECT fingerprint, location FROM seen WHERE fingerprint IN ({marks})", chunk)
            )
        return found

    def add(self, fingerprint: str, location: str) -> None:
        self._db.execute("INSERT OR IGNORE INTO seen VALUES (?, ?)", (fingerprint, location))

    def close(self) -> None:
        self._db.close()
        self._file.close()


def _folder_of(key: str) -> str:
    return key.split("/", 1)[0] if "/" in key else ""


def plan(
    *,
    source,
    rows: list[ArchiveRow],
    catalogue: Catalogue | None = None,
    seen: SeenFiles | None = None,
    on_listed: Callable[[dict], None] | None = None,
) -> Iterator[GatheringPlan | Unplaced | ArchiveRow]:
    """The plan, one gathering at a time, followed by the files no gathering claims
    (:class:`Unplaced`) and the rows with no files (:class:`ArchiveRow`). ``seen`` collects
    every file's fingerprint across gatherings (duplicates in other folders). ``on_listed``
    is told how many objects and folders were listed (before any ZIP is opened)."""
    catalogue = catalogue or Catalogue.load()
    own = seen is None
    seen = SeenFiles() if seen is None else seen
    try:
        by_folder: dict[str, list[StoredObject]] = defaultdict(list)
        loose_at_root: list[StoredObject] = []
        count = 0
        for obj in source.objects():
            count += 1
            folder = _folder_of(obj.key)
            if folder:
                by_folder[folder].append(obj)
            elif not _is_debris(obj.key):
                loose_at_root.append(obj)
        matched, left = match_folders(rows, by_folder)
        if on_listed:
            on_listed({"objects": count, "folders": len(by_folder), "gatherings": len(matched)})
        for row in rows:
            folders = matched.get(row.event_code, [])
            if not folders:
                continue
            objects = [obj for folder in folders for obj in by_folder.pop(folder)]
            yield plan_gathering(
                source=source, row=row, folders=folders, objects=objects, catalogue=catalogue, seen=seen
            )
        for folder in left:
            for obj in by_folder.get(folder, []):
                if not _is_debris(obj.key):
                    yield Unplaced(
                        source.location(obj.key),
                        _("no CSV row has an event code for the folder %(folder)s") % {"folder": folder},
                    )
        for obj in loose_at_root:
            yield Unplaced(source.location(obj.key), _("not inside a gathering's folder"))
        for row in rows:
            if row.event_code not in matched:
                yield row
    finally:
        if own:
            seen.close()


def plan_gathering(
    *,
    source,
    row: ArchiveRow,
    folders: list[str],
    objects: list[StoredObject],
    catalogue: Catalogue,
    seen: SeenFiles,
) -> GatheringPlan:
    """One gathering's plan: its row's facts, its files parsed and placed."""
    code = parse_event_code(row.event_code)
    start = row.start_date or code.start_date
    end = row.end_date or code.end_date or start
    teachers: list[str] = []
    unknown_teachers: list[str] = []
    for abbreviation in code.teachers:
        known = catalogue.speakers.get(abbreviation)
        (teachers if known else unknown_teachers).append(known or abbreviation)
    for name in row.teachers:
        known = catalogue.teacher_names.get(_plain(name)) or catalogue.speakers.get(name.strip().upper())
        if known and known not in teachers:
            teachers.append(known)
    audience = catalogue.audiences.get(_plain(row.audience), "")
    result = GatheringPlan(
        event_code=row.event_code, folders=folders, csv_line=row.line, name=row.title or row.event_code,
        start_date=start, end_date=end, teachers=teachers, unknown_teachers=unknown_teachers,
        places=[code.place] if code.place else [], group=code.group, event_type=code.type,
        audience=audience or Audience.GROUP_MEMBERS, problems=[*code.problems, *row.problems],
        exists=row.event_code in catalogue.imported_codes,
    )  # fmt: skip
    if start is None:
        result.problems.append(_("no dates: neither the CSV nor the event code gives them"))
    if row.audience and not audience:
        result.problems.append(
            _("unknown audience %(audience)s: left as retreat group members") % {"audience": row.audience}
        )
    if unknown_teachers:
        result.problems.append(_("teachers not in the catalogue: %(codes)s") % {"codes": ", ".join(unknown_teachers)})
    entries, unreadable = gathering_entries(source, objects, lambda key: _folder_of(key))
    result.unplaced.extend(unreadable)
    primary = folders[0]
    year = start.year if start else None
    sessions: dict[tuple, PlannedSession] = {}
    parsed_audio: list[tuple[ArchiveEntry, ParsedName, int | None, tuple]] = []
    parsed_pdfs: list[tuple[ArchiveEntry, ParsedName, int | None, tuple]] = []
    audio_files: dict[int, int] = defaultdict(int)
    earlier_files = seen.known([entry.fingerprint for entry in entries])
    for entry in entries:
        earlier = earlier_files.get(entry.fingerprint)
        if earlier is not None:
            why = _("legacy folder beside the new one") if entry.folder != primary else _("same checksum")
            result.duplicates.append({"location": entry.location, "duplicateOf": earlier, "why": why})
            continue
        earlier_files[entry.fingerprint] = entry.location
        seen.add(entry.fingerprint, entry.location)
        p = parse_filename(entry.name, speakers=catalogue.speakers, places=catalogue.places, default_year=year)
        kind, number = _set_of(entry.path)
        if p.kind == "other":
            result.unplaced.append(Unplaced(entry.location, _("neither audio nor a PDF")))
            continue
        folder_day = _session_folder(entry.path, year)
        date = p.date or (folder_day.date if folder_day else None)
        part = p.part or {"morning": "am", "afternoon": "pm"}.get(folder_day.type if folder_day else "", "")
        key = (date, part)
        if p.kind == "audio":
            audio_files[number or 1] += 1
            parsed_audio.append((entry, p, number, key))
        else:
            parsed_pdfs.append((entry, p, number, key))
    for _entry, _p, _n, key in parsed_audio + parsed_pdfs:
        if key not in sessions:
            session_type = {"am": "morning", "pm": "afternoon"}.get(key[1], "other")
            name, name_pt = _session_names(key[0], session_type)
            sessions[key] = PlannedSession(name=name, name_pt=name_pt, date=key[0], type=session_type)
    _place_tracks(result, row, parsed_audio, sessions)
    _place_transcripts(result, row, parsed_pdfs, sessions)
    result.sessions = [
        sessions[key]
        for key in sorted(
            sessions, key=lambda k: (k[0] is None, k[0] or datetime.date.min, {"am": 0, "pm": 1}.get(k[1], 2))
        )
        if sessions[key].tracks or sessions[key].transcripts
    ]
    if result.exists:
        locations = [t.location for s in result.sessions for t in s.tracks]
        locations += [t.location for s in result.sessions for t in s.transcripts]
        result.imported_before = ArchiveFile.objects.filter(location__in=locations).count()
    lengths = _imported_lengths(row.event_code) if result.exists else {}
    for number, audio_set in sorted(row.audio_sets.items()):
        files = audio_files.get(number, 0)
        declared, seconds = audio_set.declared_count, lengths.get(number)
        agrees = declared is None or declared == files
        if seconds is not None and audio_set.declared_seconds is not None:
            agrees = agrees and abs(seconds - audio_set.declared_seconds) <= max(60, audio_set.declared_seconds // 50)
        result.checks.append(Check(number, declared, files, audio_set.declared_seconds, agrees, seconds))
    return result


def _imported_lengths(event_code: str) -> dict[int, int]:
    """Audio set → its imported tracks' total length in seconds, for the sets whose tracks are
    all probed (one query)."""
    rows = (
        ArchiveFile.objects.filter(track__session__retreat__event_code=event_code, audio_set__isnull=False)
        .values("audio_set")
        .annotate(
            seconds=Sum("track__duration"),
            waiting=Count("pk", filter=~Q(track__processing_status=Track.ProcessingStatus.READY)),
        )
    )
    return {row["audio_set"]: round(row["seconds"] or 0) for row in rows if not row["waiting"] and row["audio_set"]}


def _place_tracks(result: GatheringPlan, row: ArchiveRow, parsed, sessions) -> None:
    set_languages = {n: s.language for n, s in row.audio_sets.items() if s.language}
    first_language = set_languages.get(1, "")
    taken: dict[tuple, str] = {}
    originals: dict[tuple, set[int]] = defaultdict(set)
    pending_numbers: dict[tuple, list] = defaultdict(list)
    placed: list[tuple] = []
    # Originals first, so that a translation (TRAD, or a numbered file of a set in another
    # language) finds the number it shares.
    for entry, p, audio_set, key in sorted(parsed, key=lambda item: (item[1].is_translation, item[2] or 1)):
        language, languages = p.language, list(p.languages)
        set_language = set_languages.get(audio_set or 1) or _tag_language(entry.path)
        if not p.language_tagged and not p.is_translation and set_language and not p.bilingual:
            language, languages = set_language, [set_language]
        if p.number is None:
            pending_numbers[(key, language)].append((entry, p, audio_set, language, languages))
            continue
        placed.append((entry, p, audio_set, key, p.number, language, languages))
        if not p.is_translation and (audio_set or 1) == 1:
            originals[key].add(p.number)
    # Files without a number: after the numbered ones, in the order their dates and parts give.
    for (key, language), files in pending_numbers.items():
        numbered = [n for (_e, _p, _s, k, n, lang, _l) in placed if k == key and lang == language]
        start = max(numbered, default=0)
        for offset, (entry, p, audio_set, language, languages) in enumerate(
            sorted(files, key=lambda f: f[1].order_key), start=1
        ):
            placed.append((entry, p, audio_set, key, start + offset, language, languages))
    # TRAD files pair through the upload page's code (media.filenames.pair_with_originals):
    # with an original of the same session, this plan's or one imported before.
    by_session: dict[tuple, list[int]] = defaultdict(list)
    for index, item in enumerate(placed):
        by_session[item[3]].append(index)
    paired: dict[int, int] = {}
    for key, indexes in by_session.items():
        names = [placed[i][1] for i in indexes]
        for position, number in pair_with_originals(names, existing=originals[key]).items():
            paired[indexes[position]] = number
    for index, (entry, p, audio_set, key, number, language, languages) in enumerate(placed):
        slot = (key, language, number)
        if slot in taken:
            result.unplaced.append(
                Unplaced(
                    entry.location,
                    _("number %(n)s in %(language)s is already %(file)s in this session")
                    % {"n": number, "language": language, "file": taken[slot]},
                )
            )
            continue
        taken[slot] = entry.name
        original_order = None
        translation = p.is_translation or (
            (audio_set or 1) > 1 and first_language and language != first_language and not p.bilingual
        )
        warnings = []
        if translation:
            if p.is_translation and index in paired:
                original_order = paired[index]
            elif not p.is_translation and number in originals[key]:
                original_order = number
            else:
                warnings.append(_("translation with no original numbered %(n)s in this session") % {"n": number})
        if p.unknown_codes:
            warnings.append(_("not a known teacher: %(codes)s") % {"codes": ", ".join(p.unknown_codes)})
        declared_set = row.audio_sets.get(audio_set or 1)
        names = declared_set.track_names if declared_set else []
        # No title in the name: the CSV's track list, by the file's own number (numbers given
        # here to date-only names count within a session, not along the list).
        listed = names[number - 1] if p.number is not None and 0 < number <= len(names) else ""
        title = p.title or listed or PurePosixPath(entry.name).stem
        sessions[key].tracks.append(
            PlannedTrack(
                location=entry.location, filename=entry.name, order=number, title=title[:300], language=language,
                languages=languages, speakers=p.speakers, audio_set=audio_set, part_number=p.part_number,
                is_practice=p.is_practice, original_order=original_order,
                original_language=first_language if original_order else "", size=entry.size,
                fingerprint=entry.fingerprint, object_key=entry.object_key, member=entry.member, warnings=warnings,
            )
        )  # fmt: skip
    for session in sessions.values():
        session.tracks.sort(key=lambda t: (t.original_order is not None, t.order, t.language))


def _place_transcripts(result: GatheringPlan, row: ArchiveRow, parsed, sessions) -> None:
    set_languages = {n: s.language for n, s in row.transcript_sets.items() if s.language}
    for entry, p, transcript_set, key in parsed:
        language = p.language if p.language_tagged else set_languages.get(transcript_set or 1) or p.language
        candidates = [sessions[key]] if key in sessions else []
        if p.date is None:
            candidates = list(sessions.values())
        owners = [
            (session, track)
            for session in candidates
            for track in session.tracks
            if track.order == p.number and track.original_order is None
        ]
        if p.number is None or len(owners) != 1:
            if p.number is None:
                why = _("transcript not placed: no track number in its name")
            else:
                why = _("transcript not placed: %(count)s tracks numbered %(n)s") % {
                    "count": len(owners),
                    "n": p.number,
                }
            result.unplaced.append(Unplaced(entry.location, why))
            continue
        session, track = owners[0]
        session.transcripts.append(
            PlannedTranscript(
                location=entry.location, filename=entry.name, track_order=track.order,
                track_language=track.language, language=language, size=entry.size,
                object_key=entry.object_key, member=entry.member,
            )
        )  # fmt: skip


# --- Apply ---------------------------------------------------------------------------------


@dataclass
class Applied:
    imported: int = 0
    duplicates: int = 0
    skipped: int = 0
    already: int = 0
    gatherings_created: int = 0

    def add(self, other: Applied) -> None:
        for name in ("imported", "duplicates", "skipped", "already", "gatherings_created"):
            setattr(self, name, getattr(self, name) + getattr(other, name))


class _Hashing(io.RawIOBase):
    """Reads through another file, hashing and counting what passes."""

    def __init__(self, inner):
        super().__init__()
        self.inner, self.digest, self.size = inner, hashlib.sha256(), 0

    def readable(self) -> bool:
        return True

    def read(self, size: int = -1) -> bytes:
        data = self.inner.read(size)
        self.digest.update(data)
        self.size += len(data)
        return data

    def readinto(self, buffer) -> int:
        data = self.read(len(buffer))
        buffer[: len(data)] = data
        return len(data)


class _Opened:
    """Keeps the last few ZIPs open (an original's set and its translation's are read in turn),
    so each ZIP's members are read one after the other through its ranged reader's cached
    block rather than reopened per member. At most ``keep`` blocks are held."""

    def __init__(self, source, keep: int = 3):
        self.source, self.keep = source, keep
        self.open: dict[str, tuple] = {}

    def member(self, object_key: str, size: int, member: str):
        if object_key not in self.open:
            while len(self.open) >= self.keep:
                self._close(next(iter(self.open)))
            raw = self.source.open(StoredObject(object_key, size))
            self.open[object_key] = (raw, zipfile.ZipFile(raw))
        else:
            self.open[object_key] = self.open.pop(object_key)  # most recently used last
        return self.open[object_key][1].open(member)

    def _close(self, key: str) -> None:
        raw, archive = self.open.pop(key)
        archive.close()
        raw.close()

    def close(self) -> None:
        for key in list(self.open):
            self._close(key)


def _object_size(source, key: str) -> int:
    if isinstance(source, FolderSource):
        return os.path.getsize(os.path.join(source.root, key))
    return source.client.head_object(Bucket=source.bucket, Key=source.prefix + key)["ContentLength"]


def _stream(source, opened: _Opened, item, key: str, sizes: dict[str, int]) -> tuple[str, int]:
    """Copy one file of the archive to ``key`` in the media storage, hashing it on the way.
    On S3 the bytes go up in bounded multipart chunks (never a whole ZIP on disk or in memory)."""
    if item.member:
        if item.object_key not in sizes:
            sizes[item.object_key] = _object_size(source, item.object_key)
        stream = opened.member(item.object_key, sizes[item.object_key], item.member)
    else:
        stream = source.open(StoredObject(item.object_key, item.size))
    hashing = _Hashing(stream)
    try:
        if media_storage.is_s3():
            _upload(hashing, key)
        else:
            with media_storage.writer(key) as out:
                while chunk := hashing.read(1024 * 1024):
                    out.write(chunk)
    finally:
        stream.close()
    return hashing.digest.hexdigest(), hashing.size


class _Rest(io.RawIOBase):
    """What was read ahead, then the rest of the stream."""

    def __init__(self, head: bytes, tail):
        super().__init__()
        self.head, self.tail = head, tail

    def readable(self) -> bool:
        return True

    def read(self, size: int = -1) -> bytes:
        if self.head:
            data = self.head if size < 0 else self.head[:size]
            self.head = self.head[len(data) :]
            return data
        return self.tail.read(size)

    def readinto(self, buffer) -> int:
        data = self.read(len(buffer))
        buffer[: len(data)] = data
        return len(data)


def _upload(stream, key: str) -> None:
    """Up to S3 in one PUT when small (most talks of the bench, every PDF), else by multipart
    in 8 MiB parts, two at a time: memory stays bounded whatever the file's size."""
    from boto3.s3.transfer import TransferConfig

    client, bucket, object_key = media_storage.s3_client(), media_storage.s3_bucket(), media_storage.s3_object_key(key)
    extra = {"ContentType": media_storage.content_type_for(key), **media_storage.s3_object_parameters(key)}
    head = stream.read(UPLOAD_PART)
    if len(head) < UPLOAD_PART:
        client.put_object(Bucket=bucket, Key=object_key, Body=head, **extra)
        return
    client.upload_fileobj(
        _Rest(head, stream), bucket, object_key, ExtraArgs=extra,
        Config=TransferConfig(max_concurrency=2, multipart_chunksize=UPLOAD_PART, multipart_threshold=UPLOAD_PART),
    )  # fmt: skip


def _delete(key: str) -> None:
    try:
        default_storage.delete(key)
    except Exception:
        logger.exception("could not delete %s", key)


@transaction.atomic
def _gathering(plan: GatheringPlan) -> tuple[Retreat, bool]:
    """The gathering of a plan: found again by its event code, else created as a draft with
    its teachers, place and group (each created when the catalogue lacks it)."""
    retreat = Retreat.objects.filter(event_code=plan.event_code).first()
    if retreat is not None:
        return retreat, False
    start = plan.start_date or datetime.date(1900, 1, 1)
    slug = base = slugify(plan.event_code)[:190] or "gathering"
    while Retreat.objects.filter(slug=slug).exists():
        slug = f"{base}-{uuid.uuid4().hex[:6]}"
    retreat = Retreat.objects.create(
        name=plan.name[:200], slug=slug, event_code=plan.event_code, start_date=start,
        end_date=max(plan.end_date or start, start), audience_id=plan.audience, status=Retreat.Status.DRAFT,
    )  # fmt: skip
    retreat.teachers.set(Teacher.objects.filter(abbreviation__in=plan.teachers))
    for abbreviation in plan.places:
        place, _created = Place.objects.get_or_create(abbreviation=abbreviation, defaults={"name": abbreviation})
        retreat.places.add(place)
    if plan.group:
        group, _created = RetreatGroup.objects.get_or_create(
            slug=slugify(plan.group)[:200] or "group", defaults={"name": plan.group}
        )
        retreat.groups.add(group)
    return retreat, True


class _Sessions:
    """A gathering's sessions by name, read once; the planned ones it lacks are created after
    the last (a session is found again by its name on the next run)."""

    def __init__(self, retreat: Retreat):
        self.retreat = retreat
        self.by_name = {s.name: s for s in Session.objects.filter(retreat=retreat).order_by("order")}
        self.last = max((s.order for s in self.by_name.values()), default=0)

    def get(self, planned: PlannedSession) -> Session:
        if planned.name not in self.by_name:
            self.last += 1
            self.by_name[planned.name] = Session.objects.create(
                retreat=self.retreat, order=self.last, name=planned.name, name_pt=planned.name_pt,
                date=planned.date, type=planned.type,
            )  # fmt: skip
        return self.by_name[planned.name]


def apply_gathering(*, source, plan: GatheringPlan, on_file: Callable[[], None] | None = None) -> Applied:
    """Import one planned gathering (see the module's docstring). Safe to run again: what is
    recorded as done is skipped."""
    outcome = Applied()
    retreat, created = _gathering(plan)
    outcome.gatherings_created += int(created)
    codes = {code for session in plan.sessions for track in session.tracks for code in track.speakers}
    teachers = {t.abbreviation: t for t in Teacher.objects.filter(abbreviation__in=codes)}
    locations = [t.location for s in plan.sessions for t in s.tracks] + [
        t.location for s in plan.sessions for t in s.transcripts
    ]
    done = set(ArchiveFile.objects.filter(location__in=locations).values_list("location", flat=True))
    tick = on_file or (lambda: None)
    opened, sizes = _Opened(source), dict[str, int]()
    new_tracks: list[int] = []
    try:
        with ThreadPoolExecutor(max_workers=PUT_THREADS, thread_name_prefix="archive-put") as pool:
            sessions = _Sessions(retreat)
            batch = _TrackBatch(source, opened, sizes, teachers, pool)
            for planned_session in plan.sessions:
                todo = [t for t in planned_session.tracks if t.location not in done]
                for _item in range(len(planned_session.tracks) - len(todo)):
                    outcome.already += 1
                    tick()
                if todo:
                    session = sessions.get(planned_session)
                    for item in todo:
                        batch.add(item, session)
                        if batch.full():
                            new_tracks += batch.save(outcome, tick)
            new_tracks += batch.save(outcome, tick)
            # Transcripts once every track of the gathering is saved: they name their track.
            for planned_session in plan.sessions:
                for transcript in planned_session.transcripts:
                    if transcript.location in done:
                        outcome.already += 1
                    else:
                        status = _import_transcript(source, opened, sizes, sessions.get(planned_session), transcript)
                        setattr(outcome, status, getattr(outcome, status) + 1)
                    tick()
    finally:
        opened.close()
    if new_tracks:
        with transaction.atomic():
            # As the upload page does: listeners of a published gathering hear of new talks and
            # the connected part of its audience refreshes its catalogue (drafts: a no-op).
            tracks_added.send(sender=Track, retreat_id=retreat.pk, track_ids=new_tracks)
            live.tell_audience_on_commit(retreat_id=retreat.pk, reason=live.Reason.TRACKS_ADDED)
    return outcome


def _read_all(source, opened: _Opened, item, sizes: dict[str, int]) -> bytes:
    if item.member:
        if item.object_key not in sizes:
            sizes[item.object_key] = _object_size(source, item.object_key)
        with opened.member(item.object_key, sizes[item.object_key], item.member) as stream:
            return stream.read()
    with source.open(StoredObject(item.object_key, item.size)) as stream:
        return stream.read()


def _put(client, key: str, data: bytes) -> None:
    """One small file up in one PUT, by ``client`` (boto3 clients are thread-safe; the
    storage's own connection is per thread, and a boto3 session per thread costs ~15 MB)."""
    extra = {"ContentType": media_storage.content_type_for(key), **media_storage.s3_object_parameters(key)}
    client.put_object(Bucket=media_storage.s3_bucket(), Key=media_storage.s3_object_key(key), Body=data, **extra)


@dataclass
class _Prepared:
    item: PlannedTrack
    track: Track
    key: str
    checksum: str
    size: int
    upload: Future | None = None


class _TrackBatch:
    """Tracks of one session saved together: their files go up to storage first (small ones
    read whole and sent by a few threads at once, large ones streamed by multipart), then their
    rows, speakers and archive records are written in one transaction. A crash loses at most
    the batch in flight (its objects stay unreferenced; the next run uploads them again)."""

    def __init__(self, source, opened, sizes, teachers: dict[str, Teacher], pool):
        self.source, self.opened, self.sizes, self.teachers, self.pool = source, opened, sizes, teachers, pool
        self.client = media_storage.s3_client() if media_storage.is_s3() else None
        self.items: list[_Prepared] = []
        self.in_memory = 0

    def full(self) -> bool:
        return len(self.items) >= BATCH_FILES or self.in_memory >= BATCH_BYTES

    def add(self, item: PlannedTrack, session: Session) -> None:
        track = Track(
            uuid=uuid.uuid4(), session=session, order=item.order, title=item.title or item.filename,
            language=item.language, languages=language_set(item.languages, item.language),
            part_number=item.part_number, is_practice=item.is_practice,
        )  # fmt: skip
        key = media_storage.track_audio_key(track, item.filename)
        if media_storage.is_s3() and item.size <= SMALL_FILE:
            data = _read_all(self.source, self.opened, item, self.sizes)
            upload = self.pool.submit(_put, self.client, key, data)
            self.in_memory += len(data)
            self.items.append(_Prepared(item, track, key, hashlib.sha256(data).hexdigest(), len(data), upload))
        else:
            checksum, size = _stream(self.source, self.opened, item, key, self.sizes)
            self.items.append(_Prepared(item, track, key, checksum, size))

    def save(self, outcome: Applied, tick: Callable[[], None]) -> list[int]:
        items, self.items, self.in_memory = self.items, [], 0
        if not items:
            return []
        for prepared in items:
            if prepared.upload is not None:
                prepared.upload.result()  # an upload error stops the run here; nothing of the batch is recorded
        imported = set(
            ArchiveFile.objects.filter(
                checksum__in=[p.checksum for p in items], status=ArchiveFile.Status.IMPORTED
            ).values_list("checksum", "location")
        )
        earlier = dict(imported)
        fresh, duplicates = [], []
        for prepared in items:
            if prepared.checksum in earlier:
                duplicates.append(prepared)
            else:
                earlier[prepared.checksum] = prepared.item.location
                fresh.append(prepared)
        for prepared in duplicates:
            _delete(prepared.key)
        ArchiveFile.objects.bulk_create(
            [
                ArchiveFile(location=p.item.location, checksum=p.checksum, size=p.size, audio_set=p.item.audio_set,
                            status=ArchiveFile.Status.DUPLICATE, note=f"same bytes as {earlier[p.checksum]}"[:500])
                for p in duplicates
            ],
            ignore_conflicts=True,
        )  # fmt: skip
        outcome.duplicates += len(duplicates)
        try:
            with transaction.atomic():
                created = self._write(fresh)
        except IntegrityError:
            # A number taken in this session (a track staff added by hand): one by one, so that
            # only the files that clash are left out.
            created = []
            for prepared in fresh:
                try:
                    with transaction.atomic():
                        created += self._write([prepared])
                except IntegrityError as exc:
                    _delete(prepared.key)
                    ArchiveFile.objects.get_or_create(
                        location=prepared.item.location,
                        defaults={"checksum": prepared.checksum, "size": prepared.size,
                                  "status": ArchiveFile.Status.SKIPPED, "audio_set": prepared.item.audio_set,
                                  "note": f"not saved: {exc}"[:500]},
                    )  # fmt: skip
                    outcome.skipped += 1
        outcome.imported += len(created)
        for _prepared in items:
            tick()
        return created

    def _write(self, batch: list[_Prepared]) -> list[int]:
        originals: dict[tuple[int, int], int] = {}
        if any(p.item.original_order for p in batch):
            sessions = {p.track.session_id for p in batch}
            for session_id, order, pk in Track.objects.filter(
                session_id__in=sessions, original__isnull=True
            ).values_list("session_id", "order", "pk"):
                originals.setdefault((session_id, order), pk)
        for prepared in batch:
            track = prepared.track
            track.audio_file.name, track.file_size, track.checksum = prepared.key, prepared.size, prepared.checksum
        # Originals first: a translation of the same batch points at its original's new row.
        ordered = sorted(batch, key=lambda p: p.item.original_order is not None)
        saved: list[Track] = []
        for group in ([p for p in ordered if not p.item.original_order], [p for p in ordered if p.item.original_order]):
            for prepared in group:
                track = prepared.track
                if prepared.item.original_order:
                    track.original_id = originals.get((track.session_id, prepared.item.original_order))
                track.original_language = track.original_language or (
                    prepared.item.original_language if track.original_id else track.language
                )
            rows = Track.objects.bulk_create([p.track for p in group])
            saved += rows
            for row in rows:
                if row.original_id is None:
                    originals.setdefault((row.session_id, row.order), row.pk)
        TrackSpeaker.objects.bulk_create(
            TrackSpeaker(track=p.track, teacher=self.teachers[code], position=position)
            for p in batch
            for position, code in enumerate(dict.fromkeys(c for c in p.item.speakers if c in self.teachers))
        )
        ArchiveFile.objects.bulk_create(
            ArchiveFile(location=p.item.location, checksum=p.checksum, size=p.size, status=ArchiveFile.Status.IMPORTED,
                        audio_set=p.item.audio_set, track=p.track)
            for p in batch
        )  # fmt: skip
        for track in saved:
            # Saved waiting (the default status): the job goes once the batch has committed.
            jobs.TRACK.send_on_commit(track.pk)
            # bulk_create sends no post_save: what the signals would queue is queued here.
            schedule_track_indexing(track.pk)
        transaction.on_commit(bump_catalogue_version)
        return [t.pk for t in saved]


def _import_transcript(source, opened, sizes, session: Session, item: PlannedTranscript) -> str:
    owner = Track.objects.filter(session=session, order=item.track_order, language=item.track_language).first()
    if owner is None or Transcript.objects.filter(track=owner, language=item.language).exists():
        ArchiveFile.objects.get_or_create(
            location=item.location,
            defaults={"status": ArchiveFile.Status.SKIPPED, "size": item.size,
                      "note": "its track was not imported" if owner is None else "the track has this transcript"},
        )  # fmt: skip
        return "skipped"
    transcript = Transcript(uuid=uuid.uuid4(), track=owner, language=item.language)
    key = media_storage.transcript_key(transcript)
    checksum, size = _stream(source, opened, item, key, sizes)
    with transaction.atomic():
        transcript.pdf_file.name, transcript.file_size, transcript.checksum = key, size, checksum
        transcript.save()
        ArchiveFile.objects.create(
            location=item.location, checksum=checksum, size=size, status=ArchiveFile.Status.IMPORTED,
            transcript=transcript,
        )  # fmt: skip
        processing.transcript_queue_processing(transcript=transcript)
    return "imported"


# --- The report ----------------------------------------------------------------------------


@dataclass
class Report:
    """A plan's totals and its problems, gathered while the plan streams by (the gatherings
    themselves go to the JSON report one at a time)."""

    gatherings: int = 0
    new_gatherings: int = 0
    sessions: int = 0
    tracks: int = 0
    translations: int = 0
    transcripts: int = 0
    files_to_import: int = 0
    imported_before: int = 0
    unplaced: list[dict] = field(default_factory=list)
    duplicates: int = 0
    disagreements: list[dict] = field(default_factory=list)
    rows_without_files: list[dict] = field(default_factory=list)
    csv_errors: list[dict] = field(default_factory=list)
    warnings: list[dict] = field(default_factory=list)
    groups: set[str] = field(default_factory=set)
    listing: dict = field(default_factory=dict)

    MAX_LISTED = 2000  # problems kept for the summary; the JSON report has them all

    def _keep(self, items: list, item: dict) -> None:
        if len(items) < self.MAX_LISTED:
            items.append(item)

    def count(self, item) -> None:
        if isinstance(item, GatheringPlan):
            self.gatherings += 1
            self.new_gatherings += int(not item.exists)
            if item.group:
                self.groups.add(item.group)
            self.sessions += len(item.sessions)
            for session in item.sessions:
                self.tracks += len(session.tracks)
                self.translations += sum(1 for t in session.tracks if t.original_order)
                self.transcripts += len(session.transcripts)
                for track in session.tracks:
                    for warning in track.warnings:
                        self._keep(self.warnings, {"location": track.location, "warning": warning})
            self.files_to_import += item.files - item.imported_before
            self.imported_before += item.imported_before
            self.duplicates += len(item.duplicates)
            for unplaced in item.unplaced:
                self._keep(self.unplaced, asdict(unplaced))
            for check in item.checks:
                if not check.agrees:
                    self._keep(self.disagreements, {"eventCode": item.event_code, **asdict(check)})
            for problem in item.problems:
                self._keep(self.warnings, {"location": item.event_code, "warning": problem})
        elif isinstance(item, Unplaced):
            self._keep(self.unplaced, asdict(item))
        elif isinstance(item, ArchiveRow):
            self._keep(self.rows_without_files, {"eventCode": item.event_code, "line": item.line})

    def as_dict(self) -> dict:
        data = asdict(self)
        data["groups"] = sorted(self.groups)
        return data

    def text(self) -> str:
        lines = [
            f"{self.gatherings} gatherings ({self.new_gatherings} new), {self.sessions} sessions, "
            f"{self.tracks} tracks ({self.translations} translations), {self.transcripts} transcripts",
            f"groups: {', '.join(sorted(self.groups)) or '-'}",
            f"files to import: {self.files_to_import} ({self.imported_before} imported before); "
            f"duplicates left out: {self.duplicates}",
        ]
        if self.listing:
            lines.append(
                f"listing: {self.listing.get('objects', 0)} objects in {self.listing.get('seconds', 0):.2f} s; "
                f"{self.listing.get('bytesRead', 0)} bytes read"
            )
        for title, items, fmt in (
            ("Could not place", self.unplaced, lambda i: f"{i['location']}: {i['reason']}"),
            ("CSV rows with no files", self.rows_without_files, lambda i: f"line {i['line']}: {i['eventCode']}"),
            ("Declared counts or durations that disagree with the files", self.disagreements,
             lambda i: f"{i['eventCode']} audio {i['audio_set']}: declared {i['declared_count']} tracks"
             f" ({i['declared_seconds']} s), files {i['files']}"
             + (f" ({i['files_seconds']} s)" if i["files_seconds"] is not None else "")),
            ("CSV errors", self.csv_errors, lambda i: f"line {i['line']}: {i['error']}"),
            ("To review", self.warnings, lambda i: f"{i['location']}: {i['warning']}"),
        ):  # fmt: skip
            if items:
                lines.append(f"\n{title} ({len(items)}):")
                lines.extend(f"  {fmt(i)}" for i in items)
        return "\n".join(lines)


# --- One run: plan, and apply when asked ---------------------------------------------------


@dataclass
class Progress:
    gatherings_total: int = 0
    gatherings_done: int = 0
    files_done: int = 0


def run(
    *,
    source,
    rows: list[ArchiveRow],
    csv_errors: list[dict],
    apply: bool = False,
    on_gathering: Callable[[GatheringPlan], None] | None = None,
    on_progress: Callable[[Progress], None] | None = None,
) -> tuple[Report, Applied]:
    """Plan the whole archive (and import it, with ``apply``), one gathering at a time."""
    report, applied, progress = Report(csv_errors=list(csv_errors)), Applied(), Progress()
    started = time.monotonic()

    def listed(counts: dict) -> None:
        report.listing = {**counts, "seconds": round(time.monotonic() - started, 3)}

    for item in plan(source=source, rows=rows, on_listed=listed):
        progress.gatherings_total = report.listing.get("gatherings", 0)
        report.count(item)
        if not isinstance(item, GatheringPlan):
            continue
        if on_gathering:
            on_gathering(item)
        if apply:

            def one_file() -> None:
                progress.files_done += 1
                if on_progress and progress.files_done % 25 == 0:
                    on_progress(progress)

            applied.add(apply_gathering(source=source, plan=item, on_file=one_file))
        progress.gatherings_done += 1
        if on_progress:
            on_progress(progress)
    report.listing["planSeconds"] = round(time.monotonic() - started, 3)
    report.listing["bytesRead"] = source.fetched
    if isinstance(source, S3Source):
        report.listing["rangedRequests"] = source.requests
    return report, applied


# --- Imports started from the admin (ArchiveImport rows, run by media.tasks) ---------------


class ArchiveImportError(Exception):
    """A request to start an import that cannot be done as asked."""


def import_start(*, csv_name: str, csv_text: str, source: str, user) -> ArchiveImport:
    """Record an import staff asked for and queue its plan (a dry run) once committed."""
    source = source.strip()
    if not source:
        raise ArchiveImportError(_("Say where the files are: an S3 prefix such as s3://bucket/mediateca/."))
    if not media_storage.is_s3() and not source.startswith("s3://"):
        raise ArchiveImportError(_("The media storage is not S3: give the archive as s3://bucket/prefix/."))
    rows, errors = read_csv(csv_text)
    if not rows:
        raise ArchiveImportError(
            _("The CSV has no row to import (%(error)s).") % {"error": errors[0]["error"] if errors else "-"}
        )
    with transaction.atomic():
        job = ArchiveImport.objects.create(
            source=source[:1000], csv_name=csv_name[:300], csv_text=csv_text, created_by=user,
            language=(translation.get_language() or settings.LANGUAGE_CODE)[:8],
        )  # fmt: skip
        audit(user=user, obj=job, message=gettext_noop("Started an archive import (plan)"))
        transaction.on_commit(lambda: _send("media.tasks.plan_archive_import", job.pk))
    return job


def import_apply_start(*, job: ArchiveImport, user) -> bool:
    """Queue the import of a planned (or interrupted) import; False when it is not ready."""
    with transaction.atomic():
        started = ArchiveImport.objects.filter(
            pk=job.pk, status__in=[ArchiveImport.Status.PLANNED, ArchiveImport.Status.FAILED]
        ).update(status=ArchiveImport.Status.APPLYING, error="", updated_at=timezone.now())
        if started:
            audit(user=user, obj=job, message=gettext_noop("Started an archive import (apply)"))
            transaction.on_commit(lambda: _send("media.tasks.apply_archive_import", job.pk))
    return bool(started)


def _send(task_name: str, job_id: int) -> None:
    from celery import current_app

    current_app.tasks[task_name].delay(job_id)


def _lock(job_id: int):
    return f"media:archive-import:{job_id}"


def import_plan(*, job_id: int) -> bool:
    """The task's body: plan and store the report. False when there is nothing to do."""
    return _run_job(job_id=job_id, status=ArchiveImport.Status.PLANNING, apply=False)


def import_apply(*, job_id: int) -> bool:
    return _run_job(job_id=job_id, status=ArchiveImport.Status.APPLYING, apply=True)


def _run_job(*, job_id: int, status: str, apply: bool) -> bool:
    if not cache.add(_lock(job_id), 1, timeout=24 * 3600):
        return False  # another delivery of this job is running
    try:
        job = ArchiveImport.objects.filter(pk=job_id, status=status).first()
        if job is None:
            return False
        with translation.override(job.language):
            return _run(job, apply=apply)
    finally:
        cache.delete(_lock(job_id))


def _run(job: ArchiveImport, *, apply: bool) -> bool:
    """Plan (or apply) an import and store its report and outcome on the row."""
    job_id = job.pk
    rows, errors = read_csv(job.csv_text)
    plans: list[dict] = []
    last = [0.0]

    def progress(state: Progress) -> None:
        now = time.monotonic()
        if now - last[0] >= 1:
            last[0] = now
            ArchiveImport.objects.filter(pk=job_id).update(files_done=state.files_done, updated_at=timezone.now())

    try:
        report, applied = run(
            source=S3Source(job.source), rows=rows, csv_errors=errors, apply=apply,
            on_gathering=lambda plan: plans.append(plan.as_dict()), on_progress=progress,
        )  # fmt: skip
    except Exception as exc:
        logger.exception("archive import %s failed", job_id)
        ArchiveImport.objects.filter(pk=job_id).update(
            status=ArchiveImport.Status.FAILED, error=str(exc)[:2000], updated_at=timezone.now()
        )
        return True
    data = {**report.as_dict(), "plans": plans}
    if apply:
        data["applied"] = asdict(applied)
    ArchiveImport.objects.filter(pk=job_id).update(
        status=ArchiveImport.Status.APPLIED if apply else ArchiveImport.Status.PLANNED,
        report=data,
        files_total=report.files_to_import + report.imported_before,
        files_done=report.files_to_import + report.imported_before if apply else 0,
        updated_at=timezone.now(),
    )
    return True
