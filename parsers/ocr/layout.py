"""Text boxes + ruling lattices -> the blocks every reader produces: a Grid per table, Lines for the rest.

Two passes around recognition. What to recognise is planned as Pieces: the cells of ruled tables line
by line from their ink (parsers.ocr.cells, no detector; a cell with faded marks but no line is read whole
as a rescue rather than silently lost), and `plan` makes one Piece per detected box outside them.
`assemble` puts the readings back: a ruled table becomes a Grid with merged cells expanded (a merged
cell's text fills every slot it covers, as `document.expand_table` does for HTML), each cell with the
weakest confidence of its pieces; boxes outside ruled tables become Lines, except runs of rows whose
boxes stand in aligned columns, which become a Grid with columns found from the gaps between boxes.
"""

from __future__ import annotations

import itertools
import re
import statistics
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Final

from parsers.blocks import Block, Grid, Line
from parsers.normalize import normalize_text
from parsers.ocr.engine import TextBox
from parsers.ocr.ruling import Lattice
from parsers.tables.cells import looks_like_value

_CJK: Final[re.Pattern[str]] = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")

METHOD: Final[str] = "ocr"
# Confidence a cell keeps at most when its text cannot be what a table cell holds: no CJK (so not a
# label) and not a value ("d" for a smudged 0), or a lone character or digits mixed with CJK in a
# column of values ("口" or "了2"). The recogniser may be sure of its letters; the cell is misread.
SUSPECT: Final[float] = 0.5
_VALUE_COLUMN: Final[float] = 0.5  # share of a column's filled cells that are values
_SHORT_TEXT: Final[int] = 4
# Confidence given to a cell that shows ink the recogniser could not read: flagged, never trusted.
UNREAD: Final[float] = 0.0
# Borderless tables: the gap that separates two cells of a row, in text heights.
_COLUMN_GAP: Final[float] = 1.2
_MIN_TABLE_ROWS: Final[int] = 2
_MIN_TABLE_COLS: Final[int] = 3


@dataclass(frozen=True)
class Piece:
    """One region to recognise and where its text goes."""

    box: TextBox  # the crop, in page pixels
    table: int | None = None  # index of the lattice, None outside ruled tables
    span: int | None = None  # index into that lattice's spans
    rescue: bool = False  # a whole cell read because it shows ink but no text was detected


@dataclass(frozen=True)
class Word:
    """A recognised piece."""

    box: TextBox
    text: str
    confidence: float


def text_height(boxes: Sequence[TextBox]) -> float:
    """The typical height of a line of text (median of single-line boxes), 20 px when nothing is known."""
    heights = [b.height for b in boxes if b.height > 3]
    return statistics.median(heights) if heights else 20.0


def plan(boxes: Sequence[TextBox]) -> list[Piece]:
    """Detected text outside the ruled tables, one piece per box (ruled cells: ocr/cells.plan_cells)."""
    return [Piece(box) for box in boxes]


# ---------------------------------------------------------------------------------------------
# Assembling
# ---------------------------------------------------------------------------------------------


def _join(texts: Sequence[str]) -> str:
    """Pieces of one cell or line in reading order: CJK runs join directly, Latin words and numbers
    keep a space between them."""
    out = ""
    for text in texts:
        text = text.strip()
        if not text:
            continue
        if out and out[-1].isascii() and out[-1].isalnum() and text[0].isascii() and text[0].isalnum():
            out += " "
        out += text
    return out


def _reading_order(words: Sequence[Word], th: float) -> list[list[Word]]:
    """Words grouped into visual lines (vertical overlap), lines top to bottom, words left to right."""
    lines: list[list[Word]] = []
    for word in sorted(words, key=lambda w: (w.box.cy, w.box.x0)):
        placed = False
        for line in lines:
            top = min(w.box.y0 for w in line)
            bottom = max(w.box.y1 for w in line)
            overlap = min(bottom, word.box.y1) - max(top, word.box.y0)
            if overlap >= 0.5 * min(word.box.height, bottom - top):
                line.append(word)
                placed = True
                break
        if not placed:
            lines.append([word])
    for line in lines:
        line.sort(key=lambda w: w.box.x0)
    lines.sort(key=lambda ln: min(w.box.cy for w in ln))
    return lines


