"""The Hanweb xxgk module: the adapter on site 990108's pages, and a crawl end to end.

Site 990108 (样本丁县) has a column page `/col/col1229500001/index.html` holding the module's hidden
searchform; its 29 rows (25 reports, 4 解读/图解) come from POST `/module/xxgk/search.jsp`, 10 a page by
`currpage`. The module's annual-report pages `xxgkAnnualReport.jsp?fbtime=YYYY&area=…` list the same items
by year of publication.
"""

from __future__ import annotations

import datetime as dt
import urllib.error
import urllib.request
from collections.abc import Iterator
from urllib.parse import parse_qsl, urlencode

import pytest
from scrapy import FormRequest, Request
from scrapy.http import HtmlResponse

from crawler.families import ListingError, ListingLink, adapter_for
from crawler.families.hanweb_xxgk import REPLY_META, YEAR_META, HanwebXxgk
from crawler.registry import Region, load_registry
from crawler.sampleportal import SamplePortal
from crawler.sampleportal.chrome import Entry
from crawler.sampleportal.families import hanweb_xxgk as xxgk
from tests.html_family_crawl import Crawl, crawled, day
from tests.listing_walk import fetch, walk
from tests.pg_fixtures import PgServer

CODE = "990108"
FORM = {
    "infotypeId": "A0104",
    "jdid": "3",
    "area": "11330199MB1234567X",
    "divid": "div1229500001",
    "sortfield": "compaltedate:0",
    "currpage": "1",
    "vc_title": "",
}


def region(portal: SamplePortal) -> Region:
    found = load_registry(sample_port=portal.port).get(CODE)
    assert found is not None and found.family == "hanweb_xxgk"
    return found


def links(portal: SamplePortal, shown: list[Entry]) -> list[ListingLink]:
    base = portal.base_url(CODE)
    return [ListingLink(base + xxgk.detail_path(e), e.title, e.listing_date) for e in shown]


def posted(request: Request) -> dict[str, str]:
    return dict(parse_qsl(request.body.decode(), keep_blank_values=True))


# ---------------------------------------------------------------------------------------------------------
# The adapter on the portal's pages
# ---------------------------------------------------------------------------------------------------------


def test_the_column_page_posts_its_searchform(portal: SamplePortal) -> None:
    adapter = adapter_for(region(portal))
    [column] = adapter.first_requests()
    page = adapter.parse_listing(fetch(column))
    assert page.links == []
    [search] = page.next_requests
    assert isinstance(search, FormRequest)
    assert (search.method, search.url) == ("POST", portal.base_url(CODE) + "/module/xxgk/search.jsp")
    assert posted(search) == FORM
    assert (search.meta[REPLY_META], search.meta["listing_root"]) == (True, column.url)


def test_the_first_reply_lists_ten_rows_and_posts_the_other_pages(portal: SamplePortal) -> None:
    adapter = adapter_for(region(portal))
    [column] = adapter.first_requests()
    [search] = adapter.parse_listing(fetch(column)).next_requests
    page = adapter.parse_listing(fetch(search))
    entries = portal.site(CODE).entries()
    assert page.links == links(portal, entries[:10])
    assert page.listing_url == column.url
    assert [posted(r) for r in page.next_requests] == [FORM | {"currpage": "2"}, FORM | {"currpage": "3"}]
    second = adapter.parse_listing(fetch(page.next_requests[0]))
    assert second.links == links(portal, entries[10:20])
    assert second.next_requests == []


def test_walking_the_column_finds_every_item_once(portal: SamplePortal) -> None:
    done = walk(region(portal))
    assert [link for link, _ in done.links] == links(portal, portal.site(CODE).entries())
    base = portal.base_url(CODE)
    assert done.requests == [
        ("GET", base + xxgk.COLUMN_PATH),
        ("POST", base + xxgk.SEARCH_PATH),
        ("POST", base + xxgk.SEARCH_PATH),
        ("POST", base + xxgk.SEARCH_PATH),
    ]
    assert {listing for _, listing in done.links} == {base + xxgk.COLUMN_PATH}


def test_the_annual_report_pages_list_the_same_items_by_year(portal: SamplePortal) -> None:
    entries = portal.site(CODE).entries()
    years = sorted({e.listing_date.year for e in entries}, reverse=True)
    base = portal.base_url(CODE)
    annual = Region(
        code=CODE, name="样本丁县", family="hanweb_xxgk", listings=(base + xxgk.annual_path(years[0]),)
    )
    adapter = HanwebXxgk(annual)
    [first] = adapter.first_requests()
    page = adapter.parse_listing(fetch(first))
    assert page.links == links(portal, [e for e in entries if e.listing_date.year == years[0]])
    assert [r.url for r in page.next_requests] == [base + xxgk.annual_path(y) for y in years[1:]]
    assert all(r.meta[YEAR_META] for r in page.next_requests)
    # A year page requested from the first one requests no more years.
    assert adapter.parse_listing(fetch(page.next_requests[0])).next_requests == []
    done = walk(annual)
    assert sorted(done.urls) == sorted(link.url for link in links(portal, entries))
    assert [url for _, url in done.requests] == [base + xxgk.annual_path(y) for y in years]
    assert years == [2026, 2025, 2023, 2022, 2021, 2020]  # no report was published in 2024


