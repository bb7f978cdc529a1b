"""Render the generator's reports as documents with known truth: PDF, DOCX and DOC.

`python -m tests.corpus_docs.build DIR [--kinds pdf-ruled,docx,…]` writes `DIR/NAME.<ext>`,
`DIR/expected/NAME.json` and `DIR/NAME.meta.json` (parse inputs and the document kind), the layout
`python -m parsers.evaluate DIR` reads.

The reports are `crawler.sampleportal.generator`'s (labels from `parsers.template`, merged cells as the
official template draws them), chosen with every table cell filled in, in both formats, one of them
inconsistent on purpose. Their body is rendered in the page order of the HTML body (title, preamble,
six sections, tables, signature), then:

- `pdf-ruled` / `pdf-unruled` (reportlab, with and without ruling lines): table 三 runs over a page
  break, one of its rows cut in two by the break (Word lets rows break across pages); wrapped cells;
  page numbers in the footer;
- `pdf-title-bottom`: the heading of section 三 is the last line of a page, its table on the next;
- `docx` (python-docx, real gridSpan/vMerge merged cells) and `pdf-lo` (that DOCX printed by LibreOffice,
  with some characters written as their CJK compatibility forms, as some PDF producers write them);
- `doc`: the DOCX saved as Word 97 by LibreOffice.
"""

from __future__ import annotations

import argparse
import dataclasses
import io
import json
import shutil
import sys
import tempfile
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any, Final

import lxml.html

from crawler.sampleportal.generator import SyntheticReport, generate_reports
from crawler.sampleportal.render import Grid, TCell, active_grid, requests_grid, review_grid
from parsers.readers.limits import run_with_timeout

KINDS: Final[tuple[str, ...]] = ("pdf-ruled", "pdf-unruled", "pdf-title-bottom", "pdf-lo", "docx", "doc")
EXTENSIONS: Final[dict[str, str]] = {
    "pdf-ruled": "pdf", "pdf-unruled": "pdf", "pdf-title-bottom": "pdf", "pdf-lo": "pdf", "docx": "docx",
    "doc": "doc",
}  # fmt: skip
LIBREOFFICE_KINDS: Final[frozenset[str]] = frozenset({"pdf-lo", "doc"})
SITE: Final[tuple[str, str]] = ("990101", "样本市")
SOFFICE_SECONDS: Final[float] = 180.0
# The text of the `pdf-lo` documents writes these characters as compatibility forms (Kangxi radicals,
# radical supplement forms, a compatibility ideograph), as PDF producers do with some fonts.
COMPAT_FORMS: Final[dict[str, str]] = {
    "一": "\u2f00",  # KANGXI RADICAL ONE
    "门": "\u2ed4",  # CJK RADICAL C-SIMPLIFIED GATE
    "不": "\uf967",  # CJK COMPATIBILITY IDEOGRAPH-F967
    "日": "\u2f47",  # KANGXI RADICAL SUN
    "月": "\u2f49",  # KANGXI RADICAL MOON
}


# ---------------------------------------------------------------------------------------------
# Which reports
# ---------------------------------------------------------------------------------------------


def _filled(report: SyntheticReport) -> bool:
    tables = report.tables.values()
    return all(t is not None for t in tables) and all(
        v is not None for t in tables if t for row in t.values() for v in row.values()
    )


def _nonzero(report: SyntheticReport) -> int:
    return sum(1 for t in report.tables.values() if t for row in t.values() for v in row.values() if v)


def chosen_reports(count: int = 3) -> list[SyntheticReport]:
    """Reports with every cell filled: the fullest 2019 one, the fullest 2021 one, an inconsistent one,
    then the next fullest."""
    reports = [r for r in generate_reports(*SITE, 25, int(SITE[0])) if _filled(r)]
    by_fullness = sorted(reports, key=lambda r: (-_nonzero(r), r.doc_id))
    picks: list[SyntheticReport] = []
    for want in (
        lambda r: r.format == "2019" and not r.defect,
        lambda r: r.format == "2021" and not r.defect,
        lambda r: bool(r.defect),
    ):
        match = next((r for r in by_fullness if want(r) and r not in picks), None)
        if match is not None:
            picks.append(match)
    picks += [r for r in by_fullness if r not in picks]
    return picks[:count]


