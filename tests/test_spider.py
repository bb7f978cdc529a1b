"""The `reports` spider, link recognition and the pipelines, on hand-written responses (no network)."""

from __future__ import annotations

import asyncio
import datetime as dt
import hashlib
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from scrapy import Request
from scrapy.crawler import Crawler
from scrapy.http import HtmlResponse, Response
from scrapy.settings import Settings
from scrapy.spidermiddlewares.httperror import HttpError
from scrapy.utils.test import get_crawler
from twisted.internet.error import DNSLookupError, TimeoutError
from twisted.python.failure import Failure

from crawler import failures
from crawler.failures import FetchFailure
from crawler.families import FAMILIES
from crawler.items import FetchedDocument
from crawler.links import LinkKind, classify_title
from crawler.pipelines import DatabasePipeline, ParsePipeline, ProcessedDocument, RawStorePipeline
from crawler.spiders.reports import RegionSelectionError, ReportsSpider

LISTING = "http://127.0.0.11:8800/zfxxgk/ndbg/index.htm"


def make_spider(settings: dict[str, Any] | None = None, **kwargs: str) -> ReportsSpider:
    crawler = get_crawler(ReportsSpider, {"SAMPLE_PORTAL_PORT": 8800, **(settings or {})})
    spider = ReportsSpider.from_crawler(crawler, **kwargs)
    crawler.spider = spider
    return spider


def collect(gen: AsyncIterator[Any]) -> list[Any]:
    async def run() -> list[Any]:
        return [x async for x in gen]

    return asyncio.run(run())


# ---------------------------------------------------------------------------------------------------------
# Link recognition
# ---------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("title", "kind"),
    [
        ("样本市2023年政府信息公开工作年度报告", LinkKind.REPORT),
        ("2023年度报告", LinkKind.REPORT),
        ("样本县人民政府2022年政务公开工作年报", LinkKind.REPORT),
        ("样本县2019年政府信息公开工作报告", LinkKind.REPORT),
        ("開遠市2022年政府資訊公開工作年度報告", LinkKind.REPORT),  # Traditional script counts too
        ("县政資訊公開工作匯報", LinkKind.REPORT),  # a 2008-era title style, Traditional
        ("样本县2023年政府工作报告", LinkKind.OTHER),
        ("2022年工作汇报", LinkKind.OTHER),  # the government work report, not the disclosure report
        ("2023年企业年报公示", LinkKind.OTHER),
        ("关于样本市2023年政府信息公开工作年度报告的解读", LinkKind.INTERPRETATION),
        ("图解：样本县2023年政府信息公开工作年度报告", LinkKind.INTERPRETATION),
        ("一图读懂样本区2023年政府信息公开工作年度报告", LinkKind.INTERPRETATION),
        ("政策解读", LinkKind.INTERPRETATION),
        ("首页", LinkKind.OTHER),
        ("", LinkKind.OTHER),
    ],
)
def test_classify_title(title: str, kind: LinkKind) -> None:
    assert classify_title(title) is kind


# ---------------------------------------------------------------------------------------------------------
# Region selection at start
# ---------------------------------------------------------------------------------------------------------


def test_unknown_region_is_refused_with_the_registry_message() -> None:
    with pytest.raises(RegionSelectionError) as caught:
        make_spider(region="开远县")  # no such place (开远 is a 市)
    assert str(caught.value).startswith("unknown region '开远县': no registry row has this name.")
    assert "Close candidates: 开远市 (532502, 红河哈尼族彝族自治州);" in str(caught.value)


def test_region_without_listing_or_adapter_is_refused_with_what_to_add() -> None:
    with pytest.raises(RegionSelectionError) as caught:
        make_spider(region="开远市")
    message = str(caught.value)
    assert (
        "no listing URL for 开远市 (532502): run scrapy crawl discover -a portal=<its portal home URL> "
        "and add the printed row to a file in crawler/regions/."
    ) in message
    assert "no adapter" not in message  # boda_vsb, its family, has one