def test_the_module_answers_only_posts_with_the_columns_fields(portal: SamplePortal) -> None:
    url = portal.base_url(CODE) + xxgk.SEARCH_PATH
    with pytest.raises(urllib.error.HTTPError) as caught:
        urllib.request.urlopen(url, timeout=10)
    assert caught.value.code == 400
    wrong_area = urlencode(FORM | {"area": "000"}).encode()
    with urllib.request.urlopen(url, data=wrong_area, timeout=10) as reply:
        assert "暂无信息" in reply.read().decode("utf-8")


def _column(body: str) -> HtmlResponse:
    url = "http://xxgk.example/col/col1/index.html"
    return HtmlResponse(url, body=body.encode(), encoding="utf-8", request=Request(url))


BARE = Region(
    code=CODE, name="样本丁县", family="hanweb_xxgk", listings=("http://xxgk.example/col/col1/index.html",)
)


def test_a_column_without_the_searchform_is_not_this_family() -> None:
    with pytest.raises(ListingError, match=r"no searchform posting to /module/xxgk/search\.jsp"):
        HanwebXxgk(BARE).parse_listing(_column("<html><body><ul><li>x</li></ul></body></html>"))
    form = (
        '<form action="/module/xxgk/search.jsp" method="post">'
        '<input type="hidden" name="infotypeId" value="A"><input type="hidden" name="jdid" value="3">'
        '<input type="hidden" name="divid" value="d"></form>'
    )
    with pytest.raises(ListingError, match="the searchform has no area"):
        HanwebXxgk(BARE).parse_listing(_column(f"<html><body>{form}</body></html>"))


def test_a_reply_states_its_pages_or_links_them() -> None:
    request = FormRequest(
        "http://xxgk.example/module/xxgk/search.jsp",
        formdata=FORM,
        meta={REPLY_META: True, "listing_root": BARE.listings[0]},
    )
    row = (
        '<tr><td>1</td><td><a href="/art/2024/2/5/art_1_9.html" '
        'title="丁2023年政府信息公开工作年度报告">丁…</a></td><td>丁县教育局</td><td>2024-02-05</td></tr>'
    )
    linked = "".join(f'<a onclick="searchsubmit({n})">{n}</a>' for n in (2, 3, 4))
    body = f"<table>{row}</table><div>{linked}</div>"
    reply = HtmlResponse(request.url, body=body.encode(), encoding="utf-8", request=request)
    page = HanwebXxgk(BARE).parse_listing(reply)
    assert [posted(r)["currpage"] for r in page.next_requests] == ["2", "3", "4"]
    assert page.links == [
        ListingLink(
            "http://xxgk.example/art/2024/2/5/art_1_9.html",
            "丁2023年政府信息公开工作年度报告",
            dt.date(2024, 2, 5),
        )
    ]
    contradiction = body + "<div>共30条记录 当前第1/2页</div>"
    reply = HtmlResponse(request.url, body=contradiction.encode(), encoding="utf-8", request=request)
    with pytest.raises(ListingError, match=r"pager says 2 pages but links searchsubmit\(4\)"):
        HanwebXxgk(BARE).parse_listing(reply)


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
    expected = {}
    for report in site.reports:
        entry = site.entry(report.doc_id)
        assert entry is not None
        # Rows posted back by search.jsp belong to the column page that asked for them.
        expected[base + xxgk.detail_path(entry)] = (
            "html", base + xxgk.COLUMN_PATH, entry.listing_date, day(entry.published), report.title,
            report.publish_date,
        )  # fmt: skip
    assert len(expected) == 25
    assert {
        url: (r.kind, r.listing_url, r.listing_date, r.page_date, r.title, r.publish_date)
        for url, r in crawl.reports().items()
    } == expected
    assert crawl.failures() == set()


@pytest.mark.postgres
def test_crawl_posts_the_module_three_times(crawl: Crawl) -> None:
    served = crawl.served[CODE]
    assert [r for r in served if r[0] == "POST"] == [("POST", xxgk.SEARCH_PATH)] * 3
    assert crawl.gets(CODE)[:2] == ["/robots.txt", xxgk.COLUMN_PATH]
    interpretations = {xxgk.detail_path(e) for e in crawl.portal.site(CODE).entries() if e.doc_id >= 2001}
    assert len(interpretations) == 4 and not interpretations & set(crawl.gets(CODE))
    stats = crawl.stats()
    assert (stats["listing/pages"], stats["listing/skipped/interpretation"]) == (4, 4)
