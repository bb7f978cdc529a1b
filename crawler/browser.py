"""The browser, in one place: Debian's Chromium driven by scrapy-playwright, only where a page needs it.

Only two kinds of request ever reach the browser: listings whose rows are written by JavaScript (a family
parameter `render = "browser"`, e.g. public_column) and WAF challenge pages (crawler/challenges.py). Every
other request goes through Scrapy's own HTTP handler: BrowserDownloadHandler *is* that handler until a
request carries `meta["playwright"]`, and starts Playwright only then, so a crawl that never asks for a
browser never starts one — and runs on a machine without Chromium.

The browser is Debian's `/usr/bin/chromium` (Playwright cannot download its own builds here; XXGK_CHROMIUM
names another executable, or "off"). It runs headless as one persistent context (a throw-away profile that
downloads PDFs instead of opening Chrome's viewer, so attachments arrive as the server's bytes), with the
crawler's User-Agent, so cookies it earns also hold for plain requests that send the same User-Agent.
Contexts and pages per context are capped; every page a request opens is closed once its answer is
judged, on errors too (crawler/challenges.py, and `release_page` for errbacks).
"""

from __future__ import annotations

import asyncio
import atexit
import json
import logging
import os
import shutil
import tempfile
from collections.abc import Mapping, Sequence
from contextlib import suppress
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final

from scrapy.http import Request
from scrapy.settings import BaseSettings
from scrapy_playwright.handler import ScrapyPlaywrightDownloadHandler
from twisted.internet.defer import Deferred, succeed

if TYPE_CHECKING:
    from playwright.async_api import Page
    from playwright.async_api import Request as PlaywrightRequest
    from scrapy import Spider
    from scrapy.http import Response

    from crawler.registry import Region

log = logging.getLogger(__name__)

CHROMIUM_SETTING: Final[str] = "XXGK_CHROMIUM"  # setting and environment variable: a path, or "off"
DEFAULT_CHROMIUM: Final[str] = "/usr/bin/chromium"
WAIT_SETTING: Final[str] = "XXGK_BROWSER_WAIT"  # seconds a browser page may take to show the real page
DEFAULT_WAIT: Final[float] = 60.0  # 瑞数 takes 30–45 s in a real browser
# Headless Chromium as a crawler needs it: no sandbox (containers, root), no background traffic of its own.
LAUNCH_ARGS: Final[tuple[str, ...]] = (
    "--no-sandbox",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-gpu",
    "--no-first-run",
    "--disable-sync",
)
CONTEXT_NAME: Final[str] = "xxgk"  # one context: cookies are per host anyway
MAX_CONTEXTS: Final[int] = 1
MAX_PAGES_PER_CONTEXT: Final[int] = 4
NAVIGATION_TIMEOUT_MS: Final[int] = 30_000
# Sub-resources a crawler never needs; the documents themselves (an image attachment too) still load.
ABORTED_RESOURCE_TYPES: Final[frozenset[str]] = frozenset({"image", "media", "font"})
# Meta key an adapter sets (with `playwright`) on a request whose page JavaScript fills in: a CSS selector
# that is present once the page is rendered.
RENDER_WAIT: Final[str] = "xxgk_render_wait"

_OFF = frozenset({"off", "0", "false", "no"})

DOWNLOAD_HANDLERS: Final[dict[str, str]] = {
    "http": "crawler.browser.BrowserDownloadHandler",
    "https": "crawler.browser.BrowserDownloadHandler",
}


def chromium_path(settings: Mapping[str, Any] | BaseSettings | None = None) -> str | None:
    """The Chromium executable to drive, or None when there is none (or XXGK_CHROMIUM=off)."""
    configured = ""
    if settings is not None:
        configured = str(settings.get(CHROMIUM_SETTING) or "")
    configured = configured or os.environ.get(CHROMIUM_SETTING, "")
    if configured.strip().lower() in _OFF:
        return None
    candidate = configured.strip() or DEFAULT_CHROMIUM
    if os.path.isfile(candidate) and os.access(candidate, os.X_OK):
        return candidate
    if not configured.strip():
        return shutil.which("chromium") or shutil.which("chromium-browser")
    return None


def launch_options(executable: str | None = None) -> dict[str, Any]:
    """PLAYWRIGHT_LAUNCH_OPTIONS: headless Debian Chromium with the crawler's flags."""
    return {
        "executable_path": executable or chromium_path() or DEFAULT_CHROMIUM,
        "headless": True,
        "args": list(LAUNCH_ARGS),
    }


def needs_browser(region: Region) -> bool:
    """A region whose listings are rendered by JavaScript or whose site sits behind a WAF challenge."""
    return region.params.get("render") == "browser" or bool(region.params.get("challenge"))


def sample_crawl_args(regions: Sequence[Region], executable: str | None) -> tuple[dict[str, str], str | None]:
    """The demo's spider arguments: every sample region; without Chromium, the regions that need no browser,
    with a note naming those left out (None when nothing is left out)."""
    skipped = [r for r in regions if needs_browser(r)] if executable is None else []
    if not skipped:
        return {"sample": "1"}, None
    kept = [r.code for r in regions if not needs_browser(r)]
    named = ", ".join(f"{r.code} {r.name}" for r in skipped)
    note = (
        f"no Chromium ({DEFAULT_CHROMIUM} missing, or {CHROMIUM_SETTING}=off): skipping the sample regions "
        f"that need a browser: {named} (install the Debian package chromium to crawl them too)"
    )
    return {"region": ",".join(kept)}, note


