"""The fast paths of parsers.sections, parsers.metadata and parsers.divisions against the general computation
they stand for, on every corpus page (the bench generator's pages, tests/corpus, the seed reports) and on
made-up edge texts."""

from __future__ import annotations

import datetime as dt
import random
import re
from pathlib import Path
from typing import NamedTuple

import pytest

from bench.parse import RESOURCE_CACHE_MAX
from parsers import divisions, metadata, sections, template
from parsers.blocks import Block, Grid, Line
from parsers.document import Document, load, sniff_type
from parsers.normalize import label_key
from parsers.readers import READERS
from tests.corpus_pages import corpus_pages

REPO_ROOT = Path(__file__).resolve().parents[1]


class _Page(NamedTuple):
    name: str
    doc: Document


def _documents(seeds: Path) -> list[_Page]:
    raw = [(page.name, page.data, page.inputs["content_type"]) for page in corpus_pages(seeds)]
    pages: list[_Page] = []
    for name, data, content_type in raw:
        reader = {"html": load, "text": load, **READERS}.get(sniff_type(data, content_type))
        if reader is not None:
            pages.append(_Page(name, reader(data, content_type)))
    return pages


@pytest.fixture(scope="module")
def pages(seeds_dir: Path) -> list[_Page]:
    return _documents(seeds_dir)


def _lines(pages: list[_Page]) -> list[str]:
    return list(dict.fromkeys(b.text for p in pages for b in p.doc.blocks if isinstance(b, Line)))


# Texts built from the pieces heading detection turns on: ordinals, wordings, bars, spaces, marks, digits.
_ATOMS = (
    "一、",
    "二、",
    "十一、",
    "第三部分",
    "四 ",
    "1、",
    "１、",
    "12．",
    "(一)",
    "|",
    " | ",
    "  ",
    "\u3000",
    "\t",
    "。",
    "；",
    ":",
    "、",
    ".",
    "．",
    "0",
    "7",
    "2023年",
    "总体情况",
    "主动公开政府信息情况",
    "概述",
    "基本情况",
    "收到和处理政府信息公开申请情况",
    "政府信息公开行政复议、行政诉讼情况",
    "存在的主要问题及改进情况",
    "其他需要报告的事项",
    "其他",
    "收费",
    "复议",
    "诉讼",
    "问题",
    "改进",
    "主动公开政务信息情况",
    "本年新收",
    "政府",
    "信息",
    "公开",
    "申请",
    "数量",
    "情况",
    "样本市",
    "人民政府",
    "办公室",
    "局",
    "年度报告",
)


def _made_up(count: int, seed: int) -> list[str]:
    rng = random.Random(seed)
    return ["".join(rng.choice(_ATOMS) for _ in range(rng.randint(1, 7))) for _ in range(count)]


# ---------------------------------------------------------------------------------------------
# sections: heading candidates, the items of a body, section texts
# ---------------------------------------------------------------------------------------------


def _verdict_general(text: str) -> sections._Pieces | sections.HeadingMatch | None:
    """What _line_verdict stands for, from _line_pieces with no candidate test."""
    line = sections._line_pieces(text)
    if not line.pieces:
        return line if line.joinable else None
    if len(line.pieces) == 1:
        found = line.pieces[0][1]
        if found is not None and found.strength == "exact" and found.heading == text and not found.rest:
            return found
    return line


def test_line_verdicts_agree_with_matching_every_line(pages: list[_Page]) -> None:
    texts = _lines(pages) + _made_up(20000, 1)
    rejected = 0
    for text in texts:
        assert sections._line_verdict(text) == _verdict_general(text), text
        candidate = sections._candidate()
        assert candidate is not None
        rejected += candidate.match(text) is None and not sections._has_inline_ordinal(text)
    assert rejected > len(texts) // 3  # the shortcut is taken


def test_inline_ordinal_gate_agrees_with_the_pattern(pages: list[_Page]) -> None:
    written = re.compile(rf"{sections._CN_ORDINAL}\s*[、.．]")  # the pattern as _CN_ORDINAL writes it
    for text in [*_lines(pages), *_made_up(5000, 2)]:
        found = sections._INLINE_ORDINAL.search(text)
        assert sections._has_inline_ordinal(text) == (found is not None)
        general = written.search(text)
        assert (found and found.span()) == (general and general.span()), text


