"""Every table value says where it came from: method, page, OCR confidence; low-confidence OCR cells are
flagged, and checks that fail on an OCR'd table say so."""

from __future__ import annotations

from dataclasses import replace

from crawler.sampleportal.generator import generate_reports
from parsers.blocks import Grid, Line
from parsers.checks import run_checks
from parsers.model import Cell, CellSource, Table
from parsers.readers.pdf import read_pdf
from parsers.report import parse_report
from parsers.tables import read_tables
from parsers.template import OCR_LOW_CONFIDENCE, request_rows
from tests.corpus_docs.build import _split_requests, requests_grid
from tests.corpus_docs.fixtures import corpus


def _sources(tables: dict[str, Table | None]) -> dict[str, CellSource | None]:
    return {
        f"{tid}.{row}.{col}": cell.source
        for tid, table in tables.items()
        if table
        for row, cols in table.items()
        for col, cell in cols.items()
    }


def test_ruled_pdf_cells_name_method_and_the_page_they_are_on() -> None:
    built = next(b for b in corpus(("pdf-ruled", "pdf-unruled"))[1] if b.kind == "pdf-ruled")
    data = built.path.read_bytes()
    parsed = parse_report(data)
    sources = _sources(parsed.tables)
    assert len(sources) == sum(len(c) for t in built.report.tables.values() if t for c in t.values())
    assert {s.method for s in sources.values() if s} == {"pdf-table"} and None not in sources.values()
    # Table 三 runs over a page break after the row the break cuts: rows up to it on one page, the rest
    # on the next, exactly as the grids were drawn.
    grids = [b for b in read_pdf(data).blocks if isinstance(b, Grid) and b.rows[0][3:4] == ["申请人情况"]]
    first_page = grids[0].page
    assert first_page is not None
    fmt = built.report.format
    cut_row, _, _ = _split_requests(requests_grid(fmt, built.report.figures["requests"]))
    rows = [r.id for r in request_rows(fmt)]
    cut_index = cut_row - 3  # three header rows
    for n, row in enumerate(rows):
        want = first_page if n <= cut_index else first_page + 1
        assert {sources[f"requests.{row}.{c}"].page for c in ("natural_person", "total")} == {want}, row  # type: ignore[union-attr]


def test_unruled_pdf_and_docx_cells() -> None:
    unruled = next(b for b in corpus(("pdf-ruled", "pdf-unruled"))[1] if b.kind == "pdf-unruled")
    sources = _sources(parse_report(unruled.path.read_bytes()).tables)
    assert {s.method for s in sources.values() if s} == {"pdf-text"} and None not in sources.values()
    assert all(
        s.page is not None and s.confidence is None and not s.low_confidence for s in sources.values() if s
    )
    docx = corpus(("docx",))[1][0]
    sources = _sources(parse_report(docx.path.read_bytes()).tables)
    assert {(s.method, s.page) for s in sources.values() if s} == {("docx-table", None)}


def test_html_and_text_cells() -> None:
    reports = generate_reports("990101", "样本市", 25, 990101)
    for layout, method in (("html-table", "html-table"), ("text-pipe", "text"), ("text-cells", "text")):
        report = next(r for r in reports if r.layout == layout)
        sources = _sources(parse_report(report.body_html().encode()).tables)
        assert sources and {s.method for s in sources.values() if s} == {method}, layout
        assert all(s.page is None for s in sources.values() if s)


# An OCR'd table 三 row and table 四 as the image reader hands them over: grids with a confidence per cell.
_HEADER = ["", "自然人", "商业企业", "科研机构", "社会公益组织", "法律服务机构", "其他", "总计"]


def _ocr_requests(granted_total: str, confidence: float) -> Grid:
    rows = [
        _HEADER,
        ["一、本年新收政府信息公开申请数量", "5", "1", "0", "0", "0", "0", "6"],
        ["(一)予以公开", "3", "1", "0", "0", "0", "0", granted_total],
        ["(二)部分公开", "2", "0", "0", "0", "0", "0", "2"],
    ]
    conf = [[0.99] * 8 for _ in rows]
    conf[2][7] = confidence
    return Grid(rows, "ocr", 2, conf)  # type: ignore[arg-type]


def test_ocr_cells_keep_their_confidence_and_low_ones_are_flagged() -> None:
    low = OCR_LOW_CONFIDENCE - 0.2
    result = read_tables({"requests": [_ocr_requests("5", low)]}, "2021")
    table = result.tables["requests"]
    assert table is not None
    flagged = {k: s for k, s in _sources({"requests": table}).items() if s and s.low_confidence}
    assert flagged == {"requests.granted.total": CellSource("ocr", 2, low, True)}
    assert table["granted"]["natural_person"].source == CellSource("ocr", 2, 0.99, False)
    assert table["granted"]["total"] == Cell(5, "5")  # the value is as read: flagging never repairs
    # A line read by OCR carries its line's confidence to every value on it.
    values = " | ".join(["1", "0", "0", "0", "1"] + ["0"] * 10)
    blocks = [Line("行政复议 | 行政诉讼", "ocr", 3, 0.98), Line(values, "ocr", 3, 0.5)]
    review = read_tables({"review_litigation": blocks}).tables["review_litigation"]
    assert review is not None
    assert set(_sources({"review_litigation": review}).values()) == {CellSource("ocr", 3, 0.5, True)}


def _checks_by_id(tables: dict[str, Table | None]) -> dict[str, str]:
    return {c.id: c.detail for c in run_checks(tables, "2021") if c.ok is False}


def test_a_failing_check_on_an_ocr_table_says_so_and_names_the_doubtful_cells() -> None:
    reports = generate_reports("990101", "样本市", 25, 990101)
    report = next(r for r in reports if r.layout == "html-table" and not r.defect and not r.special_cell)
    tables = dict(parse_report(report.body_html().encode()).tables)
    requests = tables["requests"]
    assert requests is not None
    granted = requests["granted"]["total"]
    misread = replace(granted, value=granted.value + 10)  # type: ignore[operator]

    def ocr(table: Table, low: set[str]) -> Table:
        def source(key: str) -> CellSource:
            return CellSource("ocr", 1, 0.5 if key in low else 0.97, key in low)

        return {
            row: {col: replace(cell, source=source(f"{row}.{col}")) for col, cell in cols.items()}
            for row, cols in table.items()
        }

    wrong = {**requests, "granted": {**requests["granted"], "total": misread}}
    failing_html = _checks_by_id({**tables, "requests": wrong})
    failing_ocr = _checks_by_id({**tables, "requests": ocr(wrong, {"granted.total"})})
    assert set(failing_ocr) == set(failing_html) == {"requests.results_sum.total", "requests.row_sum.granted"}
    for check_id, detail in failing_html.items():
        assert "OCR" not in detail
        assert (
            failing_ocr[check_id]
            == detail + " (table read by OCR; low-confidence cells: requests.granted.total)"
        )
    # OCR'd with full confidence: the note says no cell was doubtful.
    sure = _checks_by_id({**tables, "requests": ocr(wrong, set())})
    assert all(d.endswith("(table read by OCR; no low-confidence cells)") for d in sure.values())
    # Passing checks are left alone, and so are tables not read by OCR.
    passing = [
        c for c in run_checks({**tables, "requests": ocr(requests, {"granted.total"})}, "2021") if c.ok
    ]
    assert passing and not any("OCR" in c.detail for c in passing)
