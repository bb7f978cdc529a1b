"""The fast paths of parsers.checks and normalize.detect_script against the general computation they stand
for, on every corpus page (the bench generator's pages, tests/corpus, the seed reports)."""

from __future__ import annotations

import sys
from decimal import Decimal
from pathlib import Path

import opencc
import pytest

from parsers import checks, normalize, parse_report, script_chars, template
from parsers.document import load, sniff_type
from parsers.model import Cell, CellSource, Check, ParsedReport
from parsers.readers import READERS
from tests.corpus_pages import CorpusPage, corpus_pages

REPO_ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def pages(seeds_dir: Path) -> list[CorpusPage]:
    return corpus_pages(seeds_dir)


@pytest.fixture(scope="module")
def reports(pages: list[CorpusPage]) -> list[tuple[str, ParsedReport]]:
    return [
        (p.name, parse_report(p.data, **p.inputs))
        for p in pages
    ]


def _plain(found: list[Check]) -> list[tuple[str, bool | None, str]]:
    return [(c.id, c.ok, c.detail) for c in found]


# ---------------------------------------------------------------------------------------------
# detect_script
# ---------------------------------------------------------------------------------------------


def test_detect_script_agrees_with_converting_on_every_page(pages: list[CorpusPage]) -> None:
    seen = 0
    for page in pages:
        doc_type = sniff_type(page.data, page.inputs["content_type"])
        reader = {"html": load, "text": load, **READERS}.get(doc_type)
        if reader is None:
            continue
        raw = reader(page.data, page.inputs["content_type"]).raw_text
        assert normalize.detect_script(raw) == normalize._detect_script_converted(raw), page.name
        seen += 1
    assert seen > 200


def test_the_listed_characters_hold_every_one_t2s_changes_on_its_own() -> None:
    assert opencc.__version__ == script_chars.OPENCC_VERSION  # else detect_script has no fast path
    listed = normalize._t2s_changed()
    assert listed is not None
    bmp = [chr(cp) for cp in range(0x80, 0x10000) if not 0xD800 <= cp < 0xE000 and cp != 10]
    converted = normalize._t2s().convert("\n".join(bmp)).split("\n")
    assert len(converted) == len(bmp)
    missing = [ch for ch, to in zip(bmp, converted, strict=True) if ch != to and not listed.match(ch)]
    assert missing == []


@pytest.mark.parametrize(
    "text",
    [
        "本机关答覆申请人,反覆核实。" * 3,  # characters only t2s's phrases change
        "深沈的沈思,藉此瞭解。",
        "政府信息公开工作年度报告" * 40 + "乾隆" + "答覆",
        "政府資訊公開工作年度報告,本機關收到申請。",  # Traditional
        "政府信息公开" * 100 + "資訊",  # one Traditional word: two changes, far below the share
        "𠀀政府資訊公開",  # beyond the BMP: the general path
        "plain ascii",
        "",
    ],
)
def test_detect_script_agrees_on_edge_texts(text: str) -> None:
    assert normalize.detect_script(text) == normalize._detect_script_converted(text)


# ---------------------------------------------------------------------------------------------
# checks
# ---------------------------------------------------------------------------------------------


def test_request_checks_agree_with_the_general_path_on_every_page(
    reports: list[tuple[str, ParsedReport]],
) -> None:
    read = 0
    for name, report in reports:
        table = report.tables.get("requests")
        if table is None:
            continue
        for fmt in (report.format, "2019", "2021", "unknown"):
            for memo in (checks._balance_memo, checks._results_memo, checks._row_sum_memo):
                memo.cache_clear()  # each page's fast checks computed afresh, not met before
            fast = _plain(checks.requests_checks(table, fmt))
            assert fast == _plain(checks.requests_checks_general(table, fmt)), (name, fmt)
        read += 1
    assert read > 100


def test_grid_path_keeps_decimals_missing_cells_and_column_order_to_the_general_path() -> None:
    fmt = "2021"
    cols = template.REQUEST_COLUMN_IDS
    rows = template.request_rows(fmt)

    def table(value: int | Decimal | str | None) -> dict[str, dict[str, Cell]]:
        return {r.id: {c: Cell(value, str(value)) for c in cols} for r in rows}

    for value in (0, 1, Decimal("1.0"), Decimal("0"), "n/a", None):
        assert checks._plain_rows(table(value), checks._request_grid(fmt).row_ids, cols) is None or (
            type(value) in (int, str, type(None))
        )
        both = (checks.requests_checks(table(value), fmt), checks.requests_checks_general(table(value), fmt))
        assert _plain(both[0]) == _plain(both[1]), value
    shuffled = table(2)
    shuffled["granted"] = dict(reversed(shuffled["granted"].items()))
    del shuffled["carried_over"]["total"]
    general = checks.requests_checks_general(shuffled, fmt)
    assert _plain(checks.requests_checks(shuffled, fmt)) == _plain(general)
    mixed = table(3)
    mixed["new_received"]["natural_person"] = Cell(Decimal("3.0"), "3.0")
    assert _plain(checks.requests_checks(mixed, fmt)) == _plain(checks.requests_checks_general(mixed, fmt))


def test_stated_figures_agree_with_reading_every_line(reports: list[tuple[str, ParsedReport]]) -> None:
    stated = 0
    for name, report in reports:
        texts = list(report.sections.values())
        fast = checks.stated_figures(texts)
        general = checks.stated_figures_general(texts)
        assert fast == general and list(fast) == list(general), name
        stated += bool(fast)
    assert stated > 50


@pytest.mark.parametrize(
    "texts",
    [
        ["本年新收政府信息公开申请12件。", "予以公开5件 | 表", "行政复议2件,行政诉讼1件"],
        ["收到申请3件\n收到申请3件", None, "", "行政诉讼4件\n行政复议1件"],
        ["|行政复议3件", "行政复议3件|", "上年行政复议3件,本年行政复议4件"],
        ["收到\n申请5件"],  # a match never spans a line
    ],
)
def test_stated_figures_agree_on_edge_texts(texts: list[str | None]) -> None:
    fast, general = checks.stated_figures(texts), checks.stated_figures_general(texts)
    assert fast == general and list(fast) == list(general)


def test_ocr_notes_are_told_from_the_distinct_sources() -> None:
    html = CellSource("html-table")
    low = CellSource("ocr", page=1, confidence=0.4, low_confidence=True)
    cols = template.REVIEW_COLUMN_IDS
    table = {"review": {c: Cell(1, "1", html) for c in cols}}
    tables = {"review_litigation": table}
    assert [c.detail for c in checks.run_checks(tables, "2021") if c.ok is False] == [
        "upheld 1 + corrected 1 + other 1 + pending 1 = 4; total 1"
    ]
    table["review"]["pending"] = Cell(1, "1", low)
    noted = [c.detail for c in checks.run_checks(tables, "2021") if c.ok is False]
    assert noted == [
        "upheld 1 + corrected 1 + other 1 + pending 1 = 4; total 1"
        " (table read by OCR; low-confidence cells: review_litigation.review.pending)"
    ]


def test_no_memo_outlives_the_bench_clearing() -> None:
    from bench.parse import RESOURCE_CACHE_MAX

    for memo in (checks._balance_memo, checks._results_memo, checks._row_sum_memo):
        maxsize = memo.cache_info().maxsize
        assert maxsize is None or maxsize > RESOURCE_CACHE_MAX
    assert sys.modules["parsers.checks"] is checks
