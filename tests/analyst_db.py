"""The analysts' database (loaded by tests/conftest.py through `pytest_plugins`).

`analyst_db` (session): a database migrated to head and filled by one real crawl of three plain-HTML sample
sites (990101 样本市, 990102 样本县, 990103 样本区: 75 generated reports, ten organs × 2019–2025 each),
with two gaps made on purpose so that coverage has something to show:

- one report page of 样本市 answers a page that names the report in its title and holds nothing else: stored,
  but not parsed (format "unknown");
- one report page of 样本县 answers 404: a crawl failure, no document;
- one report of 样本市 is served restated: one request moved from 本年新收 to 上年结转 (both 自然人 and 总计),
  so the report still adds up but its carry-over no longer continues last year's 结转下年度.

The truth every analyst test asserts against is the generator's: `AnalystDb.parsed` holds the
SyntheticReport of every report stored as written (what the sample portal served, snapshot at crawl time),
never anything read back from the database. `analyst_url` connects as a read-only analyst role created with
crawler.db_roles, as `python -m crawler db roles` does.
"""

from __future__ import annotations

import copy
import os
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass, replace
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from urllib.parse import urlsplit

import psycopg
import pytest
from psycopg import sql
from sqlalchemy import Engine, create_engine
from sqlalchemy.engine import make_url

from crawler.db_roles import RoleSpec, apply_roles, libpq_url
from crawler.sampleportal import SamplePortal, SyntheticReport, rules
from crawler.sampleportal.chrome import Entry, publish_time
from crawler.sampleportal.families import trs_classic
from parsers.template import TABLE_IDS, request_rows
from tests.conftest import REPO_ROOT
from tests.pg_fixtures import PgServer

ANALYST_REGIONS: tuple[str, ...] = ("990101", "990102", "990103")
UNPARSED_REGION = "990101"
MISSING_REGION = "990102"
RESTATED_REGION = "990101"  # trs_classic: its family renders the restated page
ANALYST_PASSWORD = "analyst-fixture-pw"
CRAWL_TIMEOUT_S = 240


@dataclass(frozen=True)
class StoredTruth:
    """One generated report as the portal served it during the crawl."""

    code: str
    url: str
    report: SyntheticReport


@dataclass
class AnalystDb:
    url: str  # the owner's SQLAlchemy URL
    analyst_url: str  # the read-only analyst role's SQLAlchemy URL
    analyst_role: str
    engine: Engine  # the owner's engine
    portal: SamplePortal
    parsed: dict[str, StoredTruth]  # url → truth, every report stored and parsed as written
    unparsed: StoredTruth  # served as a page without the report's content
    missing: StoredTruth  # served as 404: a crawl failure
    restated: StoredTruth  # served with its carry-over restated (in `parsed` too, as served)

    def reports(self, code: str | None = None) -> list[SyntheticReport]:
        return [t.report for t in self.parsed.values() if code is None or t.code == code]

    def analyst_libpq(self) -> str:
        return libpq_url(self.analyst_url)


def _path(url: str) -> str:
    return urlsplit(url).path


def _crawl(url: str, raw: Path, port: int) -> subprocess.CompletedProcess[str]:
    args = [
        sys.executable, "-m", "scrapy", "crawl", "reports",
        "-a", f"region={','.join(ANALYST_REGIONS)}",
        "-s", f"DATABASE_URL={url}",
        "-s", f"SAMPLE_PORTAL_PORT={port}",
        "-s", f"XXGK_RAW_DIR={raw}",
        "-s", "LOG_LEVEL=WARNING",
    ]  # fmt: skip
    # XXGK_DATA_DIR inside the test's directory: nothing may fall back to ./var.
    env = {**os.environ, "XXGK_DATA_DIR": str(raw.parent / "data")}
    return subprocess.run(
        args, cwd=REPO_ROOT, env=env, capture_output=True, text=True, timeout=CRAWL_TIMEOUT_S, check=False
    )


def _unparsed_body(report: SyntheticReport) -> bytes:
    # A real portal's placeholder while a page is being replaced: it names the organ's report but neither
    # its year nor any section or table, so only the listing's title dates it.
    return (
        "<!DOCTYPE html><html><head><meta charset='utf-8'>"
        f"<title>{report.organ}政府信息公开工作年度报告</title></head>"
        "<body><p>页面内容更新中，敬请关注。</p></body></html>"
    ).encode()


def _restated(report: SyntheticReport) -> SyntheticReport:
    """The report with one request moved from 本年新收 to 上年结转: still balanced, but discontinuous."""
    tables = copy.deepcopy(report.tables)
    requests = tables["requests"]
    assert requests is not None
    for row, by in (("carried_over", 1), ("new_received", -1)):
        for col in ("natural_person", "total"):
            value = requests[row][col]
            assert isinstance(value, int)
            requests[row][col] = value + by
    figures = {t: v for t, v in tables.items() if v is not None}
    restated = replace(report, tables=tables, figures=figures)
    assert rules.failing(restated.format, restated.tables) == ()
    return restated


