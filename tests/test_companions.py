"""A report page read with its companions (parsers.companions): tables taken from an attachment or from the
pictures in the body, with their provenance; copies not counted twice; broken companions as warnings; and
the pipelines carrying companions from the spider's item to what is stored.

Pages and files are the sample portal's own (sites 990105, Boda VSB: attachment-only reports and PDF
editions; 990106: real table pictures), served in process. Expected values are the generator's figures.
"""

from __future__ import annotations

import datetime as dt
import io
from pathlib import Path

import pytest

from crawler.items import FetchedDocument
from crawler.pipelines import ParsePipeline, ProcessedDocument, RawStorePipeline
from crawler.sampleportal import render
from crawler.sampleportal.chrome import PNG_1X1, Entry, PortalRequest
from crawler.sampleportal.families import boda_vsb as vsb
from crawler.sampleportal.generator import SyntheticReport
from crawler.sampleportal.sites import SITE_SPECS, Site
from parsers.companions import Companion, same_report
from parsers.model import Cell, ParsedReport, table_values
from parsers.report import parse_report, parse_with_companions
from parsers.template import TABLE_IDS

BASE = "http://127.0.0.15:8800"
SPECS = {spec.code: spec for spec in SITE_SPECS}


@pytest.fixture(scope="module")
def boda() -> Site:
    return Site(SPECS["990105"])


def entry_of(site: Site, report: SyntheticReport) -> Entry:
    entry = site.entry(report.doc_id)
    assert entry is not None
    return entry


def page_of(site: Site, report: SyntheticReport) -> tuple[str, bytes]:
    path = vsb.detail_path(entry_of(site, report))
    return BASE + path, site.handle(PortalRequest("GET", path)).body


def files_of(site: Site, report: SyntheticReport) -> list[Companion]:
    out = []
    for file in vsb.attachments(entry_of(site, report)):
        path, query = file.path.split("?", 1)
        reply = site.handle(PortalRequest("GET", path, query))
        out.append(Companion(BASE + file.path, reply.body, reply.content_type))
    return out


def first(site: Site, want: str) -> SyntheticReport:
    """The first report of the site that is attachment-only with that kind of file."""
    return next(
        r
        for r in site.reports
        if vsb.attachment_only(entry_of(site, r)) and vsb.attachments(entry_of(site, r))[0].kind == want
    )


def pdf_pages(data: bytes) -> int:
    import pdfplumber

    with pdfplumber.open(io.BytesIO(data)) as pdf:
        return len(pdf.pages)


def cells(report: ParsedReport) -> list[Cell]:
    return [c for t in report.tables.values() if t for cols in t.values() for c in cols.values()]


# ---------------------------------------------------------------------------------------------------------
# Attachment-only pages
# ---------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("kind", "method"), [("pdf", "pdf-table"), ("docx", "docx-table")])
def test_an_attachment_only_page_takes_tables_and_sections_from_its_file(
    boda: Site, kind: str, method: str
) -> None:
    report = first(boda, kind)
    url, page = page_of(boda, report)
    [file] = files_of(boda, report)
    alone = parse_report(page, url=url, content_type="text/html")
    assert alone.tables == dict.fromkeys(TABLE_IDS)  # the page only says 详见附件
    parsed, readings = parse_with_companions(page, url=url, content_type="text/html", companions=[file])
    assert [(r.url, r.use, r.report) for r in readings] == [(file.url, "tables", None)]
    assert {tid: table_values(t) for tid, t in parsed.tables.items() if t} == report.figures
    assert (parsed.title, parsed.organ, parsed.year, parsed.format) == (
        report.title,
        report.organ,
        report.year,
        report.format,
    )
    # The page's own date, the file's signature date and sections: one report.
    assert (parsed.publish_date, parsed.sign_date) == (report.publish_date, report.sign_date)
    assert [sid for sid, text in parsed.sections.items() if text is None] == []
    assert {c.source.document for c in cells(parsed) if c.source} == {file.url}
    assert {c.source.method for c in cells(parsed) if c.source} == {method}
    assert all(c.source is not None for c in cells(parsed))
    pages = {c.source.page for c in cells(parsed) if c.source}
    if kind == "docx":
        assert pages == {None}  # Word has no pages to name
    else:
        assert pages <= set(range(1, pdf_pages(file.data) + 1))
        requests = parsed.tables["requests"]
        assert requests is not None
        first_page = min(p for p in pages if p is not None)
        # Table 三 runs over one of the PDF's page breaks: its cells name both pages.
        assert len({c.source.page for cols in requests.values() for c in cols.values() if c.source}) == 2
        assert first_page >= 1
    assert parsed.warnings == [
        f"tables 二, 三, 四 read from the attachment {file.url} ({method})",
        f"sections read from the attachment {file.url}",
    ]
    assert sorted(parsed.failing_checks()) == sorted(c for c in report.failing_checks)


