"""Politeness: the settings, back-off on 429/5xx honouring Retry-After, no retry on other 4xx, robots.txt
obeyed (and the per-region override), at most two requests at a time per host, the configured User-Agent.

The crawls run against mini-sites on the sample portal (tests/minisites.py) whose answers are injected.
Encodings (a GBK page declaring iso-8859-1, GBK file names in Content-Disposition) are crawled in
tests/test_attachments.py.
"""

from __future__ import annotations

import datetime as dt
import importlib
import itertools
from pathlib import Path

import pytest
from sqlalchemy import create_engine

from crawler import settings as project_settings
from crawler.middlewares import BackoffRetryMiddleware, retry_after_seconds
from crawler.registry import load_registry
from crawler.sampleportal import SamplePortal
from crawler.spiders.reports import RegionSelectionError, select_regions
from tests.minisites import (
    COLUMN,
    HOST_SITE,
    LISTING_PATH,
    MiniSite,
    crawl,
    report_path,
    reports,
    write_registry,
)
from tests.test_crawl_e2e import rows

DAY = dt.date(2024, 2, 5)
TITLE = "样本市{}2023年政府信息公开工作年度报告"

# ---------------------------------------------------------------------------------------------------------
# Settings
# ---------------------------------------------------------------------------------------------------------


def test_polite_defaults() -> None:
    s = project_settings
    assert (s.CONCURRENT_REQUESTS_PER_DOMAIN, s.AUTOTHROTTLE_ENABLED, s.ROBOTSTXT_OBEY) == (2, True, True)
    assert s.DOWNLOAD_DELAY > 0
    # Back off on 429 and 5xx only: no other 4xx is ever retried.
    assert [code for code in s.RETRY_HTTP_CODES if 400 <= code < 500] == [429]
    assert all(code == 429 or code >= 500 for code in s.RETRY_HTTP_CODES)
    assert (
        s.DOWNLOADER_MIDDLEWARES.items()
        >= {
            "scrapy.downloadermiddlewares.retry.RetryMiddleware": None,
            "crawler.middlewares.BackoffRetryMiddleware": 550,
            "scrapy.downloadermiddlewares.redirect.MetaRefreshMiddleware": None,
            "crawler.middlewares.ListingMetaRefreshMiddleware": 580,
        }.items()
    )
    assert s.DOWNLOADER == "crawler.downloader.PoliteDownloader"
    assert (s.XXGK_BACKOFF_BASE, s.XXGK_BACKOFF_MAX, s.XXGK_MAX_DOCUMENT_MB, s.XXGK_REFETCH_DAYS) == (
        2.0, 60.0, 50.0, 30.0,
    )  # fmt: skip
    assert s.DOWNLOAD_MAXSIZE == 50 * 1024 * 1024


def test_user_agent_comes_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XXGK_USER_AGENT", "research-crawler/2 (+mailto:someone@example.org)")
    try:
        assert (
            importlib.reload(project_settings).USER_AGENT
            == "research-crawler/2 (+mailto:someone@example.org)"
        )
        monkeypatch.delenv("XXGK_USER_AGENT")
        assert "set XXGK_USER_AGENT" in importlib.reload(project_settings).USER_AGENT
    finally:
        importlib.reload(project_settings)


@pytest.mark.parametrize(
    ("value", "seconds"),
    [
        (b"120", 120.0),
        ("0", 0.0),
        (b"Thu, 01 Feb 2024 12:00:30 GMT", 30.0),
        (b"Thu, 01 Feb 2024 11:59:00 GMT", 0.0),  # in the past: at once
        (b"soon", None),
        (None, None),
    ],
)
def test_retry_after(value: bytes | str | None, seconds: float | None) -> None:
    now = dt.datetime(2024, 2, 1, 12, 0, 0, tzinfo=dt.UTC)
    assert retry_after_seconds(value, now) == seconds


def test_backoff_doubles_up_to_the_cap() -> None:
    from scrapy import Request
    from scrapy.settings import Settings

    middleware = BackoffRetryMiddleware(Settings({"XXGK_BACKOFF_BASE": 2, "XXGK_BACKOFF_MAX": 10}))
    waits = [middleware.backoff(Request("http://h/", meta={"retry_times": n})) for n in range(5)]
    assert waits == [2.0, 4.0, 8.0, 10.0, 10.0]


