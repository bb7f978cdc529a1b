"""What spans pages: running headers and page numbers (dropped), tables continued on the next page.

A page number or a running header repeats in the page margins and would otherwise land in the middle
of a paragraph or between the two halves of a table. A table that runs over a page break arrives as
two tables: the second begins its page, has no header (or repeats it: Word's "repeat header rows"),
and its first row may be the rest of a row the break cut in two (Word lets rows break across pages,
so a wrapped label is split while its values stay on one side).
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
from typing import Final

from parsers.readers.pdf_layout import TextLine
from parsers.readers.pdf_tables import RuledTable
from parsers.readers.text import join_wrapped
from parsers.tables.cells import looks_like_value

Item = TextLine | RuledTable

# The share of the page height at the top and at the bottom where running headers and footers live.
MARGIN_BAND: Final[float] = 0.08
_PAGE_NUMBER: Final[re.Pattern[str]] = re.compile(
    r"^\s*(?:[-－—–]?\s*\d{1,4}\s*[-－—–]?|第\s*\d{1,4}\s*页(?:\s*[,，/、]?\s*共\s*\d{1,4}\s*页)?"
    r"|\d{1,4}\s*/\s*\d{1,4}|page\s*\d{1,4}(?:\s*of\s*\d{1,4})?)\s*$",
    re.I,
)
_DIGITS: Final[re.Pattern[str]] = re.compile(r"\d+")
# A row label begins with its numbering; the rest of a label cut by a page break does not.
_ROW_START: Final[re.Pattern[str]] = re.compile(r"^\s*[(（]?[一二三四五六七八九十\d]{1,3}[)）.、．]")
_EDGE_TOLERANCE: Final[float] = 2.0


def _in_margin(line: TextLine, height: float) -> bool:
    return line.bottom <= height * MARGIN_BAND or line.top >= height * (1 - MARGIN_BAND)


def drop_running(pages: Sequence[list[Item]], heights: Sequence[float]) -> list[list[Item]]:
    """Pages without page numbers and without margin lines that recur on two pages or more."""
    seen: Counter[str] = Counter()
    for items, height in zip(pages, heights, strict=True):
        keys = {_DIGITS.sub("#", i.text) for i in items if isinstance(i, TextLine) and _in_margin(i, height)}
        seen.update(keys)
    out: list[list[Item]] = []
    for items, height in zip(pages, heights, strict=True):
        kept: list[Item] = []
        for item in items:
            running = isinstance(item, TextLine) and (
                _in_margin(item, height)
                and (
                    _PAGE_NUMBER.match(item.text)
                    or (len(pages) > 1 and seen[_DIGITS.sub("#", item.text)] > 1)
                )
            )
            if not running:
                kept.append(item)
        out.append(kept)
    return out


def _same_columns(a: RuledTable, b: RuledTable) -> bool:
    """The outer edges agree and most of the column boundaries do (the header's extra ones aside)."""
    if (
        abs(a.columns[0] - b.columns[0]) > _EDGE_TOLERANCE
        or abs(a.columns[-1] - b.columns[-1]) > _EDGE_TOLERANCE
    ):
        return False
    shared = sum(1 for x in b.columns if any(abs(x - y) <= _EDGE_TOLERANCE for y in a.columns))
    return shared >= 0.6 * len(b.columns)


def _has_values(row: Sequence[str]) -> bool:
    return any(cell and looks_like_value(cell) for cell in row)


def _split_row(last: list[str], first: list[str]) -> list[str] | None:
    """The row a page break cut in two, put back together; None when these are two rows.

    One half holds the values, the other only the rest of the labels; where both halves have text in a
    column it is label text, and the second half's does not start a new numbered label.
    """
    if len(last) != len(first) or _has_values(last) == _has_values(first):
        return None
    merged: list[str] = []
    for a, b in zip(last, first, strict=True):
        if a and b and a != b:
            if looks_like_value(a) or looks_like_value(b) or _ROW_START.match(b):
                return None
            merged.append(join_wrapped([a, b]))
        else:
            merged.append(a or b)
    return merged


def continue_tables(items: Sequence[Item]) -> list[Item]:
    """Items in document order with each continued table's repeated header dropped and its cut row
    rejoined. The halves stay two tables (each on its own page): the table readers read them as one."""
    out: list[Item] = list(items)
    for i in range(1, len(out)):
        prev, cur = out[i - 1], out[i]
        if not (
            isinstance(prev, RuledTable)
            and isinstance(cur, RuledTable)
            and cur.page == prev.page + 1
            and _same_columns(prev, cur)
        ):
            continue
        rows = list(cur.rows)
        repeated = 0
        while repeated < min(len(prev.rows), len(rows) - 1) and rows[repeated] == prev.rows[repeated]:
            repeated += 1
        rows = rows[repeated:]
        prev_rows = list(prev.rows)
        merged = _split_row(prev_rows[-1], rows[0]) if prev_rows and rows else None
        if merged is not None:
            # The rejoined row stays on the page that holds its values.
            if _has_values(rows[0]):
                prev_rows.pop()
                rows[0] = merged
            else:
                prev_rows[-1] = merged
                rows.pop(0)
        out[i - 1] = RuledTable(prev.bbox, prev_rows, prev.raw_cells, prev.page, prev.columns)
        out[i] = RuledTable(cur.bbox, rows, cur.raw_cells, cur.page, cur.columns)
    return [item for item in out if not (isinstance(item, RuledTable) and not item.rows)]
