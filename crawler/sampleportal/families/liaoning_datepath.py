"""The Liaoning date-path CMS (portal family 9), as on the 盘锦 and 盘山 sites.

Details live under the date and hour of publication: `/{YYYY_MM}/{DD_HH}/content-{id}.html` (e.g.
`/2023_01/19_15/content-399013.html`); items published before the site's 2023 redesign keep the older
shape `/html/{col}/{YYYYMMDD}/content-{id}.html`. Pages show no article metas; the visible block says
发布时间, the body sits in `.zw-content`.

The column's own paging is not documented in the research: this imitation uses the plain static shape such
CMSs write, `/html/{col}/index.html` then `list-2.html`, `list-3.html` …, with a 首页/上一页/下一页/尾页 pager
and "共N页" (invented, faithful-looking). The column also still lists a withdrawn report whose page refreshes
to the column.
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
    esc,
    footer,
    html_response,
    list_title,
    not_found,
    top_bar,
)
from .html_shared import WITHDRAWN_ID, bare_head, column_entries, refresh_page, tools

if TYPE_CHECKING:
    from ..sites import Site

FAMILY = "liaoning_datepath"
SITES = (SiteSpec("990107", "样本丙县", "127.0.0.17", FAMILY),)
COLUMN_ID = 1843
COLUMN_DIR = f"/html/{COLUMN_ID}/"
CONTENT_ID_BASE = 398000  # content ids look like the real ones (content-399013.html)
REDESIGN_YEAR = 2023  # items listed from this year on use the /{YYYY_MM}/{DD_HH}/ shape
PER_PAGE = 10
_LISTING = re.compile(rf"^{COLUMN_DIR}(?:index\.html|list-(\d+)\.html)?$")
_NEW_DETAIL = re.compile(r"^/(\d{4})_(\d{2})/(\d{2})_(\d{2})/content-(\d+)\.html$")
_OLD_DETAIL = re.compile(rf"^{COLUMN_DIR}(\d{{8}})/content-(\d+)\.html$")


def page_count(records: int) -> int:
    return max(1, math.ceil(records / PER_PAGE))


def listing_path(page: int) -> str:
    return f"{COLUMN_DIR}index.html" if page == 1 else f"{COLUMN_DIR}list-{page}.html"


def detail_path(entry: Entry) -> str:
    content = f"content-{CONTENT_ID_BASE + entry.doc_id}.html"
    if entry.listing_date.year < REDESIGN_YEAR:
        return f"{COLUMN_DIR}{entry.listing_date:%Y%m%d}/{content}"
    # The hour is the publication's (pages without a time were filed at 09:00).
    hour = entry.published.hour if entry.published is not None else 9
    return f"/{entry.listing_date:%Y_%m}/{entry.listing_date:%d}_{hour:02d}/{content}"


def _pager(page: int, pages: int) -> str:
    def link(target: int, text: str) -> str:
        return f'<a href="{listing_path(target)}">{text}</a>'

    parts = [link(1, "首页")]
    parts.append(link(page - 1, "上一页") if page > 1 else "<span>上一页</span>")
    parts.append(link(page + 1, "下一页") if page < pages else "<span>下一页</span>")
    parts.append(link(pages, "尾页"))
    return f'<div class="fenye">{" ".join(parts)} <span>当前第{page}页 共{pages}页</span></div>\n'


def listing_page(site: Site, entries: list[Entry], page: int) -> str:
    spec = site.spec
    pages = page_count(len(entries))
    rows = []
    for entry in entries[(page - 1) * PER_PAGE : page * PER_PAGE]:
        rows.append(
            f'<li><a href="{detail_path(entry)}" title="{esc(entry.title)}" target="_blank">'
            f"{esc(list_title(entry.title))}</a><em>[{entry.listing_date.isoformat()}]</em></li>"
        )
    return (
        bare_head(spec, f"{COLUMN_NAME}_{spec.portal_name}")
        + "<body>\n"
        + top_bar(spec)
        + f'<div class="weizhi">您的位置：<a href="/">首页</a> &gt; 政府信息公开 &gt; {COLUMN_NAME}</div>\n'
        + '<div class="list-box"><ul class="news-list">\n'
        + "\n".join(rows)
        + "\n</ul>\n"
        + _pager(page, pages)
        + "</div>\n"
        + footer(spec)
    )


def detail_page(site: Site, entry: Entry) -> str:
    spec = site.spec
    info = []
    if entry.published is not None:
        info.append(f"发布时间：{entry.published:%Y-%m-%d %H:%M}")
    if entry.source:
        info.append(f"来源：{esc(entry.source)}")
    info.append('浏览次数：<span id="hits"></span>')
    return (
        bare_head(spec, f"{entry.title}_{spec.portal_name}")
        + "<body>\n"
        + top_bar(spec)
        + f'<div class="weizhi">您的位置：<a href="/">首页</a> &gt; <a href="{listing_path(1)}">'
        + f"{COLUMN_NAME}</a> &gt; 正文</div>\n"
        + f'<div class="detail"><div class="detail-title">{esc(entry.title)}</div>\n'
        + f'<div class="detail-info">{"　　".join(info)}</div>\n'
        + '<div class="zw-content">\n'
        + entry.body()
        + "</div>\n</div>\n"
        + tools()
        + footer(spec)
    )


def _detail_id(path: str) -> int | None:
    for pattern, group in ((_NEW_DETAIL, 5), (_OLD_DETAIL, 2)):
        m = pattern.match(path)
        if m:
            return int(m.group(group)) - CONTENT_ID_BASE
    return None


def home_column_path() -> str:
    return listing_path(1)


def handle(site: Site, request: PortalRequest) -> Response | None:
    """The answer of the column and its detail pages, or None when the path is not theirs."""
    path = request.path
    if request.method == "POST":
        return None
    entries = column_entries(site, withdrawn=True)
    listing = _LISTING.match(path)
    if listing:
        page = int(listing.group(1) or 1)
        if (listing.group(1) is not None and page < 2) or page > page_count(len(entries)):
            return not_found()
        return html_response(site.spec, listing_page(site, entries, page))
    doc_id = _detail_id(path)
    if doc_id is None:
        return None
    entry = next((e for e in entries if e.doc_id == doc_id), None)
    if entry is None or detail_path(entry) != path:
        return not_found()
    if doc_id == WITHDRAWN_ID:
        return html_response(site.spec, refresh_page(site.spec, listing_path(1)))
    return html_response(site.spec, detail_page(site, entry))


def listing_urls(site: Site, base_url: str) -> list[str]:
    pages = page_count(len(column_entries(site, withdrawn=True)))
    return [base_url + listing_path(n) for n in range(1, pages + 1)]
