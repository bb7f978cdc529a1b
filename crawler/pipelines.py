"""Item pipelines, in order: keep the raw bytes → parse → store.

The division of labour: the spider only fetches; RawStorePipeline keeps every fetched body on disk first
(so anything can be re-parsed without re-crawling); ParsePipeline runs the parser library; DatabasePipeline
writes documents, versions, reports and failures through crawler.store.Repository. The database writer
switches itself off when the setting XXGK_DATABASE is "off" (the raw files are still kept).

Between pipelines a FetchedDocument travels inside a ProcessedDocument that collects what each stage adds.
A report page's companions (the pictures and files fetched with it) travel inside the page's item, each in
a ProcessedDocument of its own: kept, parsed with the page and stored after it as its attachments.
FetchFailure items pass through to the database pipeline, which records them.
"""

from __future__ import annotations

import asyncio
import logging
import queue
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future
from dataclasses import dataclass, field
from typing import Any

from scrapy import signals
from scrapy.crawler import Crawler
from scrapy.spiders import Spider

from crawler import failures
from crawler.failures import FetchFailure
from crawler.incremental import RefetchPolicy
from crawler.items import FetchedDocument
from parsers.companions import Companion
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
    # A report page's companions (doc.companions), in the same order.
    companions: list[ProcessedDocument] = field(default_factory=list)

    def documents(self) -> list[ProcessedDocument]:
        """The page, then its companions: what is kept and stored for this item."""
        return [self, *self.companions]


def _processed(item: Any) -> Any:
    if isinstance(item, FetchedDocument):
        return ProcessedDocument(item, companions=[ProcessedDocument(c) for c in item.companions])
    return item


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
        try:
            asyncio.get_running_loop()
        except RuntimeError:  # called outside a crawl (tests, tools): write here and now
            return self._keep(item)
        # In a crawl: the write (and its fsync) waits on a worker thread, not on the reactor.
        return asyncio.to_thread(self._keep, item)

    def _keep(self, item: ProcessedDocument) -> ProcessedDocument:
        for document in item.documents():
            self._keep_one(document)
        return item

    def _keep_one(self, item: ProcessedDocument) -> None:
        doc = item.doc
        try:
            sha256, item.raw_path = self.store.put(doc.body)
        except OSError as exc:
            item.failure = FetchFailure(
                doc.region_code, doc.url, failures.RAW_STORE, f"{type(exc).__name__}: {exc}"
            )
            log.error("could not keep the raw bytes of %s: %s", doc.url, exc)
            return
        if sha256 != doc.sha256:
            raise AssertionError(f"raw store hashed {doc.url} to {sha256}, the item says {doc.sha256}")


# Attachments that may be the report itself (attachment-only reports publish the text as a file).
REPORT_FILE_KINDS = frozenset({"pdf", "doc", "docx", "wps"})


