"""The legacy shells: the `legacy` adapter on the pages of sites 990109–990112, and one crawl of all four.

- 990109 样本戊县: ASP.NET `xxgk_list.aspx?dept=0&id=ndxxgkbg` paged by `__doPostBack` (GBK);
- 990110 样本己县: a JavaScript redirect stub in front of a static list;
- 990111 样本庚区: the list in a same-host iframe (beside another host's counter iframe);
- 990112 样本辛区: an index of year folders (`gknb2019/` … `2021n/` …), each a small paged list.
Each lists 25 reports and 4 解读/图解 pages.
"""

from __future__ import annotations

import urllib.error
import urllib.request
from collections.abc import Iterator
from urllib.parse import parse_qsl, urlencode

import pytest
from scrapy import FormRequest, Request
from scrapy.http import HtmlResponse

from crawler.families import ListingError, ListingLink, adapter_for
from crawler.families.legacy import Legacy
from crawler.registry import Region, load_registry
from crawler.sampleportal import SamplePortal
from crawler.sampleportal.chrome import Entry
from crawler.sampleportal.families import legacy_aspnet, legacy_iframe, legacy_stub, legacy_years
from tests.html_family_crawl import Crawl, crawled, day, table_images
from tests.listing_walk import fetch, walk
from tests.pg_fixtures import PgServer

ASPNET, STUB, IFRAME, YEARS = "990109", "990110", "990111", "990112"
CODES = (ASPNET, STUB, IFRAME, YEARS)
MODULES = {ASPNET: legacy_aspnet, STUB: legacy_stub, IFRAME: legacy_iframe, YEARS: legacy_years}


def region(portal: SamplePortal, code: str) -> Region:
    found = load_registry(sample_port=portal.port).get(code)
    assert found is not None and found.family == "legacy"
    return found


def links(portal: SamplePortal, code: str, shown: list[Entry]) -> list[ListingLink]:
    base = portal.base_url(code)
    return [ListingLink(base + MODULES[code].detail_path(e), e.title, e.listing_date) for e in shown]


def posted(request: Request) -> dict[str, str]:
    return dict(parse_qsl(request.body.decode(), keep_blank_values=True))


# ---------------------------------------------------------------------------------------------------------
# ASP.NET postbacks
# ---------------------------------------------------------------------------------------------------------


def test_aspnet_pages_post_back_for_the_next_page_with_their_own_view_state(portal: SamplePortal) -> None:
    adapter = adapter_for(region(portal, ASPNET))
    [first] = adapter.first_requests()
    entries = portal.site(ASPNET).entries()
    request = first
    for number in (1, 2, 3):
        page = adapter.parse_listing(fetch(request))
        assert page.links == links(portal, ASPNET, entries[(number - 1) * 10 : number * 10]), number
        if number == 3:
            assert page.next_requests == []
            break
        [request] = page.next_requests
        assert isinstance(request, FormRequest)
        assert (request.method, request.url) == ("POST", first.url)
        state = legacy_aspnet.view_state(number)
        # The page's hidden fields and text box, the pager's event; never the search button.
        assert posted(request) == {
            "__EVENTTARGET": "AspNetPager1",
            "__EVENTARGUMENT": str(number + 1),
            "__VIEWSTATE": state,
            "__VIEWSTATEGENERATOR": "3B6E5A1C",
            "__EVENTVALIDATION": legacy_aspnet.event_validation(state),
            "txtTitle": "",
        }


def test_aspnet_walk_is_one_get_and_two_postbacks(portal: SamplePortal) -> None:
    done = walk(region(portal, ASPNET))
    url = portal.listing_urls(ASPNET)[0]
    assert done.requests == [("GET", url), ("POST", url), ("POST", url)]
    assert [link for link, _ in done.links] == links(portal, ASPNET, portal.site(ASPNET).entries())


def test_aspnet_refuses_a_forged_view_state(portal: SamplePortal) -> None:
    url = portal.listing_urls(ASPNET)[0]
    forged = legacy_aspnet.view_state(2)[:-4] + "AAA="
    for state in (forged, "", "/wEPDwUKLTE2MjQ4bm9wZQ=="):
        form = {"__EVENTTARGET": "AspNetPager1", "__EVENTARGUMENT": "2", "__VIEWSTATE": state}
        form["__EVENTVALIDATION"] = legacy_aspnet.event_validation(state)
        with pytest.raises(urllib.error.HTTPError) as caught:
            urllib.request.urlopen(url, data=urlencode(form).encode(), timeout=10)
        assert caught.value.code == 500
        assert b"Validation of viewstate MAC failed" in caught.value.read()


