"""Hanweb jcms with the jpage list (portal family 3).

The column page `/col/col{COLUMN_ID}/index.html` embeds the first page of records in a
`<script type="text/xml"><datastore>`; later records come from POST
`/module/web/jpage/dataproxy.jsp?startrecord=A&endrecord=B&perpage=N` with the jpage form fields, as XML.
Details at `/art/YYYY/M/D/art_{COLUMN_ID}_{id}.html`, body in `#zoom`.
"""

from __future__ import annotations

import math
import re
from typing import TYPE_CHECKING
from urllib.parse import parse_qs

from ..chrome import (
    COLUMN_NAME,
    Entry,
    PortalRequest,
    Response,
    SiteSpec,
    detail_response,
    esc,
    footer,
    head,
    html_response,
    list_title,
    site_metas,
    top_bar,
)

if TYPE_CHECKING:
    from ..sites import Site

FAMILY = "hanweb_jpage"
SITES = (SiteSpec("990102", "样本县", "127.0.0.12", FAMILY),)
COLUMN_ID = "1229000001"
UNIT_ID = "7001"
PER_PAGE = 10
COLUMN_PATH = f"/col/col{COLUMN_ID}/index.html"
DATAPROXY_PATH = "/module/web/jpage/dataproxy.jsp"
_DETAIL = re.compile(rf"^/art/(\d{{4}})/(\d{{1,2}})/(\d{{1,2}})/art_{COLUMN_ID}_(\d+)\.html$")


def form_fields(site: Site) -> dict[str, str]:
    """The jpage form a browser posts to dataproxy.jsp for this column."""
    return {
        "col": "1",
        "appid": "1",
        "webid": "3",
        "path": "/",
        "columnid": COLUMN_ID,
        "unitid": UNIT_ID,
        "webname": site.spec.name,
        "permissiontype": "0",
    }


def detail_path(entry: Entry) -> str:
    day = entry.listing_date
    return f"/art/{day.year}/{day.month}/{day.day}/art_{COLUMN_ID}_{entry.doc_id}.html"


def page_count(records: int) -> int:
    return max(1, math.ceil(records / PER_PAGE))


def dataproxy_query(first: int, last: int, per_page: int = PER_PAGE) -> str:
    return f"{DATAPROXY_PATH}?startrecord={first}&endrecord={last}&perpage={per_page}"


def _record(entry: Entry) -> str:
    return (
        f'<record><![CDATA[<li><a href="{detail_path(entry)}" title="{esc(entry.title)}" target="_blank">'
        f"{esc(list_title(entry.title))}</a><span>{entry.listing_date.isoformat()}</span></li>]]></record>"
    )


def column_page(site: Site, entries: list[Entry]) -> str:
    spec = site.spec
    fields = form_fields(site)
    nextgroup = f"{DATAPROXY_PATH}?page=1&" + "&".join(f"{k}={v}" for k, v in fields.items() if k != "col")
    records = "\n".join(_record(e) for e in entries[:PER_PAGE])
    ajax_param = ",".join(
        f"{k}:'{v}'" if not v.isdigit() else f"{k}:{v}" for k, v in fields.items() if k != "col"
    )
    return (
        head(
            spec,
            f"{COLUMN_NAME}_{spec.portal_name}",
            site_metas(spec),
            '<script type="text/javascript" src="/module/jslib/jquery/jquery.js"></script>\n'
            '<script type="text/javascript" src="/module/jslib/jpage/jpage.js"></script>\n',
        )
        + "<body>\n"
        + top_bar(spec)
        + '<div class="bt-position">当前位置：<a href="/">首页</a> &gt; '
        + '<a href="/col/col1229000000/index.html">'
        + f"政府信息公开</a> &gt; {COLUMN_NAME}</div>\n"
        + f'<div class="main-list"><div id="{UNIT_ID}"><script type="text/xml"><datastore>\n'
        + f'<nextgroup><![CDATA[<a href="{nextgroup}"></a>]]></nextgroup>\n'
        + f"<recordset>\n{records}\n</recordset>\n</datastore></script></div></div>\n"
        + '<script type="text/javascript">$(document).ready(function(){'
        + f"$('#{UNIT_ID}').jpage({{dataStore:$('#{UNIT_ID} script[type=\"text/xml\"]'),"
        + f"perPage:{PER_PAGE},totalRecord:{len(entries)},groupSize:1,barPosition:'bottom',"
        + f"proxyUrl:'{DATAPROXY_PATH}',ajaxParam:{{{ajax_param}}}}});}});</script>\n"
        + footer(spec)
    )


