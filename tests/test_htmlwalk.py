"""The C walks (parsers/_htmlwalk.pyx) hand the sink exactly what the Python walks of parsers/document.py do.

The extension exists only in bench/compile.py's out-of-tree build (cached under var/mypyc; built here when
missing): it is loaded from there by path, beside the checkout's pure-Python `parsers`, whose walks are the
reference. Compared on every page of the corpus — every bench page, tests/corpus, the seed reports, the
first detail pages of each sample-portal site (real page chrome: comments, scripts, widgets, hidden blocks)
— and on hand-made markup for the corners the corpus lacks:

- the body walk from the container and from the page's root (so every chrome element, dropped tag and
  layout table is met): the batches of text runs and the data tables' (rows, raw cells), in order;
- the header walk outside the container; the <meta> map; the <div>s by class; the visible-character count;
- the expansion of rowspan/colspan against both Python expansions.

Cython comes with the dev dependencies: without it the build leaves the extension out and this test fails.
"""

from __future__ import annotations

import importlib.util
from collections.abc import Callable
from pathlib import Path
from types import ModuleType
from typing import Any

import lxml.etree
import pytest

from bench.compile import EXT_SUFFIX, BuildError, build
from bench.make_corpus import SITES
from bench.parse import build_corpus
from parsers import document
from tests.conftest import REPO_ROOT

Element = lxml.etree._Element
SITE_PAGES = 12


