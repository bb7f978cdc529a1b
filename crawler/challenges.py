"""WAF challenge pages (瑞数, 加速乐): recognise them, pass them in the browser, reuse what the pass earned.

Recognition (`detect`): 瑞数 (Ruishu) answers HTTP 412 (202 in older versions) with an inline `$_ts` script;
加速乐 (Jiasule) answers 521 with a script that writes `document.cookie`. Both expect a browser that runs the
script, gets its cookies and comes back; a plain client sees the same answer forever.

ChallengeMiddleware, a downloader middleware placed after Scrapy's CookiesMiddleware:

1. A challenge answer to a plain request: the same request again, through the browser (scrapy-playwright,
   crawler/browser.py). Requests to that host made meanwhile wait for the pass instead of collecting
   challenges of their own.
2. Every browser answer is judged on the page itself, polled until XXGK_BROWSER_WAIT: the last document the
   page's main frame loaded must be no challenge and, for HTML, show real body text (and, for a rendered
   listing, the rows' selector) — not merely "the challenge page went away". The answer handed on is that
   document's own bytes as the server sent them (a rendered listing: the DOM), or a download's file.
3. The cookies a pass earned are kept per host and sent on later plain requests to it.
4. A host that challenges a plain request carrying them (瑞数 ties its cookie to the browser) gets every
   later request — pages and attachments alike — through the browser context, which holds the cookies.
5. A pass that fails ends its request as `challenge failed: <kind>` (crawler.failures.ChallengeFailedError);
   later challenges from that host fail at once rather than waiting again. robots.txt behind a challenge
   that cannot be passed reads as no robots.txt (logged).

Pages are closed as soon as their answer is judged, and on errors (process_exception).

Stats: challenge/detected/<kind>, challenge/browser_pass/<kind>, challenge/passed/<kind>,
challenge/failed/<kind>, challenge/cookies_reused, challenge/cookies_refused/<kind>, browser/requests,
browser/rendered, browser/render_timeout, browser/downloads, browser/pages_closed.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final

from scrapy.exceptions import IgnoreRequest
from scrapy.http import Headers, Request, Response
from scrapy.responsetypes import responsetypes
from scrapy.utils.httpobj import urlparse_cached

from crawler.browser import (
    CONTEXT_NAME,
    RENDER_WAIT,
    BrowserConfig,
    BrowserProfile,
    close_page,
    page_of,
)
from crawler.failures import ChallengeFailedError

if TYPE_CHECKING:
    from playwright.async_api import Download, Page
    from playwright.async_api import Response as PlaywrightResponse
    from scrapy.crawler import Crawler
    from scrapy.statscollectors import StatsCollector

log = logging.getLogger(__name__)

RUISHU: Final[str] = "ruishu"
JIASULE: Final[str] = "jiasule"
_SCAN_BYTES = 64 * 1024  # challenge pages are small; markers sit near the top
_POLL_S = 0.1
# Meta keys of this middleware.
CHALLENGE: Final[str] = "xxgk_challenge"  # the challenge kind a browser request is sent to pass
VISIT: Final[str] = "xxgk_browser_visit"  # the BrowserVisit recording a browser request's page
REUSED: Final[str] = "xxgk_challenge_cookies"  # a plain request sent with cookies a pass earned
RETRIED: Final[str] = "xxgk_challenge_retried"  # a plain request sent again after another request's pass
_PER_ATTEMPT = (
    "playwright",
    "playwright_include_page",
    "playwright_page",
    "playwright_context",
    "playwright_context_kwargs",
    "playwright_page_event_handlers",
    "playwright_page_goto_kwargs",
    "playwright_suggested_filename",
    "playwright_security_details",
    VISIT,
    REUSED,
)
_VISIBLE_TEXT = "() => document.body ? document.body.innerText : ''"


def detect(status: int, body: bytes) -> str | None:
    """The challenge an answer is ("ruishu", "jiasule"), or None for a real page."""
    head = body[:_SCAN_BYTES]
    if status in (202, 412) and b"$_ts" in head:
        return RUISHU
    if status == 521 and b"document.cookie" in head:
        return JIASULE
    return None


def detect_response(response: Response) -> str | None:
    return detect(response.status, response.body)


@dataclass
class HostState:
    """What the crawl knows about one host's WAF."""

    kind: str | None = None  # the challenge the host presents
    cookies: dict[str, str] = field(default_factory=dict)  # earned by a browser pass
    browser_only: bool = False  # the host refused those cookies on a plain request
    failed: str | None = None  # why a pass failed: later challenges fail at once
    passing: asyncio.Event | None = None  # set when the pass under way ends


