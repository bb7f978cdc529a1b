"""`python -m crawler export` (crawler/export.py): the analyst views to CSV and Parquet, filtered by region
(and everything below it) and year, read back with csv and pyarrow and compared cell by cell with the
generator's truth (tests/analyst_db.py).
"""

from __future__ import annotations

import contextlib
import csv
import io
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from crawler.__main__ import main
from crawler.export import VIEWS, ExportError, export_views
from crawler.registry import load_registry
from crawler.sampleportal import rules
from parsers.template import REQUEST_COLUMN_IDS, REQUEST_ROW_BY_ID, request_rows
from tests.analyst_db import (
    AnalystDb,
    StoredTruth,
    fees_10k_yuan,
    request_sum,
    request_total,
    tables_present,
)

pytestmark = pytest.mark.postgres

VIEW_NAMES = [v.name for v in VIEWS]
# The generator's prose states three figures the parser checks against the tables (narrative.*):
# 新收 (new_received), 行政复议 (review) and 行政诉讼 (litigation), in every report with tables.
NARRATIVE_STATEMENTS = 3


@dataclass
class Export:
    code: int
    out: Path
    printed: list[str]


def run_export(analyst_db: AnalystDb, out: Path, *args: str) -> Export:
    printed = io.StringIO()
    with pytest.MonkeyPatch.context() as mp, contextlib.redirect_stdout(printed):
        mp.setenv("DATABASE_URL", analyst_db.analyst_url)  # the read-only role: an export never writes
        code = main(["export", *args, "--out", str(out)])
    return Export(code, out, printed.getvalue().splitlines())


def selected(analyst_db: AnalystDb, codes: set[str], year: int) -> dict[str, StoredTruth]:
    return {u: t for u, t in analyst_db.parsed.items() if t.code in codes and t.report.year == year}


def expected_counts(analyst_db: AnalystDb, codes: set[str], year: int, hierarchy: int) -> dict[str, int]:
    chosen = [t.report for t in selected(analyst_db, codes, year).values()]
    with_tables = [r for r in chosen if r.tables["requests"] is not None]
    pairs = 0
    keys = {(t.code, t.report.organ, t.report.year): t.report for t in analyst_db.parsed.values()}
    for (code, organ, y), report in keys.items():
        previous = keys.get((code, organ, y - 1))
        if code in codes and y == year and previous is not None:
            both = report.tables["requests"] is not None and previous.tables["requests"] is not None
            pairs += len(REQUEST_COLUMN_IDS) if both else 0
            # 现行有效件数 continuity needs two 2021-format reports with table 二.
            if report.format == previous.format == "2021" and both:
                pairs += 2
    return {
        "report_key_figures": len(chosen),
        "request_values": sum(len(request_rows(r.format)) * len(REQUEST_COLUMN_IDS) for r in with_tables),
        "check_results": sum(
            len(rules.evaluate(r.format, r.tables)) + NARRATIVE_STATEMENTS for r in with_tables
        ),
        "coverage": len({t.code for t in selected(analyst_db, codes, year).values()}),
        "cross_year_checks": pairs,
        "region_hierarchy": hierarchy,
    }


def shown(value: object) -> str:
    """A value as Postgres's CSV writes it: NULL is empty."""
    return "" if value is None else str(value)


