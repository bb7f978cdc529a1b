"""Crawl runs and crawl health in Postgres: what a run records (scrapyd job, failures by reason), the error
policy (a run that finds nothing where it found reports before failed), the views region_run_outcomes and
region_health, and `python -m crawler status` printing them.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from typing import Any

import pytest
from sqlalchemy import text

from crawler.__main__ import main
from crawler.health import RegionHealth, format_health, region_health
from crawler.registry import load_registry
from crawler.store import Repository
from crawler.store.database import make_engine
from crawler.store.migrate import downgrade, upgrade

UTC = dt.UTC
JAN10 = dt.datetime(2026, 1, 10, 8, 0, tzinfo=UTC)
SAMPLE = ("990101", "990102", "990103", "990104", "990105")


def sql(db_url: str, statement: str, **params: Any) -> list[Any]:
    engine = make_engine(db_url)
    try:
        with engine.begin() as conn:
            result = conn.execute(text(statement), params)
            return list(result) if result.returns_rows else []
    finally:
        engine.dispose()


def add_run(
    db_url: str, code: str, started: dt.datetime, finished: dt.datetime | None, reason: str | None
) -> int:
    [(run_id,)] = sql(
        db_url,
        "INSERT INTO crawl_runs (spider, region_codes, started_at, finished_at, finish_reason) "
        "VALUES ('reports', ARRAY[:code], :started, :finished, :reason) RETURNING id",
        code=code,
        started=started,
        finished=finished,
        reason=reason,
    )
    return int(run_id)


def add_failure(db_url: str, run_id: int, code: str, reason: str, at: dt.datetime) -> None:
    sql(
        db_url,
        "INSERT INTO crawl_failures (crawl_run_id, region_code, url, reason, detail, at) "
        "VALUES (:run, :code, 'http://127.0.0.11/x', :reason, 'detail', :at)",
        run=run_id,
        code=code,
        reason=reason,
        at=at,
    )


def add_report(db_url: str, code: str, n: int, year: int, seen: dt.datetime, kind: str = "report") -> None:
    url = f"http://sample/{code}/{n}.htm"
    [(doc_id,)] = sql(
        db_url,
        "INSERT INTO documents (url, region_code, role, first_seen_at, last_seen_at, kind) "
        "VALUES (:url, :code, 'report', :seen, :seen, 'html') RETURNING id",
        url=url,
        code=code,
        seen=seen,
    )
    [(version_id,)] = sql(
        db_url,
        "INSERT INTO document_versions (document_id, sha256, raw_path, size, http_status, final_url, "
        "listing_url, listing_title, fetched_at) "
        "VALUES (:doc, :sha, 'ab/cd', 1, 200, :url, :url, 't', :seen) RETURNING id",
        doc=doc_id,
        sha=hashlib.sha256(url.encode()).hexdigest(),
        url=url,
        seen=seen,
    )
    sql(
        db_url,
        "INSERT INTO reports (document_id, version_id, region_code, year, format, script, kind, parsed_at, "
        "parser_version) VALUES (:doc, :version, :code, :year, '2021', 'simplified', :kind, :seen, 't')",
        doc=doc_id,
        version=version_id,
        code=code,
        year=year,
        kind=kind,
        seen=seen,
    )


def schedule(db_url: str, code: str, cadence: int, overdue_after: int, enrolled: dt.datetime) -> None:
    sql(
        db_url,
        "INSERT INTO region_schedules (region_code, cadence_seconds, overdue_after_seconds, enrolled_at) "
        "VALUES (:code, :cadence, :overdue, :enrolled)",
        code=code,
        cadence=cadence,
        overdue=overdue_after,
        enrolled=enrolled,
    )


@pytest.fixture
def regions_url(pg_url: str) -> str:
    registry = load_registry(sample_port=8800, national=False)
    with Repository(pg_url) as repo:
        repo.sync_regions([r for r in registry if r.code in SAMPLE])
    return pg_url


# ---------------------------------------------------------------------------------------------------------
# What a crawl run records
# ---------------------------------------------------------------------------------------------------------


def test_a_run_records_its_scrapyd_job_and_its_failures_by_reason(regions_url: str) -> None:
    with Repository(regions_url) as repo:
        run_id = repo.start_run("reports", ["990101"], scrapyd_job_id="0f3c")
        repo.record_failure(run_id, "990101", "http://a/1", "http 404", "gone")
        repo.record_failure(run_id, "990101", "http://a/2", "http 404", "gone")
        repo.record_failure(run_id, "990101", "http://a/3", "timeout", "slow")
        repo.record_failure(None, "990101", "http://a/4", "timeout", "outside any run")
        repo.finish_run(run_id, "finished", {"item_scraped_count": 4})
        quiet = repo.start_run("reports", ["990102"])
        repo.finish_run(quiet, "finished", {})
    found = sql(
        regions_url,
        "SELECT id, scrapyd_job_id, failures, failures_by_reason, stats FROM crawl_runs ORDER BY id",
    )
    assert [tuple(r) for r in found] == [
        (run_id, "0f3c", 3, {"http 404": 2, "timeout": 1}, {"item_scraped_count": 4}),
        (quiet, None, 0, {}, {}),
    ]


def test_the_migration_counts_the_failures_of_earlier_runs_and_goes_back_down(pg_empty_url: str) -> None:
    upgrade(pg_empty_url, "0002")
    sql(pg_empty_url, "INSERT INTO regions (code, name) VALUES ('990101', '样本市')")
    closed = add_run(pg_empty_url, "990101", JAN10, JAN10, "finished")
    still_open = add_run(pg_empty_url, "990101", JAN10, None, None)
    for run_id, reason in ((closed, "timeout"), (closed, "timeout"), (closed, "dns"), (still_open, "dns")):
        add_failure(pg_empty_url, run_id, "990101", reason, JAN10)
    upgrade(pg_empty_url)
    counted = sql(pg_empty_url, "SELECT id, failures_by_reason FROM crawl_runs ORDER BY id")
    assert [tuple(r) for r in counted] == [(closed, {"timeout": 2, "dns": 1}), (still_open, {})]
    downgrade(pg_empty_url, "0002")
    views = sql(
        pg_empty_url,
        "SELECT count(*) FROM pg_views WHERE viewname IN ('region_health', 'region_run_outcomes')",
    )
    assert views[0][0] == 0
    columns = sql(
        pg_empty_url,
        "SELECT column_name FROM information_schema.columns WHERE table_name = 'crawl_runs' "
        "AND column_name IN ('scrapyd_job_id', 'failures_by_reason')",
    )
    assert columns == []


# ---------------------------------------------------------------------------------------------------------
# The error policy and the health view
# ---------------------------------------------------------------------------------------------------------


@pytest.fixture
def world(regions_url: str) -> dict[str, Any]:
    """Five regions, each in one of the situations the view tells apart."""
    url = regions_url
    now = sql(url, "SELECT now()")[0][0]
    # 990101: two reports found on 10 January; on the 11th its listing gave no report link at all.
    ok_run = add_run(url, "990101", JAN10, JAN10 + dt.timedelta(minutes=5), "finished")
    add_report(url, "990101", 1, 2023, JAN10)
    add_report(url, "990101", 2, 2024, JAN10)
    add_report(url, "990101", 3, 2025, JAN10, kind="not_report")  # stored, but not an annual report
    add_failure(url, ok_run, "990101", "http 404", JAN10 + dt.timedelta(minutes=1))  # before the success
    silent_run = add_run(
        url, "990101", JAN10 + dt.timedelta(days=1), JAN10 + dt.timedelta(days=1, minutes=2), "finished"
    )
    add_failure(url, silent_run, "990101", "no report links", JAN10 + dt.timedelta(days=1, minutes=1))
    add_failure(url, silent_run, "990101", "timeout", JAN10 + dt.timedelta(days=1, minutes=1))
    schedule(url, "990101", 86400, 172800, JAN10 - dt.timedelta(days=30))
    # 990102: its only run was shut down; scheduled for a month.
    stopped = add_run(url, "990102", JAN10, JAN10 + dt.timedelta(minutes=3), "shutdown")
    add_failure(url, stopped, "990102", "dns", JAN10 + dt.timedelta(minutes=2))
    schedule(url, "990102", 86400, 172800, JAN10 - dt.timedelta(days=30))
    # 990103: crawled an hour ago for the first time, found nothing: nothing was known, so no failure.
    first = add_run(url, "990103", now - dt.timedelta(hours=1), now - dt.timedelta(minutes=50), "finished")
    add_failure(url, first, "990103", "no report links", now - dt.timedelta(minutes=55))
    schedule(url, "990103", 86400, 172800, now - dt.timedelta(days=3))
    # 990104: enrolled an hour ago, its first job pending at scrapyd.
    schedule(url, "990104", 86400, 172800, now - dt.timedelta(hours=1))
    sql(
        url,
        "INSERT INTO scheduled_jobs (region_code, project, spider, scrapyd_job_id, state, attempts, "
        "scheduled_at) VALUES ('990104', 'xxgk', 'reports', 'j104', 'pending', 1, now())",
    )
    # 990105: a crawl by hand still running (or died); not scheduled.
    add_run(url, "990105", now - dt.timedelta(minutes=5), None, None)
    return {"url": url, "now": now, "first_finished": now - dt.timedelta(minutes=50)}


def test_run_outcomes_apply_the_error_policy(world: dict[str, Any]) -> None:
    outcomes = sql(
        world["url"],
        "SELECT region_code, outcome, problem, reports_before FROM region_run_outcomes ORDER BY crawl_run_id",
    )
    assert [tuple(r) for r in outcomes] == [
        ("990101", "ok", None, 0),
        ("990101", "failed", "found no report link where 2 reports were found before", 2),
        ("990102", "failed", "finish reason shutdown", 0),
        ("990103", "ok", None, 0),
        ("990105", "unfinished", "not finished: still running, or its process ended without closing it", 0),
    ]


def test_region_health_per_region(world: dict[str, Any]) -> None:
    rows = {r.region_code: r for r in region_health(world["url"])}
    assert sorted(rows) == ["990101", "990102", "990103", "990104", "990105"]
    r101 = rows["990101"]
    assert r101.last_success == JAN10 + dt.timedelta(minutes=5)
    assert (r101.last_outcome, r101.last_problem) == (
        "failed",
        "found no report link where 2 reports were found before",
    )
    # Reports known count annual reports only; failures since the success: the silent run's two.
    assert (r101.reports_known, r101.newest_report_year, r101.failures_since_success) == (2, 2024, 2)
    assert (r101.cadence_seconds, r101.overdue, r101.job_state) == (86400, True, None)
    assert not r101.healthy

    r102 = rows["990102"]
    assert (r102.last_success, r102.last_outcome, r102.reports_known, r102.newest_report_year) == (
        None,
        "failed",
        0,
        None,
    )
    assert (r102.failures_since_success, r102.overdue) == (1, True)

    r103 = rows["990103"]
    assert (r103.last_success, r103.last_outcome, r103.overdue) == (world["first_finished"], "ok", False)
    assert (r103.failures_since_success, r103.reports_known) == (0, 0)
    assert r103.healthy

    r104 = rows["990104"]
    assert (r104.last_success, r104.last_outcome, r104.overdue, r104.job_state) == (
        None,
        None,
        False,
        "pending",
    )
    assert r104.healthy

    r105 = rows["990105"]
    assert (r105.last_outcome, r105.cadence_seconds, r105.overdue) == ("unfinished", None, False)


def test_status_prints_the_view(world: dict[str, Any], monkeypatch: pytest.MonkeyPatch, capsys: Any) -> None:
    monkeypatch.setenv("DATABASE_URL", world["url"])
    assert main(["status"]) == 0
    out = capsys.readouterr().out
    first = world["first_finished"].strftime("%Y-%m-%d %H:%M")
    started = (world["now"] - dt.timedelta(hours=1)).strftime("%Y-%m-%d %H:%M")
    running = (world["now"] - dt.timedelta(minutes=5)).strftime("%Y-%m-%d %H:%M")
    assert out.splitlines() == [
        "Crawl health per region (view region_health; times UTC)",
        "  code    region    last success      reports  newest  failures since  last run                     job",  # noqa: E501
        "  990101  样本市    2026-01-10 08:05  2        2024    2               failed 2026-01-11 08:00      -",  # noqa: E501
        "  990102  样本县    never             0        -       1               failed 2026-01-10 08:00      -",  # noqa: E501
        f"  990103  样本区    {first}  0        -       0               ok {started}          -",
        "  990104  样本语料  never             0        -       0               never"
        "                        pending",
        f"  990105  样本甲市  never             0        -       0               unfinished {running}  -",
        "Overdue: 2 of 5: 990101 样本市, 990102 样本县",
        "Last run failed: 990101 样本市: found no report link where 2 reports were found before",
        "Last run failed: 990102 样本县: finish reason shutdown",
    ]
    assert main(["status", "--check"]) == 1


def test_status_of_an_empty_database(pg_url: str, monkeypatch: pytest.MonkeyPatch, capsys: Any) -> None:
    monkeypatch.setenv("DATABASE_URL", pg_url)
    assert main(["status", "--check"]) == 0
    assert capsys.readouterr().out.splitlines() == [
        "Crawl health per region (view region_health; times UTC)",
        "  (no region is scheduled or was ever crawled)",
    ]


def test_the_table_aligns_chinese_names_by_display_width() -> None:
    rows = [
        RegionHealth("990101", "样本市", None, None, None, None, 0, None, 0, None, False, None),
        RegionHealth("990199", "Sample", None, None, None, None, 0, None, 0, None, False, None),
    ]
    lines = format_health(rows).splitlines()
    # "样本市" is six columns wide, like "Sample": the next column starts at the same place.
    assert lines[2].index("never") - len("样本市") == lines[3].index("never") - len("Sample")