class BrowserVisit:
    """What a browser request's page did, recorded as it happens: main-frame documents, downloads."""

    def __init__(self) -> None:
        self.documents: list[PlaywrightResponse] = []
        self.downloads: list[Download] = []

    def on_response(self, response: PlaywrightResponse) -> None:
        try:
            main = response.frame.parent_frame is None
        except Exception:  # a response without a frame (service worker): not a document of the page
            return
        if main and response.request.is_navigation_request():
            self.documents.append(response)

    def on_download(self, download: Download) -> None:
        self.downloads.append(download)

    def challenge_seen(self) -> str | None:
        """The challenge a document of the visit answered with, judged by its status alone (its body is gone
        once the page moved on)."""
        for document in self.documents:
            if document.status in (202, 412):
                return RUISHU
            if document.status == 521:
                return JIASULE
        return None

    def handlers(self) -> dict[str, Any]:
        return {"response": self.on_response, "download": self.on_download}


@dataclass
class Verdict:
    """A browser page judged: the real page (`response`), or why there is none yet (`waiting`)."""

    response: Response | None = None
    challenge: str | None = None  # the challenge still (or last) on the page
    waiting: str = ""  # what is missing, for the failure's detail


class ChallengeMiddleware:
    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        self.config = BrowserConfig.from_settings(crawler.settings)
        self.hosts: dict[str, HostState] = {}
        self._profile: BrowserProfile | None = None  # created at the first browser request

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> ChallengeMiddleware:
        return cls(crawler)

    @property
    def stats(self) -> StatsCollector:
        stats = self.crawler.stats
        assert stats is not None
        return stats

    # -- requests ------------------------------------------------------------------------------

    async def process_request(self, request: Request) -> None:
        host = _host(request)
        state = self.hosts.get(host)
        if request.meta.get("playwright") or (state is not None and state.browser_only):
            self._to_browser(request)
            return
        if state is None:
            return
        if state.passing is not None:
            await self._wait_for_pass(state)
        if state.cookies:
            _send_cookies(request, state.cookies)
            request.meta[REUSED] = True
            self.stats.inc_value("challenge/cookies_reused")

    def _to_browser(self, request: Request) -> None:
        """Send the request through the browser: one context, the page kept open until judged."""
        if not self.config.available:
            kind = request.meta.get(CHALLENGE)
            if kind:
                raise ChallengeFailedError(kind, f"no browser: {self.config.missing_reason()}")
            raise IgnoreRequest(f"needs a browser: {self.config.missing_reason()}")
        if self._profile is None:
            self._profile = BrowserProfile()
        visit = BrowserVisit()
        meta = request.meta
        meta["playwright"] = True
        meta["playwright_include_page"] = True
        meta["playwright_context"] = CONTEXT_NAME
        meta["playwright_context_kwargs"] = self._profile.context_kwargs(self.config)
        meta["playwright_page_event_handlers"] = visit.handlers()
        meta[VISIT] = visit
        referer = request.headers.get("Referer")
        if referer:
            # Navigations send the browser's own headers; a Referer some portals insist on travels here.
            meta["playwright_page_goto_kwargs"] = {"referer": referer.decode("latin-1")}
        self.stats.inc_value("browser/requests")

    # -- answers -------------------------------------------------------------------------------

    async def process_response(self, request: Request, response: Response) -> Request | Response:
        if isinstance(request.meta.get(VISIT), BrowserVisit):
            return await self._judge(request, response)
        kind = detect_response(response)
        host = _host(request)
        if kind is None:
            return response
        state = self.hosts.setdefault(host, HostState())
        state.kind = kind
        self.stats.inc_value(f"challenge/detected/{kind}")
        if request.meta.get(REUSED):
            # The host refused cookies a browser earned: from now on it sees only the browser.
            if not state.browser_only:
                log.info("%s refused the %s cookies on a plain request: browser only from now on", host, kind)
                self.stats.inc_value(f"challenge/cookies_refused/{kind}")
            state.browser_only = True
            return self._through_browser(request, kind)
        if state.failed is not None:
            detail = f"an earlier pass on this host failed: {state.failed}"
            return self._failed(request, response, kind, detail)
        if state.passing is not None or (state.cookies and not request.meta.get(RETRIED)):
            # Sent before another request's pass ended: send it again with what that pass earned.
            await self._wait_for_pass(state)
            return self._plain_again(request)
        if not self.config.available:
            return self._failed(request, response, kind, f"no browser: {self.config.missing_reason()}")
        state.passing = asyncio.Event()
        log.info("%s challenge from %s: passing it in the browser", kind, request.url)
        return self._through_browser(request, kind)

    def _through_browser(self, request: Request, kind: str) -> Request:
        self.stats.inc_value(f"challenge/browser_pass/{kind}")
        meta = {k: v for k, v in request.meta.items() if k not in _PER_ATTEMPT}
        return request.replace(dont_filter=True, meta={**meta, "playwright": True, CHALLENGE: kind})

    def _plain_again(self, request: Request) -> Request:
        meta = {k: v for k, v in request.meta.items() if k not in _PER_ATTEMPT}
        return request.replace(dont_filter=True, meta={**meta, RETRIED: True})

    async def _wait_for_pass(self, state: HostState) -> None:
        event = state.passing
        if event is not None:
            # A pass that never reports back must not hold the host's requests forever.
            with contextlib.suppress(asyncio.TimeoutError):
                await asyncio.wait_for(event.wait(), timeout=self.config.wait + 60)

    def _failed(self, request: Request, response: Response, kind: str, detail: str) -> Response:
        if _is_robots(request):
            # robots.txt nobody can read is no robots.txt; the pages themselves will fail with the reason.
            log.warning("robots.txt of %s: %s challenge not passed: %s", _host(request), kind, detail)
            return response
        raise ChallengeFailedError(kind, detail)

    async def _judge(self, request: Request, response: Response) -> Response:
        visit: BrowserVisit = request.meta.pop(VISIT)
        page = page_of(request)
        request.meta.pop("playwright_page", None)
        kind = request.meta.get(CHALLENGE)
        wait_for = request.meta.get(RENDER_WAIT)
        state = self.hosts.setdefault(_host(request), HostState())
        started = time.monotonic()
        try:
            verdict = await self._settle(request, page, visit, wait_for)
            cookies = await _cookies(page, request.url) if verdict.response is not None else {}
        finally:
            if await close_page(page):
                self.stats.inc_value("browser/pages_closed")
        log.debug(
            "browser %s: download %.2f s, judged in %.2f s",
            request.url,
            request.meta.get("download_latency", 0.0),
            time.monotonic() - started,
        )
        # A page that met a challenge on its way (a rendered listing behind 加速乐) passed one too.
        kind = kind or verdict.challenge or visit.challenge_seen()
        if verdict.response is not None:
            if kind is not None:
                state.kind = state.kind or kind
                state.cookies.update(cookies)
                state.failed = None
                self.stats.inc_value(f"challenge/passed/{kind}")
            if wait_for:
                self.stats.inc_value("browser/rendered")
            self._pass_ended(state)
            return verdict.response
        if kind is None:
            # A rendered page that never showed its rows: hand on what there is, the adapter judges it.
            self.stats.inc_value("browser/render_timeout")
            log.warning("%s: %s after %.0f s", request.url, verdict.waiting, self.config.wait)
            return response
        detail = f"{verdict.waiting} after {self.config.wait:.0f} s in the browser"
        state.failed = detail
        self.stats.inc_value(f"challenge/failed/{kind}")
        self._pass_ended(state)
        log.warning("%s challenge at %s not passed: %s", kind, request.url, detail)
        return self._failed(request, response, kind, detail)

    def _pass_ended(self, state: HostState) -> None:
        if state.passing is not None:
            state.passing.set()
            state.passing = None

    async def _settle(
        self, request: Request, page: Page | None, visit: BrowserVisit, wait_for: str | None
    ) -> Verdict:
        """Poll the page until it shows the real page, or the wait is over."""
        deadline = time.monotonic() + self.config.wait
        while True:
            verdict = await self._look(request, page, visit, wait_for)
            if verdict.response is not None or time.monotonic() >= deadline:
                return verdict
            if page is None or page.is_closed():
                return verdict
            await asyncio.sleep(_POLL_S)

    async def _look(
        self, request: Request, page: Page | None, visit: BrowserVisit, wait_for: str | None
    ) -> Verdict:
        if visit.downloads:
            return await self._look_at_download(request, visit)
        if not visit.documents or page is None:
            return Verdict(waiting="no document loaded")
        document = visit.documents[-1]
        try:
            raw = await document.body()
            headers = await document.all_headers()
        except Exception:  # the page is navigating on (a challenge reloading itself)
            return Verdict(waiting="the page kept navigating")
        challenge = detect(document.status, raw)
        if challenge is not None:
            waiting = f"still a {challenge} challenge (HTTP {document.status})"
            return Verdict(challenge=challenge, waiting=waiting)
        body = raw
        if _is_html(headers.get("content-type"), raw):
            try:
                text = await page.evaluate(_VISIBLE_TEXT)
                rendered = await page.locator(wait_for).count() if wait_for else 1
            except Exception:
                return Verdict(waiting="the page kept navigating")
            if not str(text).strip():
                return Verdict(waiting="no body text on the page")
            if not rendered:
                return Verdict(waiting=f"nothing matching {wait_for!r} rendered")
            if wait_for:
                body = (await page.content()).encode("utf-8")
                headers = {**headers, "content-type": "text/html; charset=utf-8"}
        return Verdict(_response(request, document.url, document.status, headers, body))

    async def _look_at_download(self, request: Request, visit: BrowserVisit) -> Verdict:
        download = visit.downloads[-1]
        failure = await download.failure()  # waits for the download to end
        if failure:
            return Verdict(waiting=f"the download failed: {failure}")
        body = Path(await download.path()).read_bytes()
        answer = next((d for d in reversed(visit.documents) if d.url == download.url), None)
        status = answer.status if answer is not None else 200
        headers = await answer.all_headers() if answer is not None else {}
        self.stats.inc_value("browser/downloads")
        return Verdict(_response(request, download.url, status, headers, body))

    async def process_exception(self, request: Request, exception: Exception) -> None:
        """A browser request that failed: close its page, and end the pass others may wait for."""
        if await close_page(page_of(request)):
            self.stats.inc_value("browser/pages_closed")
        request.meta.pop("playwright_page", None)
        kind = request.meta.get(CHALLENGE)
        if kind and isinstance(request.meta.get(VISIT), BrowserVisit):
            state = self.hosts.setdefault(_host(request), HostState())
            state.failed = f"{type(exception).__name__}: {exception}"
            self.stats.inc_value(f"challenge/failed/{kind}")
            self._pass_ended(state)


