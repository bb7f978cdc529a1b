"""The way in to a sample site's annual-report column: the portal home page and its 政务公开 pages.

Real portals reach the column (政府信息公开年报) from the home page in one to three clicks: a quick-entry
link on the home page; the 政府信息公开 platform page; or that page's 法定主动公开内容 page. Each sample site
takes one of these routes (`hops`, fixed by its code) and names the column link one of the ways real portals
do (`column_link_name`). Around the route stand the links a walker must not take: 政府工作报告 and 企业年报
(other reports), the newest report itself and a news item about writing it (pages, not the column), the
departments' sub-column (部门…年报, empty here), the 公开指南, and links to other hosts. The 网站地图 lists
the column too, as real site maps do.

The column link points at the site's first listing URL (what the registry row lists), so discovering a site
from its home page must give back exactly its registry row.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Final

from .chrome import PortalRequest, Response, esc, footer, head, html_response, site_metas, top_bar

if TYPE_CHECKING:
    from .sites import Site

HOME_PATH: Final = "/"
ZWGK_PATH: Final = "/zwgk/"  # 政务公开
ZFXXGK_PATH: Final = "/zfxxgk/"  # 政府信息公开 (the platform page the top bar links)
FDZDGKNR_PATH: Final = "/zfxxgk/fdzdgknr/"  # 法定主动公开内容
DEPARTMENT_REPORTS_PATH: Final = "/zfxxgk/bmxxgknb/"  # the departments' reports: an empty sub-column
GUIDE_PATH: Final = "/zfxxgk/xxgkzn/"  # 政府信息公开指南
WORK_REPORT_PATH: Final = "/zwgk/zfgzbg/"  # 政府工作报告: another kind of report
NEWS_PATH: Final = "/xwzx/tzgg/t20240112_9001.html"  # a news item about writing the annual report
SITE_MAP_PATH: Final = "/sitemap/"  # 网站地图 (the top bar links it on every page)

# How portals name the column link (the walker must recognise each).
COLUMN_LINK_NAMES: Final[tuple[str, ...]] = (
    "政府信息公开年报",
    "政府信息公开工作年度报告",
    "年度报告",
    "工作年报",
)
OUTSIDE_LINKS: Final[tuple[tuple[str, str], ...]] = (
    ("中国政府网", "https://www.gov.cn/"),
    ("国家企业信用信息公示系统（企业年报）", "https://www.gsxt.gov.cn/"),
)


def hops(site: Site) -> int:
    """Clicks from the home page to the column: 1, 2 or 3, by the site's code."""
    return 1 + int(site.code) % 3


def column_link_name(site: Site) -> str:
    return COLUMN_LINK_NAMES[int(site.code) % len(COLUMN_LINK_NAMES)]


def column_href(site: Site) -> str:
    """The column as the site links it: its first listing URL (the registry's listing), host-relative."""
    urls = site.listing_urls("")
    return urls[0] if urls else site.family.home_column_path()


def route(site: Site) -> list[tuple[str, str]]:
    """(link text, path) of each click from the home page to the column."""
    steps = {
        1: [],
        2: [("政府信息公开", ZFXXGK_PATH)],
        3: [("政府信息公开", ZFXXGK_PATH), ("法定主动公开内容", FDZDGKNR_PATH)],
    }[hops(site)]
    return [*steps, (column_link_name(site), column_href(site))]


def handle(site: Site, request: PortalRequest) -> Response | None:
    """The home page and the 政务公开 pages, or None when the path is not one of them."""
    if request.method not in ("GET", "HEAD"):
        return None
    page = _PAGES.get(request.path)
    return html_response(site.spec, page(site)) if page is not None else None


# -- pages ----------------------------------------------------------------------------------------------


def _links(items: list[tuple[str, str]]) -> str:
    return "".join(f'<li><a href="{esc(href)}">{esc(text)}</a></li>' for text, href in items)


def _page(site: Site, title: str, column: str, trail: list[tuple[str, str]], body: str) -> str:
    spec = site.spec
    crumbs = "".join(f' &gt; <a href="{esc(href)}">{esc(text)}</a>' for text, href in trail)
    return (
        head(spec, f"{title}_{spec.portal_name}", site_metas(spec) | {"ColumnName": column})
        + "<body>\n"
        + top_bar(spec)
        + f'<div class="position">当前位置：<a href="/">首页</a>{crumbs}</div>\n'
        + body
        + footer(spec)
    )


