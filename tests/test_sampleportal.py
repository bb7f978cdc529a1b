"""The sample portal over loopback with plain urllib: listings, pagination, encodings, revisions, 404s."""

from __future__ import annotations

import html
import io
import json
import re
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlencode

import pytest
from PIL import Image

from crawler.sampleportal import SamplePortal, render
from crawler.sampleportal.chrome import PNG_1X1, Entry
from crawler.sampleportal.documents import report_docx, report_pdf
from crawler.sampleportal.families import boda_vsb as vsb
from crawler.sampleportal.families import hanweb_jpage as hanweb
from crawler.sampleportal.generator import TABLE_SECTIONS
from crawler.sampleportal.sites import PAGES_PER_SITE, REPORTS_PER_SITE, Site
from crawler.sampleportal.table_images import table_png

GENERATED_ITEMS = REPORTS_PER_SITE + PAGES_PER_SITE  # 29: pages of 10, 10, 9
_ITEM = re.compile(
    r'<li><a href="([^"]+)" target="_blank" title="([^"]*)">[^<]*</a><span>(\d{4}-\d{2}-\d{2})</span>'
)
_RECORD = re.compile(r'<record><!\[CDATA\[<li><a href="([^"]+)" title="([^"]*)"')
_PAGER = re.compile(r'createPageHTML\((\d+), (\d+), "index", "htm", (\d+)\);')


@dataclass
class Reply:
    status: int
    headers: dict[str, str]
    body: bytes


def fetch(url: str, form: dict[str, str] | None = None, method: str | None = None) -> Reply:
    data = urlencode(form).encode() if form is not None else None
    request = urllib.request.Request(url, data=data, method=method)
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return Reply(response.status, dict(response.headers), response.read())
    except urllib.error.HTTPError as error:
        return Reply(error.code, dict(error.headers), error.read())


def _trs_listing(portal: SamplePortal, code: str) -> list[list[tuple[str, str, str]]]:
    pages = []
    for url in portal.listing_urls(code):
        reply = fetch(url)
        assert reply.status == 200, url
        text = reply.body.decode(portal.site(code).spec.charset)
        pages.append([(html.unescape(h), html.unescape(t), d) for h, t, d in _ITEM.findall(text)])
    return pages


# ---------------------------------------------------------------------------------------------
# TRS classic
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("code", ["990101", "990103"])
def test_trs_listing_pages_and_pager_numbers(portal: SamplePortal, code: str) -> None:
    base = portal.base_url(code)
    assert portal.listing_urls(code) == [
        f"{base}/zfxxgk/ndbg/index.htm",
        f"{base}/zfxxgk/ndbg/index_1.htm",
        f"{base}/zfxxgk/ndbg/index_2.htm",
    ]
    charset = portal.site(code).spec.charset
    for n, url in enumerate(portal.listing_urls(code)):
        assert _PAGER.findall(fetch(url).body.decode(charset)) == [("3", str(n), str(GENERATED_ITEMS))]
    pages = _trs_listing(portal, code)
    assert [len(p) for p in pages] == [10, 10, 9]
    items = [item for page in pages for item in page]
    site = portal.site(code)
    known = {r.doc_id: r.title for r in site.reports} | {p.doc_id: p.title for p in site.pages}
    listed = {int(href.rsplit("_", 1)[1].removesuffix(".html")): title for href, title, _ in items}
    assert listed == known
    dates = [d for _, _, d in items]
    assert dates == sorted(dates, reverse=True)
    assert all(re.fullmatch(r"\./\d{6}/t\d{8}_\d+\.html", href) for href, _, _ in items)
    assert fetch(f"{base}/zfxxgk/ndbg/index_3.htm").status == 404
    assert fetch(f"{base}/zfxxgk/ndbg/index_0.htm").status == 404


def test_trs_detail_page_carries_report_and_metadata(portal: SamplePortal) -> None:
    site = portal.site("990101")
    for report in site.reports:
        url = portal.report_url("990101", report.doc_id)
        day = report.publish_date
        assert url == f"{portal.base_url('990101')}/zfxxgk/ndbg/{day:%Y%m}/t{day:%Y%m%d}_{report.doc_id}.html"
        reply = fetch(url)
        assert reply.status == 200
        assert reply.headers["Content-Type"] == "text/html; charset=UTF-8"
        page = reply.body.decode("utf-8")
        assert f'<div class="TRS_Editor">\n{report.body_html()}</div>' in page
        assert f'<meta name="ArticleTitle" content="{report.title}">' in page
        assert re.search(rf'<meta name="PubDate" content="{day.isoformat()} \d\d:\d\d">', page)
        assert f"<li>发布日期：{day.isoformat()}</li>" in page
        assert '<meta name="SiteIDCode" content="9901010001">' in page
        assert "网站标识码：9901010001" in page and "打印此页" in page and "当前位置" in page
    assert portal.request_count("990101") == len(site.reports)


