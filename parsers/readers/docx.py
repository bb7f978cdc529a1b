"""DOCX → Document: paragraphs as Lines, tables as Grids with merged cells (gridSpan, vMerge) expanded.

The body is walked in document order, into content controls (w:sdt) and into layout tables (a table
used to frame the whole text, recognised as the HTML reader recognises them: one cell, nested tables
or paragraph-long cells). Text is what Word shows: runs, tabs and breaks, tracked insertions, Word's
automatic numbering; not deleted text, field codes or hidden runs. The zip is checked for being a
DOCX at all and for being a zip bomb before it is opened.
"""

from __future__ import annotations

import contextlib
import io
from dataclasses import dataclass, field
from typing import Any, Final

import docx
from docx.table import Table

from parsers.blocks import Block, Grid, Line
from parsers.document import Document
from parsers.readers.docx_numbering import Numbering, W
from parsers.readers.limits import DEFAULT_LIMITS, ReaderLimits
from parsers.readers.office import check_zip, read_odt
from parsers.readers.text import clean

METHOD_TABLE: Final[str] = "docx-table"
METHOD_TEXT: Final[str] = "docx-text"
# Subtrees whose text Word does not show as the document's text.
_SKIP: Final[frozenset[str]] = frozenset(
    W + tag
    for tag in ("del", "moveFrom", "instrText", "delInstrText", "rPr", "pPr", "fldData", "drawing", "pict")
)
_BREAKS: Final[frozenset[str]] = frozenset({W + "br", W + "cr"})
_LAYOUT_CELL_CHARS: Final[int] = 200  # a cell this long holds paragraphs, not a value or a label
_MAX_BLOCKS: Final[int] = 100_000
_SLIVER_SHARE: Final[float] = 0.1  # of the median grid column width


def _failure(reason: str) -> Document:
    return Document([], "", None, {}, None, [reason], "", "docx")


def _hidden(run: Any) -> bool:
    rpr = run.find(W + "rPr")
    vanish = rpr.find(W + "vanish") if rpr is not None else None
    return vanish is not None and vanish.get(W + "val", "true") not in ("0", "false", "off")


def _text(el: Any, out: list[str]) -> None:
    for child in el:
        tag = child.tag
        if not isinstance(tag, str) or tag in _SKIP:
            continue
        if tag == W + "r" and _hidden(child):
            continue
        if tag == W + "t":
            out.append(child.text or "")
        elif tag == W + "tab" or tag == W + "ptab":
            out.append(" ")
        elif tag in _BREAKS:
            out.append("\n")
        elif tag == W + "noBreakHyphen":
            out.append("-")
        elif tag == W + "sym":
            char = child.get(W + "char")
            if char:
                with contextlib.suppress(ValueError):  # a malformed code is no text
                    out.append(chr(int(char, 16)))
        else:
            _text(child, out)


def paragraph_text(p: Any, numbering: Numbering) -> str:
    out = [numbering.label(p)]
    _text(p, out)
    return "".join(out)


