"""Cell values (contract §6): text of one table cell → `Cell`.

Blank is not zero: a blank cell reads as None, a 不适用 mark as "n/a", and text that is neither a
number nor a mark also reads as None but keeps its raw text, so callers can tell "blank" from
"unreadable" (`is_unreadable`) and say which cell could not be read.
"""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation
from typing import Final

from parsers.model import Cell
from parsers.normalize import normalize_text
from parsers.template import NA, NOT_APPLICABLE, ValueKind

# Units written inside cells (251000元, 12.5万元, 3件). The number is kept as written: a cell headed
# 万元 holding "12.5万元" is 12.5, and one holding "251000元" is 251000 — the raw text tells which.
_UNITS: Final[str] = "亿元|万元|元|人次|件次|件|个|条|项|次|宗|家|份|起|人"
_NUMBER: Final[re.Pattern[str]] = re.compile(
    rf"^(?P<sign>[+\-−－]|增|减)?(?P<num>\d{{1,3}}(?:,\d{{3}})+|\d+)(?P<frac>\.\d+)?(?:{_UNITS})?$"
)
_SPACES: Final[re.Pattern[str]] = re.compile(r"\s+")


def _compact(raw: str) -> str:
    return _SPACES.sub("", normalize_text(raw))


def is_not_applicable(text: str) -> bool:
    return _compact(text) in NOT_APPLICABLE


def looks_like_value(text: str) -> bool:
    """Whether a word of flattened table text is a cell value (a number or a 不适用 mark), not a label."""
    compact = _compact(text)
    return compact in NOT_APPLICABLE or _NUMBER.match(compact) is not None


def parse_cell(raw: str, kind: ValueKind = "int") -> Cell:
    """Read one cell as the column's kind: int, Decimal ("decimal"), signed int ("signed") or text."""
    text = normalize_text(raw).strip()
    compact = _SPACES.sub("", text)
    if not compact:
        return Cell(None, "")
    if compact in NOT_APPLICABLE:
        return Cell(NA, text)
    if kind == "text":
        return Cell(text, text)
    match = _NUMBER.match(compact)
    if match is None:
        return Cell(None, text)
    sign = match["sign"]
    digits = match["num"].replace(",", "")
    frac = match["frac"]
    negative = sign in ("-", "−", "－", "减")
    if kind == "decimal":
        if sign is not None:  # amounts are never signed; a sign means we misread the cell
            return Cell(None, text)
        try:
            return Cell(Decimal(digits + (frac or "")), text)
        except InvalidOperation:  # pragma: no cover - the pattern admits only digits
            return Cell(None, text)
    if frac is not None:
        return Cell(None, text)  # a fraction in a count column is not a count
    if kind == "signed":
        return Cell(-int(digits) if negative else int(digits), text)
    if sign is not None:
        return Cell(None, text)  # counts carry no sign
    return Cell(int(digits), text)


def is_unreadable(cell: Cell) -> bool:
    """A cell with text that is neither a value nor a 不适用 mark."""
    return cell.value is None and cell.raw != ""
