"""The `reports` spider: registry region(s) → family adapter → listing pages → report pages → attachments.

Domain
    Every region of crawler/regions/*.toml whose family has an adapter (crawler/families/).
Spider arguments
    region   a 6-digit 行政区划代码, a name (开远市) or parent name + name (红河哈尼族彝族自治州开远市);
             several separated by commas (990101,990102)
    sample   1: every region of the local sample portal (the demo)
    refetch  1: fetch every report again, known or not (a full refresh; see crawler/incremental.py)
Region parameters read here (registry `params`)
    ignore_robots         true: do not obey this site's robots.txt …
    ignore_robots_reason  … and why (required with it; README, "Configuration")
Caveats
    The spider only yields documents (FetchedDocument) and failures (FetchFailure); the pipelines keep the raw
    bytes, parse and store. Every report link it discovers ends as a stored document, a known document not
    fetched again (counted: incremental/skipped_known), or a failure with its reason (crawler/failures.py).
    A region without a listing URL, or whose family has no adapter yet, is refused at start with a message
    saying what to add. Links titled 解读/图解/一图读懂 are skipped and counted. Report pages' attachments
    (files in the body or the 附件 block, images in the body) are the page's companions: fetched one after
    the other before the page is handed on, they travel inside the page's item (FetchedDocument.companions),
    so that the parse reads the tables a page lacks from them (parsers.companions) and each is stored as a
    role "attachment" document of the page. A companion that cannot be fetched is a recorded failure and a
    note on the page (its parse goes on without it).
"""

from __future__ import annotations

import datetime as dt
import logging
from collections import Counter
from collections.abc import AsyncIterator, Iterator, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import scrapy
from scrapy.crawler import Crawler
from scrapy.exceptions import (
    CannotResolveHostError,
    DownloadCancelledError,
    DownloadConnectionRefusedError,
    DownloadFailedError,
    DownloadTimeoutError,
    IgnoreRequest,
    ResponseDataLossError,
    UsageError,
)
from scrapy.http import Response
from scrapy.spidermiddlewares.httperror import HttpError
from twisted.internet.defer import CancelledError
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
from crawler.attachments import AttachmentLink, find_attachments, identify
from crawler.browser import release_page
from crawler.failures import ChallengeFailedError, FetchFailure
from crawler.families import FamilyAdapter, ListingError, NoAdapterError, adapter_for
from crawler.incremental import (
    DEFAULT_REFETCH_DAYS,
    REFETCH_DAYS_SETTING,
    KnownDocument,
    RefetchPolicy,
    truthy,
)
from crawler.items import FetchedDocument
from crawler.links import LinkKind, classify_title
from crawler.registry import Region, RegionLookupError, Registry, load_registry, no_listing_message
from crawler.stubs import redirect_target
from parsers.document import decode_html, sniff_type

log = logging.getLogger(__name__)

REGISTRY_PATH_SETTING = "XXGK_REGISTRY"  # another registry file or directory (tests)
SAMPLE_RELAX_SETTING = "XXGK_SAMPLE_RELAX"  # False keeps the polite settings even against the sample portal
MAX_DOCUMENT_MB_SETTING = "XXGK_MAX_DOCUMENT_MB"  # larger documents are cancelled: failure "too large"
DEFAULT_MAX_DOCUMENT_MB = 50.0
IGNORE_ROBOTS_PARAM = "ignore_robots"
IGNORE_ROBOTS_REASON_PARAM = "ignore_robots_reason"
MAX_STUB_HOPS = 3  # report pages that are only a refresh/JS redirect to another page, followed this often

# The sample portal is on loopback and ours: politeness towards it only slows the demo and the tests.
# Priority "spider": a `-s` on the command line still wins.
SAMPLE_PORTAL_SETTINGS: dict[str, Any] = {
    "DOWNLOAD_DELAY": 0,
    "AUTOTHROTTLE_ENABLED": False,
    "CONCURRENT_REQUESTS_PER_DOMAIN": 8,
}


@dataclass
class CompanionChain:
    """A report page waiting for its companions: fetched one at a time, the page item last."""

    page: FetchedDocument
    pending: list[AttachmentLink]


class RegionSelectionError(UsageError):
    """`-a region=`/`-a sample=` names nothing crawlable; the message says why and what to do."""