# ---------------------------------------------------------------------------------------------------------
# Back-off, and no retry on other 4xx
# ---------------------------------------------------------------------------------------------------------

BASE = 0.3  # XXGK_BACKOFF_BASE of the crawl below


def test_backoff_honours_retry_after_and_4xx_are_not_retried(
    pg_url: str, portal: SamplePortal, tmp_path: Path
) -> None:
    site = MiniSite(portal)
    limited, overloaded = reports(2)
    # 429 with Retry-After: 1, twice; then the page.
    site.serve(report_path(limited), status=429, headers=[("Retry-After", "1")], times=2)
    limited_url = site.add_report(limited)
    # 503 without Retry-After, every time (the page behind it never answers): three attempts after waits of
    # BASE and 2 × BASE, then a failure.
    site.serve(report_path(overloaded), status=503)
    overloaded_url = site.add_report(overloaded)
    forbidden = site.add_row(f"{COLUMN}202402/t20240205_403.html", TITLE.format("教育局"), DAY, status=403)
    gone = site.add_row(f"{COLUMN}202402/t20240205_404.html", TITLE.format("公安局"), DAY, status=404)
    too_long = site.add_row(
        f"{COLUMN}202402/t20240205_429.html", TITLE.format("财政局"), DAY,
        status=429, headers=[("Retry-After", "3600")],
    )  # fmt: skip
    site.publish()

    started = dt.datetime.now(dt.UTC)
    crawl(
        pg_url, tmp_path / "raw", portal, write_registry(tmp_path / "registry", site.listing_url),
        settings={"XXGK_BACKOFF_BASE": BASE, "XXGK_BACKOFF_MAX": 5},
    )  # fmt: skip
    elapsed = (dt.datetime.now(dt.UTC) - started).total_seconds()

    timed = portal.timed_requests(HOST_SITE)
    per_path: dict[str, list[float]] = {}
    for at, method, path in timed:
        assert method == "GET"
        per_path.setdefault(path, []).append(at)
    path = {
        url: url.removeprefix(site.base) for url in (limited_url, overloaded_url, forbidden, gone, too_long)
    }
    # The exact request log: 429 ×2 then 200; 503 ×3; 403, 404 and a 429 asking for an hour: once each.
    assert {p: len(times) for p, times in per_path.items()} == {
        "/robots.txt": 1,
        LISTING_PATH: 1,
        path[limited_url]: 3,
        path[overloaded_url]: 3,
        path[forbidden]: 1,
        path[gone]: 1,
        path[too_long]: 1,
    }
    limited_gaps = _gaps(per_path[path[limited_url]])
    assert all(gap >= 1.0 for gap in limited_gaps), limited_gaps  # Retry-After: 1, honoured both times
    overloaded_gaps = _gaps(per_path[path[overloaded_url]])
    assert overloaded_gaps[0] >= BASE and overloaded_gaps[1] >= 2 * BASE, overloaded_gaps
    assert elapsed >= 2.0

    engine = create_engine(pg_url)
    try:
        failed = dict(rows(engine, "SELECT url, reason FROM crawl_failures"))
        stored = {r.url for r in rows(engine, "SELECT url FROM documents")}
    finally:
        engine.dispose()
    assert failed == {
        overloaded_url: "http 503",
        forbidden: "http 403",
        gone: "http 404",
        too_long: "http 429",
    }
    assert stored == {limited_url}


def _gaps(times: list[float]) -> list[float]:
    return [b - a for a, b in itertools.pairwise(times)]


# ---------------------------------------------------------------------------------------------------------
# robots.txt obeyed (and overridden per region, with a reason); two requests at a time; the User-Agent
# ---------------------------------------------------------------------------------------------------------

ROBOTS = b"User-agent: *\nDisallow: /zfxxgk/core/2024\n"
SLOW_S = 0.5


