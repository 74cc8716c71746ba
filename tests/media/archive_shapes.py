"""A generated archive with the real one's shapes (docs/field-notes.md "The real archive"):
one folder per gathering with ZIPs of MP3s per audio set (English originals, Portuguese
translations sharing their numbers), loose files, PDFs in ``Transcrição 1``, ``.DS_Store``
debris, a legacy folder beside a new one, a folder named the old way, and the website's
62-column CSV export. Shared by tests/media/test_archive_*.py and bench/import.py."""

import csv
import datetime
import io
import zipfile
from collections.abc import Callable

AUDIO_SETS = 4
TRANSCRIPT_SETS = 4
EXTRA_COLUMNS = [
    "id", "slug", "eventType", "retreatGroup", "eventYear", "country", "city", "language", "translation",
    "notes", "created", "modified", "imageURL", "bookletURL", "youtubeURL", "practiceTexts", "contact",
]  # fmt: skip
COLUMNS = [
    "eventCode", "OnOff", "eventTitle", "teacherName", "dateStart-dateEnd", "placeTeaching", "mainThemes",
    "sessionThemes", "distributionAudience",
    *[f"audio{n}-{what}" for n in range(1, AUDIO_SETS + 1)
      for what in ("language", "duration", "tracksNo", "trackNames", "Download-URL")],
    *[f"transcript{n}-{what}" for n in range(1, TRANSCRIPT_SETS + 1)
      for what in ("language", "status", "pages", "PDF-download")],
    *EXTRA_COLUMNS,
]  # fmt: skip
assert len(COLUMNS) == 62

TITLES = ["The daily practice", "Bodhicitta", "Refuge", "Guru Yoga", "Impermanence", "Questions and answers"]
TITLES_PT = ["A prática diária", "Bodicita", "Refúgio", "Guru Ioga", "Impermanência", "Perguntas e respostas"]
MONTHS_PT = ["Janeiro", "Fevereiro", "Março", "Abril", "Maio", "Junho", "Julho", "Agosto", "Setembro",
             "Outubro", "Novembro", "Dezembro"]  # fmt: skip


