"""WAF challenges: recognising 瑞数 and 加速乐 answers, the sample portal's imitations of both, the challenge
middleware's decisions, and crawls through the real browser.

- 990118 (样本瑞数市): TRS classic behind 瑞数, reports with PDF/DOCX attachments. Its cookies only count
  with a browser's headers, so after one refused plain request the whole site — attachments included — is
  fetched in the browser context.
- 990120 (样本拦截县): 瑞数 whose script computes the wrong cookie: the crawl records `challenge failed`.
- 加速乐 end to end (cookies earned in the browser, reused by plain requests) is in
  tests/test_family_public_column.py (990117).
"""

from __future__ import annotations

import asyncio
import hashlib
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from scrapy import Request
from scrapy.exceptions import IgnoreRequest
from scrapy.http import HtmlResponse, Response
from scrapy.utils.test import get_crawler

from crawler.browser import (
    CONTEXT_NAME,
    RENDER_WAIT,
    chromium_path,
    launch_options,
    needs_browser,
    sample_crawl_args,
)
from crawler.challenges import (
    CHALLENGE,
    REUSED,
    VISIT,
    BrowserVisit,
    ChallengeMiddleware,
    HostState,
    detect,
)
from crawler.failures import ChallengeFailedError
from crawler.registry import load_registry
from crawler.sampleportal import SamplePortal
from crawler.sampleportal.challenges import (
    CLEARANCE_COOKIE,
    JSLUID_COOKIE,
    RUISHU_MAX_RELOADS,
    RUISHU_SCRIPT_COOKIE,
    RUISHU_SERVER_COOKIE,
    JiasuleGate,
    RuishuGate,
    fnv1a,
)
from crawler.sampleportal.chrome import PortalRequest, SiteSpec
from crawler.sampleportal.chrome import Response as PortalResponse
from crawler.sampleportal.families import trs_attachments, trs_classic
from tests.browser_crawl import BrowserCrawl, browser_crawled
from tests.conftest import REPO_ROOT
from tests.html_family_crawl import day, table_images
from tests.pg_fixtures import PgServer
from tests.test_crawl_e2e import rows

RUISHU_SITE = "990118"
BROKEN_SITE = "990120"
BROWSER_HEADERS = {"sec-fetch-mode": "navigate", "sec-fetch-dest": "document", "sec-fetch-site": "none"}


def gate_answer(gate: Any, headers: dict[str, str] | None = None, path: str = "/") -> PortalResponse:
    answer = gate.check(PortalRequest("GET", path, "", b"", headers or {}))
    assert answer is not None
    return answer


def set_cookie(answer: PortalResponse) -> tuple[str, str]:
    [(name, value)] = answer.headers
    assert name == "Set-Cookie"
    cookie_name, _, rest = value.partition("=")
    return cookie_name, rest.split(";")[0]


# ---------------------------------------------------------------------------------------------------------
# Recognition
# ---------------------------------------------------------------------------------------------------------


def test_the_portals_challenge_answers_are_recognised() -> None:
    spec = SiteSpec("990199", "测试", "127.0.0.99", "trs_classic")
    ruishu = gate_answer(RuishuGate(spec))
    assert ruishu.status == 412
    assert detect(ruishu.status, ruishu.body) == "ruishu"
    jiasule = JiasuleGate(spec)
    first = gate_answer(jiasule)
    assert first.status == 521
    assert detect(first.status, first.body) == "jiasule"
    # The second round (after the first clearance) is a challenge too.
    jsluid = set_cookie(first)[1]
    stage_one = f"1700000000|0|{jiasule.first_clearance_key(jsluid)}"
    second = gate_answer(jiasule, {"cookie": f"{JSLUID_COOKIE}={jsluid}; {CLEARANCE_COOKIE}={stage_one}"})
    assert second.status == 521 and b"go({" in second.body
    assert detect(second.status, second.body) == "jiasule"


