"""Legacy shell: the list inside a same-host `<iframe>` (portal family 10).

The column page `/zfxxgk/ndbg.html` is page chrome around `<iframe src="/zfxxgk/ndbg_list.asp?page=1">`
(plus a hidden iframe of another host, a visitor counter, as sites embed). The framed list is a classic ASP
page `ndbg_list.asp?page=N` with full titles as link text (no title attribute) and a plain pager.
Details are `/zfxxgk/ShowArticle.asp?ArticleID={id}`: no metas, the visible 发布日期 in the Chinese date
form, the body in `.article-content`.
"""

from __future__ import annotations

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
    not_found,
    top_bar,
)
from .html_shared import bare_head, plain_pager, tools

if TYPE_CHECKING:
    from ..sites import Site

FAMILY = "legacy_iframe"
SITES = (SiteSpec("990111", "样本庚区", "127.0.0.21", FAMILY),)
COLUMN_PATH = "/zfxxgk/ndbg.html"
LIST_PATH = "/zfxxgk/ndbg_list.asp"
SHOW_PATH = "/zfxxgk/ShowArticle.asp"
COUNTER_FRAME = "http://tongji.sample.invalid/count.asp?site=990111"  # another host: never followed
PER_PAGE = 10


def page_count(records: int) -> int:
    return max(1, math.ceil(records / PER_PAGE))


def list_path(page: int) -> str:
    return f"{LIST_PATH}?page={page}"


def detail_path(entry: Entry) -> str:
    return f"{SHOW_PATH}?ArticleID={entry.doc_id}"


def column_page(site: Site) -> str:
    spec = site.spec
    return (
        bare_head(spec, f"{COLUMN_NAME}-{spec.portal_name}")
        + "<body>\n"
        + top_bar(spec)
        + f'<div class="location">当前位置：<a href="/">首页</a> &gt; 政府信息公开 &gt; {COLUMN_NAME}</div>\n'
        + '<div class="right-box"><div class="right-title">政府信息公开年度报告</div>\n'
        + f'<iframe id="listframe" name="listframe" src="{list_path(1)}" width="100%" height="620" '
        + 'frameborder="0" scrolling="no"></iframe></div>\n'
        + f'<iframe src="{COUNTER_FRAME}" width="0" height="0" style="display:none"></iframe>\n'
        + footer(spec)
    )


def list_page(site: Site, entries: list[Entry], page: int) -> str:
    spec = site.spec
    pages = page_count(len(entries))
    rows = []
    for entry in entries[(page - 1) * PER_PAGE : page * PER_PAGE]:
        rows.append(
            f'<li><a href="ShowArticle.asp?ArticleID={entry.doc_id}" target="_blank">{esc(entry.title)}</a>'
            f"　{entry.listing_date:%Y-%m-%d}</li>"
        )
    return (
        bare_head(spec, COLUMN_NAME)
        + '<body style="margin:0">\n<ul class="list">\n'
        + "\n".join(rows)
        + "\n</ul>\n"
        + plain_pager(page, pages, lambda n: f"ndbg_list.asp?page={n}", len(entries))
        + "</body>\n</html>\n"
    )


def detail_page(site: Site, entry: Entry) -> str:
    spec = site.spec
    info = []
    if entry.published is not None:
        info.append(f"发布日期：{entry.published:%Y年%m月%d日}")
    if entry.source:
        info.append(f"发布机构：{esc(entry.source)}")
    return (
        bare_head(spec, entry.title)
        + "<body>\n"
        + top_bar(spec)
        + '<div class="location">当前位置：<a href="/">首页</a> &gt; '
        + f'<a href="{COLUMN_PATH}">{COLUMN_NAME}</a></div>\n'
        + f'<div class="article-title">{esc(entry.title)}</div>\n'
        + f'<div class="article-info">{"　".join(info)}</div>\n'
        + '<div class="article-content">\n'
        + entry.body()
        + "</div>\n"
        + tools()
        + footer(spec)
    )


def home_column_path() -> str:
    return COLUMN_PATH


def handle(site: Site, request: PortalRequest) -> Response | None:
    """The answer of the column page, the framed list and the detail pages, or None when not theirs."""
    path, query = request.path, parse_qs(request.query)
    if request.method == "POST":
        return None
    if path == COLUMN_PATH:
        return html_response(site.spec, column_page(site))
    if path == LIST_PATH:
        entries = site.entries()
        number = query.get("page", ["1"])[0]
        if not number.isdigit() or not 1 <= int(number) <= page_count(len(entries)):
            return not_found()
        return html_response(site.spec, list_page(site, entries, int(number)))
    if path == SHOW_PATH:
        ids = query.get("ArticleID", [""])
        entry = site.entry(int(ids[0])) if ids[0].isdigit() else None
        if entry is None:
            return not_found()
        return html_response(site.spec, detail_page(site, entry))
    return None


def listing_urls(site: Site, base_url: str) -> list[str]:
    """The column page, then the framed list's pages."""
    pages = page_count(len(site.entries()))
    return [base_url + COLUMN_PATH] + [base_url + list_path(n) for n in range(1, pages + 1)]
