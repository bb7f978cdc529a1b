"""TRS WCM classic static pages (portal family 1).

Column `/zfxxgk/ndbg/index.htm`, later pages `index_1.htm`, `index_2.htm` … (0-based), each carrying
`createPageHTML(TOTAL_PAGES, CURRENT, "index", "htm", TOTAL_RECORDS)`; details at
`/zfxxgk/ndbg/YYYYMM/tYYYYMMDD_N.html` with the body in `.TRS_Editor`.
"""

from __future__ import annotations

import math
import re
from typing import TYPE_CHECKING

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
    not_found,
    site_metas,
    top_bar,
)

if TYPE_CHECKING:
    from ..sites import Site

FAMILY = "trs_classic"
SITES = (
    SiteSpec("990101", "样本市", "127.0.0.11", FAMILY),
    SiteSpec("990103", "样本区", "127.0.0.13", FAMILY, charset="gbk", declare_charset=False),
    SiteSpec("990104", "样本语料", "127.0.0.14", FAMILY, corpus=True),
)
COLUMN_DIR = "/zfxxgk/ndbg/"
PER_PAGE = 10
_LISTING = re.compile(r"^/zfxxgk/ndbg/(?:index(?:_(\d+))?\.htm)?$")
_DETAIL = re.compile(r"^/zfxxgk/ndbg/\d{6}/t\d{8}_(\d+)\.html$")

# TRS's pager writer as sites inline it: it needs JavaScript, so a crawler reads the call's numbers instead.
_PAGER_SCRIPT = """<script type="text/javascript">
function createPageHTML(_nPageCount, _nCurrIndex, _sPageName, _sPageExt, _nRecordCount) {
  if (_nPageCount == null || _nPageCount <= 1) { return; }
  var _sLink = function (n) {
    return n == 0 ? _sPageName + "." + _sPageExt : _sPageName + "_" + n + "." + _sPageExt;
  };
  document.write("<span>共" + _nRecordCount + "条 " + (_nCurrIndex + 1) + "/" + _nPageCount + "页</span> ");
  if (_nCurrIndex > 0) {
    document.write("<a href=\\"" + _sLink(0) + "\\">首页</a> ");
    document.write("<a href=\\"" + _sLink(_nCurrIndex - 1) + "\\">上一页</a> ");
  }
  if (_nCurrIndex < _nPageCount - 1) {
    document.write("<a href=\\"" + _sLink(_nCurrIndex + 1) + "\\">下一页</a> ");
    document.write("<a href=\\"" + _sLink(_nPageCount - 1) + "\\">尾页</a>");
  }
}
</script>
"""


def page_count(records: int) -> int:
    return max(1, math.ceil(records / PER_PAGE))


def listing_path(page: int) -> str:
    return f"{COLUMN_DIR}index.htm" if page == 0 else f"{COLUMN_DIR}index_{page}.htm"


def detail_path(entry: Entry) -> str:
    day = entry.listing_date
    return f"{COLUMN_DIR}{day:%Y%m}/t{day:%Y%m%d}_{entry.doc_id}.html"


def _breadcrumb() -> str:
    return (
        '<div class="position">当前位置：<a href="/">首页</a> &gt; <a href="/zfxxgk/">政府信息公开</a> &gt; '
        f'<a href="{COLUMN_DIR}index.htm">{COLUMN_NAME}</a></div>\n'
    )


def listing_page(site: Site, entries: list[Entry], page: int) -> str:
    spec = site.spec
    pages = page_count(len(entries))
    items = []
    for entry in entries[page * PER_PAGE : (page + 1) * PER_PAGE]:
        href = "." + detail_path(entry)[len(COLUMN_DIR) - 1 :]
        shown = esc(list_title(entry.title))
        link = f'<a href="{href}" target="_blank" title="{esc(entry.title)}">{shown}</a>'
        items.append(f"<li>{link}<span>{entry.listing_date.isoformat()}</span></li>")
    return (
        head(spec, f"{COLUMN_NAME}_{spec.portal_name}", site_metas(spec), _PAGER_SCRIPT)
        + "<body>\n"
        + top_bar(spec)
        + _breadcrumb()
        + '<div class="xxgk_right"><div class="xxgk_title">政府信息公开年报</div>\n'
        + '<ul class="xxgk_list">\n'
        + "\n".join(items)
        + "\n</ul>\n"
        + '<div class="page" id="page_div"><script type="text/javascript">'
        + f'createPageHTML({pages}, {page}, "index", "htm", {len(entries)});</script></div>\n'
        + "</div>\n"
        + footer(spec)
    )


def detail_page(site: Site, entry: Entry) -> str:
    spec = site.spec
    metas = site_metas(spec) | {"ArticleTitle": entry.title}
    info = [f"<li>索引号：{spec.site_id_code}/{entry.listing_date.year}-{entry.doc_id:05d}</li>"]
    if entry.source:
        info.append(f"<li>发布机构：{esc(entry.source)}</li>")
        metas["ContentSource"] = entry.source
    if entry.published is not None:
        metas["PubDate"] = f"{entry.published:%Y-%m-%d %H:%M}"
        info.append(f"<li>发布日期：{entry.published:%Y-%m-%d}</li>")
    info.append("<li>主题分类：政务公开</li>")
    return (
        head(spec, f"{entry.title}_{spec.portal_name}", metas)
        + "<body>\n"
        + top_bar(spec)
        + _breadcrumb()
        + '<div class="xxgk_info"><ul>'
        + "".join(info)
        + "</ul></div>\n"
        + f'<div class="article"><h1 class="title">{esc(entry.title)}</h1>\n'
        + '<div class="TRS_Editor">\n'
        + entry.body()
        + "</div>\n</div>\n"
        + '<div class="tools"><a href="javascript:window.print()">打印此页</a> '
        + '<a href="javascript:window.close()">关闭窗口</a></div>\n'
        + footer(spec)
    )


def home_column_path() -> str:
    return listing_path(0)


def handle(site: Site, request: PortalRequest) -> Response | None:
    """The answer of the TRS column and its detail pages, or None when the path is not theirs."""
    path = request.path
    if request.method == "POST":
        return None
    entries = site.entries()
    listing = _LISTING.match(path)
    if listing:
        page = int(listing.group(1) or 0)
        if listing.group(1) is not None and page == 0:
            return not_found()  # TRS never writes index_0.htm
        if page >= page_count(len(entries)):
            return not_found()
        return html_response(site.spec, listing_page(site, entries, page))
    detail = _DETAIL.match(path)
    if detail:
        return detail_response(site, int(detail.group(1)), path, detail_path, detail_page)
    return None


def listing_urls(site: Site, base_url: str) -> list[str]:
    return [base_url + listing_path(n) for n in range(page_count(len(site.entries())))]
