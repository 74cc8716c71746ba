"""The old website's export: one row per gathering, 62 columns (docs/field-notes.md), read by
column name so that a column more or less does not matter. A malformed row is reported with
its line, never guessed at."""

from __future__ import annotations

import csv
import datetime
import io
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.utils.translation import gettext as _

from .filenames import LANGUAGE_TAGS, normalise_event_code

_DATE_RANGE = re.compile(r"^\s*(\d{4}-\d{2}-\d{2})\s*(?:(?:a|até|ate|to|-|–)\s*(\d{4}-\d{2}-\d{2}))?\s*$", re.I)
_DURATION = re.compile(r"^\s*(?:(\d+)\s*h)?\s*(?:(\d+)\s*min)?\s*(?:(\d+)\s*s)?\s*$", re.I)
_COUNT = re.compile(r"^\s*(\d+)\s*(?:faixas?|tracks?|pistas?)?\s*$", re.I)
_SET_COLUMN = re.compile(r"^(audio|transcript)(\d+)(.*)$")


@dataclass
class AudioSet:
    number: int
    language: str = ""
    declared_seconds: int | None = None
    declared_count: int | None = None
    track_names: list[str] = field(default_factory=list)
    download_url: str = ""


@dataclass
class TranscriptSet:
    number: int
    language: str = ""
    status: str = ""
    pages: int | None = None
    download_url: str = ""


@dataclass
class ArchiveRow:
    line: int
    event_code: str
    title: str = ""
    teachers: list[str] = field(default_factory=list)
    start_date: datetime.date | None = None
    end_date: datetime.date | None = None
    place: str = ""
    main_themes: str = ""
    session_themes: str = ""
    audience: str = ""
    online: bool = True
    audio_sets: dict[int, AudioSet] = field(default_factory=dict)
    transcript_sets: dict[int, TranscriptSet] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)


def _key(header: str) -> str:
    """``audio1-Download-URL`` → ``audio1downloadurl``: headers compared without case or punctuation."""
    return re.sub(r"[^a-z0-9]", "", header.lower())


def _plain(text: str) -> str:
    return unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().upper()


def language_code(text: str) -> str:
    """``Inglês`` → ``en``, ``Português`` → ``pt``, ``Tibetano/Inglês`` → ``tib`` (the first)."""
    for word in re.split(r"[^A-Z]+", _plain(text)):
        if word in LANGUAGE_TAGS:
            return LANGUAGE_TAGS[word]
    return ""


def duration_seconds(text: str) -> int | None:
    """``02h 04min 29s`` → 7469; None when empty or unreadable."""
    match = _DURATION.match(text or "")
    if not text or not text.strip() or not match or not any(match.groups()):
        return None
    hours, minutes, seconds = (int(g or 0) for g in match.groups())
    return hours * 3600 + minutes * 60 + seconds


def read_csv(text: str) -> tuple[list[ArchiveRow], list[dict]]:
    """The rows, and the errors of those that could not be read (``{line, error}``)."""
    reader = csv.reader(io.StringIO(text.lstrip("\ufeff")))
    try:
        headers = next(reader)
    except StopIteration:
        return [], [{"line": 1, "error": _("the CSV is empty")}]
    keys = [_key(h) for h in headers]
    if "eventcode" not in keys:
        return [], [{"line": 1, "error": _("no eventCode column")}]
    rows: list[ArchiveRow] = []
    errors: list[dict] = []
    seen: set[str] = set()
    for values in reader:
        line = reader.line_num
        if not any(v.strip() for v in values):
            continue
        if len(values) != len(keys):
            errors.append(
                {
                    "line": line,
                    "error": _("%(got)s fields where the header has %(want)s")
                    % {"got": len(values), "want": len(keys)},
                }
            )
            continue
        row = _row(line, dict(zip(keys, values, strict=True)))
        if not row.event_code:
            errors.append({"line": line, "error": _("no event code")})
        elif row.event_code in seen:
            errors.append({"line": line, "error": _("event code %(code)s appears twice") % {"code": row.event_code}})
        else:
            seen.add(row.event_code)
            rows.append(row)
    return rows, errors


def _row(line: int, values: dict[str, str]) -> ArchiveRow:
    get = lambda name: (values.get(name) or "").strip()  # noqa: E731
    row = ArchiveRow(line=line, event_code=normalise_event_code(get("eventcode")) if get("eventcode") else "")
    row.title = get("eventtitle")
    row.teachers = [t.strip() for t in re.split(r"[|;]", get("teachername")) if t.strip()]
    row.place, row.audience = get("placeteaching"), get("distributionaudience")
    row.main_themes, row.session_themes = get("mainthemes"), get("sessionthemes")
    row.online = get("onoff").lower() not in {"off", "0", "no", "não", "nao"}
    dates = get("datestartdateend")
    if dates:
        match = _DATE_RANGE.match(dates)
        try:
            if not match:
                raise ValueError
            row.start_date = datetime.date.fromisoformat(match.group(1))
            row.end_date = datetime.date.fromisoformat(match.group(2)) if match.group(2) else row.start_date
        except ValueError:
            row.start_date = row.end_date = None
            row.problems.append(_("unreadable dates %(value)s: the event code's are used") % {"value": dates})
    for name, value in values.items():
        match = _SET_COLUMN.match(name)
        if not match or not value.strip():
            continue
        kind, number, what = match.group(1), int(match.group(2)), match.group(3)
        if kind == "audio":
            audio = row.audio_sets.setdefault(number, AudioSet(number))
            _audio_field(row, audio, what, value.strip())
        else:
            transcript = row.transcript_sets.setdefault(number, TranscriptSet(number))
            _transcript_field(row, transcript, what, value.strip())
    return row


def _audio_field(row: ArchiveRow, audio: AudioSet, what: str, value: str) -> None:
    if what == "language":
        audio.language = language_code(value)
    elif what == "duration":
        audio.declared_seconds = duration_seconds(value)
        if audio.declared_seconds is None:
            row.problems.append(_("audio %(n)s: unreadable duration %(value)s") % {"n": audio.number, "value": value})
    elif what == "tracksno":
        match = _COUNT.match(value)
        if match:
            audio.declared_count = int(match.group(1))
        else:
            row.problems.append(
                _("audio %(n)s: unreadable track count %(value)s") % {"n": audio.number, "value": value}
            )
    elif what == "tracknames":
        audio.track_names = [re.sub(r"^\s*\d+\s*[-.)]?\s*", "", n).strip() for n in _lines(value)]
    elif what == "downloadurl":
        audio.download_url = value


def _transcript_field(row: ArchiveRow, transcript: TranscriptSet, what: str, value: str) -> None:
    if what == "language":
        transcript.language = language_code(value)
    elif what == "status":
        transcript.status = value
    elif what == "pages":
        transcript.pages = int(value) if value.isdigit() else None
    elif what in {"pdfdownload", "downloadurl"}:
        transcript.download_url = value


def _lines(value: str) -> Iterable[str]:
    return [line for line in value.splitlines() if line.strip()]
