"""A line of text in the footer of every page of a PDF, written as an incremental update.

The source's bytes are copied through unchanged, in chunks; after them come, for each page, a
small content stream (the footer) and a revised page object whose ``/Contents`` wraps the old
contents in ``q … Q`` and adds the footer, and whose ``/Resources`` add one standard Helvetica
font; then a cross-reference section (a table, or a stream when the source ends with one) whose
``/Prev`` points at the source's. pypdf reads only the page objects and their resources (never
the content streams), so memory stays flat in the page count and the size of the file
(bench/media.py measures it). pypdf's writer would hold the whole document instead.

The text is drawn with WinAnsiEncoding as a hex string: parentheses and backslashes need no
escaping, accented Latin letters (Portuguese names) are kept, and anything else is spelled
without its accents or replaced by ``?``.
"""

import io
import shutil
import unicodedata
from typing import BinaryIO

from pypdf import PdfReader
from pypdf.errors import PdfReadError, PyPdfError
from pypdf.generic import (
    ArrayObject,
    DictionaryObject,
    IndirectObject,
    NameObject,
    PdfObject,
)

CHUNK = 1024 * 1024
FONT_SIZE = 7
MARGIN = 14  # points from the visible page's bottom edge to the text's baseline
INDENT = 36  # points from its left edge
_FONT = b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>"


class StampError(Exception):
    """The file cannot be stamped: not a PDF, encrypted or damaged. Nothing was written where
    the source lives; the message says which."""


# Letters that are not a base letter with an accent, spelled the nearest way cp1252 can.
_PLAIN = str.maketrans({"Ł": "L", "ł": "l", "Đ": "D", "đ": "d", "Ħ": "H", "ħ": "h", "ı": "i", "Ŧ": "T", "ŧ": "t"})


def encode_text(text: str) -> bytes:
    """``text`` in WinAnsiEncoding (cp1252): letters it lacks lose their accents, or become ``?``."""
    out = bytearray()
    for char in text.translate(_PLAIN):
        if char in "\r\n\t":
            char = " "
        try:
            out += char.encode("cp1252")
            continue
        except UnicodeEncodeError:
            pass
        plain = "".join(c for c in unicodedata.normalize("NFKD", char) if not unicodedata.combining(c))
        try:
            out += plain.encode("cp1252") if plain else b"?"
        except UnicodeEncodeError:
            out += b"?"
    return bytes(out)


def _number(value: float) -> bytes:
    return f"{value:.2f}".rstrip("0").rstrip(".").encode() or b"0"


def _text_matrix(box, rotate: int) -> list[float]:
    """Where the footer starts and which way it runs, so that it reads left to right along the
    bottom of the page as a viewer shows it (``/Rotate`` turns the page clockwise)."""
    llx, lly, urx, ury = (float(v) for v in box)
    rotate %= 360
    if rotate == 90:
        return [0, 1, -1, 0, urx - MARGIN, lly + INDENT]
    if rotate == 180:
        return [-1, 0, 0, -1, urx - INDENT, ury - MARGIN]
    if rotate == 270:
        return [0, -1, 1, 0, llx + MARGIN, ury - INDENT]
    return [1, 0, 0, 1, llx + INDENT, lly + MARGIN]


def footer_content(text: bytes, box, rotate: int, font: bytes) -> bytes:
    """Restore the page's graphics state (the ``q`` before its contents), then draw the line."""
    matrix = b" ".join(_number(v) for v in _text_matrix(box, rotate))
    return b"Q q BT /%s %d Tf 0.35 g %s Tm <%s> Tj ET Q\n" % (font, FONT_SIZE, matrix, text.hex().encode())


def _serialize(obj: PdfObject) -> bytes:
    out = io.BytesIO()
    obj.write_to_stream(out)
    return out.getvalue()


class _Appender:
    """Objects written after the source, with their offsets for the cross-reference section."""

    def __init__(self, out: BinaryIO, start: int, next_number: int):
        self.out = out
        self.position = start
        self.next_number = next_number
        self.offsets: dict[int, tuple[int, int]] = {}  # number -> (offset, generation)

    def new_number(self) -> int:
        number = self.next_number
        self.next_number += 1
        return number

    def write(self, number: int, generation: int, body: bytes) -> None:
        data = b"%d %d obj\n%s\nendobj\n" % (number, generation, body)
        self.offsets[number] = (self.position, generation)
        self.out.write(data)
        self.position += len(data)

    def stream(self, data: bytes) -> int:
        number = self.new_number()
        self.write(number, 0, b"<< /Length %d >>\nstream\n%s\nendstream" % (len(data), data))
        return number