def test_gbk_site_sends_no_charset_anywhere(portal: SamplePortal) -> None:
    report = portal.site("990103").reports[0]
    for url in (portal.listing_urls("990103")[0], portal.report_url("990103", report.doc_id)):
        reply = fetch(url)
        assert reply.headers["Content-Type"] == "text/html"
        with pytest.raises(UnicodeDecodeError):
            reply.body.decode("utf-8")
        text = reply.body.decode("gbk")
        assert "charset" not in text.lower()
        assert "样本区" in text
    assert report.body_html() in fetch(portal.report_url("990103", report.doc_id)).body.decode("gbk")


def test_table_images_answer_png(portal: SamplePortal) -> None:
    report = next(r for r in portal.site("990101").reports if r.layout == "absent")
    url = portal.report_url("990101", report.doc_id)
    sources = re.findall(r'<img src="\./([^"]+)"', fetch(url).body.decode())
    assert len(sources) == 3
    for src in sources:
        reply = fetch(url.rsplit("/", 1)[0] + "/" + src)
        assert (reply.status, reply.headers["Content-Type"], reply.body[:4]) == (200, "image/png", b"\x89PNG")


def test_a_few_table_images_are_real_pictures_of_their_tables(portal: SamplePortal) -> None:
    site = portal.site("990106")
    absent = [r for r in site.reports if r.layout == "absent"]
    assert site.table_picture_ids == [r.doc_id for r in absent[:2]] and len(absent) > 2
    base = portal.report_url("990106", absent[0].doc_id).rsplit("/", 1)[0] + "/"
    for report in absent:
        for n, table_id in enumerate(TABLE_SECTIONS, start=1):
            url = base + render.image_src(report.publish_date, report.doc_id, n).removeprefix("./")
            reply = fetch(url)
            assert (reply.status, reply.headers["Content-Type"]) == (200, "image/png")
            if report.doc_id in site.table_picture_ids:
                # The table drawn from the report's figures, the same bytes every time.
                assert reply.body == table_png(render.table_grid(report, table_id)) == fetch(url).body
                with Image.open(io.BytesIO(reply.body)) as picture:
                    assert min(picture.size) > 300, url  # 150 dpi: a table, not an icon
            else:
                assert reply.body == PNG_1X1
    # Every other site keeps the placeholders.
    assert all(not portal.site(code).table_picture_ids for code in portal.codes if code != "990106")


def test_attachment_only_reports_serve_the_report_as_a_stable_file(portal: SamplePortal) -> None:
    site = portal.site("990105")
    base = portal.base_url("990105")
    only = [r for r in site.reports if vsb.attachment_only(_entry(site, r.doc_id))]
    assert len(only) == 5
    for report in only:
        page = fetch(portal.report_url("990105", report.doc_id)).body.decode()
        assert "详见附件" in page and "<table" not in page
        [file] = vsb.attachments(_entry(site, report.doc_id))
        reply = fetch(base + file.path)
        assert reply.status == 200
        made = report_pdf(report) if file.kind == "pdf" else report_docx(report)
        assert reply.body == made == fetch(base + file.path).body  # deterministic: no timestamps
        assert reply.body.startswith(b"%PDF" if file.kind == "pdf" else b"PK\x03\x04")


def _entry(site: Site, doc_id: int) -> Entry:
    entry = site.entry(doc_id)
    assert entry is not None
    return entry


# ---------------------------------------------------------------------------------------------
# Hanweb jpage
# ---------------------------------------------------------------------------------------------


def test_hanweb_column_page_embeds_the_first_page(portal: SamplePortal) -> None:
    base = portal.base_url("990102")
    reply = fetch(f"{base}/col/col1229000001/index.html")
    assert reply.status == 200
    page = reply.body.decode("utf-8")
    assert len(_RECORD.findall(page)) == 10
    assert f"perPage:10,totalRecord:{GENERATED_ITEMS}" in page
    assert (
        '<nextgroup><![CDATA[<a href="/module/web/jpage/dataproxy.jsp?page=1&appid=1&webid=3&path=/'
        '&columnid=1229000001&unitid=7001&webname=样本县&permissiontype=0"></a>]]></nextgroup>'
    ) in page
    assert '<div id="7001"><script type="text/xml"><datastore>' in page
    assert portal.listing_urls("990102") == [
        f"{base}/col/col1229000001/index.html",
        f"{base}/module/web/jpage/dataproxy.jsp?startrecord=11&endrecord=20&perpage=10",
        f"{base}/module/web/jpage/dataproxy.jsp?startrecord=21&endrecord=30&perpage=10",
    ]


