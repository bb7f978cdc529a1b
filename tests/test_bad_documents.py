"""Bad input: each document gets a clear recorded reason, within bounded time and memory, and the
parse goes on (parse_report never raises)."""

from __future__ import annotations

import io
import struct
import time
import zipfile
from collections.abc import Callable
from typing import Any

from crawler.sampleportal.generator import generate_reports
from parsers.model import table_values
from parsers.readers.docx import read_docx
from parsers.readers.limits import ReaderLimits
from parsers.readers.pdf import read_pdf
from parsers.report import parse_report
from tests.corpus_docs.build import _FONT, _rl, lines_pdf, render_pdf
from tests.corpus_docs.fixtures import corpus

ENCRYPTED = "encrypted PDF: a password is needed to read it"
SECONDS = 5.0  # every bad document is dealt with well within this


def _timed(read: Callable[[], object]) -> object:
    started = time.monotonic()
    result = read()
    assert time.monotonic() - started < SECONDS
    return result


def _warnings(data: bytes, **kwargs: str) -> list[str]:
    report = _timed(lambda: parse_report(data, **kwargs))
    return report.warnings  # type: ignore[attr-defined,no-any-return]


def _small_pdf(draw: Callable[[Any], None], *, password: str | None = None) -> bytes:
    """A one-page PDF of 300 × 120 points (small, so a scan of it is quick to OCR)."""
    from reportlab.lib import pdfencrypt
    from reportlab.pdfgen import canvas

    buffer = io.BytesIO()
    encrypt = None if password is None else pdfencrypt.StandardEncryption(password, ownerPassword="owner")
    pdf = canvas.Canvas(buffer, pagesize=(300, 120), encrypt=encrypt)
    draw(pdf)
    pdf.showPage()
    pdf.save()
    return buffer.getvalue()


def test_encrypted_pdf() -> None:
    title = "样本市2023年政府信息公开工作年度报告"
    assert _warnings(lines_pdf([title], user_password="secret")) == [ENCRYPTED]
    # Permission-only encryption (an empty user password) opens like any PDF.
    doc = read_pdf(_small_pdf(lambda c: c.drawString(20, 60, "Annual report 2023"), password=""))
    assert doc.warnings == [] and [(b.text, b.page) for b in doc.blocks] == [("Annual report 2023", 1)]  # type: ignore[union-attr]


def test_a_text_layer_without_unicode_is_read_as_a_scan() -> None:
    # pdfminer cannot map this encrypted CID font's glyphs to Unicode: it yields "(cid:4130)" codes.
    def draw(pdf: Any) -> None:
        _rl()
        pdf.setFont(_FONT, 12)
        pdf.drawString(20, 60, "样本市2023年政府信息公开工作年度报告")

    doc = read_pdf(_small_pdf(draw, password=""))
    assert doc.warnings[0] == "PDF page 1: 20 characters have no Unicode mapping; read as a scan"
    assert all(b.method == "ocr" for b in doc.blocks)  # whatever is read comes from the picture