def test_region_whose_family_has_no_adapter_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    # gkmlpt has an adapter now: take it away to see the refusal a family without one gets.
    monkeypatch.setitem(FAMILIES, "gkmlpt", None)
    with pytest.raises(RegionSelectionError) as caught:
        make_spider(region="440300")
    message = str(caught.value)
    assert message.startswith(
        "cannot crawl: region 深圳市 (440300, 广东省): family gkmlpt has no adapter yet "
        "(adapters exist for: trs_classic, hanweb_jpage, "
    )
    assert "gkmlpt" not in message.split("adapters exist for:")[1]


def test_no_region_is_refused() -> None:
    with pytest.raises(RegionSelectionError, match=r"no region given: pass -a region=CODE_OR_NAME"):
        make_spider()


def test_sample_selects_every_sample_region_and_starts_at_their_listings() -> None:
    from crawler.sampleportal.sites import SITE_SPECS

    spider = make_spider(sample="1")
    # The registry's sample rows and the sites the sample portal serves are the same set, but for the
    # 瑞数 site that never lets anyone in (990120): tests/test_challenges.py gives it a row of its own.
    assert spider.region_codes == sorted(spec.code for spec in SITE_SPECS if spec.code != "990120")
    requests = collect(spider.start())
    assert [(r.url, r.meta["region_code"], r.callback, r.errback) for r in requests][:4] == [
        ("http://127.0.0.11:8800/zfxxgk/ndbg/index.htm", "990101", spider.parse_listing, spider.on_error),
        (
            "http://127.0.0.12:8800/col/col1229000001/index.html",
            "990102",
            spider.parse_listing,
            spider.on_error,
        ),
        ("http://127.0.0.13:8800/zfxxgk/ndbg/index.htm", "990103", spider.parse_listing, spider.on_error),
        ("http://127.0.0.14:8800/zfxxgk/ndbg/index.htm", "990104", spider.parse_listing, spider.on_error),
    ]


def test_sample_only_crawl_relaxes_politeness_before_settings_freeze() -> None:
    crawler = Crawler(ReportsSpider, Settings({"DOWNLOAD_DELAY": 0.5, "AUTOTHROTTLE_ENABLED": True}))
    ReportsSpider.from_crawler(crawler, region="990101")
    assert (
        crawler.settings.getfloat("DOWNLOAD_DELAY"),
        crawler.settings.getbool("AUTOTHROTTLE_ENABLED"),
    ) == (0, False)
    assert crawler.settings.getint("CONCURRENT_REQUESTS_PER_DOMAIN") == 8


def test_real_region_crawl_keeps_politeness() -> None:
    crawler = Crawler(ReportsSpider, Settings({"DOWNLOAD_DELAY": 0.5, "AUTOTHROTTLE_ENABLED": True}))
    ReportsSpider.from_crawler(crawler, region="990101,620302")
    assert (
        crawler.settings.getfloat("DOWNLOAD_DELAY"),
        crawler.settings.getbool("AUTOTHROTTLE_ENABLED"),
    ) == (0.5, True)


# ---------------------------------------------------------------------------------------------------------
# Listing → report requests
# ---------------------------------------------------------------------------------------------------------

LISTING_BODY = """<html><head><meta charset="utf-8"></head><body><ul>
<li><a href="./202402/t20240205_1001.html" title="样本市2023年政府信息公开工作年度报告">样本市2023年…</a>
    <span>2024-02-05</span></li>
<li><a href="./202402/t20240206_1002.html">关于样本市2023年政府信息公开工作年度报告的解读</a>
    <span>2024-02-06</span></li>
<li><a href="./202402/t20240207_1003.html">一图读懂样本市2023年政府信息公开工作年度报告</a>
    <span>2024-02-07</span></li>
<li><a href="./202401/t20240110_1004.html">样本市2024年重点工作安排</a><span>2024-01-10</span></li>
</ul><script>createPageHTML(2, 0, "index", "htm", 5);</script></body></html>"""


