"""TRS WCM classic columns whose reports carry their files as attachments (portal family 1, TRS's `P0…`
attachment names), for the sites behind 瑞数 (sampleportal/challenges.py).

The column and its pager are trs_classic's (`index.htm`, `index_1.htm`, … and `createPageHTML`); each
report page adds a 附件 block linking `./YYYYMM/P0{YYYYMMDD}{id}.pdf` — the report's PDF edition, its full
text and tables (sampleportal/documents.py) — and, for every fourth report, a `.docx` edition too. TRS
serves them as static files: `Content-Type` only, no Content-Disposition. Behind 瑞数 the files need the
cookies (and the browser) like every other path.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Final

from ..chrome import (
    Entry,
    PortalRequest,
    Response,
    SiteSpec,
    detail_response,
    esc,
    footer,
    head,
    not_found,
    site_metas,
    top_bar,
)
from . import trs_classic

if TYPE_CHECKING:
    from ..sites import Site

FAMILY = "trs_attachments"
# 17 reports and 4 解读/图解 pages: three listing pages (10, 10, 1) at a browser's pace.
SITES = (
    SiteSpec("990118", "样本瑞数市", "127.0.0.28", FAMILY, challenge="ruishu", reports=17),
    SiteSpec("990120", "样本拦截县", "127.0.0.30", FAMILY, challenge="ruishu_broken", reports=17),
)
PDF_TYPE: Final[str] = "application/pdf"
DOCX_TYPE: Final[str] = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
DOCX_EVERY: Final[int] = 4  # reports whose id is a multiple of this also attach a Word copy
_DETAIL = re.compile(r"^/zfxxgk/ndbg/\d{6}/t\d{8}_(\d+)\.html$")
_FILE = re.compile(r"^/zfxxgk/ndbg/(\d{6})/P0(\d{8})(\d{6})\.(pdf|docx)$")

listing_urls = trs_classic.listing_urls
detail_path = trs_classic.detail_path
home_column_path = trs_classic.home_column_path


def attachment_names(site: Site, entry: Entry) -> list[str]:
    """The files a report page links, as named in its directory (none for 解读/图解 pages)."""
    if entry.doc_id not in {r.doc_id for r in site.reports}:
        return []
    stem = f"P0{entry.listing_date:%Y%m%d}{entry.doc_id:06d}"
    names = [f"{stem}.pdf"]
    if entry.doc_id % DOCX_EVERY == 0:
        names.append(f"{stem}.docx")
    return names


def attachment_paths(site: Site, entry: Entry) -> list[str]:
    directory = f"{trs_classic.COLUMN_DIR}{entry.listing_date:%Y%m}/"
    return [directory + name for name in attachment_names(site, entry)]


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
    files = "".join(
        f'<p><a href="./{name}" target="_blank">{esc(entry.title)}.{name.rsplit(".", 1)[1]}</a></p>'
        for name in attachment_names(site, entry)
    )
    attachments = f'<div class="xgfj"><p>附件：</p>{files}</div>\n' if files else ""
    return (
        head(spec, f"{entry.title}_{spec.portal_name}", metas)
        + "<body>\n"
        + top_bar(spec)
        + '<div class="position">当前位置：<a href="/">首页</a> &gt; '
        + f'<a href="{trs_classic.listing_path(0)}">政府信息公开年报</a></div>\n'
        + '<div class="xxgk_info"><ul>'
        + "".join(info)
        + "</ul></div>\n"
        + f'<div class="article"><h1 class="title">{esc(entry.title)}</h1>\n'
        + '<div class="TRS_Editor">\n'
        + entry.body()
        + "</div>\n"
        + attachments
        + "</div>\n"
        + '<div class="tools"><a href="javascript:window.print()">打印此页</a> '
        + '<a href="javascript:window.close()">关闭窗口</a></div>\n'
        + footer(spec)
    )


def handle(site: Site, request: PortalRequest) -> Response | None:
    """These report pages and their files, the TRS column (trs_classic's pages); None for other paths."""
    if request.method == "POST":
        return None
    found = _FILE.match(request.path)
    if found:
        return _attachment(site, int(found.group(3)), request.path)
    detail = _DETAIL.match(request.path)
    if detail:
        return detail_response(site, int(detail.group(1)), request.path, detail_path, detail_page)
    return trs_classic.handle(site, request)


def _attachment(site: Site, doc_id: int, path: str) -> Response:
    entry = site.entry(doc_id)
    if entry is None or path not in attachment_paths(site, entry):
        return not_found()
    if path.endswith(".pdf"):
        return Response(200, site.report_document(doc_id, "pdf"), PDF_TYPE)
    return Response(200, site.report_document(doc_id, "docx"), DOCX_TYPE)
