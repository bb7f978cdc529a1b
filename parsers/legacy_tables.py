"""Local 统计表 / 附表 of pre-2019 reports, kept as read.

Before 2019 there was no national table: provinces and cities printed their own statistics tables,
as HTML tables or, in text captures, flattened into lines (`|`-separated cells, tab- or
space-separated cells, or one cell per line). `find_tables` keeps every such grid with its caption so
nothing the report printed is lost; reading figures out of the rows is `parsers.legacy`'s job.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Final, Literal

from parsers.blocks import Block, Grid, Line
from parsers.normalize import label_key
from parsers.tables.cells import looks_like_value

Layout = Literal["html", "text"]

# A caption names the table as a table; it is a short line of its own, never a sentence.
_CAPTION_WORDS: Final[tuple[str, ...]] = ("统计表", "情况表", "一览表", "附表", "统计数据")
_CAPTION_MAX_CHARS: Final[int] = 60
# How far above a grid its caption may sit (a 单位: line or a blank cell row can come between).
_CAPTION_LOOKBACK: Final[int] = 2
# A one-cell line longer than this is prose: the longest local row labels stay well below it.
_CELL_MAX_CHARS: Final[int] = 60
# Unit cells (单位 column) and unit-only lines of one-cell-per-line captures.
_UNIT_CELL: Final[re.Pattern[str]] = re.compile(
    r"^(?:单位[:]?)?\(?(?:万元|元|人次|件次|条|件|个|人|次|项|场|期|份|宗|起|篇|家|天|小时|%)\)?$"
)
# A cell written in Chinese numerals (三百, 二十三件): a value, though parsers.tables reads digits only.
_CN_VALUE: Final[re.Pattern[str]] = re.compile(
    r"^[零〇一二两三四五六七八九十百千万亿]{1,12}(?:万元|元|人次|件次|条|件|个|人|次|项|宗|起|份)?$"
)
_MD_RULE: Final[re.Pattern[str]] = re.compile(r"^\|?\s*:?-{3,}:?\s*(?:\|\s*:?-{3,}:?\s*)*\|?$")
_WIDE_GAP: Final[re.Pattern[str]] = re.compile(r"\t+|\s{2,}")


@dataclass(frozen=True)
class LegacyTable:
    caption: str | None  # the caption line (or a spanning title row), normalised; None when there is none
    rows: list[list[str]]  # cells as read (normalised text); flattened rows keep their own widths
    layout: Layout  # "html" for a table element, "text" for a table flattened into lines

    def to_dict(self) -> dict[str, object]:
        return {"caption": self.caption, "layout": self.layout, "rows": [list(r) for r in self.rows]}


def is_caption(text: str) -> bool:
    key = label_key(text)
    return (
        0 < len(key) <= _CAPTION_MAX_CHARS
        and "。" not in key
        and any(word in key for word in _CAPTION_WORDS)
    )


def is_unit_cell(text: str) -> bool:
    return _UNIT_CELL.match(label_key(text)) is not None


def _is_value(text: str) -> bool:
    return bool(text.strip()) and (looks_like_value(text) or _CN_VALUE.match(label_key(text)) is not None)


def row_has_value(row: Sequence[str]) -> bool:
    return any(_is_value(cell) for cell in row)


def _pipe_cells(text: str) -> list[str]:
    cells = [c.strip() for c in text.split("|")]
    # Border pipes (| a | b |) leave empty cells at the ends; inner empty cells are blank cells.
    while cells and not cells[0]:
        cells.pop(0)
    while cells and not cells[-1]:
        cells.pop()
    return cells


def _spaced_cells(text: str) -> list[str] | None:
    """Cells of a row separated by whitespace, or None when the line holds no value (a label only)."""
    if _WIDE_GAP.search(text):
        gapped = [c.strip() for c in _WIDE_GAP.split(text) if c.strip()]
        if len(gapped) > 1:
            return gapped
    words = text.split()
    if len(words) < 2 or not any(_is_value(w) for w in words):
        return None
    # Single spaces: values and units stand alone, the words between them form one label.
    cells: list[str] = []
    label: list[str] = []
    for word in words:
        if _is_value(word) or is_unit_cell(word):
            if label:
                cells.append(" ".join(label))
                label = []
            cells.append(word)
        else:
            label.append(word)
    if label:
        cells.append(" ".join(label))
    return cells


def _row_of(text: str) -> tuple[list[str], bool] | None:
    """(cells, several cells on the line) for a table line; None for prose."""
    if "|" in text:
        if _MD_RULE.match(text.strip()):
            return [], True
        return _pipe_cells(text), True
    if "。" in text:
        return None
    cells = _spaced_cells(text)
    if cells is not None:
        return cells, True
    if len(label_key(text)) > _CELL_MAX_CHARS:
        return None
    return [text.strip()], False


def _text_table(blocks: Sequence[Block], start: int, caption: str | None) -> tuple[LegacyTable | None, int]:
    """Read flattened rows from blocks[start:]; returns the table (None if no row holds a value) and
    the index of the first block not taken."""
    rows: list[list[str]] = []
    i = start
    while i < len(blocks):
        block = blocks[i]
        if isinstance(block, Grid) or is_caption(block.text):
            break
        if caption is None and "|" not in block.text:
            break  # without a caption only `|` lines are known to be table rows
        read = _row_of(block.text)
        if read is None:
            break
        cells, several = read
        i += 1
        if not cells:
            continue
        lone = cells[0]
        if not several and rows and (_is_value(lone) or is_unit_cell(lone)):
            rows[-1].append(lone)  # one cell per line: values and units belong to the label above
        else:
            rows.append(cells)
    while rows and not row_has_value(rows[-1]):
        rows.pop()  # a signature or a note under the table, not a row of it
    if not any(row_has_value(r) for r in rows):
        return None, i
    return LegacyTable(caption, rows, "text"), i


def _grid_caption(blocks: Sequence[Block], index: int, grid: Grid) -> str | None:
    for block in reversed(blocks[max(0, index - _CAPTION_LOOKBACK) : index]):
        if isinstance(block, Grid):
            break
        if is_caption(block.text):
            return block.text.strip()
    first = [c for c in grid.rows[0] if c.strip()] if grid.rows else []
    if first and len(set(first)) == 1 and is_caption(first[0]):
        return first[0].strip()  # a title row spanning the whole table
    return None


def find_tables(blocks: Sequence[Block]) -> list[LegacyTable]:
    """Every local table of the document in order: grids as they are, flattened tables re-read into rows
    (after a caption line, or a run of at least two `|` lines without one)."""
    tables: list[LegacyTable] = []
    i = 0
    while i < len(blocks):
        block = blocks[i]
        if isinstance(block, Grid):
            if any(cell.strip() for row in block.rows for cell in row):
                tables.append(LegacyTable(_grid_caption(blocks, i, block), block.rows, "html"))
            i += 1
            continue
        assert isinstance(block, Line)
        if is_caption(block.text):
            table, end = _text_table(blocks, i + 1, block.text.strip())
        elif "|" in block.text:
            table, end = _text_table(blocks, i, None)
            if table is not None and len(table.rows) < 2:
                table = None  # one `|` line is a separator in prose, not a table
        else:
            table, end = None, i + 1
        if table is not None:
            tables.append(table)
        i = max(end, i + 1)
    return tables