def listing_response() -> Response:
    request = Request(LISTING, meta={"region_code": "990101", "listing_root": LISTING})
    return HtmlResponse(
        LISTING, body=LISTING_BODY.encode("utf-8"), headers={"Content-Type": "text/html"}, request=request
    )


def test_listing_yields_report_requests_and_skips_interpretations() -> None:
    spider = make_spider(region="990101")
    out = list(spider.parse_listing(listing_response()))
    reports = [r for r in out if r.callback == spider.parse_report]
    listings = [r for r in out if r.callback == spider.parse_listing]
    assert [
        (r.url, r.meta["listing_title"], r.meta["listing_date"], r.meta["listing_url"]) for r in reports
    ] == [
        (
            "http://127.0.0.11:8800/zfxxgk/ndbg/202402/t20240205_1001.html",
            "样本市2023年政府信息公开工作年度报告",
            dt.date(2024, 2, 5),
            LISTING,
        ),
    ]
    assert reports[0].errback == spider.on_error
    assert [(r.url, r.meta["region_code"]) for r in listings] == [
        ("http://127.0.0.11:8800/zfxxgk/ndbg/index_1.htm", "990101")
    ]
    stats = spider.crawler.stats
    assert (
        stats.get_value("listing/report_links"),
        stats.get_value("listing/skipped/interpretation"),
        stats.get_value("listing/skipped/other"),
    ) == (1, 2, 1)
    assert spider.regions_without_report_links() == []


def test_unreadable_listing_becomes_a_recorded_failure() -> None:
    spider = make_spider(region="990102")
    url = "http://127.0.0.12:8800/col/col1229000001/index.html"
    response = HtmlResponse(
        url, body="<html>系统维护</html>".encode(), request=Request(url, meta={"region_code": "990102"})
    )
    out = list(spider.parse_listing(response))
    assert len(out) == 1
    assert (out[0].region_code, out[0].url, out[0].reason) == ("990102", url, failures.LISTING_UNREADABLE)
    assert "no <datastore>" in out[0].detail
    assert spider.regions_without_report_links() == ["990102"]


# ---------------------------------------------------------------------------------------------------------
# Report page → FetchedDocument
# ---------------------------------------------------------------------------------------------------------

REPORT_URL = "http://127.0.0.13:8800/zfxxgk/ndbg/202402/t20240205_1001.html"
GBK_REPORT = (
    '<html><head><meta name="PubDate" content="2024-02-05 10:19">'
    "<title>样本区2023年政府信息公开工作年度报告</title>"
    "</head><body><div class='TRS_Editor'><p>一、总体情况</p><p>本年度，样本区……</p></div></body></html>"
).encode("gbk")


def report_response(body: bytes, content_type: str = "text/html", url: str = REPORT_URL) -> Response:
    meta = {
        "region_code": "990103",
        "link_url": url,
        "listing_url": "http://127.0.0.13:8800/zfxxgk/ndbg/index.htm",
        "listing_title": "样本区2023年政府信息公开工作年度报告",
        "listing_date": dt.date(2024, 2, 4),
    }
    return HtmlResponse(
        url, body=body, headers={"Content-Type": content_type}, request=Request(url, meta=meta)
    )


def test_report_page_becomes_a_document_with_provenance() -> None:
    spider = make_spider(region="990103")
    before = dt.datetime.now(dt.UTC)
    [doc] = list(spider.parse_report(report_response(GBK_REPORT)))
    assert isinstance(doc, FetchedDocument)
    assert (doc.region_code, doc.url, doc.final_url, doc.status, doc.content_type) == (
        "990103",
        REPORT_URL,
        REPORT_URL,
        200,
        "text/html",
    )
    assert (doc.listing_url, doc.listing_title, doc.listing_date) == (
        "http://127.0.0.13:8800/zfxxgk/ndbg/index.htm",
        "样本区2023年政府信息公开工作年度报告",
        dt.date(2024, 2, 4),
    )
    # A GBK page with no charset anywhere: decoded by the parser's rules, not Scrapy's guess.
    assert doc.encoding == "gb18030"
    assert doc.page_date is None  # read with the parse (ParsePipeline), off the reactor
    assert doc.body == GBK_REPORT
    assert doc.sha256 == hashlib.sha256(GBK_REPORT).hexdigest()
    assert doc.fetched_at.tzinfo is dt.UTC and before <= doc.fetched_at <= dt.datetime.now(dt.UTC)


