"""Downloader middlewares replacing two of Scrapy's own (see DOWNLOADER_MIDDLEWARES in crawler/settings.py).

- BackoffRetryMiddleware: Scrapy's retry (429 and 5xx, timeouts, dropped connections) with a wait before
  each retry — the Retry-After the server asked for, else XXGK_BACKOFF_BASE × 2^(retries so far), capped at
  XXGK_BACKOFF_MAX. Scrapy's own retries at once, which is exactly what an overloaded portal answering 429
  or 503 does not want. A Retry-After longer than the cap is not waited for: the answer stands (and ends as
  a recorded failure `http 429`).
- ListingMetaRefreshMiddleware: Scrapy follows `<meta http-equiv="refresh">` for listing pages only. A
  withdrawn report refreshes to its column: following it would store the column as the report (or lose the
  URL to the duplicate filter), so the spider judges report pages itself (crawler/stubs.py).
"""

from __future__ import annotations

import datetime as dt
import email.utils
import logging
from typing import Any

from scrapy.downloadermiddlewares.redirect import MetaRefreshMiddleware
from scrapy.downloadermiddlewares.retry import RetryMiddleware
from scrapy.http import Request, Response
from scrapy.settings import BaseSettings
from scrapy.utils.defer import maybe_deferred_to_future
from scrapy.utils.response import response_status_message
from twisted.internet import reactor, task

log = logging.getLogger(__name__)

BACKOFF_BASE_SETTING = "XXGK_BACKOFF_BASE"  # seconds before the first retry when the server names none
BACKOFF_MAX_SETTING = "XXGK_BACKOFF_MAX"  # the longest wait, and the longest Retry-After honoured
DEFAULT_BACKOFF_BASE = 2.0
DEFAULT_BACKOFF_MAX = 60.0
# Request kinds the spider reads itself (meta "kind"); listings are the adapters' and Scrapy's to follow.
_SPIDER_JUDGED = frozenset({"report", "attachment"})


def retry_after_seconds(value: bytes | str | None, now: dt.datetime | None = None) -> float | None:
    """A Retry-After header in seconds: delta-seconds or an HTTP-date; None when absent or unreadable."""
    if value is None:
        return None
    text = value.decode("latin-1") if isinstance(value, bytes) else value
    text = text.strip()
    if text.isdigit():
        return float(text)
    try:
        when = email.utils.parsedate_to_datetime(text)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=dt.UTC)
    return max(0.0, (when - (now or dt.datetime.now(dt.UTC))).total_seconds())


class BackoffRetryMiddleware(RetryMiddleware):
    def __init__(self, settings: BaseSettings) -> None:
        super().__init__(settings)
        self.base = settings.getfloat(BACKOFF_BASE_SETTING, DEFAULT_BACKOFF_BASE)
        self.cap = settings.getfloat(BACKOFF_MAX_SETTING, DEFAULT_BACKOFF_MAX)

    def backoff(self, request: Request) -> float:
        """The wait before retrying `request` when the server names none: doubling with each retry."""
        return float(min(self.cap, self.base * 2 ** request.meta.get("retry_times", 0)))

    async def process_response(  # type: ignore[override]
        self, request: Request, response: Response
    ) -> Request | Response:
        if request.meta.get("dont_retry", False) or response.status not in self.retry_http_codes:
            return response
        asked = retry_after_seconds(response.headers.get(b"Retry-After"))
        if asked is not None and asked > self.cap:
            self._stats_inc("retry/retry_after_too_long")
            log.warning(
                "not retrying %s: Retry-After %.0f s is longer than %s=%.0f s",
                request.url, asked, BACKOFF_MAX_SETTING, self.cap,
            )  # fmt: skip
            return response
        retry = self._retry(request, response_status_message(response.status))
        if retry is None:
            return response
        await self._wait(request, asked if asked is not None else self.backoff(request))
        return retry

    async def process_exception(  # type: ignore[override]
        self, request: Request, exception: Exception
    ) -> Request | Response | None:
        if request.meta.get("dont_retry", False) or not isinstance(exception, self.exceptions_to_retry):
            return None
        retry = self._retry(request, exception)
        if retry is None:
            return None
        await self._wait(request, self.backoff(request))
        return retry

    async def _wait(self, request: Request, seconds: float) -> None:
        if seconds <= 0:
            return
        self._stats_inc("retry/backoff_seconds", seconds)
        log.debug("backing off %.2f s before retrying %s", seconds, request.url)
        await maybe_deferred_to_future(task.deferLater(reactor, seconds, lambda: None))  # type: ignore[arg-type]

    def _stats_inc(self, key: str, value: Any = 1) -> None:
        stats = self.crawler.stats
        if stats is not None:
            stats.inc_value(key, value)


class ListingMetaRefreshMiddleware(MetaRefreshMiddleware):
    def process_response(  # type: ignore[override]
        self, request: Request, response: Response
    ) -> Request | Response:
        if request.meta.get("kind") in _SPIDER_JUDGED:
            return response
        return super().process_response(request, response)