def test_a_full_page_with_its_pdf_edition_keeps_its_own_tables_and_the_pdf_is_a_copy(boda: Site) -> None:
    report = next(
        r for r in boda.reports if r.layout == "html-table" and vsb.attachments(entry_of(boda, r))
        and not vsb.attachment_only(entry_of(boda, r))
    )  # fmt: skip
    url, page = page_of(boda, report)
    [pdf] = files_of(boda, report)
    parsed, readings = parse_with_companions(page, url=url, content_type="text/html", companions=[pdf])
    assert [r.use for r in readings] == ["copy"]
    assert {tid: table_values(t) for tid, t in parsed.tables.items() if t} == report.tables
    assert {(c.source.method, c.source.document) for c in cells(parsed) if c.source} == {("html-table", None)}
    assert not any("attachment" in w for w in parsed.warnings)


def test_a_picture_page_with_a_pdf_edition_takes_the_tables_from_the_pdf_without_ocr(boda: Site) -> None:
    report = next(
        r for r in boda.reports if r.layout == "absent" and vsb.attachments(entry_of(boda, r))
        and not vsb.attachment_only(entry_of(boda, r))
    )  # fmt: skip
    url, page = page_of(boda, report)
    [pdf] = files_of(boda, report)
    # The page order: the 附件 link, then the three pictures (placeholders here: OCR would read nothing).
    pictures = [Companion(f"{url}/W0{n}.png", PNG_1X1, "image/png") for n in (1, 2, 3)]
    parsed, readings = parse_with_companions(
        page, url=url, content_type="text/html", companions=[pdf, *pictures]
    )
    assert [r.use for r in readings] == ["tables", "none", "none", "none"]
    assert {tid: table_values(t) for tid, t in parsed.tables.items() if t} == report.figures
    assert {c.source.document for c in cells(parsed) if c.source} == {pdf.url}
    # The page's own sections stand (their headings are on the page); only the tables came from the file.
    assert parsed.warnings == [f"tables 二, 三, 四 read from the attachment {pdf.url} (pdf-table)"]


def test_a_report_of_another_organ_attached_to_a_page_stays_a_report_of_its_own(boda: Site) -> None:
    other = first(boda, "pdf")
    host = next(r for r in boda.reports if r.layout == "html-table" and r.organ != other.organ)
    url, page = page_of(boda, host)
    [pdf] = files_of(boda, other)
    parsed, readings = parse_with_companions(page, url=url, content_type="text/html", companions=[pdf])
    [reading] = readings
    assert reading.use == "report" and reading.report is not None
    assert (reading.report.organ, reading.report.year) == (other.organ, other.year)
    assert {tid: table_values(t) for tid, t in reading.report.tables.items() if t} == other.figures
    assert {tid: table_values(t) for tid, t in parsed.tables.items() if t} == host.tables


def test_same_report_needs_no_stated_organ_or_year_to_differ() -> None:
    page = ParsedReport(organ="样本市人民政府", year=2023)
    assert same_report(page, ParsedReport(organ="样本市 人民政府", year=2023))
    assert same_report(page, ParsedReport(organ=None, year=None))
    assert not same_report(page, ParsedReport(organ="样本市教育局", year=2023))
    assert not same_report(page, ParsedReport(organ="样本市人民政府", year=2022))


# ---------------------------------------------------------------------------------------------------------
# Broken companions
# ---------------------------------------------------------------------------------------------------------


