"""The TRS 6-argument pager: the `trs_classic` adapter on site 990106's pages, and a crawl end to end.

Site 990106 (样本乙市) lists 25 reports and 4 解读/图解 pages, 10 a page, as `list.shtml`, `list_2.shtml`,
`list_3.shtml`, each page calling `createPageHTML('page_div', 3, k, 'list', 'shtml', 29)` with k 1-based.
Reports whose doc id is a multiple of 7 link their PDF edition (`./P0….pdf`).
"""

from __future__ import annotations

import urllib.error
import urllib.request
from collections.abc import Iterator
from urllib.parse import urljoin

import pytest
from scrapy import Request

from crawler.families import ListingLink, adapter_for
from crawler.families.trs_classic import Pager, TrsClassic, parse_pager
from crawler.registry import Region, load_registry
from crawler.sampleportal import SamplePortal
from crawler.sampleportal.chrome import Entry
from crawler.sampleportal.families import trs_sixarg as trs6
from tests.html_family_crawl import Crawl, crawled, day, table_images
from tests.listing_walk import fetch, walk
from tests.pg_fixtures import PgServer

CODE = "990106"


def region(portal: SamplePortal) -> Region:
    found = load_registry(sample_port=portal.port).get(CODE)
    assert found is not None and found.family == "trs_classic"
    return found


def links(portal: SamplePortal, shown: list[Entry]) -> list[ListingLink]:
    base = portal.base_url(CODE)
    return [ListingLink(base + trs6.detail_path(e), e.title, e.listing_date) for e in shown]


# ---------------------------------------------------------------------------------------------------------
# The adapter on the portal's pages
# ---------------------------------------------------------------------------------------------------------


def test_the_pager_call_is_read_as_one_based(portal: SamplePortal) -> None:
    [first, second, third] = portal.listing_urls(CODE)
    assert first.endswith("/zwgk/zfxxgkndbg/list.shtml") and third.endswith("/list_3.shtml")
    for index, url in enumerate((first, second, third)):
        html = fetch(Request(url)).text
        assert f"createPageHTML('page_div', 3, {index + 1}, 'list', 'shtml', 29);" in html
        assert parse_pager(html) == Pager(total=3, current=index, stem="list", suffix="shtml", one_based=True)
    assert [Pager(3, 0, "list", "shtml", True).file_name(n) for n in range(3)] == [
        "list.shtml",
        "list_2.shtml",
        "list_3.shtml",
    ]


def test_the_first_page_requests_list_2_and_list_3(portal: SamplePortal) -> None:
    adapter = adapter_for(region(portal))
    assert isinstance(adapter, TrsClassic)
    [first] = adapter.first_requests()
    page = adapter.parse_listing(fetch(first))
    assert [r.url for r in page.next_requests] == portal.listing_urls(CODE)[1:]
    assert page.links == links(portal, portal.site(CODE).entries()[:10])


def test_the_last_page_requests_nothing(portal: SamplePortal) -> None:
    adapter = adapter_for(region(portal))
    last = portal.listing_urls(CODE)[2]
    page = adapter.parse_listing(fetch(Request(last, meta={"listing_root": region(portal).listings[0]})))
    assert page.next_requests == []
    assert page.links == links(portal, portal.site(CODE).entries()[20:])


def test_walking_the_column_finds_every_item_once_in_order(portal: SamplePortal) -> None:
    done = walk(region(portal))
    assert [link for link, _ in done.links] == links(portal, portal.site(CODE).entries())
    assert [url for _, url in done.requests] == portal.listing_urls(CODE)


def test_the_first_page_has_no_number(portal: SamplePortal) -> None:
    base = portal.base_url(CODE) + trs6.COLUMN_DIR
    for missing in ("list_1.shtml", "list_4.shtml", "index.shtml"):
        with pytest.raises(urllib.error.HTTPError) as caught:
            urllib.request.urlopen(base + missing, timeout=10)
        assert caught.value.code == 404, missing


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
    order = [e.doc_id for e in site.entries()]
    expected = {}
    for report in site.reports:
        entry = site.entry(report.doc_id)
        assert entry is not None
        listing = pages[order.index(entry.doc_id) // trs6.PER_PAGE]
        expected[base + trs6.detail_path(entry)] = (
            "html", listing, entry.listing_date, day(entry.published), report.title, report.publish_date,
        )  # fmt: skip
    assert len(expected) == 25
    assert {
        url: (r.kind, r.listing_url, r.listing_date, r.page_date, r.title, r.publish_date)
        for url, r in crawl.reports().items()
    } == expected
    assert crawl.failures() == set()


@pytest.mark.postgres
def test_crawl_keeps_the_pdf_editions_and_table_images(crawl: Crawl) -> None:
    site = crawl.portal.site(CODE)
    base = crawl.portal.base_url(CODE)
    expected: dict[str, tuple[str, str]] = {}
    pdfs = []
    for report in site.reports:
        entry = site.entry(report.doc_id)
        assert entry is not None
        page = base + trs6.detail_path(entry)
        pdf = trs6.pdf_edition(entry)
        if pdf is not None:
            expected[urljoin(page, pdf)] = (page, "pdf")
            pdfs.append(urljoin(page, pdf))
        expected.update(table_images(page, report))
    assert len(pdfs) == 4  # reports 1001, 1008, 1015, 1022
    stored = crawl.attachments()
    assert {url: (r.parent_url, r.kind) for url, r in stored.items()} == expected
    for url in pdfs:
        with urllib.request.urlopen(url, timeout=10) as reply:
            size = len(reply.read())
        # No Content-Disposition: the file's name is the last segment of its URL.
        assert (stored[url].content_type, stored[url].file_name, stored[url].size) == (
            "application/pdf",
            url.rsplit("/", 1)[1],
            size,
        )


@pytest.mark.postgres
def test_crawl_reads_the_three_pages_once_and_skips_the_interpretations(crawl: Crawl) -> None:
    gets = crawl.gets(CODE)
    listings = [p for p in gets if p.rsplit("/", 1)[1].startswith("list")]
    assert listings[0] == "/zwgk/zfxxgkndbg/list.shtml"
    assert sorted(listings[1:]) == ["/zwgk/zfxxgkndbg/list_2.shtml", "/zwgk/zfxxgkndbg/list_3.shtml"]
    interpretations = {trs6.detail_path(e) for e in crawl.portal.site(CODE).entries() if e.doc_id >= 2001}
    assert len(interpretations) == 4 and not interpretations & set(gets)
    assert len(gets) == len(set(gets))
    stats = crawl.stats()
    assert (stats["listing/pages"], stats["listing/skipped/interpretation"]) == (3, 4)
