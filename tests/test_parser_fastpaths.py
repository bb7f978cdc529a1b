"""The parser's shortcuts (pre-filters, memo caches, one-pass container search) give the answers of the
plain computations they stand in for."""

from __future__ import annotations

import dataclasses
import difflib
import re
import sys
from collections.abc import Iterator, Mapping
from decimal import Decimal
from pathlib import Path
from typing import NamedTuple

import lxml.etree
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from parsers import checks, document, normalize, parse_report, template
from parsers import sections as sections_module
from parsers.blocks import Grid, Line
from parsers.document import from_html, load
from parsers.metadata import find_signature
from parsers.model import Cell, CellSource, ParsedReport
from parsers.normalize import detect_script, label_key
from parsers.sections import (
    _FUZZY_MIN_RATIO,
    _fuzzy_section,
    _patterns,
    _patterns_by_first,
    _wordings,
    match_heading,
    split,
)
from parsers.tables import build, tokens, walk
from tests.corpus_pages import CorpusPage, corpus_pages

WORDINGS = [label_key(w) for spec in template.SECTIONS for w in (spec.heading, *spec.variants)]
HEADING_CHARS = sorted({ch for w in WORDINGS for ch in w})


def _fuzzy_by_difflib(key: str) -> str | None:
    """What the fuzzy match is defined as: the best difflib ratio over every wording, at the threshold."""
    best: tuple[float, str] | None = None
    for sid, wording in _wordings():
        ratio = difflib.SequenceMatcher(None, key, wording).ratio()
        if ratio >= _FUZZY_MIN_RATIO and (best is None or ratio > best[0]):
            best = (ratio, sid)
    return best[1] if best else None


@st.composite
def near_wordings(draw: st.DrawFn) -> str:
    """A wording with a few characters replaced, dropped or added: the typos fuzzy matching is for."""
    chars = list(draw(st.sampled_from(WORDINGS)))
    for _ in range(draw(st.integers(0, 4))):
        op = draw(st.sampled_from(["replace", "drop", "add"]))
        at = draw(st.integers(0, max(0, len(chars) - 1)))
        ch = draw(st.sampled_from([*HEADING_CHARS, "的", "近", "况"]))
        if op == "replace" and chars:
            chars[at] = ch
        elif op == "drop" and len(chars) > 1:
            del chars[at]
        else:
            chars.insert(at, ch)
    return "".join(chars)


@settings(max_examples=150, deadline=None)
@given(near_wordings())
def test_fuzzy_heading_match_skips_only_wordings_difflib_would_reject(key: str) -> None:
    assert _fuzzy_section(key) == _fuzzy_by_difflib(key)


def test_fuzzy_match_of_a_typo_and_of_unrelated_text() -> None:
    assert _fuzzy_section(label_key("存在的主要问题及改近情况")) == "problems"
    assert _fuzzy_section("本年新收政府信息公开申请数量") is None


def test_patterns_grouped_by_first_character_keep_every_pattern_in_order() -> None:
    by_first = _patterns_by_first()
    assert by_first is not None
    regrouped = [entry for group in by_first.values() for entry in group]
    assert sorted(regrouped, key=_patterns().index) == list(_patterns())
    for first, group in by_first.items():
        assert all(pattern.pattern.startswith(first) for _, pattern in group)


def test_heading_matches_are_the_same_from_the_memo_and_for_long_lines() -> None:
    heading = "五、" + template.SECTION_BY_ID["problems"].heading
    short = match_heading(heading + ":本机关存在的问题如下。")
    long = match_heading(heading + ":" + "本机关存在的问题如下。" * 40)  # too long to be memoised
    assert short is not None and long is not None
    assert (short.id, short.heading, short.strength) == ("problems", heading, "exact")
    assert short.rest == "本机关存在的问题如下。"
    assert (long.id, long.heading, long.strength) == ("problems", heading, "exact")
    assert match_heading(heading) is match_heading(heading)  # memoised
    assert match_heading("0") is None and match_heading("自然人") is None


def test_lines_cut_by_sections_keep_where_they_were_read() -> None:
    heading = "一、" + template.SECTION_BY_ID["overview"].heading
    second = Line("全年公开信息100条。", "pdf-text", 4)
    overview = split([Line(f"{heading} 本年度工作平稳。", "pdf-text", 3), second]).sections["overview"]
    assert overview.blocks == [Line("本年度工作平稳。", "pdf-text", 3), second]


# ---------------------------------------------------------------------------------------------
# Document: container search, line walk, tables
# ---------------------------------------------------------------------------------------------

BODY = "本机关全年主动公开政府信息一千二百条、办理申请十件。"


def _page(body: str) -> bytes:
    return f"<html><head><title>t</title></head><body>{body}</body></html>".encode()