# ---------------------------------------------------------------------------------------------------------
# Redirect stub, iframe, year folders
# ---------------------------------------------------------------------------------------------------------


def test_the_stub_leads_to_the_real_list(portal: SamplePortal) -> None:
    adapter = adapter_for(region(portal, STUB))
    [stub] = adapter.first_requests()
    page = adapter.parse_listing(fetch(stub))
    base = portal.base_url(STUB)
    assert page.links == []
    assert [r.url for r in page.next_requests] == [base + "/zwgkml/ndbg/index.shtml"]
    done = walk(region(portal, STUB))
    assert [url for _, url in done.requests] == portal.listing_urls(STUB)
    assert [link for link, _ in done.links] == links(portal, STUB, portal.site(STUB).entries())
    # Each row belongs to the real list page it was on, not to the stub.
    assert {listing for _, listing in done.links} == set(portal.listing_urls(STUB)[1:])


def test_a_meta_refresh_stub_is_followed_too() -> None:
    url = "http://stub.example/xxgk/ndbg/"
    refresh = b'<meta http-equiv="refresh" content="0; url=/xxgk/list/index.html">'
    body = b"<html><head>" + refresh + b"</head><body></body></html>"
    adapter = Legacy(
        Region(code=STUB, name="x", family="legacy", listings=(url,), params={"shell": "redirect"})
    )
    page = adapter.parse_listing(HtmlResponse(url, body=body, encoding="utf-8", request=Request(url)))
    assert [r.url for r in page.next_requests] == ["http://stub.example/xxgk/list/index.html"]


def test_the_iframe_list_is_followed_and_other_hosts_frames_are_not(portal: SamplePortal) -> None:
    adapter = adapter_for(region(portal, IFRAME))
    [column] = adapter.first_requests()
    html = fetch(column).text
    assert legacy_iframe.COUNTER_FRAME in html
    page = adapter.parse_listing(fetch(column))
    base = portal.base_url(IFRAME)
    assert [r.url for r in page.next_requests] == [base + "/zfxxgk/ndbg_list.asp?page=1"]
    done = walk(region(portal, IFRAME))
    assert [url for _, url in done.requests] == portal.listing_urls(IFRAME)
    assert [link for link, _ in done.links] == links(portal, IFRAME, portal.site(IFRAME).entries())


def test_the_year_index_leads_to_every_year_folder(portal: SamplePortal) -> None:
    adapter = adapter_for(region(portal, YEARS))
    [index] = adapter.first_requests()
    page = adapter.parse_listing(fetch(index))
    base = portal.base_url(YEARS) + "/xxgk/gknb/"
    folders = ["2025n/", "2024n/", "2023n/", "2022n/", "2021n/", "gknb2020/", "gknb2019/"]
    assert [r.url for r in page.next_requests] == [base + f for f in folders]
    assert (page.links, page.column_links) == ([], 7)
    # A folder's own pager goes on within the folder; it never leads to the other years again.
    folder = adapter.parse_listing(fetch(Request(base + "2023n/", meta={"listing_root": index.url})))
    assert [r.url for r in folder.next_requests] == [base + "2023n/index_1.html"]
    done = walk(region(portal, YEARS))
    assert sorted(url for _, url in done.requests) == sorted(portal.listing_urls(YEARS))
    entries = portal.site(YEARS).entries()
    assert sorted(done.urls) == sorted(link.url for link in links(portal, YEARS, entries))
    assert len(done.urls) == len(set(done.urls)) == 29


def test_a_declared_shell_missing_from_the_page_is_an_error(portal: SamplePortal) -> None:
    iframe_column = region(portal, IFRAME).listings[0]
    declared_years = Region(
        code=IFRAME, name="x", family="legacy", listings=(iframe_column,), params={"shell": "year_folders"}
    )
    with pytest.raises(ListingError, match="declared legacy shell"):
        Legacy(declared_years).parse_listing(fetch(Request(iframe_column)))
    with pytest.raises(ValueError, match="unknown legacy shell"):
        Legacy(
            Region(code=IFRAME, name="x", family="legacy", listings=(iframe_column,), params={"shell": "x"})
        )


