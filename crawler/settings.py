"""Scrapy settings of the project. Every override states Scrapy's default and why it differs.

Environment: XXGK_USER_AGENT (who is crawling, with a contact), SAMPLE_PORTAL_PORT, XXGK_DATABASE ("off" =
no database), XXGK_RAW_DIR, XXGK_MAX_DOCUMENT_MB, XXGK_REFETCH_DAYS, XXGK_BACKOFF_BASE, XXGK_BACKOFF_MAX,
XXGK_PARSE_WORKERS, DATABASE_URL / XXGK_DATA_DIR (read by crawler.store). Everything can also be overridden
per crawl with `-s NAME=value`.
"""

from __future__ import annotations

import os

from crawler import browser as _browser

BOT_NAME = "xxgk"
SPIDER_MODULES = ["crawler.spiders"]
NEWSPIDER_MODULE = "crawler.spiders"

# Default: this same asyncio reactor (since Scrapy 2.7). Stated, not left to the default, because
# scrapy-playwright and the spider's `async def start()` need it and a reactor installed elsewhere first
# would otherwise be used silently.
TWISTED_REACTOR = "twisted.internet.asyncioreactor.AsyncioSelectorReactor"

# Default: "Scrapy/VERSION (+https://scrapy.org)". Government portals answer 403 to anonymous clients and
# their operators should be able to reach whoever crawls them: say who you are in XXGK_USER_AGENT.
USER_AGENT = os.environ.get(
    "XXGK_USER_AGENT",
    "xxgk-annual-reports/0.1 (annual-report research crawler; set XXGK_USER_AGENT to your contact)",
)

# Default: False (the `startproject` template sets True). Obey robots.txt: most portals have none (404 =
# allow all). A region whose site disallows everything while publishing the reports for everyone can opt
# out in the registry: params `ignore_robots = true` with `ignore_robots_reason` (README, Configuration).
ROBOTSTXT_OBEY = True

# Default: 8 per domain. Public crawlers that keep working against these portals stay at 2–3 per host.
CONCURRENT_REQUESTS_PER_DOMAIN = 2
# Default: "scrapy.core.downloader.Downloader", which under the asyncio reactor lets a burst of requests
# to one host past the limit above (crawler/downloader.py says how); this one keeps to it.
DOWNLOADER = "crawler.downloader.PoliteDownloader"
# Default: 0. A steady half-second between requests to one host, randomised (RANDOMIZE_DOWNLOAD_DELAY).
DOWNLOAD_DELAY = 0.5
# Default: off. Slow down further when a portal's answers slow down.
AUTOTHROTTLE_ENABLED = True
AUTOTHROTTLE_START_DELAY = 1.0  # default 5.0: the fixed delay above is already polite
AUTOTHROTTLE_TARGET_CONCURRENCY = 1.0  # default 1.0, stated because it is the point of the setting

# Default: [500, 502, 503, 504, 522, 524, 408, 429]. Back off on 429 and 5xx only; other 4xx (403 without a
# Referer, 404, 412 WAF challenges) will not change on a retry and retrying them is impolite.
RETRY_HTTP_CODES = [429, 500, 502, 503, 504, 522, 524]
# Default: 2, stated: three attempts in all, each after a longer wait (XXGK_BACKOFF_BASE below).
RETRY_TIMES = 2
# Default: 180 s. A government page that has not answered in a minute will not; the failure is recorded.
DOWNLOAD_TIMEOUT = 60

# Default: Scrapy's own RetryMiddleware (retries at once) and MetaRefreshMiddleware (follows every refresh).
# Replaced by crawler/middlewares.py: retries wait (Retry-After, else exponential back-off), and report pages'
# refreshes are judged by the spider (a withdrawn report refreshes to its column: a failure, not a page).
DOWNLOADER_MIDDLEWARES = {
    "scrapy.downloadermiddlewares.retry.RetryMiddleware": None,
    "crawler.middlewares.BackoffRetryMiddleware": 550,
    "scrapy.downloadermiddlewares.redirect.MetaRefreshMiddleware": None,
    "crawler.middlewares.ListingMetaRefreshMiddleware": 580,
    # WAF challenges (瑞数 412, 加速乐 521) passed in the browser, cookies reused (crawler/challenges.py);
    # after CookiesMiddleware (700): it adds the earned cookies last, and sees answers before retry/redirect.
    "crawler.challenges.ChallengeMiddleware": 760,
}