def _texts(html: bytes) -> list[str]:
    return [b.text for b in load(html, "text/html; charset=utf-8").blocks if isinstance(b, Line)]


def test_the_first_container_kind_wins_wherever_it_stands() -> None:
    # .article comes first in the page, .TRS_Editor (listed first) later: .TRS_Editor holds the body.
    page = _page(f"<div class='article'><p>导语{BODY}</p></div><div class='TRS_Editor x'><p>{BODY}</p></div>")
    assert _texts(page) == [BODY]


def test_a_container_class_must_be_a_whole_class_and_hold_text() -> None:
    page = _page(
        f"<div class='TRS_Editor2'><p>其他{BODY}</p></div><div id='zoom'><p>短</p></div>"
        f"<div class='main' id='zoom'><p>{BODY}</p></div>"
    )
    assert _texts(page) == [BODY]


def test_text_only_blocks_and_inline_text_between_them_make_lines() -> None:
    page = _page(
        "<div class='TRS_Editor'><p>第一行文字内容</p>\n  <p> </p>尾随文字<span>行内</span>"
        "<p>第二行<b>加粗</b>文字</p><br/>末尾\u3000文字 <!-- 注释 -->续<p>最后一行</p></div>"
    )
    assert _texts(page) == ["第一行文字内容", "尾随文字行内", "第二行加粗文字", "末尾 文字 续", "最后一行"]


def test_expanded_table_covers_rowspan_zero_and_overlapping_spans() -> None:
    page = _page(
        "<div class='TRS_Editor'><p>统计表如下所示，单位为件。</p><table>"
        "<tr><td rowspan='0'>甲</td><td colspan='2'>乙</td><td>1</td></tr>"
        "<tr><td rowspan='2'>丙</td><td>2</td><td colspan='x'>3</td></tr>"
        "<tr><td colspan='3'>丁</td></tr>"
        "</table></div>"
    )
    doc = load(page, "text/html; charset=utf-8")
    grids = [b for b in doc.blocks if isinstance(b, Grid)]
    # 甲 runs to the last row (rowspan 0), 丙 two rows; 丁 fills the three slots right of them.
    assert grids == [
        Grid([["甲", "乙", "乙", "1", ""], ["甲", "丙", "2", "3", ""], ["甲", "丙", "丁", "丁", "丁"]]),
    ]


def test_memoised_line_verdicts_do_not_carry_state_between_documents() -> None:
    footer = "主办单位：样本县人民政府办公室"
    # At the top of a page a footer-like line is a site banner: the body still follows.
    first = from_html(f"<body><div>{footer}</div><div>{BODY}</div></body>")
    # After body text the same line ends the page: nothing after it is body.
    second = from_html(f"<body><div>{BODY}</div><div>{footer}</div><div>页脚之后的文字</div></body>")
    assert [b.text for b in first.blocks if isinstance(b, Line)] == [BODY]
    assert [b.text for b in second.blocks if isinstance(b, Line)] == [BODY]


def test_script_detection_shortcuts() -> None:
    assert detect_script("plain ascii text 2023") == "simplified"
    assert detect_script("本机关全年主动公开政府信息。") == "simplified"
    assert detect_script("本機關全年主動公開政府資訊，辦理申請。") == "traditional"


def test_signature_looks_only_at_the_last_lines_and_the_organ_above() -> None:
    body = ["正文。", "2023年1月1日召开会议。", *["正文继续。"] * 50]
    lines = [*body, "样本县人民政府办公室", "", "2024年1月5日", " | "]
    found = find_signature(lines)
    assert found is not None
    assert (found.line, found.organ, found.date.isoformat()) == (52, "样本县人民政府办公室", "2024-01-05")
    assert find_signature(["2024年1月5日", *["正文继续。"] * 3]) is None


# ---------------------------------------------------------------------------------------------
# Memos and pre-filters against the plain computations, on every corpus page (issue 3's benchmark)
# ---------------------------------------------------------------------------------------------

_WS_REF = re.compile(r"[\s\u00a0\u3000]+")


def _plain_is_chrome(text: str) -> bool:
    """_is_chrome without the character pre-filter."""
    stripped = text.strip(" |")
    if not stripped:
        return False
    if document._BREADCRUMB.match(stripped) and len(stripped) <= 120:
        return True
    if len(stripped) <= 60:
        tokens = [t for t in document._CHROME_TOKEN_SPLIT.split(stripped) if t]
        if tokens and all(t in document._CHROME_TOKENS for t in tokens):
            return True
    return False


_STRING_REF = lxml.etree.XPath("string()")


def _plain_holds_visible_chars(el: lxml.etree._Element, n: int) -> bool:
    """_holds_visible_chars by building the element's whole text."""
    return len(_WS_REF.sub("", str(_STRING_REF(el)))) >= n