def test_ordinary_answers_are_no_challenge() -> None:
    assert detect(200, b"<script>$_ts=window['$_ts'];</script>") is None  # a page that merely mentions it
    assert detect(412, b"<h1>Precondition Failed</h1>") is None
    assert detect(521, b"<h1>Web server is down</h1>") is None
    assert detect(200, b"<script>document.cookie='a=1'</script>") is None
    assert detect(202, b"<script>$_ts=window['$_ts'];if(!$_ts)$_ts={};</script>") == "ruishu"  # older 瑞数


# ---------------------------------------------------------------------------------------------------------
# The portal's imitations
# ---------------------------------------------------------------------------------------------------------


def test_ruishu_pairs_a_server_cookie_with_a_computed_one_and_wants_a_browser() -> None:
    gate = RuishuGate(SiteSpec("990199", "测试", "127.0.0.99", "trs_classic"))
    first = gate_answer(gate)
    name, server_cookie = set_cookie(first)
    assert name == RUISHU_SERVER_COOKIE
    assert b"$_ts.nsd=" + str(gate.nsd(server_cookie)).encode() in first.body
    jar = f"{RUISHU_SERVER_COOKIE}={server_cookie}"
    # A client that keeps the server's cookie but runs no script: challenged again, no new cookie.
    again = gate_answer(gate, {"cookie": jar})
    assert (again.status, again.headers) == (412, ())
    right = f"{jar}; {RUISHU_SCRIPT_COOKIE}={gate.expected_script_cookie(server_cookie)}"
    # The right pair from a client without a browser's headers: still refused.
    assert gate_answer(gate, {"cookie": right}).status == 412
    assert gate.check(PortalRequest("GET", "/", "", b"", {"cookie": right, **BROWSER_HEADERS})) is None
    wrong = f"{jar}; {RUISHU_SCRIPT_COOKIE}={'0' * 32}"
    assert gate_answer(gate, {"cookie": wrong, **BROWSER_HEADERS}).status == 412
    unissued = "a" * 32
    computed = gate.expected_script_cookie(unissued)
    forged = f"{RUISHU_SERVER_COOKIE}={unissued}; {RUISHU_SCRIPT_COOKIE}={computed}"
    assert gate_answer(gate, {"cookie": forged, **BROWSER_HEADERS}).status == 412  # not a cookie it issued
    assert [(e.client, e.outcome) for e in gate.log] == [
        ("plain", "challenge"),
        ("plain", "challenge"),
        ("plain", "challenge"),
        ("browser", "pass"),
        ("browser", "challenge"),
        ("browser", "challenge"),
    ]


def test_jiasule_takes_three_round_trips_and_its_cookies_work_for_any_client() -> None:
    gate = JiasuleGate(SiteSpec("990199", "测试", "127.0.0.99", "trs_classic"))
    first = gate_answer(gate)
    name, jsluid = set_cookie(first)
    assert name == JSLUID_COOKIE
    assert b"location.href=location.pathname+location.search" in first.body
    # A plain client following Set-Cookie only: the same first round, forever.
    for _ in range(3):
        assert gate_answer(gate, {"cookie": f"{JSLUID_COOKIE}={jsluid}"}).status == 521
    stage_one = f"1700000000|0|{gate.first_clearance_key(jsluid)}"
    second = gate_answer(gate, {"cookie": f"{JSLUID_COOKIE}={jsluid}; {CLEARANCE_COOKIE}={stage_one}"})
    prefix, chars, suffix = gate.second_round(jsluid, "1700000000")
    assert f'"ct":"{fnv1a(prefix + chars + suffix)}"'.encode() in second.body
    final = f"{JSLUID_COOKIE}={jsluid}; {CLEARANCE_COOKIE}={prefix}{chars}{suffix}"
    assert gate.check(PortalRequest("GET", "/", "", b"", {"cookie": final})) is None  # no browser needed
    other = f"{JSLUID_COOKIE}={gate.new_token()}; {CLEARANCE_COOKIE}={prefix}{chars}{suffix}"
    assert gate_answer(gate, {"cookie": other}).status == 521  # the clearance belongs to its __jsluid_h


