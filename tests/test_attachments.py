"""Attachments: recognising them on report pages, classifying what was fetched, and a crawl storing them.

Classification is by Content-Disposition, Content-Type and link text (then magic numbers), never by the
URL's suffix: the crawl below serves a `….pdf` URL that is a WPS file, extension-less download URLs, a
Hanweb `downfile.jsp` answering 302, GBK and RFC 5987 file names, and a report page declaring iso-8859-1
while written in GBK.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine

from crawler.attachments import (
    AttachmentLink,
    classify,
    content_disposition_filename,
    find_attachments,
    identify,
    looks_like_file,
)
from crawler.sampleportal import SamplePortal
from crawler.sampleportal.chrome import PNG_1X1
from crawler.sampleportal.files import docx_bytes, pdf_bytes
from tests.minisites import MiniSite, crawl, detail_page, report_path, reports, write_registry
from tests.pg_fixtures import PgServer
from tests.test_crawl_e2e import rows

PDF = pdf_bytes(["样本市2023年政府信息公开工作年度报告"])
DOCX = docx_bytes(["样本市2023年政府信息公开工作年度报告"])
OLE2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 504
XLS = OLE2 + "Workbook".encode("utf-16-le") + b"\x00" * 64
WPS = OLE2 + "WpsCustomData".encode("utf-16-le") + b"\x00" * 64
PAGE = "http://127.0.0.11:8800/zfxxgk/ndbg/202402/t20240205_1001.html"


# ---------------------------------------------------------------------------------------------------------
# Content-Disposition file names
# ---------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("header", "name"),
    [
        (b"attachment; filename*=UTF-8''%E5%B9%B4%E6%8A%A5.pdf", "年报.pdf"),
        ('attachment; filename="年度报告.doc"'.encode("gbk"), "年度报告.doc"),  # raw GBK bytes
        ('attachment; filename="年度报告.docx"'.encode(), "年度报告.docx"),  # raw UTF-8 bytes
        (b"attachment;filename=%E5%B9%B4%E6%8A%A5.wps", "年报.wps"),  # percent-encoded, no quotes
        (b'attachment; filename="=?UTF-8?B?5bm05oqlLnBkZg==?="', "年报.pdf"),  # RFC 2047
        # RFC 6266: filename* wins over the plain fallback
        (b"attachment; filename=\"report.pdf\"; filename*=utf-8''%E7%BB%9F%E8%AE%A1.xlsx", "统计.xlsx"),
        (b"attachment; filename*=GBK''" + b"%C4%EA%B1%A8.xls", "年报.xls"),  # RFC 5987 in GBK
        (b'inline; filename="C:\\\\Users\\\\x\\\\a;b.pdf"', "a;b.pdf"),  # a path and a quoted ";"
        (b"attachment", None),
    ],
)
def test_content_disposition_filename(header: bytes, name: str | None) -> None:
    assert content_disposition_filename(header) == name


# ---------------------------------------------------------------------------------------------------------
# Classification: name, type, link text, bytes — never the URL's suffix
# ---------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("content_type", "disposition_name", "link_text", "body", "kind"),
    [
        ("application/octet-stream", "年报.wps", "", OLE2, "wps"),  # the server's name first
        ("application/msword", "年报.wps", "", OLE2, "wps"),  # WPS files are served as Word
        ("application/pdf", None, "年报.doc", PDF, "pdf"),  # the type over the link text
        ("application/octet-stream", None, "统计表.xlsx", DOCX, "xlsx"),  # link text over bytes
        ("application/octet-stream", None, "报告全文", DOCX, "docx"),  # only the bytes say it
        (None, None, "", XLS, "xls"),
        ("application/octet-stream", None, "", OLE2 + b"unknown", "other"),
        ("image/jpeg", None, "", b"\xff\xd8\xff\xe0", "image"),
        ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", None, "", b"PK", "xlsx"),
        ("application/kswps", None, "", OLE2, "wps"),
        ("text/html; charset=utf-8", None, "", b"<html></html>", "html"),
        # An error page served 200 under a PDF's name is a page, not a PDF.
        ("application/pdf", "年报.pdf", "", b"<!DOCTYPE html><html><body>404</body></html>", "html"),
        (None, None, "", b"PK\x03\x04 an archive", "other"),
        (None, None, "", b"", "other"),
    ],
)
def test_classify(
    content_type: str | None, disposition_name: str | None, link_text: str, body: bytes, kind: str
) -> None:
    assert classify(content_type, disposition_name, link_text, body) == kind


def test_identify_ignores_the_url_suffix_but_takes_names_from_urls() -> None:
    # gkmlpt-style URL ending .pdf, serving a WPS file: the header names it.
    assert identify(
        content_type="application/msword",
        content_disposition=b"attachment; filename*=UTF-8''%E6%8A%A5%E5%91%8A.wps",
        link_text="附件",
        urls=("http://h/attachment/0/12/34/5678.pdf",),
        body=WPS,
    ) == ("wps", "报告.wps")
    # Hanweb downfile.jsp: the stored name in filename=, the shown one in showname=, the kind from the bytes.
    assert identify(
        content_type="application/octet-stream",
        content_disposition=None,
        link_text="报告全文",
        urls=(
            "http://h/module/download/downfile.jsp?classid=0&filename=6a1b.pdf&showname=%E5%B9%B4%E6%8A%A5.docx",
            "http://h/picture/0/6a1b.pdf",
        ),
        body=DOCX,
    ) == ("docx", "年报.docx")
    # Nothing names the file: no name, the kind from the bytes.
    assert identify(
        content_type=None,
        content_disposition=None,
        link_text="附件一",
        urls=("http://h/system/_content/download.jsp?wbfileid=7",),
        body=PDF,
    ) == ("pdf", None)


# ---------------------------------------------------------------------------------------------------------
# Recognition on a report page
# ---------------------------------------------------------------------------------------------------------

PAGE_HTML = """<html><head><title>t</title></head><body>
<div class="nav"><a href="/">首页</a> <a href="/files/guide.pdf">办事指南.pdf</a>
  <img src="/images/logo.png"></div>
