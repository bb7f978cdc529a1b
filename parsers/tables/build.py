"""Runs of value tokens → a `Table` in the contract's ids, with a warning for everything not read."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from functools import lru_cache
from operator import itemgetter
from typing import Final

from parsers.model import Cell, CellSource, Table
from parsers.tables.cells import parse_cell
from parsers.tables.fit import fit_positions, unglue
from parsers.tables.tokens import Token
from parsers.tables.walk import Walked
from parsers.template import ColumnSpec, ValueKind

Consistency = Callable[[list[int]], bool]


@dataclass(frozen=True)
class RowShape:
    id: str
    columns: tuple[ColumnSpec, ...]


def _cell(text: str, kind: ValueKind, source: CellSource | None) -> Cell:
    cell = parse_cell(text, kind)
    return cell if source is None else Cell(cell.value, cell.raw, source)


# Cells are immutable and the same texts recur in every report (0, small counts, 不适用 marks): one Cell
# per (source, text, kind) serves them all. The memo is per source (a table's cells share one, so it is
# looked up once per run of cells, not hashed per cell), each bounded by emptying it when full.
_MEMO_MAX_LEN: Final[int] = 256
_MEMO_ENTRIES: Final[int] = 16384


@lru_cache(maxsize=256)
def _cell_memo(source: CellSource | None) -> dict[tuple[str, ValueKind], Cell]:
    return {}


_BLANK: Final[Cell] = Cell(None, "")
_TEXT: Final = itemgetter(1)  # Token.text
_SOURCE: Final = itemgetter(3)  # Token.source


@lru_cache(maxsize=16)
def _blank_row_of(columns: tuple[ColumnSpec, ...]) -> tuple[tuple[str, Cell], ...]:
    return tuple((c.id, _BLANK) for c in columns)


def _blank_row(columns: tuple[ColumnSpec, ...]) -> dict[str, Cell]:
    return dict(_blank_row_of(columns))


# Whole rows recur too (a row of zeros, the same small counts): a row whose cells share one source and
# gave no warning is memoised by its texts, per source (emptied with the Cell memo's lru_cache), and
# checked to be of the same columns. Rows are a table's parts, never documents.
_ROW_MEMO_ENTRIES: Final[int] = 4096
_RowMemo = dict[tuple[str, ...], tuple[tuple[ColumnSpec, ...], dict[str, Cell]]]


@lru_cache(maxsize=256)
def _row_memo(source: CellSource | None) -> _RowMemo:
    return {}


class _Memos:
    """The Cell and row memos of the last source a table's rows were read from: a table's rows share
    one source, so its memos are looked up (the source hashed) once per table, not once per row."""

    def __init__(self) -> None:
        self.cells_source: object = _Memos  # no source is this: the first use looks its memo up
        self.cells: dict[tuple[str, ValueKind], Cell] = {}
        self.rows_source: object = _Memos
        self.rows: _RowMemo = {}

    def cells_of(self, source: CellSource | None) -> dict[tuple[str, ValueKind], Cell]:
        if source is not self.cells_source:
            self.cells_source = source
            self.cells = _cell_memo(source)
        return self.cells

    def rows_of(self, source: CellSource | None) -> _RowMemo:
        if source is not self.rows_source:
            self.rows_source = source
            self.rows = _row_memo(source)
        return self.rows


def _read_row(
    table_name: str,
    row_id: str,
    columns: tuple[ColumnSpec, ...],
    texts: Sequence[str],
    sources: Sequence[CellSource | None],
    warnings: list[str],
    memos: _Memos | None = None,
) -> dict[str, Cell]:
    row: dict[str, Cell] = {}
    if memos is None:
        memos = _Memos()
    for column, text, source in zip(columns, texts, sources, strict=True):
        memo = memos.cells if source is memos.cells_source else memos.cells_of(source)
        cell = _memo_cell(text, column.kind, source, memo)
        if cell.value is None and cell.raw != "":  # parsers.tables.cells.is_unreadable
            warnings.append(f"table {table_name}: {row_id}.{column.id}: cannot read {cell.raw!r}")
        row[column.id] = cell
    return row


def _read_whole_row(
    table_name: str,
    row_id: str,
    columns: tuple[ColumnSpec, ...],
    run: Sequence[Token],
    texts: list[str],
    warnings: list[str],
    memos: _Memos,
) -> dict[str, Cell]:
    """`_read_row` of a run that is exactly the row, memoised when its cells share one source."""
    source = run[0].source
    sources = list(map(_SOURCE, run))
    if sources.count(source) != len(sources):
        return _read_row(table_name, row_id, columns, texts, sources, warnings, memos)
    memo = memos.rows_of(source)
    key = tuple(texts)
    found = memo.get(key)
    if found is not None and found[0] is columns:
        return dict(found[1])
    before = len(warnings)
    row = _read_row(table_name, row_id, columns, texts, sources, warnings, memos)
    if len(warnings) == before:
        if len(memo) >= _ROW_MEMO_ENTRIES:
            memo.clear()
        memo[key] = (columns, row)
        return dict(row)
    return row


def _stray_blank(texts: list[str], n: int) -> bool:
    """Whether `fit_positions(texts, n)` keeps the first n cells because the run is one too long and
    its last cell blank (a flattened row closed by `… | 0 ||`): its most common answer, given directly."""
    return len(texts) == n + 1 and texts[n] == ""


def _glued_source(run: Sequence[Token]) -> CellSource | None:
    """Cells split out of glued text come from the tokens they were glued in: the first one's source,
    flagged if any of them was read with low confidence."""
    sources = [t.source for t in run if t.source is not None]
    if not sources:
        return None
    return replace(sources[0], low_confidence=any(s.low_confidence for s in sources))


def _build_row(
    table_name: str,
    shape: RowShape,
    run: Sequence[Token] | None,
    consistent: Consistency | None,
    warnings: list[str],
    memos: _Memos,
) -> dict[str, Cell]:
    """One row of `build` from its run (None: not found)."""
    columns = shape.columns
    n = len(columns)
    if run is None:
        warnings.append(f"table {table_name}: row {shape.id} not found")
        return _blank_row(columns)
    texts_in = list(map(_TEXT, run))
    if len(run) == n:  # the common case: the run is the row
        return _read_whole_row(table_name, shape.id, columns, run, texts_in, warnings, memos)
    if _stray_blank(texts_in, n):
        del texts_in[n]
        return _read_whole_row(table_name, shape.id, columns, run[:n], texts_in, warnings, memos)
    positions, problem = fit_positions(texts_in, n)
    texts: list[str] | None = None
    sources: list[CellSource | None] = []
    if positions is not None:
        # A fitted run is read as a run that is the row (a stray blank dropped, most often).
        fitted = [run[i] for i in positions]
        fitted_texts = [texts_in[i] for i in positions]
        return _read_whole_row(table_name, shape.id, columns, fitted, fitted_texts, warnings, memos)
    if consistent is not None:
        texts = unglue(texts_in, n, consistent)
        if texts is not None:
            sources = [_glued_source(run)] * n
            warnings.append(
                f"table {table_name}: row {shape.id}: glued cells {' '.join(texts_in)!r} read as "
                f"{'|'.join(texts)} (the only split whose row sum holds)"
            )
    if texts is None:
        warnings.append(
            f"table {table_name}: row {shape.id}: {problem} ({' | '.join(texts_in)!r}); left blank"
        )
        return _blank_row(columns)
    return _read_row(table_name, shape.id, columns, texts, sources, warnings, memos)


def build(
    table_name: str,
    shapes: Sequence[RowShape],
    runs: Mapping[str, Sequence[Token]],
    consistent: Consistency | None = None,
) -> tuple[Table, list[str]]:
    """One row per shape, in the template's order; rows not found or not fitted are blank cells.

    Every cell read keeps the source of the token it was read from."""
    table: Table = {}
    warnings: list[str] = []
    memos = _Memos()
    for shape in shapes:
        table[shape.id] = _build_row(table_name, shape, runs.get(shape.id), consistent, warnings, memos)
    return table, warnings


def _fresh_cell(text: str, kind: ValueKind, source: CellSource | None) -> Cell:
    """`_cell(text, kind, source)`; a count of plain ASCII digits directly (normalisation leaves such
    text alone, and parse_cell reads it as int(text))."""
    if kind == "int" and text.isascii() and text.isdigit():
        return Cell(int(text), text, source)
    return _cell(text, kind, source)


def _memo_cell(
    text: str, kind: ValueKind, source: CellSource | None, memo: dict[tuple[str, ValueKind], Cell]
) -> Cell:
    """One cell as `_read_row` reads it from `source`, whose Cell memo `memo` is."""
    if len(text) > _MEMO_MAX_LEN:
        return _cell(text, kind, source)
    found = memo.get((text, kind))
    if found is None:
        found = _fresh_cell(text, kind, source)
        if len(memo) >= _MEMO_ENTRIES:
            memo.clear()
        memo[(text, kind)] = found
    return found


def build_at(
    table_name: str,
    shapes: tuple[RowShape, ...],
    tokens: Sequence[Token],
    walked: Walked,
    consistent: Consistency | None = None,
) -> tuple[Table, list[str]]:
    """`build` of the runs of a walk over `tokens` (its rows: the positions of their value tokens)."""
    runs = {row: [tokens[at] for at in positions] for row, positions in walked.items()}
    return build(table_name, shapes, runs, consistent)
