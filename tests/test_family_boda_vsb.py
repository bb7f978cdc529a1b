"""The Boda VSB family: the adapter on the sample portal's own pages, and a crawl of 990105 end to end.

Site 990105 (样本甲市) lists 25 reports, 4 解读/图解 pages and a withdrawn report, 8 rows a page: the first
page `/zfxxgk/zfxxgknb.htm`, then `zfxxgknb/3.htm`, `2.htm`, `1.htm` (reverse-numbered). Reports 1001, 1006 …
are attachment-only (PDF and DOCX alternately), reports 1003, 1008 … also link their PDF; attachments come
from the extension-less `download.jsp` with the name in Content-Disposition.
"""

from __future__ import annotations

import datetime as dt
import urllib.error
import urllib.request
from collections.abc import Iterator
from email.message import Message
from urllib.parse import unquote

import pytest
from scrapy import Request
from scrapy.http import HtmlResponse

from crawler.families import ListingError, ListingLink, adapter_for
from crawler.families.boda_vsb import BodaVsb, parse_pager
from crawler.registry import Region, load_registry
from crawler.sampleportal import SamplePortal
from crawler.sampleportal.chrome import Entry
from crawler.sampleportal.families import boda_vsb as vsb
from crawler.sampleportal.families.html_shared import WITHDRAWN_ID, column_entries
from tests.html_family_crawl import Crawl, crawled, day, table_images
from tests.listing_walk import fetch, walk
from tests.pg_fixtures import PgServer

CODE = "990105"
DELETED = "deleted: refreshes to the column"


def region(portal: SamplePortal) -> Region:
    found = load_registry(sample_port=portal.port).get(CODE)
    assert found is not None and found.family == "boda_vsb"
    return found


def entries(portal: SamplePortal) -> list[Entry]:
    return column_entries(portal.site(CODE), withdrawn=True)


def links(portal: SamplePortal, shown: list[Entry]) -> list[ListingLink]:
    base = portal.base_url(CODE)
    return [ListingLink(base + vsb.detail_path(e), e.title, e.listing_date) for e in shown]


# ---------------------------------------------------------------------------------------------------------
# The adapter on the portal's pages
# ---------------------------------------------------------------------------------------------------------


def test_the_first_page_fans_out_to_the_reverse_numbered_pages(portal: SamplePortal) -> None:
    adapter = adapter_for(region(portal))
    [first] = adapter.first_requests()
    page = adapter.parse_listing(fetch(first))
    base = portal.base_url(CODE)
    assert [r.url for r in page.next_requests] == [
        f"{base}/zfxxgk/zfxxgknb/3.htm",
        f"{base}/zfxxgk/zfxxgknb/2.htm",
        f"{base}/zfxxgk/zfxxgknb/1.htm",
    ]
    assert [r.url for r in page.next_requests] == portal.listing_urls(CODE)[1:]
    assert all(r.meta["listing_root"] == first.url for r in page.next_requests)
    assert page.links == links(portal, entries(portal)[:8])


def test_a_later_page_lists_its_rows_and_requests_nothing(portal: SamplePortal) -> None:
    adapter = adapter_for(region(portal))
    root = region(portal).listings[0]
    url = f"{portal.base_url(CODE)}/zfxxgk/zfxxgknb/3.htm"  # page 2 of 4
    page = adapter.parse_listing(fetch(Request(url, meta={"listing_root": root})))
    assert page.next_requests == []
    # Rows of a page inside the folder link ../../info/…: they resolve to the same detail pages.
    assert page.links == links(portal, entries(portal)[8:16])