# ---------------------------------------------------------------------------------------------------------
# One crawl of the four
# ---------------------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def crawl(
    pg_server: PgServer,
    pg_template: str,
    sample_portal: SamplePortal,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[Crawl]:
    with crawled(pg_server, pg_template, sample_portal, tmp_path_factory, CODES) as done:
        yield done


def _listing_of(portal: SamplePortal, code: str, entry: Entry) -> str:
    """The list page a row was found on (for the ASP.NET postbacks: the list's one URL)."""
    base = portal.base_url(code)
    order = [e.doc_id for e in portal.site(code).entries()]
    if code == ASPNET:
        return portal.listing_urls(ASPNET)[0]
    if code == STUB:
        return portal.listing_urls(STUB)[1 + order.index(entry.doc_id) // legacy_stub.PER_PAGE]
    if code == IFRAME:
        return base + legacy_iframe.list_path(1 + order.index(entry.doc_id) // legacy_iframe.PER_PAGE)
    year = legacy_years.report_year(entry)
    same_year = [e.doc_id for e in portal.site(code).entries() if legacy_years.report_year(e) == year]
    page = same_year.index(entry.doc_id) // legacy_years.PER_PAGE
    return base + (legacy_years.folder(year) if page == 0 else legacy_years.folder_page_path(year, page))


@pytest.mark.postgres
def test_crawl_stores_exactly_the_reports_with_their_dates(crawl: Crawl) -> None:
    expected = {}
    for code in CODES:
        site = crawl.portal.site(code)
        base = crawl.portal.base_url(code)
        for report in site.reports:
            entry = site.entry(report.doc_id)
            assert entry is not None
            expected[base + MODULES[code].detail_path(entry)] = (
                code, _listing_of(crawl.portal, code, entry), entry.listing_date, day(entry.published),
                report.title, report.publish_date,
            )  # fmt: skip
    assert len(expected) == 100
    stored = crawl.reports()
    assert {
        url: (r.region_code, r.listing_url, r.listing_date, r.page_date, r.title, r.publish_date)
        for url, r in stored.items()
    } == expected
    assert {r.content_type for r in stored.values() if r.region_code == ASPNET} == {"text/html; charset=GBK"}
    assert crawl.failures() == set()


@pytest.mark.postgres
def test_crawl_keeps_the_table_images(crawl: Crawl) -> None:
    expected: dict[str, tuple[str, str]] = {}
    for code in CODES:
        site = crawl.portal.site(code)
        for report in site.reports:
            entry = site.entry(report.doc_id)
            assert entry is not None
            expected.update(
                table_images(crawl.portal.base_url(code) + MODULES[code].detail_path(entry), report)
            )
    stored = crawl.attachments()
    assert {url: (r.parent_url, r.kind) for url, r in stored.items()} == expected
    assert {r.content_type for r in stored.values()} == {"image/png"}


@pytest.mark.postgres
def test_crawl_reads_each_shell_as_a_browser_would(crawl: Crawl) -> None:
    aspnet = crawl.served[ASPNET]
    list_path = legacy_aspnet.listing_url_path()
    assert [r for r in aspnet if r[1] == list_path] == [
        ("GET", list_path),
        ("POST", list_path),
        ("POST", list_path),
    ]
    stub = crawl.gets(STUB)
    assert stub[:3] == ["/robots.txt", legacy_stub.STUB_PATH, "/zwgkml/ndbg/index.shtml"]
    iframe = crawl.gets(IFRAME)
    assert [p for p in iframe if p.startswith("/zfxxgk/ndbg")] == [
        "/zfxxgk/ndbg.html",
        "/zfxxgk/ndbg_list.asp?page=1",
        "/zfxxgk/ndbg_list.asp?page=2",
        "/zfxxgk/ndbg_list.asp?page=3",
    ]
    base = crawl.portal.base_url(YEARS)
    years = [
        p
        for p in crawl.gets(YEARS)
        if p.startswith("/xxgk/gknb/") and "/t20" not in p and not p.endswith(".png")
    ]
    assert sorted(years) == sorted(u.removeprefix(base) for u in crawl.portal.listing_urls(YEARS))
    for code in CODES:
        gets = crawl.gets(code)
        assert len(gets) == len(set(gets)), code
        interpretations = {
            MODULES[code].detail_path(e) for e in crawl.portal.site(code).entries() if e.doc_id >= 2001
        }
        assert len(interpretations) == 4 and not interpretations & set(gets), code
    assert crawl.stats()["listing/skipped/interpretation"] == 16