def audio_bytes(seed: str, size: int) -> bytes:
    """Distinct bytes per file (an MP3 frame header, then filler), so checksums differ."""
    head = b"\xff\xfb\x90\x64" + seed.encode()
    return (head * (size // len(head) + 1))[:size]


def zip_of(members: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_STORED) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return out.getvalue()


def gathering_code(index: int) -> tuple[str, datetime.date]:
    start = datetime.date(2010, 1, 4) + datetime.timedelta(days=14 * index)
    end = start + datetime.timedelta(days=2)
    return f"{start:%Y%m%d}_{end:%d}-JKR-PP{index % 5 + 1}-CCA", start


def track_names(start: datetime.date, count: int, *, translation: bool) -> list[tuple[str, str]]:
    """``(file name, title)`` of a set's tracks: two per day, morning and afternoon."""
    names = []
    for n in range(1, count + 1):
        day = start + datetime.timedelta(days=(n - 1) // 2)
        part = "AM" if n % 2 else "PM"
        if translation:
            title = TITLES_PT[(n - 1) % len(TITLES_PT)]
            names.append((f"{n:03d} TRAD - {title} ({day.day} {MONTHS_PT[day.month - 1]} {part}).mp3", title))
        else:
            title = TITLES[(n - 1) % len(TITLES)]
            names.append((f"{n:03d} JKR - {title}-({day.day} {day:%B} {part}).mp3", title))
    return names


def csv_row(code: str, start: datetime.date, *, tracks: int, sets: int, declared: int | None = None) -> dict:
    row = dict.fromkeys(COLUMNS, "")
    row.update({
        "eventCode": code, "OnOff": "On", "eventTitle": f"Retreat {code[:8]}", "teacherName": "Jigme Khyentse Rinpoche",
        "dateStart-dateEnd": f"{start.isoformat()} a {(start + datetime.timedelta(days=2)).isoformat()}",
        "placeTeaching": "Centro", "mainThemes": "Bodhicitta", "distributionAudience": "Membros do grupo de retiros",
        "transcript1-language": "Inglês", "transcript1-status": "Revista", "transcript1-pages": "12",
    })  # fmt: skip
    for n in range(1, sets + 1):
        names = track_names(start, tracks, translation=n == 2)
        row.update({
            f"audio{n}-language": "Inglês" if n == 1 else "Português",
            f"audio{n}-duration": "02h 04min 29s",
            f"audio{n}-tracksNo": f"{declared if declared is not None else tracks} Faixas",
            f"audio{n}-trackNames": "\n".join(title for _name, title in names),
            f"audio{n}-Download-URL": f"https://example.org/{code}/audio{n}.zip",
        })  # fmt: skip
    return row


def write_csv(rows: list[dict], extra_lines: list[str] = ()) -> str:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=COLUMNS)
    writer.writeheader()
    for row in rows:
        writer.writerow(row)
    for line in extra_lines:
        out.write(line + "\r\n")
    return out.getvalue()


def write_gathering(
    put: Callable[[str, bytes], None],
    code: str,
    start: datetime.date,
    *,
    tracks: int,
    sets: int,
    size: int,
    folder: str = "",
    pdfs: bool = True,
) -> int:
    """One gathering's folder: a ZIP per audio set, PDFs of the first set, debris. Returns the
    number of files placed."""
    folder = folder or code
    for n in range(1, sets + 1):
        members = {
            name: audio_bytes(f"{code}/{n}/{name}", size)
            for name, _title in track_names(start, tracks, translation=n == 2)
        }
        members["__MACOSX/._001.mp3"] = b"debris"
        put(f"{folder}/Audio {n}/{code} ({'Eng' if n == 1 else 'Por'}).zip", zip_of(members))
    put(f"{folder}/.DS_Store", b"\x00\x00\x00\x01Bud1")
    count = tracks * sets
    if pdfs:
        for name, _title in track_names(start, 2, translation=False):
            put(f"{folder}/Transcrição 1/{name[:-4]}.pdf", b"%PDF-1.4\n" + name.encode() + b"\n%%EOF\n")
        count += 2
    return count


def generate(put: Callable[[str, bytes], None], *, gatherings: int, tracks: int, sets: int = 2, size: int = 2048):
    """A plain archive of ``gatherings`` × ``sets`` × ``tracks`` files (the benchmark's); returns the CSV."""
    rows = []
    for index in range(gatherings):
        code, start = gathering_code(index)
        write_gathering(put, code, start, tracks=tracks, sets=sets, size=size, pdfs=False)
        rows.append(csv_row(code, start, tracks=tracks, sets=sets))
    return write_csv(rows)


def generate_messy(put: Callable[[str, bytes], None]) -> str:
    """The tests' archive: every shape that needs handling, once. Returns the CSV."""
    rows = []
    # 1. Two tidy gatherings: English and Portuguese sets, PDFs, debris.
    for index in (0, 1):
        code, start = gathering_code(index)
        write_gathering(put, code, start, tracks=4, sets=2, size=600)
        rows.append(csv_row(code, start, tracks=4, sets=2))
    # 2. A legacy folder beside the new one, holding the same ZIP: duplicates.
    code, start = gathering_code(0)
    write_gathering(put, code, start, tracks=4, sets=1, size=600, folder=f"{code} (antigo)", pdfs=False)
    # 3. A folder named the old way, with loose files (no ZIP), a date-only name and a
    #    bilingual track; and its CSV row declares one track too many.
    code, start = "20161105_07-JKR-KPS-ENS-STB", datetime.date(2016, 11, 5)
    folder = "2016-11-JKR-KPS+-Retiro+Setúbal"
    put(f"{folder}/Audio+1/001 JKR - Refuge (5 November AM).mp3", audio_bytes("old-1", 500))
    put(f"{folder}/Audio+1/002 KPS+JKR - Questions (5 November PM).mp3", audio_bytes("old-2", 500))
    put(f"{folder}/Audio+1/003 JKR+TRAD - Bodhicitta (6 Novembro AM).mp3", audio_bytes("old-3", 500))
    put(f"{folder}/Audio+1/2016-11-06 PM part 2.mp3", audio_bytes("old-4", 500))
    put(f"{folder}/Audio+1/2016-11-06 PM part 1.mp3", audio_bytes("old-5", 500))
    put(f"{folder}/Audio+1/004 XYZ - Visitor (7 November AM).mp3", audio_bytes("old-6", 500))
    put(f"{folder}/Audio+1/notes.txt", b"not audio")
    rows.append(csv_row(code, start, tracks=7, sets=1))
    # 4. A corrupt ZIP and a ZIP whose member would escape its folder (ZIP slip).
    code, start = gathering_code(2)
    put(f"{code}/Audio 1/{code} (Eng).zip", b"PK\x03\x04 this is not really a zip")
    put(f"{code}/Audio 2/{code} (Por).zip", zip_of({"../../etc/evil.mp3": b"x", "001 TRAD - Ok.mp3": b"y"}))
    rows.append(csv_row(code, start, tracks=4, sets=2))
    # 5. A CSV row with no files, and a folder with no CSV row.
    code, start = gathering_code(3)
    rows.append(csv_row(code, start, tracks=3, sets=1))
    put("20990101-ZZZ-PP9-XXX/Audio 1/001 ZZZ - Orphan.mp3", audio_bytes("orphan", 300))
    # 6. Malformed CSV rows: too few fields, no event code.
    bad_no_code = csv_row("", start, tracks=1, sets=1)
    text = write_csv(rows + [bad_no_code], extra_lines=["20200101-JKR-PP1-CCA,On,Too short"])
    return text
