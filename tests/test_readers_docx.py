"""The DOCX reader: merged cells expanded, Word's numbering drawn, only the text Word shows, layout
tables walked into, and the generated corpus read exactly."""

from __future__ import annotations

import io
from typing import Any

import docx
from docx.oxml import parse_xml

from parsers.blocks import Grid, Line
from parsers.evaluate import evaluate
from parsers.readers.docx import read_docx
from tests.corpus_docs.fixtures import corpus

W_NS = 'xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"'


def _save(document: Any) -> bytes:
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def _grids(data: bytes) -> list[list[list[str]]]:
    doc = read_docx(data)
    assert doc.warnings == []
    return [b.rows for b in doc.blocks if isinstance(b, Grid)]


def _lines(data: bytes) -> list[str]:
    return [b.text for b in read_docx(data).blocks if isinstance(b, Line)]


def test_generated_docx_are_read_exactly() -> None:
    directory, built = corpus(("docx",))
    result = evaluate([directory])
    assert result.problems == [] and len(result.documents) == len(built) == 3
    expected_cells = sum(len(c) for b in built for t in b.report.tables.values() if t for c in t.values())
    assert result.cells == expected_cells
    assert result.ok, [m.describe() for _, m in result.mismatches()]


def test_merged_cells_fill_every_slot_they_cover() -> None:
    document = docx.Document()
    table = document.add_table(rows=3, cols=4)
    table.cell(0, 0).merge(table.cell(1, 0)).text = "类别"  # vMerge
    table.cell(0, 1).merge(table.cell(0, 3)).text = "申请人情况"  # gridSpan
    for col, text in enumerate(("自然人", "法人", "总计"), start=1):
        table.cell(1, col).text = text
    for col, text in enumerate(("合计", "1", "2", "3")):
        table.cell(2, col).text = text
    assert _grids(_save(document)) == [
        [
            ["类别", "申请人情况", "申请人情况", "申请人情况"],
            ["类别", "自然人", "法人", "总计"],
            ["合计", "1", "2", "3"],
        ]
    ]


def test_sliver_grid_columns_do_not_double_cells() -> None:
    # Rows that place a boundary a twip apart make a grid column of one twip; no cell is its own.
    document = docx.Document()
    table = document.add_table(rows=2, cols=3)
    grid = table._tbl.tblGrid
    for col, width in zip(grid.iter(grid.gridCol_lst[0].tag), (2000, 1, 2000), strict=True):
        col.set(col.tag.replace("gridCol", "w"), str(width))
    table.cell(0, 0).merge(table.cell(0, 1)).text = "行政复议"
    table.cell(0, 2).text = "行政诉讼"
    table.cell(1, 0).text = "3"
    table.cell(1, 1).merge(table.cell(1, 2)).text = "4"
    assert _grids(_save(document)) == [[["行政复议", "行政诉讼"], ["3", "4"]]]


def _numbered(document: Any) -> None:
    numbering = document.part.numbering_part.element
    numbering.insert(
        0,
        parse_xml(
            f'<w:abstractNum {W_NS} w:abstractNumId="90">'
            '<w:lvl w:ilvl="0"><w:start w:val="1"/><w:numFmt w:val="chineseCounting"/>'
            '<w:lvlText w:val="%1、"/><w:suff w:val="nothing"/></w:lvl>'
            '<w:lvl w:ilvl="1"><w:start w:val="1"/><w:numFmt w:val="chineseCounting"/>'
            '<w:lvlText w:val="（%2）"/><w:suff w:val="nothing"/></w:lvl>'
            '<w:lvl w:ilvl="2"><w:start w:val="1"/><w:numFmt w:val="decimal"/>'
            '<w:lvlText w:val="%3."/></w:lvl></w:abstractNum>'
        ),
    )
    numbering.append(parse_xml(f'<w:num {W_NS} w:numId="90"><w:abstractNumId w:val="90"/></w:num>'))


def _list_paragraph(document: Any, text: str, level: int) -> None:
    para = document.add_paragraph(text)
    para._p.get_or_add_pPr().append(
        parse_xml(f'<w:numPr {W_NS}><w:ilvl w:val="{level}"/><w:numId w:val="90"/></w:numPr>')
    )


def test_word_numbering_is_drawn_as_word_draws_it() -> None:
    document = docx.Document()
    _numbered(document)
    for text, level in (
        ("总体情况", 0),
        ("主动公开", 1),
        ("依申请公开", 1),
        ("属于国家秘密", 2),
        ("主动公开政府信息情况", 0),
        ("规章", 1),
    ):
        _list_paragraph(document, text, level)
    for n in range(10):
        _list_paragraph(document, f"第{n}段", 0)
    lines = _lines(_save(document))
    assert lines[:6] == [
        "一、总体情况",
        "(一)主动公开",
        "(二)依申请公开",
        "1.属于国家秘密",
        "二、主动公开政府信息情况",
        "(一)规章",
    ]
    assert lines[-1] == "十二、第9段"  # 3 + 10 − 1: chineseCounting past ten


def test_only_the_text_word_shows() -> None:
    document = docx.Document()
    para = document.add_paragraph("本年新收申请")
    for xml in (
        "<w:r><w:rPr><w:vanish/></w:rPr><w:t>隐藏</w:t></w:r>",
        '<w:del w:id="1" w:author="a"><w:r><w:delText>99</w:delText></w:r></w:del>',
        '<w:ins w:id="2" w:author="a"><w:r><w:t>12</w:t></w:r></w:ins>',
        "<w:r><w:t>件</w:t><w:tab/><w:t>第</w:t></w:r>",
        '<w:r><w:fldChar w:fldCharType="begin"/></w:r><w:r><w:instrText> PAGE </w:instrText></w:r>',
        '<w:r><w:fldChar w:fldCharType="separate"/></w:r><w:r><w:t>3</w:t></w:r>',
        '<w:r><w:fldChar w:fldCharType="end"/></w:r><w:r><w:br/><w:t>页</w:t></w:r>',
    ):
        for el in parse_xml(f"<w:x {W_NS}>{xml}</w:x>"):
            para._p.append(el)
    assert _lines(_save(document)) == ["本年新收申请12件 第3", "页"]


def test_a_layout_table_framing_the_text_is_walked_into() -> None:
    document = docx.Document()
    frame = document.add_table(rows=1, cols=1).cell(0, 0)
    frame.paragraphs[0].text = "一、总体情况"
    frame.add_paragraph("全年新收申请3件。")
    inner = frame.add_table(rows=2, cols=2)
    texts = ("行政许可", "本年处理决定数量", "行政许可", "7")
    for (r, c), text in zip(((0, 0), (0, 1), (1, 0), (1, 1)), texts, strict=True):
        inner.cell(r, c).text = text
    doc = read_docx(_save(document))
    assert [b.text if isinstance(b, Line) else b.rows for b in doc.blocks] == [
        "一、总体情况",
        "全年新收申请3件。",
        [["行政许可", "本年处理决定数量"], ["行政许可", "7"]],
    ]
    assert all(b.method == ("docx-table" if isinstance(b, Grid) else "docx-text") for b in doc.blocks)
