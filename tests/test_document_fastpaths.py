"""The document layer's batched paths give what the plain per-element and per-line computations give, on every
corpus page: data tables read by the direct cell path against _own_rows/_row_cells/_cell_text/_expand, and the
sink fed a page's text runs at once against one run at a time."""

from __future__ import annotations

from pathlib import Path

import lxml.etree
import pytest

from bench.make_corpus import PORTAL_STYLES, SITES
from bench.parse import build_corpus
from parsers import document
from parsers.normalize import normalize_text
from tests.conftest import REPO_ROOT

Element = lxml.etree._Element


def _pages(seeds: Path) -> list[tuple[str, bytes, str | None]]:
    """Every bench page (all sample regions), a third of the portal pages, every tests/corpus HTML document
    and every seed report."""
    pages = [
        (f"bench {n} {page.label}", page.data, page.content_type)
        for n, page in enumerate(build_corpus(len(SITES), None))
    ]
    pages += [  # a third of the portal pages: Word's markup, a whole page's chrome
        (f"portal {n} {page.label}", page.data, page.content_type)
        for n, page in enumerate(build_corpus(len(SITES), None, PORTAL_STYLES))
        if n % 3 == 0
    ]
    for directory in (REPO_ROOT / "tests" / "corpus", seeds):
        for path in sorted(directory.iterdir()):
            if path.is_file() and not path.name.endswith(".json"):
                pages.append((path.name, path.read_bytes(), None))
    return pages


def _trees(seeds: Path) -> list[tuple[str, Element]]:
    trees = []
    for name, data, content_type in _pages(seeds):
        if document.sniff_type(data, content_type) != "html":
            continue
        text, _ = document.decode_html(data, content_type)
        trees.append((name, document._parse_html(text)))
    return trees


@pytest.fixture(scope="module")
def trees(seeds_dir: Path) -> list[tuple[str, Element]]:
    found = _trees(seeds_dir)
    assert len(found) >= 200
    return found


def _plain_cell_text(cell: Element) -> str:
    """_cell_text without the shortcut for cells holding only their own text."""
    parts: list[str] = []
    document._collect_cell_text(cell, cell, parts)
    return document._WS.sub(" ", "".join(parts)).strip()


def _plain_data_table(table: Element) -> tuple[list[list[str]], list[str]] | None:
    """What a data table is defined as: its own rows' cells, each cell's text read by _cell_text."""
    if table.find(".//table") is not None:
        return None
    row_cells = document._row_cells(document._own_rows(table))
    if sum(len(cells) for cells in row_cells) <= 1:
        return None
    texts = [[_plain_cell_text(cell) for cell in cells] for cells in row_cells]
    longest = max(len(t) for row in texts for t in row)
    if longest > document._PARAGRAPH_CELL_CHARS:
        return None
    if longest > document._LAYOUT_CELL_CHARS and not any(
        document._NUMERIC_CELL.match(t.replace(" ", "")) for row in texts for t in row
    ):
        return None
    return _plain_expand(row_cells, texts)


def _plain_expand(
    row_cells: list[list[Element]], texts: list[list[str]]
) -> tuple[list[list[str]], list[str]]:
    """Span expansion cell by cell, each cell normalised on its own: the reading the one pass of
    document._expand_cells must equal."""
    n_rows = len(row_cells)
    grid: list[dict[int, str]] = [{} for _ in range(n_rows)]  # per row: column -> text
    raw_cells: list[str] = []
    width = 0
    for r, cells in enumerate(row_cells):
        slots = grid[r]
        c = 0
        for cell, raw in zip(cells, texts[r], strict=True):
            while c in slots:
                c += 1
            raw_cells.append(raw)
            text = normalize_text(raw).strip()
            rowspan_attr = cell.get("rowspan")
            colspan_attr = cell.get("colspan")
            if rowspan_attr is None and colspan_attr is None:
                slots[c] = text
                c += 1
            else:
                rowspan = (
                    n_rows - r
                    if rowspan_attr is not None and rowspan_attr.strip() == "0"
                    else document._span(rowspan_attr, n_rows - r)
                )
                colspan = document._span(colspan_attr, 1000)
                for dr in range(rowspan):
                    covered = grid[r + dr]
                    for dc in range(colspan):
                        covered.setdefault(c + dc, text)
                c += colspan
            if c > width:
                width = c
    out: list[list[str]] = []
    for slots in grid:
        row = [slots.get(c, "") for c in range(width)]
        if any(row):
            out.append(row)
    return out, raw_cells


def test_data_tables_read_directly_as_by_the_plain_reading(trees: list[tuple[str, Element]]) -> None:
    grids = 0
    for name, root in trees:
        for table in root.iter("table"):
            fast = document._data_table(table)
            assert fast == _plain_data_table(table), name
            grids += fast is not None
    assert grids >= 150


class _OneByOne(document._LineSink):
    """The sink fed one text run at a time, through `add` and the uncached verdict."""

    def add_markup_texts(self, texts: list[str]) -> None:
        for text in texts:
            self.add(document._markup_verdict(text))


def _read(root: Element, sink: document._LineSink) -> tuple[object, ...]:
    container = document._find_container(root)
    walker = document._HtmlWalker(sink)
    walker.walk(container, top=True)
    walker.finish()
    header = document._header_lines(root, container) if container is not root else []
    return (sink.lines, sink.raw, sink.header, sink.footer_codes, sink.in_footer, sink.body_chars, header)


