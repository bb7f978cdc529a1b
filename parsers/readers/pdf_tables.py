"""Ruled PDF tables → grids with merged cells expanded, as the HTML reader expands rowspan/colspan.

pdfplumber finds a ruled table's cells from its drawn lines; every cell is a rectangle. The distinct
cell edges give the table's column and row boundaries, so a merged cell is simply a rectangle covering
several slots, and its text fills each of them. A cell's text is its glyphs grouped into lines and the
lines joined (a wrapped label is one label). Glyphs inside the table but in no cell (a table whose
lines are partly missing) are handed back so that no text is lost.
"""

from __future__ import annotations

import bisect
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Final

from parsers.readers.pdf_layout import Glyph, lines_from
from parsers.readers.text import clean, join_wrapped

Box = tuple[float, float, float, float]  # x0, top, x1, bottom

# Cell edges closer than this (points) are one boundary: renderers round coordinates differently.
_EDGE_TOLERANCE: Final[float] = 1.5
# A "table" of fewer slots is a box around text (a framed note, a page border), not a table.
_MIN_ROWS: Final[int] = 1  # a one-row table is the tail of one cut by a page break
_MIN_COLS: Final[int] = 2


@dataclass
class RuledTable:
    bbox: Box
    rows: list[list[str]]  # normalised cell texts, merged cells expanded
    raw_cells: list[str]  # each cell's text as read, once per cell (before normalisation)
    page: int
    # Leftmost column boundaries, to tell whether a table on the next page continues this one.
    columns: list[float]


def _boundaries(values: Sequence[float]) -> list[float]:
    out: list[float] = []
    for v in sorted(values):
        if not out or v - out[-1] > _EDGE_TOLERANCE:
            out.append(v)
    return out


def _index(bounds: Sequence[float], value: float) -> int:
    """The boundary `value` is (within tolerance): its position in `bounds`."""
    i = bisect.bisect_left(bounds, value - _EDGE_TOLERANCE)
    return min(i, len(bounds) - 1)


def cell_text(glyphs: Sequence[Glyph], page: int) -> str:
    """A cell's text: its lines top to bottom, each line's segments with a space, lines joined."""
    parts = [" ".join(s.text for s in line.segments) for line in lines_from(glyphs, page)]
    return join_wrapped(parts)


def build_table(
    cells: Sequence[Box], glyphs: Sequence[Glyph], page: int
) -> tuple[RuledTable | None, list[Glyph]]:
    """(the table, glyphs inside its box that fell in no cell); None when the cells make no table."""
    xs = _boundaries([c[0] for c in cells] + [c[2] for c in cells])
    ys = _boundaries([c[1] for c in cells] + [c[3] for c in cells])
    if len(xs) - 1 < _MIN_COLS or len(ys) - 1 < _MIN_ROWS:
        return None, list(glyphs)
    slots: dict[tuple[int, int], int] = {}
    spans: list[tuple[int, int, int, int]] = []
    for n, (x0, top, x1, bottom) in enumerate(cells):
        c0, c1 = _index(xs, x0), _index(xs, x1)
        r0, r1 = _index(ys, top), _index(ys, bottom)
        spans.append((r0, r1, c0, c1))
        for r in range(r0, max(r1, r0 + 1)):
            for c in range(c0, max(c1, c0 + 1)):
                slots.setdefault((r, c), n)
    inside: dict[int, list[Glyph]] = {}
    stray: list[Glyph] = []
    for g in glyphs:
        c = bisect.bisect_right(xs, g.cx) - 1
        r = bisect.bisect_right(ys, g.cy) - 1
        owner = slots.get((r, c))
        if owner is None:
            stray.append(g)
        else:
            inside.setdefault(owner, []).append(g)
    raw = [cell_text(inside.get(n, []), page) for n in range(len(cells))]
    texts = [clean(t).strip() for t in raw]
    width, height = len(xs) - 1, len(ys) - 1
    grid = [[""] * width for _ in range(height)]
    for (r, c), n in slots.items():
        if r < height and c < width:
            grid[r][c] = texts[n]
    rows = [row for row in grid if any(row)]
    bbox = (xs[0], ys[0], xs[-1], ys[-1])
    if len(rows) < _MIN_ROWS:
        return None, list(glyphs)
    return RuledTable(bbox, rows, [t for t in raw if t], page, xs), stray


def within(g: Glyph, box: Box) -> bool:
    x0, top, x1, bottom = box
    return x0 <= g.cx <= x1 and top <= g.cy <= bottom
