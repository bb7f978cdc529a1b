"""The Liaoning date-path family: the adapter on site 990107's pages, and a crawl end to end.

Site 990107 (样本丙县) lists 25 reports, 4 解读/图解 pages and a withdrawn report, 10 a page:
`/html/1843/index.html`, `list-2.html`, `list-3.html`, each with a 下一页 link. Items listed from 2023 on live
at `/{YYYY_MM}/{DD_HH}/content-{id}.html`, older ones at `/html/1843/{YYYYMMDD}/content-{id}.html`.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator

import pytest
from scrapy import Request
from scrapy.http import HtmlResponse

from crawler.families import ListingLink, adapter_for
from crawler.families.liaoning_datepath import LiaoningDatepath
from crawler.registry import Region, load_registry
from crawler.sampleportal import SamplePortal
from crawler.sampleportal.chrome import Entry
from crawler.sampleportal.families import liaoning_datepath as ln
from crawler.sampleportal.families.html_shared import WITHDRAWN_ID, column_entries
from tests.html_family_crawl import Crawl, crawled, day
from tests.listing_walk import fetch, walk
from tests.pg_fixtures import PgServer

CODE = "990107"
NEW_SHAPE = re.compile(r"^/(\d{4})_(\d{2})/(\d{2})_(\d{2})/content-(\d+)\.html$")
OLD_SHAPE = re.compile(r"^/html/1843/(\d{8})/content-(\d+)\.html$")


def region(portal: SamplePortal) -> Region:
    found = load_registry(sample_port=portal.port).get(CODE)
    assert found is not None and found.family == "liaoning_datepath"
    return found


def entries(portal: SamplePortal) -> list[Entry]:
    return column_entries(portal.site(CODE), withdrawn=True)


def links(portal: SamplePortal, shown: list[Entry]) -> list[ListingLink]:
    base = portal.base_url(CODE)
    return [ListingLink(base + ln.detail_path(e), e.title, e.listing_date) for e in shown]


# ---------------------------------------------------------------------------------------------------------
# The adapter on the portal's pages
# ---------------------------------------------------------------------------------------------------------


def test_each_page_follows_its_own_next_link(portal: SamplePortal) -> None:
    adapter = adapter_for(region(portal))
    root = region(portal).listings[0]
    pages = portal.listing_urls(CODE)
    assert [u.removeprefix(portal.base_url(CODE)) for u in pages] == [
        "/html/1843/index.html",
        "/html/1843/list-2.html",
        "/html/1843/list-3.html",
    ]
    for number, url in enumerate(pages):
        page = adapter.parse_listing(fetch(Request(url, meta={"listing_root": root})))
        assert [r.url for r in page.next_requests] == pages[number + 1 : number + 2]
        assert all(r.meta["listing_root"] == root for r in page.next_requests)
        assert page.links == links(portal, entries(portal)[number * 10 : (number + 1) * 10])


def test_details_live_under_their_date_and_hour(portal: SamplePortal) -> None:
    done = walk(region(portal))
    assert [link for link, _ in done.links] == links(portal, entries(portal))
    base = portal.base_url(CODE)
    new = old = 0
    for entry in entries(portal):
        path = ln.detail_path(entry)
        if entry.listing_date.year >= 2023:
            m = NEW_SHAPE.match(path)
            assert m is not None, path
            hour = entry.published.hour if entry.published is not None else 9
            assert m.groups()[:4] == (
                f"{entry.listing_date:%Y}",
                f"{entry.listing_date:%m}",
                f"{entry.listing_date:%d}",
                f"{hour:02d}",
            )
            new += 1
        else:
            m = OLD_SHAPE.match(path)
            assert m is not None and m.group(1) == f"{entry.listing_date:%Y%m%d}", path
            old += 1
        assert int(m.groups()[-1]) == ln.CONTENT_ID_BASE + entry.doc_id
        assert base + path in done.urls
    assert (new, old) == (19, 11)  # both shapes, as the generator's dates fall


def _page(url: str, pager: str) -> HtmlResponse:
    body = (
        '<html><body><ul><li><a href="/2023_01/19_15/content-399013.html" '
        'title="丙2022年政府信息公开工作年度报告">'
        f"丙2022年…</a>[2023-01-19]</li></ul>{pager}</body></html>"
    )
    root = "http://ln.example/html/1/index.html"
    return HtmlResponse(
        url, body=body.encode(), encoding="utf-8", request=Request(url, meta={"listing_root": root})
    )


BARE = Region(
    code=CODE, name="样本丙县", family="liaoning_datepath", listings=("http://ln.example/html/1/index.html",)
)


def test_any_next_link_wording_and_file_name_is_followed() -> None:
    adapter = LiaoningDatepath(BARE)
    page = adapter.parse_listing(_page(BARE.listings[0], '<a href="index_1.html">[下一頁]</a>'))
    assert [r.url for r in page.next_requests] == ["http://ln.example/html/1/index_1.html"]
    assert page.links == [
        ListingLink(
            "http://ln.example/2023_01/19_15/content-399013.html",
            "丙2022年政府信息公开工作年度报告",
            dt.date(2023, 1, 19),
        )
    ]


def test_a_last_page_linking_itself_requests_nothing() -> None:
    url = "http://ln.example/html/1/list-9.html"
    page = LiaoningDatepath(BARE).parse_listing(_page(url, '<a href="list-9.html">下一页</a>'))
    assert page.next_requests == []
    page = LiaoningDatepath(BARE).parse_listing(
        _page(url, "<span>下一页</span> <a href='javascript:;'>下页</a>")
    )
    assert page.next_requests == []


# ---------------------------------------------------------------------------------------------------------
# The crawl
# ---------------------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def crawl(
    pg_server: PgServer,
    pg_template: str,
    sample_portal: SamplePortal,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[Crawl]:
    with crawled(pg_server, pg_template, sample_portal, tmp_path_factory, (CODE,)) as done:
        yield done


@pytest.mark.postgres
def test_crawl_stores_exactly_the_reports_with_their_dates(crawl: Crawl) -> None:
    site = crawl.portal.site(CODE)
    base = crawl.portal.base_url(CODE)
    pages = crawl.portal.listing_urls(CODE)
    order = [e.doc_id for e in entries(crawl.portal)]
    expected = {}
    for report in site.reports:
        entry = site.entry(report.doc_id)
        assert entry is not None
        expected[base + ln.detail_path(entry)] = (
            "html", pages[order.index(entry.doc_id) // ln.PER_PAGE], entry.listing_date, day(entry.published),
            report.title, report.publish_date,
        )  # fmt: skip
    assert len(expected) == 25
    assert {
        url: (r.kind, r.listing_url, r.listing_date, r.page_date, r.title, r.publish_date)
        for url, r in crawl.reports().items()
    } == expected


@pytest.mark.postgres
def test_crawl_records_the_withdrawn_report_as_deleted(crawl: Crawl) -> None:
    [withdrawn] = [e for e in entries(crawl.portal) if e.doc_id == WITHDRAWN_ID]
    url = crawl.portal.base_url(CODE) + ln.detail_path(withdrawn)
    assert url.endswith("/2023_03/01_09/content-401001.html")
    assert crawl.failures() == {(url, "deleted: refreshes to the column")}


@pytest.mark.postgres
def test_crawl_follows_the_pager_in_order(crawl: Crawl) -> None:
    gets = crawl.gets(CODE)
    assert [p for p in gets if re.fullmatch(r"/html/1843/[^/]+\.html", p)] == [
        "/html/1843/index.html",
        "/html/1843/list-2.html",
        "/html/1843/list-3.html",
    ]
    assert len(gets) == len(set(gets))
    interpretations = {ln.detail_path(e) for e in entries(crawl.portal) if 2001 <= e.doc_id < 3000}
    assert len(interpretations) == 4 and not interpretations & set(gets)
    stats = crawl.stats()
    assert (stats["listing/pages"], stats["listing/skipped/interpretation"]) == (3, 4)
