"""Guangdong's 政府信息公开目录平台 gkmlpt (portal family 6), as 深圳 and every Guangdong site runs it.

The pages are a JavaScript shell: `/gkmlpt/annualreport` (the annual-report page) or a catalogue column
`/gkmlpt/index#{cat}` sets `window._CONFIG = {SID: '755xxx', …}` and renders nothing itself; the list comes
from GET `/gkmlpt/api/all/{cat}?page=N&sid={SID}` (1-based pages of PER_PAGE, a server setting), answering
`{"total": T, "articles": [{"id", "title", "url": "http://…/gkmlpt/content/a/b/post_{id}.html",
"publisher", "display_publish_time": <epoch seconds>, …}]}`. The hosts speak HTTP only.

Times are Beijing time (UTC+8): every document here is published between 00:00 and 07:59 local time, so a
crawler that reads the epoch as UTC dates every one a day early. Detail pages carry the 信息公开 `classify`
table (索引号/分类/发布机构/成文日期/名称/文号/发布日期) and the body in `.article-content`; the article
metas (ArticleTitle, PubDate…) are present on some documents and absent on others. Some reports also link
their full text as a PDF, `/attachment/0/{a}/{b}/{id}.pdf`, which the site serves as a small valid PDF.
"""

from __future__ import annotations

import datetime as dt
import json
import math
import re
from typing import TYPE_CHECKING
from urllib.parse import parse_qs

from ..chrome import (
    Entry,
    PortalRequest,
    Response,
    SiteSpec,
    esc,
    footer,
    head,
    html_response,
    not_found,
    site_metas,
    top_bar,
)
from ..files import pdf_bytes
from ..render import chinese_date

if TYPE_CHECKING:
    from ..sites import Site

FAMILY = "gkmlpt"
SITES = (
    SiteSpec("990114", "样本湾市", "127.0.0.24", FAMILY),
    SiteSpec("990115", "样本湾区", "127.0.0.25", FAMILY),
)
# Each site's 站点 id (SID), as Guangdong numbers them: area code then a serial.
SIDS = {"990114": "755101", "990115": "755315"}
ANNUAL_REPORT_CAT = 2975  # the category the annual reports are filed under
OTHER_CAT = 2976  # another category of the same catalogue (政策解读): never asked for by the crawler
PER_PAGE = 10
ANNUAL_REPORT_PATH = "/gkmlpt/annualreport"
INDEX_PATH = "/gkmlpt/index"
API_PREFIX = "/gkmlpt/api/all/"
POST_ID_BASE = 11_100_000
ATTACHMENT_ID_BASE = 5_200_000
BEIJING = dt.timezone(dt.timedelta(hours=8), "Asia/Shanghai")
_DETAIL = re.compile(r"^/gkmlpt/content/(\d+)/(\d+)/post_(\d+)\.html$")
_ATTACHMENT = re.compile(r"^/attachment/0/(\d+)/(\d+)/(\d+)\.pdf$")
_API = re.compile(r"^/gkmlpt/api/all/(\d+)$")


def post_id(doc_id: int) -> int:
    return POST_ID_BASE + doc_id


def detail_path(entry: Entry) -> str:
    pid = post_id(entry.doc_id)
    return f"/gkmlpt/content/{pid // 1_000_000}/{pid // 1_000}/post_{pid}.html"


def published_at(entry: Entry) -> dt.datetime:
    """When the platform says the document was published: early morning, Beijing time."""
    return dt.datetime.combine(
        entry.listing_date, dt.time(entry.doc_id % 8, entry.doc_id * 7 % 60), tzinfo=BEIJING
    )


def has_attachment(site: Site, entry: Entry) -> bool:
    """Reports whose full text is also linked as a PDF (every third report; never a 解读/图解 page)."""
    return entry.doc_id % 3 == 0 and any(r.doc_id == entry.doc_id for r in site.reports)


def attachment_path(entry: Entry) -> str:
    aid = ATTACHMENT_ID_BASE + entry.doc_id
    return f"/attachment/0/{aid // 10_000}/{aid // 10}/{aid}.pdf"


def shows_metas(entry: Entry) -> bool:
    return entry.doc_id % 2 == 0


def page_count(records: int) -> int:
    return max(1, math.ceil(records / PER_PAGE))


def api_path(site: Site, cat: int, page: int) -> str:
    return f"{API_PREFIX}{cat}?page={page}&sid={SIDS[site.code]}"


def listing_path(site: Site) -> str:
    """Where the registry points: the annual-report page for the first site, a column for the second."""
    return ANNUAL_REPORT_PATH if site.code == "990114" else f"{INDEX_PATH}#{ANNUAL_REPORT_CAT}"


# -- the shell pages ------------------------------------------------------------------------------------


def _config_script(site: Site) -> str:
    return (
        "<script>\nwindow._CONFIG = {\n"
        f"    SID: '{SIDS[site.code]}',\n"
        f"    SITE_NAME: '{esc(site.spec.portal_name)}',\n"
        "    API_ROOT: '/gkmlpt/api',\n"
        "    IS_MOBILE: false,\n"
        "    DETAIL_ROOT: '/gkmlpt/content'\n};\n</script>\n"
        '<script src="/gkmlpt/static/js/manifest.js"></script>\n'
        '<script src="/gkmlpt/static/js/app.js"></script>\n'
    )


def shell_page(site: Site, title: str) -> str:
    spec = site.spec
    return (
        head(spec, f"{title}_{spec.portal_name}", site_metas(spec), _config_script(site))
        + "<body>\n"
        + top_bar(spec)
        + '<div id="app"><div class="loading">正在加载…</div>'
        + "<noscript>本页面需要浏览器支持（启用）JavaScript</noscript></div>\n"
        + footer(spec)
    )