<div class="position">当前位置：<a href="/zfxxgk/">政府信息公开</a></div>
<div class="TRS_Editor">
<p>一、总体情况。本年度，样本市人民政府认真贯彻落实《条例》……</p>
<p style="text-align:center"><img src="./W020240205551_1.png" width="600"/></p>
<p><a href="../202401/t20240110_7.html">关于本报告的解读</a></p>
<p><a href="/system/_content/download.jsp?urltype=news.DownloadAttachUrl&owner=1&wbfileid=2">附件一</a></p>
<p><img src="data:image/png;base64,AAAA"/><img src="./W020240205551_1.png"/></p>
</div>
<div class="fujian">附件：<img src="/images/pdf.gif" width="16"/>
  <a href="./P020240205551.pdf">样本市2023年报告.pdf</a>
  <a href="/module/download/downfile.jsp?classid=0&filename=ab.docx&showname=x.docx">报告全文</a></div>
<p>相关附件：</p><ul><li><a href="/files/detail">统计表</a></li></ul>
<div class="tools"><a href="javascript:window.print()">打印此页</a> <a href="#top">顶部</a></div>
</body></html>"""


def test_find_attachments_in_the_body_and_the_attachment_block() -> None:
    assert find_attachments(PAGE_HTML, PAGE) == [
        AttachmentLink(
            "http://127.0.0.11:8800/system/_content/download.jsp?urltype=news.DownloadAttachUrl&owner=1&wbfileid=2",
            "附件一",
            "link",
        ),
        AttachmentLink(
            "http://127.0.0.11:8800/zfxxgk/ndbg/202402/P020240205551.pdf", "样本市2023年报告.pdf", "link"
        ),
        AttachmentLink(
            "http://127.0.0.11:8800/module/download/downfile.jsp?classid=0&filename=ab.docx&showname=x.docx",
            "报告全文",
            "link",
        ),
        AttachmentLink("http://127.0.0.11:8800/files/detail", "统计表", "link"),  # after a 附件 label
        AttachmentLink("http://127.0.0.11:8800/zfxxgk/ndbg/202402/W020240205551_1.png", "", "image"),
    ]


def test_pages_without_attachments_link_none() -> None:
    assert find_attachments("<html><body><div class='TRS_Editor'><p>正文</p></div></body></html>", PAGE) == []
    assert find_attachments("", PAGE) == []


@pytest.mark.parametrize(
    ("url", "text", "is_file"),
    [
        ("http://h/a/P0201.pdf", "", True),
        ("http://h/a/x", "年报.DOCX", True),
        ("http://h/module/download/downfile.jsp?filename=ab.pdf", "", True),
        ("http://h/gkmlpt/attachment/0/1/2/3", "", True),
        ("http://h/a/t20240205_1.html", "年度报告", False),
        ("http://h/a/", "下一页", False),
    ],
)
def test_looks_like_file(url: str, text: str, is_file: bool) -> None:
    assert looks_like_file(url, text) is is_file


# ---------------------------------------------------------------------------------------------------------
# A crawl storing attachments
# ---------------------------------------------------------------------------------------------------------

BODA = "/system/_content/download.jsp?urltype=news.DownloadAttachUrl&owner=1229&wbfileid=4817"
HANWEB = (
    "/module/download/downfile.jsp?classid=0&filename=6a1b2c3d.docx"
    "&showname=%E6%8A%A5%E5%91%8A%E5%85%A8%E6%96%87.docx"
)
HANWEB_TARGET = "/picture/0/6a1b2c3d.docx"
GKMLPT = "/attachment/0/12/34/5678.pdf"
STATS = "/files/stats"
DIRECT_PDF = "/zfxxgk/core/202402/P020240206001.pdf"
INTERPRETATION = "/zfxxgk/core/202402/t20240207_9.html"
ICON = "/images/pdf.gif"
GBK_NAME = "样本市2023年年报.pdf"


@dataclass
class Crawled:
    site: MiniSite
    engine: Any
    raw: Path
    with_files: str  # the report page linking files
    gbk_page: str  # the GBK page declaring iso-8859-1
    direct_pdf: str
    table_image: str
    stderr: str


@pytest.fixture(scope="module")
def crawled(
    pg_server: PgServer,
    pg_template: str,
    sample_portal: SamplePortal,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[Crawled]:
    sample_portal.reset()
    sample_portal.clear_requests()
    site = MiniSite(sample_portal)
    first, second = reports(2)
    block = (
        '<div class="fujian">附件：<img src="/images/pdf.gif" width="16"/>'
        f'<a href="{BODA}">附件一</a> <a href="{HANWEB}">报告全文（Word版）</a> '
        f'<a href="{GKMLPT}">附件三</a> <a href="{STATS}">统计表.xls</a></div>\n'
    )
    body_extra = (
        '<p style="text-align:center;"><img src="./W020240205_9001_1.png" width="600"/></p>\n'
        f'<p>相关解读：<a href="{INTERPRETATION}">一图读懂本报告</a></p>\n'
    )
    with_files = site.add_report(first, after_body=block, body_extra=body_extra)
    gbk_page = site.add_row(
        report_path(second), second.title, second.publish_date,
        body=detail_page(sample_portal, second).encode("gbk"), content_type="text/html; charset=iso-8859-1",
    )  # fmt: skip
    direct_pdf = site.add_row(
        DIRECT_PDF, "样本市2023年政府信息公开工作年度报告（PDF）", dt.date(2024, 2, 6),
        body=PDF, content_type="application/pdf",
    )  # fmt: skip
    table_image = with_files.rsplit("/", 1)[0] + "/W020240205_9001_1.png"
    site.serve(table_image.removeprefix(site.base), body=PNG_1X1, content_type="image/png")
    # Raw GBK bytes in the header: http.server writes header values as Latin-1, byte for byte.
    gbk_disposition = f'attachment; filename="{GBK_NAME}"'.encode("gbk").decode("latin-1")
    site.serve(
        BODA, body=PDF, content_type="application/octet-stream",
        headers=[("Content-Disposition", gbk_disposition)],
    )  # fmt: skip
    site.serve(HANWEB, status=302, body=b"", headers=[("Location", HANWEB_TARGET)])
    site.serve(HANWEB_TARGET, body=DOCX, content_type="application/octet-stream")
    site.serve(
        GKMLPT, body=WPS, content_type="application/msword",
        headers=[("Content-Disposition", "attachment; filename*=UTF-8''%E6%8A%A5%E5%91%8A.wps")],
    )  # fmt: skip
    site.serve(STATS, body=XLS, content_type="application/vnd.ms-excel")
    site.publish()

    root = tmp_path_factory.mktemp("attachments")
    name = pg_server.new_name("attachments")
    url = pg_server.create_database(name, template=pg_template)
    engine = create_engine(url)
    try:
        done = crawl(url, root / "raw", sample_portal, write_registry(root / "registry", site.listing_url))
        yield Crawled(site, engine, root / "raw", with_files, gbk_page, direct_pdf, table_image, done.stderr)
    finally:
        sample_portal.reset()
        engine.dispose()
        pg_server.drop_database(name)


def test_attachments_are_stored_with_kind_name_and_parent(crawled: Crawled) -> None:
    site = crawled.site
    stored = rows(
        crawled.engine,
        "SELECT d.url, d.role, d.kind, d.parent_url, p.url AS parent, v.file_name, v.final_url "
        "FROM documents d JOIN document_versions v ON v.id = d.current_version_id "
        "LEFT JOIN documents p ON p.id = d.parent_document_id",
    )
    page = crawled.with_files
    assert {r.url: (r.role, r.kind, r.parent_url, r.parent, r.file_name) for r in stored} == {
        page: ("report", "html", None, None, None),
        crawled.gbk_page: ("report", "html", None, None, None),
        crawled.direct_pdf: ("report", "pdf", None, None, "P020240206001.pdf"),
        site.url(BODA): ("attachment", "pdf", page, page, GBK_NAME),
        site.url(HANWEB): ("attachment", "docx", page, page, "报告全文.docx"),
        site.url(GKMLPT): ("attachment", "wps", page, page, "报告.wps"),
        site.url(STATS): ("attachment", "xls", page, page, "统计表.xls"),
        crawled.table_image: ("attachment", "image", page, page, "W020240205_9001_1.png"),
    }
    final = {r.url: r.final_url for r in stored}
    assert final[site.url(HANWEB)] == site.url(HANWEB_TARGET)  # the 302 followed, the link kept
    assert rows(crawled.engine, "SELECT count(*) FROM crawl_failures")[0][0] == 0


def test_attachment_bytes_are_kept_raw(crawled: Crawled) -> None:
    served = {
        crawled.site.url(BODA): PDF,
        crawled.site.url(HANWEB): DOCX,
        crawled.site.url(GKMLPT): WPS,
        crawled.site.url(STATS): XLS,
        crawled.table_image: PNG_1X1,
        crawled.direct_pdf: PDF,
    }
    versions = rows(
        crawled.engine,
        "SELECT d.url, v.sha256, v.raw_path, v.size FROM documents d "
        "JOIN document_versions v ON v.document_id = d.id WHERE d.kind <> 'html'",
    )
    assert {v.url for v in versions} == set(served)
    for v in versions:
        body = (crawled.raw / v.raw_path).read_bytes()
        assert body == served[v.url], v.url
        assert (v.sha256, v.size) == (hashlib.sha256(body).hexdigest(), len(body))


def test_only_report_pages_are_parsed(crawled: Crawled) -> None:
    parsed = dict(
        rows(crawled.engine, "SELECT d.url, r.title FROM reports r JOIN documents d ON d.id = r.document_id")
    )
    first, second = reports(2)
    # The GBK page declaring iso-8859-1 reads as the Chinese it was written in.
    assert parsed == {crawled.with_files: first.title, crawled.gbk_page: second.title}
    [(encoding, content_type)] = rows(
        crawled.engine,
        "SELECT v.encoding, v.content_type FROM document_versions v JOIN documents d ON d.id = v.document_id "
        "WHERE d.url = :url",
        url=crawled.gbk_page,
    )
    assert (encoding, content_type) == ("gb18030", "text/html; charset=iso-8859-1")


def test_each_file_is_fetched_once_and_nothing_else(crawled: Crawled) -> None:
    site = crawled.site
    got = sorted(path for method, path in site.requests() if method == "GET")
    expected = [
        "/robots.txt", "/zfxxgk/core/index.htm", *(row.path for row in site.rows),
        BODA, HANWEB, HANWEB_TARGET, GKMLPT, STATS, crawled.table_image.removeprefix(site.base),
    ]  # fmt: skip
    # Not the interpretation page linked from the body, not the pdf icon, not the navigation.
    assert got == sorted(expected)
    assert INTERPRETATION not in got and ICON not in got
    assert "'attachments/fetched/docx': 1" in crawled.stderr  # the crawl's stats, as Scrapy logs them
