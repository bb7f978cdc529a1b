"""Hanweb's jpaas publish server (portal family 5), as newer Zhejiang county sites and ministries run it.

The column page `/col/{COLUMN_KEY}/index.html` holds no list: a "page build unit" script declares the unit,
`<script src="/module/jpaas/unitbuild.js" url="/api-gateway/jpaas-publish-server/front/page/build/unit"
queryData="{'webId':…,'tplSetId':…,'pageType':'column','tagId':…,'editType':'null','pageId':…,
'parseType':'bulidstatic'}">` (single-quoted JSON; the misspelling `bulidstatic` is the server's own), and
the browser fetches GET `…/build/unit?<those fields>&paramJson={"pageNo":N,"pageSize":S}`. The answer is
JSON `{"success":true,"data":{"html":"<ul>…</ul><div class='pagination'>…</div>","total":T}}`.
The unit endpoint answers 403 (an HTML page) to a client without a User-Agent or without a Referer from
a page of the site itself. Details are `/art/YYYY/art_<32 hex>.html`, body in `#zoom`; how a page dates
itself varies by document: the PubDate meta and a 发布时间 line; no article metas but a 发布日期 line; the
meta only.
"""

from __future__ import annotations

import hashlib
import json
import math
import re
from typing import TYPE_CHECKING
from urllib.parse import parse_qs, quote, urlencode, urlsplit

from ..chrome import (
    COLUMN_NAME,
    Entry,
    PortalRequest,
    Response,
    SiteSpec,
    esc,
    footer,
    head,
    html_response,
    list_title,
    not_found,
    site_metas,
    top_bar,
)

if TYPE_CHECKING:
    from ..sites import Site

FAMILY = "jpaas"
SITES = (SiteSpec("990113", "样本新区", "127.0.0.23", FAMILY),)
COLUMN_KEY = "col1229512345"
COLUMN_PATH = f"/col/{COLUMN_KEY}/index.html"
UNIT_PATH = "/api-gateway/jpaas-publish-server/front/page/build/unit"
PARSE_TYPE = "bulidstatic"
PER_PAGE = 10  # what the column's own script asks for
MAX_PAGE_SIZE = 100  # the server caps pageSize as real units do
# The list unit of the column page, and a second unit on the same page (the sidebar's 热点 list) that a
# crawler must not mistake for it.
UNIT = {
    "webId": "5f2a8c1e9d7b4e3fa06b1c2d3e4f5a6b",
    "tplSetId": "Rk3vQ8nZpL2tXw9YbJ7cM",
    "pageType": "column",
    "tagId": "当前栏目list",
    "editType": "null",
    "pageId": "a41c7e0b2d9f48e6b3c5d7e9f1a2b4c6",
}
SIDEBAR_UNIT = {**UNIT, "tagId": "右侧热点"}
_DETAIL = re.compile(r"^/art/(\d{4})/art_([0-9a-f]{32})\.html$")


def art_hex(doc_id: int) -> str:
    """The 32-hex document key of the detail URL (stable per document)."""
    return hashlib.md5(f"jpaas-art-{doc_id}".encode(), usedforsecurity=False).hexdigest()


def detail_path(entry: Entry) -> str:
    return f"/art/{entry.listing_date.year}/art_{art_hex(entry.doc_id)}.html"


def page_count(records: int, per_page: int = PER_PAGE) -> int:
    return max(1, math.ceil(records / per_page))


def unit_query(unit: dict[str, str], page_no: int, page_size: int = PER_PAGE) -> str:
    """The query string a browser sends for one page of `unit` (paramJson url-encoded)."""
    fields = {"parseType": PARSE_TYPE, **unit}
    param_json = json.dumps({"pageNo": page_no, "pageSize": page_size}, separators=(",", ":"))
    return urlencode({**fields, "paramJson": param_json}, quote_via=quote)


def _query_data(unit: dict[str, str]) -> str:
    """The unit declaration as pages write it: JSON with single quotes, inside a double-quoted attribute."""
    return "{" + ",".join(f"'{k}':'{v}'" for k, v in {**unit, "parseType": PARSE_TYPE}.items()) + "}"