def _response(request: Request, url: str, status: int, headers: dict[str, str], body: bytes) -> Response:
    """A Scrapy response of what the browser received (decoded bytes: no transfer headers kept)."""
    scrapy_headers = Headers()
    for name, value in headers.items():
        if name.lower() in ("content-encoding", "content-length", "transfer-encoding"):
            continue
        for line in value.split("\n"):  # Playwright joins repeated headers (Set-Cookie) with newlines
            scrapy_headers.appendlist(name, line)
    cls = responsetypes.from_args(headers=scrapy_headers, url=url, body=body)
    return cls(url=url, status=status, headers=scrapy_headers, body=body, request=request, flags=["browser"])


async def _cookies(page: Page | None, url: str) -> dict[str, str]:
    if page is None:
        return {}
    try:
        cookies = await page.context.cookies([url])
        return {c["name"]: c["value"] for c in cookies if "name" in c and "value" in c}
    except Exception:
        return {}


def _send_cookies(request: Request, cookies: dict[str, str]) -> None:
    """Add earned cookies to the Cookie header (they win over same-named ones the jar added)."""
    jar: dict[str, str] = {}
    for header in request.headers.getlist("Cookie"):
        for part in header.decode("latin-1").split(";"):
            name, sep, value = part.strip().partition("=")
            if sep:
                jar[name] = value
    jar.update(cookies)
    request.headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in jar.items())


def _host(request: Request) -> str:
    return urlparse_cached(request).hostname or ""


def _is_robots(request: Request) -> bool:
    return urlparse_cached(request).path == "/robots.txt"


def _is_html(content_type: str | None, body: bytes) -> bool:
    if content_type:
        return "html" in content_type.lower()
    return body[:512].lstrip().lower().startswith((b"<!doctype html", b"<html"))

