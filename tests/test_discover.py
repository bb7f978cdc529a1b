"""Discovery: from a portal's home page to its annual-report column, its family and the registry row to add.

The walk (crawler/discovery.py) runs in-process against every site the sample portal serves, fetched with
urllib; the `discover` spider runs once in a subprocess against all of them, passing the 瑞数 and 加速乐
challenges in the browser (crawler/challenges.py). The expected column and family
of each site are its registry row's (crawler/regions/*.toml), so the test grows with the sample portal.
Link scoring and family recognition are also tested on small pages written here.
"""

from __future__ import annotations

import json
import subprocess
import sys
import tomllib
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

import pytest

from crawler.discovery import (
    MAX_DEPTH,
    Discovery,
    Fetch,
    FetchedPage,
    LinkRole,
    discover,
    identify_region,
    link_role,
    page_links,
    recognise_family,
    report_links,
    walk,
)
from crawler.registry import DEFAULT_PATH, load_registry
from crawler.sampleportal import SamplePortal, home
from crawler.spiders.discover import DiscoverSpider
from tests.conftest import REPO_ROOT

SPIDER_TIMEOUT_S = 120


def raw_rows() -> dict[str, dict[str, Any]]:
    """The registry files' rows as written (`${SAMPLE_PORTAL_PORT}` not expanded)."""
    rows: dict[str, dict[str, Any]] = {}
    for file in sorted(DEFAULT_PATH.glob("*.toml")):
        rows.update(tomllib.loads(file.read_text(encoding="utf-8"))["regions"])
    return rows


def urllib_fetch(step: Fetch) -> FetchedPage:
    headers = {"User-Agent": "xxgk-test"}
    if step.referer:
        headers["Referer"] = step.referer
    request = urllib.request.Request(step.request_url, headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=10) as reply:
            return FetchedPage(reply.url, reply.status, reply.headers.get("Content-Type"), reply.read())
    except urllib.error.HTTPError as error:
        return FetchedPage(step.request_url, error.code, error.headers.get("Content-Type"), error.read())


def open_codes(portal: SamplePortal) -> list[str]:
    """The sample sites a plain client can read (no WAF challenge in front of the whole site)."""
    return [code for code in portal.codes if portal.site(code).spec.challenge is None]


def challenged_codes(portal: SamplePortal) -> list[str]:
    return [code for code in portal.codes if portal.site(code).spec.challenge is not None]


# The challenges a browser passes (crawler/challenges.py, through the spider); "ruishu_broken" never lets
# anyone through and would only cost the browser's full wait.
PASSABLE_CHALLENGES = ("ruishu", "jiasule")


# ---------------------------------------------------------------------------------------------------------
# Link text
# ---------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("政府信息公开年报", (LinkRole.COLUMN, 95)),
        ("政府信息公开工作年度报告", (LinkRole.COLUMN, 95)),
        ("政府信息公开年度报告专栏", (LinkRole.COLUMN, 95)),
        ("政府信息公開年報", (LinkRole.COLUMN, 95)),  # Traditional script
        ("政务公开年报", (LinkRole.COLUMN, 95)),
        ("年度报告", (LinkRole.COLUMN, 80)),
        ("工作年报", (LinkRole.COLUMN, 80)),
        ("区政府信息公开年报", (LinkRole.COLUMN, 98)),  # the government's own, beside the departments'
        ("部门政府信息公开年报", (LinkRole.COLUMN, 55)),
        ("政府信息公开", (LinkRole.MENU, 60)),
        ("法定主动公开内容", (LinkRole.MENU, 58)),
        ("信息公开目录", (LinkRole.MENU, 56)),
        ("政务公开", (LinkRole.MENU, 54)),
        ("网站地图", (LinkRole.MENU, 35)),
        ("2023年政府信息公开工作年度报告", (LinkRole.REPORT, 20)),
        ("样本市2024年度政府信息公开工作年度报告", (LinkRole.REPORT, 20)),
        # Other reports, companions and pages: not taken.
        ("政府工作报告", None),
        ("企业年报公示", None),
        ("统计年报", None),
        ("2023年政府信息公开工作年度报告解读", None),
        ("政府信息公开年报图解", None),
        ("政府信息公开指南", None),
        ("政府信息公开制度", None),
        ("依申请公开", None),
        ("首页", None),
        ("", None),
    ],
)
def test_link_role(text: str, expected: tuple[LinkRole, int] | None) -> None:
    assert link_role(text) == expected


