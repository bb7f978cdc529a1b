"""The Guangdong gkmlpt family: the adapter on the sample portal's own pages, and a crawl end to end.

Sites 990114 (样本湾市, the `/gkmlpt/annualreport` page, category from the registry) and 990115 (样本湾区, a
catalogue column `/gkmlpt/index#2975`, category from the fragment) serve JavaScript shells setting
`window._CONFIG.SID`, the `/gkmlpt/api/all/{cat}?page=N&sid=…` JSON in pages of 10 with epoch times of
early-morning Beijing publications, detail pages `/gkmlpt/content/a/b/post_{id}.html`, and a PDF for every
third report at `/attachment/0/a/b/{id}.pdf`.
"""

from __future__ import annotations

import datetime as dt
import json
import subprocess
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urljoin, urlsplit

import pytest
from scrapy import Request
from scrapy.http import HtmlResponse, Response, TextResponse
from sqlalchemy import Engine, create_engine

from crawler.families import ListingError, ListingLink, adapter_for
from crawler.families.gkmlpt import REPLY_META, Gkmlpt, api_url, publish_date
from crawler.registry import Region, load_registry
from crawler.sampleportal import SamplePortal
from crawler.sampleportal.chrome import Entry
from crawler.sampleportal.families import gkmlpt as portal_gkmlpt
from crawler.sampleportal.render import image_src
from parsers.metadata import page_publish_date
from tests.pg_fixtures import PgServer
from tests.test_crawl_e2e import rows, run_crawl, scalar

ANNUAL = "990114"  # /gkmlpt/annualreport, params.cat
COLUMN = "990115"  # /gkmlpt/index#2975
CODES = (ANNUAL, COLUMN)
SIDS = {ANNUAL: "755101", COLUMN: "755315"}


def region(code: str, port: int) -> Region:
    found = load_registry(sample_port=port).get(code)
    assert found is not None
    return found


def fetch(request: Request) -> Response:
    opener = urllib.request.Request(request.url, headers={"User-Agent": "xxgk-tests/1.0"})
    with urllib.request.urlopen(opener, timeout=10) as reply:
        body, content_type = reply.read(), reply.headers["Content-Type"]
    cls = HtmlResponse if content_type.startswith("text/html") else TextResponse
    return cls(request.url, body=body, headers={"Content-Type": content_type}, request=request)


def expected_links(portal: SamplePortal, code: str, entries: list[Entry]) -> list[ListingLink]:
    base = portal.base_url(code)
    return [ListingLink(base + portal_gkmlpt.detail_path(e), e.title, e.listing_date) for e in entries]


def listing(portal: SamplePortal, code: str) -> str:
    return region(code, portal.port).listings[0]


# ---------------------------------------------------------------------------------------------------------
# The adapter on the portal's pages
# ---------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("code", CODES)
def test_the_shell_page_gives_the_api_request_with_its_sid_and_category(
    portal: SamplePortal, code: str
) -> None:
    adapter = adapter_for(region(code, portal.port))
    assert isinstance(adapter, Gkmlpt)
    [start] = adapter.first_requests()
    page = adapter.parse_listing(fetch(start))
    assert page.links == []
    [api] = page.next_requests
    base = portal.base_url(code)
    assert api.url == f"{base}/gkmlpt/api/all/2975?page=1&sid={SIDS[code]}"
    assert api.meta == {REPLY_META: True, "listing_root": listing(portal, code)}


@pytest.mark.parametrize("code", CODES)
def test_api_pages_give_every_article_with_its_beijing_date(portal: SamplePortal, code: str) -> None:
    adapter = adapter_for(region(code, portal.port))
    [api] = adapter.parse_listing(fetch(adapter.first_requests()[0])).next_requests
    first = adapter.parse_listing(fetch(api))
    entries = portal.site(code).entries()
    assert len(entries) == 29  # 25 reports, 4 解读/图解 pages: pages of 10, 10 and 9
    assert first.links == expected_links(portal, code, entries[:10])
    assert first.listing_url == listing(portal, code)
    base = portal.base_url(code)
    assert [r.url for r in first.next_requests] == [
        f"{base}/gkmlpt/api/all/2975?page={n}&sid={SIDS[code]}" for n in (2, 3)
    ]
    second, third = (adapter.parse_listing(fetch(r)) for r in first.next_requests)
    assert second.links == expected_links(portal, code, entries[10:20])
    assert third.links == expected_links(portal, code, entries[20:])
    assert second.next_requests == third.next_requests == []


