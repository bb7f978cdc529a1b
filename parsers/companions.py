"""A report page's companions: the pictures in its body and the files it attaches, read for what the page
itself lacks.

Portals publish a report's tables as pictures in the page body (图片版), or the whole report as a file with
a page that only says 详见附件. The crawler fetches those companions with the page (in page order) and
`complete` fills the page's report from them:

- a table missing from the page is taken from the first companion that has it: a picture (OCR) or a file
  of the same report (PDF, DOCX, DOC/WPS); every value keeps the companion's URL as its source document
  (`CellSource.document`), with the method and page it was read by;
- a page without section headings takes the sections (and signature date) of a file that is the same
  report: the page was only its cover;
- a warning says where each table came from.

Files are always read (not pictures: OCR costs seconds, so a picture is read only while a table is still
missing). A file that is the same report as a page — same organ and year — is the page's copy: never a
second report of the same organ-year. One that reads as another report (a page attaching each
department's report) is returned to the caller as a report of its own.
"""

from __future__ import annotations

import dataclasses
import io
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Final, Literal

from parsers.checks import run_checks
from parsers.document import sniff_type
from parsers.legacy import legacy_checks
from parsers.model import Cell, CellSource, ParsedReport, Table
from parsers.readers import READERS
from parsers.tables import read_tables
from parsers.template import SECTION_BY_ID, SECTION_IDS, TABLE_FORMATS, TABLE_IDS

CompanionUse = Literal["tables", "copy", "report", "none"]
FileParser = Callable[["Companion"], ParsedReport]

# Sniffed types read as files that may be the report itself.
_FILE_TYPES: Final[frozenset[str]] = frozenset({"pdf", "docx", "doc"})
# A picture this small (pixels, either side) holds no table: a spacer or an icon, not worth an OCR run.
MIN_TABLE_IMAGE_PIXELS: Final[int] = 40
# Warnings of the page that a table or the sections taken from a companion make untrue.
_NO_HEADINGS: Final[str] = "no section headings found"


@dataclass(frozen=True)
class Companion:
    """A picture in the page's body or a file the page links, as fetched."""

    url: str
    data: bytes
    content_type: str | None = None


@dataclass
class CompanionReading:
    url: str
    # tables: the page took tables (or sections) from it; copy: the same report as the page, nothing
    # taken; report: another report (`report` holds it); none: not read, or not a report.
    use: CompanionUse
    report: ParsedReport | None = None


def complete(
    report: ParsedReport, companions: Sequence[Companion], parse_file: FileParser
) -> list[CompanionReading]:
    """Fill `report` (the page's parse) from its companions, in order; what became of each companion.
    Never raises: a companion that cannot be read is a warning on the page's report."""
    filled: list[str] = []  # table ids taken from companions
    readings = []
    for companion in companions:
        try:
            reading = _read(report, companion, parse_file, filled)
        except Exception as exc:  # a reader's bug must not lose the page's report
            report.warnings.append(f"companion {companion.url} not read: {type(exc).__name__}: {exc}")
            reading = CompanionReading(companion.url, "none")
        readings.append(reading)
    if any(r.use == "tables" for r in readings):
        report.warnings = [w for w in report.warnings if not _untrue(w, filled)]
        report.checks = run_checks(report) + legacy_checks(report.legacy)
    return readings


def _fillable(report: ParsedReport) -> bool:
    """Only a report in a table format has the three tables to look for."""
    return report.kind == "report" and report.format != "legacy"


def _missing(report: ParsedReport) -> list[str]:
    return [tid for tid in TABLE_IDS if report.tables.get(tid) is None] if _fillable(report) else []


def _read(
    report: ParsedReport, companion: Companion, parse_file: FileParser, filled: list[str]
) -> CompanionReading:
    kind = sniff_type(companion.data, companion.content_type)
    if kind == "image":
        return _read_picture(report, companion, filled)
    if kind in _FILE_TYPES:
        return _read_file(report, companion, parse_file(companion), filled)
    return CompanionReading(companion.url, "none")


# ---------------------------------------------------------------------------------------------
# Pictures (图片版)
# ---------------------------------------------------------------------------------------------


def _read_picture(report: ParsedReport, companion: Companion, filled: list[str]) -> CompanionReading:
    missing = _missing(report)
    if not missing:
        return CompanionReading(companion.url, "none")
    url = companion.url
    size = _pixel_size(companion.data)
    if size is not None and min(size) < MIN_TABLE_IMAGE_PIXELS:
        report.warnings.append(f"image {url}: {size[0]}×{size[1]} px, too small to hold a table")
        return CompanionReading(url, "none")
    doc = READERS["image"](companion.data, companion.content_type)
    report.warnings.extend(f"image {url}: {w}" for w in doc.warnings)
    if not doc.blocks:
        return CompanionReading(url, "none")
    hint = report.format if report.format in TABLE_FORMATS else None
    read = read_tables({"picture": doc.blocks}, hint)
    taken = [tid for tid in missing if read.tables.get(tid) is not None]
    report.warnings.extend(f"image {url}: {w}" for w in read.warnings if not _about_absence(w))
    if not taken:
        report.warnings.append(f"image {url}: no table read")
        return CompanionReading(url, "none")
    if not any(report.tables.get(tid) is not None for tid in TABLE_IDS) and read.format in TABLE_FORMATS:
        report.format = read.format  # the labels in the picture say which template it is
    for tid in taken:
        table = read.tables[tid]
        assert table is not None
        report.tables[tid] = with_document(table, url)
    filled.extend(taken)
    report.warnings.append(f"{_tables_phrase(taken)} read from the image {url} ({_methods(report, taken)})")
    return CompanionReading(url, "tables")


