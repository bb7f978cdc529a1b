"""Boda VSB static `.htm` columns (portal family 7), as on the 红河州 sites.

The column's first page is `/zfxxgk/zfxxgknb.htm`; the others are numbered in reverse inside a folder of the
same name: with N pages, page 2 is `zfxxgknb/{N-1}.htm` and the last is `zfxxgknb/1.htm` (VSB numbers from
the oldest page, so old pages keep their files as new items arrive). The pager is VSB's `pb_sys_style1`:
`span.p_t` "共30条", `span.p_pages` with `span.p_no` links, `span.p_next` (下页) and `span.p_last` (尾页), and
`span.p_t` "1/4". Details are `/info/{tree}/{id}.htm`, the body in `#vsb_content .v_news_content`, no
article metas; the visible block says 发布时间 in the Chinese date form.

Attachments are served by `/system/_content/download.jsp?urltype=news.DownloadAttachUrl&owner=…&wbfileid=…`:
no extension, `Content-Type: application/octet-stream`; the name is in `Content-Disposition`, as raw GBK bytes
(PDFs) or RFC 5987 `filename*=` (DOCX). Some reports are attachment-only: the page body only points at the
file, which holds the whole report, text and tables; some full pages attach the same report as a PDF.
The column also still lists a withdrawn report whose page refreshes to the column.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING
from urllib.parse import parse_qs, quote

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

FAMILY = "boda_vsb"
SITES = (SiteSpec("990105", "样本甲市", "127.0.0.15", FAMILY),)
COLUMN = "/zfxxgk/zfxxgknb"  # first page COLUMN.htm, the others COLUMN/{n}.htm
TREE = 2043
OWNER = 1548456395  # VSB's site id, repeated in every download link
FILE_ID_BASE = 11280000
PER_PAGE = 8
DOWNLOAD_PATH = "/system/_content/download.jsp"
_LISTING = re.compile(rf"^{COLUMN}(?:/(\d+))?\.htm$")
_DETAIL = re.compile(rf"^/info/{TREE}/(\d+)\.htm$")


@dataclass(frozen=True)
class Attachment:
    file_id: int  # wbfileid
    name: str  # the file name shown on the page and sent in Content-Disposition
    kind: str  # "pdf" | "docx"

    @property
    def path(self) -> str:
        """The download link as VSB writes it: no extension anywhere."""
        return f"{DOWNLOAD_PATH}?urltype=news.DownloadAttachUrl&owner={OWNER}&wbfileid={self.file_id}"


def _is_report(entry: Entry) -> bool:
    return 1001 <= entry.doc_id < 2000


def attachment_only(entry: Entry) -> bool:
    """Reports published only as a file: the page body just points at it."""
    return _is_report(entry) and entry.doc_id % 5 == 1


def attachments(entry: Entry) -> list[Attachment]:
    """The files a report page links: attachment-only reports alternate PDF and DOCX; some full pages
    carry the PDF edition too."""
    if not _is_report(entry):
        return []
    file_id = FILE_ID_BASE + entry.doc_id * 10 + 1
    if attachment_only(entry):
        kind = "pdf" if entry.doc_id % 10 == 1 else "docx"
        return [Attachment(file_id, f"{entry.title}.{kind}", kind)]
    if entry.doc_id % 5 == 3:
        return [Attachment(file_id, f"{entry.title}.pdf", "pdf")]
    return []


def page_count(records: int) -> int:
    return max(1, math.ceil(records / PER_PAGE))


def listing_path(page: int, pages: int) -> str:
    """Page `page` (1-based) of `pages`: reverse-numbered after the first."""
    return f"{COLUMN}.htm" if page == 1 else f"{COLUMN}/{pages - page + 1}.htm"


def detail_path(entry: Entry) -> str:
    return f"/info/{TREE}/{entry.doc_id}.htm"


def _relative(path: str, page: int) -> str:
    """A site path as VSB writes it on listing page `page`: relative to that page's folder."""
    return ("../.." if page > 1 else "..") + path


def _pager_href(target: int, page: int, pages: int) -> str:
    if page == 1:
        return listing_path(target, pages).removeprefix("/zfxxgk/")
    if target == 1:
        return f"../{COLUMN.rsplit('/', 1)[1]}.htm"
    return f"{pages - target + 1}.htm"


def _pager(page: int, pages: int, records: int) -> str:
    def link(css: str, target: int, text: str) -> str:
        return f'<span class="{css} p_fun"><a href="{_pager_href(target, page, pages)}">{text}</a></span>'

    parts = [f'<span class="p_t">共{records}条</span> <span class="p_pages">']
    if page == 1:
        parts.append('<span class="p_first_d p_fun_d">首页</span><span class="p_prev_d p_fun_d">上页</span>')
    else:
        parts.append(link("p_first", 1, "首页") + link("p_prev", page - 1, "上页"))
    for n in range(1, pages + 1):
        if n == page:
            parts.append(f'<span class="p_no_d">{n}</span>')
        else:
            parts.append(f'<span class="p_no"><a href="{_pager_href(n, page, pages)}">{n}</a></span>')
    if page < pages:
        parts.append(link("p_next", page + 1, "下页") + link("p_last", pages, "尾页"))
    else:
        parts.append('<span class="p_next_d p_fun_d">下页</span><span class="p_last_d p_fun_d">尾页</span>')
    parts.append(f'</span> <span class="p_t">{page}/{pages}</span>')
    return '<div class="pb_sys_common pb_sys_normal pb_sys_style1">' + "".join(parts) + "</div>\n"