def test_every_listing_date_would_be_a_day_early_read_as_utc(portal: SamplePortal) -> None:
    """The sample's times are 00:00–07:59 Beijing time: the Beijing date is right, the UTC date never."""
    [api] = (
        adapter_for(region(ANNUAL, portal.port))
        .parse_listing(fetch(Request(listing(portal, ANNUAL))))
        .next_requests
    )
    articles = json.loads(fetch(api).body)["articles"]
    entries = {portal_gkmlpt.post_id(e.doc_id): e for e in portal.site(ANNUAL).entries()}
    for article in articles:
        entry = entries[article["id"]]
        stamp = article["display_publish_time"]
        assert publish_date(article) == entry.listing_date
        assert dt.datetime.fromtimestamp(stamp, dt.UTC).date() == entry.listing_date - dt.timedelta(days=1)


@pytest.mark.parametrize(
    ("article", "date"),
    [
        ({"display_publish_time": 1707089400}, dt.date(2024, 2, 5)),  # 2024-02-05 07:30 +08:00
        ({"display_publish_time": 1707091200}, dt.date(2024, 2, 5)),  # 08:00 +08:00 = 00:00 UTC
        ({"display_publish_time": 1707148799}, dt.date(2024, 2, 5)),  # 23:59:59 +08:00
        ({"display_publish_time": 1707089400000}, dt.date(2024, 2, 5)),  # milliseconds
        ({"display_publish_time": "1707089400"}, dt.date(2024, 2, 5)),
        ({"display_publish_time": 0, "first_publish_time": 1707148800}, dt.date(2024, 2, 6)),
        ({"create_time": 1707060000}, dt.date(2024, 2, 4)),  # 2024-02-04 23:20 +08:00
        ({"title": "无时间"}, None),
        ({"display_publish_time": True}, None),
    ],
)
def test_publish_date_is_the_beijing_date_of_the_epoch(
    article: dict[str, object], date: dt.date | None
) -> None:
    assert publish_date(article) == date


def test_the_api_sits_beside_the_pages_gkmlpt_directory() -> None:
    assert (
        api_url("http://www.szlh.gov.cn/lhqkjhgyxxhj/gkmlpt/index", "2975", 1, "755325")
        == "http://www.szlh.gov.cn/lhqkjhgyxxhj/gkmlpt/api/all/2975?page=1&sid=755325"
    )
    assert (
        api_url("http://www.sz.gov.cn/gkmlpt/annualreport", "11", 2, "755001")
        == "http://www.sz.gov.cn/gkmlpt/api/all/11?page=2&sid=755001"
    )


@pytest.mark.parametrize("code", CODES)
def test_detail_pages_date_themselves_by_publication_not_by_the_signing_date(
    portal: SamplePortal, code: str
) -> None:
    """The classify table prints 成文日期 (signed) before 发布日期: the page is dated by the latter."""
    site = portal.site(code)
    signed_earlier = 0
    for report in site.reports:
        entry = site.entry(report.doc_id)
        assert entry is not None
        page = fetch(Request(portal.base_url(code) + portal_gkmlpt.detail_path(entry)))
        assert f'成文日期：</td><td class="td-value">{report.sign_date.isoformat()}<' in page.text
        assert page_publish_date(page.text) == report.publish_date == entry.listing_date
        signed_earlier += report.sign_date < report.publish_date
    assert signed_earlier == 25


def _shell(url: str, body: bytes) -> Response:
    return HtmlResponse(url, body=body, encoding="utf-8", request=Request(url))


def test_a_listing_without_a_category_says_how_to_give_one() -> None:
    url = "http://127.0.0.24:8800/gkmlpt/annualreport"
    adapter = Gkmlpt(Region(code=ANNUAL, name="样本湾市", family="gkmlpt", listings=(url,)))
    page = _shell(url, b"<script>window._CONFIG = {SID: '755101', IS_MOBILE: false};</script>")
    with pytest.raises(ListingError, match=r"set params.cat .* …/gkmlpt/index#<category id>"):
        adapter.parse_listing(page)


def test_a_page_without_the_config_or_rows_is_not_gkmlpt() -> None:
    url = "http://127.0.0.24:8800/gkmlpt/index#2975"
    adapter = Gkmlpt(Region(code=ANNUAL, name="样本湾市", family="gkmlpt", listings=(url,)))
    with pytest.raises(ListingError, match=r"no window._CONFIG with a SID and no listed links"):
        adapter.parse_listing(_shell(url, b"<html><body><div>x</div></body></html>"))


