"""Runs of value tokens → a `Table` in the contract's ids, with a warning for everything not read."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace

from parsers.model import Cell, CellSource, Table
from parsers.tables.cells import is_unreadable, parse_cell
from parsers.tables.fit import fit_positions, unglue
from parsers.tables.tokens import Token
from parsers.template import ColumnSpec

Consistency = Callable[[list[int]], bool]


@dataclass(frozen=True)
class RowShape:
    id: str
    columns: tuple[ColumnSpec, ...]


def _blank_row(columns: Sequence[ColumnSpec]) -> dict[str, Cell]:
    return {c.id: Cell(None, "") for c in columns}


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
        n = len(shape.columns)
        if run is None:
            table[shape.id] = _blank_row(shape.columns)
            warnings.append(f"table {table_name}: row {shape.id} not found")
            continue
        texts_in = [t.text for t in run]
        positions, problem = fit_positions(texts_in, n)
        cells: list[tuple[str, CellSource | None]] | None = None
        if positions is not None:
            cells = [(run[i].text, run[i].source) for i in positions]
        elif consistent is not None:
            texts = unglue(texts_in, n, consistent)
            if texts is not None:
                source = _glued_source(run)
                cells = [(text, source) for text in texts]
                warnings.append(
                    f"table {table_name}: row {shape.id}: glued cells {' '.join(texts_in)!r} read as "
                    f"{'|'.join(texts)} (the only split whose row sum holds)"
                )
        if cells is None:
            table[shape.id] = _blank_row(shape.columns)
            warnings.append(
                f"table {table_name}: row {shape.id}: {problem} ({' | '.join(texts_in)!r}); left blank"
            )
            continue
        row: dict[str, Cell] = {}
        for column, (text, source) in zip(shape.columns, cells, strict=True):
            cell = replace(parse_cell(text, column.kind), source=source)
            if is_unreadable(cell):
                warnings.append(f"table {table_name}: {shape.id}.{column.id}: cannot read {cell.raw!r}")
            row[column.id] = cell
        table[shape.id] = row
    return table, warnings