def _xml(total: int, records: list[Entry]) -> Response:
    body = (
        '<?xml version="1.0" encoding="UTF-8"?>'
        f"<datastore><totalrecord>{total}</totalrecord>"
        f"<totalpage>{page_count(total) if total else 0}</totalpage>"
        "<recordset>" + "".join(_record(e) for e in records) + "</recordset></datastore>"
    )
    return Response(200, body.encode("utf-8"), "text/xml;charset=UTF-8")


def _int_param(query: dict[str, list[str]], name: str) -> int | None:
    values = query.get(name)
    if not values or not values[0].isdigit():
        return None
    return int(values[0])


def dataproxy(site: Site, query_string: str, form_body: bytes) -> Response:
    query = parse_qs(query_string)
    form = parse_qs(form_body.decode("utf-8", errors="replace"))
    first, last = _int_param(query, "startrecord"), _int_param(query, "endrecord")
    if first is None or last is None or first < 1 or last < first or not form.get("columnid"):
        return Response(400, b"", "text/html; charset=UTF-8")  # as the real proxy: no body, no hint
    if form["columnid"][0] != COLUMN_ID:
        return _xml(0, [])
    entries = site.entries()
    return _xml(len(entries), entries[first - 1 : last])


def detail_page(site: Site, entry: Entry) -> str:
    spec = site.spec
    metas = site_metas(spec) | {"ArticleTitle": entry.title}
    info = ""
    if entry.published is not None:
        metas["PubDate"] = f"{entry.published:%Y-%m-%d %H:%M}"
        info += f"发布日期：{entry.published:%Y-%m-%d}　"
    if entry.source:
        metas["ContentSource"] = entry.source
        info += f"<span>信息来源：{esc(entry.source)}</span>　"
    info += '<span>浏览次数：<script src="/module/visitcount/articlehits.jsp"></script></span>'
    return (
        head(spec, f"{entry.title}", metas)
        + "<body>\n"
        + top_bar(spec)
        + '<div class="bt-position">当前位置：<a href="/">首页</a> &gt; '
        + f'<a href="{COLUMN_PATH}">{COLUMN_NAME}</a></div>\n'
        + '<div class="main-fl"><div class="main-fl-bt">'
        + esc(entry.title)
        + "</div>\n"
        + f'<div class="main-fl-xx">{info}　字号：[大 中 小]</div>\n'
        + '<div id="zoom"><!--ZJEG_RSS.content.begin--><meta name="ContentStart">\n'
        + entry.body()
        + '<meta name="ContentEnd"><!--ZJEG_RSS.content.end--></div>\n'
        + '<div class="main-fl-fx"><a href="javascript:window.print()">打印本页</a> '
        + '<a href="javascript:window.close()">关闭窗口</a></div></div>\n'
        + footer(spec)
    )


def home_column_path() -> str:
    return COLUMN_PATH


def handle(site: Site, request: PortalRequest) -> Response | None:
    """The answer of the Hanweb column, its data proxy and detail pages, or None when not theirs."""
    method, path, query, body = request.method, request.path, request.query, request.body
    if path == DATAPROXY_PATH:
        if method != "POST":
            return Response(400, b"", "text/html; charset=UTF-8")
        return dataproxy(site, query, body)
    if method == "POST":
        return None
    if path == COLUMN_PATH:
        return html_response(site.spec, column_page(site, site.entries()))
    detail = _DETAIL.match(path)
    if detail:
        return detail_response(site, int(detail.group(4)), path, detail_path, detail_page)
    return None


def listing_urls(site: Site, base_url: str) -> list[str]:
    """The column page, then the data-proxy URL (to POST with `form_fields`) of each later page."""
    total = len(site.entries())
    urls = [base_url + COLUMN_PATH]
    for page in range(1, page_count(total)):
        urls.append(base_url + dataproxy_query(page * PER_PAGE + 1, (page + 1) * PER_PAGE))
    return urls