def test_walking_the_column_finds_every_item_once_in_order(portal: SamplePortal) -> None:
    done = walk(region(portal))
    assert [link for link, _ in done.links] == links(portal, entries(portal))
    assert len(done.links) == 30  # 25 reports, 4 解读/图解, the withdrawn one
    assert [url for _, url in done.requests] == portal.listing_urls(CODE)
    pages = portal.listing_urls(CODE)
    assert [listing for _, listing in done.links] == [pages[n // vsb.PER_PAGE] for n in range(30)]


ROOT = "http://vsb.example/xxgk/ndbg.htm"
BARE = Region(code=CODE, name="样本甲市", family="boda_vsb", listings=(ROOT,))
ROW = '<ul><li><a href="../info/1/2.htm">甲2023年度报告</a><span>2024-01-02</span></li></ul>'


def _page(pager: str, url: str = ROOT) -> HtmlResponse:
    body = f"<html><body>{ROW}{pager}</body></html>".encode()
    return HtmlResponse(url, body=body, encoding="utf-8", request=Request(url, meta={"listing_root": ROOT}))


def _next(href: str) -> str:
    return f'<span class="p_pages"><span class="p_next p_fun"><a href="{href}">下页</a></span></span>'


def test_an_a_p_next_pager_with_eleven_pages() -> None:
    pager = (
        '<div><span class="p_t">共107条</span><span class="p_pages"><span class="p_no_d">1</span>'
        '<a class="p_no" href="ndbg/10.htm">2</a><a class="p_next" href="ndbg/10.htm">下页</a>'
        '<a class="p_last" href="ndbg/1.htm">尾页</a></span><span class="p_t">1/11</span></div>'
    )
    page = BodaVsb(BARE).parse_listing(_page(pager))
    assert [r.url for r in page.next_requests] == [
        f"http://vsb.example/xxgk/ndbg/{n}.htm" for n in range(10, 0, -1)
    ]
    assert page.links == [
        ListingLink("http://vsb.example/info/1/2.htm", "甲2023年度报告", dt.date(2024, 1, 2))
    ]


def test_a_pager_whose_count_disagrees_with_its_next_file_is_refused() -> None:
    pager = _next("ndbg/10.htm") + '<span class="p_t">1/5</span>'
    with pytest.raises(ListingError, match=r"pager says 5 pages but page 2 is file 10\.htm"):
        BodaVsb(BARE).parse_listing(_page(pager))


def test_without_k_of_n_only_the_registry_page_fans_out() -> None:
    first = BodaVsb(BARE).parse_listing(_page(_next("ndbg/2.htm")))
    assert [r.url for r in first.next_requests] == [
        "http://vsb.example/xxgk/ndbg/2.htm",
        "http://vsb.example/xxgk/ndbg/1.htm",
    ]
    later = BodaVsb(BARE).parse_listing(_page(_next("1.htm"), "http://vsb.example/xxgk/ndbg/2.htm"))
    assert later.next_requests == []


def test_a_page_without_pager_is_a_single_page() -> None:
    assert parse_pager(f"<html><body>{ROW}</body></html>", ROOT) is None
    assert BodaVsb(BARE).parse_listing(_page("")).next_requests == []


# ---------------------------------------------------------------------------------------------------------
# The portal's downloads: no extension, the name only in Content-Disposition
# ---------------------------------------------------------------------------------------------------------


def _download(portal: SamplePortal, file: vsb.Attachment) -> tuple[bytes, Message]:
    with urllib.request.urlopen(portal.base_url(CODE) + file.path, timeout=10) as reply:
        return reply.read(), reply.headers


def test_downloads_name_their_file_in_gbk_or_rfc5987(portal: SamplePortal) -> None:
    site = portal.site(CODE)
    pdf_entry, docx_entry = site.entry(1001), site.entry(1006)
    assert pdf_entry is not None and docx_entry is not None
    [pdf] = vsb.attachments(pdf_entry)
    [docx] = vsb.attachments(docx_entry)
    # The file's kind shows nowhere in its URL.
    assert pdf.path == (
        "/system/_content/download.jsp?urltype=news.DownloadAttachUrl&owner=1548456395&wbfileid=11290011"
    )
    body, headers = _download(portal, pdf)
    assert body.startswith(b"%PDF-1.4") and headers["Content-Type"] == "application/octet-stream"
    # http.client reads header bytes as latin-1: the raw GBK bytes come back from there.
    raw = headers["Content-Disposition"].encode("latin-1")
    assert raw == b'attachment; filename="' + f"{pdf_entry.title}.pdf".encode("gbk") + b'"'
    body, headers = _download(portal, docx)
    assert body.startswith(b"PK\x03\x04")
    value = headers["Content-Disposition"]
    assert unquote(value.split("filename*=UTF-8''", 1)[1]) == f"{docx_entry.title}.docx"


def test_unknown_downloads_are_404(portal: SamplePortal) -> None:
    base = portal.base_url(CODE) + vsb.DOWNLOAD_PATH
    for query in (
        f"urltype=news.DownloadAttachUrl&owner={vsb.OWNER}&wbfileid=99",
        f"urltype=news.DownloadAttachUrl&owner=1&wbfileid={vsb.FILE_ID_BASE + 10011}",
        f"owner={vsb.OWNER}&wbfileid={vsb.FILE_ID_BASE + 10011}",
    ):
        with pytest.raises(urllib.error.HTTPError) as caught:
            urllib.request.urlopen(f"{base}?{query}", timeout=10)
        assert caught.value.code == 404, query


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


def _page_of(portal: SamplePortal, entry: Entry) -> str:
    index = [e.doc_id for e in entries(portal)].index(entry.doc_id)
    return portal.listing_urls(CODE)[index // vsb.PER_PAGE]


@pytest.mark.postgres
def test_crawl_stores_every_report_page_with_its_dates(crawl: Crawl) -> None:
    portal, site = crawl.portal, crawl.portal.site(CODE)
    base = portal.base_url(CODE)
    expected = {}
    for report in site.reports:
        entry = site.entry(report.doc_id)
        assert entry is not None
        expected[base + vsb.detail_path(entry)] = (
            CODE, "html", _page_of(portal, entry), entry.listing_date, day(entry.published),
        )  # fmt: skip
    assert len(expected) == 25
    stored = crawl.reports()
    assert {
        url: (r.region_code, r.kind, r.listing_url, r.listing_date, r.page_date) for url, r in stored.items()
    } == expected
    # Every page is parsed as its report, attachment-only ones too (title and date are on the page; the
    # figures are read from the file: tests/test_crawl_e2e.py).
    for report in site.reports:
        entry = site.entry(report.doc_id)
        assert entry is not None
        row = stored[base + vsb.detail_path(entry)]
        assert (row.parsed_kind, row.title, row.publish_date) == ("report", report.title, report.publish_date)


@pytest.mark.postgres
def test_crawl_keeps_the_extensionless_attachments_and_table_images(crawl: Crawl) -> None:
    portal, site = crawl.portal, crawl.portal.site(CODE)
    base = portal.base_url(CODE)
    expected: dict[str, tuple[str, str]] = {}
    files: dict[str, tuple[str, int]] = {}  # url -> (file name, size)
    for report in site.reports:
        entry = site.entry(report.doc_id)
        assert entry is not None
        page = base + vsb.detail_path(entry)
        for file in vsb.attachments(entry):
            expected[base + file.path] = (page, file.kind)
            files[base + file.path] = (file.name, len(vsb.file_bytes(site, entry, file)))
        if not vsb.attachment_only(entry):
            expected.update(table_images(page, report))
    assert sorted(kind for _, kind in expected.values() if kind != "image") == ["docx"] * 2 + ["pdf"] * 8
    stored = crawl.attachments()
    assert {url: (r.parent_url, r.kind) for url, r in stored.items()} == expected
    for url, (name, size) in files.items():
        row = stored[url]
        assert (row.content_type, row.file_name, row.size) == ("application/octet-stream", name, size)


@pytest.mark.postgres
def test_crawl_records_the_withdrawn_report_and_nothing_else_as_failed(crawl: Crawl) -> None:
    withdrawn = crawl.portal.base_url(CODE) + f"/info/{vsb.TREE}/{WITHDRAWN_ID}.htm"
    assert crawl.failures() == {(withdrawn, DELETED)}
    assert withdrawn not in crawl.reports()


@pytest.mark.postgres
def test_crawl_reads_each_listing_once_and_skips_the_interpretations(crawl: Crawl) -> None:
    gets = crawl.gets(CODE)
    listings = [p for p in gets if p.startswith("/zfxxgk/")]
    assert listings[0] == "/zfxxgk/zfxxgknb.htm"
    assert sorted(listings[1:]) == [
        "/zfxxgk/zfxxgknb/1.htm",
        "/zfxxgk/zfxxgknb/2.htm",
        "/zfxxgk/zfxxgknb/3.htm",
    ]
    site = crawl.portal.site(CODE)
    pages = {f"/info/{vsb.TREE}/{p.doc_id}.htm" for p in site.pages}
    assert len(pages) == 4 and not pages & set(gets)
    assert len(gets) == len(set(gets))  # nothing fetched twice
    stats = crawl.stats()
    assert (stats["listing/pages"], stats["listing/skipped/interpretation"]) == (4, 4)
