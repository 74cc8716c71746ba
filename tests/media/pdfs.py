"""Hostile PDFs, built with pypdf's writer: tiny files that cost a text extractor dearly."""

import io

from pypdf import PdfWriter
from pypdf.generic import ArrayObject, DecodedStreamObject, DictionaryObject, NameObject, NumberObject

TEXT = b"BT /F1 12 Tf 72 720 Td (Calm abiding) Tj ET\n"


def _name(value: str) -> NameObject:
    return NameObject(value)


def _font_resources(writer: PdfWriter) -> DictionaryObject:
    font = DictionaryObject(
        {_name("/Type"): _name("/Font"), _name("/Subtype"): _name("/Type1"), _name("/BaseFont"): _name("/Helvetica")}
    )
    return DictionaryObject({_name("/Font"): DictionaryObject({_name("/F1"): writer._add_object(font)})})


def _stream(writer: PdfWriter, data: bytes):
    stream = DecodedStreamObject()
    stream.set_data(data)
    return writer._add_object(stream)


def _bytes(writer: PdfWriter) -> bytes:
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def repeated_page_tree(fanout: int = 100) -> bytes:
    """One page listed ``fanout`` times by a /Pages node itself listed ``fanout`` times by the
    root: ``fanout``² pages (10,000 by default) in under 2 KB."""
    writer = PdfWriter()
    page = writer.add_blank_page(612, 792)
    page[_name("/Resources")] = _font_resources(writer)
    page[_name("/Contents")] = _stream(writer, TEXT)
    node = DictionaryObject(
        {
            _name("/Type"): _name("/Pages"),
            _name("/Kids"): ArrayObject([page.indirect_reference] * fanout),
            _name("/Count"): NumberObject(fanout),
        }
    )
    root = writer._root_object["/Pages"]
    root[_name("/Kids")] = ArrayObject([writer._add_object(node)] * fanout)
    root[_name("/Count")] = NumberObject(fanout * fanout)
    return _bytes(writer)


def shared_content(pages: int = 10, size: int = 2 * 1024 * 1024) -> bytes:
    """``pages`` pages drawing one content stream of ``size`` bytes: a line of text, then
    path operators (slow to parse, no text)."""
    writer = PdfWriter()
    filler = b"0 0 m 10 10 l S\n"
    contents = _stream(writer, TEXT + filler * ((size - len(TEXT)) // len(filler)))
    resources = _font_resources(writer)
    for _ in range(pages):
        page = writer.add_blank_page(612, 792)
        page[_name("/Resources")] = resources
        page[_name("/Contents")] = contents
    return _bytes(writer)


def form_drawn_many_times(times: int = 200, size: int = 64 * 1024) -> bytes:
    """One page whose short content draws one form XObject of ``size`` bytes ``times`` times:
    pypdf parses the form again at every drawing (200 × 64 KB took 53 s)."""
    writer = PdfWriter()
    filler = b"0 0 m 10 10 l S\n"
    form = DecodedStreamObject()
    form.set_data(TEXT + filler * ((size - len(TEXT)) // len(filler)))
    form.update(
        {
            _name("/Type"): _name("/XObject"),
            _name("/Subtype"): _name("/Form"),
            _name("/BBox"): ArrayObject([NumberObject(0), NumberObject(0), NumberObject(612), NumberObject(792)]),
            _name("/Resources"): _font_resources(writer),
        }
    )
    resources = _font_resources(writer)
    resources[_name("/XObject")] = DictionaryObject({_name("/X0"): writer._add_object(form)})
    page = writer.add_blank_page(612, 792)
    page[_name("/Resources")] = resources
    page[_name("/Contents")] = _stream(writer, b"/X0 Do\n" * times)
    return _bytes(writer)


def with_object_streams(pages: int = 3, text: bytes = b"Calm abiding") -> bytes:
    """A PDF 1.5 whose catalogue, page tree and pages sit in an object stream, indexed by a
    cross-reference stream (as most current producers write them)."""
    first_page, count = 3, pages
    content_ids = [first_page + count + i for i in range(count)]
    objstm_id = first_page + 2 * count
    xref_id = objstm_id + 1
    font = b"<< /Font << /F1 << /Type /Font /Subtype /Type1 /BaseFont /Helvetica >> >> >>"
    kids = b" ".join(b"%d 0 R" % (first_page + i) for i in range(count))
    inside = {
        1: b"<< /Type /Catalog /Pages 2 0 R >>",
        2: b"<< /Type /Pages /Kids [%s] /Count %d /MediaBox [0 0 612 792] /Resources %s >>" % (kids, count, font),
    }
    for i in range(count):
        inside[first_page + i] = b"<< /Type /Page /Parent 2 0 R /Contents %d 0 R >>" % content_ids[i]
    offsets, bodies = [], b""
    for number, body in inside.items():
        offsets.append(b"%d %d" % (number, len(bodies)))
        bodies += body + b"\n"
    header = b" ".join(offsets) + b"\n"
    out = bytearray(b"%PDF-1.5\n%\xe2\xe3\xcf\xd3\n")
    positions = {}
    for i, number in enumerate(content_ids):
        data = b"BT /F1 12 Tf 72 720 Td (%s %d) Tj ET" % (text, i + 1)
        positions[number] = len(out)
        out += b"%d 0 obj\n<< /Length %d >>\nstream\n%s\nendstream\nendobj\n" % (number, len(data), data)
    positions[objstm_id] = len(out)
    data = header + bodies
    out += b"%d 0 obj\n<< /Type /ObjStm /N %d /First %d /Length %d >>\nstream\n%s\nendstream\nendobj\n" % (
        objstm_id,
        len(inside),
        len(header),
        len(data),
        data,
    )
    positions[xref_id] = len(out)
    rows = b"\x00" + b"\x00" * 4 + b"\xff\xff"  # object 0: free
    for number in range(1, xref_id + 1):
        if number in inside:
            index = list(inside).index(number)
            rows += b"\x02" + objstm_id.to_bytes(4, "big") + index.to_bytes(2, "big")
        else:
            rows += b"\x01" + positions[number].to_bytes(4, "big") + b"\x00\x00"
    out += (
        b"%d 0 obj\n<< /Type /XRef /Size %d /W [1 4 2] /Root 1 0 R /Length %d >>\nstream\n%s\nendstream\nendobj\n"
        % (
            xref_id,
            xref_id + 1,
            len(rows),
            rows,
        )
    )
    out += b"startxref\n%d\n%%%%EOF\n" % positions[xref_id]
    return bytes(out)