def test_inline_cuts_agree_with_the_lookbehind_pattern(pages: list[_Page]) -> None:
    made = [
        "总体情况。一、总体情况",
        "说明:二、主动公开政府信息情况",
        "x 三、收到和处理政府信息公开申请情况",
        "十一、其他需要报告的事项",
    ]
    texts = [*_lines(pages), *_made_up(20000, 9), *made, *("|".join(_made_up(4, n)) for n in range(2000))]
    cut = 0
    for text in texts:
        fast = sections._split_inline(text)
        assert fast == sections._split_inline_general(text), text
        cut += len(fast) > 1
    assert cut > 50


def test_items_agree_with_the_line_by_line_path(pages: list[_Page]) -> None:
    def plain(items: sections._Items) -> tuple[object, ...]:
        return (items.blocks, items.matches, items.originals, items.heads, items.joinable)

    for page in pages:
        blocks = page.doc.blocks
        assert plain(sections._items(blocks)) == plain(sections._items_general(blocks)), page.name
    rng = random.Random(3)
    for _ in range(300):
        made: list[Block] = [
            Grid([["a", "1"]]) if rng.random() < 0.05 else Line(rng.choice(_made_up(50, rng.randint(0, 99))))
            for _ in range(rng.randint(0, 30))
        ]
        assert plain(sections._items(made)) == plain(sections._items_general(made))


def test_fuzzy_bound_for_all_wordings_agrees_with_trying_each(pages: list[_Page]) -> None:
    keys: list[str] = []
    for text in _lines(pages):
        stripped = text.strip().strip("|").strip()
        start, _, chinese = sections._numbering(stripped)
        if chinese:
            keys.append(label_key(stripped[start:]).strip(sections._TRAILING_PUNCT))
    rng = random.Random(4)
    for _, wording in sections._wordings():
        for _ in range(40):  # near-misses: characters dropped, swapped or added
            chars = list(wording)
            for _ in range(rng.randint(0, 3)):
                op = rng.random()
                if op < 0.4 and chars:
                    chars.pop(rng.randrange(len(chars)))
                elif op < 0.7:
                    chars.insert(rng.randrange(len(chars) + 1), rng.choice("的和与及等工作|0"))
                elif chars:
                    chars[rng.randrange(len(chars))] = rng.choice("务政信公开情况")
            keys.append("".join(chars))
    matched = 0
    for key in [k for k in keys if k]:
        fast = sections._fuzzy_section(key)
        assert fast == sections._fuzzy_section_general(key), key
        matched += fast is not None
    assert matched > 20


def test_legacy_keyword_search_agrees_with_the_keyword_lists() -> None:
    words = [w for sid in sections._LEGACY_ORDER for w in template.SECTION_BY_ID[sid].legacy_keywords]
    for key in _made_up(5000, 5):
        assert (sections._legacy_keyword().search(key) is not None) == any(w in key for w in words)


def test_section_texts_agree_with_joining_the_cleaned_lines(pages: list[_Page]) -> None:
    def general(blocks: list[Block]) -> str:
        return "\n".join(sections._block_lines(blocks))

    for page in pages:
        split = sections.split(page.doc.blocks)
        for part in [split.preamble, *(s.blocks for s in split.sections.values())]:
            assert sections._text_of(part) == general(part), page.name
    odd: list[Block] = [
        Line("| |"),
        Line("|||"),
        Line(" "),
        Line(""),
        Line("a |\u3000|"),
        Line("\u3000b | |\t"),
        Grid([["", ""], ["", ""]]),
        Grid([["x", ""], ["", ""]]),
        Grid([]),
        Line("c"),
    ]
    rng = random.Random(6)
    for _ in range(500):
        made = [rng.choice(odd) for _ in range(rng.randint(0, 6))]
        assert sections._text_of(made) == general(made)


# ---------------------------------------------------------------------------------------------
# divisions: the name scan
# ---------------------------------------------------------------------------------------------


