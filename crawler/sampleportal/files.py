"""Small, valid attachment files for the sample portal: a one-page PDF and a DOCX holding a few lines of text.

Portals publish some reports only as attachments; the crawler must fetch and keep them, so the bytes must
be real files a PDF or Word reader opens. Both builders are deterministic: the same lines give the same
bytes (no timestamps), so a re-crawl sees unchanged attachments.

The PDF writes Chinese with the standard Adobe-GB1 font STSong-Light (encoding UniGB-UCS2-H): no font is
embedded, every PDF reader knows it, and text extractors map it back to Unicode.
"""

from __future__ import annotations

import io
import zipfile
from xml.sax.saxutils import escape

_PAGE_WIDTH, _PAGE_HEIGHT = 595, 842  # A4 in points
_FONT_SIZE = 14
_LINE_HEIGHT = 24
_LEFT, _TOP = 56, 780


def _pdf_text(line: str) -> str:
    # UCS-2 big-endian code units as a hex string; characters outside the BMP are not in Adobe-GB1 anyway.
    return "<" + "".join(f"{ord(ch):04X}" for ch in line if ord(ch) <= 0xFFFF) + ">"


def pdf_bytes(lines: list[str]) -> bytes:
    """A one-page PDF showing `lines`, top to bottom."""
    content = f"BT\n/F1 {_FONT_SIZE} Tf\n{_LINE_HEIGHT} TL\n{_LEFT} {_TOP} Td\n"
    content += "".join(f"{_pdf_text(line)} Tj T*\n" for line in lines) + "ET\n"
    stream = content.encode("ascii")
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        (
            f"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 {_PAGE_WIDTH} {_PAGE_HEIGHT}] "
            "/Resources << /Font << /F1 5 0 R >> >> /Contents 4 0 R >>"
        ).encode("ascii"),
        b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"endstream",
        b"<< /Type /Font /Subtype /Type0 /BaseFont /STSong-Light /Encoding /UniGB-UCS2-H "
        b"/DescendantFonts [6 0 R] >>",
        b"<< /Type /Font /Subtype /CIDFontType0 /BaseFont /STSong-Light "
        b"/CIDSystemInfo << /Registry (Adobe) /Ordering (GB1) /Supplement 4 >> /FontDescriptor 7 0 R "
        b"/DW 1000 >>",
        b"<< /Type /FontDescriptor /FontName /STSong-Light /Flags 6 /FontBBox [-25 -254 1000 880] "
        b"/ItalicAngle 0 /Ascent 880 /Descent -120 /CapHeight 880 /StemV 93 >>",
    ]
    return pdf_file(objects)


def pdf_file(objects: list[bytes]) -> bytes:
    """A PDF file of these objects, numbered from 1 (object 1 the catalog), with its xref table."""
    out = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return bytes(out)


_DOCX_PARTS = {
    "[Content_Types].xml": (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
        '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
        '<Default Extension="xml" ContentType="application/xml"/>'
        '<Override PartName="/word/document.xml" '
        'ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/>'
        "</Types>"
    ),
    "_rels/.rels": (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        '<Relationship Id="rId1" '
        'Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" '
        'Target="word/document.xml"/></Relationships>'
    ),
}
_FIXED_TIME = (2020, 1, 1, 0, 0, 0)  # zip entries carry a time: a fixed one keeps the bytes stable


def docx_bytes(lines: list[str]) -> bytes:
    """A Word (OOXML) document with one paragraph per line."""
    paragraphs = "".join(f"<w:p><w:r><w:t>{escape(line)}</w:t></w:r></w:p>" for line in lines)
    document = (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        '<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main">'
        f"<w:body>{paragraphs}</w:body></w:document>"
    )
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, text in [*_DOCX_PARTS.items(), ("word/document.xml", document)]:
            archive.writestr(zipfile.ZipInfo(name, _FIXED_TIME), text.encode("utf-8"))
    return buffer.getvalue()