def test_page_links_reads_anchors_titles_frames_and_stubs() -> None:
    page = (
        '<html><head><meta http-equiv="refresh" content="0; url=/moved/"></head><body>'
        '<a href="/a/" title="政府信息公开工作年度报告">政府信息公开工作…</a>'
        '<a href="b.html"> 年度 报告 </a><a href="javascript:void(0)">x</a><a href="#top">顶部</a>'
        '<iframe src="/list/frame.html"></iframe></body></html>'
    )
    links = page_links(page, "http://h.example/zfxxgk/")
    assert [(link.url, link.text, link.title, link.frame) for link in links] == [
        ("http://h.example/a/", "政府信息公开工作…", "政府信息公开工作年度报告", False),
        ("http://h.example/zfxxgk/b.html", "年度 报告", "", False),
        ("http://h.example/list/frame.html", "", "", True),
        ("http://h.example/moved/", "", "", True),
    ]
    stub = '<html><body><script>window.location.href = "/col/col1/index.html";</script></body></html>'
    assert [(link.url, link.frame) for link in page_links(stub, "http://h.example/")] == [
        ("http://h.example/col/col1/index.html", True)
    ]


def test_report_links_counts_records_inside_cdata() -> None:
    datastore = (
        '<script type="text/xml"><datastore><recordset>'
        '<record><![CDATA[<li><a href="/art/1.html" title="2023年政府信息公开工作年度报告">'
        "2023年…</a></li>]]>"
        '</record><record><![CDATA[<li><a href="/art/2.html">2023年政府信息公开工作年度报告解读</a></li>]]>'
        '</record><record><![CDATA[<li><a href="/art/3.html">2022年政府信息公开年报</a></li>]]></record>'
        "</recordset></datastore></script>"
    )
    assert report_links(datastore) == 2


# ---------------------------------------------------------------------------------------------------------
# Families from markup
# ---------------------------------------------------------------------------------------------------------

_PAGE = "<html><head><title>年度报告</title></head><body><ul><li>x</li></ul>{}</body></html>"


@pytest.mark.parametrize(
    ("url", "markup", "family", "evidence"),
    [
        (
            "http://h/zfxxgk/ndbg/index.htm",
            '<script>createPageHTML(3, 0, "index", "htm", 25);</script>',
            "trs_classic",
            "TRS createPageHTML: 0-based index_N.htm pages",
        ),
        (
            "http://h/zwgk/ndbg/list.shtml",
            "<script>createPageHTML('page_div', 3, 1, 'list', 'shtml', 25);</script>",
            "trs_classic",
            "TRS createPageHTML, 6 arguments: 1-based list_k.shtml pages",
        ),
        (
            "http://h/col/col1/index.html",
            '<script type="text/xml"><datastore><nextgroup></nextgroup></datastore></script>',
            "hanweb_jpage",
            "Hanweb jpage (<datastore> in the column page; later pages by POST dataproxy.jsp)",
        ),
        (
            "http://h/col/col1/index.html",
            '<form action="/module/xxgk/search.jsp" method="post"></form>',
            "hanweb_xxgk",
            "Hanweb xxgk module (/module/xxgk/)",
        ),
        (
            "http://h/col/col1/index.html",
            '<script url="/api-gateway/jpaas-publish-server/front/page/build/unit"></script>',
            "jpaas",
            "jpaas publish server (jpaas-publish-server page-build unit)",
        ),
        (
            "http://h/gkmlpt/annualreport",
            "<script>window._CONFIG = {SID: '755001'};</script><script src=/gkmlpt/js/app.js></script>",
            "gkmlpt",
            "gkmlpt shell (window._CONFIG, /gkmlpt/)",
        ),
        (
            "http://h/zfxxgk/ndbg.htm",
            '<span class="p_pages"><a class="p_next" href="ndbg/2.htm">下页</a></span>',
            "boda_vsb",
            "Boda VSB pager (span.p_pages, reverse-numbered pages)",
        ),
        (
            "http://h/public/column/6596117?type=4&catId=1&action=list",
            "<script>load('/site/label/8888')</script>",
            "public_column",
            "public/column platform (/public/column/…, the list rendered by JavaScript)",
        ),
        (
            "http://h/html/1843/index.html",
            '<a href="/2023_01/19_15/content-399013.html">2022年报告</a>',
            "liaoning_datepath",
            "date-path links (/YYYY_MM/DD_HH/content-{id}.html)",
        ),
        ("http://h/xxgk/xxgk_list.aspx?id=ndxxgkbg", "", "legacy", "ASP.NET list (.aspx)"),
        (
            "http://h/zfxxgk/ndbg.html",
            '<iframe src="/zfxxgk/ndbg_list.html" width="100%"></iframe>',
            "legacy",
            "the list is a same-host iframe (http://h/zfxxgk/ndbg_list.html)",
        ),
        (
            "http://h/xxgk/gknb/index.html",
            '<a href="2024n/">2024年度报告</a><a href="gknb2017/">2017年度报告</a>',
            "legacy",
            "year folders (2 links such as 2024n/)",
        ),
        (
            "http://h/col/col99/index.html",
            "",
            "hanweb_jpage",
            "Hanweb column URL /col/colNNN/ (no <datastore> seen)",
        ),
    ],
)
def test_recognise_family(url: str, markup: str, family: str, evidence: str) -> None:
    sign = recognise_family(url, _PAGE.format(markup))
    assert sign is not None
    assert (sign.family, sign.evidence) == (family, evidence)