@dataclass
class _Reader:
    numbering: Numbering
    blocks: list[Block] = field(default_factory=list)
    raw: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    def line(self, text: str) -> None:
        for physical in text.split("\n"):
            raw = physical.strip()
            if raw:
                self.raw.append(raw)
                self.blocks.append(Line(clean(raw).strip(), METHOD_TEXT))

    def walk(self, container: Any, table_parent: Any) -> None:
        for child in container:
            if len(self.blocks) > _MAX_BLOCKS:
                self.warnings.append(f"DOCX read stopped after {_MAX_BLOCKS} blocks")
                return
            if child.tag == W + "p":
                self.line(paragraph_text(child, self.numbering))
            elif child.tag == W + "tbl":
                self.table(Table(child, table_parent))
            elif child.tag in (W + "sdt", W + "customXml", W + "smartTag", W + "ins", W + "moveTo"):
                content = child.find(W + "sdtContent")
                self.walk(content if content is not None else child, table_parent)

    def cell_text(self, cell: Any) -> str:
        parts = [paragraph_text(p, self.numbering) for p in cell._tc.iter(W + "p")]
        return " ".join(" ".join(p.split()) for p in parts if p.strip())

    def _is_layout(self, table: Table, rows: list[list[Any]]) -> bool:
        cells = {id(c._tc): c for row in rows for c in row}
        if len(cells) <= 1:
            return True
        if any(True for _ in table._tbl.iter(W + "tbl") if _ is not table._tbl):
            return True
        return any(len(self.cell_text(c)) > _LAYOUT_CELL_CHARS for c in cells.values())

    def table(self, table: Table) -> None:
        try:
            rows = [list(row.cells) for row in table.rows]
            befores = [row.grid_cols_before for row in table.rows]
        except Exception as exc:  # a vMerge with no cell above it, a malformed row
            self.warnings.append(f"DOCX table not read: {type(exc).__name__}: {exc}")
            return
        if self._is_layout(table, rows):
            for cell in {id(c._tc): c for row in rows for c in row}.values():
                self.walk(cell._tc, cell)
            return
        texts: dict[int, str] = {}
        keys: list[list[int | None]] = []  # the cell (its w:tc) in each grid slot
        for cells, before in zip(rows, befores, strict=True):
            row: list[int | None] = [None] * before
            for cell in cells:
                key = id(cell._tc)
                if key not in texts:
                    raw = self.cell_text(cell)
                    if raw:
                        self.raw.append(raw)
                    texts[key] = clean(raw).strip()
                row.append(key)
            keys.append(row)
        width = max((len(r) for r in keys), default=0)
        keys = [r + [None] * (width - len(r)) for r in keys]
        drop = _slivers(table, keys)
        grid = [[texts[k] if k is not None else "" for j, k in enumerate(r) if j not in drop] for r in keys]
        rows_out = [r for r in grid if any(r)]
        if rows_out:
            self.blocks.append(Grid(rows_out, METHOD_TABLE))


def _slivers(table: Table, keys: list[list[int | None]]) -> set[int]:
    """Grid columns only a few twips wide that no cell has to itself.

    Word and LibreOffice make one when rows place a boundary slightly differently; every cell across
    it would otherwise be counted twice (a value cell over a sliver reads as two cells)."""
    declared = [str(g.get(W + "w", "")) for g in table._tbl.iter(W + "gridCol")]
    widths = [int(w) if w.isdigit() else None for w in declared]
    known = sorted(w for w in widths if w)
    if len(widths) != len(keys[0] if keys else []) or not known:
        return set()
    limit = known[len(known) // 2] * _SLIVER_SHARE
    drop: set[int] = set()
    for j, width in enumerate(widths):
        if width is None or width >= limit:
            continue
        shared = all(
            row[j] is None or (j > 0 and row[j - 1] == row[j]) or (j + 1 < len(row) and row[j + 1] == row[j])
            for row in keys
        )
        if shared:
            drop.add(j)
    return drop


def _numbering(document: Any) -> Numbering:
    try:
        numbering_xml = document.part.numbering_part.element
    except (KeyError, NotImplementedError, AttributeError):
        numbering_xml = None
    try:
        styles_xml = document.styles.element
    except (KeyError, NotImplementedError, AttributeError):
        styles_xml = None
    return Numbering.load(numbering_xml, styles_xml)


def read_docx(
    data: bytes, content_type: str | None = None, *, limits: ReaderLimits = DEFAULT_LIMITS
) -> Document:
    """Reader for zip documents (sniffed type "docx"): DOCX, or ODT through LibreOffice. Never raises."""
    if len(data) > limits.max_bytes:
        return _failure(f"document too large: {len(data)} bytes (limit {limits.max_bytes})")
    check = check_zip(data, limits)
    if check.problem is not None:
        return _failure(check.problem)
    if check.kind == "odt":
        return read_odt(data, limits=limits)
    if check.kind != "docx":
        what = _ZIP_WHAT.get(check.kind or "", "not a Word document")
        return _failure(f"unsupported document type: zip archive that is {what}")
    try:
        document = docx.Document(io.BytesIO(data))
        reader = _Reader(_numbering(document))
        reader.walk(document.element.body, document)
    except Exception as exc:  # python-docx and lxml raise assorted errors on damaged parts
        return _failure(f"corrupt DOCX: {type(exc).__name__}: {exc}")
    if not reader.blocks:
        reader.warnings.append("empty document: no text in the DOCX")
    title = next((b.text for b in reader.blocks if isinstance(b, Line)), None)
    return Document(reader.blocks, "\n".join(reader.raw), title, {}, None, reader.warnings, "", "docx")


_ZIP_WHAT: Final[dict[str, str]] = {
    "spreadsheet": "a spreadsheet",
    "presentation": "a presentation",
    "archive": "a plain archive, not a Word document",
}
