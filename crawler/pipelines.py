"""Item pipelines, in order: keep the raw bytes → parse → store.

The division of labour: the spider only fetches; RawStorePipeline keeps every fetched body on disk first
(so anything can be re-parsed without re-crawling); ParsePipeline runs the parser library; DatabasePipeline
writes documents, versions, reports and failures through crawler.store.Repository. The database writer
switches itself off when the setting XXGK_DATABASE is "off" (the raw files are still kept).

Between pipelines a FetchedDocument travels inside a ProcessedDocument that collects what each stage adds.
FetchFailure items pass through to the database pipeline, which records them.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

from scrapy import signals
from scrapy.crawler import Crawler
from scrapy.spiders import Spider

from crawler import failures
from crawler.failures import FetchFailure
from crawler.incremental import RefetchPolicy
from crawler.items import FetchedDocument
from parsers.model import ParsedReport

log = logging.getLogger(__name__)

RAW_DIR_SETTING = "XXGK_RAW_DIR"  # default: XXGK_DATA_DIR/raw
DATABASE_SETTING = "XXGK_DATABASE"  # "off": crawl without a database
DATABASE_URL_SETTING = "DATABASE_URL"  # overrides the environment's DATABASE_URL for this crawl


@dataclass
class ProcessedDocument:
    doc: FetchedDocument
    raw_path: str | None = None  # relative to the raw store root
    parsed: ParsedReport | None = None
    # Stages that went wrong record a failure here and let the item go on: the raw bytes are already kept.
    failure: FetchFailure | None = None


def _processed(item: Any) -> Any:
    return ProcessedDocument(item) if isinstance(item, FetchedDocument) else item


class RawStorePipeline:
    def __init__(self, root: str) -> None:
        from crawler.store import RawStore

        self.store = RawStore(root)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> RawStorePipeline:
        from crawler.store import raw_dir

        return cls(crawler.settings.get(RAW_DIR_SETTING) or str(raw_dir()))

    def process_item(self, item: Any) -> Any:
        item = _processed(item)
        if not isinstance(item, ProcessedDocument):
            return item
        doc = item.doc
        try:
            sha256, item.raw_path = self.store.put(doc.body)
        except OSError as exc:
            item.failure = FetchFailure(
                doc.region_code, doc.url, failures.RAW_STORE, f"{type(exc).__name__}: {exc}"
            )
            log.error("could not keep the raw bytes of %s: %s", doc.url, exc)
            return item
        if sha256 != doc.sha256:
            raise AssertionError(f"raw store hashed {doc.url} to {sha256}, the item says {doc.sha256}")
        return item


# Attachments that may be the report itself (attachment-only reports publish the text as a file).
REPORT_FILE_KINDS = frozenset({"pdf", "doc", "docx", "wps"})


class ParsePipeline:
    """Parses report pages (role "report", kind "html") and attachments that may be the report itself
    (PDF, DOC, DOCX, WPS). An attachment's parse is kept only when it reads as a report (sections or
    tables found): a 解读 or a form attached to a report is not one, and is no failure either.

    A page whose bytes are the stored current version, already parsed by this parser version, is not parsed
    again (the spider's RefetchPolicy knows, once the database pipeline has told it what is stored). A
    parse saying "not a report" is recorded as the failure `not a report`; the document is still stored.
    """

    def __init__(self, crawler: Crawler | None = None) -> None:
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> ParsePipeline:
        return cls(crawler)

    def process_item(self, item: Any) -> Any:
        item = _processed(item)
        if not isinstance(item, ProcessedDocument):
            return item
        is_page = item.doc.role == "report" and item.doc.kind == "html"
        is_report_file = item.doc.role == "attachment" and item.doc.kind in REPORT_FILE_KINDS
        if not (is_page or is_report_file):
            return item
        from parsers import parse_report

        doc = item.doc
        policy = getattr(self.crawler.spider, "refetch_policy", None) if self.crawler else None
        if isinstance(policy, RefetchPolicy) and policy.unchanged_and_parsed(doc.url, doc.sha256):
            self._inc("parse/skipped_unchanged")
            return item
        try:
            item.parsed = parse_report(
                doc.body,
                url=doc.final_url,
                content_type=doc.content_type,
                published=doc.page_date or doc.listing_date,
            )
        except Exception as exc:  # the parser's contract says it never raises; keep the crawl going anyway
            log.exception("parser crashed on %s", doc.final_url)
            item.failure = FetchFailure(
                doc.region_code, doc.url, failures.PARSE_CRASH, f"{type(exc).__name__}: {exc}"
            )
            return item
        self._inc("parse/parsed")
        if is_report_file:
            parsed = item.parsed
            found = any(parsed.sections.values()) or any(t is not None for t in parsed.tables.values())
            if parsed.kind == "not_report" or not found:
                item.parsed = None  # not the report: the file is stored, no report rows
                self._inc("parse/attachments_not_report")
            else:
                self._inc("parse/attachments_report")
            return item
        if item.parsed.kind == "not_report":
            title = item.parsed.title or doc.listing_title
            item.failure = FetchFailure(
                doc.region_code,
                doc.url,
                failures.NOT_REPORT,
                f"the parser reads {title!r} as no annual report",
                listing_url=doc.listing_url,
            )
        return item

    def _inc(self, key: str) -> None:
        stats = self.crawler.stats if self.crawler else None
        if stats is not None:
            stats.inc_value(key)


class DatabasePipeline:
    """Documents, versions, reports and failures into Postgres; one crawl_runs row per crawl.

    The writes run on one writer thread, in the order the items arrive: waiting on Postgres then no longer
    stops the reactor from downloading and parsing (the wait releases the GIL), and a report page is
    always written before the attachments its request led to. Stats are counted back on the reactor.
    """

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        self.enabled = str(crawler.settings.get(DATABASE_SETTING, "on")).strip().lower() not in (
            "off",
            "0",
            "false",
            "no",
        )
        self.repo: Any = None
        self.run_id: int | None = None
        # None: write inline, on the calling thread (no database, or a repository a test put in place).
        self._writer: ThreadPoolExecutor | None = None

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> DatabasePipeline:
        pipeline = cls(crawler)
        crawler.signals.connect(pipeline.spider_closed, signal=signals.spider_closed)
        return pipeline

    @property
    def spider(self) -> Spider:
        spider = self.crawler.spider
        assert spider is not None
        return spider

    @property
    def stats(self) -> Any:
        stats = self.crawler.stats
        assert stats is not None
        return stats

    def open_spider(self) -> None:
        if not self.enabled:
            log.info(
                "database off (%s=off): raw documents are kept, nothing is written to Postgres",
                DATABASE_SETTING,
            )
            return
        from crawler.store import Repository, database_url, normalise_url, upgrade

        configured = self.crawler.settings.get(DATABASE_URL_SETTING)
        url = normalise_url(configured) if configured else database_url()
        upgrade(url)
        self.repo = Repository(url, synchronous_commit=False)
        registry = getattr(self.spider, "registry", None)
        if registry is not None:
            self.repo.sync_regions(list(registry))
        region_codes = list(getattr(self.spider, "region_codes", []))
        self.run_id = self.repo.start_run(self.spider.name, region_codes)
        # Incremental crawls: the spider skips what is stored and fresh (crawler/incremental.py).
        use_known = getattr(self.spider, "use_known_documents", None)
        if use_known is not None:
            use_known(self.repo.known_documents(region_codes), self.repo.parser_version)
        self._writer = ThreadPoolExecutor(max_workers=1, thread_name_prefix="xxgk-db-writer")

    def process_item(self, item: Any) -> Any:
        """The item, or (with the writer thread) a coroutine the engine awaits that returns it."""
        if isinstance(item, FetchFailure):
            return self._then(item, self._record, item)
        item = _processed(item)
        if not isinstance(item, ProcessedDocument):
            return item
        if item.failure is not None:
            self.stats.inc_value(f"failures/{item.failure.reason}")
        if self.repo is None or item.raw_path is None:
            if item.failure is not None:
                self._record(item.failure)
            return item
        return self._then(item, self._write, item)

    def _then(self, item: Any, write: Callable[[Any], list[str]], arg: Any) -> Any:
        if self._writer is None:
            self._count(write(arg))
            return item
        return self._write_later(item, write, arg)

    async def _write_later(self, item: Any, write: Callable[[Any], list[str]], arg: Any) -> Any:
        assert self._writer is not None
        self._count(await asyncio.wrap_future(self._writer.submit(write, arg)))
        return item

    def _count(self, keys: list[str]) -> None:
        for key in keys:
            self.stats.inc_value(key)

    def _write(self, item: ProcessedDocument) -> list[str]:
        """Store one processed document (on the writer thread); the stats keys to count."""
        from crawler.store import StoreError

        counted: list[str] = []
        if item.failure is not None:
            self._record(item.failure)
        doc = item.doc
        try:
            saved = self.repo.save_document(self.run_id, doc, item.raw_path)
            counted.append(f"documents/{saved.status}")
            # save_report skips a version already stored by this parser version, so an unchanged page
            # costs nothing, while a page first stored before it could be parsed gets its report now.
            if item.parsed is not None and self.repo.save_report(saved, doc, item.parsed) is not None:
                counted.append("reports/saved")
        except StoreError as exc:
            counted.append(f"failures/{failures.STORE}")
            log.error("store refused %s: %s", doc.url, exc)
            self._record(FetchFailure(doc.region_code, doc.url, failures.STORE, str(exc)))
        return counted

    def _record(self, failure: FetchFailure) -> list[str]:
        if self.repo is None:
            log.warning("failure (database off): %s %s: %s", failure.reason, failure.url, failure.detail)
            return []
        self.repo.record_failure(
            self.run_id, failure.region_code, failure.url, failure.reason, failure.detail
        )
        return []

    def spider_closed(self, spider: Spider, reason: str) -> None:
        if self._writer is not None:
            self._writer.shutdown(wait=True)  # every item was awaited already: nothing is pending
            self._writer = None
        if self.repo is None:
            return
        silent = getattr(spider, "regions_without_report_links", lambda: [])()
        for code in silent:
            region = spider.registry.get(code)  # type: ignore[attr-defined]
            listings = ", ".join(region.listings) if region else ""
            self._record(
                FetchFailure(
                    code, listings, failures.NO_REPORT_LINKS, "the region's listings yielded no report link"
                )
            )
        if self.run_id is not None:
            self.repo.finish_run(self.run_id, reason, self.stats.get_stats())
        self.repo.close()
        self.repo = None