def test_redirected_report_keeps_the_link_and_the_final_url() -> None:
    spider = make_spider(region="990103")
    response = report_response(GBK_REPORT, url="http://127.0.0.13:8800/zfxxgk/ndbg/202402/moved.html")
    response.request.meta["link_url"] = REPORT_URL
    [doc] = list(spider.parse_report(response))
    assert (doc.url, doc.final_url) == (REPORT_URL, "http://127.0.0.13:8800/zfxxgk/ndbg/202402/moved.html")


def test_non_html_report_is_kept_without_decoding() -> None:
    spider = make_spider(region="990103")
    pdf = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<<>>\nendobj\n"
    [doc] = list(spider.parse_report(report_response(pdf, content_type="application/pdf")))
    assert (doc.encoding, doc.page_date, doc.content_type, doc.body) == (None, None, "application/pdf", pdf)


# ---------------------------------------------------------------------------------------------------------
# Errback → FetchFailure
# ---------------------------------------------------------------------------------------------------------


def failed(exc: Exception, url: str = REPORT_URL) -> Failure:
    failure = Failure(exc)
    failure.request = Request(url, meta={"region_code": "990103", "kind": "report", "listing_url": LISTING})  # type: ignore[attr-defined]
    return failure


def test_http_error_is_recorded() -> None:
    spider = make_spider(region="990103")
    response = HtmlResponse(REPORT_URL, status=404, body=b"not found", request=Request(REPORT_URL))
    [out] = list(spider.on_error(failed(HttpError(response, "Ignoring non-200 response"))))
    assert out == FetchFailure(
        "990103", REPORT_URL, "http 404", f"HTTP 404 from {REPORT_URL}", LISTING
    )
    assert failures.http_status(404) == "http 404"
    assert spider.crawler.stats.get_value("failures/http 404") == 1


@pytest.mark.parametrize(
    ("exc", "reason"),
    [(TimeoutError("took too long"), failures.TIMEOUT), (DNSLookupError("no such host"), failures.DNS)],
)
def test_network_errors_are_recorded(exc: Exception, reason: str) -> None:
    spider = make_spider(region="990103")
    [out] = list(spider.on_error(failed(exc)))
    assert (out.reason, out.url, out.region_code) == (reason, REPORT_URL, "990103")


# ---------------------------------------------------------------------------------------------------------
# Pipelines without a database
# ---------------------------------------------------------------------------------------------------------


def test_raw_then_parse_pipelines_keep_bytes_and_attach_the_parse(tmp_path: Path) -> None:
    spider = make_spider({"XXGK_RAW_DIR": str(tmp_path), "XXGK_DATABASE": "off"}, region="990103")
    [doc] = list(spider.parse_report(report_response(GBK_REPORT)))
    raw = RawStorePipeline.from_crawler(spider.crawler)
    item = ParsePipeline().process_item(raw.process_item(doc))
    assert isinstance(item, ProcessedDocument) and item.doc is doc
    assert item.raw_path == f"{doc.sha256[:2]}/{doc.sha256}"
    assert (tmp_path / item.raw_path).read_bytes() == GBK_REPORT
    assert item.parsed is not None
    assert item.parsed.title == "样本区2023年政府信息公开工作年度报告"
    assert item.parsed.publish_date == dt.date(2024, 2, 5)
    assert doc.page_date == dt.date(2024, 2, 5)  # the page's own date (PubDate meta), not the listing's
    assert item.failure is None