STATIC_COLUMN = """<html><head><meta charset="utf-8"><title>年度报告</title></head><body>
<ul class="list">
<li><a href="/gkmlpt/content/11/11105/post_11105123.html"
       title="深圳市2023年政府信息公开工作年度报告">深圳市2023年…</a>
<span>2024-01-30</span></li>
<li><a href="../content/post_10400001.html">深圳市2022年政府信息公开工作年度报告</a>
<span>2023-01-31</span></li>
</ul>
<div class="page"><a href="index.html">首页</a> <a href="index_3.html">下一页</a>
<a href="index_5.html">尾页</a></div>
</body></html>"""


def test_the_seed_region_shenzhen_reads_its_static_column_and_follows_its_pager() -> None:
    shenzhen = load_registry().get("440300")
    assert shenzhen is not None
    adapter = adapter_for(shenzhen)
    assert isinstance(adapter, Gkmlpt)
    [start] = adapter.first_requests()
    assert start.url == "http://www.sz.gov.cn/cn/xxgk/ndxxgkbg/"
    url = "http://www.sz.gov.cn/cn/xxgk/ndxxgkbg/index_2.html"
    request = Request(url, meta={"listing_root": start.url})
    page = adapter.parse_listing(HtmlResponse(url, body=STATIC_COLUMN.encode(), request=request))
    assert page.links == [
        ListingLink(
            "http://www.sz.gov.cn/gkmlpt/content/11/11105/post_11105123.html",
            "深圳市2023年政府信息公开工作年度报告",
            dt.date(2024, 1, 30),
        ),
        ListingLink(
            "http://www.sz.gov.cn/cn/xxgk/content/post_10400001.html",
            "深圳市2022年政府信息公开工作年度报告",
            dt.date(2023, 1, 31),
        ),
    ]
    [following] = page.next_requests
    assert (following.url, following.meta) == (
        "http://www.sz.gov.cn/cn/xxgk/ndxxgkbg/index_3.html",
        {"listing_root": start.url},
    )


def _reply(url: str, payload: object) -> Response:
    body = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
    return TextResponse(url, body=body, request=Request(url, meta={REPLY_META: True}))


def test_bad_api_replies_are_listing_errors() -> None:
    url = "http://127.0.0.24:8800/gkmlpt/api/all/2975?page=1&sid=755101"
    adapter = Gkmlpt(Region(code=ANNUAL, name="样本湾市", family="gkmlpt", listings=(url,)))
    with pytest.raises(ListingError, match="something other than JSON"):
        adapter.parse_listing(_reply(url, b"<html>blocked</html>"))
    with pytest.raises(ListingError, match="no articles list"):
        adapter.parse_listing(_reply(url, {"total": 3}))
    with pytest.raises(ListingError, match="total 3 but the first page lists no article"):
        adapter.parse_listing(_reply(url, {"total": 3, "articles": []}))
    with pytest.raises(ListingError, match="an article without url or title"):
        adapter.parse_listing(_reply(url, {"total": 1, "articles": [{"id": 1, "title": "年度报告"}]}))


def test_titles_lose_their_markup_and_relative_urls_resolve() -> None:
    url = "http://127.0.0.24:8800/gkmlpt/api/all/2975?page=2&sid=755101"
    adapter = Gkmlpt(Region(code=ANNUAL, name="样本湾市", family="gkmlpt", listings=(url,)))
    article = {"url": "/gkmlpt/content/1/1/post_7.html", "title": "<em>样本</em>2023年 年度报告&amp;附件"}
    page = adapter.parse_listing(_reply(url, {"total": 30, "articles": [article]}))
    assert page.links == [
        ListingLink("http://127.0.0.24:8800/gkmlpt/content/1/1/post_7.html", "样本2023年 年度报告&附件", None)
    ]
    assert page.next_requests == []  # only the first page plans the others


# ---------------------------------------------------------------------------------------------------------
# End to end: scrapy crawl reports -a region=990114,990115 into Postgres
# ---------------------------------------------------------------------------------------------------------


@dataclass
class Crawl:
    engine: Engine
    portal: SamplePortal
    done: subprocess.CompletedProcess[str]
    served: dict[str, list[tuple[str, str]]]