@pytest.fixture(scope="module")
def cwalk() -> ModuleType:
    assert not document._C_WALK, "the checkout's parsers must be pure Python (no .so in the working tree)"
    try:
        build_dir = build()
    except BuildError as exc:
        pytest.fail(f"the compiled parser could not be built: {exc}")
    path = build_dir / "parsers" / f"_htmlwalk{EXT_SUFFIX}"
    skipped = (build_dir / "skipped.txt").read_text(encoding="utf-8")
    assert path.is_file(), f"the C walk was not built:\n{skipped}"
    spec = importlib.util.spec_from_file_location("parsers._htmlwalk", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    module.configure(document._BLOCK_TAGS, document._DROP_TAGS, document._CHROME_WIDGET_CHARS)
    return module


def _pages(seeds: Path) -> list[tuple[str, bytes, str | None]]:
    pages = [
        (f"bench {n} {page.label}", page.data, page.content_type)
        for n, page in enumerate(build_corpus(len(SITES), None))
    ]
    for directory in (REPO_ROOT / "tests" / "corpus", seeds):
        for path in sorted(directory.iterdir()):
            if path.is_file() and not path.name.endswith(".json"):
                pages.append((path.name, path.read_bytes(), None))
    from crawler.sampleportal.chrome import PortalRequest
    from crawler.sampleportal.sites import SITE_SPECS, Site

    for spec in SITE_SPECS:
        site = Site(spec, seeds)
        for entry in site.entries()[:SITE_PAGES]:
            response = site.family.handle(site, PortalRequest("GET", site.detail_path(entry.doc_id)))
            if response is not None and response.status == 200 and response.body:
                pages.append((f"site/{spec.code}/{entry.doc_id}", response.body, response.content_type))
    return pages


# Markup the corpus lacks: comments and PIs among text, <br> runs, whitespace-only tails, CDATA, leaf
# elements with attributes, hidden and widget elements (small and large), nested and layout tables, spans
# of every spelling (0, blank, signs, junk, huge), cells with children, script in cells, entities in
# attribute values, namespaced-looking tags, an empty container.
_LONG = "正文" * 300
TRICKY = [
    "<div id=zoom>前<!-- c -->中<?pi x?>后<br>下一行<br/>  <br>\n<p>  </p><p>段</p>  尾</div>",
    "<div id=zoom><p class=x>一</p><p id=nav>导航</p><p style='display: none'>隐</p><p style=''>显</p></div>",
    "<div id=zoom><div class='share'>分享</div><div class='footer'>" + _LONG + "</div>正文</div>",
    "<div id=zoom><p class=''>空类</p><p id=''>空id</p><span class=menu>菜单</span>后"
    "<p style='Display : None'>仍显</p><p style='DISPLAY:NONE;color:red'>隐</p>"
    "<p style='visibility:hidden'>隐</p>"
    "<p style='&#100;isplay:none'>实体</p><p style=\"x:'\u212a'\">开尔文</p></div>",
    "<div id=zoom><table><tr><td>a</td><td>b</td></tr><tr><td rowspan=0>c</td>"
    "<td colspan=' 2 '>d</td></tr><tr><td rowspan='x'>e</td><td colspan=-3>f</td>"
    "<td rowspan=+2 colspan=5000>g</td></tr></table></div>",
    "<div id=zoom><table><tr><td>外<table><tr><td>1</td><td>2</td></tr></table></td></tr></table>尾</div>",
    "<div id=zoom><table><tr><td><b>粗</b> 体<br>行<script>x=1</script>后<!--c-->注</td><td></td></tr>"
    "<tr><th><p>段</p><div>块</div></th><td>\u3000 \u00a0 </td></tr></table></div>",
    "<div id=zoom><table><tr><td>" + "长" * 150 + "</td><td>12</td></tr></table>"
    "<table><tr><td>" + "长" * 301 + "</td><td>12</td></tr></table>"
    "<table><tr><td>独</td></tr></table></div>",
    "<div id=zoom><p title='&amp;'>实体</p><td>孤立单元</td><o:p>词</o:p><nav>导航</nav>"
    "<p><![CDATA[x]]></p><p class='a&#32;share'>分享</p></div>",
    "<div id=zoom></div>",
    "<div id=zoom>\n  \t<p>\u2003</p>\u3000<span> </span>\n</div>",
    "<div id=zoom><ul><li>一</li><li>二<ul><li>三</li></ul></li></ul><dl><dt>甲</dt><dd>乙</dd></dl></div>",
    "<div id=zoom><tr><td>无表行</td><td>二</td></tr><table><caption>表题</caption><thead><tr><th>h1</th>"
    "<th>h2</th></tr></thead><tbody><tr><td>1</td><td>2</td></tr></tbody><tfoot><tr><td>合</td><td>3</td>"
    "</tr></tfoot></table></div>",
]


def _tricky() -> list[tuple[str, bytes, str | None]]:
    out = []
    for n, body in enumerate(TRICKY):
        page = (
            "<html><head><title>题</title><meta name='PubDate' content=' 2024-01-05 '>"
            "<meta property='og:title' content='x'><meta name='PubDate' content='late'><meta name=''>"
            f"</head><body><div class=crumbs>当前位置：首页</div><table><tr><th>发布日期：</th><td>2024-01-05"
            f"</td></tr></table>{body}<div class=foot>版权所有</div></body></html>"
        )
        out.append((f"tricky {n}", page.encode("utf-8"), "text/html; charset=utf-8"))
    return out


@pytest.fixture(scope="module")
def trees(seeds_dir: Path) -> list[tuple[str, Element, str]]:
    out = []
    for name, data, content_type in [*_pages(seeds_dir), *_tricky()]:
        if document.sniff_type(data, content_type) != "html":
            continue
        text, _ = document.decode_html(data, content_type)
        out.append((name, document._parse_html(text), text))
    assert len(out) >= 300
    return out


class _Recorder(document._LineSink):
    """A sink that keeps what the walker hands it, in order."""

    def __init__(self) -> None:
        super().__init__()
        self.batches: list[Any] = []

    def add_markup_texts(self, texts: list[str]) -> None:
        self.batches.append(list(texts))

    def add_grid(self, rows: list[list[str]], raw_cells: list[str]) -> None:
        self.batches.append((rows, raw_cells))


def _python_walk(el: Element) -> list[Any]:
    sink = _Recorder()
    walker = document._HtmlWalker(sink)
    walker.walk(el, top=True)
    walker.finish()
    return sink.batches


def _grid_with(expand: Callable[[list[int], list[Any], list[str]], list[list[str]]]) -> Any:
    """document._grid_from_cells with another expansion."""

    def grid(texts: list[str], sizes: list[int], spans: list[Any]) -> Any:
        found = document._grid_from_cells(texts, sizes, spans)
        if found is not None:
            normalised = [document._cell_reading(text)[1] for text in texts]
            assert found[0] == expand(sizes, spans, normalised)
        return found

    return grid


def test_container_found_as_the_python_search_finds_it(
    cwalk: ModuleType, trees: list[tuple[str, Element, str]]
) -> None:
    from tests.test_document_fastpaths import TRICKY_CONTAINERS

    body = "本机关全年主动公开政府信息一百二十条，依申请公开十件。"
    tricky = [
        (f"tricky container {n}", document._parse_html(f"<html><body>{markup.format(t=body)}</body></html>"))
        for n, markup in enumerate(TRICKY_CONTAINERS)
    ]
    found = 0
    for name, root in [*[(name, root) for name, root, _ in trees], *tricky]:
        want = document._find_container(root)
        got = cwalk.find_container(root, document._CONTAINER_KINDS)
        if got is None:
            body_el = root.find(".//body")
            assert want is (body_el if body_el is not None else root), name
        else:
            assert got is want, name
            found += 1
    assert found >= 250


def test_hidden_style_as_the_python_test(cwalk: ModuleType, trees: list[tuple[str, Element, str]]) -> None:
    styles = {el.get("style") or "" for _, root, _ in trees for el in root.iter() if isinstance(el.tag, str)}
    styles |= {
        "DISPLAY: NONE", "display :none", "Visibility:Hidden", "display:\u00a0none", "display:nonE;",
        "d\u0130splay:none", "visibil\u0130ty:hidden", "\u212aisplay:none", "display:none" * 40, "",
    }
    for style in styles:
        assert cwalk.hidden_style(style) == document._hidden_style(style), style
    assert len(styles) >= 20


def test_cells_read_together_as_one_by_one(cwalk: ModuleType, trees: list[tuple[str, Element, str]]) -> None:
    cells = 0
    for name, root, _ in trees:
        for table in root.iter("table"):
            texts: list[str] = []

            def keep(found: list[str], sizes: list[int], spans: list[Any], into: list[str] = texts) -> None:
                into.extend(found)

            cwalk.walk_body(table, document._attr_verdict, keep)
            assert document._cell_readings(texts) == [document._cell_reading(t) for t in texts], name
            cells += len(texts)
    assert cells >= 20000


def _containers(root: Element, text: str) -> list[Element]:
    container = document._container_by_source(root, text)
    return [el for el in (container, document._find_container(root), root) if el is not None]


def test_body_walk_hands_the_sink_what_the_python_walk_does(
    cwalk: ModuleType, trees: list[tuple[str, Element, str]]
) -> None:
    grids = runs = 0
    for name, root, text in trees:
        for container in _containers(root, text):
            want = _python_walk(container)
            got = cwalk.walk_body(container, document._attr_verdict, _grid_with(cwalk.expand))
            assert got == want, name
            grids += sum(isinstance(b, tuple) for b in got)
            runs += sum(len(b) for b in got if isinstance(b, list))
    assert grids >= 300 and runs >= 20000, (grids, runs)


def test_header_walk_and_metas_as_the_python_ones(
    cwalk: ModuleType, trees: list[tuple[str, Element, str]]
) -> None:
    headers = 0
    for name, root, text in trees:
        assert cwalk.metas(root) == document._metas(root), name
        for container in _containers(root, text):
            sink = _Recorder()
            walker = document._HtmlWalker(sink)
            document._walk_outside(root, container, walker)
            walker.finish()
            got = cwalk.walk_outside(root, container)
            assert ([got] if got else []) == sink.batches, name
            headers += len(got)
    assert headers >= 1000


def test_container_search_helpers_as_the_python_ones(
    cwalk: ModuleType, trees: list[tuple[str, Element, str]]
) -> None:
    checked = 0
    for name, root, _ in trees:
        for _, value in document._BODY_CONTAINERS:
            assert cwalk.class_divs(root, value) == document._class_divs_py(root, value), name
        for el in root.iter():
            if not isinstance(el.tag, str):
                continue
            for n in (1, 20, document._CHROME_WIDGET_CHARS + 1):
                assert cwalk.holds_visible_chars(el, n) == document._holds_visible_chars(el, n), name
            verdict = document._attr_verdict(el.get("class"), el.get("id"), el.get("style"))
            chrome = el.tag in document._DROP_TAGS or verdict == 1 or (
                verdict == 2 and not document._holds_visible_chars(el, document._CHROME_WIDGET_CHARS + 1)
            )
            assert chrome == document._is_chrome_element(el), name
            checked += 1
    assert checked >= 50000


SPANS: list[tuple[str | None, str | None] | None] = [
    None, ("2", None), (None, "3"), ("0", None), (" 0 ", "2"), ("", ""), ("x", "1.5"), ("-1", "+2"),
    ("99", "5000"), ("\u0663", "1_0"), (None, None),
]


@pytest.mark.parametrize("seed", range(40))
def test_expansion_as_the_python_ones(cwalk: ModuleType, seed: int) -> None:
    import random

    rng = random.Random(seed)
    sizes = [rng.randint(0, 5) for _ in range(rng.randint(1, 7))]
    spans = [rng.choice(SPANS) for _ in range(sum(sizes))]
    normalised = [rng.choice(["", "a", "12", "合计"]) for _ in spans]
    want = document._expand_spans(sizes, spans, normalised)
    assert cwalk.expand(sizes, spans, normalised) == want
    # …and _expand, over the elements such spans are read from
    cells = []
    for span in spans:
        attrs = "" if span is None else " ".join(
            f"{key}='{value}'" for key, value in zip(("rowspan", "colspan"), span, strict=True)
            if value is not None
        )
        cells.append(f"<td {attrs}>x</td>")
    rows, at = [], 0
    for size in sizes:
        rows.append("<tr>" + "".join(cells[at : at + size]) + "</tr>")
        at += size
    table = document._parse_html(f"<html><body><table>{''.join(rows)}</table></body></html>")
    row_cells = document._row_cells(document._own_rows(next(table.iter("table"))))
    assert sum(map(len, row_cells)) == len(spans)
    texts = []
    at = 0
    for cells_of_row in row_cells:
        texts.append(normalised[at : at + len(cells_of_row)])
        at += len(cells_of_row)
    assert document._expand(row_cells, texts)[0] == [
        [document.normalize_text(t).strip() for t in row] for row in want
    ]
