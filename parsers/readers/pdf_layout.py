"""A PDF page's loose text (outside ruled tables) → lines, then paragraphs and table rows.

A text layer has characters with positions, not lines or cells. Characters are grouped into lines by
their vertical centres and each line into segments wherever a gap wider than a character opens up
(a column boundary). A line of two or more segments is a row of a table drawn without ruling lines;
consecutive such rows form a table, whose wrapped label cells (label text on lines holding no value)
are joined to the row whose values they belong to. Other lines are prose, joined into paragraphs
where a line runs to the right margin and the next one is not indented.
"""

from __future__ import annotations

import re
import statistics
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, Final

from parsers.readers.text import join_wrapped
from parsers.tables.cells import looks_like_value

# Gaps, in font sizes: a column boundary, a space between words, an indent.
_SEGMENT_GAP: Final[float] = 0.5
_WORD_GAP: Final[float] = 0.2
_INDENT: Final[float] = 1.2
# Vertical centres closer than this (in font sizes) are one line.
_SAME_LINE: Final[float] = 0.45
# Overprinted glyphs (fake bold): the same character again within this distance (in font sizes).
_OVERPRINT: Final[float] = 0.3
# The longest merged group label of the official tables ("三、本年度办理结果" is 9 characters).
_GROUP_LABEL_MAX: Final[int] = 10
_SECTION_HEADING: Final[re.Pattern[str]] = re.compile(r"^\s*[一二三四五六七八九十]+[、.．]")
_NUMBERED_HEADING: Final[re.Pattern[str]] = re.compile(
    r"^\s*(?:[一二三四五六七八九十]+[、.．]|[(（][一二三四五六七八九十]+[)）]|第[一二三四五六七八九十]+[章节部])"
)


@dataclass(frozen=True)
class Glyph:
    text: str
    x0: float
    x1: float
    top: float
    bottom: float
    size: float

    @property
    def cx(self) -> float:
        return (self.x0 + self.x1) / 2

    @property
    def cy(self) -> float:
        return (self.top + self.bottom) / 2


def glyphs_from(chars: Iterable[dict[str, Any]]) -> list[Glyph]:
    """pdfplumber's char dicts → glyphs (control characters and zero-size glyphs dropped)."""
    out: list[Glyph] = []
    for ch in chars:
        text = str(ch.get("text", ""))
        if not text or (len(text) == 1 and ord(text) < 32):
            continue
        size = float(ch.get("size") or 0) or float(ch["bottom"]) - float(ch["top"])
        if size <= 0:
            continue
        out.append(Glyph(text, float(ch["x0"]), float(ch["x1"]), float(ch["top"]), float(ch["bottom"]), size))
    return out


@dataclass
class Segment:
    """Glyphs of one line with no column-sized gap between them."""

    glyphs: list[Glyph]

    @property
    def x0(self) -> float:
        return self.glyphs[0].x0

    @property
    def x1(self) -> float:
        return max(g.x1 for g in self.glyphs)

    @property
    def text(self) -> str:
        out: list[str] = []
        prev: Glyph | None = None
        for g in self.glyphs:
            if prev is not None and g.x0 - prev.x1 > _WORD_GAP * g.size:
                out.append(" ")
            out.append(g.text)
            prev = g
        return "".join(out).strip()

    def is_value(self) -> bool:
        return looks_like_value(self.text)


@dataclass
class TextLine:
    segments: list[Segment]
    top: float
    bottom: float
    size: float
    page: int
    fragments: list[TextLine] = field(default_factory=list)  # wrapped cell lines joined to this row

    @property
    def cy(self) -> float:
        return (self.top + self.bottom) / 2

    @property
    def x0(self) -> float:
        return self.segments[0].x0

    @property
    def x1(self) -> float:
        return self.segments[-1].x1

    @property
    def text(self) -> str:
        return " ".join(s.text for s in self.segments)

    @property
    def tabular(self) -> bool:
        return len(self.segments) >= 2

    def has_value(self) -> bool:
        return any(s.is_value() for s in self.segments)


