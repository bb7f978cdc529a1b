"""The parse result: what one report document yields, in the terms of the parse contract (§8).

`ParsedReport.to_contract()` is the JSON the CLI prints; the pipeline stores the richer objects
(raw cell text, warnings) that the contract's values come from.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, Literal

# A cell's value: int; Decimal for amounts; "n/a" for 不适用 marks; None for a blank cell.
Value = int | Decimal | str | None


@dataclass(frozen=True)
class CellSource:
    """Where a table value came from: how it was read, on which page, and how sure the reader was."""

    method: str  # one of parsers.blocks.METHODS
    page: int | None = None
    confidence: float | None = None  # OCR only, 0..1
    low_confidence: bool = False  # OCR confidence under the flagging threshold
    # The URL (or file name) of the document the value was read from, when that is not the report's own
    # document: a table image in the page body (图片版) or the attachment that carries the tables.
    document: str | None = None


@dataclass(frozen=True)
class Cell:
    value: Value
    raw: str  # the cell's text as read (after width/script normalisation), "" for a blank cell
    # None: not recorded. Provenance, not value: cells read alike from HTML and from a PDF are equal.
    source: CellSource | None = field(default=None, compare=False)


# {row_id: {column_id: Cell}} — table 四 uses {block_id: {column_id: Cell}}.
Table = dict[str, dict[str, Cell]]


@dataclass(frozen=True)
class Check:
    id: str
    ok: bool | None  # None = not assessable (a blank or n/a operand)
    detail: str  # names the numbers compared, e.g. "14 + 0 = 14 + 0"

    def to_contract(self) -> dict[str, Any]:
        return {"id": self.id, "ok": self.ok, "detail": self.detail}


@dataclass(frozen=True)
class RegionRef:
    name: str | None = None
    code: str | None = None  # 6-digit 行政区划代码


DocumentKind = Literal["report", "not_report"]


@dataclass
class ParsedReport:
    title: str | None = None
    organ: str | None = None
    region: RegionRef = field(default_factory=RegionRef)
    year: int | None = None
    publish_date: dt.date | None = None
    sign_date: dt.date | None = None
    format: str = "unknown"  # "2021" | "2019" | "legacy" | "unknown"
    script: str = "simplified"  # "simplified" | "traditional"
    sections: dict[str, str | None] = field(default_factory=dict)
    tables: dict[str, Table | None] = field(default_factory=dict)
    checks: list[Check] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    # Not in the §8 minimum; documented extensions of the contract.
    kind: DocumentKind = "report"  # "not_report" for letters, notices, 解读 pages filed as reports
    legacy: dict[str, Any] | None = None  # headline figures of pre-2019 reports

    def to_contract(self) -> dict[str, Any]:
        """The §8 JSON object (plain values, keys in contract order)."""
        return {
            "title": self.title,
            "organ": self.organ,
            "region": {"name": self.region.name, "code": self.region.code},
            "year": self.year,
            "publish_date": self.publish_date.isoformat() if self.publish_date else None,
            "sign_date": self.sign_date.isoformat() if self.sign_date else None,
            "format": self.format,
            "script": self.script,
            "sections": dict(self.sections),
            "tables": {
                name: None if table is None else table_values(table)
                for name, table in self.tables.items()
            },
            "checks": [c.to_contract() for c in self.checks],
            "warnings": list(self.warnings),
            "kind": self.kind,
            "legacy": self.legacy,
        }

    def failing_checks(self) -> list[str]:
        return [c.id for c in self.checks if c.ok is False]


def table_values(table: Table) -> dict[str, dict[str, Value]]:
    return {row: {col: cell.value for col, cell in cols.items()} for row, cols in table.items()}


def json_default(obj: object) -> object:
    """`json.dumps(default=...)` hook: Decimals print as numbers without losing digits."""
    if isinstance(obj, Decimal):
        return int(obj) if obj == obj.to_integral_value() and obj.as_tuple().exponent == 0 else float(obj)
    if isinstance(obj, (dt.date, dt.datetime)):
        return obj.isoformat()
    raise TypeError(f"not JSON serialisable: {type(obj).__name__}")
