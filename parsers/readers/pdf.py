"""PDF → Document: the same Lines and Grids the HTML reader yields, read from the text layer.

Per page: ruled tables (pdfplumber's lines strategy) become Grids with merged cells expanded; the
remaining text becomes lines, of which runs of multi-column lines are tables without ruling lines
(one `|`-separated Line per row, as a flattened HTML table reads) and the rest prose paragraphs.
Across pages: page numbers and running headers are dropped, a table continued on the next page has
its repeated header removed and its cut row rejoined, and paragraphs run on over the break. A page
with no text layer is a scan: it is rendered and handed to the OCR reader.

Never raises: encrypted, damaged and oversized files give an empty Document with the reason, and so
does a decompression bomb: every stream pdfminer inflates is capped (parsers.readers.pdf_inflate).
"""

from __future__ import annotations

import io
import logging
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Final

import pdfplumber
from pdfminer.pdfdocument import PDFEncryptionError, PDFPasswordIncorrect
from pdfplumber.utils.exceptions import PdfminerException

from parsers.blocks import Block, Grid, Line
from parsers.document import Document
from parsers.readers.limits import DEFAULT_LIMITS, Deadline, ReaderLimits
from parsers.readers.pdf_inflate import InflateLimit, inflate_cap
from parsers.readers.pdf_layout import (
    Glyph,
    Run,
    TextLine,
    attach_fragments,
    glyphs_from,
    lines_from,
    paragraph_text,
    paragraphs,
    row_cells,
    split_runs,
)
from parsers.readers.pdf_pages import Item, continue_tables, drop_running
from parsers.readers.pdf_tables import Box, RuledTable, build_table, within
from parsers.readers.text import clean

METHOD_TABLE: Final[str] = "pdf-table"
METHOD_TEXT: Final[str] = "pdf-text"
# pdfplumber's lines strategy: cells only where drawn lines (strokes or thin filled rectangles) cross.
RULED: Final[dict[str, Any]] = {"vertical_strategy": "lines", "horizontal_strategy": "lines"}
OCR_DPI: Final[int] = 200  # scans are read at this resolution unless the pixel cap says less
_MIN_OCR_DPI: Final[int] = 75
# pdfminer writes a glyph it cannot map to Unicode as "(cid:123)"; pages mostly of those are unreadable.
_UNMAPPED: Final[re.Pattern[str]] = re.compile(r"^\(cid:\d+\)$")
_UNMAPPED_SHARE: Final[float] = 0.5

# pdfminer logs every damaged object at WARNING; the reasons end up in the Document's warnings instead.
logging.getLogger("pdfminer").setLevel(logging.ERROR)


@dataclass
class _Page:
    number: int
    height: float
    items: list[Item] = field(default_factory=list)
    scanned: list[Block] = field(default_factory=list)  # blocks the OCR reader returned for a scan


def _failure(reason: str) -> Document:
    return Document([], "", None, {}, None, [reason], "", "pdf")


def _open_error(exc: BaseException) -> str:
    inner = exc.args[0] if isinstance(exc, PdfminerException) and exc.args else exc
    if isinstance(inner, PDFPasswordIncorrect | PDFEncryptionError):
        return "encrypted PDF: a password is needed to read it"
    detail = str(inner) or type(inner).__name__
    return f"corrupt PDF (truncated or damaged): {detail}"


def _box(values: Sequence[Any]) -> Box:
    x0, top, x1, bottom = (float(v) for v in values)
    return x0, top, x1, bottom


def _ruled_tables(page: Any, glyphs: list[Glyph], number: int) -> tuple[list[RuledTable], list[Glyph]]:
    tables: list[RuledTable] = []
    rest = glyphs
    for found in page.find_tables(RULED):
        box = _box(found.bbox)
        inside = [g for g in rest if within(g, box)]
        if not inside:
            continue
        cells = [_box(c) for c in found.cells]
        table, stray = build_table(cells, inside, number)
        if table is None:
            continue
        tables.append(table)
        rest = [g for g in rest if not within(g, box)] + stray
    return tables, rest


def _ocr_page(page: Any, number: int, limits: ReaderLimits, warnings: list[str]) -> list[Block]:
    """A page without a text layer: render it and ask the OCR reader (parsers.readers.image)."""
    try:
        from parsers.readers import image
    except ImportError:  # the OCR reader is an optional part
        warnings.append(f"scanned PDF page {number}: OCR reader not available")
        return []
    ocr = getattr(image, "ocr_pdf_page", None)
    if ocr is None:
        warnings.append(f"scanned PDF page {number}: OCR reader not available")
        return []
    width_in, height_in = float(page.width) / 72, float(page.height) / 72
    dpi = OCR_DPI
    while dpi > _MIN_OCR_DPI and width_in * dpi * height_in * dpi > limits.max_pixels:
        dpi -= 25
    if width_in * dpi * height_in * dpi > limits.max_pixels:
        warnings.append(
            f"scanned PDF page {number}: {width_in:.0f}×{height_in:.0f} in is too large to render for OCR"
        )
        return []
    try:
        buffer = io.BytesIO()
        page.to_image(resolution=dpi).original.save(buffer, format="PNG")
        blocks = ocr(buffer.getvalue(), number)
    except Exception as exc:  # OcrError, OcrUnavailable, a renderer failure: the reason is the message
        message = str(exc) or type(exc).__name__
        warnings.append(
            message if message.startswith("scanned PDF page") else f"scanned PDF page {number}: {message}"
        )
        return []
    return [b for b in blocks if isinstance(b, Line | Grid)]