def expected(report: SyntheticReport) -> dict[str, Any]:
    """What a parse of the document yields. A document carries no SiteIDCode, and the sample regions'
    codes (99xxxx) are outside the national table, so the region is known by name only."""
    out = report.expected()
    out["region"] = {"name": report.region_name, "code": None}
    out["kind"] = "report"
    return out


# ---------------------------------------------------------------------------------------------
# The body in page order
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Para:
    text: str
    align: str = "left"  # "center" | "right" | "left"
    indent: bool = False
    bold: bool = False


Item = Para | Grid


def body_items(report: SyntheticReport) -> list[Item]:
    """The report body as the HTML renderer orders it, tables as the official template's grids."""
    html_report = dataclasses.replace(report, layout="html-table")
    grids = iter(
        (
            active_grid(report.format, report.figures["active_disclosure"]),
            requests_grid(report.format, report.figures["requests"]),
            review_grid(report.figures["review_litigation"]),
        )
    )
    root = lxml.html.fragment_fromstring(html_report.body_html(), create_parent="div")
    items: list[Item] = []
    for el in root:
        if el.tag == "table":
            items.append(next(grids))
            continue
        style = (el.get("style") or "").replace(" ", "")
        align = "center" if "center" in style else "right" if "right" in style else "left"
        items.append(
            Para(el.text_content().strip(), align, "text-indent" in style, el.find("strong") is not None)
        )
    return items


def place(grid: Grid) -> tuple[list[tuple[TCell, int, int]], int, int]:
    """Each merged cell at its top-left slot, as a browser lays out rowspan/colspan: (cells, rows, cols)."""
    taken: set[tuple[int, int]] = set()
    placed: list[tuple[TCell, int, int]] = []
    width = 0
    for r, row in enumerate(grid):
        c = 0
        for cell in row:
            while (r, c) in taken:
                c += 1
            placed.append((cell, r, c))
            taken.update((r + dr, c + dc) for dr in range(cell.rowspan) for dc in range(cell.colspan))
            c += cell.colspan
            width = max(width, c)
    return placed, len(grid), width


# ---------------------------------------------------------------------------------------------
# PDF (reportlab)
# ---------------------------------------------------------------------------------------------

_FONT: Final[str] = "STSong-Light"  # Adobe's CID font: needs no font file, PDF readers know it
_PAGE_W, _PAGE_H = 595.28, 841.89  # A4
_MARGIN: Final[float] = 72.0
_TEXT_W: Final[float] = _PAGE_W - 2 * _MARGIN
# Column widths (points) of the three tables, as official Word templates size them.
_WIDTHS: Final[dict[str, list[float]]] = {
    "active": [171.0, 90.0, 90.0, 100.0],
    "requests": [44.0, 54.0, 108.0] + [35.0] * 7,
    "review": [_TEXT_W / 15] * 15,
}


def _grid_name(grid: Grid) -> str:
    width = place(grid)[2]
    return {4: "active", 10: "requests", 15: "review"}[width]


def _rl() -> Any:
    """reportlab, imported on first use (only the PDF kinds need it)."""
    import reportlab.platypus as platypus
    from reportlab.lib import colors, enums, styles
    from reportlab.pdfbase import cidfonts, pdfmetrics

    if _FONT not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(cidfonts.UnicodeCIDFont(_FONT))
    return platypus, colors, enums, styles


def _pdf_table(grid: Grid, rows: range, ruled: bool, cut: dict[tuple[int, int], str] | None = None) -> Any:
    """Rows `rows` of a grid as a reportlab Table; merged cells crossing the range are cut at its edges.

    `cut`: (row, col) → text replacing that cell's text (a row cut in two by a page break)."""
    platypus, colors, enums, styles = _rl()
    style = styles.ParagraphStyle(
        "cell", fontName=_FONT, fontSize=9, leading=11, alignment=enums.TA_CENTER, wordWrap="CJK"
    )
    placed, _, width = place(grid)
    data: list[list[Any]] = [[""] * width for _ in rows]
    commands: list[tuple[Any, ...]] = [
        ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
        ("LEFTPADDING", (0, 0), (-1, -1), 3),
        ("RIGHTPADDING", (0, 0), (-1, -1), 3),
    ]
    if ruled:
        commands.append(("GRID", (0, 0), (-1, -1), 0.5, colors.black))
    for cell, r, c in placed:
        last = r + cell.rowspan - 1
        if last < rows.start or r >= rows.stop:
            continue
        top, bottom = max(r, rows.start), min(last, rows.stop - 1)
        text = cell.text if r >= rows.start else ""  # the cut-off rest of a merged cell is blank
        if cut is not None and (r, c) in cut:
            text = cut[(r, c)]
        data[top - rows.start][c] = platypus.Paragraph(text, style) if text else ""
        if bottom > top or cell.colspan > 1:
            commands.append(("SPAN", (c, top - rows.start), (c + cell.colspan - 1, bottom - rows.start)))
    return platypus.Table(data, colWidths=_WIDTHS[_grid_name(grid)], style=commands)