class ParsePipeline:
    """Parses report pages (role "report", kind "html") with their companions, and files that may be the
    report itself (PDF, DOC, DOCX, WPS: a listing link straight to the file, or an attachment handed on
    alone). A page reads the tables it lacks from its companions (parsers.companions); a companion file
    that is the same report as its page is stored without a report of its own (no organ-year twice), one
    that reads as another report keeps that report. A file's parse is kept only when it reads as a report
    (sections or tables found): a 解读 or a form attached to a report is not one, and is no failure either.
    A page's own publish date (meta or visible date block) is read here too, into `doc.page_date`.

    During a crawl the parsing runs in worker processes (crawler/parsework.py, XXGK_PARSE_WORKERS); outside
    one, or with 0 workers, in place. A page whose bytes are the stored current version, already parsed by
    this parser version from the companions stored now, with every companion fetched unchanged too, is not
    parsed again (the spider's RefetchPolicy knows, once the database pipeline has told it what is stored:
    Repository.known_documents). A companion that could not be fetched this time is no reason to parse
    again: the page, unchanged, still links it, and the stored report was read from it. A page parsing as
    "not a report" is recorded as the failure `not a report`; the document is still stored.
    """

    def __init__(self, crawler: Crawler | None = None) -> None:
        self.crawler = crawler
        self.pool: Any = None  # a crawler.parsework.ParserPool while a crawl runs with workers
        self._pool_broken = False

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> ParsePipeline:
        pipeline = cls(crawler)
        crawler.signals.connect(pipeline.spider_closed, signal=signals.spider_closed)
        return pipeline

    def open_spider(self) -> None:
        from crawler.parsework import WORKERS_SETTING, ParserPool, default_workers

        assert self.crawler is not None
        workers = self.crawler.settings.getint(WORKERS_SETTING, default_workers())
        if workers > 0:
            self.pool = ParserPool(workers)

    def spider_closed(self, spider: Spider, reason: str) -> None:
        if self.pool is not None:
            self.pool.close()
            self.pool = None

    def process_item(self, item: Any) -> Any:
        """The item, or (parsing in a worker) a coroutine the engine awaits that returns it."""
        item = _processed(item)
        if not isinstance(item, ProcessedDocument):
            return item
        doc = item.doc
        is_page = doc.role == "report" and doc.kind == "html"
        if not (is_page or doc.kind in REPORT_FILE_KINDS):
            return item
        policy = getattr(self.crawler.spider, "refetch_policy", None) if self.crawler else None
        if isinstance(policy, RefetchPolicy) and _unchanged_and_parsed(policy, item):
            self._inc("parse/skipped_unchanged")
            return item
        companions = [Companion(c.doc.url, c.doc.body, c.doc.content_type) for c in item.companions]
        if self.pool is not None and not self._pool_broken:
            return self._parse_in_worker(item, is_page, companions)
        from crawler.parsework import parse_fetched

        try:
            result = parse_fetched(
                doc.body, doc.final_url, doc.content_type, doc.listing_date, is_page, companions
            )
        except Exception as exc:  # the parser's contract says it never raises; keep the crawl going anyway
            return self._crashed(item, exc)
        return self._parsed(item, is_page, result)

    async def _parse_in_worker(
        self, item: ProcessedDocument, is_page: bool, companions: list[Companion]
    ) -> ProcessedDocument:
        from concurrent.futures.process import BrokenProcessPool

        from crawler.parsework import parse_fetched

        doc = item.doc
        args = (doc.body, doc.final_url, doc.content_type, doc.listing_date, is_page, companions)
        try:
            result = await asyncio.wrap_future(self.pool.submit(*args))
        except BrokenProcessPool as exc:
            # A worker died (killed, out of memory): parse here from now on, and this one too.
            log.error("the parser workers died (%s): parsing in the crawler process from now on", exc)
            self._pool_broken = True
            self._inc("parse/workers_broken")
            try:
                result = parse_fetched(*args)
            except Exception as crash:
                return self._crashed(item, crash)
        except Exception as exc:
            return self._crashed(item, exc)
        return self._parsed(item, is_page, result)

    def _crashed(self, item: ProcessedDocument, exc: Exception) -> ProcessedDocument:
        doc = item.doc
        log.error("parser crashed on %s: %s: %s", doc.final_url, type(exc).__name__, exc)
        item.failure = FetchFailure(
            doc.region_code, doc.url, failures.PARSE_CRASH, f"{type(exc).__name__}: {exc}"
        )
        return item

    def _parsed(self, item: ProcessedDocument, is_page: bool, result: Any) -> ProcessedDocument:
        doc = item.doc
        item.parsed = result.parsed
        self._inc("parse/parsed")
        self._inc("parse/seconds", result.seconds)
        for companion, reading in zip(item.companions, result.companions, strict=True):
            # Only a companion that is another report keeps a report: one the page took its tables from, or
            # a copy of the page's report, would count the same organ-year twice.
            companion.parsed = reading.report if reading.use == "report" else None
            self._inc(f"parse/companions/{reading.use}")
        if doc.companion_failures:
            result.parsed.warnings.extend(f"companion not fetched: {note}" for note in doc.companion_failures)
        if not is_page:
            parsed = result.parsed
            found = any(parsed.sections.values()) or any(t is not None for t in parsed.tables.values())
            if parsed.kind == "not_report" or not found:
                item.parsed = None  # not the report: the file is stored, no report rows
                self._inc("parse/files_not_report")
            else:
                self._inc("parse/files_report")
            return item
        doc.page_date = result.page_date
        if result.parsed.kind == "not_report":
            title = result.parsed.title or doc.listing_title
            item.failure = FetchFailure(
                doc.region_code,
                doc.url,
                failures.NOT_REPORT,
                f"the parser reads {title!r} as no annual report",
                listing_url=doc.listing_url,
            )
        return item

    def _inc(self, key: str, count: float = 1) -> None:
        stats = self.crawler.stats if self.crawler else None
        if stats is not None:
            stats.inc_value(key, count)


