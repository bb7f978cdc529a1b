"""Consistency checks (contract §7): within a report, against its own prose, and across years.

A check never repairs a report: originals contain totals that do not add up, and that is a finding.
`ok` is None — not assessable — whenever an operand is blank or "n/a"; `detail` names the numbers.
A failing check on a table read by OCR says so, naming the table's low-confidence cells: the failure
may be a misread rather than the report's.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from functools import lru_cache
from itertools import chain, compress, repeat
from operator import attrgetter, itemgetter
from typing import Final, NamedTuple

from parsers import template
from parsers.model import Cell, Check, ParsedReport, Table, Value

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


# The checks of a table run per report over a few hundred cells: they work on plain tuples of names and
# values (a missing cell reads as a blank one), and an equation over values seen before is not redone
# (rows of zeros and the same small figures recur from report to report).
Values = tuple[Value, ...]


def _values(cells: Iterable[Cell | None]) -> Values:
    return tuple(None if cell is None else cell.value for cell in cells)


def _terms_sum(names: Sequence[str], values: Values) -> tuple[Number | None, list[str]]:
    """(sum of the values, or None when one is blank or n/a; the "name value" words of the terms)."""
    total, words, _ = _terms(names, values, False)
    return total, words


def _terms(
    names: Sequence[str], values: Values, zeros_counted: bool
) -> tuple[Number | None, list[str], int]:
    """_terms_sum's (sum, words), and how many zero terms were left out of the words when `zeros_counted`."""
    total: Number | None = 0
    words: list[str] = []
    zeros = 0
    for name, value in zip(names, values, strict=True):
        if value is None:
            words.append(name + " blank")
            total = None
        elif isinstance(value, str):
            words.append(name + " " + value)
            total = None
        else:
            if zeros_counted and value == 0:
                zeros += 1
            else:
                words.append(name + " " + str(value))
            if total is not None:
                total = total + value
    return total, words, zeros


def _side_of(words: list[str], total: Number | None) -> str:
    text = " + ".join(words)
    return text if total is None or len(words) == 1 else f"{text} = {total}"


def _equation_values(
    check_id: str, left: tuple[str, ...], left_values: Values, right: tuple[str, ...], right_values: Values
) -> Check:
    a, left_words = _terms_sum(left, left_values)
    b, right_words = _terms_sum(right, right_values)
    ok = None if a is None or b is None else a == b
    return Check(check_id, ok, f"{_side_of(left_words, a)}; {_side_of(right_words, b)}")


def _equation_keyed(
    check_id: str,
    left: tuple[str, ...],
    right: tuple[str, ...],
    values: Values,
    types: tuple[type, ...],
) -> Check:
    """`_equation_values` over `values` = the left values then the right ones; `types` (of the values)
    keeps 1 and Decimal("1.0") — equal, and hashed alike — apart in the memo."""
    return _equation_values(check_id, left, values[: len(left)], right, values[len(left) :])


_equation_memo = lru_cache(maxsize=16384)(_equation_keyed)


def _equation_of(check_id: str, left: tuple[str, ...], right: tuple[str, ...], values: Values) -> Check:
    return _equation_memo(check_id, left, right, values, tuple(map(type, values)))


def _equation(check_id: str, left: Sequence[_Term], right: Sequence[_Term]) -> Check:
    return _equation_values(
        check_id,
        tuple(t.name for t in left),
        _values(t.cell for t in left),
        tuple(t.name for t in right),
        _values(t.cell for t in right),
    )


def _long_sum_values(
    check_id: str, names: tuple[str, ...], values: Values, total_name: str, total_value: Value
) -> Check:
    """Like `_equation_values`, but a sum of many terms is written with its zero terms counted, not listed.
    """
    a, words, zeros = _terms(names, values, True)
    b = None if isinstance(total_value, str) else total_value
    ok = None if a is None or b is None else a == b
    text = " + ".join(words)
    if zeros:
        text = f"{text} (+ {zeros} rows of 0)" if text else f"{zeros} rows of 0"
    if a is not None:
        text += f" = {a}"
    shown = "blank" if total_value is None else str(total_value)
    return Check(check_id, ok, f"{text}; {total_name} {shown}")


def _long_sum_keyed(
    check_id: str, names: tuple[str, ...], total_name: str, values: Values, types: tuple[type, ...]
) -> Check:
    """`_long_sum_values` over `values` = the terms' then the total's; `types` as in `_equation_keyed`."""
    return _long_sum_values(check_id, names, values[:-1], total_name, values[-1])


