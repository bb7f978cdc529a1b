"""The `reports` spider: registry region(s) → family adapter → listing pages → report pages.

Domain
    Every region of crawler/regions/*.toml whose family has an adapter (crawler/families/).
Spider arguments
    region   a 6-digit 行政区划代码, a name (开远市) or parent name + name (红河哈尼族彝族自治州开远市);
             several separated by commas (990101,990102)
    sample   1: every region of the local sample portal (the demo)
Caveats
    The spider only yields documents (FetchedDocument) and failures (FetchFailure); the pipelines keep the raw
    bytes, parse and store. A region without a listing URL, or whose family has no adapter yet, is refused
    at start with a message saying what to add. Links titled 解读/图解/一图读懂 are skipped and counted.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections import Counter
from collections.abc import AsyncIterator, Iterator
from typing import Any

import scrapy
from scrapy.crawler import Crawler
from scrapy.exceptions import (
    CannotResolveHostError,
    DownloadConnectionRefusedError,
    DownloadFailedError,
    DownloadTimeoutError,
    IgnoreRequest,
    ResponseDataLossError,
    UsageError,
)
from scrapy.http import Response
from scrapy.spidermiddlewares.httperror import HttpError
from twisted.internet.error import (
    ConnectionLost,
    ConnectionRefusedError,
    DNSLookupError,
    TCPTimedOutError,
    TimeoutError,
)
from twisted.python.failure import Failure
from twisted.web._newclient import ResponseFailed, ResponseNeverReceived

from crawler import failures
from crawler.failures import FetchFailure
from crawler.families import FamilyAdapter, ListingError, NoAdapterError, adapter_for
from crawler.items import FetchedDocument
from crawler.links import LinkKind, classify_title
from crawler.registry import Region, RegionLookupError, Registry, load_registry
from parsers.document import decode_html, sniff_type
from parsers.metadata import page_publish_date

log = logging.getLogger(__name__)

REGISTRY_PATH_SETTING = "XXGK_REGISTRY"  # another registry file or directory (tests)
SAMPLE_RELAX_SETTING = "XXGK_SAMPLE_RELAX"  # False keeps the polite settings even against the sample portal

# The sample portal is on loopback and ours: politeness towards it only slows the demo and the tests.
# Priority "spider": a `-s` on the command line still wins.
SAMPLE_PORTAL_SETTINGS: dict[str, Any] = {
    "DOWNLOAD_DELAY": 0,
    "AUTOTHROTTLE_ENABLED": False,
    "CONCURRENT_REQUESTS_PER_DOMAIN": 8,
}


class RegionSelectionError(UsageError):
    """`-a region=`/`-a sample=` names nothing crawlable; the message says why and what to do."""


def select_regions(registry: Registry, region: str | None, sample: str | None) -> list[Region]:
    """The regions a crawl covers, each checked to be crawlable (listing URL and adapter present)."""
    chosen: list[Region] = []
    if sample is not None and str(sample).strip().lower() in ("1", "true", "yes", "on"):
        chosen.extend(registry.sample_regions())
        if not chosen:
            raise RegionSelectionError(f"the registry {registry.path} has no sample region with a listing")
    if region is not None and region.strip():
        try:
            chosen.extend(r for r in registry.resolve_many(region) if r not in chosen)
        except RegionLookupError as exc:
            raise RegionSelectionError(str(exc)) from exc
    if not chosen:
        raise RegionSelectionError(
            "no region given: pass -a region=CODE_OR_NAME (several separated by commas) or -a sample=1"
        )
    problems = [problem for r in chosen for problem in _uncrawlable(registry, r)]
    if problems:
        raise RegionSelectionError("cannot crawl: " + " ".join(problems))
    return chosen


def _uncrawlable(registry: Registry, region: Region) -> list[str]:
    problems: list[str] = []
    where = registry.path or "crawler/regions/*.toml"
    if not region.listings:
        problems.append(
            f"region {region.label} has no listing URL: find the column (栏目) page where its annual reports "
            f'are listed and add `listings = ["<that URL>"]` to [regions."{region.code}"] in {where}.'
        )
    try:
        adapter_for(region)
    except NoAdapterError as exc:
        problems.append(f"region {region.label}: {exc}.")
    return problems


class ReportsSpider(scrapy.Spider):
    name = "reports"

    @classmethod
    def from_crawler(cls, crawler: Crawler, *args: Any, **kwargs: Any) -> ReportsSpider:
        settings = crawler.settings
        registry = load_registry(
            settings.get(REGISTRY_PATH_SETTING) or None, sample_port=settings.get("SAMPLE_PORTAL_PORT")
        )
        try:
            spider: ReportsSpider = super().from_crawler(crawler, *args, registry=registry, **kwargs)
        except RegionSelectionError as exc:
            # Scrapy prints the traceback too; this line is the one to read.
            log.error("the reports spider cannot start: %s", exc)
            raise
        # Settings freeze after the spider is created, so a sample-only crawl can still relax them here.
        relax = all(r.sample for r in spider.regions) and settings.getbool(SAMPLE_RELAX_SETTING, True)
        if relax and not settings.frozen:  # frozen only where a test built the crawler by hand
            for key, value in SAMPLE_PORTAL_SETTINGS.items():
                settings.set(key, value, priority="spider")
        return spider

    def __init__(
        self,
        region: str | None = None,
        sample: str | None = None,
        registry: Registry | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.registry = registry if registry is not None else load_registry()
        self.regions: list[Region] = select_regions(self.registry, region, sample)
        self.region_codes: list[str] = [r.code for r in self.regions]
        self.adapters: dict[str, FamilyAdapter] = {r.code: adapter_for(r) for r in self.regions}
        # Report links found per region: a region that yields none is a failure worth recording.
        self.report_links: Counter[str] = Counter({code: 0 for code in self.region_codes})

    async def start(self) -> AsyncIterator[Any]:
        for code, adapter in self.adapters.items():
            for request in adapter.first_requests():
                yield self._listing_request(request, code)

    def _listing_request(self, request: scrapy.Request, region_code: str) -> scrapy.Request:
        return request.replace(
            callback=self.parse_listing,
            errback=self.on_error,
            meta={**request.meta, "region_code": region_code, "kind": "listing"},
        )

    def parse_listing(self, response: Response) -> Iterator[Any]:
        code = response.meta["region_code"]
        stats = self.crawler.stats
        assert stats is not None
        stats.inc_value("listing/pages")
        try:
            page = self.adapters[code].parse_listing(response)
        except ListingError as exc:
            stats.inc_value(f"failures/{failures.LISTING_UNREADABLE}")
            log.warning("unreadable listing %s: %s", response.url, exc)
            yield FetchFailure(code, response.url, failures.LISTING_UNREADABLE, str(exc))
            return
        listing_url = page.listing_url or response.url
        stats.inc_value("listing/column_links", page.column_links)
        for link in page.links:
            kind = classify_title(link.title)
            if kind is LinkKind.INTERPRETATION:
                stats.inc_value("listing/skipped/interpretation")
                log.info("skipped (解读/图解, not the report): %s %s", link.title, link.url)
                continue
            if kind is LinkKind.OTHER:
                stats.inc_value("listing/skipped/other")
                log.info("skipped (not an annual report title): %s %s", link.title, link.url)
                continue
            stats.inc_value("listing/report_links")
            self.report_links[code] += 1
            yield scrapy.Request(
                link.url,
                callback=self.parse_report,
                errback=self.on_error,
                meta={
                    "kind": "report",
                    "region_code": code,
                    "link_url": link.url,
                    "listing_url": listing_url,
                    "listing_title": link.title,
                    "listing_date": link.date,
                },
            )
        for request in page.next_requests:
            yield self._listing_request(request, code)

    def parse_report(self, response: Response) -> Iterator[FetchedDocument]:
        meta = response.meta
        header = response.headers.get(b"Content-Type")
        content_type = header.decode("latin-1") if header else None
        encoding: str | None = None
        page_date: dt.date | None = None
        if sniff_type(response.body, content_type) == "html":
            # Scrapy's own guess misreads GBK pages served without a charset: the parser's rules decide.
            text, encoding = decode_html(response.body, content_type)
            page_date = page_publish_date(text)
        yield FetchedDocument(
            region_code=meta["region_code"],
            listing_url=meta["listing_url"],
            url=meta["link_url"],
            final_url=response.url,
            status=response.status,
            content_type=content_type,
            fetched_at=dt.datetime.now(dt.UTC),
            body=response.body,
            listing_title=meta["listing_title"],
            listing_date=meta["listing_date"],
            page_date=page_date,
            encoding=encoding,
        )

    def on_error(self, failure: Failure) -> Iterator[FetchFailure]:
        request = failure.request  # type: ignore[attr-defined]
        reason, detail = describe_failure(failure)
        stats = self.crawler.stats
        assert stats is not None
        stats.inc_value(f"failures/{reason}")
        log.warning("%s fetching %s (%s): %s", reason, request.url, request.meta.get("kind", "?"), detail)
        yield FetchFailure(
            request.meta.get("region_code"),
            request.url,
            reason,
            detail,
            listing_url=request.meta.get("listing_url"),
        )

    def regions_without_report_links(self) -> list[str]:
        return [code for code, n in self.report_links.items() if n == 0]


def describe_failure(failure: Failure) -> tuple[str, str]:
    """(reason, detail) for a failed request, reason being one of crawler.failures' names."""
    value = failure.value
    if failure.check(HttpError):
        response = value.response
        return failures.HTTP_ERROR, f"HTTP {response.status} from {response.url}"
    # Scrapy ≥ 2.14 wraps Twisted's errors in its own; both are accepted.
    if failure.check(DownloadTimeoutError, TimeoutError, TCPTimedOutError):
        return failures.TIMEOUT, str(value) or "timed out"
    if failure.check(CannotResolveHostError, DNSLookupError):
        return failures.DNS, str(value)
    if failure.check(
        DownloadConnectionRefusedError,
        DownloadFailedError,
        ResponseDataLossError,
        ConnectionRefusedError,
        ConnectionLost,
        ResponseFailed,
        ResponseNeverReceived,
    ):
        return failures.CONNECTION, f"{type(value).__name__}: {value}"
    if failure.check(IgnoreRequest):
        text = str(value)
        return (failures.ROBOTS if "robots.txt" in text else failures.IGNORED), text
    return failures.DOWNLOAD, f"{type(value).__name__}: {value}"