def test_sink_fed_a_page_at_once_reads_as_one_run_at_a_time(trees: list[tuple[str, Element]]) -> None:
    lines = 0
    for name, root in trees:
        fast = _read(root, document._LineSink())
        assert fast == _read(root, _OneByOne()), name
        lines += len(fast[0])  # type: ignore[arg-type]
    assert lines >= 10000


def _sources(seeds: Path) -> list[tuple[str, str]]:
    out = []
    for name, data, content_type in _pages(seeds):
        if document.sniff_type(data, content_type) == "html":
            out.append((name, document.decode_html(data, content_type)[0]))
    return out


TRICKY_CONTAINERS = [
    # the name spelled by a character reference: the markup does not contain it
    "<div class='TRS&#95;Editor'>{t}</div><div id='zoom'>{t}</div>",
    "<div class='TRS&lowbar;Editor'>{t}</div><div id='zoom'>{t}</div>",
    # two elements with one id; an <a name> that libxml2's ID index also knows; an empty first one
    "<div id='zoom'>{t}</div><div id='zoom'>正文二正文二正文二正文二正文二正文二正文二</div>",
    "<a name='zoom'>锚</a><div id='zoom'>{t}</div>",
    "<div id='zoom'></div><div id='zoom'>{t}</div>",
    # a class on another tag than <div>, in a style sheet, as one of several classes, and empty
    "<style>.TRS_Editor p {{ margin: 0 }}</style><div class='TRS_Editor'>{t}</div>",
    "<td class='TRS_Editor'>{t}</td><div class='TRS_Editor'>{t}</div>",
    "<div class='wrap TRS_Editor'>{t}</div>",
    "<div class='TRS_Editor'> </div><div class='TRS_EditorX'>{t}</div><div class='article'>{t}</div>",
    "<div class='xxgk_content'>{t}</div><div id='zoomcon'>{t}</div>",
    "<div class='nothing'>{t}</div>",
]


def test_container_read_off_the_markup_is_the_searched_one(seeds_dir: Path) -> None:
    body = "本机关全年主动公开政府信息一百二十条，依申请公开十件。"
    sources = [*_sources(seeds_dir), *[
        (f"tricky {n}", f"<html><body>{markup.format(t=body)}</body></html>")
        for n, markup in enumerate(TRICKY_CONTAINERS)
    ]]
    read_off = 0
    for name, text in sources:
        root = document._parse_html(text)
        fast = document._container_by_source(root, text)
        if fast is not None:
            read_off += 1
            assert fast is document._find_container(root), name
    assert read_off >= 200


TRICKY_LINES = [
    "發布時間：2023年1月5日",  # Traditional: t2s changes it, so the lines go line by line
    "本机关资讯公开",  # 资讯 stays in Simplified text; becomes 信息 only in text t2s changed
    "规(guī)范性文件",  # bracketed pinyin after a CJK character
    "（一）主动公开",
    "ＡＢＣ１２３&nbsp;末尾",
    "\u200b零宽字符",
    "回覆",  # a t2s phrase of characters that do not change alone
    "plain ascii 2023",
    "",
]


@pytest.mark.parametrize("start", range(len(TRICKY_LINES)))
def test_lines_normalised_together_as_one_by_one(start: int) -> None:
    from parsers.normalize import _normalize, normalize_lines

    lines = TRICKY_LINES[start:] + TRICKY_LINES[:start]
    for chosen in (lines, [line for line in lines if line != TRICKY_LINES[0]], lines[:2], lines[:1]):
        assert normalize_lines(chosen) == [_normalize(line) for line in chosen]


def test_page_lines_normalised_together_as_one_by_one(trees: list[tuple[str, Element]]) -> None:
    from parsers.normalize import _normalize, normalize_lines

    class Gathering(document._LineSink):
        gathered: list[str]

        def add_markup_texts(self, texts: list[str]) -> None:
            self.gathered.extend(" ".join(text.split()) for text in texts)

    for name, root in trees:
        sink = Gathering()
        sink.gathered = []
        walker = document._HtmlWalker(sink)
        walker.walk(document._find_container(root), top=True)
        walker.finish()
        raws = sink.gathered
        assert normalize_lines(raws) == [_normalize(raw) for raw in raws], name


def test_runs_of_text_are_read_without_walking_them(
    trees: list[tuple[str, Element]], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Word's runs (<span>s) are read in their line's loop: walk() is entered for far fewer elements, and the
    lines are the same (the sink's lines; tests/test_parser_fastpaths.py compares whole parses)."""
    portal = [(name, root) for name, root in trees if name.startswith("portal")]
    assert len(portal) == 70

    calls = 0
    walk = document._HtmlWalker.walk

    def counted(self: document._HtmlWalker, el: Element, top: bool = False) -> None:
        nonlocal calls
        calls += 1
        walk(self, el, top)

    monkeypatch.setattr(document._HtmlWalker, "walk", counted)
    counts = []
    lines = []
    for run_tags in (document._RUN_TAGS, frozenset[str]()):
        monkeypatch.setattr(document, "_RUN_TAGS", run_tags)
        calls = 0
        lines.append([_read(root, document._LineSink())[0] for _, root in portal])
        counts.append(calls)
    assert lines[0] == lines[1]
    assert counts[0] * 3 < counts[1], counts