_long_sum_memo = lru_cache(maxsize=16384)(_long_sum_keyed)


def _long_sum_of(check_id: str, names: tuple[str, ...], total_name: str, values: Values) -> Check:
    return _long_sum_memo(check_id, names, total_name, values, tuple(map(type, values)))


# ---------------------------------------------------------------------------------------------
# Within a report
# ---------------------------------------------------------------------------------------------


def _requests_format(table: Table, fmt: str) -> str:
    if fmt in template.TABLE_FORMATS:
        return fmt
    return "2019" if "other_handling" in table else "2021"


_BALANCE_LEFT: Final[tuple[str, ...]] = ("new_received", "carried_over")
_BALANCE_RIGHT: Final[tuple[str, ...]] = ("total", "carried_forward")
_TOTAL: Final[tuple[str, ...]] = ("total",)


class _RequestChecks(NamedTuple):
    rows: tuple[str, ...]  # table 三's row ids in the format
    results: tuple[str, ...]  # the rows summed by results_sum
    balance_ids: tuple[str, ...]  # check ids by column
    results_ids: tuple[str, ...]
    row_sum_ids: tuple[str, ...]  # check ids by row


@lru_cache(maxsize=4)
def _request_checks(fmt: str) -> _RequestChecks:
    rows = template.request_rows(fmt)
    cols = template.REQUEST_COLUMN_IDS
    return _RequestChecks(
        tuple(r.id for r in rows),
        tuple(r.id for r in rows if r.role == "result"),
        tuple(f"requests.balance.{col}" for col in cols),
        tuple(f"requests.results_sum.{col}" for col in cols),
        tuple(f"requests.row_sum.{r.id}" for r in rows),
    )


_VALUE: Final = attrgetter("value")


def _row_values(cells: Mapping[str, Cell] | None, cols: tuple[str, ...]) -> Values:
    """The row's values in the order of `cols`; None for a cell (or row) the table does not have."""
    if cells is None:
        return (None,) * len(cols)
    if tuple(cells) == cols:  # the rows parsers.tables builds: every column, in order
        return tuple(map(_VALUE, cells.values()))
    return _values(cells.get(col) for col in cols)


def requests_checks(table: Table, fmt: str) -> list[Check]:
    fmt = _requests_format(table, fmt)
    rows = _plain_rows(table, _request_grid(fmt).row_ids, template.REQUEST_COLUMN_IDS)
    if rows is None:
        return requests_checks_general(table, fmt)
    # Every equation of the table in three maps over its value grid: the balance and results sums down
    # the columns (zip(*rows) transposes), the row sums across; each a memo lookup keyed by what its
    # check depends on, built and looked up in C.
    grid = _request_grid(fmt)
    return [
        *map(_balance_memo, grid.spec.balance_ids, zip(*grid.balance_rows(rows), strict=True)),
        *map(_results_memo, grid.spec.results_ids, zip(*grid.result_rows(rows), strict=True), repeat(fmt)),
        *map(_row_sum_memo, grid.spec.row_sum_ids, rows[: len(grid.spec.rows)]),
    ]


def requests_checks_general(table: Table, fmt: str) -> list[Check]:
    """requests_checks over any table: rows missing or in another column order, Decimal values."""
    spec = _request_checks(_requests_format(table, fmt))
    cols = template.REQUEST_COLUMN_IDS
    grid: dict[str, Values] = {}
    for row in (*spec.rows, *_BALANCE_LEFT, *_BALANCE_RIGHT):
        if row not in grid:
            grid[row] = _row_values(table.get(row), cols)
    checks: list[Check] = []
    balance_rows = [grid[r] for r in (*_BALANCE_LEFT, *_BALANCE_RIGHT)]
    for n, check_id in enumerate(spec.balance_ids):
        values = tuple(row[n] for row in balance_rows)
        checks.append(_equation_of(check_id, _BALANCE_LEFT, _BALANCE_RIGHT, values))
    result_rows = [grid[r] for r in (*spec.results, "total")]
    for n, check_id in enumerate(spec.results_ids):
        values = tuple(row[n] for row in result_rows)
        checks.append(_long_sum_of(check_id, spec.results, "total", values))
    applicants = template.APPLICANT_COLUMN_IDS  # the columns before the last, total
    for row, check_id in zip(spec.rows, spec.row_sum_ids, strict=True):
        checks.append(_equation_of(check_id, applicants, _TOTAL, grid[row]))
    return checks


