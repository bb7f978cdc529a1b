"""A report reads the same however its portal dresses it: bare markup in a lean page, or pasted from Word
(bench/word_markup.py) inside a whole portal page (bench/portal_page.py), the bench's two corpora."""

from __future__ import annotations

import re
from dataclasses import replace
from typing import Any

import lxml.html
import pytest

from bench.make_corpus import PORTAL_STYLES, SITES, STYLES, PageStyle, synthetic_page
from bench.word_markup import word_pasted
from crawler.sampleportal.generator import (
    SyntheticPage,
    SyntheticReport,
    capacity,
    generate_pages,
    generate_reports,
)
from parsers import parse_report
from parsers.model import ParsedReport


def _reading(report: ParsedReport) -> tuple[dict[str, Any], dict[tuple[str, str, str], str]]:
    """The contract, and every cell's raw text."""
    raws = {
        (table_id, row, col): cell.raw
        for table_id, table in report.tables.items()
        if table
        for row, cols in table.items()
        for col, cell in cols.items()
    }
    return report.to_contract(), raws


def _items(code: str, name: str) -> list[SyntheticReport | SyntheticPage]:
    reports = generate_reports(code, name, capacity(), int(code))
    return [*reports, *generate_pages(reports, 4, int(code))]


@pytest.mark.parametrize(("code", "name", "style_name"), SITES)
def test_every_report_reads_alike_in_every_dress(code: str, name: str, style_name: str) -> None:
    lean = STYLES[style_name]
    dresses: list[PageStyle] = [
        replace(lean, markup="word"),  # Word's markup in the lean page
        replace(lean, chrome="portal"),  # plain markup in the portal page
        replace(PORTAL_STYLES[style_name], markup="word"),  # both
    ]
    items = _items(code, name)
    tables = 0
    for item in items:
        expected = _reading(parse_report(synthetic_page(item, lean), content_type=lean.content_type))
        tables += sum(1 for t in expected[0]["tables"].values() if t)
        for dress in dresses:
            page = synthetic_page(item, dress)
            got = _reading(parse_report(page, content_type=dress.content_type))
            assert got == expected, (item.doc_id, dress)
    assert len(items) == 74
    # Real values were compared: the 48 reports with tables in the page read 3 tables each.
    assert tables == 3 * sum(1 for r in items if isinstance(r, SyntheticReport) and r.layout != "absent")


def test_portal_pages_are_whole_pages_with_word_markup() -> None:
    code, name, _ = SITES[0]
    report = next(r for r in generate_reports(code, name, capacity(), int(code)) if r.layout == "html-table")
    lean = synthetic_page(report, STYLES["trs"])
    portal = synthetic_page(report, PORTAL_STYLES["trs"])
    root = lxml.html.fromstring(portal)
    body = root.find_class("TRS_Editor")[0]
    cells = body.findall(".//td")
    assert len(cells) == len(lxml.html.fromstring(lean).find_class("TRS_Editor")[0].findall(".//td")) > 60
    # every cell holds one Word paragraph of runs; figures are runs of their own
    assert all(len(c) == 1 and c[0].tag == "p" and c[0].get("class") == "MsoNormal" for c in cells)
    assert all(
        span.get("lang") == "EN-US" for span in body.xpath(".//td//span[not(contains(@style,'font'))]")
    )
    assert len(root.findall(".//select/option")) == 2 + 20 + 12  # the footer's site links
    assert len(root.xpath("//div[@class='nav']//a")) == 8 + 30  # columns, sub-columns
    assert len(portal) > 3 * len(lean)
    # GBK portal pages keep plain markup
    gbk = synthetic_page(report, PORTAL_STYLES["gbk"]).decode("gbk")
    assert "MsoNormal" not in gbk and 'class="nav"' in gbk


def test_word_markup_shows_the_same_text() -> None:
    body = (
        '<p style="text-indent:2em;">本年新收申请64件，办结&amp;答复12件。</p>\n'
        '<p style="text-indent:2em;"><strong>一、总体情况</strong></p>\n'
        '<table border="1"><tbody><tr><td rowspan="2">信息内容</td><td colspan="2">数量</td></tr>'
        "<tr><td>3</td><td></td></tr></tbody></table>\n"
        '<p style="text-align:center;"><img src="./W0.png" width="600"/></p>\n'
    )
    pasted = word_pasted(body)
    lines = pasted.splitlines()
    assert lines[0] == (
        '<p class="MsoNormal" style="text-indent:32pt;line-height:28pt;">'
        '<span style="font-family:仿宋_GB2312;font-size:16pt;">本年新收申请</span>'
        '<span lang="EN-US">64</span>'
        '<span style="font-family:仿宋_GB2312;font-size:16pt;">件，办结&amp;答复</span>'
        '<span lang="EN-US">12</span>'
        '<span style="font-family:仿宋_GB2312;font-size:16pt;">件。</span><o:p></o:p></p>'
    )
    assert lines[1].startswith('<p class="MsoNormal" style="text-indent:32pt;line-height:28pt;"><b><span')
    assert lines[3] == '<p style="text-align:center;"><img src="./W0.png" width="600"/></p>'
    assert re.findall(r'<td width="(\d+)"( rowspan="2")?( colspan="2")?', lines[2]) == [
        ("64", ' rowspan="2"', ""),
        ("128", "", ' colspan="2"'),
        ("64", "", ""),
        ("64", "", ""),
    ]
    assert '<span lang="EN-US">&nbsp;</span>' in lines[2]  # a blank cell, as Word writes it

    def shown(markup: str) -> list[str]:
        root = lxml.html.fromstring(f"<div>{markup}</div>")
        lines = [el for el in root.iter("p", "td") if el.tag == "td" or el.getparent() is root]
        return [" ".join(el.text_content().split()) for el in lines]

    assert shown(pasted) == shown(body)