def _unit_script(unit: dict[str, str], element_id: str) -> str:
    return (
        f'<div id="{element_id}"></div>\n'
        f'<script id="{element_id}_script" src="/module/jpaas/unitbuild.js" url="{UNIT_PATH}" '
        f'queryData="{_query_data(unit)}" target="{element_id}"></script>\n'
    )


def column_page(site: Site) -> str:
    spec = site.spec
    return (
        head(
            spec,
            f"{COLUMN_NAME}_{spec.portal_name}",
            site_metas(spec),
            '<script type="text/javascript" src="/module/jquery/jquery.min.js"></script>\n',
        )
        + "<body>\n"
        + top_bar(spec)
        + '<div class="crumb">当前位置：<a href="/">首页</a> &gt; <a href="/col/col1229512000/index.html">'
        + f"政府信息公开</a> &gt; <span>{COLUMN_NAME}</span></div>\n"
        + '<div class="container"><div class="left-list">\n'
        + f'<div class="list-title">{COLUMN_NAME}</div>\n'
        + _unit_script(UNIT, "unit_list")
        + '</div><div class="right-side"><div class="side-title">热点信息</div>\n'
        + _unit_script(SIDEBAR_UNIT, "unit_hot")
        + "</div></div>\n"
        + footer(spec)
    )


def _item(entry: Entry) -> str:
    return (
        f"<li><a href='{detail_path(entry)}' title='{esc(entry.title)}' target='_blank'>"
        f"{esc(list_title(entry.title))}</a><span>{entry.listing_date.isoformat()}</span></li>"
    )


def _pager(total: int, page_no: int, page_size: int) -> str:
    pages = page_count(total, page_size)
    links = [f"<span class='total'>共{total}条 {page_no}/{pages}页</span>"]
    if page_no > 1:
        links.append("<a href='javascript:;' data-page='1'>首页</a>")
        links.append(f"<a href='javascript:;' data-page='{page_no - 1}'>上一页</a>")
    if page_no < pages:
        links.append(f"<a href='javascript:;' data-page='{page_no + 1}'>下一页</a>")
        links.append(f"<a href='javascript:;' data-page='{pages}'>尾页</a>")
    return "<div class='pagination'>" + " ".join(links) + "</div>"


def _json(payload: dict[str, object]) -> Response:
    body = json.dumps(payload, ensure_ascii=False).encode("utf-8")
    return Response(200, body, "application/json;charset=UTF-8")


def _failure(message: str) -> Response:
    # The server reports a bad unit request in the JSON, with HTTP 200, as real gateways do.
    return _json({"success": False, "code": "500", "message": message, "data": None})


def forbidden() -> Response:
    body = (
        "<html><head><title>403 Forbidden</title></head><body><center><h1>403 Forbidden</h1></center>"
        "<hr><center>访问被拒绝</center></body></html>"
    ).encode()
    return Response(403, body, "text/html; charset=UTF-8")


def _from_the_site(site: Site, request: PortalRequest) -> bool:
    """A User-Agent, and a Referer that is a page of this site (the unit endpoint itself is no page: a
    client paging by following its own replies gives itself away)."""
    referer = urlsplit(request.headers.get("referer", ""))
    return (
        bool(request.headers.get("user-agent"))
        and referer.hostname == site.spec.host
        and referer.path != UNIT_PATH
    )