# Values of these types are told apart by equality alone; a Decimal is not (Decimal("1.0") == 1 and
# hashes alike, yet reads "1.0"), so a grid holding one takes the general path, whose memo keys by type.
_PLAIN_TYPES: Final[frozenset[type]] = frozenset({int, str, type(None)})


def _plain_rows(table: Table, row_ids: tuple[str, ...], cols: tuple[str, ...]) -> list[Values] | None:
    """The values of `row_ids`' rows, each in the order of `cols`, when every row is there with exactly
    those columns in that order (the rows parsers.tables builds) and every value is of _PLAIN_TYPES;
    None otherwise (the general path then reads the table by column id)."""
    rows = list(map(table.get, row_ids))
    if None in rows:
        return None
    row_dicts: list[dict[str, Cell]] = rows  # type: ignore[assignment]  # no None, tested above
    # One flat pass over all the cells (C-level maps), cut back into rows of len(cols) by zip. The
    # itemgetter reads each row's cells in the order of `cols` (as _row_values does) and raises
    # KeyError when one is missing.
    try:
        cells = list(map(_cells_getter(cols), row_dicts))
    except KeyError:
        return None
    flat = list(map(_VALUE, chain.from_iterable(cells)))
    if not _PLAIN_TYPES.issuperset(map(type, flat)):
        return None
    return list(zip(*[iter(flat)] * len(cols), strict=True))


@lru_cache(maxsize=4)
def _cells_getter(cols: tuple[str, ...]) -> Callable[[dict[str, Cell]], tuple[Cell, ...]]:
    """A row's cells in the order of `cols` (two or more: itemgetter of one key returns the bare cell)."""
    getter: Callable[[dict[str, Cell]], tuple[Cell, ...]] = itemgetter(*cols)
    return getter


class _RequestGrid(NamedTuple):
    spec: _RequestChecks
    row_ids: tuple[str, ...]  # the format's rows, then the balance rows it lacks
    balance_rows: Callable[[list[Values]], tuple[Values, ...]]  # -> _BALANCE_LEFT's, _BALANCE_RIGHT's
    result_rows: Callable[[list[Values]], tuple[Values, ...]]  # -> the result rows', then total's


@lru_cache(maxsize=4)
def _request_grid(fmt: str) -> _RequestGrid:
    spec = _request_checks(fmt)
    row_ids = tuple(dict.fromkeys((*spec.rows, *_BALANCE_LEFT, *_BALANCE_RIGHT)))
    at = {row: n for n, row in enumerate(row_ids)}
    balance: Callable[[list[Values]], tuple[Values, ...]] = itemgetter(
        *(at[r] for r in (*_BALANCE_LEFT, *_BALANCE_RIGHT))
    )
    results: Callable[[list[Values]], tuple[Values, ...]] = itemgetter(
        *(at[r] for r in (*spec.results, "total"))
    )
    return _RequestGrid(spec, row_ids, balance, results)


# The details of equations over ints only, as _equation_values writes them, filled by str.format.
_BALANCE_DETAIL: Final[str] = (
    f"{_BALANCE_LEFT[0]} {{0}} + {_BALANCE_LEFT[1]} {{1}} = {{4}}; "
    f"{_BALANCE_RIGHT[0]} {{2}} + {_BALANCE_RIGHT[1]} {{3}} = {{5}}"
)
_ROW_SUM_DETAIL: Final[str] = (
    " + ".join(f"{name} {{{n}}}" for n, name in enumerate(template.APPLICANT_COLUMN_IDS))
    + f" = {{{len(template.APPLICANT_COLUMN_IDS) + 1}}}; total {{{len(template.APPLICANT_COLUMN_IDS)}}}"
)
_TERM: Final[str] = "{} {}"


def _ints(values: Values) -> bool:
    return None not in values and str not in set(map(type, values))


def _balance_keyed(check_id: str, values: Values) -> Check:
    if _ints(values):
        a: int = values[0] + values[1]  # type: ignore[operator,assignment]  # ints, tested above
        b: int = values[2] + values[3]  # type: ignore[operator,assignment]
        return Check(check_id, a == b, _BALANCE_DETAIL.format(*values, a, b))
    return _equation_values(check_id, _BALANCE_LEFT, values[:2], _BALANCE_RIGHT, values[2:])