def test_a_js_redirect_stub_is_the_legacy_family() -> None:
    stub = '<html><body><script>location.replace("/zwgk/ndbg/list_1.html")</script></body></html>'
    sign = recognise_family("http://h/zwgk/ndbg/index.html", stub)
    assert sign is not None
    assert (sign.family, sign.evidence) == ("legacy", "JS-redirect stub (to http://h/zwgk/ndbg/list_1.html)")


def test_a_plain_page_names_no_family() -> None:
    assert recognise_family("http://h/zfxxgk/ndbg/", _PAGE.format('<a href="/a.html">x</a>')) is None


# ---------------------------------------------------------------------------------------------------------
# The region of a portal
# ---------------------------------------------------------------------------------------------------------


def test_region_from_site_id_code_title_or_nothing() -> None:
    registry = load_registry()
    by_code = identify_region({"SiteIDCode": "2112820001"}, "首页", registry)
    assert by_code is not None
    assert (by_code.code, by_code.name, by_code.parent, by_code.parent_name, by_code.level, by_code.how) == (
        "211282",
        "开原市",
        "211200",
        "铁岭市",
        "county",
        "SiteIDCode 2112820001",
    )
    by_title = identify_region({}, "金昌市金川区人民政府门户网站", None)
    assert by_title is not None
    assert (by_title.code, by_title.name) == ("620302", "金川区")
    assert by_title.how == "site name 金昌市金川区人民政府门户网站"
    sample = identify_region({"SiteIDCode": "9901010001"}, None, registry)
    assert sample is not None
    assert (sample.code, sample.name, sample.parent, sample.sample) == ("990101", "样本市", "990100", True)
    # A sample code is unknown without the registry; 朝阳区 alone is ambiguous (北京, 长春).
    assert identify_region({"SiteIDCode": "9901010001"}, None, None) is None
    assert identify_region({}, "朝阳区人民政府", None) is None


# ---------------------------------------------------------------------------------------------------------
# The walk against every sample site
# ---------------------------------------------------------------------------------------------------------


def test_every_open_sample_site_is_discovered_from_its_home_page(portal: SamplePortal) -> None:
    registry = load_registry(sample_port=portal.port)
    codes = open_codes(portal)
    assert {"990101", "990102", "990103", "990104"} <= set(codes)
    for code in codes:
        site = portal.site(code)
        row = registry.get(code)
        assert row is not None and row.sample and row.listings, f"sample site {code} has no registry row"
        base = portal.base_url(code)
        portal.clear_requests()
        result = discover(f"{base}/", urllib_fetch, registry)
        where = f"{code} ({site.spec.family})"
        found = (result.column_url, result.family, result.confirmed)
        assert found == (row.listings[0], row.family, True), where
        assert result.route == [(text, base + path) for text, path in home.route(site)], where
        assert (result.region and result.region.code, result.problems) == (code, []), where
        # Best link first: the home page and one page per click, nothing else.
        assert result.requests == home.hops(site) + 1, where
        served = [path for method, path in portal.site_requests(code) if method == "GET"]
        assert served == ["/"] + [path.split("#")[0] for _, path in home.route(site)], where


def test_routes_take_one_two_and_three_clicks(portal: SamplePortal) -> None:
    assert {home.hops(portal.site(code)) for code in open_codes(portal)} == {1, 2, 3}
    assert {home.hops(portal.site(code)) for code in ("990101", "990102", "990103")} == {1, 2, 3}