def unit_reply(site: Site, request: PortalRequest) -> Response:
    if not _from_the_site(site, request):
        return forbidden()
    query = {k: v[0] for k, v in parse_qs(request.query, keep_blank_values=True).items()}
    if query.get("parseType") != PARSE_TYPE:
        return _failure(f"unsupported parseType: {query.get('parseType')}")
    unit = next((u for u in (UNIT, SIDEBAR_UNIT) if all(query.get(k) == v for k, v in u.items())), None)
    if unit is None:
        return _failure("page unit not found")
    try:
        params = json.loads(query.get("paramJson") or "{}")
        page_no = int(params.get("pageNo", 1))
        page_size = min(int(params.get("pageSize", PER_PAGE)), MAX_PAGE_SIZE)
    except (ValueError, TypeError, AttributeError):
        return _failure("paramJson is not valid")
    if page_no < 1 or page_size < 1:
        return _failure("paramJson is not valid")
    entries = site.entries()
    if unit is SIDEBAR_UNIT:
        # The 热点 unit shows the newest few items and never pages.
        html = "<ul class='hot-list'>" + "".join(_item(e) for e in entries[:5]) + "</ul>"
        return _json({"success": True, "code": "200", "data": {"html": html, "total": min(5, len(entries))}})
    shown = entries[(page_no - 1) * page_size : page_no * page_size]
    html = (
        "<ul class='list-content'>"
        + "".join(_item(e) for e in shown)
        + "</ul>"
        + _pager(len(entries), page_no, page_size)
    )
    return _json({"success": True, "code": "200", "data": {"html": html, "total": len(entries)}})


def _variant(entry: Entry) -> int:
    """Where the page dates itself: 0 both the PubDate meta and a 发布时间 line; 1 only a 发布日期 line
    (no article metas); 2 only the PubDate meta. The site-level metas (SiteIDCode…) come from the site's
    template and are always there."""
    return entry.doc_id % 3


def detail_page(site: Site, entry: Entry) -> str:
    spec = site.spec
    variant = _variant(entry)
    metas = site_metas(spec)
    info: list[str] = []
    if variant in (0, 2):
        metas["ArticleTitle"] = entry.title
        if entry.published is not None:
            metas["PubDate"] = f"{entry.published:%Y-%m-%d %H:%M}"
        if entry.source:
            metas["ContentSource"] = entry.source
    if variant == 0 and entry.published is not None:
        info.append(f"<span>发布时间：{entry.published:%Y-%m-%d %H:%M}</span>")
    elif variant == 1 and entry.published is not None:
        info.append(f"<span>发布日期：{entry.published:%Y-%m-%d}</span>")
    if entry.source:
        info.append(f"<span>来源：{esc(entry.source)}</span>")
    info.append("<span>浏览次数：<em id='hits'></em></span>")
    return (
        head(spec, f"{entry.title}", metas)
        + "<body>\n"
        + top_bar(spec)
        + '<div class="crumb">当前位置：<a href="/">首页</a> &gt; '
        + f'<a href="{COLUMN_PATH}">{COLUMN_NAME}</a></div>\n'
        + '<div class="article">\n'
        + f'<div class="article-title">{esc(entry.title)}</div>\n'
        + '<div class="article-info">'
        + " ".join(info)
        + '<span class="fontsize">【字体：<a href="javascript:;">大</a> <a href="javascript:;">中</a> '
        + '<a href="javascript:;">小</a>】</span></div>\n'
        + '<div class="article-con" id="zoom">\n'
        + entry.body()
        + "</div>\n"
        + '<div class="article-tools"><a href="javascript:window.print()">打印此页</a> '
        + '<a href="javascript:window.close()">关闭窗口</a></div>\n</div>\n'
        + footer(spec)
    )


def home_column_path() -> str:
    return COLUMN_PATH


def handle(site: Site, request: PortalRequest) -> Response | None:
    """The answer of the column page, its page-build unit and detail pages, or None when not theirs."""
    path = request.path
    if request.method == "POST":
        return None
    if path == UNIT_PATH:
        return unit_reply(site, request)
    if path == COLUMN_PATH:
        return html_response(site.spec, column_page(site))
    detail = _DETAIL.match(path)
    if detail:
        entry = next((e for e in site.entries() if detail_path(e) == path), None)
        if entry is None:
            return not_found()
        return html_response(site.spec, detail_page(site, entry))
    return None


def listing_urls(site: Site, base_url: str) -> list[str]:
    """The column page, then the unit request of each page of the list (sent with a Referer)."""
    pages = page_count(len(site.entries()))
    return [base_url + COLUMN_PATH] + [
        f"{base_url}{UNIT_PATH}?{unit_query(UNIT, n)}" for n in range(1, pages + 1)
    ]