def test_hanweb_dataproxy_pages(portal: SamplePortal) -> None:
    site = portal.site("990102")
    form = hanweb.form_fields(site)
    assert form == {
        "col": "1", "appid": "1", "webid": "3", "path": "/", "columnid": "1229000001",
        "unitid": "7001", "webname": "样本县", "permissiontype": "0",
    }  # fmt: skip
    column = fetch(portal.listing_urls("990102")[0]).body.decode()
    hrefs = [h for h, _ in _RECORD.findall(column)]
    for url, expected_records in zip(portal.listing_urls("990102")[1:], (10, 9), strict=True):
        reply = fetch(url, form)
        assert reply.status == 200
        assert reply.headers["Content-Type"] == "text/xml;charset=UTF-8"
        xml = reply.body.decode("utf-8")
        assert xml.startswith('<?xml version="1.0" encoding="UTF-8"?><datastore>')
        assert f"<totalrecord>{GENERATED_ITEMS}</totalrecord><totalpage>3</totalpage>" in xml
        records = _RECORD.findall(xml)
        assert len(records) == expected_records
        hrefs += [h for h, _ in records]
    # Several pages in one request, as jpage's groups ask for them.
    group = fetch(portal.base_url("990102") + hanweb.dataproxy_query(1, 30), form).body.decode()
    assert len(_RECORD.findall(group)) == GENERATED_ITEMS
    ids = [int(h.rsplit("_", 1)[1].removesuffix(".html")) for h in hrefs]
    assert sorted(ids) == sorted([r.doc_id for r in site.reports] + [p.doc_id for p in site.pages])
    assert all(re.fullmatch(r"/art/\d{4}/\d{1,2}/\d{1,2}/art_1229000001_\d+\.html", h) for h in hrefs)


def test_hanweb_dataproxy_refuses_what_the_real_one_refuses(portal: SamplePortal) -> None:
    url = portal.listing_urls("990102")[1]
    form = hanweb.form_fields(portal.site("990102"))
    assert fetch(url).status == 400  # GET
    assert fetch(url, {k: v for k, v in form.items() if k != "columnid"}).status == 400
    base = portal.base_url("990102")
    assert fetch(f"{base}/module/web/jpage/dataproxy.jsp?perpage=10", form).status == 400
    other = fetch(url, form | {"columnid": "1229000002"})
    assert other.status == 200
    assert "<totalrecord>0</totalrecord>" in other.body.decode() and "<record>" not in other.body.decode()


def test_hanweb_detail_page(portal: SamplePortal) -> None:
    report = portal.site("990102").reports[-1]
    url = portal.report_url("990102", report.doc_id)
    day = report.publish_date
    assert url.endswith(f"/art/{day.year}/{day.month}/{day.day}/art_1229000001_{report.doc_id}.html")
    page = fetch(url).body.decode("utf-8")
    assert f'<div class="main-fl-xx">发布日期：{day.isoformat()}' in page
    assert '<meta name="SiteIDCode" content="9901020001">' in page
    assert report.body_html() in page.split('<div id="zoom">', 1)[1]


# ---------------------------------------------------------------------------------------------
# Corpus site
# ---------------------------------------------------------------------------------------------


def test_corpus_site_lists_exactly_the_seed_files(portal: SamplePortal, seeds_dir: Path) -> None:
    files = sorted(seeds_dir.glob("*.txt"))
    assert len(files) == 5
    assert portal.listing_urls("990104") == [f"{portal.base_url('990104')}/zfxxgk/ndbg/index.htm"]
    listing = fetch(portal.listing_urls("990104")[0]).body.decode()
    assert _PAGER.findall(listing) == [("1", "0", "5")]
    [items] = _trs_listing(portal, "990104")
    assert sorted(items, key=lambda i: i[2]) == [
        (f"./202401/t2024011{n}_{1001 + n}.html", text.title, f"2024-01-1{n}")
        for n, text in enumerate(portal.site("990104").corpus)
    ]
    assert [t.path for t in portal.site("990104").corpus] == files
    for text in portal.site("990104").corpus:
        # The listed title is the line naming the report, never the page chrome some captures open with.
        raw_lines = [ln.strip("| \t\u3000") for ln in text.path.read_text(encoding="utf-8").splitlines()]
        assert text.title in raw_lines
        expected = json.loads((seeds_dir / "expected" / f"{text.path.stem}.json").read_text(encoding="utf-8"))
        if expected["script"] == "simplified":
            assert text.title == expected["title"]
        page = fetch(portal.report_url("990104", text.doc_id)).body.decode("utf-8")
        assert "PubDate" not in page and "发布日期" not in page
        body = page.split('<div class="TRS_Editor">\n', 1)[1].split("</div>", 1)[0]
        lines = [ln.strip() for ln in text.path.read_text(encoding="utf-8").splitlines() if ln.strip()]
        assert body == "".join(f"<p>{html.escape(ln)}</p>\n" for ln in lines)