def select_regions(registry: Registry, region: str | None, sample: str | None) -> list[Region]:
    """The regions a crawl covers, each checked to be crawlable (listing URL and adapter present)."""
    chosen: list[Region] = []
    if sample is not None and truthy(sample):
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
    if not region.listings:
        problems.append(no_listing_message(region) + ".")
        if region.family is None:
            return problems  # a row of the national table only: discovery names the family too
    try:
        adapter_for(region)
    except NoAdapterError as exc:
        problems.append(f"region {region.label}: {exc}.")
    if ignores_robots(region) and not str(region.params.get(IGNORE_ROBOTS_REASON_PARAM) or "").strip():
        problems.append(
            f"region {region.label}: params.{IGNORE_ROBOTS_PARAM} = true needs "
            f"params.{IGNORE_ROBOTS_REASON_PARAM} saying why this site's robots.txt is not obeyed."
        )
    return problems


def ignores_robots(region: Region) -> bool:
    return region.params.get(IGNORE_ROBOTS_PARAM) is True


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
        spider.max_document_bytes = int(
            settings.getfloat(MAX_DOCUMENT_MB_SETTING, DEFAULT_MAX_DOCUMENT_MB) * 1024 * 1024
        )
        spider.refetch_max_age = dt.timedelta(
            days=settings.getfloat(REFETCH_DAYS_SETTING, DEFAULT_REFETCH_DAYS)
        )
        spider.refetch_policy = RefetchPolicy(refetch_all=spider.refetch_all, max_age=spider.refetch_max_age)
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
        refetch: str | None = None,
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
        self.refetch_all = refetch is not None and truthy(refetch)
        self.refetch_max_age = dt.timedelta(days=DEFAULT_REFETCH_DAYS)
        # Until the database pipeline says what is stored, everything is new (and without a database, it is).
        self.refetch_policy = RefetchPolicy(refetch_all=self.refetch_all, max_age=self.refetch_max_age)
        self.max_document_bytes = int(DEFAULT_MAX_DOCUMENT_MB * 1024 * 1024)
        # URLs requested in this crawl: a report listed on two pages, or a file linked by two reports, is
        # fetched once (the requests themselves bypass Scrapy's duplicate filter, which would drop a
        # redirect to an already seen URL without a trace).
        self.requested: set[str] = set()
        self._ignore_robots = {r.code for r in self.regions if ignores_robots(r)}

    def use_known_documents(self, known: Mapping[str, KnownDocument], parser_version: str) -> None:
        """What the store holds (called by the database pipeline when it opens)."""
        self.refetch_policy = RefetchPolicy(
            known, refetch_all=self.refetch_all, max_age=self.refetch_max_age, parser_version=parser_version
        )

    def _meta(self, region_code: str, **meta: Any) -> dict[str, Any]:
        """Meta every request of a region carries: its code, the size cap, the robots.txt override."""
        common: dict[str, Any] = {"region_code": region_code, "download_maxsize": self.max_document_bytes}
        if region_code in self._ignore_robots:
            common["dont_obey_robotstxt"] = True
        return {**common, **meta}

    def _inc(self, key: str, count: int = 1) -> None:
        stats = self.crawler.stats
        assert stats is not None
        stats.inc_value(key, count)

    # ---- listings -----------------------------------------------------------------------------------

    async def start(self) -> AsyncIterator[Any]:
        for code, adapter in self.adapters.items():
            for request in adapter.first_requests():
                yield self._listing_request(request, code)

    def _listing_request(self, request: scrapy.Request, region_code: str) -> scrapy.Request:
        return request.replace(
            callback=self.parse_listing,
            errback=self.on_error,
            meta=self._meta(region_code, **{**request.meta, "kind": "listing"}),
        )

    def parse_listing(self, response: Response) -> Iterator[Any]:
        code = response.meta["region_code"]
        self._inc("listing/pages")
        try:
            page = self.adapters[code].parse_listing(response)
        except ListingError as exc:
            self._inc(f"failures/{failures.LISTING_UNREADABLE}")
            log.warning("unreadable listing %s: %s", response.url, exc)
            yield FetchFailure(code, response.url, failures.LISTING_UNREADABLE, str(exc))
            return
        listing_url = page.listing_url or response.url
        self._inc("listing/column_links", page.column_links)
        for link in page.links:
            kind = classify_title(link.title)
            if kind is LinkKind.INTERPRETATION:
                self._inc("listing/skipped/interpretation")
                log.info("skipped (解读/图解, not the report): %s %s", link.title, link.url)
                continue
            if kind is LinkKind.OTHER:
                self._inc("listing/skipped/other")
                log.info("skipped (not an annual report title): %s %s", link.title, link.url)
                continue
            self._inc("listing/report_links")
            self.report_links[code] += 1
            if link.url in self.requested:
                self._inc("listing/duplicate_links")
                continue
            reason = self.refetch_policy.fetch_reason(link.url, link.date)
            if reason is None:
                self._inc("incremental/skipped_known")
                continue
            self._inc(f"incremental/fetch/{reason}")
            self.requested.add(link.url)
            yield scrapy.Request(
                link.url,
                callback=self.parse_report,
                errback=self.on_error,
                dont_filter=True,
                meta=self._meta(
                    code,
                    kind="report",
                    link_url=link.url,
                    listing_url=listing_url,
                    listing_title=link.title,
                    listing_date=link.date,
                ),
            )
        for request in page.next_requests:
            yield self._listing_request(request, code)

    # ---- report pages -------------------------------------------------------------------------------

    def parse_report(self, response: Response) -> Iterator[Any]:
        meta = response.meta
        code = meta["region_code"]
        content_type = _header(response, b"Content-Type")
        sniffed = sniff_type(response.body, content_type)
        if sniffed not in ("html", "text"):
            # The listing links the file itself: the report exists only as an attachment (PDF, DOC …).
            kind, name = identify(
                content_type=content_type,
                content_disposition=response.headers.get(b"Content-Disposition"),
                link_text=meta["listing_title"],
                urls=(meta["link_url"], response.url),
                body=response.body,
            )
            self._inc(f"reports/files/{kind}")
            yield self._document(response, kind=kind, file_name=name)
            return
        if meta.get("redirect_urls") and self._is_column(code, response.url, meta):
            yield self._failure(response, failures.DELETED_REDIRECT, f"{meta['link_url']} → {response.url}")
            return
        text, encoding = decode_html(response.body, content_type)
        target = redirect_target(text, response.url)
        if target is not None:
            yield from self._follow_stub(response, target)
            return
        # A plain-text page counts as a page ("html"): the parser reads both. Its own publish date is read
        # with the parse (crawler/parsework.py), off the reactor.
        page = self._document(response, kind="html", encoding=encoding)
        links = self._companion_links(response, text) if sniffed == "html" else []
        yield self._next_companion(response.meta, CompanionChain(page, links))

    def _follow_stub(self, response: Response, target: str) -> Iterator[Any]:
        meta = response.meta
        if self._is_column(meta["region_code"], target, meta):
            yield self._failure(response, failures.DELETED_REFRESH, f"{response.url} → {target}")
            return
        hops = meta.get("stub_hops", 0) + 1
        if hops > MAX_STUB_HOPS:
            yield self._failure(
                response, failures.TOO_MANY_REDIRECTS, f"{hops} refresh/JS stubs, last → {target}"
            )
            return
        # A moved page: the report is where the stub sends the reader (kept under the link's URL).
        self._inc("reports/stubs_followed")
        yield response.request.replace(  # type: ignore[union-attr]
            url=target, dont_filter=True, meta={**meta, "stub_hops": hops}
        )

    def _is_column(self, region_code: str, url: str, meta: Mapping[str, Any]) -> bool:
        """`url` is the listing the report came from, another listing page of the region, or the site's
        home: where portals send the readers of a withdrawn report."""
        url = _strip_fragment(url)
        if url == meta.get("listing_url") or urlsplit(url).path in ("", "/"):
            return True
        return self.adapters[region_code].is_listing_url(url)

    def _companion_links(self, response: Response, text: str) -> list[AttachmentLink]:
        """The page's attachments not yet requested in this crawl (a file linked by two reports is fetched
        once, for the first). They are fetched whether stored or not: the page's parse needs them."""
        links = []
        for link in find_attachments(text, response.url):
            self._inc(f"attachments/found/{link.source}")
            if link.url in self.requested:
                continue
            self.requested.add(link.url)
            links.append(link)
        return links

    def _next_companion(
        self, meta: Mapping[str, Any], chain: CompanionChain
    ) -> scrapy.Request | FetchedDocument:
        """The request for the page's next companion, or the page (companions and all) when none is left."""
        if not chain.pending:
            return chain.page
        link = chain.pending.pop(0)
        return scrapy.Request(
            link.url,
            callback=self.parse_attachment,
            errback=self.on_companion_error,
            dont_filter=True,
            meta=self._meta(
                meta["region_code"],
                kind="attachment",
                link_url=link.url,
                parent_url=chain.page.url,
                listing_url=meta["listing_url"],
                listing_title=link.text,
                listing_date=meta["listing_date"],
                companion_chain=chain,
            ),
        )

    def parse_attachment(self, response: Response) -> Iterator[scrapy.Request | FetchedDocument]:
        meta = response.meta
        content_type = _header(response, b"Content-Type")
        kind, name = identify(
            content_type=content_type,
            content_disposition=response.headers.get(b"Content-Disposition"),
            link_text=meta["listing_title"],
            urls=(meta["link_url"], response.url),
            body=response.body,
        )
        self._inc(f"attachments/fetched/{kind}")
        chain: CompanionChain = meta["companion_chain"]
        chain.page.companions.append(self._document(response, kind=kind, file_name=name, role="attachment"))
        yield self._next_companion(meta, chain)

    def on_companion_error(self, failure: Failure) -> Iterator[Any]:
        """A companion not fetched: its failure is recorded, the page notes it and goes on without it."""
        recorded = self._fetch_failure(failure)
        yield recorded
        request = failure.request  # type: ignore[attr-defined]
        chain: CompanionChain = request.meta["companion_chain"]
        chain.page.companion_failures.append(f"{recorded.url}: {recorded.reason}")
        yield self._next_companion(request.meta, chain)

    def _document(self, response: Response, **fields: Any) -> FetchedDocument:
        meta = response.meta
        return FetchedDocument(
            region_code=meta["region_code"],
            listing_url=meta["listing_url"],
            url=meta["link_url"],
            final_url=response.url,
            status=response.status,
            content_type=_header(response, b"Content-Type"),
            fetched_at=dt.datetime.now(dt.UTC),
            body=response.body,
            listing_title=meta["listing_title"],
            listing_date=meta["listing_date"],
            parent_url=meta.get("parent_url"),
            **fields,
        )

    # ---- failures -----------------------------------------------------------------------------------

    def _failure(self, response: Response, reason: str, detail: str) -> FetchFailure:
        meta = response.meta
        self._inc(f"failures/{reason}")
        log.warning("%s: %s (%s)", reason, meta["link_url"], detail)
        return FetchFailure(meta["region_code"], meta["link_url"], reason, detail, meta.get("listing_url"))

    def on_error(self, failure: Failure) -> Iterator[FetchFailure]:
        yield self._fetch_failure(failure)

    def _fetch_failure(self, failure: Failure) -> FetchFailure:
        request = failure.request  # type: ignore[attr-defined]
        release_page(request)  # a browser page the failed request still holds (crawler/browser.py)
        reason, detail = describe_failure(failure)
        self._inc(f"failures/{reason}")
        log.warning("%s fetching %s (%s): %s", reason, request.url, request.meta.get("kind", "?"), detail)
        return FetchFailure(
            request.meta.get("region_code"),
            request.meta.get("link_url") or request.url,
            reason,
            detail,
            listing_url=request.meta.get("listing_url"),
        )

    def regions_without_report_links(self) -> list[str]:
        return [code for code, n in self.report_links.items() if n == 0]


def _header(response: Response, name: bytes) -> str | None:
    value = response.headers.get(name)
    return value.decode("latin-1") if value else None


def _strip_fragment(url: str) -> str:
    return urlunsplit(urlsplit(url)._replace(fragment=""))


def describe_failure(failure: Failure) -> tuple[str, str]:
    """(reason, detail) for a failed request, reason being one of crawler.failures' names."""
    value = failure.value
    if failure.check(HttpError):
        response = value.response
        return failures.http_status(response.status), f"HTTP {response.status} from {response.url}"
    if failure.check(ChallengeFailedError):
        return failures.challenge_failed(value.kind), value.detail
    if failure.check(DownloadCancelledError, CancelledError) and "max size" in str(value):
        return failures.TOO_LARGE, str(value)
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