def test_truncated_and_corrupt_pdfs() -> None:
    whole = corpus(("pdf-ruled",))[1][0].path.read_bytes()
    for data in (whole[: len(whole) // 2], whole[:200], b"%PDF-1.4\n" + b"\x00garbage" * 100):
        warnings = _warnings(data)
        assert len(warnings) == 1 and warnings[0].startswith("corrupt PDF (truncated or damaged): ")


def test_a_pdf_that_is_really_html_is_read_as_html() -> None:
    report = generate_reports("990101", "样本市", 25, 990101)
    page = next(r for r in report if r.layout == "html-table" and not r.special_cell)
    html = f"<html><head><title>{page.title}</title></head><body>{page.body_html()}</body></html>"
    parsed = parse_report(
        html.encode("utf-8"), url="http://127.0.0.11/ndbg/P020240115.pdf", content_type="application/pdf"
    )
    assert not any("PDF" in w for w in parsed.warnings)
    assert {t: None if v is None else table_values(v) for t, v in parsed.tables.items()} == page.tables


def _zip(members: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in members.items():
            z.writestr(name, data)
    return buffer.getvalue()


def _declare_size(data: bytes, name: str, size: int) -> bytes:
    """The archive with `name`'s uncompressed size in its central directory rewritten (a lying header)."""
    entry = data.index(b"PK\x01\x02")  # central directory headers: size at +24, name length at +28
    while True:
        name_len = struct.unpack_from("<H", data, entry + 28)[0]
        if data[entry + 46 : entry + 46 + name_len] == name.encode():
            return data[: entry + 24] + struct.pack("<I", size) + data[entry + 28 :]
        entry = data.index(b"PK\x01\x02", entry + 4)


def test_zip_bombs_are_refused_from_what_they_declare() -> None:
    started = time.monotonic()
    bomb = _zip({"[Content_Types].xml": b"<Types/>", "word/document.xml": b"\x00" * (40 * 1024 * 1024)})
    assert len(bomb) < 200 * 1024  # 40 MB of zeros deflate to about 40 KB
    (warning,) = _warnings(bomb)
    assert warning.startswith("zip bomb refused: word/document.xml expands ") and "(limit 200×)" in warning
    small = _zip({"[Content_Types].xml": b"<Types/>", "word/document.xml": b"<w:document/>"})
    liar = _declare_size(small, "word/document.xml", 4_000_000_000)
    assert _warnings(liar) == ["zip bomb refused: declares 4000000008 bytes uncompressed (limit 268435456)"]
    many = _zip({f"word/media/{n}.xml": b"" for n in range(6000)} | {"word/document.xml": b""})
    assert _warnings(many) == ["zip bomb refused: 6001 members (limit 5000)"]
    assert time.monotonic() - started < 3 * SECONDS


def test_zips_that_are_not_word_documents() -> None:
    assert _warnings(_zip({"xl/workbook.xml": b"<workbook/>"})) == [
        "unsupported document type: zip archive that is a spreadsheet"
    ]
    assert _warnings(_zip({"附件1.pdf": b"%PDF-1.4"})) == [
        "unsupported document type: zip archive that is a plain archive, not a Word document"
    ]
    broken = _zip({"[Content_Types].xml": b"<Types/>", "word/document.xml": b"<w:document"})
    (warning,) = _warnings(broken)
    assert warning.startswith("corrupt DOCX: ")
    (warning,) = _warnings(b"PK\x03\x04" + b"\x00" * 100)
    assert warning.startswith("corrupt zip archive: ")


def test_caps_on_size_pages_characters_and_time() -> None:
    three_pages = lines_pdf(["第一行", "第二行"], pages=3)
    assert read_pdf(three_pages, limits=ReaderLimits(max_bytes=1000)).warnings == [
        f"PDF too large: {len(three_pages)} bytes (limit 1000)"
    ]
    capped = read_pdf(three_pages, limits=ReaderLimits(max_pages=1))
    assert capped.warnings == ["PDF has 3 pages; read the first 1"]
    assert {b.page for b in capped.blocks} == {1}
    dense = read_pdf(three_pages, limits=ReaderLimits(max_page_chars=5))
    assert dense.warnings == [f"PDF page {n}: 6 characters (limit 5); page skipped" for n in (1, 2, 3)] + [
        "empty document: no text in the PDF"
    ]
    timed_out = read_pdf(three_pages, limits=ReaderLimits(read_seconds=0))
    assert timed_out.warnings == [
        "PDF read stopped after page 0: time limit 0 s",
        "empty document: no text in the PDF",
    ]
    docx_data = _zip({"[Content_Types].xml": b"<Types/>", "word/document.xml": b"<w:document/>"})
    assert read_docx(docx_data, limits=ReaderLimits(max_bytes=10)).warnings == [
        f"document too large: {len(docx_data)} bytes (limit 10)"
    ]


def test_a_page_without_text_goes_to_ocr_and_any_failure_is_named() -> None:
    doc = read_pdf(_small_pdf(lambda c: c.rect(20, 20, 100, 80, fill=1)))  # a drawing, no text
    assert doc.blocks == []
    assert len(doc.warnings) == 2 and doc.warnings[0].startswith("scanned PDF page 1: ")
    assert doc.warnings[1] == "empty document: no text in the PDF"


def test_a_broken_document_does_not_stop_the_next() -> None:
    good = render_pdf(generate_reports("990101", "样本市", 25, 990101)[3], "pdf-ruled")
    for bad in (b"%PDF-1.4 broken", lines_pdf(["x"], user_password="pw"), b"PK\x03\x04broken"):
        assert parse_report(bad).warnings
    assert parse_report(good).tables["requests"] is not None