def _dedupe(line: list[Glyph]) -> list[Glyph]:
    out: list[Glyph] = []
    for g in line:
        if out and g.text == out[-1].text and abs(g.x0 - out[-1].x0) < _OVERPRINT * g.size:
            continue
        out.append(g)
    return out


def _segments(line: list[Glyph]) -> list[Segment]:
    segments: list[Segment] = []
    current: list[Glyph] = []
    last: Glyph | None = None  # the last visible glyph
    for g in line:
        if g.text.isspace():
            continue
        if last is not None and g.x0 - last.x1 > _SEGMENT_GAP * max(g.size, last.size):
            segments.append(Segment(current))
            current = []
        current.append(g)
        last = g
    if current:
        segments.append(Segment(current))
    return segments


def lines_from(glyphs: Sequence[Glyph], page: int) -> list[TextLine]:
    """Glyphs → lines, top to bottom, each split into segments at column-sized gaps."""
    ordered = sorted(glyphs, key=lambda g: g.cy)
    groups: list[list[Glyph]] = []
    anchor = 0.0
    for g in ordered:
        if groups and g.cy - anchor <= _SAME_LINE * g.size:
            groups[-1].append(g)
        else:
            groups.append([g])
            anchor = g.cy
    lines: list[TextLine] = []
    for group in groups:
        row = _dedupe(sorted(group, key=lambda g: g.x0))
        segments = _segments(row)
        if not segments:
            continue
        sizes = [g.size for g in row if not g.text.isspace()]
        lines.append(
            TextLine(
                segments,
                min(g.top for g in row),
                max(g.bottom for g in row),
                statistics.median(sizes),
                page,
            )
        )
    return lines


# ---------------------------------------------------------------------------------------------
# Tables without ruling lines
# ---------------------------------------------------------------------------------------------


@dataclass
class Run:
    """Consecutive lines of a table drawn without ruling lines."""

    lines: list[TextLine]


# Lines of one table follow each other closely; a gap wider than this (in font sizes) ends the table.
_TABLE_GAP: Final[float] = 2.0
# One-segment lines (wrapped cells, merged labels) that may stand between two rows of one table.
_MAX_LOOSE: Final[int] = 4
_LOOSE_MAX: Final[int] = 40
# A wrapped label line sits within this many font sizes of its row's line (half a line and padding).
_ADJACENT: Final[float] = 0.8  # characters: longer one-segment lines are prose


def _close(above: TextLine, below: TextLine) -> bool:
    return below.top - above.bottom <= _TABLE_GAP * max(above.size, below.size)


def _loose(line: TextLine) -> bool:
    """A one-segment line that may belong to a table: not a section heading, not a line of prose."""
    text = line.text
    return (
        not line.tabular
        and len(text) <= _LOOSE_MAX
        and not (_SECTION_HEADING.match(text) and len(text) > _GROUP_LABEL_MAX)
    )


def _reaches_table(lines: Sequence[TextLine], i: int) -> int | None:
    """From loose line i, the index of the table row that closely follows a chain of loose lines."""
    j = i
    while j < len(lines) and j - i < _MAX_LOOSE and _loose(lines[j]):
        if j > i and not _close(lines[j - 1], lines[j]):
            return None
        j += 1
    if j < len(lines) and j > i and lines[j].tabular and _close(lines[j - 1], lines[j]):
        return j
    return None


