"""Runs of value tokens → a `Table` in the contract's ids, with a warning for everything not read."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from functools import lru_cache
from operator import itemgetter
from typing import Final, cast

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


@dataclass(frozen=True)
class _Batch:
    """The rows of a walk that build reads without looking at their texts but for blanks: runs that
    are the row, or the row and a last cell (read when that cell is blank: `_stray_blank`). Their cells
    are read in one pass over `cells` (token positions, rows in the shapes' order)."""

    shapes: tuple[RowShape, ...]  # whose batch this is (the memo is keyed by their id)
    cells: tuple[int, ...]
    pick: Callable[[Sequence[Token]], tuple[Token, ...]]  # the tokens at `cells`, in one call
    kinds: tuple[ValueKind, ...]  # per cell
    kind: ValueKind | None  # every cell's, when they have one
    strays: tuple[int, ...]  # the positions of the last cells that must be blank
    rows: dict[str, tuple[tuple[str, ...], int, int]]  # row id -> (column ids, start, end) in `cells`
    # When every row is batched or not found (blank, with a warning), the table in the shapes' order:
    # each row's ids, column ids and slice of the cells followed by _BLANKS; None otherwise.
    whole: tuple[tuple[str, ...], tuple[tuple[str, ...], ...], tuple[slice, ...], tuple[str, ...]] | None


_BLANKS: Final[list[Cell]] = [_BLANK] * 32


def _batch_of(table_name: str, shapes: tuple[RowShape, ...], rows: Mapping[str, Sequence[int]]) -> _Batch:
    cells: list[int] = []
    kinds: list[ValueKind] = []
    strays: list[int] = []
    batched: dict[str, tuple[tuple[str, ...], int, int]] = {}
    spans: list[tuple[int, int] | None] = []
    missing: list[str] = []
    for shape in shapes:
        positions = rows.get(shape.id)
        columns = shape.columns
        n = len(columns)
        if positions is None:
            spans.append(None)
            missing.append(f"table {table_name}: row {shape.id} not found")
            continue
        if not n <= len(positions) <= n + 1:
            spans.append((-1, -1))
            continue
        if len(positions) > n:
            strays.append(positions[n])
        start = len(cells)
        cells.extend(positions[:n])
        kinds.extend(c.kind for c in columns)
        batched[shape.id] = (tuple(c.id for c in columns), start, len(cells))
        spans.append((start, len(cells)))
    whole = None
    if (-1, -1) not in spans and all(len(s.columns) <= len(_BLANKS) for s in shapes):
        blank = len(cells)
        slices = tuple(
            slice(blank, blank + len(shape.columns)) if span is None else slice(*span)
            for shape, span in zip(shapes, spans, strict=True)
        )
        ids = tuple(s.id for s in shapes)
        col_ids = tuple(tuple(c.id for c in s.columns) for s in shapes)
        whole = (ids, col_ids, slices, tuple(missing))
    kind = kinds[0] if kinds and kinds.count(kinds[0]) == len(kinds) else None
    return _Batch(
        shapes, tuple(cells), _picker(tuple(cells)), tuple(kinds), kind, tuple(strays), batched, whole
    )


def _picker(positions: tuple[int, ...]) -> Callable[[Sequence[Token]], tuple[Token, ...]]:
    """itemgetter(*positions), always giving a tuple."""
    if len(positions) >= 2:
        pick: Callable[[Sequence[Token]], tuple[Token, ...]] = itemgetter(*positions)
        return pick
    return lambda tokens: tuple(tokens[i] for i in positions)


# Cells of one kind, by text alone (a table's cells are mostly of one kind: the batch looks them up
# without building a (text, kind) key per cell). Per source and kind, emptied like the others.
@lru_cache(maxsize=256)
def _kind_memo(source: CellSource | None, kind: ValueKind) -> dict[str, Cell]:
    return {}


def _fresh_cell(text: str, kind: ValueKind, source: CellSource | None) -> Cell:
    """`_cell(text, kind, source)`; a count of plain ASCII digits directly (normalisation leaves such
    text alone, and parse_cell reads it as int(text))."""
    if kind == "int" and text.isascii() and text.isdigit():
        return Cell(int(text), text, source)
    return _cell(text, kind, source)


def _kind_cell(text: str, kind: ValueKind, source: CellSource | None, memo: dict[str, Cell]) -> Cell:
    """One cell as `_read_row` reads it, `memo` being `_kind_memo(source, kind)`."""
    if len(text) > _MEMO_MAX_LEN:
        return _cell(text, kind, source)
    found = memo.get(text)
    if found is None:
        found = _fresh_cell(text, kind, source)
        if len(memo) >= _MEMO_ENTRIES:
            memo.clear()
        memo[text] = found
    return found


def _batch_cells(batch: _Batch, tokens: Sequence[Token]) -> list[Cell] | None:
    """The batch's cells as `_read_whole_row` reads them, or None where build must look at a row:
    a stray last cell not blank, cells of several sources, or a cell that does not read (it warns)."""
    at = tokens.__getitem__
    if batch.strays and any(map(_TEXT, map(at, batch.strays))):
        return None
    if not batch.cells:
        return []
    found = batch.pick(tokens)
    sources = list(map(_SOURCE, found))
    source = sources[0]
    if sources.count(source) != len(sources):
        return None
    texts = list(map(_TEXT, found))
    cells: list[Cell]
    kind = batch.kind
    if kind is not None:
        by_text = _kind_memo(source, kind)
        known = list(map(by_text.get, texts))
        if all(known):  # a Cell is always true: every text was read before
            cells = cast(list[Cell], known)
        else:
            cells = [
                c if c is not None else _kind_cell(t, kind, source, by_text)
                for c, t in zip(known, texts, strict=True)
            ]
    else:  # columns of several kinds (table 二): each cell from its kind's memo
        memos: dict[ValueKind, dict[str, Cell]] = {}
        cells = []
        for text, cell_kind in zip(texts, batch.kinds, strict=True):
            by_kind = memos.get(cell_kind)
            if by_kind is None:
                by_kind = memos[cell_kind] = _kind_memo(source, cell_kind)
            cell = by_kind.get(text)
            cells.append(cell if cell is not None else _kind_cell(text, cell_kind, source, by_kind))
    flat = "".join(texts)
    # Plain digits (and blanks) read in every column; anything else is looked at.
    if not (flat.isascii() and flat.isdigit()) and any(c.value is None and c.raw != "" for c in cells):
        return None
    return cells


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
    """`build` of the runs of a walk over `tokens`: the rows that are their run (or it and a stray
    blank) read in one batch, laid out once per walk (kept with it), the others as build reads them."""
    layout = walked.layouts.get(id(shapes))
    if not isinstance(layout, _Batch) or layout.shapes is not shapes:
        layout = _batch_of(table_name, shapes, walked.rows)
        walked.layouts[id(shapes)] = layout
    cells = _batch_cells(layout, tokens)
    rows = walked.rows
    at = tokens.__getitem__
    if cells is None:
        return build(table_name, shapes, {row: list(map(at, p)) for row, p in rows.items()}, consistent)
    whole = layout.whole
    if whole is not None:
        # Every row batched or not found: the rows are assembled at C speed (rows not found are
        # blank cells, their warnings the layout's, in the shapes' order as build gives them).
        row_ids, row_columns, slices, missing = whole
        parts = map((cells + _BLANKS).__getitem__, slices)
        return dict(zip(row_ids, map(dict, map(zip, row_columns, parts)), strict=True)), list(missing)
    table: Table = {}
    warnings: list[str] = []
    memos = _Memos()
    batched = layout.rows
    for shape in shapes:
        row_id = shape.id
        place = batched.get(row_id)
        if place is not None:
            col_ids, start, end = place
            table[row_id] = dict(zip(col_ids, cells[start:end], strict=True))
            continue
        positions = rows.get(row_id)
        run = None if positions is None else list(map(at, positions))
        table[row_id] = _build_row(table_name, shape, run, consistent, warnings, memos)
    return table, warnings