def test_fnv1a_is_the_32_bit_hash_the_scripts_compute() -> None:
    assert fnv1a("") == "811c9dc5"
    assert fnv1a("a") == "e40c292c"
    assert fnv1a("foobar") == "bf9cf968"


# ---------------------------------------------------------------------------------------------------------
# The middleware's decisions (no browser started: its requests are inspected, not downloaded)
# ---------------------------------------------------------------------------------------------------------


def middleware(**settings: Any) -> ChallengeMiddleware:
    crawler = get_crawler(settings_dict={"USER_AGENT": "xxgk-tests/1.0", **settings})
    crawler.stats.open_spider()  # type: ignore[union-attr]
    return ChallengeMiddleware(crawler)


def challenge(url: str, kind: str, request: Request) -> Response:
    spec = SiteSpec("990199", "测试", "127.0.0.99", "trs_classic")
    gate = RuishuGate(spec) if kind == "ruishu" else JiasuleGate(spec)
    answer = gate_answer(gate)
    return HtmlResponse(url, status=answer.status, body=answer.body, request=request)


def run(coro: Any) -> Any:
    return asyncio.run(coro)


def test_a_challenged_plain_request_goes_again_through_the_browser() -> None:
    mw = middleware()
    url = "http://127.0.0.28:8800/zfxxgk/ndbg/index.htm"
    request = Request(url, meta={"kind": "listing", "region_code": RUISHU_SITE})
    again = run(mw.process_response(request, challenge(url, "ruishu", request)))
    assert isinstance(again, Request)
    assert (again.url, again.dont_filter, again.callback, again.errback) == (url, True, None, None)
    expected_meta = {"kind": "listing", "region_code": RUISHU_SITE, "playwright": True, CHALLENGE: "ruishu"}
    assert again.meta == expected_meta
    assert mw.hosts["127.0.0.28"].kind == "ruishu"
    assert mw.crawler.stats.get_stats()["challenge/detected/ruishu"] == 1  # type: ignore[union-attr]
    # On its way out again it is prepared for the browser: one context, the page kept until judged.
    run(mw.process_request(again))
    assert again.meta["playwright_include_page"] is True
    assert again.meta["playwright_context"] == CONTEXT_NAME
    assert again.meta["playwright_context_kwargs"]["user_agent"] == "xxgk-tests/1.0"
    assert again.meta["playwright_context_kwargs"]["executable_path"] == chromium_path()
    assert isinstance(again.meta[VISIT], BrowserVisit)
    assert set(again.meta["playwright_page_event_handlers"]) == {"response", "download"}


def test_earned_cookies_go_with_plain_requests_and_a_refusal_makes_the_host_browser_only() -> None:
    mw = middleware()
    mw.hosts["127.0.0.28"] = HostState(kind="ruishu", cookies={"S": "1", "T": "2"})
    url = "http://127.0.0.28:8800/zfxxgk/ndbg/index_1.htm"
    request = Request(url, headers={"Cookie": "T=stale; other=x"})
    run(mw.process_request(request))
    assert request.headers.get("Cookie") == b"T=2; other=x; S=1"  # earned ones win over the jar's
    assert request.meta[REUSED] is True
    assert "playwright" not in request.meta
    again = run(mw.process_response(request, challenge(url, "ruishu", request)))
    assert isinstance(again, Request) and again.meta["playwright"] is True
    assert REUSED not in again.meta
    assert mw.hosts["127.0.0.28"].browser_only is True
    later = Request("http://127.0.0.28:8800/zfxxgk/ndbg/202401/P020240119001019.pdf")
    run(mw.process_request(later))
    assert later.meta["playwright"] is True  # attachments too: in the browser context
    assert "Cookie" not in later.headers
    stats = mw.crawler.stats.get_stats()  # type: ignore[union-attr]
    assert (stats["challenge/cookies_reused"], stats["challenge/cookies_refused/ruishu"]) == (1, 1)
    other_host = Request("http://127.0.0.11:8800/")
    run(mw.process_request(other_host))
    assert "playwright" not in other_host.meta and "Cookie" not in other_host.headers


