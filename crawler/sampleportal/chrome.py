"""What every sample page shares: the entry type, responses, and the page chrome real portals wrap around
a report (navigation, breadcrumb, 打印此页/关闭窗口, footer with 网站标识码 and ICP备案)."""

from __future__ import annotations

import datetime as dt
import html
import struct
import zlib
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .sites import Site

COLUMN_NAME = "年度报告"
LIST_TITLE_CHARS = 24  # listings cut long titles; the full one is in the link's title attribute


@dataclass(frozen=True)
class SiteSpec:
    code: str  # region code (99xxxx: outside the national code space on purpose)
    name: str
    host: str  # loopback address of its own
    family: str  # the portal family module serving it (crawler/sampleportal/families/)
    charset: str = "utf-8"
    declare_charset: bool = True  # False: no charset in Content-Type, no meta charset (as some GBK portals)
    corpus: bool = False  # serves a directory of real report texts instead of generated reports
    # A WAF in front of the whole site (sampleportal/challenges.py): "ruishu", "jiasule", "ruishu_broken".
    challenge: str | None = None
    reports: int | None = None  # generated reports on the site; None: sites.REPORTS_PER_SITE (bench: more)
    # How many of its 图片版 reports (the first, by document id) show their tables as real pictures that OCR
    # can read; the others show a 1×1 placeholder. Few on purpose: OCR costs seconds per picture.
    table_pictures: int = 0

    @property
    def site_id_code(self) -> str:
        """政府网站标识码: the region code then four digits."""
        return f"{self.code}0001"

    @property
    def portal_name(self) -> str:
        return f"{self.name}人民政府"


@dataclass(frozen=True)
class Entry:
    """One item of the reports column, whatever it holds (report, 解读/图解 page, corpus text)."""

    doc_id: int
    title: str
    listing_date: dt.date
    published: dt.datetime | None  # shown on the page (PubDate meta, 发布日期); None: the page shows no date
    source: str  # ContentSource / 发布机构; "" when unknown
    body: Callable[[], str] = field(compare=False)


@dataclass(frozen=True)
class PortalRequest:
    """One request as a family handler sees it (header names lower-cased)."""

    method: str
    path: str  # unquoted
    query: str = ""
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)

    def cookies(self) -> dict[str, str]:
        jar: dict[str, str] = {}
        for part in self.headers.get("cookie", "").split(";"):
            name, sep, value = part.strip().partition("=")
            if sep:
                jar[name] = value
        return jar


@dataclass(frozen=True)
class Response:
    status: int
    body: bytes = b""
    content_type: str | None = None
    headers: tuple[tuple[str, str], ...] = ()


def esc(text: str) -> str:
    return html.escape(text, quote=True)


def list_title(title: str) -> str:
    return title if len(title) <= LIST_TITLE_CHARS else title[:LIST_TITLE_CHARS] + "..."


def publish_time(doc_id: int, day: dt.date) -> dt.datetime:
    """A working-hours publication time that depends only on the document."""
    return dt.datetime.combine(day, dt.time(8 + doc_id % 10, doc_id * 7 % 60))


def html_response(spec: SiteSpec, page: str, status: int = 200) -> Response:
    content_type = f"text/html; charset={spec.charset.upper()}" if spec.declare_charset else "text/html"
    return Response(status, page.encode(spec.charset), content_type)


def not_found() -> Response:
    body = b"<html><head><title>404 Not Found</title></head><body><h1>404 Not Found</h1></body></html>"
    return Response(404, body, "text/html; charset=UTF-8")


def head(spec: SiteSpec, title: str, metas: dict[str, str], scripts: str = "") -> str:
    charset = '<meta charset="utf-8">\n' if spec.declare_charset else ""
    meta_tags = "".join(f'<meta name="{esc(k)}" content="{esc(v)}">\n' for k, v in metas.items())
    return (
        f"<!DOCTYPE html>\n<html>\n<head>\n{charset}"
        '<meta http-equiv="X-UA-Compatible" content="IE=edge">\n'
        f"<title>{esc(title)}</title>\n{meta_tags}{scripts}</head>\n"
    )


def site_metas(spec: SiteSpec) -> dict[str, str]:
    return {
        "SiteName": spec.portal_name,
        "SiteDomain": spec.host,
        "SiteIDCode": spec.site_id_code,
        "ColumnName": COLUMN_NAME,
    }


def top_bar(spec: SiteSpec) -> str:
    return (
        '<div class="topbar"><span>欢迎访问' + esc(spec.portal_name) + "门户网站</span>"
        '<a href="javascript:void(0)">繁體版</a> <a href="javascript:void(0)">无障碍</a> '
        '<a href="javascript:void(0)">长者版</a></div>\n'
        '<div class="nav"><a href="/">首页</a> <a href="/zwgk/">政务公开</a> '
        '<a href="/zfxxgk/">政府信息公开</a> '
        '<a href="/bsfw/">办事服务</a> <a href="/hdjl/">互动交流</a> <a href="/sitemap/">网站地图</a></div>\n'
    )


def footer(spec: SiteSpec) -> str:
    return (
        '<div class="footer"><p>主办：'
        + esc(spec.portal_name)
        + "办公室　承办："
        + esc(spec.name)
        + "大数据中心</p>"
        f"<p>网站标识码：{spec.site_id_code}　ICP备案：样ICP备{spec.code}号</p>"
        "<p>扫一扫在手机打开当前页</p></div>\n</body>\n</html>\n"
    )


def _png_1x1() -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", 1, 1, 8, 0, 0, 0, 0)  # 1×1, 8-bit greyscale
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(b"\x00\xff"))
        + chunk(b"IEND", b"")
    )


# A table image (图片版) of most reports: the crawler sees a real image, OCR reads nothing in it.
PNG_1X1 = _png_1x1()


def detail_response(
    site: Site,
    doc_id: int,
    path: str,
    canonical_path: Callable[[Entry], str],
    render: Callable[[Site, Entry], str],
) -> Response:
    """A detail page by its document id, served only at its own path: another date or column in the URL
    answers 404, as real portals do."""
    entry = site.entry(doc_id)
    if entry is None or canonical_path(entry) != path:
        return not_found()
    return html_response(site.spec, render(site, entry))
