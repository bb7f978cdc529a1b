"""Runs of cell texts → a `Table` in the contract's ids, with a warning for everything not read."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

from parsers.model import Cell, Table
from parsers.tables.cells import is_unreadable, parse_cell
from parsers.tables.fit import fit, unglue
from parsers.template import ColumnSpec

Consistency = Callable[[list[int]], bool]


@dataclass(frozen=True)
class RowShape:
    id: str
    columns: tuple[ColumnSpec, ...]


def _blank_row(columns: Sequence[ColumnSpec]) -> dict[str, Cell]:
    return {c.id: Cell(None, "") for c in columns}


def build(
    table_name: str,
    shapes: Sequence[RowShape],
    runs: Mapping[str, list[str]],
    consistent: Consistency | None = None,
) -> tuple[Table, list[str]]:
    """One row per shape, in the template's order; rows not found or not fitted are blank cells."""
    table: Table = {}
    warnings: list[str] = []
    for shape in shapes:
        run = runs.get(shape.id)
        n = len(shape.columns)
        if run is None:
            table[shape.id] = _blank_row(shape.columns)
            warnings.append(f"table {table_name}: row {shape.id} not found")
            continue
        texts, problem = fit(run, n)
        if texts is None and consistent is not None:
            texts = unglue(run, n, consistent)
            if texts is not None:
                warnings.append(
                    f"table {table_name}: row {shape.id}: glued cells {' '.join(run)!r} read as "
                    f"{'|'.join(texts)} (the only split whose row sum holds)"
                )
        if texts is None:
            table[shape.id] = _blank_row(shape.columns)
            warnings.append(
                f"table {table_name}: row {shape.id}: {problem} ({' | '.join(run)!r}); left blank"
            )
            continue
        row: dict[str, Cell] = {}
        for column, text in zip(shape.columns, texts, strict=True):
            cell = parse_cell(text, column.kind)
            if is_unreadable(cell):
                warnings.append(f"table {table_name}: {shape.id}.{column.id}: cannot read {cell.raw!r}")
            row[column.id] = cell
        table[shape.id] = row
    return table, warnings