def _sections(numbers: list[int]) -> list[tuple[int, int]]:
    """Runs of consecutive object numbers: (first, count)."""
    runs: list[tuple[int, int]] = []
    for number in sorted(numbers):
        if runs and runs[-1][0] + runs[-1][1] == number:
            runs[-1] = (runs[-1][0], runs[-1][1] + 1)
        else:
            runs.append((number, 1))
    return runs


def _is_array(reader: PdfReader, source: BinaryIO, ref: IndirectObject) -> bool:
    """Whether an indirect ``/Contents`` is an array of streams rather than one stream, found
    without loading a stream (a stream is never inside an object stream)."""
    offset = reader.xref.get(ref.generation, {}).get(ref.idnum)
    if offset is None:
        return True  # in an object stream: not a stream, so an array
    source.seek(offset)
    head = source.read(64)
    body = head.split(b"obj", 1)[1] if b"obj" in head else b""
    return body.lstrip()[:1] == b"["


def _resources(page: DictionaryObject, font_ref: IndirectObject) -> tuple[DictionaryObject, bytes]:
    """A copy of the page's resources with our font added, and the name it has there."""
    raw = page.raw_get("/Resources") if "/Resources" in page else None
    resolved = raw.get_object() if raw is not None else DictionaryObject()
    resources = DictionaryObject(dict(resolved.items()) if isinstance(resolved, DictionaryObject) else {})
    fonts_raw = resolved.raw_get("/Font") if isinstance(resolved, DictionaryObject) and "/Font" in resolved else None
    fonts_resolved = fonts_raw.get_object() if fonts_raw is not None else None
    fonts = DictionaryObject(dict(fonts_resolved.items()) if isinstance(fonts_resolved, DictionaryObject) else {})
    name, n = "/PKWM", 1
    while name in fonts:
        name, n = f"/PKWM{n}", n + 1
    fonts[NameObject(name)] = font_ref
    resources[NameObject("/Font")] = fonts
    return resources, name[1:].encode()


def _open(source: BinaryIO) -> PdfReader:
    source.seek(0)
    if source.read(1024).find(b"%PDF-") < 0:
        raise StampError("The file is not a PDF.")
    try:
        reader = PdfReader(source)
    except (PdfReadError, PyPdfError, ValueError, KeyError, TypeError, IndexError) as exc:
        raise StampError(f"The PDF cannot be read ({exc}).") from exc
    if reader.is_encrypted:
        raise StampError("The PDF is encrypted.")
    if PdfReader._get_xref_issues(source, reader._startxref) != 0:
        # An update must point at the source's own cross-reference section.
        raise StampError("The PDF's cross-reference section is damaged.")
    return reader


