"""Nothing is lost silently: every report URL a crawl discovers is stored or in crawl_failures with a reason.

One crawl of a mini-site whose column lists reports answering 404, 500 (after the retries), too late, too
large, a meta refresh or a JS redirect back to the column, a 302 to the column, a notice that is no report,
a closed port, plus a page that moved (a stub leading to the report, which is stored) and a report whose
attachment is missing. The whole crawl_failures table is asserted.
"""

from __future__ import annotations

import datetime as dt
import socket
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine

from crawler import failures
from crawler.sampleportal import SamplePortal
from tests.minisites import COLUMN, LISTING_PATH, MiniSite, crawl, paths, reports, write_registry
from tests.pg_fixtures import PgServer
from tests.test_crawl_e2e import rows

DAY = dt.date(2024, 2, 5)
MAX_MB = 0.1  # XXGK_MAX_DOCUMENT_MB for this crawl: 104,857 bytes
TIMEOUT_S = 1.5  # long enough that nothing but the slow page times out on a busy machine
SETTINGS = {
    "DOWNLOAD_TIMEOUT": TIMEOUT_S,
    "XXGK_MAX_DOCUMENT_MB": MAX_MB,
    "XXGK_BACKOFF_BASE": 0.05,
    "RETRY_TIMES": 2,
}
TITLE = "样本市{}2023年政府信息公开工作年度报告"
NOTICE = (
    '<html><head><meta charset="utf-8"><meta name="ArticleTitle" content="{t}"><title>{t}</title></head>'
    '<body><div class="TRS_Editor"><p>各县（市、区）人民政府，市政府各部门：</p>'
    "<p>为做好2023年政府信息公开工作年度报告编制发布工作，现将有关事项通知如下。请于1月31日前报送。</p>"
    "</div></body></html>"
)
NOTICE_TITLE = "关于做好2023年政府信息公开工作年度报告编制发布工作的通知"


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.11", 0))
        return int(sock.getsockname()[1])


@dataclass
class Crawled:
    site: MiniSite
    engine: Any
    urls: dict[str, str]  # case → URL
    stderr: str