def _cell_text(words: Sequence[Word], th: float) -> tuple[str, float | None]:
    if not words:
        return "", None
    lines = _reading_order(words, th)
    text = normalize_text(_join([_join([w.text for w in line]) for line in lines])).strip()
    return text, min(w.confidence for w in words)


def _suspect(text: str, in_value_column: bool, in_value_row: bool = False) -> bool:
    if not text or looks_like_value(text):
        return False
    if not _CJK.search(text):
        return True
    # In a column of values: one lone character, or a few mixing digits and CJK ("了2"), is a misread
    # value; a short header such as 总计 or 其他 is not. In a row of values only the lone character: a
    # numbered label as short as 3.其他 starts such a row.
    if len(text) == 1:
        return in_value_column or in_value_row
    return in_value_column and len(text) <= _SHORT_TEXT and any(ch.isdigit() for ch in text)


def _mostly_values(texts: Sequence[str]) -> bool:
    filled = [t for t in texts if t]
    # Text without CJK is a value, read or misread: it counts towards a run of values.
    values = sum(1 for t in filled if looks_like_value(t) or not _CJK.search(t))
    return bool(filled) and values >= _VALUE_COLUMN * len(filled)


def flag_suspects(rows: list[list[str]], confs: list[list[float | None]]) -> None:
    """Cells whose text cannot be right where it stands (see SUSPECT) become blank with the capped
    confidence: a misread value must stay in its value slot, flagged, and not pass for a row label
    (the table readers take a non-value at the start of a row for a label). A cell stands among values
    when its column holds mostly values, or its row does: the first value of table 四 sits under three
    rows of headers, and a smudge read there as 中 would otherwise pass for the row's label."""
    width = max((len(r) for r in rows), default=0)
    value_rows = [_mostly_values(row) for row in rows]
    for c in range(width):
        value_column = _mostly_values([r[c] for r in rows if c < len(r)])
        for r, row in enumerate(rows):
            conf = confs[r][c]
            if c < len(row) and conf is not None and _suspect(row[c], value_column, value_rows[r]):
                rows[r][c] = ""
                confs[r][c] = min(conf, SUSPECT)


def lattice_grid(lattice: Lattice, words: dict[int, list[Word]], rescued: dict[int, Word], th: float,
                 page: int | None) -> Grid | None:
    """The ruled table as a Grid; None when it holds no text at all (a frame, a box around a stamp)."""
    texts: dict[int, tuple[str, float | None]] = {}
    for s in range(len(lattice.spans)):
        text, conf = _cell_text(words.get(s, []), th)
        if s in rescued:
            word = rescued[s]
            text = normalize_text(word.text).strip()
            conf = word.confidence if text else UNREAD
        texts[s] = (text, conf)
    if not any(text for text, _ in texts.values()):
        return None
    rows: list[list[str]] = [[""] * lattice.cols for _ in range(lattice.rows)]
    confs: list[list[float | None]] = [[None] * lattice.cols for _ in range(lattice.rows)]
    for s, span in enumerate(lattice.spans):
        text, conf = texts[s]
        for r in range(span.r0, span.r1):
            for c in range(span.c0, span.c1):
                rows[r][c] = text
                confs[r][c] = conf
    keep = [r for r in range(lattice.rows) if any(rows[r]) or any(c is not None for c in confs[r])]
    rows, confs = [rows[r] for r in keep], [confs[r] for r in keep]
    flag_suspects(rows, confs)
    return Grid(rows, METHOD, page, confs)


def _line_block(line: Sequence[Word], page: int | None) -> Line | None:
    text = normalize_text(_join([w.text for w in line])).strip()
    if not text:
        return None
    return Line(text, METHOD, page, min(w.confidence for w in line))