def _unchanged_and_parsed(policy: RefetchPolicy, item: ProcessedDocument) -> bool:
    """The page is its stored version, parsed by this parser version from the companions stored now, and
    every companion fetched is stored with these bytes: parsing again would read the same. (The store
    gives a page no parser version when its report was not read from the companions as stored, e.g. one it
    could not fetch then is stored now: that brings a parse, not a skip.)"""
    if not policy.unchanged_and_parsed(item.doc.url, item.doc.sha256):
        return False
    for companion in item.companions:
        known = policy.known.get(companion.doc.url)
        if known is None or known.sha256 != companion.doc.sha256:
            return False
    return True


class BatchWriter:
    """One thread writing what it is handed, a batch at a time: whatever arrived while the previous batch
    was being written (at most `max_batch`), in arrival order. `submit` returns a Future per entry."""

    def __init__(self, write: Callable[[list[Any]], list[Any]], max_batch: int = 64) -> None:
        self._write = write
        self._max_batch = max_batch
        self._queue: queue.SimpleQueue[tuple[Any, Future[Any]] | None] = queue.SimpleQueue()
        self.batches = 0  # what the writer did, for the crawl's stats
        self.entries = 0
        self.busy_seconds = 0.0
        self._thread = threading.Thread(target=self._run, name="xxgk-db-writer", daemon=True)
        self._thread.start()

    def submit(self, entry: Any) -> Future[Any]:
        future: Future[Any] = Future()
        self._queue.put((entry, future))
        return future

    def close(self) -> None:
        """Write what is queued, then stop the thread."""
        self._queue.put(None)
        self._thread.join()

    def _run(self) -> None:
        stopping = False
        while not stopping:
            first = self._queue.get()
            if first is None:
                return
            batch = [first]
            while len(batch) < self._max_batch:
                try:
                    more = self._queue.get_nowait()
                except queue.Empty:
                    break
                if more is None:
                    stopping = True
                    break
                batch.append(more)
            started = time.perf_counter()
            try:
                results = self._write([entry for entry, _ in batch])
            except Exception as exc:  # the futures carry it to the items that were waiting
                for _, future in batch:
                    future.set_exception(exc)
                continue
            finally:
                self.batches += 1
                self.entries += len(batch)
                self.busy_seconds += time.perf_counter() - started
            for (_, future), result in zip(batch, results, strict=True):
                future.set_result(result)


