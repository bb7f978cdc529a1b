"""Legacy shell: a column split into one folder per report year (portal family 10).

The index `/xxgk/gknb/index.html` (also `/xxgk/gknb/`) only links the year folders: `gknb2019/`,
`gknb2020/` from before the site's 2021 redesign, `2021n/`, `2022n/` … after it. Each folder is a static
list (`index.html`, then `index_1.html` … 0-based, with a plain pager) of the items about that report year
(the year before publication). Details `{folder}{YYYYMM}/t{YYYYMMDD}_{id}.html` carry every article meta,
a visible 日期 line and the body in `#zoom`.
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
from .html_shared import article_metas, plain_pager, tools

if TYPE_CHECKING:
    from ..sites import Site

FAMILY = "legacy_years"
SITES = (SiteSpec("990112", "样本辛区", "127.0.0.22", FAMILY),)
INDEX_DIR = "/xxgk/gknb/"
REDESIGN_YEAR = 2021  # folders of report years from this one on are named 2021n/, 2022n/ …
PER_PAGE = 4
_FOLDER = re.compile(r"^/xxgk/gknb/(?:gknb(\d{4})|(\d{4})n)/(?:index(?:_(\d+))?\.html)?$")
_DETAIL = re.compile(r"^/xxgk/gknb/(?:gknb\d{4}|\d{4}n)/\d{6}/t\d{8}_(\d+)\.html$")


def report_year(entry: Entry) -> int:
    """Reports (and their 解读) are published early in the year after the one they cover."""
    return entry.listing_date.year - 1


def folder(year: int) -> str:
    name = f"gknb{year}" if year < REDESIGN_YEAR else f"{year}n"
    return f"{INDEX_DIR}{name}/"


def folder_page_path(year: int, page: int) -> str:
    """Page `page` (0-based) of a year folder."""
    return folder(year) + ("index.html" if page == 0 else f"index_{page}.html")


def page_count(records: int) -> int:
    return max(1, math.ceil(records / PER_PAGE))


def detail_path(entry: Entry) -> str:
    day = entry.listing_date
    return f"{folder(report_year(entry))}{day:%Y%m}/t{day:%Y%m%d}_{entry.doc_id}.html"


def _years(entries: list[Entry]) -> list[int]:
    return sorted({report_year(e) for e in entries}, reverse=True)


def index_page(site: Site, entries: list[Entry]) -> str:
    spec = site.spec
    rows = [
        f'<li><a href="{folder(y).removeprefix(INDEX_DIR)}">{y}年度政府信息公开工作年度报告</a></li>'
        for y in _years(entries)
    ]
    return (
        head(spec, f"{COLUMN_NAME}_{spec.portal_name}", site_metas(spec))
        + "<body>\n"
        + top_bar(spec)
        + f'<div class="crumbs">当前位置：<a href="/">首页</a> &gt; 信息公开 &gt; {COLUMN_NAME}</div>\n'
        + '<div class="gknb"><ul class="year-list">\n'
        + "\n".join(rows)
        + "\n</ul></div>\n"
        + footer(spec)
    )


def folder_page(site: Site, year: int, shown: list[Entry], page: int) -> str:
    spec = site.spec
    pages = page_count(len(shown))
    rows = []
    for entry in shown[page * PER_PAGE : (page + 1) * PER_PAGE]:
        href = "./" + detail_path(entry).removeprefix(folder(year))
        rows.append(
            f'<li><a href="{href}" target="_blank" title="{esc(entry.title)}">'
            f"{esc(list_title(entry.title))}</a><span>{entry.listing_date.isoformat()}</span></li>"
        )
    return (
        head(spec, f"{year}年度_{spec.portal_name}", site_metas(spec))
        + "<body>\n"
        + top_bar(spec)
        + f'<div class="crumbs">当前位置：<a href="/">首页</a> &gt; <a href="{INDEX_DIR}">{COLUMN_NAME}</a>'
        + f" &gt; {year}年度</div>\n"
        + f'<div class="gknb"><h3>{year}年度</h3><ul class="list">\n'
        + "\n".join(rows)
        + "\n</ul>\n"
        + plain_pager(
            page + 1, pages, lambda n: "index.html" if n == 1 else f"index_{n - 1}.html", len(shown)
        )
        + "</div>\n"
        + footer(spec)
    )


def detail_page(site: Site, entry: Entry) -> str:
    spec = site.spec
    info = []
    if entry.published is not None:
        info.append(f"日期：{entry.published:%Y-%m-%d}")
    if entry.source:
        info.append(f"来源：{esc(entry.source)}")
    return (
        head(spec, f"{entry.title}_{spec.portal_name}", article_metas(spec, entry))
        + "<body>\n"
        + top_bar(spec)
        + '<div class="crumbs">当前位置：<a href="/">首页</a> &gt; '
        + f'<a href="{INDEX_DIR}">{COLUMN_NAME}</a></div>\n'
        + f'<h1 class="title">{esc(entry.title)}</h1>\n'
        + f'<div class="info">{"　".join(info)}</div>\n'
        + '<div id="zoom">\n'
        + entry.body()
        + "</div>\n"
        + tools()
        + footer(spec)
    )


def home_column_path() -> str:
    return f"{INDEX_DIR}index.html"


def handle(site: Site, request: PortalRequest) -> Response | None:
    """The answer of the index, the year folders and the detail pages, or None when not theirs."""
    path = request.path
    if request.method == "POST":
        return None
    entries = site.entries()
    if path in (INDEX_DIR, f"{INDEX_DIR}index.html"):
        return html_response(site.spec, index_page(site, entries))
    listing = _FOLDER.match(path)
    if listing:
        year = int(listing.group(1) or listing.group(2))
        shown = [e for e in entries if report_year(e) == year]
        page = int(listing.group(3) or 0)
        if (
            not shown
            or folder(year) != path[: len(folder(year))]
            or (listing.group(3) is not None and page == 0)
            or page >= page_count(len(shown))
        ):
            return not_found()
        return html_response(site.spec, folder_page(site, year, shown, page))
    detail = _DETAIL.match(path)
    if detail:
        return detail_response(site, int(detail.group(1)), path, detail_path, detail_page)
    return None


def listing_urls(site: Site, base_url: str) -> list[str]:
    """The index, then every page of every year folder (newest year first)."""
    entries = site.entries()
    urls = [base_url + home_column_path()]
    for year in _years(entries):
        count = sum(1 for e in entries if report_year(e) == year)
        # The index links the folder itself (…/2024n/): its first page is that address.
        urls += [base_url + folder(year)] + [
            base_url + folder_page_path(year, n) for n in range(1, page_count(count))
        ]
    return urls