def test_after_a_failed_pass_the_hosts_challenges_fail_at_once() -> None:
    mw = middleware()
    mw.hosts["127.0.0.30"] = HostState(kind="ruishu", failed="still a ruishu challenge")
    url = "http://127.0.0.30:8800/zfxxgk/ndbg/index.htm"
    request = Request(url)
    with pytest.raises(ChallengeFailedError) as raised:
        run(mw.process_response(request, challenge(url, "ruishu", request)))
    assert (raised.value.kind, raised.value.detail) == (
        "ruishu",
        "an earlier pass on this host failed: still a ruishu challenge",
    )
    robots = Request("http://127.0.0.30:8800/robots.txt")
    answer = challenge(robots.url, "ruishu", robots)
    assert run(mw.process_response(robots, answer)) is answer  # unreadable robots.txt: no robots.txt


def test_without_a_browser_challenges_fail_and_rendered_pages_are_refused() -> None:
    mw = middleware(XXGK_CHROMIUM="off")
    url = "http://127.0.0.27:8800/public/6596117/1001.html"
    request = Request(url)
    with pytest.raises(ChallengeFailedError) as raised:
        run(mw.process_response(request, challenge(url, "jiasule", request)))
    assert (raised.value.kind, raised.value.detail) == (
        "jiasule",
        "no browser: the browser is switched off (XXGK_CHROMIUM=off)",
    )
    listing = Request(url, meta={"playwright": True, RENDER_WAIT: "li.clearfix"})
    with pytest.raises(IgnoreRequest, match="needs a browser: the browser is switched off"):
        run(mw.process_request(listing))


def test_real_pages_pass_untouched() -> None:
    mw = middleware()
    url = "http://127.0.0.11:8800/zfxxgk/ndbg/index.htm"
    request = Request(url)
    page = HtmlResponse(url, status=200, body=b"<html><body><p>x</p></body></html>", request=request)
    assert run(mw.process_response(request, page)) is page
    missing = HtmlResponse(url, status=412, body=b"Precondition Failed", request=request)
    assert run(mw.process_response(request, missing)) is missing
    assert mw.hosts == {}


# ---------------------------------------------------------------------------------------------------------
# End to end: 瑞数 with attachments, through the browser
# ---------------------------------------------------------------------------------------------------------


WAIT_S = 5  # XXGK_BROWSER_WAIT of the crawl: how long the browser is given on 990120