def read_csv(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


# ---------------------------------------------------------------------------------------------------------
# CSV: a province by name, one year
# ---------------------------------------------------------------------------------------------------------

SAMPLE_PROVINCE = "990100"


@pytest.fixture(scope="module")
def csv_export(analyst_db: AnalystDb, tmp_path_factory: pytest.TempPathFactory) -> Export:
    return run_export(
        analyst_db, tmp_path_factory.mktemp("csv"), "--format", "csv", "--region", "样本省", "--year", "2021"
    )


def province_codes() -> set[str]:
    return {r.code for r in load_registry() if SAMPLE_PROVINCE in (r.code, r.parent)}


def test_csv_export_writes_every_view_with_exact_row_counts(
    analyst_db: AnalystDb, csv_export: Export
) -> None:
    assert csv_export.code == 0
    codes = province_codes()
    assert len(codes) == 19  # 样本省 and the sample regions under it
    counts = expected_counts(analyst_db, codes, 2021, hierarchy=len(codes))
    assert counts["report_key_figures"] == 2 + 3 + 3  # 2021 reports of 样本市, 样本县, 样本区
    assert csv_export.printed == [
        f"wrote {csv_export.out / name}.csv ({counts[name]} rows)" for name in VIEW_NAMES
    ]
    for name in VIEW_NAMES:
        assert len(read_csv(csv_export.out / f"{name}.csv")) == counts[name], name
    hierarchy = read_csv(csv_export.out / "region_hierarchy.csv")
    assert {r["code"] for r in hierarchy} == codes
    assert {r["province_name"] for r in hierarchy} == {"样本省"}


def test_csv_key_figures_are_the_reports_figures(analyst_db: AnalystDb, csv_export: Export) -> None:
    rows = {r["source_url"]: r for r in read_csv(csv_export.out / "report_key_figures.csv")}
    truth = selected(analyst_db, province_codes(), 2021)
    assert set(rows) == set(truth)
    for url, t in truth.items():
        row, report = rows[url], t.report
        assert (row["region_code"], row["organ"], row["year"], row["format"], row["title"]) == (
            t.code, report.organ, "2021", "2021", report.title,
        ), url  # fmt: skip
        assert row["requests_new_received"] == shown(request_total(report, "new_received")), url
        assert row["requests_granted"] == shown(request_total(report, "granted")), url
        assert row["requests_denied"] == shown(request_sum(report, "denied_")), url
        assert row["requests_other"] == shown(request_sum(report, "other_")), url
        assert row["requests_carried_forward"] == shown(request_total(report, "carried_forward")), url
        fees = fees_10k_yuan(report)
        assert (Decimal(row["fees_10k_yuan"]) if row["fees_10k_yuan"] else None) == fees, url
        assert row["tables_present"] == str(tables_present(report)), url
        assert row["checks_failed"] == str(len(report.failing_checks)), url
        assert (row["publish_date"], row["sign_date"]) == (
            report.publish_date.isoformat(),
            report.sign_date.isoformat(),
        ), url
    # An image-only report has no figures: NULL, written as an empty field, never 0.
    absent = [u for u, t in truth.items() if t.report.layout == "absent"]
    assert absent
    assert all(rows[u]["requests_new_received"] == "" and rows[u]["tables_present"] == "0" for u in absent)


def test_csv_request_values_hold_every_cell_and_blank_is_not_zero(
    analyst_db: AnalystDb, csv_export: Export
) -> None:
    urls = {r["report_id"]: r["source_url"] for r in read_csv(csv_export.out / "report_key_figures.csv")}
    truth = selected(analyst_db, province_codes(), 2021)
    cells = read_csv(csv_export.out / "request_values.csv")
    seen = set()
    for cell in cells:
        report = truth[urls[cell["report_id"]]].report
        assert report.tables["requests"] is not None
        value = report.tables["requests"][cell["row_id"]][cell["column_id"]]
        where = (report.doc_id, cell["row_id"], cell["column_id"])
        assert cell["value"] == shown(value), where
        assert cell["is_blank"] == ("t" if value is None else "f"), where
        assert cell["row_label"] == REQUEST_ROW_BY_ID[cell["row_id"]].label, where
        seen.add((urls[cell["report_id"]], cell["row_id"], cell["column_id"]))
    assert len(seen) == len(cells)
    blanks = [c for c in cells if c["is_blank"] == "t"]
    assert len(blanks) == sum(
        1
        for t in truth.values()
        if t.report.tables["requests"] is not None
        for cols in t.report.tables["requests"].values()
        for v in cols.values()
        if v is None
    )
    assert blanks, "the fixture's 2021 reports include a blank 上年结转 cell"
    # In the file itself: the value NULL is an empty field, the raw text "" a quoted empty string.
    text = (csv_export.out / "request_values.csv").read_text(encoding="utf-8")
    assert text.count(',,"",t,f,') == len(blanks)


# ---------------------------------------------------------------------------------------------------------
# Parquet: a county by code, one year
# ---------------------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def parquet_export(analyst_db: AnalystDb, tmp_path_factory: pytest.TempPathFactory) -> Export:
    out = tmp_path_factory.mktemp("parquet")
    return run_export(analyst_db, out, "--format", "parquet", "--region", "990103", "--year", "2022")


def read_parquet(path: Path) -> pa.Table:
    return pq.read_table(path)


def test_parquet_export_keeps_types_and_nulls(analyst_db: AnalystDb, parquet_export: Export) -> None:
    assert parquet_export.code == 0
    counts = expected_counts(analyst_db, {"990103"}, 2022, hierarchy=1)
    assert counts["report_key_figures"] == 6
    assert parquet_export.printed == [
        f"wrote {parquet_export.out / name}.parquet ({counts[name]} rows)" for name in VIEW_NAMES
    ]
    tables = {name: read_parquet(parquet_export.out / f"{name}.parquet") for name in VIEW_NAMES}
    assert {name: t.num_rows for name, t in tables.items()} == counts
    figures = tables["report_key_figures"]
    schema = figures.schema
    assert schema.field("report_id").type == pa.int64()
    assert schema.field("year").type == pa.int32()
    assert schema.field("requests_new_received").type == pa.int32()
    assert schema.field("fees_10k_yuan").type == pa.decimal128(38, 2)
    assert schema.field("publish_date").type == pa.date32()
    assert schema.field("fetched_at").type == pa.timestamp("us", tz="UTC")
    assert tables["request_values"].schema.field("is_blank").type == pa.bool_()
    assert tables["check_results"].schema.field("numbers").type == pa.list_(pa.decimal128(38, 0))
    assert tables["region_hierarchy"].to_pylist() == [
        {
            "code": "990103",
            "name": "样本区",
            "level": "county",
            "province_code": "990100",
            "province_name": "样本省",
            "prefecture_code": None,
            "prefecture_name": None,
            "county_code": "990103",
            "county_name": "样本区",
        }
    ]


def test_parquet_key_figures_are_the_reports_figures(analyst_db: AnalystDb, parquet_export: Export) -> None:
    rows = {
        r["source_url"]: r
        for r in read_parquet(parquet_export.out / "report_key_figures.parquet").to_pylist()
    }
    truth = selected(analyst_db, {"990103"}, 2022)
    assert set(rows) == set(truth)
    for url, t in truth.items():
        row, report = rows[url], t.report
        expected: dict[str, Any] = {
            "region_code": "990103",
            "organ": report.organ,
            "year": 2022,
            "requests_new_received": request_total(report, "new_received"),
            "requests_total": request_total(report, "total"),
            "requests_denied": request_sum(report, "denied_"),
            "requests_unable": request_sum(report, "unable_"),
            "fees_10k_yuan": fees_10k_yuan(report),
            "tables_present": tables_present(report),
            "publish_date": report.publish_date,
        }
        assert {k: row[k] for k in expected} == expected, url
    assert any(r["requests_new_received"] is None for r in rows.values())  # NULL stays null
    assert any(isinstance(r["requests_new_received"], int) for r in rows.values())


def test_parquet_request_values_hold_every_cell(analyst_db: AnalystDb, parquet_export: Export) -> None:
    urls = {
        r["report_id"]: r["source_url"]
        for r in read_parquet(parquet_export.out / "report_key_figures.parquet").to_pylist()
    }
    truth = selected(analyst_db, {"990103"}, 2022)
    cells = read_parquet(parquet_export.out / "request_values.parquet").to_pylist()
    expected = {
        (url, row, col): value
        for url, t in truth.items()
        if t.report.tables["requests"] is not None
        for row, cols in t.report.tables["requests"].items()
        for col, value in cols.items()
    }
    assert {(urls[c["report_id"]], c["row_id"], c["column_id"]): c["value"] for c in cells} == expected
    assert len(cells) == len(expected)


# ---------------------------------------------------------------------------------------------------------
# Bad input
# ---------------------------------------------------------------------------------------------------------


def test_an_unknown_region_is_refused_before_anything_is_written(
    analyst_db: AnalystDb, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("DATABASE_URL", analyst_db.analyst_url)
        code = main(["export", "--region", "不存在的县", "--out", str(tmp_path / "out")])
    assert code == 2
    assert "不存在的县" in capsys.readouterr().err
    assert not (tmp_path / "out").exists()


def test_a_database_without_the_views_is_a_clear_error(pg_empty_url: str, tmp_path: Path) -> None:
    with pytest.raises(
        ExportError,
        match=r"the database has no view report_key_figures, request_values, check_results, coverage",
    ):
        export_views(pg_empty_url, tmp_path, "csv")
    assert list(tmp_path.iterdir()) == []


def test_the_views_exported_are_the_documented_ones() -> None:
    assert VIEW_NAMES == [
        "report_key_figures", "request_values", "check_results", "coverage", "cross_year_checks",
        "region_hierarchy",
    ]  # fmt: skip