def _results_keyed(check_id: str, values: Values, fmt: str) -> Check:
    names = _request_checks(fmt).results
    if _ints(values):
        terms: tuple[int, ...] = values[:-1]  # type: ignore[assignment]  # ints, tested above
        total: int = values[-1]  # type: ignore[assignment]
        # The non-zero terms listed, the zeros counted (as _long_sum_values writes them).
        nonzero = list(filter(None, terms))
        text = " + ".join(map(_TERM.format, compress(names, terms), nonzero))
        zeros = len(terms) - len(nonzero)
        if zeros:
            text = f"{text} (+ {zeros} rows of 0)" if text else f"{zeros} rows of 0"
        a = sum(terms)
        return Check(check_id, a == total, f"{text} = {a}; total {total}")
    return _long_sum_values(check_id, names, values[:-1], "total", values[-1])


def _row_sum_keyed(check_id: str, values: Values) -> Check:
    if _ints(values):
        a: int = sum(values[:-1])  # type: ignore[arg-type]  # ints, tested above
        return Check(check_id, a == values[-1], _ROW_SUM_DETAIL.format(*values, a))
    return _equation_values(check_id, template.APPLICANT_COLUMN_IDS, values[:-1], _TOTAL, values[-1:])


# Memos of the grid path, keyed by values of _PLAIN_TYPES only (see there).
_balance_memo = lru_cache(maxsize=16384)(_balance_keyed)
_results_memo = lru_cache(maxsize=16384)(_results_keyed)
_row_sum_memo = lru_cache(maxsize=16384)(_row_sum_keyed)


_REVIEW_PARTS: Final[tuple[str, ...]] = tuple(c for c in template.REVIEW_COLUMN_IDS if c != "total")
_REVIEW_SUM_IDS: Final[tuple[str, ...]] = tuple(
    f"review_litigation.sum.{b}" for b in template.REVIEW_BLOCK_IDS
)


def review_checks(table: Table) -> list[Check]:
    cols = (*_REVIEW_PARTS, "total")
    return [
        _equation_of(check_id, _REVIEW_PARTS, _TOTAL, _row_values(table.get(block), cols))
        for block, check_id in zip(template.REVIEW_BLOCK_IDS, _REVIEW_SUM_IDS, strict=True)
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
    # A word every match contains: lines without it are skipped without running the pattern.
    word: str


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
        "申请",
    ),
    _Statement(
        "granted",
        re.compile(r"予以公开(?:的)?(?:共计|共)?(\d+)" + _UNIT + _END),
        ("主动", "自然人", "法人", "部分", *_COMPARISON),
        "予以公开",
    ),
    _Statement(
        "review",
        re.compile(r"行政复议(?:案件|申请)?(?:共计|共)?(\d+)" + _UNIT + "?" + _END),
        ("诉讼", "复议后", *_COMPARISON),
        "行政复议",
    ),
    _Statement(
        "litigation",
        re.compile(r"行政诉讼(?:案件)?(?:共计|共)?(\d+)" + _UNIT + "?" + _END),
        ("复议", *_COMPARISON),
        "行政诉讼",
    ),
)
_CLAUSE_START: Final[re.Pattern[str]] = re.compile(r"[,。;!?]")


def _clause(line: str, start: int, end: int) -> str:
    """The clause around a match: from the last separator before it to the end of the match."""
    begin = 0
    for sep in _CLAUSE_START.finditer(line, 0, start):
        begin = sep.end()
    return line[begin:end]


# Prose lines recur across reports (boilerplate sentences); what each states is memoised. Longer lines
# are read each time (memory).
_LINE_MEMO_MAX_LEN: Final[int] = 512


def _line_statements(line: str) -> tuple[tuple[str, int, str], ...]:
    """(statement id, figure, the words stating it) for every statement a prose line makes, in order."""
    found: list[tuple[str, int, str]] = []
    for statement in _STATEMENTS:
        if statement.word not in line:
            continue
        for m in statement.pattern.finditer(line):
            clause = _clause(line, m.start(), m.end())
            if any(word in clause for word in statement.forbidden):
                continue
            found.append((statement.id, int(m.group(1)), m.group(0)))
    return tuple(found)


_line_statements_cached = lru_cache(maxsize=16384)(_line_statements)