def _breadcrumb() -> str:
    return (
        '<div class="dqwz">当前位置：<a href="/">首页</a>&gt;&gt;<a href="/zfxxgk.htm">政府信息公开</a>'
        f'&gt;&gt;<a href="{COLUMN}.htm">{COLUMN_NAME}</a></div>\n'
    )


def listing_page(site: Site, entries: list[Entry], page: int) -> str:
    spec = site.spec
    pages = page_count(len(entries))
    rows = []
    for n, entry in enumerate(entries[(page - 1) * PER_PAGE : page * PER_PAGE]):
        href = _relative(detail_path(entry), page)
        rows.append(
            f'<li id="line_u8_{n}"><a href="{href}" target="_blank" title="{esc(entry.title)}">'
            f"{esc(list_title(entry.title))}</a><span>{entry.listing_date.isoformat()}</span></li>"
        )
    return (
        bare_head(spec, f"{COLUMN_NAME}-{spec.portal_name}")
        + "<body>\n"
        + top_bar(spec)
        + _breadcrumb()
        + '<div class="list_right"><h2>政府信息公开年报</h2>\n<ul>\n'
        + "\n".join(rows)
        + "\n</ul>\n"
        + _pager(page, pages, len(entries))
        + "</div>\n"
        + footer(spec)
    )


def _attachment_block(files: list[Attachment]) -> str:
    items = []
    for file in files:
        items.append(
            f'<li>附件【<a href="{esc(file.path)}" target="_blank">{esc(file.name)}</a>】已下载'
            f'<span id="nattach{file.file_id}"><script type="text/javascript">'
            f'getClickTimes({file.file_id},{OWNER},"wbnewsfile","attach")</script></span>次</li>'
        )
    return '<ul style="list-style-type:none;">' + "".join(items) + "</ul>\n"


def detail_page(site: Site, entry: Entry) -> str:
    spec = site.spec
    info = ""
    if entry.published is not None:
        info += f"发布时间：{entry.published:%Y年%m月%d日 %H:%M}　　"
    if entry.source:
        info += f"来源：{esc(entry.source)}　　"
    info += f'点击数：<script>_showDynClicks("wbnews", {OWNER}, {entry.doc_id})</script>'
    files = attachments(entry)
    body = "<p>详见附件。</p>\n" if attachment_only(entry) else entry.body()
    return (
        bare_head(spec, f"{entry.title}-{spec.portal_name}")
        + "<body>\n"
        + top_bar(spec)
        + _breadcrumb()
        + '<form name="_newscontent_fromname">\n'
        + f'<div class="content-title"><h3>{esc(entry.title)}</h3></div>\n'
        + f'<div class="content-info">{info}</div>\n'
        + '<div id="vsb_content"><div class="v_news_content">\n'
        + body
        + "</div></div>\n"
        + '<div id="div_vote_id"></div>\n'
        + (_attachment_block(files) if files else "")
        + "</form>\n"
        + tools()
        + footer(spec)
    )


def _content_disposition(file: Attachment) -> str:
    if file.kind == "pdf":
        # VSB writes the GBK bytes of the name as they are; the header value carries them as latin-1.
        raw = file.name.encode("gbk").decode("latin-1")
        return f'attachment; filename="{raw}"'
    return f"attachment; filename*=UTF-8''{quote(file.name)}"


def file_bytes(site: Site, entry: Entry, file: Attachment) -> bytes:
    """The report itself as a PDF or DOCX: its full text and tables (sampleportal/documents.py)."""
    return site.report_document(entry.doc_id, file.kind)


def download(site: Site, query: str) -> Response:
    params = parse_qs(query)
    owner, file_id = params.get("owner", [""])[0], params.get("wbfileid", [""])[0]
    if params.get("urltype") != ["news.DownloadAttachUrl"] or owner != str(OWNER) or not file_id.isdigit():
        return not_found()
    doc_id = (int(file_id) - FILE_ID_BASE) // 10
    entry = site.entry(doc_id)
    if entry is None:
        return not_found()
    for file in attachments(entry):
        if file.file_id == int(file_id):
            return Response(
                200,
                file_bytes(site, entry, file),
                "application/octet-stream",
                (("Content-Disposition", _content_disposition(file)),),
            )
    return not_found()


def home_column_path() -> str:
    return f"{COLUMN}.htm"


def handle(site: Site, request: PortalRequest) -> Response | None:
    """The answer of the VSB column, its detail pages and downloads, or None when the path is not theirs."""
    if request.method == "POST":
        return None
    if request.path == DOWNLOAD_PATH:
        return download(site, request.query)
    listing = _LISTING.match(request.path)
    entries = column_entries(site, withdrawn=True)
    if listing:
        pages = page_count(len(entries))
        number = int(listing.group(1)) if listing.group(1) is not None else None
        if number is None:
            page = 1
        elif 1 <= number <= pages - 1:
            page = pages - number + 1
        else:
            return not_found()
        return html_response(site.spec, listing_page(site, entries, page))
    detail = _DETAIL.match(request.path)
    if detail:
        doc_id = int(detail.group(1))
        if doc_id == WITHDRAWN_ID:
            return html_response(site.spec, refresh_page(site.spec, f"{COLUMN}.htm"))
        entry = site.entry(doc_id)
        if entry is None:
            return not_found()
        return html_response(site.spec, detail_page(site, entry))
    return None


def listing_urls(site: Site, base_url: str) -> list[str]:
    pages = page_count(len(column_entries(site, withdrawn=True)))
    return [base_url + listing_path(page, pages) for page in range(1, pages + 1)]
