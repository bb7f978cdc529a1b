"""Parsing beside the reactor: during a crawl the parser runs in worker processes.

Parsing is pure CPU work in Python; on the reactor's thread it holds the GIL that downloading, the spider
and the database writer need, so a crawl used one core however many the machine had. ParsePipeline sends
each document to a ParserPool instead (XXGK_PARSE_WORKERS processes, default: the cores but one) and
awaits the result; with 0 workers, or outside a crawl, it parses in place. Workers come from a fork server
that has imported the parser once (fast to start, no threads inherited from the crawler).
"""

from __future__ import annotations

import datetime as dt
import multiprocessing
import os
import time
from collections.abc import Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass, field

import parsers.report
from parsers.companions import Companion, CompanionReading
from parsers.document import decode_html
from parsers.metadata import page_publish_date
from parsers.model import ParsedReport

WORKERS_SETTING = "XXGK_PARSE_WORKERS"
MAX_DEFAULT_WORKERS = 4


def default_workers() -> int:
    """Every core but the one the reactor needs, at most MAX_DEFAULT_WORKERS (0 on a single core)."""
    return max(0, min(MAX_DEFAULT_WORKERS, (os.cpu_count() or 1) - 1))


@dataclass(frozen=True)
class ParseResult:
    parsed: ParsedReport
    page_date: dt.date | None  # the date the page itself shows (None for files, and pages showing none)
    seconds: float  # time spent parsing
    # What became of each companion of a page, in the order given (parsers.companions).
    companions: list[CompanionReading] = field(default_factory=list)


def parse_fetched(
    body: bytes,
    url: str,
    content_type: str | None,
    listing_date: dt.date | None,
    is_page: bool,
    companions: Sequence[Companion] = (),
) -> ParseResult:
    """The parse of a fetched document, the page's own publish date first (the listing's date stands in
    for a page that shows none); a page with companions takes what it lacks from them."""
    started = time.perf_counter()
    page_date = None
    if is_page:
        text, _encoding = decode_html(body, content_type)
        page_date = page_publish_date(text)
    published = page_date or listing_date
    readings: list[CompanionReading] = []
    if companions:
        parsed, readings = parsers.report.parse_with_companions(
            body, url=url, content_type=content_type, published=published, companions=companions
        )
    else:
        parsed = parsers.report.parse_report(body, url=url, content_type=content_type, published=published)
    return ParseResult(parsed, page_date, time.perf_counter() - started, readings)


def _ready() -> bool:
    return True


class ParserPool:
    def __init__(self, workers: int) -> None:
        context = multiprocessing.get_context("forkserver")
        context.set_forkserver_preload([__name__])
        self.workers = workers
        self._executor = ProcessPoolExecutor(workers, mp_context=context)
        # Start the workers now, while the crawl reads its first listings.
        self._executor.submit(_ready)

    def submit(
        self,
        body: bytes,
        url: str,
        content_type: str | None,
        listing_date: dt.date | None,
        is_page: bool,
        companions: Sequence[Companion] = (),
    ) -> Future[ParseResult]:
        return self._executor.submit(
            parse_fetched, body, url, content_type, listing_date, is_page, tuple(companions)
        )

    def close(self) -> None:
        self._executor.shutdown(wait=True, cancel_futures=True)