def _is_tabular(line: Sequence[Word], th: float) -> bool:
    gaps = [b.box.x0 - a.box.x1 for a, b in itertools.pairwise(line)]
    wide = sum(1 for g in gaps if g >= _COLUMN_GAP * th)
    return len(line) >= _MIN_TABLE_COLS and wide >= _MIN_TABLE_COLS - 1


def _columns(lines: Sequence[Sequence[Word]], th: float) -> list[float]:
    """Column separators (x positions) from the gaps that the rows with the most cells agree on."""
    most = max(len(line) for line in lines)
    model = [line for line in lines if len(line) >= max(_MIN_TABLE_COLS, most - 1)]
    intervals = sorted((w.box.x0, w.box.x1) for line in model for w in line)
    merged: list[list[float]] = []
    for x0, x1 in intervals:
        if merged and x0 <= merged[-1][1] + _COLUMN_GAP * th / 2:
            merged[-1][1] = max(merged[-1][1], x1)
        else:
            merged.append([x0, x1])
    return [(a[1] + b[0]) / 2 for a, b in itertools.pairwise(merged)]


def _text_grid(lines: Sequence[Sequence[Word]], th: float, page: int | None) -> Grid:
    seps = _columns(lines, th)
    cols = len(seps) + 1
    rows: list[list[str]] = []
    confs: list[list[float | None]] = []
    for line in lines:
        cells: list[list[Word]] = [[] for _ in range(cols)]
        for word in line:
            cells[sum(1 for s in seps if word.box.cx > s)].append(word)
        row_text: list[str] = []
        row_conf: list[float | None] = []
        for cell in cells:
            text, conf = _cell_text(cell, th)
            row_text.append(text)
            row_conf.append(conf)
        rows.append(row_text)
        confs.append(row_conf)
    flag_suspects(rows, confs)
    return Grid(rows, METHOD, page, confs)


def text_blocks(words: Sequence[Word], th: float, page: int | None) -> list[tuple[float, Block]]:
    """(top y, block) for words outside ruled tables: Lines, and Grids for aligned runs of rows."""
    lines = _reading_order(words, th)
    out: list[tuple[float, Block]] = []
    i = 0
    while i < len(lines):
        if _is_tabular(lines[i], th):
            j = i
            while j + 1 < len(lines) and _is_tabular(lines[j + 1], th):
                j += 1
            if j - i + 1 >= _MIN_TABLE_ROWS:
                run = lines[i : j + 1]
                out.append((min(w.box.y0 for w in run[0]), _text_grid(run, th, page)))
                i = j + 1
                continue
        block = _line_block(lines[i], page)
        if block is not None:
            out.append((min(w.box.y0 for w in lines[i]), block))
        i += 1
    return out


def assemble(pieces: Sequence[Piece], readings: Sequence[tuple[str, float]], lattices: Sequence[Lattice],
             th: float, page: int | None = None) -> list[Block]:
    """Blocks in reading order from the planned pieces and what was read in each (same order)."""
    free: list[Word] = []
    cells: dict[int, dict[int, list[Word]]] = {}
    rescued: dict[int, dict[int, Word]] = {}
    for piece, (text, conf) in zip(pieces, readings, strict=True):
        word = Word(piece.box, text, conf)
        if piece.table is None or piece.span is None:
            if text.strip():
                free.append(word)
        elif piece.rescue:
            rescued.setdefault(piece.table, {})[piece.span] = word
        elif text.strip():
            cells.setdefault(piece.table, {}).setdefault(piece.span, []).append(word)
        else:  # a detected box read as nothing: the cell is not blank, so it must not look blank
            cells.setdefault(piece.table, {}).setdefault(piece.span, []).append(Word(piece.box, "", UNREAD))
    placed: list[tuple[float, Block]] = text_blocks(free, th, page)
    for t, lattice in enumerate(lattices):
        grid = lattice_grid(lattice, cells.get(t, {}), rescued.get(t, {}), th, page)
        if grid is not None:
            placed.append((lattice.ys[0], grid))
    placed.sort(key=lambda item: item[0])
    return [block for _, block in placed]
