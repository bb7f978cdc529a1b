"""The `public/column` 政务公开 platform (portal family 8: Anhui, Hunan, Qinghai, Gansu).

The column page `/public/column/{unit}?type=4&catId={cat}&action=list[&pageIndex=N]` is a shell: its list
is empty until the page's script fetches the rows from the platform's label service
(`/site/label/8888?IsAjax=1&dataType=html&labelName=publicInfoList&…&pageIndex=N`, an HTML fragment) and
writes them in. Rows are `li.clearfix` (link, `span.date`), followed by a pager whose links carry
`pageIndex`. A client without JavaScript sees the shell only. Details at `/public/{unit}/{id}.html`: no
PubDate meta; the 索引号 table (`table.table_suoyin`) shows 发布机构 and 发布日期, the body sits in
`.j-fontContent`. On real portals these sites are often behind 加速乐 (990117 here; 990119 is open).

The label-service path and its parameters imitate the platform's public pages; the fragment's exact markup
is an invention in its style.
"""

from __future__ import annotations

import math
import re
from typing import TYPE_CHECKING, Final
from urllib.parse import parse_qs

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

FAMILY = "public_column"
# 17 reports and 4 解读/图解 pages: three column pages (10, 10, 1), each rendered by the browser.
SITES = (
    SiteSpec("990117", "样本栏目县", "127.0.0.27", FAMILY, challenge="jiasule", reports=17),
    SiteSpec("990119", "样本栏目区", "127.0.0.29", FAMILY, reports=17),
)
PER_PAGE: Final[int] = 10
UNIT_ID: Final[str] = "6596117"  # the platform's id of the publishing unit
CATEGORY_ID: Final[str] = "7054121"  # the column 政府信息公开年报 in the platform's catalogue
LABEL_PATH: Final[str] = "/site/label/8888"
_COLUMN = re.compile(r"^/public/column/(\d+)$")
_DETAIL = re.compile(r"^/public/(\d+)/(\d+)\.html$")


def page_count(records: int) -> int:
    return max(1, math.ceil(records / PER_PAGE))


def column_path(page: int = 1) -> str:
    """The column page; page 1 as the portal's menus link it (no pageIndex), later pages with theirs."""
    path = f"/public/column/{UNIT_ID}?type=4&catId={CATEGORY_ID}&action=list"
    return path if page == 1 else f"{path}&pageIndex={page}"


def pager_path(page: int) -> str:
    """A pager link: the platform's pager names the page even for the first one."""
    return f"/public/column/{UNIT_ID}?type=4&catId={CATEGORY_ID}&action=list&pageIndex={page}"


def detail_path(entry: Entry) -> str:
    return f"/public/{UNIT_ID}/{entry.doc_id}.html"


def _breadcrumb() -> str:
    return (
        '<div class="position">当前位置：<a href="/">首页</a> &gt; <a href="/zfxxgk/">政府信息公开</a> &gt; '
        f'<a href="{esc(column_path())}">{COLUMN_NAME}</a></div>\n'
    )


# The shell's loader: reads pageIndex from the address, asks the label service, writes the rows in.
_LOADER = """<script type="text/javascript">
(function () {
  var m = /[?&]pageIndex=(\\d+)/.exec(location.search);
  var pageIndex = m ? parseInt(m[1], 10) : 1;
  var box = document.getElementById('xxgk_lmcon');
  var url = '%(label)s?IsAjax=1&dataType=html&labelName=publicInfoList&siteId=%(unit)s&catId=%(cat)s'
    + '&pageSize=%(per_page)d&pageIndex=' + pageIndex + '&action=list&_=' + (+new Date());
  var xhr = new XMLHttpRequest();
  xhr.open('GET', url, true);
  xhr.onload = function () {
    if (xhr.status == 200) { box.innerHTML = xhr.responseText; }
    else { box.innerHTML = '<p class="xxgk_error">加载失败</p>'; }
  };
  xhr.send();
})();
</script>
"""


def column_page(site: Site) -> str:
    spec = site.spec
    loader = _LOADER % {
        "label": LABEL_PATH,
        "unit": UNIT_ID,
        "cat": CATEGORY_ID,
        "per_page": PER_PAGE,
    }
    return (
        head(spec, f"{COLUMN_NAME}_{spec.portal_name}", site_metas(spec))
        + "<body>\n"
        + top_bar(spec)
        + _breadcrumb()
        + '<div class="xxgk_main"><div class="xxgk_lm_title">政府信息公开年报</div>\n'
        + '<div id="xxgk_lmcon" class="xxgk_lmcon"><p class="loading">正在加载……</p></div>\n'
        + "</div>\n"
        + loader
        + footer(spec)
    )