def _plain_row_values(cells: Mapping[str, Cell] | None, cols: tuple[str, ...]) -> checks.Values:
    no_row: dict[str, Cell] = {}
    return checks._values((cells or no_row).get(col) for col in cols)


def general_patches() -> list[tuple[object, str, object]]:
    """The memos and shortcuts of the document, normalisation, sections and checks layers, as (module, name,
    the computation it stands for)."""
    return [
        (normalize, "_normalize_cached", normalize._normalize),
        (normalize, "_label_key", normalize._label_key.__wrapped__),
        (normalize, "_translate", lambda s: s.translate(normalize._TRANSLATE)),
        (document, "_line_verdict_cached", document._line_verdict),
        (document, "_collapse_ws_cached", document._collapse_ws),
        (document, "_cell_reading_cached", document._cell_reading),
        (document, "_verdict_slot", lambda text: []),  # no memo: every text run judged afresh
        (document, "normalize_lines", lambda lines: [normalize._normalize(line) for line in lines]),
        (document, "_CHROME_ONLY", re.compile(r"(?s).*")),
        (document, "_is_chrome", _plain_is_chrome),
        (document, "_holds_visible_chars", _plain_holds_visible_chars),
        (document, "_RUN_TAGS", frozenset()),  # runs of text walked like any element
        (tokens, "_text_tokens_cached", tokens._text_tokens),
        (tokens, "_row_tokens_cached", tokens._row_tokens),
        (tokens, "source_of", tokens.source_of.__wrapped__),
        (build, "_cell_memo", lambda source: {}),
        (walk, "_candidates", walk._candidates.__wrapped__),
        (sections_module, "_line_pieces_cached", sections_module._line_pieces),
        (sections_module, "_match_heading_cached", sections_module._match_heading),
        (checks, "_equation_memo", checks._equation_keyed),
        (checks, "_long_sum_memo", checks._long_sum_keyed),
        (checks, "_line_statements_cached", checks._line_statements),
        (checks, "_row_values", _plain_row_values),
        (checks, "_STATEMENTS", tuple(dataclasses.replace(s, word="") for s in checks._STATEMENTS)),
    ]


