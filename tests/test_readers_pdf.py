"""The PDF reader on the generated corpus: ruled and unruled tables, a table over a page break with a
row cut in two, a heading at the foot of a page with its table on the next, wrapped cells."""

from __future__ import annotations

import datetime as dt

from crawler.items import FetchedDocument
from crawler.pipelines import ParsePipeline, ProcessedDocument
from parsers.blocks import Grid, Line
from parsers.evaluate import evaluate
from parsers.model import table_values
from parsers.normalize import normalize_text
from parsers.readers.pdf import read_pdf
from parsers.readers.text import fold_compat, join_wrapped
from parsers.template import request_rows
from tests.corpus_docs.build import Built, Para, _split_requests, body_items, lines_pdf, requests_grid
from tests.corpus_docs.fixtures import corpus

PDF_KINDS = ("pdf-ruled", "pdf-unruled", "pdf-title-bottom")
REQUESTS_HEADING = "三、收到和处理政府信息公开申请情况"


def _built(kind: str) -> list[Built]:
    return [b for b in corpus(PDF_KINDS)[1] if b.kind == kind]


def _expected_cells(built: Built) -> int:
    return sum(len(cols) for t in built.report.tables.values() if t for cols in t.values())


def test_generated_pdfs_are_read_exactly() -> None:
    directory, built = corpus(PDF_KINDS)
    result = evaluate([directory])
    assert result.problems == [] and result.skipped == []
    groups = result.by_kind()
    assert sorted(groups) == sorted(PDF_KINDS)
    for kind, group in groups.items():
        docs = [b for b in built if b.kind == kind]
        assert len(group.documents) == len(docs) == 3
        assert group.cells == sum(_expected_cells(b) for b in docs)  # every cell compared
        assert group.cells_ok == group.cells, [m.describe() for _, m in group.mismatches()]
        assert group.fields_ok == group.fields, [m.describe() for _, m in group.mismatches()]
    # Both table formats and a report whose totals do not add up are among them.
    reports = [b.report for b in built]
    assert {r.format for r in reports} == {"2019", "2021"}
    assert any(r.failing_checks for r in reports)


def _grids_after(blocks: list[Line | Grid], heading: str) -> list[Grid]:
    start = next(i for i, b in enumerate(blocks) if isinstance(b, Line) and b.text == heading)
    out: list[Grid] = []
    for block in blocks[start + 1 :]:
        if isinstance(block, Line):
            break
        out.append(block)
    return out


def test_table_over_a_page_break_continues_and_its_cut_row_is_rejoined() -> None:
    for built in _built("pdf-ruled"):
        doc = read_pdf(built.path.read_bytes())
        assert doc.warnings == []
        first, second = _grids_after(doc.blocks, REQUESTS_HEADING)
        assert first.method == second.method == "pdf-table"
        assert first.page is not None and second.page == first.page + 1
        fmt = built.report.format
        # Three header rows, then every row of the template exactly once over the two halves; the
        # continuation starts with a data row (no header of its own).
        assert len(first.rows) + len(second.rows) == 3 + len(request_rows(fmt))
        assert first.rows[0][3] == "申请人情况" and second.rows[0][3] != "申请人情况"
        grid = requests_grid(fmt, built.report.figures["requests"])
        cut_row, half1, half2 = _split_requests(grid)
        (col,) = {c for _, c in half1}
        label = normalize_text(half1[(cut_row, col)] + half2[(cut_row, col)])
        rows = [r for r in first.rows + second.rows if label in r]
        assert len(rows) == 1 and rows[0] is first.rows[-1]  # rejoined, on the page holding its values
        assert not any(normalize_text(half2[(cut_row, col)]) == cell for r in second.rows for cell in r)
        # Page numbers ("- 1 -") are gone.
        assert not any(isinstance(b, Line) and b.text.startswith("- ") for b in doc.blocks)


def test_heading_at_the_foot_of_a_page_keeps_its_table_on_the_next() -> None:
    for built in _built("pdf-title-bottom"):
        doc = read_pdf(built.path.read_bytes())
        at = next(i for i, b in enumerate(doc.blocks) if isinstance(b, Line) and b.text == REQUESTS_HEADING)
        heading, table = doc.blocks[at], doc.blocks[at + 1]
        assert isinstance(table, Grid) and heading.page is not None and table.page == heading.page + 1
        assert len(table.rows) == 3 + len(request_rows(built.report.format))


def test_unruled_tables_become_rows_with_their_wrapped_labels_joined() -> None:
    for built in _built("pdf-unruled"):
        doc = read_pdf(built.path.read_bytes())
        assert not any(isinstance(b, Grid) for b in doc.blocks)
        lines = [b.text for b in doc.blocks if isinstance(b, Line)]
        long_label = normalize_text("（二）部分公开（区分处理的，只计这一情形，不计其他情形）")
        (row,) = [t for t in lines if t.startswith(long_label)]
        values = built.report.tables["requests"]["partially_granted"]  # type: ignore[index]
        assert row == " | ".join([long_label, *(str(v) for v in values.values())])


def test_paragraphs_run_on_over_wrapped_lines() -> None:
    built = _built("pdf-ruled")[0]
    doc = read_pdf(built.path.read_bytes())
    preamble = next(
        i for i in body_items(built.report) if isinstance(i, Para) and i.text.startswith("本报告")
    )
    assert normalize_text(preamble.text) in [b.text for b in doc.blocks if isinstance(b, Line)]
    assert doc.title == built.report.title


def test_cjk_compatibility_forms_are_folded_and_nothing_else() -> None:
    assert fold_compat("⼀⼆⻓⻔⽇\uf967\u2f08") == "一二长门日不人"
    untouched = "（一）本年新收申请：１２件、“三安全一稳定”"
    assert fold_compat(untouched) == untouched
    assert (
        join_wrapped(["（二）部分公开（区分处理的，只", "计这一情形）"])
        == "（二）部分公开（区分处理的，只计这一情形）"
    )
    assert join_wrapped(["2510", "00"]) == "251000" and join_wrapped(["PDF", "file"]) == "PDF file"


def _attachment(body: bytes, kind: str = "pdf") -> FetchedDocument:
    return FetchedDocument(
        region_code="990101",
        listing_url="http://127.0.0.11/ndbg/index.htm",
        url="http://127.0.0.11/ndbg/202301/P020230115001004.pdf",
        final_url="http://127.0.0.11/ndbg/202301/P020230115001004.pdf",
        status=200,
        content_type="application/pdf",
        fetched_at=dt.datetime(2024, 1, 1, tzinfo=dt.UTC),
        body=body,
        role="attachment",
        kind=kind,  # type: ignore[arg-type]
        listing_date=dt.date(2023, 1, 15),
    )


def test_the_pipeline_parses_an_attachment_that_is_the_report() -> None:
    built = _built("pdf-ruled")[0]
    item = ParsePipeline().process_item(_attachment(built.path.read_bytes()))
    assert isinstance(item, ProcessedDocument) and item.parsed is not None
    tables = {t: None if v is None else table_values(v) for t, v in item.parsed.tables.items()}
    assert tables == built.report.tables
    # A file attached to a report that is not one (a form, a notice) keeps no parse and is no failure.
    other = ParsePipeline().process_item(_attachment(lines_pdf(["政府信息公开申请表", "申请人姓名："])))
    assert isinstance(other, ProcessedDocument) and other.parsed is None and other.failure is None
