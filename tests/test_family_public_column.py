"""The `public/column` family: lists written by JavaScript, read through the browser.

Sites: 990119 (样本栏目区, open) and 990117 (样本栏目县, behind 加速乐). The column page is a shell whose
script asks the label service for the rows and writes them in (`li.clearfix`, `span.date`, a pager of
`pageIndex` links); detail pages show their date only in the 索引号 table. The adapter is tested on the
portal's own pages — the shell as served, and the shell with the label service's rows written in as the
script does — and a crawl of both sites runs end to end with Debian's Chromium into Postgres.
"""

from __future__ import annotations

import datetime as dt
import re
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import parse_qsl, urlsplit

import pytest
from scrapy import Request
from scrapy.http import HtmlResponse
from sqlalchemy import create_engine

from crawler.browser import RENDER_WAIT, chromium_path
from crawler.families import ListingError, ListingLink, adapter_for
from crawler.families.public_column import PublicColumn, page_index, pager_pages, with_page_index
from crawler.registry import Region, load_registry
from crawler.sampleportal import SamplePortal
from crawler.sampleportal.chrome import Entry
from crawler.sampleportal.families import public_column as portal_pc
from tests.browser_crawl import BrowserCrawl, browser_crawled, run_browser_crawl
from tests.html_family_crawl import day, table_images
from tests.pg_fixtures import PgServer
from tests.test_crawl_e2e import rows

OPEN = "990119"
JIASULE = "990117"
CODES = (JIASULE, OPEN)
_LIST_BOX = re.compile(r'(<div id="xxgk_lmcon" class="xxgk_lmcon">).*?(</div>)', re.S)


def region(port: int, code: str = OPEN) -> Region:
    found = load_registry(sample_port=port).get(code)
    assert found is not None
    return found


def get(url: str) -> bytes:
    with urllib.request.urlopen(url, timeout=10) as reply:
        body: bytes = reply.read()
        return body


def served(url: str, request: Request | None = None) -> HtmlResponse:
    """The page as the server sends it (no script run)."""
    return HtmlResponse(url, body=get(url), encoding="utf-8", request=request or Request(url))


def rendered(portal: SamplePortal, page: int, request: Request | None = None) -> HtmlResponse:
    """Page `page` of 990119's column as the browser shows it: the shell with the label service's rows
    written into its list box, as the shell's script does."""
    url = portal.listing_urls(OPEN)[page - 1]
    shell = get(url).decode("utf-8")
    label = (
        f"{portal.base_url(OPEN)}{portal_pc.LABEL_PATH}?IsAjax=1&dataType=html&labelName=publicInfoList"
        f"&siteId={portal_pc.UNIT_ID}&catId={portal_pc.CATEGORY_ID}&pageSize=10&pageIndex={page}&action=list"
    )
    fragment = get(label).decode("utf-8")
    html, count = _LIST_BOX.subn(lambda m: m.group(1) + fragment + m.group(2), shell)
    assert count == 1
    return HtmlResponse(url, body=html.encode("utf-8"), encoding="utf-8", request=request or Request(url))


def links(portal: SamplePortal, code: str, entries: list[Entry]) -> list[ListingLink]:
    base = portal.base_url(code)
    return [ListingLink(base + portal_pc.detail_path(e), e.title, e.listing_date) for e in entries]


# ---------------------------------------------------------------------------------------------------------
# The adapter on the portal's pages
# ---------------------------------------------------------------------------------------------------------


def test_listing_requests_ask_for_the_browser_and_wait_for_the_rows(portal: SamplePortal) -> None:
    adapter = adapter_for(region(portal.port))
    assert isinstance(adapter, PublicColumn)
    [start] = adapter.first_requests()
    assert start.url == portal.listing_urls(OPEN)[0]
    assert start.meta == {
        "listing_root": start.url,
        "playwright": True,
        RENDER_WAIT: "li.clearfix, .xxgk_empty",
    }


