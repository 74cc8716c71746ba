"""Guesses from the archive's real file names: track number, title, speakers, languages,
translation pairing, date and AM/PM part. A pure function: staff review and correct every
guess before anything is saved (docs/field-notes.md: fifteen repair scripts came from silent guesses).

Examples of real names::

    001 JKR - The daily practice in three parts-(17 April AM).mp3
    001 TRAD - A pratica diaria em tres partes.mp3        (Portuguese translation of 001)
    03 KPS [POR] Introducao ao texto 2017-11-15.mp3
    01-TPWR-20030614-KAR.mp3
    019 JKR+TRAD - Bodhicitta.mp3                          (English teaching with live Portuguese)
    016 KPS+JKR - Questions and answers.mp3               (two speakers, KPS the main one)
    005 JKR - Teaching (18 April AM part 2).mp3            (the second part of a morning)
    000 [PRACTICE] Guru Yoga recitation.mp3               (a practice, shown first)
    2025-10-27-Guru_Yoga [ENG - Audio].m4a
    2017-11-15 AM part 2.mp3                               (only a date and a part: they give the order)
    Faixa 07.mp3 / Track 07.mp3                            (numbered legacy names)
"""

import datetime
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import PurePath

from django.utils.translation import gettext as _

AUDIO_EXTENSIONS = {".mp3", ".m4a", ".aac", ".mp4", ".wav", ".ogg", ".flac", ".opus"}
TRANSCRIPT_EXTENSIONS = {".pdf"}

LANGUAGE_TAGS = {
    "ENG": "en", "EN": "en", "ENGLISH": "en", "INGLES": "en",
    "POR": "pt", "PT": "pt", "PORT": "pt", "PORTUGUES": "pt", "PORTUGUESE": "pt",
    "TIB": "tib", "TIBETAN": "tib", "TIBETANO": "tib",
    "FR": "fr", "FRA": "fr", "FRE": "fr", "FRENCH": "fr", "FRANCES": "fr",
    "ES": "es", "ESP": "es", "SPA": "es", "DE": "de", "GER": "de", "DEU": "de",
}  # fmt: skip

MONTHS = {
    # English
    "january": 1, "jan": 1, "february": 2, "feb": 2, "march": 3, "mar": 3, "april": 4, "apr": 4,
    "may": 5, "june": 6, "jun": 6, "july": 7, "jul": 7, "august": 8, "aug": 8,
    "september": 9, "sept": 9, "sep": 9, "october": 10, "oct": 10, "november": 11, "nov": 11,
    "december": 12, "dec": 12,
    # Portuguese
    "janeiro": 1, "fevereiro": 2, "fev": 2, "marco": 3, "março": 3, "abril": 4, "abr": 4, "maio": 5, "mai": 5,
    "junho": 6, "julho": 7, "agosto": 8, "ago": 8, "setembro": 9, "set": 9, "outubro": 10, "out": 10,
    "novembro": 11, "dezembro": 12, "dez": 12,
}  # fmt: skip

TRANSLATION_MARK = "TRAD"
_MONTH = "|".join(sorted(MONTHS, key=len, reverse=True))

