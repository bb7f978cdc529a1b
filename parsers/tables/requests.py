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
from parsers.tables.build import RowShape, build
from parsers.tables.labels import match, request_row_keys, strip_groups
from parsers.tables.tokens import Token
from parsers.tables.walk import collect_runs

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
    for idx, row in enumerate(request_row_keys(fmt)):
        strength = match(key, row)
        if strength is not None:
            out.append((idx, strength == "label" or not row.short))
    return tuple(out)


@lru_cache(maxsize=4)
def _shapes(fmt: str) -> tuple[RowShape, ...]:
    return tuple(RowShape(r.id, template.REQUEST_COLUMNS) for r in template.request_rows(fmt))


def find_runs(tokens: Sequence[Token], fmt: str) -> dict[str, list[Token]]:
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

    return collect_runs(tokens, find)


def read_requests(tokens: Sequence[Token], fmt: str) -> tuple[Table | None, list[str], int]:
    """(table or None, warnings, number of rows found)."""
    runs = find_runs(tokens, fmt)
    if len(runs) < MIN_ROWS:
        return None, [], len(runs)
    table, warnings = build(NAME, _shapes(fmt), runs, applicant_sum_holds)
    return table, warnings, len(runs)