def test_the_shell_as_served_has_no_rows_and_is_refused(portal: SamplePortal) -> None:
    url = portal.listing_urls(OPEN)[0]
    shell = served(url)
    assert b"li.clearfix" not in shell.body and b'class="clearfix"' not in shell.body
    with pytest.raises(ListingError, match="written by JavaScript and this page was not rendered"):
        adapter_for(region(portal.port)).parse_listing(shell)


def test_the_rendered_first_page_gives_its_rows_and_asks_for_the_others(portal: SamplePortal) -> None:
    adapter = adapter_for(region(portal.port))
    [start] = adapter.first_requests()
    page = adapter.parse_listing(rendered(portal, 1, start))
    entries = portal.site(OPEN).entries()
    assert len(entries) == 21  # 17 reports, 4 解读/图解 pages: pages of 10, 10 and 1
    assert page.links == links(portal, OPEN, entries[:10])
    assert [r.url for r in page.next_requests] == portal.listing_urls(OPEN)[1:]
    assert len(page.next_requests) == 2
    for request in page.next_requests:
        assert request.meta == {
            "listing_root": start.url,
            "playwright": True,
            RENDER_WAIT: "li.clearfix, .xxgk_empty",
        }


def test_later_rendered_pages_give_their_rows_and_ask_for_nothing(portal: SamplePortal) -> None:
    adapter = adapter_for(region(portal.port))
    entries = portal.site(OPEN).entries()
    second = adapter.parse_listing(rendered(portal, 2))
    third = adapter.parse_listing(rendered(portal, 3))
    assert second.links == links(portal, OPEN, entries[10:20])
    assert third.links == links(portal, OPEN, entries[20:])
    assert second.next_requests == third.next_requests == []


def test_an_empty_rendered_column_is_no_error() -> None:
    url = "http://127.0.0.29:8800/public/column/1?type=4&catId=2&action=list"
    body = '<html><body><div id="xxgk_lmcon"><p class="xxgk_empty">暂无信息</p></div></body></html>'
    adapter = PublicColumn(Region(code=OPEN, name="样本栏目区", family="public_column", listings=(url,)))
    page = adapter.parse_listing(HtmlResponse(url, body=body.encode(), encoding="utf-8"))
    assert (page.links, page.next_requests) == ([], [])


def test_a_server_rendered_portal_is_read_without_the_browser() -> None:
    url = "http://127.0.0.29:8800/public/column/1?type=4&catId=2&action=list"
    adapter = PublicColumn(
        Region(
            code=OPEN, name="样本栏目区", family="public_column", listings=(url,), params={"render": "none"}
        )
    )
    [start] = adapter.first_requests()
    assert start.meta == {"listing_root": url}
    title = "样本栏目区2023年政府信息公开工作年度报告"
    body = (
        f'<ul><li class="clearfix"><a href="/public/1/5.html" title="{title}">{title[:10]}…</a>'
        '<span class="date">2024-01-20</span></li></ul><div class="pagination">'
        '<a href="/public/column/1?type=4&amp;catId=2&amp;action=list&amp;pageIndex=2">下一页</a> 共2页</div>'
    )
    page = adapter.parse_listing(HtmlResponse(url, body=body.encode(), encoding="utf-8", request=start))
    [link] = page.links
    assert link == ListingLink("http://127.0.0.29:8800/public/1/5.html", title, dt.date(2024, 1, 20))
    [nxt] = page.next_requests
    assert nxt.url == url + "&pageIndex=2"
    assert nxt.meta == {"listing_root": url}


def test_page_numbers_in_column_urls() -> None:
    url = "http://h/public/column/6596117?type=4&catId=7054121&action=list"
    assert page_index(url) == 1
    assert with_page_index(url, 3) == url + "&pageIndex=3"
    assert page_index(with_page_index(url, 3)) == 3
    assert with_page_index(url + "&pageIndex=3&nav=1", 2) == url + "&nav=1&pageIndex=2"
    assert with_page_index(url + "#top", 2) == url + "&pageIndex=2"