@pytest.fixture
def general_path(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Every memo and shortcut the parser took for speed replaced by the computation it stands for."""
    for module, name, value in general_patches():
        monkeypatch.setattr(module, name, value)
    yield


Sources = dict[str, dict[str, dict[str, CellSource | None]] | None]


class _Reading(NamedTuple):
    report: ParsedReport
    sources: Sources  # every cell's provenance (not part of Cell equality)
    checks: list[tuple[str, bool | None, str]]


def _read(page: CorpusPage) -> _Reading:
    inputs = page.inputs
    report = parse_report(
        page.data,
        url=inputs.get("url"),
        content_type=inputs.get("content_type"),
        published=inputs.get("published"),
    )
    sources: Sources = {
        table_id: None if table is None else {
            row_id: {col: cell.source for col, cell in row.items()} for row_id, row in table.items()
        }
        for table_id, table in report.tables.items()
    }
    return _Reading(report, sources, [(c.id, c.ok, c.detail) for c in report.checks])


@pytest.fixture(scope="module")
def corpus_reading(seeds_dir: Path) -> list[tuple[CorpusPage, _Reading]]:
    """Every corpus page parsed the fast way (memos warm, as in a crawl)."""
    pages = corpus_pages(seeds_dir)
    assert len(pages) >= 200
    return [(page, _read(page)) for page in pages]


def test_fast_and_general_paths_read_every_corpus_page_alike(
    corpus_reading: list[tuple[CorpusPage, _Reading]], general_path: None
) -> None:
    assert [page.name for page, fast in corpus_reading if _read(page) != fast] == []
    # What is compared holds what it should: tables with cells and sources, passing and failing checks.
    readings = [fast for _, fast in corpus_reading]
    assert sum(1 for r in readings if r.report.tables["requests"] is not None) >= 150
    assert any(r.sources["requests"] for r in readings)
    assert any(ok is False for r in readings for _, ok, _ in r.checks)
    assert any(ok is True for r in readings for _, ok, _ in r.checks)


TRANSLATED_CHARS = [*map(chr, normalize._TRANSLATE), "行", "政", "a", "1", "\n", " "]


@settings(max_examples=300, deadline=None)
@given(st.text(st.sampled_from(TRANSLATED_CHARS), max_size=40))
def test_translation_by_replacement_is_str_translate(text: str) -> None:
    assert normalize._translate(text) == text.translate(normalize._TRANSLATE)


CHROME_CHARS = sorted(
    {ch for t in document._CHROME_TOKENS for ch in t} | set(" |｜:：[]【】()（）,，/·>＞\t")
)


@settings(max_examples=300, deadline=None)
@given(
    st.lists(st.sampled_from(sorted(document._CHROME_TOKENS)), min_size=1, max_size=4),
    st.text(st.sampled_from([*CHROME_CHARS, "年", "报", "1"]), max_size=6),
    st.sampled_from([" ", "|", " | ", "：", "】【"]),
)
def test_chrome_prefilter_rejects_only_lines_the_token_test_rejects(
    words: list[str], noise: str, sep: str
) -> None:
    for text in (sep.join(words), sep.join(words) + noise, noise + sep.join(words), noise):
        assert document._is_chrome(text) == _plain_is_chrome(text), text


WHITESPACE_MIX = ["\u3000", "\u00a0", " ", "\n", "\t", "\u2003", "\u200b", "字", "a"]


def _element_of(pieces: list[str]) -> lxml.etree._Element:
    """A <div> whose text is `pieces` joined: the first as its text, the others as children's texts and tails,
    with a comment and a processing instruction between them (whose content is not text)."""
    root = lxml.etree.Element("div")
    root.text = pieces[0] if pieces else None
    for n, piece in enumerate(pieces[1:]):
        if n % 3 == 0:
            child = lxml.etree.SubElement(root, "span")
            child.text = piece
        else:
            if n % 3 == 1:
                child = lxml.etree.Comment("字字字字字")
            else:
                child = lxml.etree.ProcessingInstruction("pi", "字字")
            root.append(child)
            child.tail = piece
    return root


@settings(max_examples=300, deadline=None)
@given(st.lists(st.text(st.sampled_from(WHITESPACE_MIX), max_size=60), max_size=12))
def test_visible_character_count_and_whitespace_collapse_agree_with_the_pattern(pieces: list[str]) -> None:
    el = _element_of(pieces)
    text = "".join(pieces)
    assert str(_STRING_REF(el)) == text
    for n in (1, 20, 401):
        assert document._holds_visible_chars(el, n) == (len(_WS_REF.sub("", text)) >= n)
    assert " ".join(text.split()) == _WS_REF.sub(" ", text).strip()


def test_visible_characters_past_the_head_of_a_text_count() -> None:
    late = ["\u3000" * 500, "字" * 10, " ", "字" * 9]
    assert not document._holds_visible_chars(_element_of(late), 20)
    assert document._holds_visible_chars(_element_of([*late, "a"]), 20)
    assert document._holds_visible_chars(_element_of(["字" * 20]), 20)
    assert not document._holds_visible_chars(_element_of([" 字" * 19]), 20)


def test_split_and_the_whitespace_pattern_agree_on_every_code_point() -> None:
    pattern = re.compile(r"[\s\u00a0\u3000]")
    codepoints = range(sys.maxunicode + 1)
    assert [cp for cp in codepoints if bool(pattern.fullmatch(chr(cp))) != chr(cp).isspace()] == []


def test_memoised_checks_keep_equal_values_of_other_types_apart() -> None:
    def table(value: int | Decimal) -> dict[str, dict[str, Cell]]:
        return {"review": {c: Cell(value, str(value)) for c in template.REVIEW_COLUMN_IDS}}

    first = checks.review_checks(table(0))[0]
    again = checks.review_checks(table(Decimal("0.0")))[0]
    assert first.detail == "upheld 0 + corrected 0 + other 0 + pending 0 = 0; total 0"
    assert again.detail == "upheld 0.0 + corrected 0.0 + other 0.0 + pending 0.0 = 0.0; total 0.0"
    # A row of another column order, or missing cells, reads by column id.
    shuffled = {"review": {"total": Cell(3, "3"), "upheld": Cell(1, "1"), "pending": Cell(2, "2")}}
    assert checks.review_checks(shuffled)[0].detail == (
        "upheld 1 + corrected blank + other blank + pending 2; total 3"
    )


def test_memoised_cells_keep_the_source_they_were_read_from() -> None:
    shapes = (build.RowShape("r", (template.ColumnSpec("a", "甲"), template.ColumnSpec("b", "乙"))),)
    pdf, html = tokens.source_of("pdf-table", 2, None), tokens.source_of("html-table", None, None)
    runs = {"r": [tokens.Token("value", "7", "", pdf), tokens.Token("value", "7", "", html)]}
    table, warnings = build.build("二", shapes, runs)
    assert warnings == []
    assert [(c.value, c.source) for c in table["r"].values()] == [(7, pdf), (7, html)]
    again, _ = build.build("二", shapes, {"r": list(reversed(runs["r"]))})
    assert [(c.value, c.source) for c in again["r"].values()] == [(7, html), (7, pdf)]