def polite_site(portal: SamplePortal) -> tuple[MiniSite, list[str], list[str]]:
    """A column whose robots.txt disallows its 2024 reports; every report page answers after SLOW_S.
    Returns the site, the allowed and the disallowed report URLs."""
    site = MiniSite(portal)
    site.serve("/robots.txt", body=ROBOTS, content_type="text/plain")
    allowed, disallowed = [], []
    for report in reports(12):
        if report.layout == "absent":
            continue  # no table images: each report is one request
        if report.publish_date.year == 2024:
            disallowed.append(site.add_report(report, delay=SLOW_S))
        elif len(allowed) < 6:
            allowed.append(site.add_report(report, delay=SLOW_S))
    site.publish()
    assert (len(allowed), len(disallowed)) == (6, 2)
    return site, allowed, disallowed


def test_a_polite_crawl_obeys_robots_two_at_a_time_with_the_configured_user_agent(
    pg_url: str, portal: SamplePortal, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    site, allowed, disallowed = polite_site(portal)
    agent = "xxgk-test/1.0 (+mailto:tester@example.org)"
    monkeypatch.setenv("XXGK_USER_AGENT", agent)
    # The polite settings, without the fixed delay and AutoThrottle (they only make the test slow).
    crawl(
        pg_url, tmp_path / "raw", portal, write_registry(tmp_path / "registry", site.listing_url),
        settings={"XXGK_SAMPLE_RELAX": False, "DOWNLOAD_DELAY": 0, "AUTOTHROTTLE_ENABLED": False},
    )  # fmt: skip
    log = [path for _m, path in site.requests()]
    assert sorted(log) == sorted(["/robots.txt", LISTING_PATH, *(u.removeprefix(site.base) for u in allowed)])

    faults = [f for u in allowed for f in portal.faults.on(HOST_SITE, u.removeprefix(site.base))]
    starts = sorted(at for fault in faults for at in fault.served)
    assert len(starts) == 6
    # Each answer takes SLOW_S: two at a time means no third request starts while two are under way.
    in_flight = max(sum(1 for t in starts if s <= t < s + SLOW_S * 0.9) for s in starts)
    assert in_flight == 2
    assert {headers.get("user-agent") for fault in faults for headers in fault.headers_seen} == {agent}

    engine = create_engine(pg_url)
    try:
        assert set(rows(engine, "SELECT url, reason, detail FROM crawl_failures")) == {
            (url, "robots.txt disallows", "Forbidden by robots.txt") for url in disallowed
        }
        assert {r.url for r in rows(engine, "SELECT url FROM documents")} == set(allowed)
    finally:
        engine.dispose()


def test_robots_txt_override_per_region(pg_url: str, portal: SamplePortal, tmp_path: Path) -> None:
    site, allowed, disallowed = polite_site(portal)
    registry = write_registry(
        tmp_path / "registry",
        site.listing_url,
        {"ignore_robots": True, "ignore_robots_reason": "robots.txt disallows all; the reports are public"},
    )
    crawl(pg_url, tmp_path / "raw", portal, registry)
    log = [path for _m, path in site.requests()]
    # robots.txt is not even asked for.
    assert sorted(log) == sorted([LISTING_PATH, *(u.removeprefix(site.base) for u in allowed + disallowed)])
    engine = create_engine(pg_url)
    try:
        assert rows(engine, "SELECT count(*) FROM crawl_failures")[0][0] == 0
        assert {r.url for r in rows(engine, "SELECT url FROM documents")} == set(allowed + disallowed)
    finally:
        engine.dispose()


def test_robots_override_without_a_reason_is_refused(tmp_path: Path) -> None:
    registry = load_registry(
        write_registry(tmp_path, "http://127.0.0.11:8800/zfxxgk/core/index.htm", {"ignore_robots": True}),
        national=False,
    )
    with pytest.raises(RegionSelectionError) as caught:
        select_regions(registry, "990101", None)
    assert str(caught.value) == (
        "cannot crawl: region 样本市 (990101, 样本省): params.ignore_robots = true needs "
        "params.ignore_robots_reason saying why this site's robots.txt is not obeyed."
    )