class _Filler:
    """A flowable filling the rest of the page but `reserve` points (so the next ones end it)."""

    def __new__(cls, reserve: float) -> Any:
        platypus = _rl()[0]

        class Filler(platypus.Flowable):  # type: ignore[misc,name-defined]
            def wrap(self, avail_width: float, avail_height: float) -> tuple[float, float]:
                return avail_width, max(0.0, avail_height - reserve)

            def draw(self) -> None:
                pass

        return Filler()


def _bottom_of_page(flowables: Sequence[Any]) -> list[Any]:
    """`flowables` placed so that they end exactly at the bottom of a page."""
    platypus = _rl()[0]
    height = sum(f.wrap(_TEXT_W, _PAGE_H)[1] for f in flowables) + 1
    return [platypus.CondPageBreak(height), _Filler(height), *flowables]


def _split_requests(grid: Grid) -> tuple[int, dict[tuple[int, int], str], dict[tuple[int, int], str]]:
    """Where table 三 is cut by the page break: (first row of the second part, label halves)."""
    placed, _, _ = place(grid)
    # The longest row label well inside the results group, cut after about half its characters.
    labels = [(cell, r, c) for cell, r, c in placed if r > 8 and c == 2 and len(cell.text) > 14]
    cell, row, col = labels[0]
    half = len(cell.text) // 2
    return row, {(row, col): cell.text[:half]}, {(row, col): cell.text[half:]}


def _pdf_story(items: Sequence[Item], kind: str) -> list[Any]:
    platypus, _colors, enums, styles = _rl()
    body = styles.ParagraphStyle("body", fontName=_FONT, fontSize=12, leading=20, wordWrap="CJK")
    aligns = {"center": enums.TA_CENTER, "right": enums.TA_RIGHT, "left": enums.TA_JUSTIFY}
    story: list[Any] = []
    ruled = kind != "pdf-unruled"
    for n, item in enumerate(items):
        if isinstance(item, Para):
            style = styles.ParagraphStyle(
                f"p{n}",
                parent=body,
                alignment=aligns[item.align],
                firstLineIndent=24 if item.indent else 0,
                fontSize=16 if n == 0 else 12,
                leading=26 if n == 0 else 20,
            )
            para = platypus.Paragraph(item.text, style)
            nxt = items[n + 1] if n + 1 < len(items) else None
            if kind == "pdf-title-bottom" and isinstance(nxt, list) and _grid_name(nxt) == "requests":
                story += _bottom_of_page([para])
            else:
                story.append(para)
            continue
        name = _grid_name(item)
        if name == "requests" and kind != "pdf-title-bottom":
            cut_row, first_half, second_half = _split_requests(item)
            part1 = _pdf_table(item, range(cut_row + 1), ruled, first_half)
            part2 = _pdf_table(
                item, range(cut_row, len(item)), ruled, _blank_values(item, cut_row, second_half)
            )
            story += _bottom_of_page([part1])
            story.append(part2)
        else:
            story.append(_pdf_table(item, range(len(item)), ruled))
        story.append(platypus.Spacer(1, 6))
    return story


def _blank_values(grid: Grid, row: int, labels: dict[tuple[int, int], str]) -> dict[tuple[int, int], str]:
    """The second half of a cut row: the rest of its label, no values (they stay with the first half)."""
    placed, _, _ = place(grid)
    out = dict(labels)
    for _cell, r, c in placed:
        if r == row and (r, c) not in labels:
            out[(r, c)] = ""
    return out


