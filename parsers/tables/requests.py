"""Table 三 — 收到和处理政府信息公开申请情况: 25 (2021) or 23 (2019) rows × 7 columns.

Rows are matched in the template's order: several labels are short and recur in the header (其他,
总计), so a short label is only taken close to where the walk expects it, while a full official
label ("(七)总计", "3.其他") or a long core may be taken further on (rows can be missing).
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache
from typing import Final

from parsers import template
from parsers.model import Table
from parsers.tables.build import RowShape, build_at
from parsers.tables.labels import candidate_rows, match, request_row_keys, strip_groups
from parsers.tables.tokens import Token
from parsers.tables.walk import Finder, Walked, collect_runs, collect_walk

NAME: Final[str] = "三"
# A short core ("其他", "总计") may skip at most this many rows not found.
_SHORT_WINDOW: Final[int] = 2
# Fewer rows than this is a stray label in prose, not the table.
MIN_ROWS: Final[int] = 3


def applicant_sum_holds(values: list[int]) -> bool:
    """The row's total column equals the six applicant columns (used to split glued cells)."""
    return sum(values[:-1]) == values[-1]


@lru_cache(maxsize=16384)
def _matches(fmt: str, candidate: str) -> tuple[tuple[int, bool], ...]:
    """(row index, matched by its full label) for every row of table 三 the candidate label matches;
    cached because the same labels recur in every report."""
    key = strip_groups(candidate)
    out: list[tuple[int, bool]] = []
    rows = request_row_keys(fmt)
    for idx in candidate_rows("requests", fmt, key):
        row = rows[idx]
        strength = match(key, row)
        if strength is not None:
            out.append((idx, strength == "label" or not row.short))
    return tuple(out)


@lru_cache(maxsize=4)
def _shapes(fmt: str) -> tuple[RowShape, ...]:
    return tuple(RowShape(r.id, template.REQUEST_COLUMNS) for r in template.request_rows(fmt))


def _finder(fmt: str) -> Finder:
    """A fresh finder: its state (the row reached) starts afresh with every walk."""
    rows = request_row_keys(fmt)
    pos = 0

    def find(candidates: Sequence[str]) -> str | None:
        nonlocal pos
        for candidate in candidates:
            for idx, trusted in _matches(fmt, candidate):
                if idx < pos or (not trusted and idx - pos > _SHORT_WINDOW):
                    continue
                pos = idx + 1
                return rows[idx].id
        return None

    return find


def find_runs(tokens: Sequence[Token], fmt: str) -> dict[str, list[Token]]:
    # find's state (the row reached) starts afresh with every walk: its answers follow from the candidates.
    return collect_runs(tokens, _finder(fmt), f"requests {fmt}")


def find_walk(tokens: Sequence[Token], fmt: str) -> Walked:
    """find_runs as positions in `tokens` (shared with the walk memo: not to be changed)."""
    return collect_walk(tokens, _finder(fmt), f"requests {fmt}")


def read_requests(tokens: Sequence[Token], fmt: str) -> tuple[Table | None, list[str], int]:
    """(table or None, warnings, number of rows found)."""
    walked = find_walk(tokens, fmt)
    found = len(walked)
    if found < MIN_ROWS:
        return None, [], found
    table, warnings = build_at(NAME, _shapes(fmt), tokens, walked, applicant_sum_holds)
    return table, warnings, found