_ISO_DATE = re.compile(r"(?<!\d)((?:19|20)\d{2})[-._]?(0[1-9]|1[0-2])[-._]?(0[1-9]|[12]\d|3[01])(?!\d)")
_DMY_DATE = re.compile(r"(?<!\d)(0?[1-9]|[12]\d|3[01])[./-](0?[1-9]|1[0-2])[./-]((?:19|20)\d{2})(?!\d)")
_DAY_MONTH = re.compile(
    rf"(?<![\w])(0?[1-9]|[12]\d|3[01])(?:st|nd|rd|th|º)?[\s._-]*(?:de\s+)?({_MONTH})\.?(?:[\s,._-]*(?:de\s+)?((?:19|20)\d{{2}}))?(?![\w])",
    re.I,
)
_MONTH_DAY = re.compile(
    rf"(?<![\w])({_MONTH})\.?[\s._-]*(0?[1-9]|[12]\d|3[01])(?:st|nd|rd|th)?(?:[\s,._-]+((?:19|20)\d{{2}}))?(?![\w])",
    re.I,
)
_PART = re.compile(r"(?<![A-Za-z])(AM|PM|am|pm)(?:[\s_-]*(?:part|parte|pt)[\s_.-]*(\d{1,2}))?(?![A-Za-z])")
_LOOSE_PART = re.compile(r"(?<![A-Za-z])(?:part|parte)[\s_.-]*(\d{1,2})(?![\d])", re.I)
_BRACKETS = re.compile(r"\[([^\]]*)\]")
# A practice (guided recitation) announced by a tag ([PRACTICE], [PRÁTICA]) or by its title's first words.
_PRACTICE_TAG = re.compile(r"^\s*(?:practice|pr[aá]tica|recitation|recita[cç][aã]o)\s*$", re.I)
_PRACTICE_TITLE = re.compile(
    r"^(?:practice|pr[aá]tica|recitation|recita[cç][aã]o|guided meditation|medita[cç][aã]o guiada|sadhana|puja)\b",
    re.I,
)
_PARENS = re.compile(r"\(([^)]*)\)")
# "Sessão 3", "Session 2", "Sessao 4": a session number in a name that has nothing else to order it by.
_SESSION_NUMBER = re.compile(r"(?<![A-Za-z])(?:session|sess[aã]o|sess)[\s_.-]*(\d{1,2})(?!\d)", re.I)
# Legacy names: "Faixa 07", "Track 7", "Pista 3", "CD1 Faixa 05".
_LEGACY_NUMBER = re.compile(r"^\s*(?:cd\s*\d+\s*[-_ ]?\s*)?(?:faixa|track|pista|trk)[\s_.-]*(\d{1,4})(?!\d)", re.I)
_LEADING_NUMBER = re.compile(r"^\s*(\d{1,4})(?=$|[\s._-])")
_CODE_GROUP = re.compile(r"^[\s._-]*([A-Z]{2,5}(?:\s*\+\s*[A-Z]{2,5})*)(?=$|[\s._-])")
_SEPARATORS = " \t-–—_.,;:"


@dataclass
class ParsedName:
    filename: str
    kind: str  # audio | transcript | other
    extension: str
    number: int | None = None
    title: str = ""
    speakers: list[str] = field(default_factory=list)
    language: str = "en"  # the main language heard
    languages: list[str] = field(default_factory=list)  # every language heard, the main one first
    original_language: str = ""  # the teaching's; "" for a translation: its original's
    language_tagged: bool = False
    is_translation: bool = False  # a Portuguese translation (TRAD) paired to the same number
    bilingual: bool = False  # JKR+TRAD: the teaching and its translation in one recording
    date: datetime.date | None = None
    part: str = ""  # "am" | "pm" | ""
    part_number: int | None = None
    is_practice: bool = False  # a guided recitation or practice, shown first in its session
    places: list[str] = field(default_factory=list)
    # Capital codes in a speaker's place that are no known teacher: kept out of the title, for review.
    unknown_codes: list[str] = field(default_factory=list)
    session_number: int | None = None  # "Sessão 3": with only a date, it gives the order

    @property
    def session_type(self) -> str:
        return {"am": "morning", "pm": "afternoon"}.get(self.part, "other")

    @property
    def order_key(self) -> tuple:
        """Where the file falls among files without a track number: by date, morning before
        afternoon, then part or session number, then name."""
        return (
            self.date or datetime.date.max,
            {"am": 0, "pm": 1}.get(self.part, 2),
            self.part_number or 0,
            self.session_number or 0,
            self.filename.lower(),
        )


def _languages_of_tag(tag: str) -> list[str]:
    """``ENG - Audio`` → ``["en"]``, ``TIB-ENG`` → ``["tib", "en"]``."""
    found: list[str] = []
    for word in re.split(r"[\s\-/,+]+", tag.strip().upper()):
        if word in LANGUAGE_TAGS and LANGUAGE_TAGS[word] not in found:
            found.append(LANGUAGE_TAGS[word])
    return found