def render_pdf(report: SyntheticReport, kind: str) -> bytes:
    platypus = _rl()[0]

    def page_number(canvas: Any, doc: Any) -> None:
        canvas.saveState()
        canvas.setFont(_FONT, 10)
        canvas.drawCentredString(_PAGE_W / 2, 30, f"- {doc.page} -")
        canvas.restoreState()

    buffer = io.BytesIO()
    doc = platypus.SimpleDocTemplate(
        buffer,
        pagesize=(_PAGE_W, _PAGE_H),
        leftMargin=_MARGIN,
        rightMargin=_MARGIN,
        topMargin=_MARGIN,
        bottomMargin=_MARGIN,
        title=report.title,
    )
    doc.build(_pdf_story(body_items(report), kind), onFirstPage=page_number, onLaterPages=page_number)
    return buffer.getvalue()


def lines_pdf(lines: Sequence[str], *, user_password: str | None = None, pages: int = 1) -> bytes:
    """A small PDF of text lines (each page the same lines), optionally encrypted (reportlab's RC4/AES
    with an owner password; an empty user password opens without asking, like permission-only PDFs)."""
    from reportlab.lib import pdfencrypt
    from reportlab.pdfgen import canvas

    _rl()
    buffer = io.BytesIO()
    encrypt = (
        None if user_password is None else pdfencrypt.StandardEncryption(user_password, ownerPassword="owner")
    )
    pdf = canvas.Canvas(buffer, pagesize=(_PAGE_W, _PAGE_H), encrypt=encrypt)
    for _ in range(pages):
        pdf.setFont(_FONT, 12)
        for n, line in enumerate(lines):
            pdf.drawString(_MARGIN, _PAGE_H - _MARGIN - 20 * n, line)
        pdf.showPage()
    pdf.save()
    return buffer.getvalue()


# ---------------------------------------------------------------------------------------------
# DOCX (python-docx) and LibreOffice conversions
# ---------------------------------------------------------------------------------------------


def _compat(text: str) -> str:
    return "".join(COMPAT_FORMS.get(ch, ch) for ch in text)


def render_docx(report: SyntheticReport, *, compat_forms: bool = False) -> bytes:
    import docx
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.oxml.ns import qn
    from docx.shared import Pt

    write = _compat if compat_forms else (lambda s: s)
    document = docx.Document()
    normal = document.styles["Normal"]
    normal.font.name = "SimSun"
    normal.font.size = Pt(12)
    normal.element.rPr.rFonts.set(qn("w:eastAsia"), "SimSun")
    aligns = {"center": WD_ALIGN_PARAGRAPH.CENTER, "right": WD_ALIGN_PARAGRAPH.RIGHT, "left": None}
    for item in body_items(report):
        if isinstance(item, Para):
            para = document.add_paragraph()
            run = para.add_run(write(item.text))
            run.bold = item.bold
            para.alignment = aligns[item.align]
            if item.indent:
                para.paragraph_format.first_line_indent = Pt(24)
            continue
        placed, height, width = place(item)
        table = document.add_table(rows=height, cols=width)
        table.style = "Table Grid"
        slots = table._cells  # computed once: table.cell() recomputes every cell on each call
        for cell, r, c in sorted(placed, key=lambda p: p[0].rowspan > 1 or p[0].colspan > 1):
            if cell.rowspan > 1 or cell.colspan > 1:
                target = table.cell(r, c).merge(table.cell(r + cell.rowspan - 1, c + cell.colspan - 1))
            else:
                target = slots[r * width + c]
            target.text = write(cell.text)
            for para in target.paragraphs:
                for run in para.runs:
                    run.font.size = Pt(9)
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def soffice() -> str | None:
    return shutil.which("soffice") or shutil.which("libreoffice")


def convert(sources: Sequence[Path], target: str, outdir: Path) -> dict[Path, Path]:
    """Convert documents with one LibreOffice run (`target`: "doc", "pdf"): source → converted file."""
    exe = soffice()
    if exe is None:
        raise RuntimeError("LibreOffice (soffice) not installed: apt-get install libreoffice-writer-nogui")
    filters = {"doc": "doc:MS Word 97", "pdf": "pdf:writer_pdf_Export"}
    with tempfile.TemporaryDirectory(prefix="xxgk-lo-") as profile:
        result = run_with_timeout(
            [
                exe,
                f"-env:UserInstallation=file://{profile}",
                "--headless",
                "--norestore",
                "--convert-to",
                filters[target],
                "--outdir",
                str(outdir),
                *map(str, sources),
            ],
            SOFFICE_SECONDS,
        )
    out = {src: outdir / f"{src.stem}.{target}" for src in sources}
    missing = [str(p) for p in out.values() if not p.is_file()]
    if result.error or missing:
        raise RuntimeError(f"LibreOffice conversion failed: {result.error or 'no output'} {missing}")
    return out


