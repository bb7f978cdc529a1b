"""What the HTML-listing sample families share (Boda VSB, TRS 6-argument, Liaoning date-path, Hanweb xxgk,
the legacy shells): the withdrawn report some columns still list, and small pieces of detail-page markup.

Not a family module (no FAMILY): the family discovery skips it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import TYPE_CHECKING

from ..chrome import Entry, SiteSpec, esc, head, site_metas

if TYPE_CHECKING:
    from ..sites import Site

# The withdrawn report: still listed by its column, its page only meta-refreshes back to the column (what
# portals do instead of answering 404). Its id is outside the generator's ranges (reports 1001…, pages 2001…).
WITHDRAWN_ID = 3001
WITHDRAWN_LISTING_DATE = dt.date(2023, 3, 1)
WITHDRAWN_ORGAN_SUFFIX = "统计局"  # an organ the generator never uses: the title names no generated report


def withdrawn_entry(spec: SiteSpec) -> Entry:
    organ = f"{spec.name}{WITHDRAWN_ORGAN_SUFFIX}"
    return Entry(
        WITHDRAWN_ID,
        f"{organ}2022年政府信息公开工作年度报告",
        WITHDRAWN_LISTING_DATE,
        None,
        organ,
        lambda: "",
    )


def column_entries(site: Site, withdrawn: bool) -> list[Entry]:
    """What the column lists, newest first: the site's entries, plus the withdrawn report if it has one."""
    entries = site.entries()
    if withdrawn:
        entries.append(withdrawn_entry(site.spec))
        entries.sort(key=lambda e: (e.listing_date, e.doc_id), reverse=True)
    return entries


def refresh_page(spec: SiteSpec, column_path: str) -> str:
    """A deleted page: nothing but a refresh to the column (a meta refresh and its script twin)."""
    return (
        "<!DOCTYPE html>\n<html>\n<head>\n"
        + ('<meta charset="utf-8">\n' if spec.declare_charset else "")
        + f'<meta http-equiv="refresh" content="0;url={esc(column_path)}">\n'
        + f"<title>{esc(spec.portal_name)}</title>\n</head>\n<body>\n"
        + f"<script type=\"text/javascript\">window.location.href='{esc(column_path)}';</script>\n"
        + "</body>\n</html>\n"
    )


def article_metas(spec: SiteSpec, entry: Entry, pubdate: bool = True) -> dict[str, str]:
    """The national website norms' metas of an article page (PubDate only when asked and known)."""
    metas = site_metas(spec) | {"ArticleTitle": entry.title}
    if pubdate and entry.published is not None:
        metas["PubDate"] = f"{entry.published:%Y-%m-%d %H:%M}"
    if entry.source:
        metas["ContentSource"] = entry.source
    return metas


def bare_head(spec: SiteSpec, title: str, scripts: str = "") -> str:
    """A head without article metas (no ArticleTitle, PubDate, ContentSource: the page's own date block is
    all there is), keeping the site-level ones the national norms put on every page (SiteIDCode …)."""
    return head(spec, title, {"keywords": spec.portal_name, "description": title} | site_metas(spec), scripts)


def tools() -> str:
    return (
        '<div class="tools"><a href="javascript:window.print()">打印此页</a> '
        '<a href="javascript:window.close()">关闭窗口</a></div>\n'
    )


def plain_pager(page: int, pages: int, href: Callable[[int], str], records: int) -> str:
    """A static pager of plain links (首页 上一页 下一页 尾页), as hand-made and older CMS templates write."""

    def link(target: int, text: str) -> str:
        return f'[<a href="{esc(href(target))}">{text}</a>]'

    parts = [f"共{records}条 页次：{page}/{pages}", link(1, "首页")]
    parts.append(link(page - 1, "上一页") if page > 1 else "[上一页]")
    parts.append(link(page + 1, "下一页") if page < pages else "[下一页]")
    parts.append(link(pages, "尾页"))
    return f'<div class="page">{" ".join(parts)}</div>\n'