def _safe_date(year: int | None, month: int, day: int) -> datetime.date | None:
    if year is None:
        return None
    try:
        return datetime.date(year, month, day)
    except ValueError:
        return None


def _take_date(text: str, default_year: int | None) -> tuple[datetime.date | None, str]:
    for pattern, order in ((_ISO_DATE, "ymd"), (_DMY_DATE, "dmy"), (_DAY_MONTH, "dMy"), (_MONTH_DAY, "Mdy")):
        match = pattern.search(text)
        if not match:
            continue
        a, b, c = match.groups()
        if order == "ymd":
            found = _safe_date(int(a), int(b), int(c))
        elif order == "dmy":
            found = _safe_date(int(c), int(b), int(a))
        elif order == "dMy":
            found = _safe_date(int(c) if c else default_year, MONTHS[b.lower()], int(a))
        else:
            found = _safe_date(int(c) if c else default_year, MONTHS[a.lower()], int(b))
        if found is None and order in ("dMy", "Mdy") and not c:
            # A day and month without a year: keep the words out of the title, leave the date to staff.
            return None, text[: match.start()] + " " + text[match.end() :]
        if found is not None:
            return found, text[: match.start()] + " " + text[match.end() :]
    return None, text


def _tidy(text: str) -> str:
    text = re.sub(r"\s+", " ", text)
    text = re.sub(r"\s*-\s*(-\s*)+", " - ", text)  # "a - - b" → "a - b"
    text = re.sub(r"\(\s*\)|\[\s*\]", " ", text)
    return re.sub(r"\s+", " ", text).strip(_SEPARATORS)


