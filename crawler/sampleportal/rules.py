"""The within-report checks of contract §7, restated on their own for the generator.

The generator must know which checks its deliberately inconsistent reports fail without asking the parser
(whose checks are what the synthetic reports test), so the rules are evaluated here from plain values.
A blank (None) or "n/a" operand makes a check not assessable (ok is None), never a failure.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from parsers.template import (
    APPLICANT_COLUMN_IDS,
    REQUEST_COLUMN_IDS,
    REVIEW_BLOCK_IDS,
    request_rows,
)

Value = int | Decimal | str | None
TableValues = dict[str, dict[str, Value]]
Tables = dict[str, TableValues | None]

_REVIEW_PARTS = ("upheld", "corrected", "other", "pending")


@dataclass(frozen=True)
class RuleResult:
    id: str
    ok: bool | None  # None: an operand is blank or n/a
    detail: str


def _number(value: Value) -> int | Decimal | None:
    if value is None or isinstance(value, str):
        return None
    return value


def _show(value: Value) -> str:
    return "blank" if value is None else str(value)


def _equation(check_id: str, left: list[Value], right: list[Value]) -> RuleResult:
    detail = f"{' + '.join(_show(v) for v in left)} = {' + '.join(_show(v) for v in right)}"
    numbers_left = [_number(v) for v in left]
    numbers_right = [_number(v) for v in right]
    if any(n is None for n in numbers_left + numbers_right):
        return RuleResult(check_id, None, detail)
    ok = sum(n for n in numbers_left if n is not None) == sum(n for n in numbers_right if n is not None)
    return RuleResult(check_id, ok, detail)


def _cell(table: TableValues, row: str, col: str) -> Value:
    return table.get(row, {}).get(col)


def requests_rules(fmt: str, table: TableValues) -> list[RuleResult]:
    rows = request_rows(fmt)
    result_rows = [r.id for r in rows if r.role == "result"]
    results: list[RuleResult] = []
    for col in REQUEST_COLUMN_IDS:
        results.append(
            _equation(
                f"requests.balance.{col}",
                [_cell(table, "new_received", col), _cell(table, "carried_over", col)],
                [_cell(table, "total", col), _cell(table, "carried_forward", col)],
            )
        )
    for col in REQUEST_COLUMN_IDS:
        results.append(
            _equation(
                f"requests.results_sum.{col}",
                [_cell(table, "total", col)],
                [_cell(table, row, col) for row in result_rows],
            )
        )
    for row in rows:
        results.append(
            _equation(
                f"requests.row_sum.{row.id}",
                [_cell(table, row.id, "total")],
                [_cell(table, row.id, col) for col in APPLICANT_COLUMN_IDS],
            )
        )
    return results


def review_rules(table: TableValues) -> list[RuleResult]:
    return [
        _equation(
            f"review_litigation.sum.{block}",
            [_cell(table, block, col) for col in _REVIEW_PARTS],
            [_cell(table, block, "total")],
        )
        for block in REVIEW_BLOCK_IDS
    ]


def evaluate(fmt: str, tables: Tables) -> list[RuleResult]:
    """Every within-report table check of §7 that the present tables allow, in a fixed order."""
    results: list[RuleResult] = []
    requests = tables.get("requests")
    if requests is not None:
        results.extend(requests_rules(fmt, requests))
    review = tables.get("review_litigation")
    if review is not None:
        results.extend(review_rules(review))
    return results


def failing(fmt: str, tables: Tables) -> tuple[str, ...]:
    """Ids of the checks that fail (ok is False), in evaluation order."""
    return tuple(r.id for r in evaluate(fmt, tables) if r.ok is False)
