"""`python -m crawler export`: the analyst views (migration 0004) written to files, one per view.

CSV is Postgres's own `COPY … (FORMAT csv, HEADER)` in UTF-8: NULL is an empty field and an empty string a
quoted `""`, so a blank cell (NULL) never reads as 0 nor as text; arrays keep Postgres's `{1,2}` spelling.
Parquet keeps the database's types: integers stay integers, NULL stays null, `numeric` becomes decimal128
(scale: the largest the exported values use, as the views compute sums without a declared scale), arrays
become lists.

A region filter keeps the region and every region below it (through view region_hierarchy); a year filter
keeps the reports of that year (region_hierarchy has no year and is filtered by region only).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any, Final, Literal

import psycopg
from psycopg import sql

from crawler.db_roles import libpq_url
from parsers.template import REQUEST_COLUMN_IDS

ExportFormat = Literal["csv", "parquet"]
FORMATS: Final[tuple[str, ...]] = ("csv", "parquet")
BATCH_ROWS: Final[int] = 10_000
DECIMAL_PRECISION: Final[int] = 38  # decimal128's widest


class ExportError(RuntimeError):
    """The export could not be written (the message says which view and why)."""


@dataclass(frozen=True)
class ViewSpec:
    name: str
    region_column: str
    year_column: str | None
    order: sql.Composable  # a stable order, so that two exports of the same data are the same file


def _cols(*names: str) -> sql.Composable:
    return sql.SQL(", ").join(sql.Identifier(n) for n in names)


# Table 三's columns in template order rather than by name.
_REQUEST_COLUMN_ORDER = sql.SQL("array_position({}::text[], column_id)").format(
    sql.Literal(list(REQUEST_COLUMN_IDS))
)

VIEWS: Final[tuple[ViewSpec, ...]] = (
    ViewSpec("report_key_figures", "region_code", "year", _cols("report_id")),
    ViewSpec(
        "request_values",
        "region_code",
        "year",
        sql.SQL("report_id, row_order, {}, column_id").format(_REQUEST_COLUMN_ORDER),
    ),
    ViewSpec("check_results", "region_code", "year", _cols("report_id", "check_id")),
    ViewSpec("coverage", "region_code", "year", sql.SQL("region_code, year NULLS LAST")),
    ViewSpec("cross_year_checks", "region_code", "year", _cols("region_code", "organ", "year", "check_id")),
    ViewSpec("region_hierarchy", "code", None, _cols("code")),
)


@dataclass(frozen=True)
class Written:
    view: str
    path: Path
    rows: int


def view_query(view: ViewSpec, region_codes: Sequence[str] = (), year: int | None = None) -> sql.Composed:
    """The SELECT exporting one view, its filters written as literals (COPY takes no parameters)."""
    conditions: list[sql.Composable] = []
    if region_codes:
        codes = sql.Literal(list(region_codes))
        conditions.append(
            sql.SQL(
                "{} IN (SELECT code FROM region_hierarchy WHERE code = ANY({codes}) "
                "OR province_code = ANY({codes}) OR prefecture_code = ANY({codes}) "
                "OR county_code = ANY({codes}))"
            ).format(sql.Identifier(view.region_column), codes=codes)
        )
    if year is not None and view.year_column is not None:
        conditions.append(sql.SQL("{} = {}").format(sql.Identifier(view.year_column), sql.Literal(year)))
    where = sql.SQL(" WHERE ") + sql.SQL(" AND ").join(conditions) if conditions else sql.SQL("")
    return sql.SQL("SELECT * FROM {}{} ORDER BY {}").format(sql.Identifier(view.name), where, view.order)


def export_views(
    url: str,
    out_dir: Path,
    fmt: ExportFormat,
    region_codes: Sequence[str] = (),
    year: int | None = None,
    views: Sequence[ViewSpec] = VIEWS,
) -> list[Written]:
    """Write each view to `out_dir/<view>.<fmt>`; what was written, in view order."""
    if fmt not in FORMATS:
        raise ExportError(f"unknown export format {fmt!r}: use one of {', '.join(FORMATS)}")
    out_dir.mkdir(parents=True, exist_ok=True)
    written: list[Written] = []
    try:
        with psycopg.connect(libpq_url(url)) as conn:
            conn.read_only = True  # an export never writes, whoever it connects as
            missing = _missing_views(conn, [v.name for v in views])
            if missing:
                raise ExportError(
                    f"the database has no view {', '.join(missing)}: migrate it to head first "
                    "(`python -m crawler summary` migrates the default database)"
                )
            for view in views:
                path = out_dir / f"{view.name}.{fmt}"
                query = view_query(view, region_codes, year)
                rows = _write_csv(conn, query, path) if fmt == "csv" else _write_parquet(conn, query, path)
                written.append(Written(view.name, path, rows))
    except psycopg.Error as exc:
        raise ExportError(f"database error while exporting: {exc}") from exc
    return written


def _missing_views(conn: psycopg.Connection[Any], names: list[str]) -> list[str]:
    found = {
        row[0]
        for row in conn.execute(
            "SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
            "WHERE n.nspname = current_schema() AND c.relname = ANY(%s)",
            (names,),
        )
    }
    return [n for n in names if n not in found]


# ---------------------------------------------------------------------------------------------------------
# CSV
# ---------------------------------------------------------------------------------------------------------


def _write_csv(conn: psycopg.Connection[Any], query: sql.Composed, path: Path) -> int:
    copy = sql.SQL("COPY ({}) TO STDOUT WITH (FORMAT csv, HEADER true, ENCODING 'UTF8')").format(query)
    with conn.cursor() as cur, path.open("wb") as out:
        with cur.copy(copy) as data:
            for chunk in data:
                out.write(chunk)
        return cur.rowcount


# ---------------------------------------------------------------------------------------------------------
# Parquet
# ---------------------------------------------------------------------------------------------------------

# Postgres type OIDs (pg_type) the views use → Arrow types; numeric is sized per export.
_INT2, _INT4, _INT8 = 21, 23, 20
_NUMERIC, _NUMERIC_ARRAY = 1700, 1231
_JSON_OIDS: Final[frozenset[int]] = frozenset({114, 3802})


def _arrow_types() -> dict[int, Any]:
    import pyarrow as pa

    return {
        16: pa.bool_(),
        _INT2: pa.int16(),
        _INT4: pa.int32(),
        _INT8: pa.int64(),
        700: pa.float32(),
        701: pa.float64(),
        25: pa.string(),
        19: pa.string(),  # name
        1042: pa.string(),  # char(n)
        1043: pa.string(),  # varchar
        114: pa.string(),  # json, as its text
        3802: pa.string(),  # jsonb, as its text
        1082: pa.date32(),
        1114: pa.timestamp("us"),
        1184: pa.timestamp("us", tz="UTC"),
        1000: pa.list_(pa.bool_()),
        1005: pa.list_(pa.int16()),
        1007: pa.list_(pa.int32()),
        1016: pa.list_(pa.int64()),
        1009: pa.list_(pa.string()),
        1015: pa.list_(pa.string()),
    }


def _numeric_scale(conn: psycopg.Connection[Any], query: sql.Composed, column: str, array: bool) -> int:
    """The largest scale among the column's exported values (0 when there are none)."""
    value = sql.SQL("x") if array else sql.SQL("q.{}").format(sql.Identifier(column))
    source = (
        sql.SQL("({}) q, unnest(q.{}) x").format(query, sql.Identifier(column))
        if array
        else sql.SQL("({}) q").format(query)
    )
    row = conn.execute(sql.SQL("SELECT max(scale({})) FROM {}").format(value, source)).fetchone()
    return int(row[0]) if row is not None and row[0] is not None else 0


