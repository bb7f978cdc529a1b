"""Consistency checks (contract §7): within a report, against its own prose, and across years.

A check never repairs a report: originals contain totals that do not add up, and that is a finding.
`ok` is None — not assessable — whenever an operand is blank or "n/a"; `detail` names the numbers.
A failing check on a table read by OCR says so, naming the table's low-confidence cells: the failure
may be a misread rather than the report's.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Final

from parsers import template
from parsers.model import Cell, Check, ParsedReport, Table

Number = int | Decimal


def _number(cell: Cell | None) -> Number | None:
    if cell is None or isinstance(cell.value, str) or cell.value is None:
        return None
    return cell.value


def _show(cell: Cell | None) -> str:
    if cell is None or cell.value is None:
        return "blank"
    return str(cell.value)


def _cell(table: Table, row: str, col: str) -> Cell | None:
    return table.get(row, {}).get(col)


@dataclass(frozen=True)
class _Term:
    name: str
    cell: Cell | None


def _sum(terms: Sequence[_Term]) -> Number | None:
    values = [_number(t.cell) for t in terms]
    if any(v is None for v in values):
        return None
    return sum((v for v in values if v is not None), start=0)


def _side(terms: Sequence[_Term], total: Number | None) -> str:
    text = " + ".join(f"{t.name} {_show(t.cell)}" for t in terms)
    return text if total is None or len(terms) == 1 else f"{text} = {total}"


def _equation(check_id: str, left: Sequence[_Term], right: Sequence[_Term]) -> Check:
    a, b = _sum(left), _sum(right)
    ok = None if a is None or b is None else a == b
    return Check(check_id, ok, f"{_side(left, a)}; {_side(right, b)}")


def _long_sum(check_id: str, parts: Sequence[_Term], total: _Term) -> Check:
    """Like `_equation`, but a sum of many terms is written with its zero terms counted, not listed."""
    a, b = _sum(parts), _number(total.cell)
    ok = None if a is None or b is None else a == b
    shown = [t for t in parts if _number(t.cell) != 0]
    zeros = len(parts) - len(shown)
    text = " + ".join(f"{t.name} {_show(t.cell)}" for t in shown)
    if zeros:
        text = f"{text} (+ {zeros} rows of 0)" if text else f"{zeros} rows of 0"
    if a is not None:
        text += f" = {a}"
    return Check(check_id, ok, f"{text}; {total.name} {_show(total.cell)}")


# ---------------------------------------------------------------------------------------------
# Within a report
# ---------------------------------------------------------------------------------------------


def _requests_format(table: Table, fmt: str) -> str:
    if fmt in template.TABLE_FORMATS:
        return fmt
    return "2019" if "other_handling" in table else "2021"


def requests_checks(table: Table, fmt: str) -> list[Check]:
    fmt = _requests_format(table, fmt)
    rows = template.request_rows(fmt)
    checks: list[Check] = []
    for col in template.REQUEST_COLUMN_IDS:
        checks.append(
            _equation(
                f"requests.balance.{col}",
                [_Term(r, _cell(table, r, col)) for r in ("new_received", "carried_over")],
                [_Term(r, _cell(table, r, col)) for r in ("total", "carried_forward")],
            )
        )
    results = [r.id for r in rows if r.role == "result"]
    for col in template.REQUEST_COLUMN_IDS:
        checks.append(
            _long_sum(
                f"requests.results_sum.{col}",
                [_Term(r, _cell(table, r, col)) for r in results],
                _Term("total", _cell(table, "total", col)),
            )
        )
    for row in rows:
        checks.append(
            _equation(
                f"requests.row_sum.{row.id}",
                [_Term(c, _cell(table, row.id, c)) for c in template.APPLICANT_COLUMN_IDS],
                [_Term("total", _cell(table, row.id, "total"))],
            )
        )
    return checks


def review_checks(table: Table) -> list[Check]:
    parts = [c for c in template.REVIEW_COLUMN_IDS if c != "total"]
    return [
        _equation(
            f"review_litigation.sum.{block}",
            [_Term(c, _cell(table, block, c)) for c in parts],
            [_Term("total", _cell(table, block, "total"))],
        )
        for block in template.REVIEW_BLOCK_IDS
    ]


# ---------------------------------------------------------------------------------------------
# Figures stated in the prose
# ---------------------------------------------------------------------------------------------

_UNIT: Final[str] = "(?:件|个|条|份|起|宗|例)"
# After a figure: not more digits, a date or a percentage (行政诉讼2022年…, 增长5.2%).
_END: Final[str] = r"(?![\d.%年月日])"


@dataclass(frozen=True)
class _Statement:
    id: str
    pattern: re.Pattern[str]
    # Words that make the clause about something else: a part (其中, 自然人), another year
    # (上年, 同比), or both kinds of case at once (复议 and 诉讼 together).
    forbidden: tuple[str, ...]


_COMPARISON: Final[tuple[str, ...]] = ("上年", "去年", "上一年", "同比", "较", "增长", "下降", "减少", "增加")
_STATEMENTS: Final[tuple[_Statement, ...]] = (
    _Statement(
        "new_received",
        re.compile(
            r"(?:新收|收到|收办|受理|接收)了?[^,。;:、\d()]{0,16}?申请(?:共计|共|合计|总计)?(\d+)"
            + _UNIT
            + _END
        ),
        (
            "其中",
            "含",
            "包括",
            "结转",
            "自然人",
            "法人",
            "网上",
            "网络",
            "当面",
            "信函",
            "传真",
            "邮件",
            "电话",
            "来信",
            "答复",
            "办结",
            "办理完",
            *_COMPARISON,
        ),
    ),
    _Statement(
        "granted",
        re.compile(r"予以公开(?:的)?(?:共计|共)?(\d+)" + _UNIT + _END),
        ("主动", "自然人", "法人", "部分", *_COMPARISON),
    ),
    _Statement(
        "review",
        re.compile(r"行政复议(?:案件|申请)?(?:共计|共)?(\d+)" + _UNIT + "?" + _END),
        ("诉讼", "复议后", *_COMPARISON),
    ),
    _Statement(
        "litigation",
        re.compile(r"行政诉讼(?:案件)?(?:共计|共)?(\d+)" + _UNIT + "?" + _END),
        ("复议", *_COMPARISON),
    ),
)
_CLAUSE_START: Final[re.Pattern[str]] = re.compile(r"[,。;!?]")


def _clause(line: str, start: int, end: int) -> str:
    """The clause around a match: from the last separator before it to the end of the match."""
    begin = 0
    for sep in _CLAUSE_START.finditer(line, 0, start):
        begin = sep.end()
    return line[begin:end]


def stated_figures(texts: Iterable[str | None]) -> dict[str, tuple[int, str]]:
    """{statement id: (figure, the words stating it)} for figures the prose states exactly once
    (or several times alike); statements that differ from each other are dropped."""
    found: dict[str, dict[int, str]] = {}
    for text in texts:
        if not text:
            continue
        for line in text.split("\n"):
            if "|" in line:
                continue  # a flattened table row, not prose
            for statement in _STATEMENTS:
                for m in statement.pattern.finditer(line):
                    clause = _clause(line, m.start(), m.end())
                    if any(word in clause for word in statement.forbidden):
                        continue
                    found.setdefault(statement.id, {}).setdefault(int(m.group(1)), m.group(0))
    return {sid: next(iter(v.items())) for sid, v in found.items() if len(v) == 1}


def _table_figure(tables: Mapping[str, Table | None], statement: str) -> list[_Term] | None:
    requests = tables.get("requests")
    review = tables.get("review_litigation")
    if statement == "new_received" and requests is not None:
        return [_Term("new_received.total", _cell(requests, "new_received", "total"))]
    if statement == "granted" and requests is not None:
        return [_Term("granted.total", _cell(requests, "granted", "total"))]
    if statement == "review" and review is not None:
        return [_Term("review.total", _cell(review, "review", "total"))]
    if statement == "litigation" and review is not None:
        return [
            _Term(f"{block}.total", _cell(review, block, "total"))
            for block in ("litigation_direct", "litigation_after_review")
        ]
    return None


def narrative_checks(tables: Mapping[str, Table | None], sections: Mapping[str, str | None]) -> list[Check]:
    stated = stated_figures(sections.values())
    checks: list[Check] = []
    for statement in _STATEMENTS:
        if statement.id not in stated:
            continue
        terms = _table_figure(tables, statement.id)
        if terms is None:
            continue
        figure, words = stated[statement.id]
        table_sum = _sum(terms)
        ok = None if table_sum is None else table_sum == figure
        checks.append(
            Check(
                f"narrative.{statement.id}", ok, f'prose "{words}" {figure}; table {_side(terms, table_sum)}'
            )
        )
    return checks


# ---------------------------------------------------------------------------------------------
# Entry points
# ---------------------------------------------------------------------------------------------


# Which table a check's figures come from, by the check id's first part (narrative: by statement).
_CHECK_TABLE: Final[dict[str, str]] = {
    "requests": "requests",
    "review_litigation": "review_litigation",
    "narrative.new_received": "requests",
    "narrative.granted": "requests",
    "narrative.review": "review_litigation",
    "narrative.litigation": "review_litigation",
}
_LOW_CELLS_SHOWN: Final[int] = 8


def _ocr_note(table_id: str, table: Table) -> str | None:
    """ "(table read by OCR; low-confidence cells: …)" when any cell of the table was read by OCR."""
    cells = [(f"{table_id}.{row}.{col}", cell) for row, cols in table.items() for col, cell in cols.items()]
    if not any(cell.source is not None and cell.source.method == "ocr" for _, cell in cells):
        return None
    low = [key for key, cell in cells if cell.source is not None and cell.source.low_confidence]
    if not low:
        return "(table read by OCR; no low-confidence cells)"
    shown = ", ".join(low[:_LOW_CELLS_SHOWN])
    if len(low) > _LOW_CELLS_SHOWN:
        shown += f" and {len(low) - _LOW_CELLS_SHOWN} more"
    return f"(table read by OCR; low-confidence cells: {shown})"


def _table_of(check_id: str) -> str | None:
    parts = check_id.split(".")
    return _CHECK_TABLE.get(parts[0]) or _CHECK_TABLE.get(".".join(parts[:2]))


def _with_ocr_notes(checks: list[Check], tables: Mapping[str, Table | None]) -> list[Check]:
    notes: dict[str, str | None] = {}
    out: list[Check] = []
    for check in checks:
        table_id = _table_of(check.id)
        table = tables.get(table_id) if table_id is not None else None
        if check.ok is False and table_id is not None and table is not None:
            if table_id not in notes:
                notes[table_id] = _ocr_note(table_id, table)
            note = notes[table_id]
            if note is not None:
                check = Check(check.id, check.ok, f"{check.detail} {note}")
        out.append(check)
    return out


def run_checks(
    source: ParsedReport | Mapping[str, Table | None],
    fmt: str | None = None,
    sections: Mapping[str, str | None] | None = None,
) -> list[Check]:
    """All within-report checks: `run_checks(report)` or `run_checks(tables, fmt, sections)`.

    No check is made for an absent table; narrative checks need the section texts.
    """
    if isinstance(source, ParsedReport):
        tables: Mapping[str, Table | None] = source.tables
        fmt = source.format if fmt is None else fmt
        sections = source.sections if sections is None else sections
    else:
        tables = source
    checks: list[Check] = []
    requests = tables.get("requests")
    if requests is not None:
        checks.extend(requests_checks(requests, fmt or "unknown"))
    review = tables.get("review_litigation")
    if review is not None:
        checks.extend(review_checks(review))
    if sections:
        checks.extend(narrative_checks(tables, sections))
    return _with_ocr_notes(checks, tables)


_IN_FORCE_ROWS: Final[tuple[str, ...]] = ("regulations", "normative_documents")


def cross_year(prev: ParsedReport, cur: ParsedReport) -> list[Check]:
    """Checks between one organ's reports for consecutive years (prev = year t−1, cur = year t).

    Returns nothing when both years are known and not consecutive: the rules then do not apply.
    """
    if prev.year is not None and cur.year is not None and cur.year != prev.year + 1:
        return []
    checks: list[Check] = []
    prev_req, cur_req = prev.tables.get("requests"), cur.tables.get("requests")
    if prev_req is not None and cur_req is not None:
        for col in template.REQUEST_COLUMN_IDS:
            checks.append(
                _equation(
                    f"cross_year.carry.{col}",
                    [_Term("carried_over", _cell(cur_req, "carried_over", col))],
                    [_Term("previous carried_forward", _cell(prev_req, "carried_forward", col))],
                )
            )
    prev_act, cur_act = prev.tables.get("active_disclosure"), cur.tables.get("active_disclosure")
    if prev.format == "2021" and cur.format == "2021" and prev_act is not None and cur_act is not None:
        for row in _IN_FORCE_ROWS:
            in_force = _cell(cur_act, row, "in_force")
            before = _cell(prev_act, row, "in_force")
            issued = _cell(cur_act, row, "issued")
            repealed = _cell(cur_act, row, "repealed")
            operands = [_number(c) for c in (in_force, before, issued, repealed)]
            ok: bool | None = None
            expected: Number | None = None
            if all(v is not None for v in operands):
                a, b, c, d = (v for v in operands if v is not None)
                expected = b + c - d
                ok = a == expected
            detail = (
                f"in_force {_show(in_force)}; previous in_force {_show(before)} + issued {_show(issued)}"
                f" - repealed {_show(repealed)}" + (f" = {expected}" if expected is not None else "")
            )
            checks.append(Check(f"cross_year.in_force.{row}", ok, detail))
    return checks
