"""Hanweb's 信息公开 (xxgk) module (portal family 4), as on Zhejiang sites such as 丽水.

The column page `/col/col{COLUMN_ID}/index.html` holds no rows: its hidden `searchform` (infotypeId, jdid,
area, divid, sortfield, currpage) is posted by script to `/module/xxgk/search.jsp`, which answers an HTML
fragment — a table of rows (序号, 信息名称, 发布机构, 生成日期) and a pager whose links call
`searchsubmit(N)`, i.e. the same POST with `currpage=N`. The module also serves one page per year of
publication, `/module/xxgk/xxgkAnnualReport.jsp?fbtime=YYYY&area=…`, with links to the other years.

Details are Hanweb articles `/art/YYYY/M/D/art_{COLUMN_ID}_{id}.html` with every article meta, the xxgk
information table (索引号, 发布机构, 生成日期 …) and the body in `#zoom`.
"""

from __future__ import annotations

import math
import re
from typing import TYPE_CHECKING
from urllib.parse import parse_qs, urlencode

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
from .html_shared import article_metas, tools

if TYPE_CHECKING:
    from ..sites import Site

FAMILY = "hanweb_xxgk"
SITES = (SiteSpec("990108", "样本丁县", "127.0.0.18", FAMILY),)
COLUMN_ID = "1229500001"
COLUMN_PATH = f"/col/col{COLUMN_ID}/index.html"
SEARCH_PATH = "/module/xxgk/search.jsp"
ANNUAL_PATH = "/module/xxgk/xxgkAnnualReport.jsp"
INFOTYPE_ID = "A0104"  # the 年度报告 category of the 信息公开目录
JDID = "3"
AREA = "11330199MB1234567X"  # the publishing unit's 统一社会信用代码
DIV_ID = f"div{COLUMN_ID}"
PER_PAGE = 10
_DETAIL = re.compile(rf"^/art/(\d{{4}})/(\d{{1,2}})/(\d{{1,2}})/art_{COLUMN_ID}_(\d+)\.html$")


def search_form() -> dict[str, str]:
    """The hidden fields of the column's searchform, as a browser posts them for page 1."""
    return {
        "infotypeId": INFOTYPE_ID,
        "jdid": JDID,
        "area": AREA,
        "divid": DIV_ID,
        "sortfield": "compaltedate:0",
        "currpage": "1",
        "vc_title": "",
    }


def page_count(records: int) -> int:
    return max(1, math.ceil(records / PER_PAGE))


def detail_path(entry: Entry) -> str:
    day = entry.listing_date
    return f"/art/{day.year}/{day.month}/{day.day}/art_{COLUMN_ID}_{entry.doc_id}.html"


def annual_path(year: int) -> str:
    return f"{ANNUAL_PATH}?{urlencode({'fbtime': year, 'area': AREA})}"


def _breadcrumb() -> str:
    return (
        '<div class="bt-position">当前位置：<a href="/">首页</a> &gt; '
        '<a href="/col/col1229500000/index.html">政府信息公开</a> &gt; '
        f'<a href="{COLUMN_PATH}">{COLUMN_NAME}</a></div>\n'
    )


def column_page(site: Site) -> str:
    spec = site.spec
    hidden = "".join(
        f'<input type="hidden" name="{name}" id="{name}" value="{esc(value)}">\n'
        for name, value in search_form().items()
        if name != "vc_title"
    )
    years = sorted({e.listing_date.year for e in site.entries()}, reverse=True)
    return (
        head(
            spec,
            f"{COLUMN_NAME}_{spec.portal_name}",
            site_metas(spec),
            '<script type="text/javascript" src="/module/jslib/jquery/jquery.js"></script>\n',
        )
        + "<body>\n"
        + top_bar(spec)
        + _breadcrumb()
        + '<div class="xxgk-main"><div class="xxgk-search">\n'
        + f'<form name="searchform" id="searchform" action="{SEARCH_PATH}" method="post" target="_self">\n'
        + hidden
        + '信息名称：<input type="text" name="vc_title" id="vc_title" value="">\n'
        + '<input type="button" value="检索" onclick="searchsubmit(1)">\n</form></div>\n'
        + f'<div id="{DIV_ID}" class="xxgk-list"></div>\n'
        + '<script type="text/javascript">\n'
        + "function searchsubmit(currpage){document.searchform.currpage.value=currpage;"
        + f'$.ajax({{type:"POST",url:"{SEARCH_PATH}",data:$("#searchform").serialize(),'
        + f'success:function(data){{$("#{DIV_ID}").html(data);}}}});}}\n'
        + "searchsubmit(1);\n</script>\n"
        + f'<div class="xxgk-nb">年度报告：<a href="{esc(annual_path(years[0]))}">按年度查看</a></div>\n'
        + "</div>\n"
        + footer(spec)
    )


def _pager(page: int, pages: int, records: int) -> str:
    def link(target: int, text: str) -> str:
        return f'<a href="javascript:void(0)" onclick="searchsubmit({target})">{text}</a>'

    parts = [f"共{records}条记录 每页{PER_PAGE}条 当前第{page}/{pages}页"]
    if page > 1:
        parts += [link(1, "首页"), link(page - 1, "上一页")]
    if page < pages:
        parts += [link(page + 1, "下一页"), link(pages, "尾页")]
    return f'<div class="xxgk_page">{" ".join(parts)}</div>\n'


