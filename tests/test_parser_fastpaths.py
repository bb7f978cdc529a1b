"""The parser's shortcuts (pre-filters, memo caches, one-pass container search) give the answers of the
plain computations they stand in for."""

from __future__ import annotations

import difflib

from hypothesis import given, settings
from hypothesis import strategies as st

from parsers import template
from parsers.blocks import Grid, Line
from parsers.document import from_html, load
from parsers.metadata import find_signature
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
