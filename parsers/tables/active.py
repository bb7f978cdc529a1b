"""Table 二 — 主动公开政府信息情况: sub-tables of one to three columns (both formats).

Its row labels are distinct words (规章, 行政许可…), so rows are matched in any order; the columns
are the template's, in its order, which is the order every sub-table header writes them in.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache
from typing import Final

from parsers import template
from parsers.model import Table
from parsers.tables.build import RowShape, build_at
from parsers.tables.labels import active_row_keys, candidate_rows, match
from parsers.tables.tokens import Token
from parsers.tables.walk import Finder, Walked, collect_runs, collect_walk

NAME: Final[str] = "二"
# A single matched row could be a word in a list; two rows make a table.
MIN_ROWS: Final[int] = 2


@lru_cache(maxsize=16384)
def _match(fmt: str, candidate: str) -> str | None:
    rows = active_row_keys(fmt)
    for idx in candidate_rows("active", fmt, candidate):
        if match(candidate, rows[idx]) is not None:
            return rows[idx].id
    return None


@lru_cache(maxsize=4)
def _shapes(fmt: str) -> tuple[RowShape, ...]:
    return tuple(RowShape(r.id, r.columns) for r in template.ACTIVE_DISCLOSURE[fmt])


def _finder(fmt: str) -> Finder:
    def find(candidates: Sequence[str]) -> str | None:
        for candidate in candidates:
            row = _match(fmt, candidate)
            if row is not None:
                return row
        return None

    return find


def find_runs(tokens: Sequence[Token], fmt: str) -> dict[str, list[Token]]:
    return collect_runs(tokens, _finder(fmt), f"active {fmt}")


def find_walk(tokens: Sequence[Token], fmt: str) -> Walked:
    """find_runs as positions in `tokens` (shared with the walk memo: not to be changed)."""
    return collect_walk(tokens, _finder(fmt), f"active {fmt}")


def read_active(tokens: Sequence[Token], fmt: str) -> tuple[Table | None, list[str], int]:
    """(table or None, warnings, number of rows found)."""
    walked = find_walk(tokens, fmt)
    found = len(walked)
    if found < MIN_ROWS:
        return None, [], found
    table, warnings = build_at(NAME, _shapes(fmt), tokens, walked)
    return table, warnings, found