def test_corpus_site_without_seeds_lists_nothing() -> None:
    with SamplePortal() as empty:
        assert empty.site("990104").corpus == []
        listing = fetch(empty.listing_urls("990104")[0])
        assert listing.status == 200
        assert _PAGER.findall(listing.body.decode()) == [("1", "0", "0")]
        assert _ITEM.findall(listing.body.decode()) == []


# ---------------------------------------------------------------------------------------------
# Revisions, deletions, 404s, accounting
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("code", ["990101", "990102", "990103", "990104"])
def test_revise_changes_the_bytes_and_reset_restores_them(portal: SamplePortal, code: str) -> None:
    site = portal.site(code)
    doc_id = site.reports[3].doc_id if site.reports else site.corpus[2].doc_id
    url = portal.report_url(code, doc_id)
    original = fetch(url).body
    portal.revise(code, doc_id)
    first = fetch(url).body
    portal.revise(code, doc_id)
    second = fetch(url).body
    assert len({original, first, second}) == 3
    assert fetch(url).body == second  # stable between revisions
    portal.reset()
    assert fetch(url).body == original


def test_revise_corrects_an_inconsistent_report(portal: SamplePortal) -> None:
    bad = next(r for r in portal.site("990101").reports if r.failing_checks)
    portal.revise("990101", bad.doc_id)
    now = portal.site("990101").report(bad.doc_id)
    assert now.failing_checks == () and now.revision == 1
    assert now.body_html() in fetch(portal.report_url("990101", bad.doc_id)).body.decode()


def test_unknown_documents_are_refused(portal: SamplePortal) -> None:
    with pytest.raises(KeyError):
        portal.revise("990101", 99)
    with pytest.raises(ValueError, match="only reports"):
        portal.revise("990101", 2001)
    with pytest.raises(KeyError, match="no sample site"):
        portal.site("110101")


def test_deleted_page_answers_404_and_leaves_the_listing(portal: SamplePortal) -> None:
    report = portal.site("990101").reports[0]
    url = portal.report_url("990101", report.doc_id)
    portal.delete("990101", report.doc_id)
    assert fetch(url).status == 404
    assert [len(p) for p in _trs_listing(portal, "990101")] == [10, 10, 8]
    portal.reset()
    assert fetch(url).status == 200


def test_404s(portal: SamplePortal) -> None:
    # Sites behind a challenge answer 412/521 before anything else (tests/test_challenges.py).
    for code in [c for c in portal.codes if not portal.site(c).spec.challenge]:
        base = portal.base_url(code)
        assert fetch(f"{base}/robots.txt").status == 404
        assert fetch(f"{base}/nothing/here.html").status == 404
        assert fetch(f"{base}/").status == 200
    base = portal.base_url("990101")
    report = portal.site("990101").reports[0]
    wrong_date = f"{base}/zfxxgk/ndbg/200001/t20000101_{report.doc_id}.html"
    assert fetch(wrong_date).status == 404
    assert fetch(f"{base}/zfxxgk/ndbg/202401/t20240101_9999.html").status == 404
    assert fetch(f"{portal.base_url('990102')}/art/2024/1/1/art_1229000001_9999.html").status == 404


def test_sites_are_separate_hosts_on_one_port(portal: SamplePortal) -> None:
    hosts = [portal.base_url(c) for c in portal.codes]
    assert hosts[:4] == [f"http://127.0.0.{n}:{portal.port}" for n in (11, 12, 13, 14)]
    assert len(set(hosts)) == len(hosts)  # one loopback address per site
    assert all(host.endswith(f":{portal.port}") for host in hosts)
    fetch(portal.listing_urls("990101")[0])
    fetch(portal.listing_urls("990101")[1])
    fetch(portal.listing_urls("990102")[0])
    counts = (portal.request_count("990101"), portal.request_count("990102"), portal.request_count())
    assert counts == (2, 1, 3)
    assert portal.site_requests("990101") == [
        ("GET", "/zfxxgk/ndbg/index.htm"),
        ("GET", "/zfxxgk/ndbg/index_1.htm"),
    ]
    assert portal.requests[-1] == ("GET", "/col/col1229000001/index.html")
    reply = fetch(portal.listing_urls("990101")[0], method="HEAD")
    assert reply.status == 200 and reply.body == b"" and int(reply.headers["Content-Length"]) > 1000


def test_stopped_portal_refuses_connections() -> None:
    portal = SamplePortal().start()
    url = portal.listing_urls("990101")[0]
    assert fetch(url).status == 200
    portal.stop()
    with pytest.raises(urllib.error.URLError):
        urllib.request.urlopen(url, timeout=2)