@pytest.fixture(scope="module")
def ruishu_crawl(
    pg_server: PgServer,
    pg_template: str,
    sample_portal: SamplePortal,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[BrowserCrawl]:
    """One crawl of 990118 and 990120: the registry's sample_browser.toml plus a row for 990120."""
    assert chromium_path() is not None, "Chromium is needed: apt-get install chromium (.ci/run does)"
    registry: Path = tmp_path_factory.mktemp("registry")
    shutil.copy(REPO_ROOT / "crawler" / "regions" / "sample_browser.toml", registry)
    (registry / "broken.toml").write_text(
        f'[regions."{BROKEN_SITE}"]\nname = "样本拦截县"\nlevel = "county"\n'
        f'listings = ["http://127.0.0.30:${{SAMPLE_PORTAL_PORT}}{trs_classic.listing_path(0)}"]\n'
        'family = "trs_classic"\nparams = { challenge = "ruishu" }\nsample = true\n',
        encoding="utf-8",
    )
    settings = {"XXGK_REGISTRY": str(registry), "XXGK_BROWSER_WAIT": str(WAIT_S)}
    with browser_crawled(
        pg_server,
        pg_template,
        sample_portal,
        tmp_path_factory,
        (RUISHU_SITE, BROKEN_SITE),
        settings,
        label="ruishu",
    ) as done:
        yield done


def served_body(portal: SamplePortal, code: str, path: str) -> bytes:
    """What the site behind the WAF answers for `path` (its bytes, as the crawler should store them)."""
    return portal.site(code).handle(PortalRequest("GET", path)).body


def sha(body: bytes) -> str:
    return hashlib.sha256(body).hexdigest()


@pytest.mark.postgres
def test_ruishu_site_reports_are_stored_as_the_server_sent_them(ruishu_crawl: BrowserCrawl) -> None:
    portal = ruishu_crawl.portal
    site = portal.site(RUISHU_SITE)
    base = portal.base_url(RUISHU_SITE)
    stored = ruishu_crawl.reports()
    expected = {portal.report_url(RUISHU_SITE, r.doc_id): r for r in site.reports}
    assert len(expected) == 17
    assert set(stored) == set(expected)
    for url, report in expected.items():
        row, entry = stored[url], site.entry(report.doc_id)
        assert entry is not None
        assert (row.listing_date, row.page_date, row.publish_date, row.http_status) == (
            entry.listing_date,
            day(entry.published),
            report.publish_date,
            200,
        )
        # The document's own bytes, not the browser's re-serialised DOM.
        assert row.sha256 == sha(served_body(portal, RUISHU_SITE, url.removeprefix(base)))
    assert {f for f in ruishu_crawl.failures() if f[0] == RUISHU_SITE} == set()


@pytest.mark.postgres
def test_ruishu_site_attachments_are_fetched_in_the_browser_context(ruishu_crawl: BrowserCrawl) -> None:
    portal = ruishu_crawl.portal
    site = portal.site(RUISHU_SITE)
    base = portal.base_url(RUISHU_SITE)
    expected: dict[str, tuple[str, str, str]] = {}
    for report in site.reports:
        entry = site.entry(report.doc_id)
        assert entry is not None
        page = portal.report_url(RUISHU_SITE, report.doc_id)
        for path in trs_attachments.attachment_paths(site, entry):
            kind = path.rsplit(".", 1)[1]
            expected[base + path] = (page, kind, sha(site.report_document(report.doc_id, kind)))
        for url, (parent, kind) in table_images(page, report).items():
            expected[url] = (parent, kind, sha(served_body(portal, RUISHU_SITE, url.removeprefix(base))))
    files = sum(1 for _, kind, _ in expected.values() if kind in ("pdf", "docx"))
    assert files == 17 + sum(1 for r in site.reports if r.doc_id % trs_attachments.DOCX_EVERY == 0)
    stored = ruishu_crawl.attachments()
    assert {url: (a.parent_url, a.kind, a.sha256) for url, a in stored.items()} == expected
    gate = ruishu_crawl.gate(RUISHU_SITE)
    for url in expected:
        assert (url.removeprefix(base), "browser", "pass") in gate
    assert ruishu_crawl.stats()["browser/downloads"] == files  # PDFs and DOCX arrive as downloads
    # Each file is its page's report again (a PDF or Word edition): stored, but never as a second report.
    on_files = (
        "SELECT count(*) FROM reports r JOIN documents d ON d.id = r.document_id WHERE d.role <> 'report'"
    )
    assert rows(ruishu_crawl.engine, on_files) == [(0,)]


@pytest.mark.postgres
def test_ruishu_is_passed_once_then_refuses_plain_requests_and_the_browser_does_the_rest(
    ruishu_crawl: BrowserCrawl,
) -> None:
    gate = ruishu_crawl.gate(RUISHU_SITE)
    assert gate[:4] == [
        ("/robots.txt", "plain", "challenge"),  # the first plain request: 412
        ("/robots.txt", "browser", "challenge"),  # the browser gets the same, runs the script…
        ("/robots.txt", "browser", "pass"),  # …and reloads with the cookie pair
        ("/zfxxgk/ndbg/index.htm", "plain", "challenge"),  # the pair on a plain request: refused
    ]
    rest = gate[4:]
    assert {(client, outcome) for _, client, outcome in rest} == {("browser", "pass")}
    assert len(rest) == len(set(rest))  # nothing fetched twice
    base = ruishu_crawl.portal.base_url(RUISHU_SITE)
    listings = [u.removeprefix(base) for u in ruishu_crawl.portal.listing_urls(RUISHU_SITE)]
    assert len(listings) == 3
    assert set(listings) <= {path for path, _, _ in rest}
    # The stats count 990120 too: its robots.txt and listing challenged, one pass tried (and failed).
    stats = ruishu_crawl.stats()
    assert stats["challenge/detected/ruishu"] == 2 + 2
    assert stats["challenge/browser_pass/ruishu"] == 2 + 1
    assert stats["challenge/passed/ruishu"] == 2
    assert stats["challenge/cookies_reused"] == 1
    assert stats["challenge/cookies_refused/ruishu"] == 1
    # 990118: every request after the refusal, and the pass; 990120: the pass.
    assert stats["browser/requests"] == len(rest) + 1 + 1
    assert stats["browser/pages_closed"] == stats["browser/requests"] == stats["playwright/page_count"]


@pytest.mark.postgres
def test_a_challenge_nobody_passes_ends_as_a_recorded_failure(ruishu_crawl: BrowserCrawl) -> None:
    listing = ruishu_crawl.portal.listing_urls(BROKEN_SITE)[0]
    assert ruishu_crawl.failures() == {
        (BROKEN_SITE, listing, "challenge failed: ruishu"),
        (BROKEN_SITE, listing, "no report links"),
    }
    waited = f"still a ruishu challenge (HTTP 412) after {WAIT_S} s in the browser"
    assert (
        listing,
        "challenge failed: ruishu",
        f"an earlier pass on this host failed: {waited}",
    ) in ruishu_crawl.failure_details()
    assert ruishu_crawl.gate(BROKEN_SITE) == [
        ("/robots.txt", "plain", "challenge"),
        *[("/robots.txt", "browser", "challenge")] * (1 + RUISHU_MAX_RELOADS),  # the script gave up
        ("/zfxxgk/ndbg/index.htm", "plain", "challenge"),  # failed at once: no second wait
    ]
    stats = ruishu_crawl.stats()
    assert (stats["challenge/failed/ruishu"], stats["failures/challenge failed: ruishu"]) == (1, 1)
    assert {url for url, row in ruishu_crawl.reports().items() if row.region_code == BROKEN_SITE} == set()


# ---------------------------------------------------------------------------------------------------------
# Where there is no browser
# ---------------------------------------------------------------------------------------------------------


def test_chromium_is_found_switched_off_or_missing(tmp_path: Path) -> None:
    assert chromium_path({}) == "/usr/bin/chromium"  # Debian's, installed by .ci/run
    assert chromium_path({"XXGK_CHROMIUM": "off"}) is None
    assert chromium_path({"XXGK_CHROMIUM": str(tmp_path / "nowhere")}) is None
    assert launch_options("/usr/bin/chromium") == {
        "executable_path": "/usr/bin/chromium",
        "headless": True,
        "args": [
            "--no-sandbox",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-gpu",
            "--no-first-run",
            "--disable-sync",
        ],
    }


def test_the_demo_skips_the_browser_regions_without_chromium_and_says_so() -> None:
    sample = load_registry(sample_port=8800).sample_regions()
    browser = [r.code for r in sample if needs_browser(r)]
    assert browser == ["990117", "990118", "990119"]
    assert sample_crawl_args(sample, "/usr/bin/chromium") == ({"sample": "1"}, None)
    args, note = sample_crawl_args(sample, None)
    assert args == {"region": ",".join(r.code for r in sample if r.code not in browser)}
    assert note == (
        "no Chromium (/usr/bin/chromium missing, or XXGK_CHROMIUM=off): skipping the sample regions that "
        "need a browser: 990117 样本栏目县, 990118 样本瑞数市, 990119 样本栏目区 "
        "(install the Debian package chromium to crawl them too)"
    )