def _restatable(truth: dict[str, StoredTruth], code: str, avoid: str) -> StoredTruth:
    """A report with tables whose organ's previous year is stored with tables too, consistent and plain."""
    by_key = {(t.report.organ, t.report.year): t for t in truth.values() if t.code == code and t.url != avoid}
    for (organ, year), t in by_key.items():
        previous = by_key.get((organ, year - 1))
        cells = t.report.tables["requests"]
        if (
            previous is not None
            and previous.report.tables["requests"] is not None
            and cells is not None
            and not t.report.defect
            and not t.report.special_cell
            and isinstance(cells["new_received"]["natural_person"], int)
            and cells["new_received"]["natural_person"] > 0
        ):
            return t
    raise AssertionError(f"no report of {code} can be restated")


def _page(portal: SamplePortal, code: str, report: SyntheticReport) -> bytes:
    """The report's detail page as its site renders one (the trs_classic family's page)."""
    site = portal.site(code)
    entry = Entry(
        report.doc_id,
        report.title,
        report.publish_date,
        publish_time(report.doc_id, report.publish_date),
        report.organ,
        report.body_html,
    )
    assert site.spec.family == "trs_classic", site.spec.family
    return trs_classic.detail_page(site, entry).encode(site.spec.charset)


@pytest.fixture(scope="session")
def analyst_db(
    pg_server: PgServer,
    pg_template: str,
    sample_portal: SamplePortal,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[AnalystDb]:
    portal = sample_portal
    portal.reset()
    portal.clear_requests()
    truth = {
        portal.report_url(code, r.doc_id): StoredTruth(code, portal.report_url(code, r.doc_id), r)
        for code in ANALYST_REGIONS
        for r in portal.site(code).reports
    }
    # The first published report with tables of each region: a gap that changes what the views show.
    unparsed = next(t for t in truth.values() if t.code == UNPARSED_REGION and t.report.layout != "absent")
    missing = next(t for t in truth.values() if t.code == MISSING_REGION and t.report.layout != "absent")
    original = _restatable(truth, RESTATED_REGION, avoid=unparsed.url)
    restated = StoredTruth(original.code, original.url, _restated(original.report))
    truth[restated.url] = restated
    portal.inject(UNPARSED_REGION, _path(unparsed.url), body=_unparsed_body(unparsed.report))
    portal.inject(MISSING_REGION, _path(missing.url), status=404)
    portal.inject(RESTATED_REGION, _path(restated.url), body=_page(portal, restated.code, restated.report))

    name = pg_server.new_name("analyst")
    url = pg_server.create_database(name, template=pg_template)
    raw = tmp_path_factory.mktemp("analyst") / "raw"
    role = f"xxgk_analyst_fx{os.getpid()}"
    engine = create_engine(url)
    try:
        done = _crawl(url, raw, portal.port)
        assert done.returncode == 0, done.stderr[-4000:]
        portal.reset()
        apply_roles(url, (RoleSpec(role, ANALYST_PASSWORD, False, "-", "-"),))
        analyst_url = (
            make_url(url).set(username=role, password=ANALYST_PASSWORD).render_as_string(hide_password=False)
        )
        parsed = {u: t for u, t in truth.items() if u not in (unparsed.url, missing.url)}
        yield AnalystDb(url, analyst_url, role, engine, portal, parsed, unparsed, missing, restated)
    finally:
        portal.reset()
        engine.dispose()
        pg_server.drop_database(name)
        _drop_role(pg_server, role)


def _drop_role(server: PgServer, role: str) -> None:
    with psycopg.connect(libpq_url(server.admin_url), autocommit=True) as conn:
        conn.execute(sql.SQL("DROP ROLE IF EXISTS {}").format(sql.Identifier(role)))


# ---------------------------------------------------------------------------------------------------------
# The generator's truth, read the way the views define their figures (docs/analysts.md)
# ---------------------------------------------------------------------------------------------------------


def request_total(report: SyntheticReport, row: str) -> int | None:
    """The 总计 cell of a table 三 row; None when the table is missing or the cell blank / n/a."""
    table = report.tables["requests"]
    value = None if table is None else table[row]["total"]
    return value if isinstance(value, int) else None


def request_sum(report: SyntheticReport, prefix: str) -> int | None:
    """Σ 总计 over the report's format's rows whose id starts with `prefix`; None if any is blank."""
    values = [request_total(report, r.id) for r in request_rows(report.format) if r.id.startswith(prefix)]
    if not values or any(v is None for v in values):
        return None
    return sum(v for v in values if v is not None)


def fees_10k_yuan(report: SyntheticReport) -> Decimal | None:
    table = report.tables["active_disclosure"]
    if report.format != "2021" or table is None:
        return None
    value = table["fees"]["amount_10k_yuan"]
    return value if isinstance(value, Decimal) else None


def tables_present(report: SyntheticReport) -> int:
    return sum(1 for t in TABLE_IDS if report.tables[t] is not None)


def round_half_up(value: Decimal, places: int) -> Decimal:
    """Postgres's round(numeric, n): halves away from zero."""
    return value.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)