def stamp_footer(source: BinaryIO, out: BinaryIO, text: str) -> int:
    """Write ``source`` (a seekable binary file) to ``out`` with ``text`` at the foot of every
    page; returns the page count. Raises :class:`StampError` for a file it cannot stamp."""
    reader = _open(source)
    try:
        pages = reader.pages
        count = len(pages)
    except (PdfReadError, PyPdfError, ValueError, KeyError, TypeError, IndexError, RecursionError) as exc:
        raise StampError(f"The PDF's pages cannot be read ({exc}).") from exc
    if count == 0:
        raise StampError("The PDF has no pages.")
    startxref = reader._startxref
    source.seek(startxref)
    ends_with_stream = not source.read(4).startswith(b"xref")
    trailer = reader.trailer
    size = int(trailer.get("/Size", 0))

    source.seek(0)
    shutil.copyfileobj(source, out, CHUNK)
    position = source.tell()
    source.seek(max(0, position - 1))
    if source.read(1) not in (b"\n", b"\r"):
        out.write(b"\n")
        position += 1

    encoded = encode_text(text)
    appender = _Appender(out, position, max(size, 1))
    font = appender.new_number()
    appender.write(font, 0, _FONT)
    font_ref = IndirectObject(font, 0, reader)
    save = IndirectObject(appender.stream(b"q\n"), 0, reader)
    try:
        for page in pages:
            ref = page.indirect_reference
            if ref is None:
                raise StampError("A page of the PDF is not an object of its own.")
            resources, font_name = _resources(page, font_ref)
            box = page.cropbox
            footer = footer_content(encoded, box, int(page.get("/Rotate", 0) or 0), font_name)
            footer_ref = IndirectObject(appender.stream(footer), 0, reader)
            contents = page.raw_get("/Contents") if "/Contents" in page else None
            if contents is None:
                parts: list = [save, footer_ref]
            elif isinstance(contents, IndirectObject) and not _is_array(reader, source, contents):
                parts = [save, contents, footer_ref]
            else:
                existing = contents.get_object()
                parts = [save, *(existing if isinstance(existing, ArrayObject) else [existing]), footer_ref]
            revised = DictionaryObject(dict(page.items()))
            revised[NameObject("/Contents")] = ArrayObject(parts)
            revised[NameObject("/Resources")] = resources
            appender.write(ref.idnum, ref.generation, _serialize(revised))
    except StampError:
        raise
    except (PdfReadError, PyPdfError, ValueError, KeyError, TypeError, IndexError, AttributeError) as exc:
        raise StampError(f"A page of the PDF cannot be read ({exc}).") from exc

    keep = {key: trailer.raw_get(key) for key in ("/Root", "/Info", "/ID") if key in trailer}
    if ends_with_stream:
        _write_xref_stream(appender, keep, startxref)
    else:
        _write_xref_table(appender, keep, startxref)
    return count


def _trailer_entries(keep: dict, size: int, prev: int) -> bytes:
    parts = [b"/Size %d" % size, b"/Prev %d" % prev]
    parts += [key.encode() + b" " + _serialize(value) for key, value in keep.items()]
    return b" ".join(parts)


def _write_xref_table(appender: _Appender, keep: dict, prev: int) -> None:
    start = appender.position
    lines = [b"xref\n"]
    for first, count in _sections(list(appender.offsets)):
        lines.append(b"%d %d\n" % (first, count))
        for number in range(first, first + count):
            offset, generation = appender.offsets[number]
            lines.append(b"%010d %05d n\r\n" % (offset, generation))
    size = appender.next_number
    lines.append(b"trailer\n<< %s >>\nstartxref\n%d\n%%%%EOF\n" % (_trailer_entries(keep, size, prev), start))
    appender.out.write(b"".join(lines))


def _write_xref_stream(appender: _Appender, keep: dict, prev: int) -> None:
    number = appender.new_number()
    start = appender.position
    appender.offsets[number] = (start, 0)
    width = max(4, (start.bit_length() + 7) // 8)
    rows = bytearray()
    sections = _sections(list(appender.offsets))
    for first, count in sections:
        for n in range(first, first + count):
            offset, generation = appender.offsets[n]
            rows += b"\x01" + offset.to_bytes(width, "big") + generation.to_bytes(2, "big")
    index = b" ".join(b"%d %d" % section for section in sections)
    entries = _trailer_entries(keep, appender.next_number, prev)
    body = b"<< /Type /XRef %s /W [1 %d 2] /Index [%s] /Length %d >>\nstream\n%s\nendstream" % (
        entries,
        width,
        index,
        len(rows),
        bytes(rows),
    )
    data = b"%d 0 obj\n%s\nendobj\n" % (number, body)
    appender.out.write(data)
    appender.out.write(b"startxref\n%d\n%%%%EOF\n" % start)


def inspect(source: BinaryIO) -> int:
    """The page count of a PDF that :func:`stamp_footer` can stamp; :class:`StampError` (saying
    why) for one it cannot. Reads the page objects only, as stamping does."""
    reader = _open(source)
    try:
        count = len(reader.pages)
    except (PdfReadError, PyPdfError, ValueError, KeyError, TypeError, IndexError, RecursionError) as exc:
        raise StampError(f"The PDF's pages cannot be read ({exc}).") from exc
    if count == 0:
        raise StampError("The PDF has no pages.")
    return count