def parse_filename(
    filename: str,
    *,
    speakers: Mapping[str, str] | None = None,
    places: Mapping[str, str] | None = None,
    default_year: int | None = None,
) -> ParsedName:
    """Guess a track's fields from its file name.

    ``speakers`` maps every known abbreviation and alias to the canonical one
    (``{"PWR": "PWR", "TPWR": "PWR"}``); ``places`` likewise (``{"CCA": "CCA"}``). Without
    ``speakers``, any 2–5 capital-letter code after the number is taken as a speaker.
    ``default_year`` completes dates written without a year ("17 April").
    """
    speakers = {k.upper(): v for k, v in (speakers or {}).items()}
    places = {k.upper(): v for k, v in (places or {}).items()}
    path = PurePath(filename.replace("\\", "/"))
    extension = path.suffix.lower() if path.suffix[1:].isalnum() else ""
    kind = "audio" if extension in AUDIO_EXTENSIONS else "transcript" if extension in TRANSCRIPT_EXTENSIONS else "other"
    text = path.name[: -len(path.suffix)] if extension else path.name
    text = text.replace("_", " ")
    result = ParsedName(filename=path.name, kind=kind, extension=extension)

    # [ENG - Audio], [POR], [TIB]: language tags; other bracketed words stay in the title.
    tagged: list[str] = []

    def bracket(match):
        if _PRACTICE_TAG.match(match.group(1)):
            result.is_practice = True
            return " "
        languages = _languages_of_tag(match.group(1))
        if not languages:
            return match.group(0)
        tagged.extend(code for code in languages if code not in tagged)
        result.language, result.language_tagged = tagged[0], True
        return " "

    text = _BRACKETS.sub(bracket, text)

    # Leading ISO date (2025-10-27-Guru Yoga) before the leading number, so 2025 is no track number.
    # A leading date, ISO or a day and month name ("15 Novembro - Sessão 3"), is no track number.
    leading_date = _ISO_DATE.match(text.strip()) or _DAY_MONTH.match(text.strip())
    legacy = _LEGACY_NUMBER.match(text)
    if leading_date:
        result.date, text = _take_date(text, default_year)
    elif legacy:
        result.number = int(legacy.group(1))
        text = text[legacy.end() :]
    else:
        number = _LEADING_NUMBER.match(text)
        if number:
            result.number = int(number.group(1))
            text = text[number.end() :]

    # Codes right after the number: JKR, KPS+JKR, JKR+TRAD, TRAD, TPWR.
    codes = _CODE_GROUP.match(text)
    if codes:
        taken = []
        unknown = []
        # A code group closed by " - " (or the end) stands where speakers stand: a code there
        # that is no known teacher is flagged for review rather than read as the title.
        closed = bool(re.match(r"\s*(?:-|–|$)", text[codes.end() :]))
        for word in (c.strip() for c in codes.group(1).split("+")):
            if word == TRANSLATION_MARK:
                taken.append(word)
                result.is_translation = True
            elif word in speakers or (not speakers and word not in LANGUAGE_TAGS and word not in places):
                taken.append(word)
                result.speakers.append(speakers.get(word, word))
            elif word in places:
                taken.append(word)
                result.places.append(places[word])
            elif word in LANGUAGE_TAGS:
                taken.append(word)
                if LANGUAGE_TAGS[word] not in tagged:
                    tagged.append(LANGUAGE_TAGS[word])
                result.language, result.language_tagged = tagged[0], True
            elif speakers and (closed or taken):
                taken.append(word)
                unknown.append(word)
        if len(taken) == len(codes.group(1).split("+")):
            text = text[codes.end() :]
            result.unknown_codes.extend(unknown)
        else:
            result.speakers, result.places, result.is_translation = [], [], False

    result.languages = list(tagged) or [result.language]
    result.original_language = result.language
    if result.is_translation and result.speakers:
        # JKR+TRAD: one recording holding the teaching and its (Portuguese) interpretation.
        result.is_translation, result.bilingual = False, True
        if "pt" not in result.languages:
            result.languages.append("pt")
    elif result.is_translation:
        # TRAD: the interpretation alone, in its own track; the teaching's language is the original's.
        if not result.language_tagged:
            result.language = "pt"
            result.languages = ["pt"]
        result.original_language = ""

    # Dates and parts, inside parentheses or not: (17 April AM), 2017-11-15, AM_part_1.
    def parens(match):
        inner = match.group(1)
        found, rest = _take_date(inner, default_year)
        part = _PART.search(rest)
        if found or part or rest != inner:
            if found:
                result.date = result.date or found
            if part:
                rest = rest[: part.start()] + rest[part.end() :]
                result.part = part.group(1).lower()
                result.part_number = int(part.group(2)) if part.group(2) else None
            return " " + rest.strip(_SEPARATORS) + " " if rest.strip(_SEPARATORS) else " "
        return match.group(0)

    text = _PARENS.sub(parens, text)
    if result.date is None:
        result.date, text = _take_date(text, default_year)
    if not result.part:
        part = _PART.search(text)
        if part:
            result.part = part.group(1).lower()
            result.part_number = int(part.group(2)) if part.group(2) else None
            text = text[: part.start()] + " " + text[part.end() :]
    if result.part_number is None:
        loose = _LOOSE_PART.search(text)
        if loose and (result.part or result.date):
            result.part_number = int(loose.group(1))
            text = text[: loose.start()] + " " + text[loose.end() :]
    session_number = _SESSION_NUMBER.search(text)
    if session_number and result.number is None:
        result.session_number = int(session_number.group(1))
        text = text[: session_number.start()] + " " + text[session_number.end() :]

    # Remaining capital codes: known speakers or places anywhere; others stay in the title.
    def code(match):
        word = match.group(0)
        if word in places:
            result.places.append(places[word])
            return " "
        if word in speakers and speakers[word] not in result.speakers:
            result.speakers.append(speakers[word])
            return " "
        return word

    text = re.sub(r"(?<![A-Za-z])[A-Z]{2,5}(?![A-Za-z])", code, text)
    title = _tidy(text)
    if title and re.fullmatch(r"[A-Z]{2,5}", title) and title not in speakers:
        # A lone code (01-TPWR-20030614-KAR): flagged for review, never shown as the title.
        result.unknown_codes.append(title)
        title = ""
    result.title = title
    result.is_practice = result.is_practice or bool(_PRACTICE_TITLE.match(title))
    return result


