"""Legacy shell: a JavaScript redirect stub in front of the real listing (portal family 10).

The column address the menus link, `/zwgk/ndbg/index.html` (also `/zwgk/ndbg/`), is a stub whose only
content is `<script>window.location.href='…'</script>`: a client without JavaScript sees an empty page.
The real list is `/zwgkml/ndbg/index.shtml`, then `index_2.shtml` … with a plain 首页/上一页/下一页/尾页
pager. Details `/zwgkml/ndbg/{YYYYMM}/{id}.shtml` carry ArticleTitle and ContentSource but no PubDate; the
visible block says 信息提供日期 and the body sits in `#ivs_content`.
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

FAMILY = "legacy_stub"
SITES = (SiteSpec("990110", "样本己县", "127.0.0.20", FAMILY),)
STUB_PATH = "/zwgk/ndbg/index.html"
LIST_DIR = "/zwgkml/ndbg/"
PER_PAGE = 10
_LISTING = re.compile(r"^/zwgkml/ndbg/index(?:_(\d+))?\.shtml$")
_DETAIL = re.compile(r"^/zwgkml/ndbg/(\d{6})/(\d+)\.shtml$")


def page_count(records: int) -> int:
    return max(1, math.ceil(records / PER_PAGE))


def listing_path(page: int) -> str:
    return f"{LIST_DIR}index.shtml" if page == 1 else f"{LIST_DIR}index_{page}.shtml"


def detail_path(entry: Entry) -> str:
    return f"{LIST_DIR}{entry.listing_date:%Y%m}/{entry.doc_id}.shtml"


def stub_page(spec: SiteSpec) -> str:
    return (
        head(spec, spec.portal_name, {})
        + "<body>\n"
        + f"<script type=\"text/javascript\">window.location.href='{listing_path(1)}';</script>\n"
        + "</body>\n</html>\n"
    )


def listing_page(site: Site, entries: list[Entry], page: int) -> str:
    spec = site.spec
    pages = page_count(len(entries))
    rows = []
    for entry in entries[(page - 1) * PER_PAGE : page * PER_PAGE]:
        rows.append(
            f'<li><span class="time">{entry.listing_date.isoformat()}</span>'
            f'<a href="{detail_path(entry)}" target="_blank" title="{esc(entry.title)}">'
            f"{esc(list_title(entry.title))}</a></li>"
        )
    return (
        head(spec, f"{COLUMN_NAME}_{spec.portal_name}", site_metas(spec))
        + "<body>\n"
        + top_bar(spec)
        + f'<div class="location">当前位置：<a href="/">首页</a> &gt; 政务公开 &gt; {COLUMN_NAME}</div>\n'
        + '<div class="list"><ul>\n'
        + "\n".join(rows)
        + "\n</ul>\n"
        + plain_pager(page, pages, listing_path, len(entries))
        + "</div>\n"
        + footer(spec)
    )


def detail_page(site: Site, entry: Entry) -> str:
    spec = site.spec
    info = []
    if entry.source:
        info.append(f"<span>信息来源：{esc(entry.source)}</span>")
    if entry.published is not None:
        info.append(f"<span>信息提供日期：{entry.published:%Y-%m-%d}</span>")
    return (
        head(spec, f"{entry.title}_{spec.portal_name}", article_metas(spec, entry, pubdate=False))
        + "<body>\n"
        + top_bar(spec)
        + '<div class="location">当前位置：<a href="/">首页</a> &gt; '
        + f'<a href="{STUB_PATH}">{COLUMN_NAME}</a></div>\n'
        + f'<div class="article"><h2>{esc(entry.title)}</h2>\n'
        + f'<div class="info">{"　".join(info)}</div>\n'
        + '<div id="ivs_content">\n'
        + entry.body()
        + "</div>\n</div>\n"
        + tools()
        + footer(spec)
    )


def home_column_path() -> str:
    return STUB_PATH


def handle(site: Site, request: PortalRequest) -> Response | None:
    """The answer of the stub, the real list and the detail pages, or None when not theirs."""
    path = request.path
    if request.method == "POST":
        return None
    if path in (STUB_PATH, STUB_PATH.removesuffix("index.html")):
        return html_response(site.spec, stub_page(site.spec))
    entries = site.entries()
    listing = _LISTING.match(path)
    if listing:
        page = int(listing.group(1) or 1)
        if (listing.group(1) is not None and page < 2) or page > page_count(len(entries)):
            return not_found()
        return html_response(site.spec, listing_page(site, entries, page))
    detail = _DETAIL.match(path)
    if detail:
        return detail_response(site, int(detail.group(2)), path, detail_path, detail_page)
    return None


def listing_urls(site: Site, base_url: str) -> list[str]:
    """The stub, then the real list's pages."""
    pages = page_count(len(site.entries()))
    return [base_url + STUB_PATH] + [base_url + listing_path(n) for n in range(1, pages + 1)]