def render_meta(wait_for: str) -> dict[str, Any]:
    """Meta for a request whose page is written by JavaScript: fetched in the browser, judged once
    `wait_for` (a CSS selector) is on the page."""
    return {"playwright": True, RENDER_WAIT: wait_for}


def abort_request(request: PlaywrightRequest) -> bool:
    """PLAYWRIGHT_ABORT_REQUEST: skip images, media and fonts a page pulls in (not documents)."""
    return request.resource_type in ABORTED_RESOURCE_TYPES


@dataclass(frozen=True)
class BrowserConfig:
    executable: str | None  # None: no browser on this machine (browser requests fail with a reason)
    user_agent: str
    wait: float  # seconds
    configured: str = ""  # XXGK_CHROMIUM as given

    @classmethod
    def from_settings(cls, settings: BaseSettings) -> BrowserConfig:
        return cls(
            executable=chromium_path(settings),
            user_agent=str(settings.get("USER_AGENT") or ""),
            wait=settings.getfloat(WAIT_SETTING, DEFAULT_WAIT),
            configured=str(settings.get(CHROMIUM_SETTING) or os.environ.get(CHROMIUM_SETTING) or ""),
        )

    @property
    def available(self) -> bool:
        return self.executable is not None

    def missing_reason(self) -> str:
        """Why there is no browser, in words a failure record can carry."""
        if self.configured.strip().lower() in _OFF:
            return f"the browser is switched off ({CHROMIUM_SETTING}={self.configured})"
        where = self.configured.strip() or f"{DEFAULT_CHROMIUM} nor on PATH"
        return f"no Chromium at {where} (install the Debian package chromium, or set {CHROMIUM_SETTING})"


class BrowserProfile:
    """The throw-away Chromium profile of one crawl: downloads PDFs rather than showing them. Removed when
    the process exits: Chromium writes into it until the download handler has closed it, after the engine
    stopped."""

    def __init__(self) -> None:
        self.path = Path(tempfile.mkdtemp(prefix="xxgk-chromium-"))
        atexit.register(self.remove)
        default = self.path / "Default"
        default.mkdir()
        # Chrome's own preference; without it a PDF navigation yields the viewer's page, not the file.
        prefs = {"plugins": {"always_open_pdf_externally": True}, "download": {"prompt_for_download": False}}
        (default / "Preferences").write_text(json.dumps(prefs), encoding="utf-8")

    def context_kwargs(self, config: BrowserConfig) -> dict[str, Any]:
        """playwright_context_kwargs of the persistent context (its launch options included)."""
        kwargs: dict[str, Any] = {
            "user_data_dir": str(self.path),
            **launch_options(config.executable),
            "accept_downloads": True,
            "ignore_https_errors": True,  # self-signed certificates are common on government portals
            "java_script_enabled": True,
        }
        if config.user_agent:
            kwargs["user_agent"] = config.user_agent
        return kwargs

    def remove(self) -> None:
        shutil.rmtree(self.path, ignore_errors=True)


class BrowserDownloadHandler(ScrapyPlaywrightDownloadHandler):
    """scrapy-playwright's handler that starts Playwright at the first request asking for a browser.

    The stock handler starts Playwright's driver when the engine starts (the browser itself it launches on
    first use); this one defers even that, so plain crawls pay nothing and need nothing installed.
    """

    def __init__(self, crawler: Any) -> None:
        super().__init__(crawler)
        self._driver_lock = asyncio.Lock()
        self._driver_started = False

    async def _maybe_launch_in_thread(self) -> None:
        return None  # engine started: nothing to start yet

    def _engine_started(self) -> Deferred[None]:  # Scrapy < 2.14 connects this one instead
        return succeed(None)

    async def _download_request(self, request: Request, spider: Spider | None = None) -> Response:
        async with self._driver_lock:
            if not self._driver_started:
                log.info("first browser request (%s): starting Playwright", request.url)
                await self._launch()
                self._driver_started = True
        return await super()._download_request(request, spider)


def page_of(request: Request) -> Page | None:
    page = request.meta.get("playwright_page")
    return page if page is not None and hasattr(page, "close") else None


async def close_page(page: Page | None) -> bool:
    """Close a page a request kept open; True when one was open."""
    if page is None:
        return False
    with suppress(Exception):  # already closed, or the browser went away: nothing left to free
        if not page.is_closed():
            await page.close()
            return True
    return False


_closing: set[asyncio.Future[bool]] = set()  # closes under way (a task nobody references may vanish)


def release_page(request: Request) -> None:
    """For errbacks: close the page a failed request kept open (it would hold a slot of the context)."""
    page = request.meta.pop("playwright_page", None)
    if page is not None and hasattr(page, "close"):
        closing = asyncio.ensure_future(close_page(page))
        _closing.add(closing)
        closing.add_done_callback(_closing.discard)