def test_a_challenged_home_page_is_reported(portal: SamplePortal) -> None:
    for code in challenged_codes(portal):
        status = {"jiasule": 521}.get(portal.site(code).spec.challenge or "", 412)
        result = discover(portal.base_url(code), urllib_fetch, load_registry(sample_port=portal.port))
        name = "加速乐 (Jiasule)" if status == 521 else "瑞数 (Ruishu)"
        assert not result.found
        assert result.problems[0] == (
            f"home page {portal.base_url(code)}/: HTTP {status}, a {name} challenge: discovery reads plain "
            "pages; pass the challenge in a browser and look for the column there"
        )


def test_depth_and_request_budget_bound_the_walk(portal: SamplePortal) -> None:
    site = portal.site("990101")
    assert home.hops(site) == 3
    base = portal.base_url("990101")
    shallow = Discovery(f"{base}/", max_depth=1)
    fetched = [step.request_url.removeprefix(base) for step in walk(shallow, urllib_fetch)]
    # Every link one click away that the walk takes, best first: the menus, the site map, then the pages
    # naming a report (the newest report, the news item about writing it); none leads further.
    newest = site.entries()[0]
    reports = [site.detail_path(newest.doc_id)] if link_role(newest.title) is not None else []
    assert fetched == ["/", home.ZFXXGK_PATH, home.ZWGK_PATH, home.SITE_MAP_PATH, *reports, home.NEWS_PATH]
    assert shallow.result().problems == [
        "no link named as the annual-report column within 1 click of the home page"
    ]
    poor = Discovery(f"{base}/", MAX_DEPTH, max_requests=2)
    fetched = [step.request_url for step in walk(poor, urllib_fetch)]
    assert fetched == [f"{base}/", f"{base}/zfxxgk/"]
    assert poor.result().problems == [
        "request budget spent (2 requests)",
        "no link named as the annual-report column within 3 clicks of the home page",
    ]


# ---------------------------------------------------------------------------------------------------------
# Pages written here: stubs, other hosts, unconfirmed columns
# ---------------------------------------------------------------------------------------------------------


def page_fetcher(pages: dict[str, str], log: list[str]) -> Any:
    def fetch(step: Fetch) -> FetchedPage:
        log.append(step.request_url)
        if step.request_url not in pages:
            return FetchedPage(step.request_url, 404, "text/html", b"not found")
        body = pages[step.request_url].encode()
        return FetchedPage(step.request_url, 200, "text/html; charset=utf-8", body)

    return fetch


def test_stub_home_subdomain_and_other_hosts() -> None:
    pages = {
        # The home page is a JS stub to the real one; the 政府信息公开 platform is on a subdomain.
        "http://www.x.gov.cn/": "<html><body><script>location.href='/index.html'</script></body></html>",
        "http://www.x.gov.cn/index.html": (
            '<html><head><meta name="SiteIDCode" content="2112820001"></head><body>'
            '<a href="http://www.other.gov.cn/ndbg/">政府信息公开年报</a>'
            '<a href="http://xxgk.x.gov.cn/">政府信息公开</a></body></html>'
        ),
        "http://xxgk.x.gov.cn/": '<html><body><a href="/ndbg/index.html">年度报告</a></body></html>',
        "http://xxgk.x.gov.cn/ndbg/index.html": (
            '<html><body><ul><li><a href="./202401/t20240115_1.html">2023年政府信息公开工作年度报告</a></li>'
            '</ul><script>createPageHTML(1, 0, "index", "html", 1);</script></body></html>'
        ),
    }
    log: list[str] = []
    result = discover("http://www.x.gov.cn", page_fetcher(pages, log))
    assert "http://www.other.gov.cn/ndbg/" not in log  # another host: never fetched
    assert log == list(pages)
    assert (result.portal, result.column_url, result.family) == (
        "http://www.x.gov.cn/",
        "http://xxgk.x.gov.cn/ndbg/index.html",
        "trs_classic",
    )
    assert result.route == [
        ("政府信息公开", "http://xxgk.x.gov.cn/"),
        ("年度报告", "http://xxgk.x.gov.cn/ndbg/index.html"),
    ]
    assert result.region is not None and result.region.code == "211282"
    row = tomllib.loads(result.to_toml())["regions"]["211282"]
    assert row == {
        "name": "开原市",
        "parent": "211200",
        "parent_name": "铁岭市",
        "level": "county",
        "portal": "http://www.x.gov.cn/",
        "listings": ["http://xxgk.x.gov.cn/ndbg/index.html"],
        "family": "trs_classic",
        "notes": "found by discovery: 首页 → 政府信息公开 → 年度报告; "
        "TRS createPageHTML: 0-based index_N.html pages",
    }


