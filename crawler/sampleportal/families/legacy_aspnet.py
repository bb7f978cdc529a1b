"""Legacy shell: an ASP.NET WebForms list paged by postbacks (portal family 10).

`/xxgk/xxgk_list.aspx?dept=0&id=ndxxgkbg` is one `<form id="form1">` holding `__VIEWSTATE`,
`__VIEWSTATEGENERATOR`, `__EVENTVALIDATION`, a GridView of rows (标题, 发文日期) and an AspNetPager whose
links are `javascript:__doPostBack('AspNetPager1','N')`. Page N is the POST of that form to the same URL
with `__EVENTTARGET=AspNetPager1`, `__EVENTARGUMENT=N`; the view state must be one the server issued (its
MAC is checked, as ASP.NET does: a forged or missing one answers 500 "Validation of viewstate MAC failed").

Details are `/xxgk/xxgk_show.aspx?id={id}`: no article metas; the visible block gives the report's 发文日期
(its signing date) before the 发布日期; the body is in `.xxgk_content`. GBK, declared in Content-Type.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import math
from typing import TYPE_CHECKING
from urllib.parse import parse_qs

from ..chrome import (
    COLUMN_NAME,
    Entry,
    PortalRequest,
    Response,
    SiteSpec,
    esc,
    footer,
    html_response,
    list_title,
    not_found,
    top_bar,
)
from .html_shared import bare_head, tools

if TYPE_CHECKING:
    from ..sites import Site

FAMILY = "legacy_aspnet"
SITES = (SiteSpec("990109", "样本戊县", "127.0.0.19", FAMILY, charset="gbk"),)
LIST_PATH = "/xxgk/xxgk_list.aspx"
LIST_QUERY = "dept=0&id=ndxxgkbg"
SHOW_PATH = "/xxgk/xxgk_show.aspx"
COLUMN_KEY = "ndxxgkbg"
PAGER_ID = "AspNetPager1"
PER_PAGE = 10
_SECRET = b"sample-portal-machine-key"
_VIEWSTATE_PREFIX = "/wEPDwUKLTE2MjQ4"  # what every ASP.NET view state starts with, roughly


def page_count(records: int) -> int:
    return max(1, math.ceil(records / PER_PAGE))


def detail_path(entry: Entry) -> str:
    return f"{SHOW_PATH}?id={entry.doc_id}"


def listing_url_path() -> str:
    return f"{LIST_PATH}?{LIST_QUERY}"


def _mac(text: str) -> str:
    return hmac.new(_SECRET, text.encode("ascii"), hashlib.sha1).hexdigest()[:16]


def view_state(page: int) -> str:
    payload = f"{COLUMN_KEY}|{page}"
    return _VIEWSTATE_PREFIX + base64.b64encode(f"{payload}|{_mac(payload)}".encode("ascii")).decode("ascii")


def event_validation(state: str) -> str:
    return "/wEdAA" + _mac("ev|" + state)


def page_of_view_state(state: str) -> int | None:
    """The page a view state was issued for, or None when it is not one this server issued."""
    if not state.startswith(_VIEWSTATE_PREFIX):
        return None
    try:
        payload = base64.b64decode(state[len(_VIEWSTATE_PREFIX) :], validate=True).decode("ascii")
    except (binascii.Error, UnicodeDecodeError):
        return None
    key, _, rest = payload.partition("|")
    page, _, mac = rest.partition("|")
    if key != COLUMN_KEY or not page.isdigit() or not hmac.compare_digest(mac, _mac(f"{key}|{page}")):
        return None
    return int(page)


_DO_POSTBACK = """<script type="text/javascript">
//<![CDATA[
var theForm = document.forms['form1'];
if (!theForm) {
    theForm = document.form1;
}
function __doPostBack(eventTarget, eventArgument) {
    if (!theForm.onsubmit || (theForm.onsubmit() != false)) {
        theForm.__EVENTTARGET.value = eventTarget;
        theForm.__EVENTARGUMENT.value = eventArgument;
        theForm.submit();
    }
}
//]]>
</script>
"""


def _pager(page: int, pages: int, records: int) -> str:
    def link(target: int, text: str) -> str:
        return f"<a href=\"javascript:__doPostBack('{PAGER_ID}','{target}')\">{text}</a>"

    parts = [f"共{records}条记录 第{page}/{pages}页"]
    parts.append(link(1, "首页") if page > 1 else '<a disabled="disabled">首页</a>')
    parts.append(link(page - 1, "上一页") if page > 1 else '<a disabled="disabled">上一页</a>')
    for n in range(1, pages + 1):
        parts.append(f'<span class="cpb">{n}</span>' if n == page else link(n, str(n)))
    parts.append(link(page + 1, "下一页") if page < pages else '<a disabled="disabled">下一页</a>')
    parts.append(link(pages, "尾页") if page < pages else '<a disabled="disabled">尾页</a>')
    return f'<div id="{PAGER_ID}" class="pager">{" ".join(parts)}</div>\n'


def listing_page(site: Site, entries: list[Entry], page: int) -> str:
    spec = site.spec
    pages = page_count(len(entries))
    state = view_state(page)
    rows = ['<tr class="head"><th>标题</th><th>发文日期</th></tr>']
    for entry in entries[(page - 1) * PER_PAGE : page * PER_PAGE]:
        rows.append(
            f'<tr><td class="bt"><a href="xxgk_show.aspx?id={entry.doc_id}" target="_blank" '
            f'title="{esc(entry.title)}">{esc(list_title(entry.title))}</a></td>'
            f'<td class="rq">{entry.listing_date.isoformat()}</td></tr>'
        )
    return (
        bare_head(spec, f"{COLUMN_NAME}-{spec.portal_name}")
        + "<body>\n"
        + f'<form name="form1" method="post" action="./xxgk_list.aspx?{esc(LIST_QUERY)}" id="form1">\n'
        + '<div class="aspNetHidden">\n'
        + '<input type="hidden" name="__EVENTTARGET" id="__EVENTTARGET" value="" />\n'
        + '<input type="hidden" name="__EVENTARGUMENT" id="__EVENTARGUMENT" value="" />\n'
        + f'<input type="hidden" name="__VIEWSTATE" id="__VIEWSTATE" value="{state}" />\n'
        + "</div>\n"
        + _DO_POSTBACK
        + '<div class="aspNetHidden">\n'
        + '<input type="hidden" name="__VIEWSTATEGENERATOR" id="__VIEWSTATEGENERATOR" value="3B6E5A1C" />\n'
        + '<input type="hidden" name="__EVENTVALIDATION" id="__EVENTVALIDATION" '
        + f'value="{event_validation(state)}" />\n'
        + "</div>\n"
        + top_bar(spec)
        + f'<div class="position">当前位置：<a href="/">首页</a> &gt; 政府信息公开 &gt; {COLUMN_NAME}</div>\n'
        + '<div class="search">标题：<input name="txtTitle" type="text" id="txtTitle" />'
        + '<input type="submit" name="btnSearch" value="查询" id="btnSearch" /></div>\n'
        + '<div><table class="xxgk_list" cellspacing="0" rules="all" border="1" id="GridView1">\n'
        + "\n".join(rows)
        + "\n</table></div>\n"
        + _pager(page, pages, len(entries))
        + footer(spec).replace("</body>", "</form>\n</body>")
    )


def _server_error() -> Response:
    body = (
        b"<html><head><title>Validation of viewstate MAC failed.</title></head><body>"
        b"<h1>Server Error in '/' Application.</h1><h2><i>Validation of viewstate MAC failed.</i></h2>"
        b"</body></html>"
    )
    return Response(500, body, "text/html; charset=utf-8")


def postback(site: Site, entries: list[Entry], body: bytes) -> Response:
    form = {k: v[0] for k, v in parse_qs(body.decode("ascii", "replace"), keep_blank_values=True).items()}
    state = form.get("__VIEWSTATE", "")
    current = page_of_view_state(state)
    if current is None or form.get("__EVENTVALIDATION") != event_validation(state):
        return _server_error()
    page = current
    if form.get("__EVENTTARGET") == PAGER_ID:
        argument = form.get("__EVENTARGUMENT", "")
        if not argument.isdigit():
            return _server_error()
        page = int(argument)
    page = min(max(page, 1), page_count(len(entries)))  # AspNetPager clamps out-of-range pages
    return html_response(site.spec, listing_page(site, entries, page))


def detail_page(site: Site, entry: Entry) -> str:
    spec = site.spec
    info = []
    if entry.source:
        info.append(f"<td>发布机构：{esc(entry.source)}</td>")
    signed = next((r.sign_date for r in site.reports if r.doc_id == entry.doc_id), None)
    if signed is not None:
        # The document's own date comes first, as on xxgk pages: it is not the publication date.
        info.append(f"<td>发文日期：{signed:%Y-%m-%d}</td>")
    if entry.published is not None:
        info.append(f"<td>发布日期：{entry.published:%Y-%m-%d}</td>")
    return (
        bare_head(spec, f"{entry.title}-{spec.portal_name}")
        + "<body>\n"
        + f'<form name="form1" method="post" action="./xxgk_show.aspx?id={entry.doc_id}" id="form1">\n'
        + top_bar(spec)
        + '<div class="position">当前位置：<a href="/">首页</a> &gt; '
        + f'<a href="{esc(listing_url_path())}">{COLUMN_NAME}</a></div>\n'
        + f'<div class="xxgk_title"><span id="lblTitle">{esc(entry.title)}</span></div>\n'
        + f'<table class="xxgk_info"><tr>{"".join(info)}</tr></table>\n'
        + '<div class="xxgk_content"><span id="lblContent">\n'
        + entry.body()
        + "</span></div>\n"
        + tools()
        + footer(spec).replace("</body>", "</form>\n</body>")
    )


def home_column_path() -> str:
    return listing_url_path()


def handle(site: Site, request: PortalRequest) -> Response | None:
    """The answer of the list (GET and postbacks) and the detail pages, or None when not theirs."""
    if request.path == LIST_PATH:
        params = parse_qs(request.query)
        entries = site.entries() if params.get("id") == [COLUMN_KEY] else []
        if request.method == "POST":
            return postback(site, entries, request.body)
        return html_response(site.spec, listing_page(site, entries, 1))
    if request.path == SHOW_PATH and request.method in ("GET", "HEAD"):
        ids = parse_qs(request.query).get("id", [""])
        entry = site.entry(int(ids[0])) if ids[0].isdigit() else None
        if entry is None:
            return not_found()
        return html_response(site.spec, detail_page(site, entry))
    return None


def listing_urls(site: Site, base_url: str) -> list[str]:
    """The list's URL: every page is a postback to it."""
    return [base_url + listing_url_path()]
