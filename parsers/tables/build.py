"""Runs of value tokens → a `Table` in the contract's ids, with a warning for everything not read."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from functools import lru_cache
from typing import Final

from parsers.model import Cell, CellSource, Table
from parsers.tables.cells import parse_cell
from parsers.tables.fit import fit_positions, unglue
from parsers.tables.tokens import Token
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


@lru_cache(maxsize=16)
def _blank_row_of(columns: tuple[ColumnSpec, ...]) -> tuple[tuple[str, Cell], ...]:
    return tuple((c.id, _BLANK) for c in columns)


def _blank_row(columns: tuple[ColumnSpec, ...]) -> dict[str, Cell]:
    return dict(_blank_row_of(columns))


def _read_row(
    table_name: str,
    row_id: str,
    columns: tuple[ColumnSpec, ...],
    texts: Sequence[str],
    sources: Sequence[CellSource | None],
    warnings: list[str],
) -> dict[str, Cell]:
    row: dict[str, Cell] = {}
    memo: dict[tuple[str, ValueKind], Cell] = {}
    memo_source: object = _read_row  # no source is this: the first cell looks its memo up
    for column, text, source in zip(columns, texts, sources, strict=True):
        kind = column.kind
        if len(text) > _MEMO_MAX_LEN:
            cell = _cell(text, kind, source)
        else:
            if source is not memo_source:
                memo, memo_source = _cell_memo(source), source
            found = memo.get((text, kind))
            if found is None:
                found = _cell(text, kind, source)
                if len(memo) >= _MEMO_ENTRIES:
                    memo.clear()
                memo[(text, kind)] = found
            cell = found
        if cell.value is None and cell.raw != "":  # parsers.tables.cells.is_unreadable
            warnings.append(f"table {table_name}: {row_id}.{column.id}: cannot read {cell.raw!r}")
        row[column.id] = cell
    return row


def _glued_source(run: Sequence[Token]) -> CellSource | None:
    """Cells split out of glued text come from the tokens they were glued in: the first one's source,
    flagged if any of them was read with low confidence."""
    sources = [t.source for t in run if t.source is not None]
    if not sources:
        return None
    return replace(sources[0], low_confidence=any(s.low_confidence for s in sources))


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
    for shape in shapes:
        run = runs.get(shape.id)
        columns = shape.columns
        n = len(columns)
        if run is None:
            table[shape.id] = _blank_row(columns)
            warnings.append(f"table {table_name}: row {shape.id} not found")
            continue
        texts_in = [t.text for t in run]
        if len(run) == n:  # the common case: the run is the row
            sources_in = [t.source for t in run]
            table[shape.id] = _read_row(table_name, shape.id, columns, texts_in, sources_in, warnings)
            continue
        positions, problem = fit_positions(texts_in, n)
        texts: list[str] | None = None
        sources: list[CellSource | None] = []
        if positions is not None:
            texts = [texts_in[i] for i in positions]
            sources = [run[i].source for i in positions]
        elif consistent is not None:
            texts = unglue(texts_in, n, consistent)
            if texts is not None:
                sources = [_glued_source(run)] * n
                warnings.append(
                    f"table {table_name}: row {shape.id}: glued cells {' '.join(texts_in)!r} read as "
                    f"{'|'.join(texts)} (the only split whose row sum holds)"
                )
        if texts is None:
            table[shape.id] = _blank_row(columns)
            warnings.append(
                f"table {table_name}: row {shape.id}: {problem} ({' | '.join(texts_in)!r}); left blank"
            )
            continue
        table[shape.id] = _read_row(table_name, shape.id, columns, texts, sources, warnings)
    return table, warnings
