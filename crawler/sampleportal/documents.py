"""A generated report as the documents portals attach: a text-layer PDF (reportlab) and a DOCX (python-docx).

The body is rendered in the page order of the HTML body (title, preamble, six sections, tables, signature),
the tables as the official template's grids drawn from the report's figures (`render`: merged cells and
labels from `parsers.template`). In the PDF, table 三 runs over a page break with one of its rows cut in two
(Word lets rows break across pages), cells wrap, and pages carry their numbers in the footer; the DOCX has
real gridSpan/vMerge merged cells. `render_pdf` also draws the variants the document corpus
(tests/corpus_docs) needs: without ruling lines, and with the heading of section 三 alone at a page's end.

The sample portal serves `report_pdf` / `report_docx` as the attachments of its reports (attachment-only
pages and PDF editions). Both are deterministic — the same report gives the same bytes (no timestamps) — so a
re-crawl sees unchanged files. reportlab and python-docx are imported on first use.
"""

from __future__ import annotations

import dataclasses
import io
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Final

import lxml.html

from .render import Grid, active_grid, place, requests_grid, review_grid

if TYPE_CHECKING:
    from .generator import SyntheticReport

# The text of the `pdf-lo` documents writes these characters as compatibility forms (Kangxi radicals,
# radical supplement forms, a compatibility ideograph), as PDF producers do with some fonts.
COMPAT_FORMS: Final[dict[str, str]] = {
    "一": "\u2f00",  # KANGXI RADICAL ONE
    "门": "\u2ed4",  # CJK RADICAL C-SIMPLIFIED GATE
    "不": "\uf967",  # CJK COMPATIBILITY IDEOGRAPH-F967
    "日": "\u2f47",  # KANGXI RADICAL SUN
    "月": "\u2f49",  # KANGXI RADICAL MOON
}


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


PDF_KINDS: Final[tuple[str, ...]] = ("pdf-ruled", "pdf-unruled", "pdf-title-bottom")


def render_pdf(report: SyntheticReport, kind: str) -> bytes:
    """The report as a text-layer PDF of one of PDF_KINDS (see the module's docstring)."""
    if kind not in PDF_KINDS:
        raise ValueError(f"unknown PDF kind {kind!r}; one of {', '.join(PDF_KINDS)}")
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
        invariant=True,  # no creation date or random document id: the same report, the same bytes
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
# DOCX (python-docx)
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
    return _stable_zip(buffer.getvalue())


_ZIP_TIME: Final[tuple[int, int, int, int, int, int]] = (2020, 1, 1, 0, 0, 0)


def _stable_zip(data: bytes) -> bytes:
    """The package again with every entry dated alike: python-docx stamps entries with the time of saving."""
    out = io.BytesIO()
    with (
        zipfile.ZipFile(io.BytesIO(data)) as source,
        zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target,
    ):
        for info in source.infolist():
            entry = zipfile.ZipInfo(info.filename, _ZIP_TIME)
            target.writestr(entry, source.read(info), compress_type=zipfile.ZIP_DEFLATED)
    return out.getvalue()


# ---------------------------------------------------------------------------------------------
# What the sample portal attaches
# ---------------------------------------------------------------------------------------------


def report_pdf(report: SyntheticReport) -> bytes:
    """The PDF edition of a report: ruled tables, table 三 across a page break."""
    return render_pdf(report, "pdf-ruled")


def report_docx(report: SyntheticReport) -> bytes:
    """The Word edition of a report."""
    return render_docx(report)