def test_pages_are_read_from_the_pager_links_or_its_text() -> None:
    base = "http://h/public/column/1?type=4&catId=2&action=list"
    column = "/public/column/1?type=4&amp;catId=2&amp;action=list"
    by_links = (
        f'<div class="pagination"><a href="{column}&amp;pageIndex=2">2</a>'
        f'<a href="{column}&amp;pageIndex=7">尾页</a>'
        '<a href="/public/column/9?pageIndex=40">another column</a></div>'
    )
    assert pager_pages(by_links, base) == 7
    assert pager_pages('<div class="pagination"><span>共86条 第1/9页</span></div>', base) == 9
    assert pager_pages('<div class="pagination"><span>共 4 页</span></div>', base) == 4
    assert pager_pages("<ul><li>only</li></ul>", base) == 1


def test_detail_pages_date_their_report_in_the_index_table(portal: SamplePortal) -> None:
    from parsers.metadata import page_publish_date

    site = portal.site(OPEN)
    report = site.reports[0]
    entry = site.entry(report.doc_id)
    assert entry is not None and entry.published is not None
    html = get(portal.report_url(OPEN, report.doc_id)).decode("utf-8")
    assert '<meta name="PubDate"' not in html
    assert f"<th>发布日期：</th><td>{entry.published:%Y-%m-%d}</td>" in html
    assert page_publish_date(html) == entry.published.date()


# ---------------------------------------------------------------------------------------------------------
# End to end: scrapy crawl reports -a region=990117,990119 with the browser, into Postgres
# ---------------------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def crawl(
    pg_server: PgServer,
    pg_template: str,
    sample_portal: SamplePortal,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[BrowserCrawl]:
    assert chromium_path() is not None, "Chromium is needed: apt-get install chromium (.ci/run does)"
    with browser_crawled(
        pg_server, pg_template, sample_portal, tmp_path_factory, CODES, label="pcol"
    ) as done:
        yield done