class DatabasePipeline:
    """Documents, versions, reports and failures into Postgres; one crawl_runs row per crawl.

    During a crawl the writes run on one writer thread (BatchWriter), in the order the items arrive:
    waiting on Postgres no longer stops the reactor from downloading and parsing (the wait releases the
    GIL), a report page is written before the attachments its request led to, and the documents that
    queue up while a batch is written go in the next one, in one transaction (Repository.save_many;
    one by one when a batch fails). Stats are counted back on the reactor thread.

    A page's report is written when its page version, the parser version or the companion versions its
    parse read (reports.companions) differ from the stored report's: a corrected PDF attached to an
    unchanged page rewrites the page's report; an unchanged page with unchanged companions rewrites
    nothing. The page is written before its companions, so the decision rests on what the parse read, not
    on the companions' SavedDocument status (which compares with the last stored version, not with the
    report's reading, and is known only after the page is written).
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
        self._writer: BatchWriter | None = None
        self.batch_fallbacks = 0  # batches written one by one after a database error

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
        # scrapyd passes its job id as the spider argument `_job`: the scheduler finds the run by it.
        job = getattr(self.spider, "_job", None)
        self.run_id = self.repo.start_run(self.spider.name, region_codes, scrapyd_job_id=job)
        # Incremental crawls: the spider skips what is stored and fresh (crawler/incremental.py).
        use_known = getattr(self.spider, "use_known_documents", None)
        if use_known is not None:
            use_known(self.repo.known_documents(region_codes), self.repo.parser_version)
        self._writer = BatchWriter(self._write_batch)

    def process_item(self, item: Any) -> Any:
        """The item, or (with the writer thread) a coroutine the engine awaits that returns it."""
        if isinstance(item, FetchFailure):
            return self._store(item, [item])
        item = _processed(item)
        if not isinstance(item, ProcessedDocument):
            return item
        kept: list[FetchFailure | ProcessedDocument] = []
        for document in item.documents():  # a page first, then its companions
            if document.failure is not None:
                self.stats.inc_value(f"failures/{document.failure.reason}")
            if self.repo is None or document.raw_path is None:
                if document.failure is not None:
                    self._record(document.failure)
                continue
            kept.append(document)
        return self._store(item, kept) if kept else item

    def _store(self, item: Any, entries: list[FetchFailure | ProcessedDocument]) -> Any:
        if self._writer is None:
            self._count([key for keys in self._write_batch(entries) for key in keys])
            return item
        return self._stored_later(item, [self._writer.submit(entry) for entry in entries])

    async def _stored_later(self, item: Any, written: list[Future[list[str]]]) -> Any:
        for future in written:
            self._count(await asyncio.wrap_future(future))
        return item

    def _count(self, keys: list[str]) -> None:
        for key in keys:
            self.stats.inc_value(key)

    # ---- on the writer thread ------------------------------------------------------------------------

    def _write_batch(self, entries: list[FetchFailure | ProcessedDocument]) -> list[list[str]]:
        """Write failures and documents; for each entry, the stats keys to count."""
        counted: list[list[str]] = [[] for _ in entries]
        documents: list[tuple[int, ProcessedDocument]] = []
        for n, entry in enumerate(entries):
            if isinstance(entry, FetchFailure):
                self._record(entry)
                continue
            if entry.failure is not None:
                self._record(entry.failure)
            documents.append((n, entry))
        if not documents:
            return counted
        from crawler.store import StoreError

        batch = [(item.doc, item.raw_path, item.parsed) for _, item in documents]
        try:
            results = self.repo.save_many(self.run_id, batch)
        except Exception:
            # A database error in one document must not lose the others: write them one at a time.
            log.warning("a batch of %d documents failed; writing them one by one", len(batch), exc_info=True)
            self.batch_fallbacks += 1
            for n, item in documents:
                counted[n] = self._write_one(item)
            return counted
        for (n, item), result in zip(documents, results, strict=True):
            if isinstance(result, StoreError):
                counted[n] = self._refused(item, result)
            else:
                saved, report_id = result
                counted[n] = [
                    f"documents/{saved.status}",
                    *(["reports/saved"] if report_id is not None else []),
                ]
        return counted

    def _write_one(self, item: ProcessedDocument) -> list[str]:
        from crawler.store import StoreError

        doc = item.doc
        try:
            saved = self.repo.save_document(self.run_id, doc, item.raw_path)
            counted = [f"documents/{saved.status}"]
            # save_report skips a version already stored by this parser version from the same companion
            # versions, so an unchanged page costs nothing, a page first stored before it could be parsed
            # gets its report now, and a revised attachment of an unchanged page rewrites its report.
            if item.parsed is not None and self.repo.save_report(saved, doc, item.parsed) is not None:
                counted.append("reports/saved")
            return counted
        except StoreError as exc:
            return self._refused(item, exc)

    def _refused(self, item: ProcessedDocument, exc: Exception) -> list[str]:
        doc = item.doc
        log.error("store refused %s: %s", doc.url, exc)
        self._record(FetchFailure(doc.region_code, doc.url, failures.STORE, str(exc)))
        return [f"failures/{failures.STORE}"]

    def _record(self, failure: FetchFailure) -> list[str]:
        if self.repo is None:
            log.warning("failure (database off): %s %s: %s", failure.reason, failure.url, failure.detail)
            return []
        self.repo.record_failure(
            self.run_id, failure.region_code, failure.url, failure.reason, failure.detail
        )
        return []

    # ---- closing -------------------------------------------------------------------------------------

    def spider_closed(self, spider: Spider, reason: str) -> None:
        if self._writer is not None:
            self._writer.close()  # every item was awaited already: nothing is left to write
            self.stats.set_value("db/batches", self._writer.batches)
            self.stats.set_value("db/entries", self._writer.entries)
            self.stats.set_value("db/busy_seconds", round(self._writer.busy_seconds, 3))
            self.stats.set_value("db/batch_fallbacks", self.batch_fallbacks)
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