@pytest.fixture(scope="module")
def crawled(
    pg_server: PgServer,
    pg_template: str,
    sample_portal: SamplePortal,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[Crawled]:
    sample_portal.reset()
    sample_portal.clear_requests()
    site = MiniSite(sample_portal)
    good, with_missing_file, moved = reports(3)
    urls = {
        "good": site.add_report(good),
        "missing_file": site.add_report(
            with_missing_file,
            after_body='<div class="fujian">附件：<a href="/files/missing.pdf">全文.pdf</a></div>',
        ),
        "not_found": site.add_row(
            f"{COLUMN}202402/t20240205_1.html", TITLE.format("教育局"), DAY, status=404
        ),
        "server_error": site.add_row(
            f"{COLUMN}202402/t20240205_2.html", TITLE.format("公安局"), DAY, status=500
        ),
        "slow": site.add_row(
            f"{COLUMN}202402/t20240205_3.html", TITLE.format("财政局"), DAY, delay=TIMEOUT_S * 3
        ),
        "huge": site.add_row(
            f"{COLUMN}202402/P020240205_4.pdf",
            TITLE.format("卫生健康局"),
            DAY,
            size=200_000,
            content_type="application/pdf",
        ),
        "refreshes": site.add_row(
            f"{COLUMN}202402/t20240205_5.html",
            TITLE.format("自然资源局"),
            DAY,
            body=b'<html><head><meta http-equiv="refresh" content="0;url=../index.htm"></head></html>',
        ),
        "js_redirect": site.add_row(
            f"{COLUMN}202402/t20240205_6.html",
            TITLE.format("生态环境局"),
            DAY,
            body='<html><body><script>window.location.href="/zfxxgk/core/";</script>该信息已删除</body></html>'.encode(),
        ),
        "redirected": site.add_row(
            f"{COLUMN}202402/t20240205_7.html",
            TITLE.format("市场监督管理局"),
            DAY,
            status=302,
            body=b"",
            headers=[("Location", LISTING_PATH)],
        ),
        "notice": site.add_row(
            f"{COLUMN}202402/t20240205_8.html", NOTICE_TITLE, DAY, body=NOTICE.format(t=NOTICE_TITLE).encode()
        ),
        "closed": site.add_row(
            f"http://127.0.0.11:{closed_port()}/x/t20240205_9.html", TITLE.format("审计局"), DAY
        ),
    }
    moved_to = site.add_report(moved)
    site.rows.pop()  # the moved report is reached through its old URL only
    urls["moved"] = site.add_row(
        f"{COLUMN}202401/t20240101_10.html", moved.title, moved.publish_date,
        body=f'<html><head><meta http-equiv="refresh" content="0;url={moved_to}"></head></html>'.encode(),
    )  # fmt: skip
    urls["moved_to"] = moved_to
    urls["missing_pdf"] = site.url("/files/missing.pdf")
    site.serve("/files/missing.pdf", status=404)
    site.publish()

    root = tmp_path_factory.mktemp("failures")
    name = pg_server.new_name("failures")
    url = pg_server.create_database(name, template=pg_template)
    engine = create_engine(url)
    try:
        done = crawl(
            url,
            root / "raw",
            sample_portal,
            write_registry(root / "registry", site.listing_url),
            settings=SETTINGS,
        )
        yield Crawled(site, engine, urls, done.stderr)
    finally:
        sample_portal.reset()
        engine.dispose()
        pg_server.drop_database(name)


def test_the_failures_table(crawled: Crawled) -> None:
    u = crawled.urls
    got = rows(
        crawled.engine,
        "SELECT f.region_code, f.url, f.reason, f.detail, f.crawl_run_id = r.id AS this_run "
        "FROM crawl_failures f, crawl_runs r ORDER BY f.url",
    )
    assert all(row.this_run for row in got)
    by_url = {row.url: (row.region_code, row.reason) for row in got}
    assert by_url == {
        u["not_found"]: ("990101", "http 404"),
        u["server_error"]: ("990101", "http 500"),
        u["slow"]: ("990101", failures.TIMEOUT),
        u["huge"]: ("990101", failures.TOO_LARGE),
        u["refreshes"]: ("990101", "deleted: refreshes to the column"),
        u["js_redirect"]: ("990101", "deleted: refreshes to the column"),
        u["redirected"]: ("990101", "deleted: redirects to the column"),
        u["notice"]: ("990101", "not a report"),
        u["closed"]: ("990101", failures.CONNECTION),
        u["missing_pdf"]: ("990101", "http 404"),
    }
    assert len(got) == len(by_url)  # each once
    details = {row.url: row.detail for row in got}
    assert details[u["not_found"]] == f"HTTP 404 from {u['not_found']}"
    assert details[u["server_error"]] == f"HTTP 500 from {u['server_error']}"
    assert details[u["missing_pdf"]] == f"HTTP 404 from {u['missing_pdf']}"
    assert details[u["refreshes"]] == f"{u['refreshes']} → {crawled.site.listing_url}"
    assert details[u["js_redirect"]] == f"{u['js_redirect']} → {crawled.site.url(COLUMN)}"
    assert details[u["redirected"]] == f"{u['redirected']} → {crawled.site.listing_url}"
    assert details[u["notice"]] == f"the parser reads {NOTICE_TITLE!r} as no annual report"
    assert details[u["huge"]].startswith(
        "Expected to receive 200000 bytes which is larger than download max size"
    )
    assert f"took longer than {TIMEOUT_S} seconds" in details[u["slow"]]
    assert "ConnectionRefused" in details[u["closed"]]


def test_every_discovered_report_is_stored_or_failed(crawled: Crawled) -> None:
    listed = {crawled.site.url(row.path) for row in crawled.site.rows}
    stored = {r.url for r in rows(crawled.engine, "SELECT url FROM documents WHERE role = 'report'")}
    failed = {r.url for r in rows(crawled.engine, "SELECT url FROM crawl_failures")}
    assert listed == stored | (failed - {crawled.urls["missing_pdf"]})
    u = crawled.urls
    # Stored: the good reports, the moved one (under its listed URL), and the notice (kept, and failed).
    assert stored == {u["good"], u["missing_file"], u["moved"], u["notice"]}
    [(final_url,)] = rows(
        crawled.engine,
        "SELECT v.final_url FROM documents d JOIN document_versions v ON v.id = d.current_version_id "
        "WHERE d.url = :url",
        url=u["moved"],
    )
    assert final_url == u["moved_to"]
    [run] = rows(crawled.engine, "SELECT * FROM crawl_runs")
    assert (run.failures, run.reports_new, run.finish_reason) == (10, 4, "finished")
    assert run.stats["listing/report_links"] == len(listed) == 12


def test_retries_only_where_a_retry_can_help(crawled: Crawled) -> None:
    log = paths(crawled.site.requests())
    path = {case: url.removeprefix(crawled.site.base) for case, url in crawled.urls.items()}
    # 500 and timeouts: three attempts (RETRY_TIMES=2); 404, too large, redirects: one.
    assert [log.count(path[c]) for c in ("server_error", "slow")] == [3, 3]
    assert [log.count(path[c]) for c in ("not_found", "huge", "refreshes", "js_redirect", "redirected")] == [
        1, 1, 1, 1, 1,
    ]  # fmt: skip
    assert log.count("/files/missing.pdf") == 1
    # The column is read as the listing, and once more as where the 302 led (HTTP redirects are followed:
    # most lead to the moved page); the refresh and the JS redirect are judged without fetching it.
    assert log.count(LISTING_PATH) == 2
    assert "Gave up retrying" in crawled.stderr


def test_a_crawl_without_failures_records_none(pg_url: str, portal: SamplePortal, tmp_path: Path) -> None:
    site = MiniSite(portal)
    site.add_report(reports(1)[0])
    site.publish()
    crawl(pg_url, tmp_path / "raw", portal, write_registry(tmp_path / "registry", site.listing_url))
    engine = create_engine(pg_url)
    try:
        assert rows(engine, "SELECT count(*) FROM crawl_failures")[0][0] == 0
        assert rows(engine, "SELECT count(*) FROM documents")[0][0] == 1
    finally:
        engine.dispose()
