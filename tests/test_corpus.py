"""The development corpus scores 100%: tests/corpus (the project's own fixtures) and the seed reports.

Every document is scored by `parsers.evaluate` against its expected JSON, field by field and cell by cell;
a failure lists each mismatch (field or cell, expected, got). The fixtures' own properties (GBK bytes,
glued digits, no seed text) are asserted too, so a fixture cannot silently stop testing what it is for.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from bench import make_corpus
from parsers.evaluate import DocumentScore, evaluate, evaluate_document
from tests.conftest import REPO_ROOT

CORPUS = REPO_ROOT / "tests" / "corpus"
EXPECTED_NAMES = sorted(p.stem for p in (CORPUS / "expected").glob("*.json"))
# What each hand-written fixture is for (issue 3's list); tests/corpus/README.md says more.
HAND_WRITTEN = {
    "html2019_blank_total": "2019 HTML table 三 with the official rowspans and a blank 总计 column",
    "html2021_rowspan": "2021 HTML table 三, rowspan 22/8/3/5, <br> in headers, &nbsp; cells, 〇 sign date",
    "traditional": "Traditional page, 政務資訊公開, pinyin annotations 規(guī)範",
    "gbk_nocharset": "GBK page with no charset anywhere",
    "gbk_declared_utf8": "page declaring utf-8, encoded GBK",
    "glued_cells": "text layer with glued cells 640020470 and an ambiguous glued row",
    "flat_cells": "one cell per line",
    "flat_pipes": "| separators and ||| runs",
    "flat_markdown": "Markdown tables",
    "flat_spaces": "space-separated rows, table 四 as one line of 15 numbers",
    "units_2019": "units inside cells, signed change, / as n/a",
    "legacy_2012": "legacy report, headline figures in prose, ○ sign date",
    "jiedu": "a 解读 page (not a report)",
    "notice": "a notice filed in the report column (not a report)",
    "totals_off": "totals that do not add up",
}


def _failure(score: DocumentScore) -> str:
    if score.error is not None:
        return f"{score.name}: {score.error}"
    lines = [score.line(), *(f"  {m.kind} {m.describe()}" for m in score.mismatches)]
    return "\n".join(lines)


def _document(name: str) -> Path:
    found = [p for p in CORPUS.iterdir() if p.is_file() and p.stem == name and not p.name.endswith(".json")]
    assert len(found) == 1, f"{name}: {found}"
    return found[0]


# ---------------------------------------------------------------------------------------------
# The corpus itself
# ---------------------------------------------------------------------------------------------


def test_every_listed_case_has_a_fixture_and_every_fixture_an_expectation() -> None:
    assert set(HAND_WRITTEN) <= set(EXPECTED_NAMES)
    generated = [n for n in EXPECTED_NAMES if n.startswith("gen_")]
    assert len(generated) >= 5
    result = evaluate([CORPUS])
    # Only the corpus README is not a document: nothing in the directory is silently left out.
    assert result.skipped == [CORPUS / "README.md"]
    assert result.problems == []
    assert [d.name for d in result.documents] == EXPECTED_NAMES


def test_generated_fixtures_are_what_make_corpus_writes() -> None:
    stale = make_corpus.stale(make_corpus.build())
    assert stale == [], "run `python bench/make_corpus.py` to rewrite: " + ", ".join(map(str, stale))


def test_gbk_fixtures_are_gbk_bytes_with_the_intended_declarations() -> None:
    for name in make_corpus.GBK_SOURCES:
        data = (CORPUS / f"{name}.html").read_bytes()
        with pytest.raises(UnicodeDecodeError):
            data.decode("utf-8")
        assert "年度报告" in data.decode("gbk")
    assert b"charset" not in (CORPUS / "gbk_nocharset.html").read_bytes().lower()
    assert b'content="text/html; charset=utf-8"' in (CORPUS / "gbk_declared_utf8.html").read_bytes()


def test_the_glued_fixture_has_the_glued_rows_its_expectation_describes() -> None:
    lines = (CORPUS / "glued_cells.txt").read_text(encoding="utf-8").splitlines()
    assert any(line.endswith(" 640020470") for line in lines)
    assert any(line.endswith(" 100010314") for line in lines)


def test_no_fixture_copies_seed_text(seeds_dir: Path) -> None:
    corpus_text = "".join(
        re.sub(r"[\s|]", "", p.read_bytes().decode("utf-8", "replace"))
        for p in [*CORPUS.iterdir(), *(CORPUS / "sources").iterdir()]
        if p.is_file()
    )
    copied = []
    for seed in sorted(seeds_dir.glob("*.txt")):
        for line in seed.read_text(encoding="utf-8").splitlines():
            text = re.sub(r"[\s|]", "", line)
            # Official table labels are shared by every report; prose lines are longer than any of them.
            if len(text) >= 40 and text in corpus_text:
                copied.append(f"{seed.name}: {text[:40]}…")
    assert copied == []


# ---------------------------------------------------------------------------------------------
# The scores
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", EXPECTED_NAMES)
def test_corpus_document_parses_exactly_as_expected(name: str) -> None:
    score = evaluate_document(_document(name), CORPUS / "expected" / f"{name}.json")
    assert score.error is None, _failure(score)
    assert score.fields > 0
    assert score.mismatches == [], _failure(score)
    assert (score.fields_ok, score.cells_ok) == (score.fields, score.cells)


def test_the_corpus_scores_100_percent() -> None:
    result = evaluate([CORPUS])
    failures = "\n".join(_failure(d) for d in result.failing)
    assert result.ok, f"{result.summary()}\n{failures}"
    assert result.fields_ok == result.fields
    assert result.cells_ok == result.cells


def test_the_seed_corpus_scores_100_percent(seeds_dir: Path) -> None:
    result = evaluate([seeds_dir])
    failures = "\n".join(_failure(d) for d in result.failing)
    assert result.ok, f"{result.summary()}\n{failures}"
    assert len(result.documents) == 5
    assert result.skipped == [seeds_dir / "README.md"]
    assert (result.fields_ok, result.cells_ok) == (result.fields, result.cells)
    assert result.cells == 390  # tables of seeds 002 (200 cells) and 003 (190 cells)