_STATEMENT_WORDS: Final[tuple[str, ...]] = tuple(dict.fromkeys(s.word for s in _STATEMENTS))


def stated_figures(texts: Iterable[str | None]) -> dict[str, tuple[int, str]]:
    """{statement id: (figure, the words stating it)} for figures the prose states exactly once
    (or several times alike); statements that differ from each other are dropped."""
    text = "\n".join(t for t in texts if t)
    # A statement is made only on a line holding its word: str.find (C) finds those few lines in all the
    # prose at once, and only they are read, in text order, as stated_figures_general reads every line.
    lines: dict[int, int] = {}  # start -> end of each line holding a word
    for word in _STATEMENT_WORDS:
        at = text.find(word)
        while at >= 0:
            start = text.rfind("\n", 0, at) + 1
            end = text.find("\n", at)
            if end < 0:
                end = len(text)
            lines[start] = end
            at = text.find(word, end)
    return _figures_stated_in(text[start : lines[start]] for start in sorted(lines))


def stated_figures_general(texts: Iterable[str | None]) -> dict[str, tuple[int, str]]:
    """stated_figures line by line: the reference its whole-text reading is tested against."""
    return _figures_stated_in(line for text in texts if text for line in text.split("\n"))


def _figures_stated_in(lines: Iterable[str]) -> dict[str, tuple[int, str]]:
    found: dict[str, dict[int, str]] = {}
    for line in lines:
        if "|" in line:
            continue  # a flattened table row, not prose
        statements = (
            _line_statements_cached(line) if len(line) <= _LINE_MEMO_MAX_LEN else _line_statements(line)
        )
        for sid, figure, words in statements:
            found.setdefault(sid, {}).setdefault(figure, words)
    return {sid: next(iter(v.items())) for sid, v in found.items() if len(v) == 1}


# The table cells each statement is checked against: (table id, ((row id, term name), …)), summed.
_FIGURE_CELLS: Final[dict[str, tuple[str, tuple[tuple[str, str], ...]]]] = {
    "new_received": ("requests", (("new_received", "new_received.total"),)),
    "granted": ("requests", (("granted", "granted.total"),)),
    "review": ("review_litigation", (("review", "review.total"),)),
    "litigation": (
        "review_litigation",
        (
            ("litigation_direct", "litigation_direct.total"),
            ("litigation_after_review", "litigation_after_review.total"),
        ),
    ),
}
_NO_ROW: Final[Mapping[str, Cell]] = {}


def narrative_checks(tables: Mapping[str, Table | None], sections: Mapping[str, str | None]) -> list[Check]:
    stated = stated_figures(sections.values())
    checks: list[Check] = []
    if not stated:
        return checks
    for statement in _STATEMENTS:
        found = stated.get(statement.id)
        if found is None:
            continue
        table_id, cells = _FIGURE_CELLS[statement.id]
        table = tables.get(table_id)
        if table is None:
            continue
        figure, words = found
        names = tuple(name for _, name in cells)
        values = _values(table.get(row, _NO_ROW).get("total") for row, _ in cells)
        table_sum, terms = _terms_sum(names, values)
        ok = None if table_sum is None else table_sum == figure
        detail = f'prose "{words}" {figure}; table {_side_of(terms, table_sum)}'
        checks.append(Check(f"narrative.{statement.id}", ok, detail))
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
    # Cells share their source objects (a few per table): whether any is OCR is told from the distinct
    # ones, found by identity in C, before any per-cell work.
    sources = list(map(_SOURCE, chain.from_iterable(map(dict.values, table.values()))))
    distinct = dict(zip(map(id, sources), sources, strict=True)).values()
    if not any(source is not None and source.method == "ocr" for source in distinct):
        return None
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


_OK: Final = attrgetter("ok")
_SOURCE: Final = attrgetter("source")


def _with_ocr_notes(checks: list[Check], tables: Mapping[str, Table | None]) -> list[Check]:
    if False not in map(_OK, checks):  # most reports: no failing check, nothing to note (ok is bool|None)
        return checks
    notes: dict[str, str | None] = {}
    out: list[Check] = []
    for check in checks:
        if check.ok is not False:  # only a failing check may be a misread
            out.append(check)
            continue
        table_id = _table_of(check.id)
        table = tables.get(table_id) if table_id is not None else None
        if table_id is not None and table is not None:
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