def expected_reports(portal: SamplePortal, code: str) -> dict[str, tuple[str, Entry]]:
    """URL → (listing page URL, entry) of every report the column lists."""
    site = portal.site(code)
    reports = {r.doc_id for r in site.reports}
    pages = portal.listing_urls(code)
    return {
        portal.report_url(code, e.doc_id): (pages[n // portal_pc.PER_PAGE], e)
        for n, e in enumerate(site.entries())
        if e.doc_id in reports
    }


@pytest.mark.postgres
def test_crawl_stores_exactly_the_reports_with_their_dates(crawl: BrowserCrawl) -> None:
    stored = crawl.reports()
    for code in CODES:
        expected = expected_reports(crawl.portal, code)
        assert len(expected) == 17
        publish = {r.doc_id: r.publish_date for r in crawl.portal.site(code).reports}
        got = {url: row for url, row in stored.items() if row.region_code == code}
        assert {
            url: (row.listing_url, row.listing_date, row.page_date, row.publish_date, row.http_status)
            for url, row in got.items()
        } == {
            url: (page, entry.listing_date, day(entry.published), publish[entry.doc_id], 200)
            for url, (page, entry) in expected.items()
        }
    assert len(stored) == 34
    assert crawl.failures() == set()


@pytest.mark.postgres
def test_lists_are_rendered_in_the_browser_and_reports_fetched_plainly(crawl: BrowserCrawl) -> None:
    stats = crawl.stats()
    assert stats["browser/rendered"] == 6  # three column pages per site
    assert stats["listing/pages"] == 6
    assert stats["listing/report_links"] == 34
    assert stats["listing/skipped/interpretation"] == 8
    assert stats["playwright/page_count"] == stats["browser/pages_closed"] == stats["browser/requests"]
    base = crawl.portal.base_url(OPEN)
    paths = [path for method, path in crawl.served[OPEN] if method == "GET"]
    columns = [p for p in paths if p.startswith("/public/column/")]
    labels = [p for p in paths if p.startswith(portal_pc.LABEL_PATH)]
    assert sorted(columns) == sorted(u.removeprefix(base) for u in crawl.portal.listing_urls(OPEN))
    # Only a browser runs the shell's script: one label-service request per column page, page by page.
    assert sorted(dict(parse_qsl(urlsplit(p).query))["pageIndex"] for p in labels) == ["1", "2", "3"]
    details = {p for p in paths if p.startswith(f"/public/{portal_pc.UNIT_ID}/") and p.endswith(".html")}
    assert details == {u.removeprefix(base) for u in expected_reports(crawl.portal, OPEN)}


@pytest.mark.postgres
def test_behind_jiasule_the_lists_pass_in_the_browser_and_the_rest_reuses_its_cookies(
    crawl: BrowserCrawl,
) -> None:
    gate = crawl.gate(JIASULE)
    # robots.txt first: a plain 521, then the browser's three round trips (two 521s, then the answer).
    assert gate[:4] == [
        ("/robots.txt", "plain", "challenge"),
        ("/robots.txt", "browser", "challenge"),
        ("/robots.txt", "browser", "challenge"),
        ("/robots.txt", "browser", "pass"),
    ]
    assert [g for g in gate if g[2] == "challenge"] == gate[:3]
    browser = sorted(p.split("&_=")[0] for p, client, _ in gate[4:] if client == "browser")
    base = crawl.portal.base_url(JIASULE)
    label_prefix = portal_pc.LABEL_PATH + "?IsAjax=1&dataType=html&labelName=publicInfoList"
    assert [p for p in browser if not p.startswith(label_prefix)] == sorted(
        u.removeprefix(base) for u in crawl.portal.listing_urls(JIASULE)
    )
    assert sum(p.startswith(label_prefix) for p in browser) == 3
    plain = {p for p, client, _ in gate[4:] if client == "plain"}
    site = crawl.portal.site(JIASULE)
    pages = {u.removeprefix(base) for u in expected_reports(crawl.portal, JIASULE)}
    images = {
        u.removeprefix(base)
        for url, (_, entry) in expected_reports(crawl.portal, JIASULE).items()
        for u in table_images(url, site.report(entry.doc_id))
    }
    assert plain == pages | images
    stats = crawl.stats()
    assert stats["challenge/detected/jiasule"] == 1
    assert stats["challenge/passed/jiasule"] == 1
    assert stats["challenge/cookies_reused"] == len([g for g in gate[4:] if g[1] == "plain"])
    assert "challenge/cookies_refused/jiasule" not in stats


@pytest.mark.postgres
def test_without_chromium_a_rendered_column_fails_with_the_reason(
    pg_url: str, portal: SamplePortal, tmp_path: Path
) -> None:
    done = run_browser_crawl(pg_url, tmp_path / "raw", portal.port, (OPEN,), {"XXGK_CHROMIUM": "off"})
    assert done.returncode == 0, done.stderr[-4000:]
    engine = create_engine(pg_url)
    try:
        failures = rows(engine, "SELECT region_code, url, reason, detail FROM crawl_failures ORDER BY reason")
    finally:
        engine.dispose()
    listing = portal.listing_urls(OPEN)[0]
    assert [(f.region_code, f.url, f.reason) for f in failures] == [
        (OPEN, listing, "ignored"),
        (OPEN, listing, "no report links"),
    ]
    assert failures[0].detail == "needs a browser: the browser is switched off (XXGK_CHROMIUM=off)"
    assert "Starting download handler" not in done.stderr  # Playwright never started
    assert portal.site_requests(OPEN) == [("GET", "/robots.txt")]  # the column was never asked for


def test_a_plain_crawl_starts_no_browser(portal: SamplePortal, tmp_path: Path) -> None:
    """Chromium is there, the handler is scrapy-playwright's, and a crawl of plain pages never starts it."""
    assert chromium_path() is not None
    done = run_browser_crawl(
        "postgresql://unused@127.0.0.1:1/none", tmp_path / "raw", portal.port, ("990104",),
        {"XXGK_DATABASE": "off"},
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-4000:]
    assert "'item_scraped_count': " in done.stderr
    assert "Starting download handler" not in done.stderr
    assert "first browser request" not in done.stderr
    assert "playwright/" not in done.stderr  # no browser stats at all
    assert portal.request_count("990104") > 1
