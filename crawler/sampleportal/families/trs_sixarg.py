"""TRS WCM with the 6-argument pager (portal family 2); crawled by the `trs_classic` adapter.

Column `/zwgk/zfxxgkndbg/list.shtml`, later pages `list_2.shtml`, `list_3.shtml` … (1-based), each carrying
`createPageHTML('page_div', TOTAL_PAGES, CURRENT, 'list', 'shtml', TOTAL_RECORDS)` with CURRENT 1-based;
details `/zwgk/zfxxgkndbg/YYYYMM/tYYYYMMDD_N.shtml` with every article meta, the visible 发布时间 block and
the body in `#zoomcon`. Some reports link their PDF edition (`./P0….pdf`, served as application/pdf).
The site's first two 图片版 reports show their tables as real pictures (SiteSpec.table_pictures): the
sample portal's table images that OCR reads.
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
from ..files import pdf_bytes
from .html_shared import article_metas, tools

if TYPE_CHECKING:
    from ..sites import Site

FAMILY = "trs_classic_6"  # the portal module's own key; the registry row names the adapter `trs_classic`
SITES = (SiteSpec("990106", "样本乙市", "127.0.0.16", FAMILY, table_pictures=2),)
COLUMN_DIR = "/zwgk/zfxxgkndbg/"
PER_PAGE = 10
_LISTING = re.compile(r"^/zwgk/zfxxgkndbg/list(?:_(\d+))?\.shtml$")
_DETAIL = re.compile(r"^/zwgk/zfxxgkndbg/(\d{6})/t(\d{8})_(\d+)\.shtml$")
_FILE = re.compile(r"^/zwgk/zfxxgkndbg/(\d{6})/P0(\d{8})(\d{4})\d{6}\.pdf$")

# The 6-argument pager writer as sites inline it (page k ≥ 2 is list_k.shtml).
_PAGER_SCRIPT = """<script type="text/javascript">
function createPageHTML(_sDivId, _nPageCount, _nCurrIndex, _sPageName, _sPageExt, _nRecordCount) {
  var _oDiv = document.getElementById(_sDivId);
  if (!_oDiv || _nPageCount <= 1) { return; }
  var _sLink = function (n) {
    return n == 1 ? _sPageName + "." + _sPageExt : _sPageName + "_" + n + "." + _sPageExt;
  };
  var _sHtml = "<span>共" + _nRecordCount + "条 第" + _nCurrIndex + "/" + _nPageCount + "页</span> ";
  if (_nCurrIndex > 1) {
    _sHtml += "<a href='" + _sLink(1) + "'>首页</a> <a href='" + _sLink(_nCurrIndex - 1) + "'>上一页</a> ";
  }
  if (_nCurrIndex < _nPageCount) {
    _sHtml += "<a href='" + _sLink(_nCurrIndex + 1) + "'>下一页</a> ";
    _sHtml += "<a href='" + _sLink(_nPageCount) + "'>尾页</a>";
  }
  _oDiv.innerHTML = _sHtml;
}
</script>
"""


def page_count(records: int) -> int:
    return max(1, math.ceil(records / PER_PAGE))


def listing_path(page: int) -> str:
    """Page `page`, 1-based."""
    return f"{COLUMN_DIR}list.shtml" if page == 1 else f"{COLUMN_DIR}list_{page}.shtml"


def detail_path(entry: Entry) -> str:
    day = entry.listing_date
    return f"{COLUMN_DIR}{day:%Y%m}/t{day:%Y%m%d}_{entry.doc_id}.shtml"


def pdf_edition(entry: Entry) -> str | None:
    """The PDF edition some reports link, relative to their page (TRS names files P0 + date + serial)."""
    if not 1001 <= entry.doc_id < 2000 or entry.doc_id % 7:
        return None
    return f"./P0{entry.listing_date:%Y%m%d}{entry.doc_id:04d}{entry.doc_id * 37 % 1000000:06d}.pdf"


def _breadcrumb() -> str:
    return (
        '<div class="position">您现在的位置：<a href="/">首页</a> &gt; <a href="/zwgk/">政务公开</a> &gt; '
        f'<a href="{COLUMN_DIR}list.shtml">{COLUMN_NAME}</a></div>\n'
    )


def listing_page(site: Site, entries: list[Entry], page: int) -> str:
    spec = site.spec
    pages = page_count(len(entries))
    items = []
    for entry in entries[(page - 1) * PER_PAGE : page * PER_PAGE]:
        href = "." + detail_path(entry)[len(COLUMN_DIR) - 1 :]
        shown = esc(list_title(entry.title))
        link = f'<a href="{href}" target="_blank" title="{esc(entry.title)}">{shown}</a>'
        items.append(f'<li><span class="date">{entry.listing_date.isoformat()}</span>{link}</li>')
    return (
        head(spec, f"{COLUMN_NAME}-{spec.portal_name}", site_metas(spec), _PAGER_SCRIPT)
        + "<body>\n"
        + top_bar(spec)
        + _breadcrumb()
        + '<div class="zfxxgk-list"><div class="list-title">政府信息公开工作年度报告</div>\n<ul>\n'
        + "\n".join(items)
        + "\n</ul>\n"
        + '<div class="page" id="page_div"></div>\n'
        + '<script type="text/javascript">'
        + f"createPageHTML('page_div', {pages}, {page}, 'list', 'shtml', {len(entries)});</script>\n"
        + "</div>\n"
        + footer(spec)
    )


def detail_page(site: Site, entry: Entry) -> str:
    spec = site.spec
    info = []
    if entry.published is not None:
        info.append(f"<span>发布时间：{entry.published:%Y-%m-%d %H:%M}</span>")
    if entry.source:
        info.append(f"<span>来源：{esc(entry.source)}</span>")
    info.append("<span>【字体：<a>大</a> <a>中</a> <a>小</a>】</span>")
    pdf = pdf_edition(entry)
    attachment = ""
    if pdf:
        link = f'<a href="{pdf}" OLDSRC="/protect/{pdf[2:]}">{esc(entry.title)}（PDF版）</a>'
        attachment = f"<p>附件：{link}</p>\n"
    return (
        head(spec, f"{entry.title}-{spec.portal_name}", article_metas(spec, entry))
        + "<body>\n"
        + top_bar(spec)
        + _breadcrumb()
        + f'<div class="detail"><h1 class="detail-title">{esc(entry.title)}</h1>\n'
        + f'<div class="detail-info">{"　".join(info)}</div>\n'
        + '<div id="zoomcon">\n'
        + entry.body()
        + attachment
        + "</div>\n</div>\n"
        + tools()
        + footer(spec)
    )


def home_column_path() -> str:
    return listing_path(1)


def handle(site: Site, request: PortalRequest) -> Response | None:
    """The answer of the column, its detail pages and PDF editions, or None when the path is not theirs."""
    path = request.path
    if request.method == "POST":
        return None
    entries = site.entries()
    listing = _LISTING.match(path)
    if listing:
        page = int(listing.group(1) or 1)
        if listing.group(1) is not None and page < 2:
            return not_found()  # the first page has no number: list_1.shtml does not exist
        if page > page_count(len(entries)):
            return not_found()
        return html_response(site.spec, listing_page(site, entries, page))
    detail = _DETAIL.match(path)
    if detail:
        return detail_response(site, int(detail.group(3)), path, detail_path, detail_page)
    file = _FILE.match(path)
    if file:
        entry = site.entry(int(file.group(3)))
        pdf = pdf_edition(entry) if entry is not None else None
        if entry is None or pdf is None or path != detail_path(entry).rsplit("/", 1)[0] + pdf[1:]:
            return not_found()
        lines = [entry.title, entry.source, f"发布时间：{entry.listing_date.isoformat()}"]
        return Response(200, pdf_bytes(lines), "application/pdf")
    return None


def listing_urls(site: Site, base_url: str) -> list[str]:
    return [base_url + listing_path(n) for n in range(1, page_count(len(site.entries())) + 1)]