# ---------------------------------------------------------------------------------------------
# The corpus directory
# ---------------------------------------------------------------------------------------------


def _json_value(obj: object) -> object:
    if isinstance(obj, Decimal):
        return int(obj) if obj == obj.to_integral_value() else float(obj)
    raise TypeError(f"not JSON serialisable: {type(obj).__name__}")


def _write_json(path: Path, data: dict[str, Any]) -> None:
    path.write_text(
        json.dumps(data, ensure_ascii=False, indent=1, default=_json_value) + "\n", encoding="utf-8"
    )


@dataclass(frozen=True)
class Built:
    name: str
    kind: str
    path: Path
    report: SyntheticReport


def build(
    directory: Path, kinds: Iterable[str] = KINDS, reports: Sequence[SyntheticReport] | None = None
) -> list[Built]:
    """Write the corpus into `directory` (created); returns what was written."""
    kinds = list(kinds)
    unknown = [k for k in kinds if k not in KINDS]
    if unknown:
        raise ValueError(f"unknown kinds: {', '.join(unknown)}")
    reports = list(reports) if reports is not None else chosen_reports()
    (directory / "expected").mkdir(parents=True, exist_ok=True)
    built: list[Built] = []
    renderers: dict[str, Callable[[SyntheticReport], bytes]] = {
        "pdf-ruled": lambda r: render_pdf(r, "pdf-ruled"),
        "pdf-unruled": lambda r: render_pdf(r, "pdf-unruled"),
        "pdf-title-bottom": lambda r: render_pdf(r, "pdf-title-bottom"),
        "docx": render_docx,
    }
    with tempfile.TemporaryDirectory(prefix="xxgk-docs-") as tmp:
        work = Path(tmp)
        lo_sources: dict[str, list[tuple[Path, SyntheticReport]]] = {}
        for report in reports:
            stem = f"{report.region_code}_{report.doc_id}"
            for kind in kinds:
                name = f"{kind.replace('-', '_')}_{stem}"
                if kind in renderers:
                    path = directory / f"{name}.{EXTENSIONS[kind]}"
                    path.write_bytes(renderers[kind](report))
                    built.append(Built(name, kind, path, report))
                else:
                    source = work / kind / f"{name}.docx"
                    source.parent.mkdir(exist_ok=True)
                    source.write_bytes(render_docx(report, compat_forms=kind == "pdf-lo"))
                    lo_sources.setdefault(kind, []).append((source, report))
        # One LibreOffice run per target format, side by side (each starts in seconds, not instantly).
        with ThreadPoolExecutor(max_workers=max(1, len(lo_sources))) as pool:
            runs = {
                kind: pool.submit(convert, [s for s, _ in sources], EXTENSIONS[kind], work / kind)
                for kind, sources in lo_sources.items()
            }
        for kind, sources in lo_sources.items():
            converted = runs[kind].result()
            for source, report in sources:
                path = directory / converted[source].name
                shutil.copyfile(converted[source], path)
                built.append(Built(source.stem, kind, path, report))
    for item in built:
        _write_json(directory / "expected" / f"{item.name}.json", expected(item.report))
        _write_json(
            directory / f"{item.name}.meta.json",
            {"published": item.report.publish_date.isoformat(), "document_kind": item.kind},
        )
    return built


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m tests.corpus_docs.build", description=__doc__.split("\n")[0]
    )
    parser.add_argument("directory", type=Path)
    parser.add_argument("--kinds", default=",".join(KINDS), help=f"comma-separated, of {', '.join(KINDS)}")
    parser.add_argument("--reports", type=int, default=3, help="reports per kind")
    args = parser.parse_args(argv)
    built = build(args.directory, args.kinds.split(","), chosen_reports(args.reports))
    for item in built:
        print(f"{item.kind:17} {item.path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())


__all__ = [
    "KINDS",
    "Built",
    "body_items",
    "build",
    "chosen_reports",
    "convert",
    "expected",
    "render_docx",
    "render_pdf",
]
