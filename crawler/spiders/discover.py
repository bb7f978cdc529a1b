"""The `discover` spider: a portal's home page → its annual-report column, family and registry row.

Spider arguments
    portal         the portal's home URL (several separated by commas; a missing scheme means http://)
    max_depth      clicks from the home page (default 3)
    max_requests   page fetches per portal (default 60)
Output
    For each portal, the registry row to add (TOML, with comments saying how it was found) on stdout, and
    an item (a dict: portal, column_url, family, evidence, route, region…, registry_row) for feeds
    (`-O found.jsonl`).
Caveats
    One page at a time per portal, best link first (crawler/discovery.py), same host(s) only; no pipelines
    run and nothing is stored. A portal whose home page answers a challenge (412/521) is reported, not passed.
"""

from __future__ import annotations

import logging
import re
from collections.abc import AsyncIterator, Iterator
from typing import Any
from urllib.parse import urlsplit

import scrapy
from scrapy.crawler import Crawler
from scrapy.exceptions import UsageError
from scrapy.http import Response
from scrapy.spidermiddlewares.httperror import HttpError
from twisted.python.failure import Failure

from crawler.discovery import MAX_DEPTH, MAX_REQUESTS, Discovery, Fetch, FetchedPage, is_loopback
from crawler.registry import Registry, load_registry
from crawler.spiders.reports import REGISTRY_PATH_SETTING, SAMPLE_PORTAL_SETTINGS, describe_failure

log = logging.getLogger(__name__)


class DiscoverSpider(scrapy.Spider):
    name = "discover"
    custom_settings = {  # noqa: RUF012 (Scrapy reads a plain dict)
        # Nothing is stored: the row is printed and yielded.
        "ITEM_PIPELINES": {},
        # Default True: the walk reads meta refresh itself (a stub column is the legacy family's sign).
        "METAREFRESH_ENABLED": False,
    }

    @classmethod
    def from_crawler(cls, crawler: Crawler, *args: Any, **kwargs: Any) -> DiscoverSpider:
        settings = crawler.settings
        registry = load_registry(
            settings.get(REGISTRY_PATH_SETTING) or None, sample_port=settings.get("SAMPLE_PORTAL_PORT")
        )
        try:
            spider: DiscoverSpider = super().from_crawler(crawler, *args, registry=registry, **kwargs)
        except UsageError as exc:
            log.error("the discover spider cannot start: %s", exc)
            raise
        spider.sample_port = settings.getint("SAMPLE_PORTAL_PORT") or None
        # Loopback portals are the sample portal (ours): politeness only slows the walk.
        loopback = all(is_loopback(urlsplit(d.portal).hostname or "") for d in spider.discoveries)
        if loopback and not settings.frozen:
            for key, value in SAMPLE_PORTAL_SETTINGS.items():
                settings.set(key, value, priority="spider")
        return spider

    def __init__(
        self,
        portal: str | None = None,
        max_depth: str | int = MAX_DEPTH,
        max_requests: str | int = MAX_REQUESTS,
        registry: Registry | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.registry = registry if registry is not None else load_registry()
        self.sample_port: int | None = None
        portals = [p.strip() for p in re.split(r"[,\s]+", portal or "") if p.strip()]
        if not portals:
            raise UsageError(
                "no portal given: pass -a portal=<the portal's home URL> (several: comma-separated)"
            )
        try:
            depth, budget = int(max_depth), int(max_requests)
        except ValueError:
            raise UsageError(f"max_depth={max_depth!r}, max_requests={max_requests!r}: numbers") from None
        try:
            self.discoveries = [Discovery(_with_scheme(p), depth, budget) for p in portals]
        except ValueError as exc:
            raise UsageError(str(exc)) from exc

    async def start(self) -> AsyncIterator[Any]:
        for index in range(len(self.discoveries)):
            for request in self._next(index):
                yield request

    def _next(self, index: int) -> Iterator[Any]:
        """The walk's next request, or, when it is over, its printed row and item."""
        discovery = self.discoveries[index]
        fetch = discovery.next_fetch()
        if fetch is not None:
            headers = {"Referer": fetch.referer} if fetch.referer else {}
            yield scrapy.Request(
                fetch.request_url,
                callback=self.parse_page,
                errback=self.on_error,
                headers=headers,
                dont_filter=True,  # the walk keeps its own set of pages seen
                meta={"discovery": index, "fetch": fetch},
            )
            return
        result = discovery.result(self.registry)
        row = result.to_toml(self.sample_port)
        print(row, flush=True)
        stats = self.crawler.stats
        assert stats is not None
        stats.inc_value("discover/found" if result.found and result.family else "discover/not_found")
        log.info("discovered %s: %s (%s)", result.portal, result.column_url, result.family)
        yield {**result.as_dict(), "registry_row": row}

    def parse_page(self, response: Response) -> Iterator[Any]:
        index: int = response.meta["discovery"]
        fetch: Fetch = response.meta["fetch"]
        self.discoveries[index].visit(fetch, _page(response))
        yield from self._next(index)

    def on_error(self, failure: Failure) -> Iterator[Any]:
        request = failure.request  # type: ignore[attr-defined]
        index: int = request.meta["discovery"]
        fetch: Fetch = request.meta["fetch"]
        if isinstance(failure.value, HttpError):
            self.discoveries[index].visit(fetch, _page(failure.value.response))
        else:
            reason, detail = describe_failure(failure)
            self.discoveries[index].fail(fetch, f"{reason}: {detail}")
        yield from self._next(index)


def _page(response: Response) -> FetchedPage:
    header = response.headers.get(b"Content-Type")
    content_type = header.decode("latin-1") if header else None
    return FetchedPage(response.url, response.status, content_type, response.body)


def _with_scheme(url: str) -> str:
    return url if re.match(r"^[a-z][a-z0-9+.-]*://", url, re.I) else f"http://{url}"
