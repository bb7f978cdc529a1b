"""Every direct path of the parser switched off at once reads pages no corpus holds as the parser does with
them on: corpus pages with lines dropped, repeated or swapped, figures changed, blanks and 不适用 marks put in
cells, and the markup cut short. The per-layer equivalence tests (tests/test_*_fastpaths.py) compare each
direct path with its general code on the corpus as it is; this one looks for a case the corpus does not have,
where a direct path would answer what the general code would not. Compared: the full contract, every cell's
source, and every check."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from parsers import checks, divisions, document, metadata, sections
from parsers import report as report_module
from parsers.normalize import _detect_script_converted
from tests.corpus_pages import CorpusPage, corpus_pages
from tests.test_parser_fastpaths import _read, general_patches
from tests.test_sections_metadata_fastpaths import _tail_general, _title_general
from tests.test_tables_fastpaths import clear_label_memos, plain_table_patches

# Every fifth bench page (all layouts and portal styles), every tests/corpus document, every seed.
_BENCH_STEP = 5


def _all_general_patches() -> list[tuple[object, str, object]]:
    return [
        *general_patches(),
        *plain_table_patches(),
        (document, "_container_by_source", lambda root, text: None),
        (checks, "requests_checks", checks.requests_checks_general),
        (checks, "stated_figures", checks.stated_figures_general),
        (sections, "_items", sections._items_general),
        (sections, "_fuzzy_section", sections._fuzzy_section_general),
        (sections, "_split_inline", sections._split_inline_general),
        (sections, "_text_of", lambda blocks: "\n".join(sections._block_lines(blocks))),
        (divisions, "_scan_cached", lambda text: tuple(divisions._scan_general(text))),
        (divisions, "_scan", divisions._scan_general),
        (metadata, "_signature_tail_cached", _tail_general),
        (metadata, "_signature_tail", _tail_general),
        (metadata, "extract_title", _title_general),
        (report_module, "detect_script", _detect_script_converted),
    ]


class _Pages(list[CorpusPage]):
    """The pages, shown by their count in hypothesis's report of a failing example (not by their bytes)."""

    def __repr__(self) -> str:
        return f"<{len(self)} corpus pages>"


@pytest.fixture(scope="module")
def pages(seeds_dir: Path) -> _Pages:
    found = corpus_pages(seeds_dir)
    bench = [p for p in found if p.name.startswith("bench ")]
    chosen = _Pages(bench[::_BENCH_STEP] + [p for p in found if not p.name.startswith("bench ")])
    assert len(chosen) >= 70
    return chosen


# A mutation: (what, where (a fraction of the page's lines or characters), a second fraction).
_KINDS = ("drop", "repeat", "swap", "figure", "blank", "n/a", "cut")
Mutation = tuple[str, float, float]


@st.composite
def mutations(draw: st.DrawFn) -> list[Mutation]:
    fraction = st.floats(0, 1, allow_nan=False, exclude_max=True)
    return draw(st.lists(st.tuples(st.sampled_from(_KINDS), fraction, fraction), min_size=1, max_size=4))


def _digits(text: str) -> list[int]:
    return [n for n, ch in enumerate(text) if ch.isdigit()]


def _mutate(text: str, changes: list[Mutation]) -> str:
    for kind, at, other in changes:
        lines = text.split("\n")
        i, j = int(at * len(lines)), int(other * len(lines))
        if kind == "drop":
            del lines[i]
        elif kind == "repeat":
            lines.insert(i, lines[i])
        elif kind == "swap":
            lines[i], lines[j] = lines[j], lines[i]
        elif kind == "cut":
            text = text[: int(at * len(text))]
            continue
        else:  # a figure changed, emptied or made 不适用
            digits = _digits(text)
            if not digits:
                continue
            pos = digits[int(at * len(digits))]
            new = {"figure": str(int(other * 10)), "blank": "", "n/a": "不适用"}[kind]
            text = text[:pos] + new + text[pos + 1 :]
            continue
        text = "\n".join(lines)
    return text


@pytest.fixture
def general(monkeypatch: pytest.MonkeyPatch) -> Iterator[pytest.MonkeyPatch]:
    """A MonkeyPatch to switch every direct path off inside one example, and back on."""
    yield monkeypatch


@settings(
    max_examples=250,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(st.data())
def test_mutated_pages_read_alike_with_every_direct_path_off(
    pages: _Pages, general: pytest.MonkeyPatch, data: st.DataObject
) -> None:
    page = pages[data.draw(st.integers(0, len(pages) - 1), label="page")]
    changes = data.draw(mutations(), label="changes")
    text, _ = document.decode_html(page.data, page.inputs["content_type"])
    mutated = _mutate(text, changes).encode("utf-8")
    inputs = {**page.inputs, "content_type": None}
    mutated_page = CorpusPage(page.name, mutated, inputs)
    direct = _read(mutated_page)
    with general.context() as patch:
        for module, name, value in _all_general_patches():
            patch.setattr(module, name, value)
        clear_label_memos()
        plain = _read(mutated_page)
    clear_label_memos()
    assert direct == plain, (page.name, changes)


def test_mutations_change_what_is_read(pages: _Pages) -> None:
    """The mutations reach what the parser reads: the page's figures and lines, not only its markup."""
    page = next(p for p in pages if p.name.startswith("bench ") and "html-table" in p.name)
    text, _ = document.decode_html(page.data, page.inputs["content_type"])
    before = _read(CorpusPage(page.name, text.encode("utf-8"), {"content_type": None}))
    after_figure = _read(
        CorpusPage(page.name, _mutate(text, [("figure", 0.5, 0.95)]).encode("utf-8"), {"content_type": None})
    )
    after_na = _read(
        CorpusPage(page.name, _mutate(text, [("n/a", 0.6, 0.0)]).encode("utf-8"), {"content_type": None})
    )
    assert before.report.tables["requests"] is not None
    assert after_figure.report.to_contract() != before.report.to_contract()
    assert after_na.report.to_contract() != before.report.to_contract()