def _pixel_size(data: bytes) -> tuple[int, int] | None:
    """Width and height from the image's header (Pillow reads no pixels for it); None when unknown."""
    try:
        from PIL import Image
    except ImportError:  # the OCR extra is not installed: the image reader says so itself
        return None
    try:
        with Image.open(io.BytesIO(data)) as image:
            width, height = image.size
            return int(width), int(height)
    except Exception:  # a broken header: the reader reports the image's problem
        return None


def _about_absence(warning: str) -> bool:
    """read_tables' notes on tables a single picture does not hold (it holds one, not three)."""
    return warning.startswith("tables missing:") or "not under its own heading" in warning


# ---------------------------------------------------------------------------------------------
# Files (PDF, DOCX, DOC/WPS)
# ---------------------------------------------------------------------------------------------


def _read_file(
    report: ParsedReport, companion: Companion, own: ParsedReport, filled: list[str]
) -> CompanionReading:
    url = companion.url
    is_report = own.kind == "report" and (
        any(text is not None for text in own.sections.values())
        or any(t is not None for t in own.tables.values())
    )
    if not is_report:
        return CompanionReading(url, "none")
    if report.kind != "report" or not same_report(report, own):
        return CompanionReading(url, "report", own)
    taken = [tid for tid in _missing(report) if own.tables.get(tid) is not None]
    sections = not any(report.sections.get(sid) is not None for sid in SECTION_IDS)
    if not taken and not sections:
        return CompanionReading(url, "copy")
    if taken and not any(report.tables.get(tid) is not None for tid in TABLE_IDS):
        report.format = own.format
    for tid in taken:
        table = own.tables[tid]
        assert table is not None
        report.tables[tid] = with_document(table, url)
    filled.extend(taken)
    if taken:
        report.warnings.append(
            f"{_tables_phrase(taken)} read from the attachment {url} ({_methods(report, taken)})"
        )
    if sections:
        report.sections = dict(own.sections)
        report.sign_date = report.sign_date or own.sign_date
        report.warnings = [w for w in report.warnings if w != _NO_HEADINGS]
        report.warnings.append(f"sections read from the attachment {url}")
    report.warnings.extend(f"attachment {url}: {w}" for w in own.warnings)
    _fill_metadata(report, own)
    return CompanionReading(url, "tables")


def same_report(page: ParsedReport, file: ParsedReport) -> bool:
    """The file is the page's report: no year and no organ that both state and differ."""
    years_differ = page.year is not None and file.year is not None and page.year != file.year
    organs_differ = (
        page.organ is not None and file.organ is not None and _organ_key(page.organ) != _organ_key(file.organ)
    )
    return not (years_differ or organs_differ)


def _organ_key(organ: str) -> str:
    return "".join(organ.split())


def _fill_metadata(report: ParsedReport, own: ParsedReport) -> None:
    """What the page does not say, the file does (the page's own statements win)."""
    report.title = report.title or own.title
    report.organ = report.organ or own.organ
    report.year = report.year if report.year is not None else own.year
    if report.region.name is None and report.region.code is None:
        report.region = own.region


# ---------------------------------------------------------------------------------------------
# Provenance and warnings
# ---------------------------------------------------------------------------------------------


def with_document(table: Table, url: str) -> Table:
    """The table with every cell's source naming `url` as the document it was read from."""
    method = _table_method(table)
    return {
        row: {col: _cell_from(cell, url, method) for col, cell in cols.items()} for row, cols in table.items()
    }


def _cell_from(cell: Cell, url: str, method: str) -> Cell:
    source = cell.source
    if source is None:  # a cell of a row the reader did not find: still that document's table
        return Cell(cell.value, cell.raw, CellSource(method, document=url))
    return Cell(cell.value, cell.raw, dataclasses.replace(source, document=url))


def _table_method(table: Table) -> str:
    """How most of the table's cells were read (for cells with no source of their own)."""
    methods = Counter(c.source.method for cols in table.values() for c in cols.values() if c.source)
    return methods.most_common(1)[0][0] if methods else "text"


def _tables_phrase(table_ids: Sequence[str]) -> str:
    numbers = ", ".join(SECTION_BY_ID[tid].number for tid in table_ids)
    return f"table {numbers}" if len(table_ids) == 1 else f"tables {numbers}"


def _methods(report: ParsedReport, table_ids: Sequence[str]) -> str:
    methods = {
        cell.source.method
        for tid in table_ids
        for cols in (report.tables.get(tid) or {}).values()
        for cell in cols.values()
        if cell.source is not None
    }
    return ", ".join(sorted(methods))


def _untrue(warning: str, filled: Sequence[str]) -> bool:
    """A page warning about a table that a companion has since provided."""
    for tid in filled:
        number = SECTION_BY_ID[tid].number
        if warning in (
            f"tables missing: section {number} has no table (image?)",
            f"tables missing: no section {number} heading and no table {number} found",
        ):
            return True
    return False