# Default: Scrapy's HTTP handlers. scrapy-playwright's, as crawler/browser.py configures it: Debian's Chromium
# only for requests that ask for it (JS-rendered listings, challenge pages); every other request is Scrapy's
# own download, and Playwright starts at the first browser request only (never, in a plain crawl).
DOWNLOAD_HANDLERS = _browser.DOWNLOAD_HANDLERS
PLAYWRIGHT_BROWSER_TYPE = "chromium"  # the default, stated: Debian's chromium is the browser there is
PLAYWRIGHT_LAUNCH_OPTIONS = _browser.launch_options()  # default {}: /usr/bin/chromium, headless, our flags
PLAYWRIGHT_MAX_CONTEXTS = _browser.MAX_CONTEXTS  # default unlimited: one persistent context
PLAYWRIGHT_MAX_PAGES_PER_CONTEXT = _browser.MAX_PAGES_PER_CONTEXT  # default CONCURRENT_REQUESTS
PLAYWRIGHT_DEFAULT_NAVIGATION_TIMEOUT = _browser.NAVIGATION_TIMEOUT_MS  # default Playwright's 30 s, stated
# Default: Scrapy's headers override the browser's. None: the browser sends its own (its cookie jar, the
# Sec-Fetch-* headers WAFs look for); its User-Agent is the crawler's, set on the context.
PLAYWRIGHT_PROCESS_REQUEST_HEADERS = None
PLAYWRIGHT_ABORT_REQUEST = "crawler.browser.abort_request"  # default none: images, media, fonts are skipped
# seconds a browser page may take to show the real page (瑞数 takes 30–45 s), then the challenge has failed
XXGK_BROWSER_WAIT = float(os.environ.get("XXGK_BROWSER_WAIT") or _browser.DEFAULT_WAIT)
# the Chromium to drive (default /usr/bin/chromium, else chromium on PATH); "off": no browser
XXGK_CHROMIUM = os.environ.get("XXGK_CHROMIUM") or None

# Default: False. Scrapy's telnet console opens a port; nothing here needs it.
TELNETCONSOLE_ENABLED = False
# Default: True (Scrapy 2.19's remote-control endpoint). Off: a crawler need not listen on any port.
REMOTE_CONTROL_ENABLED = False

# Default: None (ASCII-escaped JSON). Feeds of Chinese titles should be readable.
FEED_EXPORT_ENCODING = "utf-8"

# Default: {}. Raw bytes first, parse second, store last (see crawler/pipelines.py).
ITEM_PIPELINES = {
    "crawler.pipelines.RawStorePipeline": 100,
    "crawler.pipelines.ParsePipeline": 200,
    "crawler.pipelines.DatabasePipeline": 300,
}

# Project settings (not Scrapy's):
# the port of the local sample portal named in the registry's sample rows as ${SAMPLE_PORTAL_PORT}
SAMPLE_PORTAL_PORT = int(os.environ.get("SAMPLE_PORTAL_PORT") or 8800)
# "off": crawl without a database (raw files are still kept)
XXGK_DATABASE = os.environ.get("XXGK_DATABASE", "on")
# where raw documents go; unset: XXGK_DATA_DIR/raw
XXGK_RAW_DIR = os.environ.get("XXGK_RAW_DIR") or None
# a database URL for this crawl; unset: DATABASE_URL from the environment, else the embedded Postgres
DATABASE_URL = None
# crawls of sample regions only relax politeness (loopback); False keeps the polite settings
XXGK_SAMPLE_RELAX = True
# seconds before the first retry when the server sends no Retry-After; doubled for each further retry
XXGK_BACKOFF_BASE = float(os.environ.get("XXGK_BACKOFF_BASE") or 2.0)
# the longest back-off, and the longest Retry-After honoured (longer: the answer stands as a failure)
XXGK_BACKOFF_MAX = float(os.environ.get("XXGK_BACKOFF_MAX") or 60.0)
# documents (pages and files) larger than this are cancelled and recorded as failures "too large"
XXGK_MAX_DOCUMENT_MB = float(os.environ.get("XXGK_MAX_DOCUMENT_MB") or 50)
# Default: 1024 MB. The same cap for every spider (the reports spider puts a `-s XXGK_MAX_DOCUMENT_MB` given
# per crawl on each request's meta).
DOWNLOAD_MAXSIZE = int(XXGK_MAX_DOCUMENT_MB * 1024 * 1024)
# parser processes beside the crawl (crawler/parsework.py); unset: the cores but one, at most 4; 0: in-process
XXGK_PARSE_WORKERS = os.environ.get("XXGK_PARSE_WORKERS") or None
# a stored URL is fetched again when its last fetch is older than this (else only when its listing date moves)
XXGK_REFETCH_DAYS = float(os.environ.get("XXGK_REFETCH_DAYS") or 30)