def test_scan_by_first_character_agrees_with_trying_every_length(pages: list[_Page]) -> None:
    names = list(divisions._table().by_name)
    rng = random.Random(7)
    texts = [metadata.extract_title(p.doc) or "" for p in pages]
    texts += [
        "".join(rng.choice(names) + rng.choice(("", "人民政府", "局", "县", "市")) for _ in range(3))
        for _ in range(2000)
    ]
    texts += ["".join(rng.choice(rng.choice(names)) for _ in range(rng.randint(1, 12))) for _ in range(2000)]
    found = 0
    for text in texts:
        fast = divisions._scan(text)
        assert fast == divisions._scan_general(text), text
        found += bool(fast)
    assert found > 2000


# ---------------------------------------------------------------------------------------------
# metadata: signature lines, the title's sources
# ---------------------------------------------------------------------------------------------


def _tail_general(line: str) -> tuple[int, str | None, dt.date] | None:
    m = metadata._SIGNATURE_TAIL.search(line.rstrip())
    if m is None:
        return None
    date = metadata._date_of_tail(m)
    return None if date is None else (m.start(), m.group(1), date)


def test_signature_tail_agrees_with_searching_every_line(pages: list[_Page]) -> None:
    made = [
        "2023年1月29日",
        "样本市人民政府办公室 2023年1月29日 |",
        "2023-01-29 | |\u3000|",
        "二〇二三年一月二十九日",
        "2023年1月29日。",
        "于2023年1月29日",
        "样本县人民政府 2023.1.29",
        "2023年13月40日",
        "2023年1月29日 x",
        "２０２３年１月２９日",
        "2023/1/2９",
        "|",
        "",
        "   ",
        "局 2023年1月1日|\t",
    ]
    rng = random.Random(10)
    parts = (
        "样本市",
        "人民政府",
        "办公室",
        "局",
        "中心",
        " ",
        "|",
        "于",
        "2023年1月29日",
        "2023-1-2",
        "二〇二三年一月二日",
    )
    made += ["".join(rng.choice(parts) for _ in range(rng.randint(1, 5))) for _ in range(3000)]
    signed = 0
    for line in [*_lines(pages), *made]:
        fast = metadata._signature_tail(line)
        assert fast == _tail_general(line), line
        signed += fast is not None
    assert signed > 100


def _title_general(doc: Document) -> str | None:
    """extract_title as it read every source before choosing."""
    article_title = doc.metas.get("ArticleTitle", "").strip()
    page_title = metadata._strip_site_suffix(doc.title) if doc.title and doc.type == "html" else ""
    line = metadata._first_report_line(doc.blocks) or ""
    candidates = [metadata.clean_title(t) for t in (article_title, page_title, line) if t]
    candidates = [t for t in candidates if t]
    for title in candidates:
        if any(w in title for w in metadata._REPORT_WORDS):
            return title
    if candidates:
        return candidates[0]
    first = next((b.text for b in doc.blocks if isinstance(b, Line) and b.text.strip(" |")), None)
    return metadata.clean_title(first) if first and len(first) <= 80 else None


def test_title_read_lazily_agrees_with_reading_every_source(pages: list[_Page]) -> None:
    for page in pages:
        assert metadata.extract_title(page.doc) == _title_general(page.doc), page.name
    for article, title, first in [
        ("", "", "样本市2023年政府信息公开工作年度报告"),
        ("通知", "样本市政府信息公开工作年度报告 - 样本市", "正文"),
        ("  ", "首页 | 栏目", "本机关2023年工作情况"),
        ("关于印发的通知", "", ""),
    ]:
        metas = {"ArticleTitle": article} if article else {}
        doc = Document([Line(first)] if first else [], first, title or None, metas, "utf-8")
        assert metadata.extract_title(doc) == _title_general(doc)


def test_report_word_search_agrees_with_the_word_list() -> None:
    for text in [*_made_up(3000, 8), "年报", "工作汇报", "年度 报告"]:
        assert (metadata._REPORT_WORD.search(text) is not None) == any(
            w in text for w in metadata._REPORT_WORDS
        )


def test_new_memos_are_emptied_by_the_bench() -> None:
    for memo in (
        sections._line_verdict_cached,
        metadata._signature_tail_cached,
        metadata._is_bare_place_cached,
    ):
        maxsize = memo.cache_info().maxsize
        assert maxsize is None or maxsize > RESOURCE_CACHE_MAX