# -- the API --------------------------------------------------------------------------------------------


def _article(site: Site, entry: Entry, base: str) -> dict[str, object]:
    stamp = int(published_at(entry).timestamp())
    return {
        "id": post_id(entry.doc_id),
        "title": entry.title,
        "url": base + detail_path(entry),
        "publisher": entry.source,
        "identifier": f"{SIDS[site.code]}/{entry.listing_date.year}-{entry.doc_id:05d}",
        "document_number": "",
        "create_time": stamp - 3600,
        "first_publish_time": stamp,
        "display_publish_time": stamp,
        "is_top": 0,
    }


def _json(payload: dict[str, object]) -> Response:
    return Response(200, json.dumps(payload, ensure_ascii=False).encode("utf-8"), "application/json")


def api_reply(site: Site, cat: int, request: PortalRequest) -> Response:
    query = {k: v[0] for k, v in parse_qs(request.query).items()}
    page_text = query.get("page", "1")
    if query.get("sid") != SIDS[site.code] or not page_text.isdigit() or int(page_text) < 1:
        return _json({"total": 0, "articles": []})  # what the platform answers to a wrong sid or page
    if cat != ANNUAL_REPORT_CAT:
        return _json({"total": 0, "articles": []})
    page = int(page_text)
    entries = site.entries()
    # The Host header is the address the client used: the platform writes absolute HTTP URLs with it.
    base = "http://" + (request.headers.get("host") or site.spec.host)
    shown = entries[(page - 1) * PER_PAGE : page * PER_PAGE]
    return _json({"total": len(entries), "articles": [_article(site, e, base) for e in shown]})


# -- details and attachments ----------------------------------------------------------------------------


def _classify(site: Site, entry: Entry) -> str:
    day = f"{published_at(entry):%Y-%m-%d}"
    report = next((r for r in site.reports if r.doc_id == entry.doc_id), None)
    signed = report.sign_date.isoformat() if report is not None else day
    index_no = f"{SIDS[site.code]}/{entry.listing_date.year}-{entry.doc_id:05d}"
    rows = [
        ("索引号", index_no, "分类", "政府信息公开年报"),
        ("发布机构", esc(entry.source), "成文日期", signed),
        ("名称", esc(entry.title), "", ""),
        ("文号", "", "发布日期", day),
    ]
    cells = []
    for label, value, label2, value2 in rows:
        second = (
            f'<td class="td-title">{label2}：</td><td class="td-value">{value2}</td>'
            if label2
            else '<td colspan="2"></td>'
        )
        cells.append(f'<tr><td class="td-title">{label}：</td><td class="td-value">{value}</td>{second}</tr>')
    return '<div class="classify"><table>' + "".join(cells) + "</table></div>\n"


def detail_page(site: Site, entry: Entry) -> str:
    spec = site.spec
    when = published_at(entry)
    metas = site_metas(spec)  # the site template's; the article's own only on some documents
    if shows_metas(entry):
        metas |= {"ArticleTitle": entry.title, "PubDate": f"{when:%Y-%m-%d %H:%M}"}
        if entry.source:
            metas["ContentSource"] = entry.source
    attachment = ""
    if has_attachment(site, entry):
        attachment = (
            f'<p>附件：<a href="{attachment_path(entry)}" target="_blank">{esc(entry.title)}.pdf</a></p>\n'
        )
    return (
        head(spec, entry.title, metas, _config_script(site))
        + "<body>\n"
        + top_bar(spec)
        + '<div class="content-container">\n'
        + _classify(site, entry)
        + '<div class="content">\n'
        + f'<h1 class="title document-number">{esc(entry.title)}</h1>\n'
        + f'<div class="date-row"><span class="date">发布时间：{when:%Y-%m-%d %H:%M}</span>'
        + f"<span>来源：{esc(entry.source)}</span></div>\n"
        + '<div class="article-content">\n'
        + entry.body()
        + attachment
        + "</div>\n</div>\n</div>\n"
        + footer(spec)
    )


def attachment_reply(site: Site, path: str) -> Response:
    entry = next((e for e in site.entries() if has_attachment(site, e) and attachment_path(e) == path), None)
    if entry is None:
        return not_found()
    name = f"{post_id(entry.doc_id)}.pdf"
    return Response(
        200,
        pdf_bytes([entry.title, entry.source, chinese_date(entry.listing_date)]),
        "application/pdf",
        (("Content-Disposition", f'inline; filename="{name}"'),),
    )


# -- the family interface -------------------------------------------------------------------------------


def home_column_path() -> str:
    return ANNUAL_REPORT_PATH


def handle(site: Site, request: PortalRequest) -> Response | None:
    """The answer of the gkmlpt shell pages, its API, detail pages and attachments, or None."""
    path = request.path
    if request.method == "POST":
        return None
    if path == ANNUAL_REPORT_PATH:
        return html_response(site.spec, shell_page(site, "政府信息公开年报"))
    if path == INDEX_PATH:
        return html_response(site.spec, shell_page(site, "政府信息公开目录"))
    api = _API.match(path)
    if api:
        return api_reply(site, int(api.group(1)), request)
    if _ATTACHMENT.match(path):
        return attachment_reply(site, path)
    if _DETAIL.match(path):
        entry = next((e for e in site.entries() if detail_path(e) == path), None)
        if entry is None:
            return not_found()
        return html_response(site.spec, detail_page(site, entry))
    return None


def listing_urls(site: Site, base_url: str) -> list[str]:
    """The shell page, then the API page requests (1-based)."""
    pages = page_count(len(site.entries()))
    return [base_url + listing_path(site)] + [
        base_url + api_path(site, ANNUAL_REPORT_CAT, n) for n in range(1, pages + 1)
    ]