def _reports_link(site: Site) -> list[tuple[str, str]]:
    return [(column_link_name(site), column_href(site))]


def home_page(site: Site) -> str:
    spec = site.spec
    entries = site.entries()
    newest = [(e.title, site.family.detail_path(e)) for e in entries[:1]]
    notices = [
        *newest,
        (f"{spec.name}召开2023年政府信息公开工作年度报告编写培训会", NEWS_PATH),
        ("关于调整政务服务大厅工作时间的通知", "/xwzx/tzgg/t20240108_9002.html"),
    ]
    quick = [
        ("政府信息公开", ZFXXGK_PATH),
        ("政府信息公开指南", GUIDE_PATH),
        ("政府工作报告", WORK_REPORT_PATH),
    ]
    if hops(site) == 1:
        quick.append((column_link_name(site), column_href(site)))
    quick.append(("政策文件", "/zwgk/zcwj/"))
    metas = site_metas(spec) | {
        "ColumnName": "首页",
        "Keywords": f"{spec.name},人民政府,政务公开,政务服务",
        "Description": f"{spec.portal_name}门户网站",
    }
    outside = " ".join(f'<a href="{href}" target="_blank">{esc(text)}</a>' for text, href in OUTSIDE_LINKS)
    return (
        head(spec, spec.portal_name, metas)
        + "<body>\n"
        + top_bar(spec)
        + f'<div class="header"><h1 class="logo"><a href="/">{esc(spec.portal_name)}</a></h1>'
        + '<form class="search" action="/search/" method="get"><input type="text" name="q" '
        + 'placeholder="请输入关键词"><button type="submit">搜索</button></form></div>\n'
        + '<div class="banner"><img src="/images/banner.jpg" alt=""></div>\n'
        + '<div class="news"><div class="hd"><span>要闻动态</span><a href="/xwzx/">更多</a></div><ul>'
        + _links([(f"{spec.name}召开2024年第一季度经济运行分析会", "/xwzx/ywdt/t20240110_9003.html")])
        + "</ul></div>\n"
        + '<div class="notice"><div class="hd"><span>通知公告</span></div><ul>'
        + _links(notices)
        + "</ul></div>\n"
        + '<div class="zwgk"><div class="hd"><span>政务公开</span><a href="/zwgk/">更多</a></div><ul>'
        + _links(quick)
        + "</ul></div>\n"
        + '<div class="bsfw"><div class="hd"><span>办事服务</span></div><ul>'
        + _links([("个人办事", "/bsfw/grbs/"), ("法人办事", "/bsfw/frbs/")])
        + "</ul></div>\n"
        + f'<div class="links"><span>友情链接：</span>{outside}</div>\n'
        + footer(spec)
    )


def zwgk_page(site: Site) -> str:
    items = [
        ("政府信息公开", ZFXXGK_PATH),
        ("政策文件", "/zwgk/zcwj/"),
        ("政策解读", "/zwgk/zcjd/"),
        ("政府工作报告", WORK_REPORT_PATH),
        ("财政预决算", "/zwgk/czyjs/"),
    ]
    body = '<div class="list-main"><div class="hd">政务公开</div><ul>' + _links(items) + "</ul></div>\n"
    return _page(site, "政务公开", "政务公开", [("政务公开", ZWGK_PATH)], body)


def zfxxgk_page(site: Site) -> str:
    items = [
        ("政府信息公开指南", GUIDE_PATH),
        ("政府信息公开制度", "/zfxxgk/xxgkzd/"),
        ("法定主动公开内容", FDZDGKNR_PATH),
    ]
    if hops(site) <= 2:
        items += [*_reports_link(site), ("部门政府信息公开年报", DEPARTMENT_REPORTS_PATH)]
    items.append(("依申请公开", "/zfxxgk/ysqgk/"))
    body = (
        '<div class="xxgk-nav"><div class="hd">政府信息公开</div><ul>' + _links(items) + "</ul></div>\n"
        '<div class="xxgk-search"><form action="/zfxxgk/search/" method="get">'
        '<input type="text" name="keyword"><button type="submit">检索</button></form></div>\n'
    )
    return _page(site, "政府信息公开", "政府信息公开", [("政府信息公开", ZFXXGK_PATH)], body)