def test_parser_crash_is_recorded_not_raised(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import parsers.report

    def explode(*args: object, **kwargs: object) -> None:
        raise RuntimeError("boom")

    monkeypatch.setattr(parsers.report, "parse_report", explode)
    doc = FetchedDocument(
        "990103", LISTING, REPORT_URL, REPORT_URL, 200, "text/html", dt.datetime.now(dt.UTC), b"<p>x</p>"
    )
    item = ParsePipeline().process_item(ProcessedDocument(doc, raw_path="ab/cd"))
    assert item.parsed is None
    assert item.failure == FetchFailure("990103", REPORT_URL, failures.PARSE_CRASH, "RuntimeError: boom")


def test_database_pipeline_off_passes_items_through(caplog: pytest.LogCaptureFixture) -> None:
    spider = make_spider({"XXGK_DATABASE": "off"}, region="990103")
    pipeline = DatabasePipeline.from_crawler(spider.crawler)
    pipeline.open_spider()
    assert pipeline.enabled is False and pipeline.repo is None
    failure = FetchFailure("990103", REPORT_URL, failures.TIMEOUT, "took too long")
    with caplog.at_level("WARNING"):
        assert pipeline.process_item(failure) is failure
    assert "failure (database off): timeout " + REPORT_URL in caplog.text


class RecordingRepository:
    """Stands in for crawler.store.Repository where only the calls the pipeline makes matter."""

    def __init__(self) -> None:
        self.calls: list[tuple[Any, ...]] = []

    def record_failure(
        self, run_id: int | None, region_code: str | None, url: str, reason: str, detail: str
    ) -> None:
        self.calls.append(("record_failure", run_id, region_code, url, reason, detail))

    def finish_run(self, run_id: int, finish_reason: str, stats: dict[str, Any]) -> None:
        self.calls.append(("finish_run", run_id, finish_reason, stats["listing/report_links"]))

    def close(self) -> None:
        self.calls.append(("close",))


def test_region_whose_listings_yield_no_report_is_recorded_at_close() -> None:
    spider = make_spider(region="990101,990102")
    list(spider.parse_listing(listing_response()))  # 990101: one report link; 990102: never listed
    pipeline = DatabasePipeline.from_crawler(spider.crawler)
    repo = RecordingRepository()
    pipeline.repo, pipeline.run_id = repo, 7
    pipeline.spider_closed(spider, "finished")
    assert repo.calls == [
        (
            "record_failure", 7, "990102", "http://127.0.0.12:8800/col/col1229000001/index.html",
            failures.NO_REPORT_LINKS, "the region's listings yielded no report link",
        ),
        ("finish_run", 7, "finished", 1),
        ("close",),
    ]  # fmt: skip
    assert pipeline.repo is None


def test_failures_reach_the_store_with_the_run() -> None:
    spider = make_spider(region="990103")
    pipeline = DatabasePipeline.from_crawler(spider.crawler)
    repo = RecordingRepository()
    pipeline.repo, pipeline.run_id = repo, 3
    failure = FetchFailure("990103", REPORT_URL, "http 404", f"HTTP 404 from {REPORT_URL}", LISTING)
    assert pipeline.process_item(failure) is failure
    crashed = ProcessedDocument(
        FetchedDocument("990103", LISTING, REPORT_URL, REPORT_URL, 200, None, dt.datetime.now(dt.UTC), b"x"),
        raw_path=None,
        failure=FetchFailure("990103", REPORT_URL, failures.RAW_STORE, "OSError: disk full"),
    )
    assert pipeline.process_item(crashed) is crashed
    assert repo.calls == [
        ("record_failure", 3, "990103", REPORT_URL, "http 404", f"HTTP 404 from {REPORT_URL}"),
        ("record_failure", 3, "990103", REPORT_URL, failures.RAW_STORE, "OSError: disk full"),
    ]
    assert spider.crawler.stats.get_value("failures/raw store error") == 1
