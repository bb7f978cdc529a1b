"""parse_report(): one fetched document -> ParsedReport, composing the parser's layers.

bytes -> type sniffing -> document (HTML / plain text; PDF, DOCX, DOC/WPS, images: parsers.readers) ->
script -> metadata -> sections -> tables -> format -> legacy figures (pre-2019 reports) -> checks.
A report page read with its companions (the pictures in its body, the files it attaches) then takes what
it lacks from them (parsers.companions). Never raises: whatever goes wrong becomes a warning on a
ParsedReport that keeps what could be read.
"""

from __future__ import annotations

import datetime as dt
import re
import traceback
from collections.abc import Callable, Sequence

from parsers import metadata, sections
from parsers.checks import run_checks
from parsers.companions import Companion, CompanionReading, complete
from parsers.document import Document, DocumentType, load, sniff_type
from parsers.legacy import legacy_checks, read_legacy
from parsers.model import ParsedReport
from parsers.normalize import detect_script
from parsers.readers import READERS as DOCUMENT_READERS
from parsers.tables import read_tables
from parsers.template import SECTION_IDS, TABLE_FORMATS, TABLE_IDS

# Readers by sniffed document type: HTML and text here, PDF, DOCX, DOC/WPS and image (OCR) from
# parsers.readers; each returns a Document whose blocks feed the same layers below.
Reader = Callable[[bytes, str | None], Document]
READERS: dict[DocumentType, Reader] = {"html": load, "text": load, **DOCUMENT_READERS}

_REPORT_TITLE_WORDS = ("年度报告", "工作报告", "工作汇报", "年报")
_NOT_REPORT_TITLE_WORDS = ("解读", "图解", "一图读懂", "答记者问")
# Official correspondence about the reports (…关于做好2022年…年度报告编制发布工作的通知) says 年度报告 in
# its title too; without section headings it is the notice itself, not a report it forwards.
_CORRESPONDENCE_TITLE = re.compile(r"(?:通知|函|公告|通告|通报|批复)[\s\"”》)）]*$")


def format_for_year(year: int | None) -> str:
    """The format a report of that year was written in, for reports whose tables could not be read."""
    if year is None:
        return "unknown"
    if year <= 2018:
        return "legacy"
    if year <= 2020:
        return "2019"
    return "2021"


def _kind(title: str | None, found_sections: list[str]) -> str:
    title = title or ""
    if any(word in title for word in _NOT_REPORT_TITLE_WORDS):
        return "not_report"
    if not found_sections and (
        not any(word in title for word in _REPORT_TITLE_WORDS) or _CORRESPONDENCE_TITLE.search(title)
    ):
        return "not_report"
    return "report"


def _as_date(value: dt.date | str | None) -> dt.date | None:
    if value is None or isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(value.strip()[:10])
    except ValueError:
        return metadata.parse_date(value)


def _parse(report: ParsedReport, data: bytes, url: str | None, content_type: str | None) -> ParsedReport:
    """Fill `report` layer by layer, so that a failure in a late layer keeps what the early ones read."""
    doc_type = sniff_type(data, content_type)
    reader = READERS.get(doc_type)
    if reader is None:
        report.warnings.append(
            "empty document: no bytes" if doc_type == "empty" else f"unsupported document type: {doc_type}"
        )
        return report
    doc = reader(data, content_type)
    report.warnings.extend(doc.warnings)
    if not doc.blocks:
        return report

    report.script = detect_script(doc.raw_text)
    meta = metadata.extract(doc, published=report.publish_date)
    report.title = meta.title
    report.organ = meta.organ
    report.region = meta.region
    report.year = meta.year
    report.publish_date = meta.publish_date
    report.sign_date = meta.sign_date

    split = sections.split(doc.blocks)
    report.sections = split.texts()
    found = split.found()
    if not found:
        report.warnings.append("no section headings found")
    elif split.outline == "official":
        missing = [sid for sid in SECTION_IDS if sid not in found]
        if missing:
            report.warnings.append(f"sections missing: {', '.join(missing)}")
    report.kind = "not_report" if _kind(report.title, found) == "not_report" else "report"

    year_format = format_for_year(report.year)
    read = read_tables(split, year_format if year_format in TABLE_FORMATS else None)
    report.tables = {tid: read.tables.get(tid) for tid in TABLE_IDS}
    report.warnings.extend(read.warnings)
    if read.format in TABLE_FORMATS:  # labels seen in the tables decide
        report.format = read.format
    elif split.outline == "legacy" and report.year is None:
        report.format = "legacy"
    else:
        report.format = year_format

    if report.format == "legacy":
        legacy = read_legacy(doc.blocks, split)
        report.legacy = legacy.legacy
        report.warnings.extend(legacy.warnings)

    report.checks = run_checks(report) + legacy_checks(report.legacy)
    if url and report.title is None:
        report.warnings.append(f"no title found ({url})")
    return report


def parse_report(
    data: bytes,
    *,
    url: str | None = None,
    content_type: str | None = None,
    published: dt.date | str | None = None,
    companions: Sequence[Companion] = (),
) -> ParsedReport:
    """Parse one report document (HTML in any charset, text, PDF, DOCX, DOC/WPS, image). Never raises.
    `companions`: the pictures in a page's body and the files it links, in page order; the tables the page
    lacks are read from them (see parse_with_companions)."""
    if companions:
        return parse_with_companions(
            data, url=url, content_type=content_type, published=published, companions=companions
        )[0]
    return _parse_one(data, url, content_type, published)


def parse_with_companions(
    data: bytes,
    *,
    url: str | None = None,
    content_type: str | None = None,
    published: dt.date | str | None = None,
    companions: Sequence[Companion] = (),
) -> tuple[ParsedReport, list[CompanionReading]]:
    """The page's report completed from its companions, and what became of each companion: tables taken
    from it, the page's copy, a report of its own, or nothing (parsers.companions). Never raises."""
    report = _parse_one(data, url, content_type, published)

    def parse_file(companion: Companion) -> ParsedReport:
        return _parse_one(companion.data, companion.url, companion.content_type, report.publish_date)

    try:
        readings = complete(report, companions, parse_file)
    except Exception as exc:  # complete() guards each companion; this is the last line of the contract
        report.warnings.append(f"parser error: companions not read: {type(exc).__name__}: {exc}")
        readings = [CompanionReading(c.url, "none") for c in companions]
    return report, readings


def _parse_one(
    data: bytes, url: str | None, content_type: str | None, published: dt.date | str | None
) -> ParsedReport:
    report = ParsedReport(sections=dict.fromkeys(SECTION_IDS), tables=dict.fromkeys(TABLE_IDS))
    try:
        report.publish_date = _as_date(published)
        return _parse(report, data, url, content_type)
    except Exception as exc:  # the contract: bad input never raises; the reason is kept
        where = traceback.extract_tb(exc.__traceback__)[-1]
        module = where.filename.rsplit("/", 1)[-1]
        report.warnings.append(f"parser error: {type(exc).__name__}: {exc} (at {module}:{where.lineno})")
        return report