def split_runs(lines: Sequence[TextLine]) -> list[TextLine | Run]:
    """Lines in order, with each stretch of table rows gathered into a `Run`.

    A run is made of lines of two or more segments and the short one-segment lines (the wrapped rest
    of a cell, a merged label) that closely precede one of them; a section heading ends it."""
    out: list[TextLine | Run] = []
    i = 0
    while i < len(lines):
        line = lines[i]
        current = out[-1] if out else None
        joins = isinstance(current, Run) and _close(current.lines[-1], line)
        if line.tabular:
            if isinstance(current, Run) and joins:
                current.lines.append(line)
            else:
                out.append(Run([line]))
            i += 1
            continue
        j = _reaches_table(lines, i) if _loose(line) else None
        if j is not None:
            if isinstance(current, Run) and joins:
                current.lines.extend(lines[i:j])
            else:
                out.append(Run(list(lines[i:j])))
            i = j
            continue
        out.append(line)
        i += 1
    return out


def _value_left(run: Run) -> float | None:
    """Where the value columns start: the left edge of the leftmost value segment."""
    edges = [s.x0 for line in run.lines for s in line.segments if s.is_value()]
    return min(edges) if edges else None


def attach_fragments(run: Run) -> list[TextLine]:
    """The run's rows: lines with values, each with the label-only lines that belong to it; header rows
    (labels over the value columns) and lines before the first value row stay rows of their own."""
    value_left = _value_left(run)
    if value_left is None:
        return list(run.lines)
    anchors = [line for line in run.lines if line.has_value()]
    rows: list[TextLine] = []
    for line in run.lines:
        if line in anchors or line.x1 > value_left:  # a value row, or a header row
            rows.append(line)
            continue
        above = next((a for a in reversed(anchors) if a.cy < line.cy), None)
        below = next((a for a in anchors if a.cy > line.cy), None)
        if above is None and (below is None or below.top - line.bottom > _ADJACENT * line.size):
            # Above the first value row and not the wrapped label right above it: the table's header.
            rows.append(line)
            continue
        # The nearest row: right for centred values (the official template) and for labels wrapped
        # over two lines whatever the alignment; top-aligned values beside labels of three lines or
        # more cannot be told apart from centred ones without ruling lines.
        if below is None or (above is not None and line.cy - above.cy <= below.cy - line.cy):
            target = above
        else:
            target = below
        assert target is not None
        target.fragments.append(line)
    return rows


def row_cells(row: TextLine) -> list[str]:
    """A row's cell texts left to right: segments of its lines that overlap horizontally are one cell,
    their lines joined top to bottom."""
    pieces = [(s, line.cy) for line in (row, *row.fragments) for s in line.segments]
    pieces.sort(key=lambda p: p[0].x0)
    cells: list[list[tuple[Segment, float]]] = []
    right = float("-inf")
    for seg, cy in pieces:
        if cells and seg.x0 < right and not seg.is_value():
            cells[-1].append((seg, cy))
            right = max(right, seg.x1)
            continue
        cells.append([(seg, cy)])
        right = seg.x1
    return [join_wrapped([s.text for s, _ in sorted(cell, key=lambda p: p[1])]) for cell in cells]


# ---------------------------------------------------------------------------------------------
# Prose
# ---------------------------------------------------------------------------------------------


def paragraphs(lines: Sequence[TextLine], left: float, right: float) -> list[list[TextLine]]:
    """Consecutive prose lines grouped into paragraphs.

    A line continues the paragraph above when that line ran to the right margin, this one starts at the
    left margin (a first line is indented, a heading is not long enough to run on) and it follows at
    line spacing (or opens the next page).
    """
    out: list[list[TextLine]] = []
    for line in lines:
        if out:
            prev = out[-1][-1]
            size = max(prev.size, line.size)
            # Across a page break only the margins tell: the vertical gap is the page's.
            close = prev.page != line.page or line.top - prev.bottom <= 1.2 * size
            if (
                close
                and prev.x1 >= right - 1.5 * size
                and line.x0 <= left + _INDENT * size
                and not _NUMBERED_HEADING.match(line.text)
            ):
                out[-1].append(line)
                continue
        out.append([line])
    return out


def paragraph_text(lines: Sequence[TextLine]) -> str:
    return join_wrapped([line.text for line in lines])