def pair_translations(parsed: list[ParsedName]) -> dict[int, int]:
    """Index of each translation (TRAD) → index of the original with the same number, among
    audio files of one upload batch. Unpaired translations are left out for staff to pair."""
    originals = {
        p.number: i for i, p in enumerate(parsed) if p.kind == "audio" and p.number is not None and not p.is_translation
    }
    return {
        i: originals[p.number]
        for i, p in enumerate(parsed)
        if p.kind == "audio" and p.is_translation and p.number in originals
    }


def pair_with_originals(
    parsed: list[ParsedName], *, existing: set[int] | frozenset[int] = frozenset()
) -> dict[int, int]:
    """Index of each translation → the number of its original: one of the same batch, or one
    saved before (``existing``: numbers of the session's originals), so a translation uploaded
    or imported in a later batch still pairs. Translations left out have no original yet."""
    in_batch = pair_translations(parsed)
    pairs = {index: parsed[original].number for index, original in in_batch.items()}
    for index, p in enumerate(parsed):
        if index not in pairs and p.kind == "audio" and p.is_translation and p.number in existing:
            pairs[index] = p.number
    return {index: number for index, number in pairs.items() if number is not None}


def unpaired_translations(parsed: list[ParsedName], pairs: Mapping[int, int]) -> list[int]:
    """Indexes of translations with no original, in the batch or saved before: staff are told."""
    return [i for i, p in enumerate(parsed) if p.kind == "audio" and p.is_translation and i not in pairs]


# --- Folder names: one sub-folder of a gathering's folder per session ------------------------

_SESSION_WORDS = {
    "am": "morning", "morning": "morning", "manha": "morning", "manhã": "morning",
    "pm": "afternoon", "afternoon": "afternoon", "tarde": "afternoon",
    "evening": "evening", "night": "evening", "noite": "evening",
}  # fmt: skip
_SESSION_WORD = re.compile(r"(?<![\w])(" + "|".join(sorted(_SESSION_WORDS, key=len, reverse=True)) + r")(?![\w])", re.I)


@dataclass
class ParsedFolder:
    """A sub-folder's guesses for the session it becomes: staff correct them before saving."""

    folder: str
    name: str
    date: datetime.date | None = None
    type: str = "other"  # a Session.Type value


def parse_folder_name(folder: str, *, default_year: int | None = None) -> ParsedFolder:
    """``2024-05-12 AM``, ``12 Maio manhã``, ``Day 2 - 13 May afternoon``: the date, and
    morning/afternoon/evening from AM/PM or the word in English or Portuguese."""
    date, rest = _take_date(folder, default_year)
    session_type = "other"
    match = _SESSION_WORD.search(rest)
    if match:
        session_type = _SESSION_WORDS[match.group(1).lower()]
    return ParsedFolder(folder=folder, name=_tidy(folder) or folder, date=date, type=session_type)


def order_folders(parsed: list[ParsedFolder]) -> list[ParsedFolder]:
    """In the order the sessions happened: by date, then morning, afternoon, evening; folders
    without a date after those with one, by name."""
    rank = {"morning": 0, "afternoon": 1, "evening": 2, "other": 3}
    return sorted(parsed, key=lambda p: (p.date is None, p.date or datetime.date.min, rank[p.type], p.folder.lower()))


# --- Event codes: YYYYMMDD[_DD]-TEACHERS-GROUP|TYPE-PLACE --------------------------------------