def test_broken_companions_are_warnings_and_the_page_report_goes_on(boda: Site) -> None:
    report = first(boda, "pdf")
    url, page = page_of(boda, report)
    [pdf] = files_of(boda, report)
    broken = [
        Companion(f"{BASE}/cut.pdf", pdf.data[: len(pdf.data) // 3], "application/pdf"),
        Companion(f"{BASE}/W0_1.png", PNG_1X1, "image/png"),
        Companion(f"{BASE}/bad.png", b"\x89PNG\r\n\x1a\n" + b"\x00" * 40, "image/png"),
    ]
    parsed, readings = parse_with_companions(page, url=url, content_type="text/html", companions=broken)
    assert [r.use for r in readings] == ["none", "none", "none"]
    assert parsed.tables == dict.fromkeys(TABLE_IDS)
    assert (parsed.title, parsed.year) == (report.title, report.year)
    assert f"image {BASE}/W0_1.png: 1×1 px, too small to hold a table" in parsed.warnings
    assert any(w.startswith(f"image {BASE}/bad.png: ") for w in parsed.warnings), parsed.warnings
    # Still the page's own account of what is missing.
    assert "no section headings found" in parsed.warnings
    # The truncated PDF after them still lets a good one fill the tables.
    parsed, readings = parse_with_companions(
        page, url=url, content_type="text/html", companions=[*broken, pdf]
    )
    assert [r.use for r in readings] == ["none", "none", "none", "tables"]
    assert {tid: table_values(t) for tid, t in parsed.tables.items() if t} == report.figures


# ---------------------------------------------------------------------------------------------------------
# A real picture (OCR): table 四, the smallest, to keep the test fast
# ---------------------------------------------------------------------------------------------------------


def test_a_table_picture_fills_its_table_with_ocr_provenance() -> None:
    site = Site(SPECS["990106"])
    [doc_id, *_] = site.table_picture_ids
    report = site.report(doc_id)
    picture_url = "http://127.0.0.16:8800/zwgk/" + render.image_src(report.publish_date, doc_id, 3)[2:]
    picture = site.table_image(picture_url)
    assert picture != PNG_1X1 and picture.startswith(b"\x89PNG")
    # The page's sections with table 四 missing: the HTML of a report whose tables are all pictures.
    page = site.family.detail_page(site, entry_of(site, report)).encode()
    parsed, readings = parse_with_companions(
        page,
        url="http://127.0.0.16:8800/zwgk/page.shtml",
        content_type="text/html",
        companions=[Companion(picture_url, picture, "image/png")],
    )
    assert [r.use for r in readings] == ["tables"]
    review = parsed.tables["review_litigation"]
    assert review is not None and table_values(review) == report.figures["review_litigation"]
    sources = [c.source for cols in review.values() for c in cols.values()]
    assert all(s is not None and s.method == "ocr" and s.document == picture_url for s in sources)
    assert all(s is not None and s.confidence is not None and not s.low_confidence for s in sources)
    assert parsed.tables["active_disclosure"] is None and parsed.tables["requests"] is None
    assert f"table 四 read from the image {picture_url} (ocr)" in parsed.warnings
    assert "tables missing: section 四 has no table (image?)" not in parsed.warnings
    assert "tables missing: section 二 has no table (image?)" in parsed.warnings


# ---------------------------------------------------------------------------------------------------------
# The pipelines: companions kept, parsed with their page, not stored as second reports
# ---------------------------------------------------------------------------------------------------------


def fetched(url: str, body: bytes, content_type: str | None, **fields: object) -> FetchedDocument:
    return FetchedDocument(
        region_code="990105",
        listing_url=BASE + "/zfxxgk/zfxxgknb.htm",
        url=url,
        final_url=url,
        status=200,
        content_type=content_type,
        fetched_at=dt.datetime(2024, 3, 1, tzinfo=dt.UTC),
        body=body,
        listing_date=dt.date(2024, 3, 1),
        **fields,  # type: ignore[arg-type]
    )


def test_pipelines_keep_companions_and_hand_on_the_page_report_with_its_sources(
    boda: Site, tmp_path: Path
) -> None:
    report = first(boda, "pdf")
    url, page = page_of(boda, report)
    [pdf] = files_of(boda, report)
    icon = fetched(f"{BASE}/W0_1.png", PNG_1X1, "image/png", role="attachment", kind="image", parent_url=url)
    item = fetched(url, page, "text/html; charset=UTF-8", companion_failures=[f"{BASE}/gone.pdf: http 404"])
    item.companions = [
        fetched(pdf.url, pdf.data, pdf.content_type, role="attachment", kind="pdf", parent_url=url),
        icon,
    ]
    kept = RawStorePipeline(str(tmp_path)).process_item(item)
    assert isinstance(kept, ProcessedDocument)
    assert [(tmp_path / d.raw_path).read_bytes() for d in kept.documents() if d.raw_path] == [
        page,
        pdf.data,
        PNG_1X1,
    ]
    done = ParsePipeline().process_item(kept)  # no crawl: parsed in place
    assert isinstance(done, ProcessedDocument) and done.parsed is not None
    assert {tid: table_values(t) for tid, t in done.parsed.tables.items() if t} == report.figures
    assert {(c.source.method, c.source.document) for c in cells(done.parsed) if c.source} == {
        ("pdf-table", pdf.url)
    }
    # The attachment the tables came from keeps no report of its own; neither does the picture.
    assert [c.parsed for c in done.companions] == [None, None]
    assert done.parsed.warnings[-1] == f"companion not fetched: {BASE}/gone.pdf: http 404"