def fdzdgknr_page(site: Site) -> str:
    items = [
        ("机构职能", "/zfxxgk/fdzdgknr/jgzn/"),
        ("政策文件", "/zwgk/zcwj/"),
        ("规划信息", "/zfxxgk/fdzdgknr/ghxx/"),
        ("财政资金", "/zfxxgk/fdzdgknr/czzj/"),
        ("部门政府信息公开年报", DEPARTMENT_REPORTS_PATH),
        *_reports_link(site),
        ("统计信息", "/zfxxgk/fdzdgknr/tjxx/"),
    ]
    body = (
        '<div class="xxgk-nav"><div class="hd">法定主动公开内容</div><ul>' + _links(items) + "</ul></div>\n"
    )
    trail = [("政府信息公开", ZFXXGK_PATH), ("法定主动公开内容", FDZDGKNR_PATH)]
    return _page(site, "法定主动公开内容", "法定主动公开内容", trail, body)


def site_map_page(site: Site) -> str:
    sections = [
        ("政务公开", ZWGK_PATH),
        ("政府信息公开", ZFXXGK_PATH),
        ("法定主动公开内容", FDZDGKNR_PATH),
        *_reports_link(site),
        ("政府工作报告", WORK_REPORT_PATH),
        ("办事服务", "/bsfw/"),
        ("互动交流", "/hdjl/"),
    ]
    body = '<div class="sitemap"><div class="hd">网站地图</div><ul>' + _links(sections) + "</ul></div>\n"
    return _page(site, "网站地图", "网站地图", [("网站地图", SITE_MAP_PATH)], body)


def department_reports_page(site: Site) -> str:
    body = '<div class="list-main"><div class="hd">部门政府信息公开年报</div><ul></ul><p>暂无信息</p></div>\n'
    trail = [("政府信息公开", ZFXXGK_PATH), ("部门政府信息公开年报", DEPARTMENT_REPORTS_PATH)]
    return _page(site, "部门政府信息公开年报", "部门政府信息公开年报", trail, body)


def guide_page(site: Site) -> str:
    spec = site.spec
    body = (
        '<div class="article"><h1>政府信息公开指南</h1><div class="content">'
        f"<p>为了更好地提供政府信息公开服务，{esc(spec.portal_name)}编制本指南。</p>"
        "<p>每年1月31日前公布上一年度政府信息公开工作年度报告。</p></div></div>\n"
    )
    return _page(site, "政府信息公开指南", "政府信息公开指南", [("政府信息公开", ZFXXGK_PATH)], body)


def work_report_page(site: Site) -> str:
    spec = site.spec
    years = (dt.date(2024, 1, 20), dt.date(2023, 1, 18))
    items = "".join(
        f"<li><span>{esc(spec.name)}{day.year}年政府工作报告</span><span>{day.isoformat()}</span></li>"
        for day in years
    )
    body = f'<div class="list-main"><div class="hd">政府工作报告</div><ul>{items}</ul></div>\n'
    return _page(site, "政府工作报告", "政府工作报告", [("政务公开", ZWGK_PATH)], body)


def news_page(site: Site) -> str:
    spec = site.spec
    title = f"{spec.name}召开2023年政府信息公开工作年度报告编写培训会"
    body = (
        f'<div class="article"><h1>{esc(title)}</h1><div class="content">'
        f"<p>1月12日，{esc(spec.portal_name)}办公室召开培训会，部署年度报告编写工作。</p></div></div>\n"
    )
    return _page(site, title, "通知公告", [("通知公告", "/xwzx/tzgg/")], body)


_PAGES: Final = {
    HOME_PATH: home_page,
    ZWGK_PATH: zwgk_page,
    ZFXXGK_PATH: zfxxgk_page,
    FDZDGKNR_PATH: fdzdgknr_page,
    DEPARTMENT_REPORTS_PATH: department_reports_page,
    GUIDE_PATH: guide_page,
    WORK_REPORT_PATH: work_report_page,
    NEWS_PATH: news_page,
    SITE_MAP_PATH: site_map_page,
}