def list_fragment(site: Site, entries: list[Entry], page: int) -> str:
    """The label service's answer: one page of rows and the pager (what the shell's script writes in)."""
    rows = entries[(page - 1) * PER_PAGE : page * PER_PAGE]
    if not rows:
        return '<p class="xxgk_empty">暂无信息</p>'
    items = [
        f'<li class="clearfix"><a href="{detail_path(e)}" target="_blank" title="{esc(e.title)}">'
        f'{esc(list_title(e.title))}</a><span class="date">{e.listing_date.isoformat()}</span></li>'
        for e in rows
    ]
    pages = page_count(len(entries))

    def link(n: int, text: str, cls: str = "") -> str:
        attr = f' class="{cls}"' if cls else ""
        return f'<a{attr} href="{esc(pager_path(n))}">{text}</a>'

    pager = [f'<span class="total">共{len(entries)}条 第{page}/{pages}页</span>']
    if page > 1:
        pager += [link(1, "首页"), link(page - 1, "上一页", "prev")]
    if page < pages:
        pager += [link(page + 1, "下一页", "next"), link(pages, "尾页", "last")]
    return (
        '<ul class="clearfix xxgk_list">\n'
        + "\n".join(items)
        + '\n</ul>\n<div class="pagination" id="page_public_info">'
        + " ".join(pager)
        + "</div>\n"
    )


def detail_page(site: Site, entry: Entry) -> str:
    spec = site.spec
    metas = site_metas(spec) | {"ArticleTitle": entry.title}  # no PubDate: the table shows the date
    published = f"{entry.published:%Y-%m-%d}" if entry.published is not None else ""
    index_no = f"{spec.site_id_code}/{entry.listing_date.year}-{entry.doc_id:05d}"
    return (
        head(spec, f"{entry.title}_{spec.portal_name}", metas)
        + "<body>\n"
        + top_bar(spec)
        + _breadcrumb()
        + '<div class="xxgk_main">\n<div class="div_table_suoyin"><table class="table_suoyin">\n'
        + f"<tr><th>索引号：</th><td>{esc(index_no)}</td><th>信息分类：</th><td>政府信息公开年报</td></tr>\n"
        + f"<tr><th>发布机构：</th><td>{esc(entry.source)}</td><th>发布日期：</th><td>{published}</td></tr>\n"
        + f'<tr><th>名称：</th><td colspan="3">{esc(entry.title)}</td></tr>\n'
        + "</table></div>\n"
        + f'<h1 class="newstitle">{esc(entry.title)}</h1>\n'
        + '<div class="wzcon j-fontContent minh500">\n'
        + entry.body()
        + "</div>\n</div>\n"
        + '<div class="tools"><a href="javascript:window.print()">打印本页</a> '
        + '<a href="javascript:window.close()">关闭窗口</a></div>\n'
        + footer(spec)
    )


def home_column_path() -> str:
    return "/public/column/"  # the menus link the column by unit; the home page shows the platform root


def handle(site: Site, request: PortalRequest) -> Response | None:
    """The shell column pages, the label service and the detail pages; None for other paths."""
    path, query = request.path, parse_qs(request.query)
    if request.method == "POST":
        return None
    unit = UNIT_ID
    column = _COLUMN.match(path)
    if column:
        if column.group(1) != unit or query.get("catId") != [CATEGORY_ID]:
            return not_found()
        return html_response(site.spec, column_page(site))
    if path == LABEL_PATH:
        wanted = (query.get("siteId"), query.get("catId"), query.get("labelName"))
        if wanted != ([unit], [CATEGORY_ID], ["publicInfoList"]):
            return html_response(site.spec, '<p class="xxgk_empty">暂无信息</p>')
        page = _page_index(query)
        return html_response(site.spec, list_fragment(site, site.entries(), page))
    detail = _DETAIL.match(path)
    if detail:
        entry = site.entry(int(detail.group(2)))
        if detail.group(1) != unit or entry is None:
            return not_found()
        return html_response(site.spec, detail_page(site, entry))
    return None


def _page_index(query: dict[str, list[str]]) -> int:
    values = query.get("pageIndex", ["1"])
    return int(values[0]) if values[0].isdigit() and int(values[0]) >= 1 else 1


def listing_urls(site: Site, base_url: str) -> list[str]:
    """The column's pages as a reader sees them (each rendered by the browser from the label service)."""
    return [base_url + column_path(n) for n in range(1, page_count(len(site.entries())) + 1)]