def _schema(conn: psycopg.Connection[Any], query: sql.Composed) -> tuple[Any, list[Callable[[Any], Any]]]:
    """The Arrow schema of the query's columns and a converter per column (psycopg value → Arrow value)."""
    import pyarrow as pa

    with conn.cursor() as cur:
        cur.execute(sql.SQL("SELECT * FROM ({}) q LIMIT 0").format(query))
        description = cur.description or []
    types = _arrow_types()
    fields = []
    converters: list[Callable[[Any], Any]] = []
    for column in description:
        oid = column.type_code
        if oid in (_NUMERIC, _NUMERIC_ARRAY):
            scale = _numeric_scale(conn, query, column.name, array=oid == _NUMERIC_ARRAY)
            decimal = pa.decimal128(DECIMAL_PRECISION, scale)
            fields.append(pa.field(column.name, decimal if oid == _NUMERIC else pa.list_(decimal)))
            converters.append(_identity)
        elif oid in types:
            fields.append(pa.field(column.name, types[oid]))
            converters.append(_json_text if oid in _JSON_OIDS else _identity)
        else:
            raise ExportError(
                f"column {column.name!r} has Postgres type oid {oid}, which the Parquet export does not map"
            )
    return pa.schema(fields), converters


def _identity(value: Any) -> Any:
    return value


def _json_text(value: Any) -> str | None:
    return None if value is None else json.dumps(value, ensure_ascii=False, default=_json_default)


def _json_default(value: object) -> object:
    if isinstance(value, Decimal):
        return str(value)
    raise TypeError(f"not JSON serialisable: {type(value).__name__}")


def _batches(conn: psycopg.Connection[Any], query: sql.Composed) -> Iterator[list[tuple[Any, ...]]]:
    # A server-side cursor: a view of millions of cells never sits in memory whole.
    with conn.cursor(name="xxgk_export") as cur:
        cur.execute(query)
        while rows := cur.fetchmany(BATCH_ROWS):
            yield rows


def _write_parquet(conn: psycopg.Connection[Any], query: sql.Composed, path: Path) -> int:
    import pyarrow as pa
    import pyarrow.parquet as pq

    schema, converters = _schema(conn, query)
    count = 0
    with pq.ParquetWriter(path, schema) as writer:
        for rows in _batches(conn, query):
            columns = [
                pa.array([convert(row[i]) for row in rows], type=field.type)
                for i, (field, convert) in enumerate(zip(schema, converters, strict=True))
            ]
            writer.write_table(pa.Table.from_arrays(columns, schema=schema))
            count += len(rows)
        if count == 0:
            writer.write_table(schema.empty_table())
    return count