def test_a_report_pages_breadcrumb_leads_to_the_column() -> None:
    # No menu names the column; the home page lists the newest report, whose breadcrumb does.
    pages = {
        "http://h.example/": (
            '<html><body><a href="/xw/">新闻</a>'
            '<a href="/ndbg/202401/t20240110_7.html">样本市2023年政府信息公开工作年度报告</a></body></html>'
        ),
        "http://h.example/ndbg/202401/t20240110_7.html": (
            '<html><body><div class="position"><a href="/">首页</a> &gt; <a href="../index.html">年度报告</a>'
            "</div><p>一、总体情况</p></body></html>"
        ),
        "http://h.example/ndbg/index.html": (
            '<html><body><span class="p_pages"><a class="p_next" href="index/3.htm">下页</a></span>'
            "</body></html>"
        ),
    }
    log: list[str] = []
    result = discover("http://h.example/", page_fetcher(pages, log))
    assert log == list(pages)
    assert (result.column_url, result.family) == ("http://h.example/ndbg/index.html", "boda_vsb")
    assert [text for text, _ in result.route] == ["样本市2023年政府信息公开工作年度报告", "年度报告"]
    assert result.region is None  # no SiteIDCode, no place name: the row is printed commented out
    assert tomllib.loads(result.to_toml()) == {}


def test_an_unconfirmed_column_is_printed_commented_out() -> None:
    pages = {
        "http://h.example/": '<html><body><a href="/ndbg/">政府信息公开年报</a></body></html>',
        "http://h.example/ndbg/": "<html><body><p>暂无信息</p></body></html>",
    }
    result = discover("http://h.example/", page_fetcher(pages, []))
    assert (result.column_url, result.family, result.confirmed) == ("http://h.example/ndbg/", None, False)
    assert result.problems == [
        "http://h.example/ndbg/ is linked as the column (政府信息公开年报) but lists no report and shows "
        "no family marker"
    ]
    text = result.to_toml()
    assert tomllib.loads(text) == {}  # nothing to paste by accident: every row line is a comment
    assert "# not found: the column's family: not recognised from its markup" in text
    assert '# listings = ["http://h.example/ndbg/"]' in text


# ---------------------------------------------------------------------------------------------------------
# The spider
# ---------------------------------------------------------------------------------------------------------


def test_spider_refuses_no_portal_and_a_bad_url() -> None:
    with pytest.raises(Exception, match=r"no portal given: pass -a portal=<the portal's home URL>"):
        DiscoverSpider(portal=" ", registry=load_registry())
    with pytest.raises(Exception, match=r"portal 'ftp://x.gov.cn/' is not an http\(s\) URL"):
        DiscoverSpider(portal="ftp://x.gov.cn/", registry=load_registry())


def test_discover_spider_prints_each_sites_registry_row(portal: SamplePortal, tmp_path: Path) -> None:
    opened = open_codes(portal)
    challenged = [c for c in challenged_codes(portal) if portal.site(c).spec.challenge in PASSABLE_CHALLENGES]
    assert challenged, "the sample portal has sites behind 瑞数 and 加速乐"
    codes = sorted(opened + challenged)
    homes = [f"{portal.base_url(code)}/" for code in codes]
    feed = tmp_path / "found.jsonl"
    done = subprocess.run(
        [
            sys.executable, "-m", "scrapy", "crawl", "discover",
            "-a", f"portal={','.join(homes)}",
            "-s", f"SAMPLE_PORTAL_PORT={portal.port}",
            "-O", str(feed),
        ],
        cwd=REPO_ROOT, capture_output=True, text=True, timeout=SPIDER_TIMEOUT_S, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-3000:]
    # stdout is the rows, ready to paste: as TOML, each equals the site's row in crawler/regions/*.toml.
    printed = tomllib.loads(done.stdout)["regions"]
    written = raw_rows()
    assert sorted(printed) == codes
    for code, row in printed.items():
        expected = {key: written[code][key] for key in ("name", "parent", "portal", "listings", "family")}
        assert {key: row[key] for key in expected} == expected, code
        assert row["sample"] is True
    items = [json.loads(line) for line in feed.read_text(encoding="utf-8").splitlines()]
    registry = load_registry(sample_port=portal.port)
    assert {item["region_code"]: (item["column_url"], item["family"]) for item in items} == {
        code: (registry.get(code).listings[0], registry.get(code).family) for code in codes
    }
    # One walk per site, one page at a time: robots.txt, the home page and one page per click (the
    # challenged sites add the challenge's own round trips).
    for code in opened:
        served = portal.site_requests(code)
        assert served[0] == ("GET", "/robots.txt"), code
        assert len(served) == 1 + home.hops(portal.site(code)) + 1, code
