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