def _read_page(page: Any, number: int, limits: ReaderLimits, warnings: list[str]) -> _Page:
    out = _Page(number, float(page.height))
    chars = page.chars
    if len(chars) > limits.max_page_chars:
        warnings.append(
            f"PDF page {number}: {len(chars)} characters (limit {limits.max_page_chars}); page skipped"
        )
        return out
    glyphs = glyphs_from(chars)
    visible = [g for g in glyphs if not g.text.isspace()]
    unmapped = sum(1 for g in visible if _UNMAPPED.match(g.text))
    if unmapped > _UNMAPPED_SHARE * len(visible):
        # Glyph codes with no Unicode (a font without a ToUnicode map): the text is only in the picture.
        warnings.append(f"PDF page {number}: {unmapped} characters have no Unicode mapping; read as a scan")
    if not visible or unmapped > _UNMAPPED_SHARE * len(visible):
        out.scanned = _ocr_page(page, number, limits, warnings)
        return out
    tables, rest = _ruled_tables(page, glyphs, number)
    lines = lines_from(rest, number)
    items: list[tuple[float, Item]] = [(t.bbox[1], t) for t in tables] + [(ln.top, ln) for ln in lines]
    out.items = [item for _, item in sorted(items, key=lambda pair: pair[0])]
    return out


def _margins(items: Sequence[Item]) -> tuple[float, float]:
    """The text block's left and right edges: where most prose lines start, and the furthest right."""
    lines = [i for i in items if isinstance(i, TextLine) and not i.tabular]
    if not lines:
        return 0.0, 0.0
    return min(ln.x0 for ln in lines), max(ln.x1 for ln in lines)


def _blocks(items: Sequence[Item], raw: list[str]) -> list[Block]:
    """Document-ordered items → blocks: tables as Grids, table rows as `|` lines, prose as paragraphs."""
    left, right = _margins(items)
    blocks: list[Block] = []
    prose: list[TextLine] = []

    def flush() -> None:
        for para in paragraphs(prose, left, right):
            text = paragraph_text(para)
            raw.append(text)
            blocks.append(Line(clean(text).strip(), METHOD_TEXT, para[0].page))
        prose.clear()

    # Table rows without ruling lines are found per page: positions on different pages do not compare.
    page_lines: list[TextLine] = []

    def flush_lines() -> None:
        for unit in split_runs(page_lines):
            if isinstance(unit, Run):
                flush()
                for row in attach_fragments(unit):
                    cells = row_cells(row)
                    raw.append(" | ".join(cells))
                    text = " | ".join(clean(c).strip() for c in cells)
                    blocks.append(Line(text, METHOD_TEXT, row.page))
            else:
                prose.append(unit)
        page_lines.clear()

    for item in items:
        if isinstance(item, RuledTable):
            flush_lines()
            flush()
            raw.extend(item.raw_cells)
            blocks.append(Grid(item.rows, METHOD_TABLE, item.page))
        else:
            if page_lines and page_lines[-1].page != item.page:
                flush_lines()
            page_lines.append(item)
    flush_lines()
    flush()
    return [b for b in blocks if not isinstance(b, Line) or b.text]


def _read(pdf: Any, limits: ReaderLimits, warnings: list[str]) -> Document:
    deadline = Deadline(limits.read_seconds)
    pages = pdf.pages
    if len(pages) > limits.max_pages:
        warnings.append(f"PDF has {len(pages)} pages; read the first {limits.max_pages}")
        pages = pages[: limits.max_pages]
    read: list[_Page] = []
    for number, page in enumerate(pages, start=1):
        if deadline.expired():
            warnings.append(
                f"PDF read stopped after page {number - 1}: time limit {limits.read_seconds:.0f} s"
            )
            break
        try:
            read.append(_read_page(page, number, limits, warnings))
        except InflateLimit:
            raise
        except Exception as exc:  # one damaged page must not lose the others
            warnings.append(f"PDF page {number} unreadable: {type(exc).__name__}: {exc}")
        finally:
            page.close()
    kept = drop_running([p.items for p in read], [p.height for p in read])
    raw: list[str] = []
    blocks: list[Block] = []
    pending: list[Item] = []
    for page, items in zip(read, kept, strict=True):
        if page.scanned:
            blocks.extend(_blocks(continue_tables(pending), raw))
            pending = []
            blocks.extend(page.scanned)
            raw.extend(b.text for b in page.scanned if isinstance(b, Line))
        pending.extend(items)
    blocks.extend(_blocks(continue_tables(pending), raw))
    if not blocks:
        warnings.append("empty document: no text in the PDF")
    title = next((b.text for b in blocks if isinstance(b, Line)), None)
    return Document(blocks, "\n".join(raw), title, {}, None, warnings, "", "pdf")


def read_pdf(
    data: bytes, content_type: str | None = None, *, limits: ReaderLimits = DEFAULT_LIMITS
) -> Document:
    """Read a PDF's text layer (scanned pages through OCR). Never raises."""
    if len(data) > limits.max_bytes:
        return _failure(f"PDF too large: {len(data)} bytes (limit {limits.max_bytes})")
    warnings: list[str] = []
    with inflate_cap(limits.max_stream_bytes, limits.max_uncompressed) as budget:
        try:
            with pdfplumber.open(io.BytesIO(data)) as pdf:
                doc = _read(pdf, limits, warnings)
        except PdfminerException as exc:
            doc = _failure(_open_error(exc))
        except (PDFPasswordIncorrect, PDFEncryptionError) as exc:
            doc = _failure(_open_error(exc))
        except Exception as exc:  # pdfminer raises assorted errors on damaged files
            doc = _failure(f"corrupt PDF (truncated or damaged): {type(exc).__name__}: {exc}")
    # A refused stream refuses the document, however pdfminer passed the refusal on (or swallowed it).
    return _failure(budget.refused) if budget.refused is not None else doc