# The second-to-last part of an event code names a retreat group (PP4) or, for events in no
# group, a kind of event; these are the kinds (ENS: ensinamento, a teaching).
EVENT_TYPES = {
    "ENS": "teaching", "RET": "retreat", "PUB": "public talk", "PAL": "talk", "TALK": "talk",
    "CONF": "conference", "SEM": "seminar", "WS": "workshop", "INI": "initiation",
}  # fmt: skip
_EVENT_DATE = re.compile(r"^((?:19|20)\d{2})(0[1-9]|1[0-2])(0[1-9]|[12]\d|3[01])?(?:_(\d{2})(\d{2})?)?$")
_EVENT_PART = re.compile(r"^[A-Z0-9]{2,8}$")


@dataclass
class EventCode:
    """An event code's parts. ``month_only`` when the code gives no day (``202005-…``): the
    dates are then the month's first and last days. ``problems`` say what could not be read."""

    code: str
    start_date: datetime.date | None = None
    end_date: datetime.date | None = None
    month_only: bool = False
    teachers: list[str] = field(default_factory=list)
    group: str = ""
    type: str = ""
    place: str = ""
    problems: list[str] = field(default_factory=list)


def normalise_event_code(text: str) -> str:
    """``20171114_20 - KPS-WFL-ENS-VLH`` → ``20171114_20-KPS-WFL-ENS-VLH`` (the form kept and
    compared); ``+`` from URL-encoded keys counts as a space."""
    text = text.replace("+", " ").strip().upper()
    return re.sub(r"\s*-\s*", "-", re.sub(r"\s+", " ", text))


def _event_dates(text: str, result: EventCode) -> bool:
    match = _EVENT_DATE.match(text)
    if not match:
        return False
    year, month, day, end_a, end_b = match.groups()
    try:
        if day is None:
            result.month_only = True
            result.start_date = datetime.date(int(year), int(month), 1)
            following = result.start_date.replace(day=28) + datetime.timedelta(days=4)
            result.end_date = following - datetime.timedelta(days=following.day)
            return True
        result.start_date = datetime.date(int(year), int(month), int(day))
        if end_a is None:
            result.end_date = result.start_date
        elif end_b is not None:  # _MMDD
            result.end_date = datetime.date(int(year), int(end_a), int(end_b))
        else:  # _DD, in the next month when smaller than the first day
            end_day = int(end_a)
            if end_day >= result.start_date.day:
                result.end_date = result.start_date.replace(day=end_day)
            else:
                following = result.start_date.replace(day=28) + datetime.timedelta(days=4)
                result.end_date = following.replace(day=end_day)
    except ValueError:
        result.problems.append(_("impossible date"))
        result.start_date = result.end_date = None
        return True
    if result.end_date < result.start_date:
        result.problems.append(_("ends before it starts"))
        result.end_date = result.start_date
    return True


def parse_event_code(text: str) -> EventCode:
    """``20250426_27-JKR-PP4-CCA`` → 26–27 April 2025, teachers ``[JKR]``, group ``PP4``,
    place ``CCA``. Also ``20171114_20 - KPS-WFL-ENS-VLH`` (spaces; two teachers; ``ENS``, a
    kind of event, not a group) and ``202005-JKR-PP2-VID`` (a month, no day)."""
    code = normalise_event_code(text)
    result = EventCode(code=code)
    parts = [p for p in code.split("-") if p]
    if not parts:
        result.problems.append(_("empty"))
        return result
    if not _event_dates(parts[0], result):
        result.problems.append(_("no date at the start"))
        return result
    rest = parts[1:]
    for word in rest:
        if not _EVENT_PART.match(word.replace("+", "")):
            result.problems.append(_("unreadable part %(part)s") % {"part": word})
    if len(rest) >= 3:
        teacher_parts, kind, result.place = rest[:-2], rest[-2], rest[-1]
    elif len(rest) == 2:
        teacher_parts, kind = rest[:1], rest[1]
        result.problems.append(_("no place"))
    else:
        teacher_parts, kind = rest, ""
        result.problems.append(_("no group or type, no place"))
    for part in teacher_parts:
        for teacher in re.split(r"[+&,]", part):
            if teacher and teacher not in result.teachers:
                result.teachers.append(teacher)
    if kind in EVENT_TYPES:
        result.type = kind
    else:
        result.group = kind
    return result