@pytest.fixture(scope="module")
def crawl(
    pg_server: PgServer,
    pg_template: str,
    sample_portal: SamplePortal,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[Crawl]:
    sample_portal.reset()
    sample_portal.clear_requests()
    name = pg_server.new_name("gkmlpt")
    url = pg_server.create_database(name, template=pg_template)
    raw: Path = tmp_path_factory.mktemp("gkmlpt") / "raw"
    engine = create_engine(url)
    try:
        done = run_crawl(url, raw, sample_portal.port, f"region={','.join(CODES)}")
        assert done.returncode == 0, done.stderr[-4000:]
        yield Crawl(engine, sample_portal, done, {c: sample_portal.site_requests(c) for c in CODES})
    finally:
        engine.dispose()
        pg_server.drop_database(name)


def report_entries(portal: SamplePortal, code: str) -> dict[str, Entry]:
    site = portal.site(code)
    reports = {r.doc_id for r in site.reports}
    base = portal.base_url(code)
    return {base + portal_gkmlpt.detail_path(e): e for e in site.entries() if e.doc_id in reports}


@pytest.mark.postgres
def test_crawl_stores_exactly_the_reports_with_their_dates(crawl: Crawl) -> None:
    stored = rows(
        crawl.engine,
        "SELECT d.url, d.region_code, v.listing_url, v.listing_date, v.page_date, r.publish_date "
        "FROM documents d JOIN document_versions v ON v.id = d.current_version_id "
        "JOIN reports r ON r.document_id = d.id WHERE d.role = 'report'",
    )
    expected = {}
    for code in CODES:
        reports = {r.doc_id: r for r in crawl.portal.site(code).reports}
        for url, entry in report_entries(crawl.portal, code).items():
            # Listing date from the API's epoch, page date from the PubDate meta or the classify table.
            day = entry.listing_date
            assert reports[entry.doc_id].publish_date == day
            expected[url] = (code, listing(crawl.portal, code), day, day, day)
    assert len(expected) == 50
    assert {
        r.url: (r.region_code, r.listing_url, r.listing_date, r.page_date, r.publish_date) for r in stored
    } == expected
    assert scalar(crawl.engine, "SELECT count(*) FROM crawl_failures") == 0


@pytest.mark.postgres
def test_crawl_reads_the_api_pages_and_skips_the_interpretations(crawl: Crawl) -> None:
    for code in CODES:
        base = crawl.portal.base_url(code)
        gets = [path for method, path in crawl.served[code] if method == "GET"]
        asked = [p for p in gets if p.startswith(("/gkmlpt/index", "/gkmlpt/annualreport", "/gkmlpt/api/"))]
        # The server never sees a fragment: the column is asked for as /gkmlpt/index.
        shell = portal_gkmlpt.listing_path(crawl.portal.site(code)).split("#")[0]
        api = [f"/gkmlpt/api/all/2975?page={n}&sid={SIDS[code]}" for n in (1, 2, 3)]
        assert asked[:2] == [shell, api[0]], code
        assert sorted(asked[2:]) == api[1:], code
        details = {p for p in gets if p.startswith("/gkmlpt/content/") and p.endswith(".html")}
        assert details == {u.removeprefix(base) for u in report_entries(crawl.portal, code)}, code
    [run] = rows(crawl.engine, "SELECT stats FROM crawl_runs")
    assert run.stats["listing/skipped/interpretation"] == 8
    assert run.stats["listing/pages"] == 8


@pytest.mark.postgres
def test_crawl_keeps_the_linked_pdfs_and_table_images_as_attachments(crawl: Crawl) -> None:
    expected: dict[str, tuple[str, str]] = {}  # url -> (parent page, kind)
    pdfs = 0
    for code in CODES:
        site = crawl.portal.site(code)
        base = crawl.portal.base_url(code)
        for report in site.reports:
            entry = site.entry(report.doc_id)
            assert entry is not None
            page = base + portal_gkmlpt.detail_path(entry)
            if portal_gkmlpt.has_attachment(site, entry):
                expected[base + portal_gkmlpt.attachment_path(entry)] = (page, "pdf")
                pdfs += 1
            if report.layout == "absent":
                for n in (1, 2, 3):
                    expected[urljoin(page, image_src(report.publish_date, report.doc_id, n))] = (
                        page,
                        "image",
                    )
    assert pdfs == 16  # reports 1002, 1005, … 1023 of both sites, whose doc id is a multiple of 3
    stored = rows(
        crawl.engine,
        "SELECT d.url, d.parent_url, d.kind, v.content_type, v.file_name, v.size FROM documents d "
        "JOIN document_versions v ON v.id = d.current_version_id WHERE d.role = 'attachment'",
    )
    assert {r.url: (r.parent_url, r.kind) for r in stored} == expected
    for r in stored:
        if r.kind == "pdf":
            post = r.parent_url.rsplit("post_", 1)[1].removesuffix(".html")
            code = next(c for c in CODES if r.url.startswith(crawl.portal.base_url(c) + "/"))
            served = portal_gkmlpt.attachment_reply(crawl.portal.site(code), urlsplit(r.url).path)
            assert served.body.startswith(b"%PDF-")
            assert (r.content_type, r.file_name, r.size) == (
                "application/pdf",
                f"{post}.pdf",
                len(served.body),
            )