def search_reply(site: Site, form_body: bytes) -> Response:
    posted = parse_qs(form_body.decode("utf-8", "replace"), keep_blank_values=True)
    form = {name: values[0] for name, values in posted.items()}
    page_text = form.get("currpage", "")
    if not page_text.isdigit() or int(page_text) < 1 or not form.get("divid"):
        return Response(400, b"", "text/html; charset=UTF-8")  # as the real module: no body, no hint
    entries = site.entries()
    if form.get("infotypeId") != INFOTYPE_ID or form.get("area") != AREA or form.get("jdid") != JDID:
        entries = []
    title_filter = form.get("vc_title", "")
    entries = [e for e in entries if title_filter in e.title]
    page, pages = int(page_text), page_count(len(entries))
    rows = ['<tr class="tr_title"><td>序号</td><td>信息名称</td><td>发布机构</td><td>生成日期</td></tr>']
    shown = entries[(page - 1) * PER_PAGE : page * PER_PAGE]
    for n, entry in enumerate(shown, start=(page - 1) * PER_PAGE + 1):
        rows.append(
            f'<tr><td>{n}</td><td class="xxgk_title"><a href="{detail_path(entry)}" target="_blank" '
            f'title="{esc(entry.title)}">{esc(list_title(entry.title))}</a></td>'
            f"<td>{esc(entry.source)}</td><td>{entry.listing_date.isoformat()}</td></tr>"
        )
    if not shown:
        rows.append('<tr><td colspan="4">暂无信息</td></tr>')
    fragment = (
        '<table width="100%" class="xxgk_list_table">\n'
        + "\n".join(rows)
        + "\n</table>\n"
        + (_pager(page, pages, len(entries)) if entries else "")
    )
    return html_response(site.spec, fragment)


def annual_page(site: Site, query: str) -> Response:
    params = {k: v[0] for k, v in parse_qs(query).items()}
    entries = site.entries()
    years = sorted({e.listing_date.year for e in entries}, reverse=True)
    year_text = params.get("fbtime", str(years[0]))
    if not year_text.isdigit():
        return Response(400, b"", "text/html; charset=UTF-8")
    year = int(year_text)
    shown = [e for e in entries if e.listing_date.year == year] if params.get("area") == AREA else []
    spec = site.spec
    current = ' class="on"'
    tabs = " ".join(f'<a href="{esc(annual_path(y))}"{current if y == year else ""}>{y}年</a>' for y in years)
    rows = [
        f'<li><a href="{detail_path(e)}" target="_blank" title="{esc(e.title)}">'
        f"{esc(list_title(e.title))}</a><span>{e.listing_date.isoformat()}</span></li>"
        for e in shown
    ]
    page = (
        head(spec, f"年度报告_{spec.portal_name}", site_metas(spec))
        + "<body>\n"
        + top_bar(spec)
        + _breadcrumb()
        + f'<div class="nb-main"><div class="nb-years">发布年度：{tabs}</div>\n<ul class="nb-list">\n'
        + ("\n".join(rows) or "<p>暂无信息</p>")
        + "\n</ul></div>\n"
        + footer(spec)
    )
    return html_response(spec, page)


def detail_page(site: Site, entry: Entry) -> str:
    spec = site.spec
    generated = f"{entry.published:%Y-%m-%d}" if entry.published is not None else ""
    info = (
        '<table class="xxgk_table" width="100%">\n'
        f"<tr><td>索引号：</td><td>{AREA}/{entry.listing_date.year}-{entry.doc_id:05d}</td>"
        "<td>分类：</td><td>年度报告</td></tr>\n"
        f"<tr><td>发布机构：</td><td>{esc(entry.source)}</td><td>生成日期：</td><td>{generated}</td></tr>\n"
        "<tr><td>文号：</td><td></td><td>有效性：</td><td></td></tr>\n</table>\n"
    )
    return (
        head(spec, entry.title, article_metas(spec, entry))
        + "<body>\n"
        + top_bar(spec)
        + _breadcrumb()
        + info
        + f'<div class="xxgk-title">{esc(entry.title)}</div>\n'
        + '<div id="zoom"><!--ZJEG_RSS.content.begin--><meta name="ContentStart">\n'
        + entry.body()
        + '<meta name="ContentEnd"><!--ZJEG_RSS.content.end--></div>\n'
        + tools()
        + footer(spec)
    )


def home_column_path() -> str:
    return COLUMN_PATH


def handle(site: Site, request: PortalRequest) -> Response | None:
    """The answer of the column, the xxgk module and the detail pages, or None when not theirs."""
    method, path = request.method, request.path
    if path == SEARCH_PATH:
        if method != "POST":
            return Response(400, b"", "text/html; charset=UTF-8")
        return search_reply(site, request.body)
    if method == "POST":
        return None
    if path == COLUMN_PATH:
        return html_response(site.spec, column_page(site))
    if path == ANNUAL_PATH:
        return annual_page(site, request.query)
    detail = _DETAIL.match(path)
    if detail:
        return detail_response(site, int(detail.group(4)), path, detail_path, detail_page)
    return None


def listing_urls(site: Site, base_url: str) -> list[str]:
    """The column page, then search.jsp (POSTed with `search_form()`, once per `currpage`)."""
    return [base_url + COLUMN_PATH, base_url + SEARCH_PATH]
