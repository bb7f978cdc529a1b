"""The tables layer's shortcuts (memoised walks, rows and cell tokens; the marker search over distinct
keys; the prose-word verdict; places of prose left untokenized, places without values left unsearched;
the stray-blank fit) read every corpus page as the plain computations they stand in for do."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import pytest

import parsers.report as report_module
from parsers import parse_report
from parsers.blocks import Line
from parsers.model import CellSource
from parsers.tables import active, build, read, requests, review, tokens, walk
from parsers.tables.cells import looks_like_value
from parsers.tables.labels import format_markers
from parsers.tables.read import TablesResult, _Place, read_tables
from parsers.tables.tokens import Token
from tests.corpus_pages import corpus_pages

Call = tuple[tuple[Any, ...], dict[str, Any]]


# The candidate keys unmemoised (taken at import: other tests swap walk._candidates itself).
_PLAIN_CANDIDATES = walk._candidates.__wrapped__


def _plain_collect_runs(
    tokens_in: Sequence[Token], find: walk.Finder, finder: str | None = None
) -> dict[str, list[Token]]:
    """The walk as first written: each row's run of value tokens, nothing memoised."""
    walked = _plain_collect_walk(tokens_in, find, finder)
    return {row: [tokens_in[at] for at in run] for row, run in walked.items()}


def _plain_collect_walk(
    tokens_in: Sequence[Token], find: walk.Finder, finder: str | None = None
) -> walk.Walked:
    """The walk as first written, its runs given as positions; nothing memoised."""
    runs: dict[str, list[int]] = {}
    current: str | None = None
    run: list[int] = []
    pieces: tuple[str, ...] = ()

    def close() -> None:
        nonlocal current, run
        if current is not None and run and current not in runs:
            runs[current] = run
        current, run = None, []

    for at, token in enumerate(tokens_in):
        if token.kind == "value":
            pieces = ()
            if current is not None:
                run.append(at)
            continue
        if token.kind == "break":
            pieces = ()
            if run:
                close()
            continue
        if run:
            close()
        if token.is_prose:
            pieces = ()
            continue
        pieces = (*pieces, token.key)[-3:]
        row = find(_PLAIN_CANDIDATES(pieces))
        if row is not None:
            current, run = row, []
    close()
    return runs


def _plain_detect_format(places: Sequence[_Place]) -> str | None:
    keys = [t.key for p in places for t in p.tokens if t.kind == "label" and not t.is_prose]
    for fmt, markers in format_markers():
        if any(marker in key for key in keys for marker in markers):
            return fmt
    return None


def _plain_words(text: str, source: CellSource | None) -> list[Token]:
    out: list[Token] = []
    pending: list[str] = []
    for word in text.split():
        if looks_like_value(word):
            if pending:
                out.append(tokens._label(" ".join(pending), source))
                pending = []
            out.append(tokens._value(word, source))
        else:
            pending.append(word)
    if pending:
        out.append(tokens._label(" ".join(pending), source))
    return out


def plain_table_patches() -> list[tuple[object, str, object]]:
    """Every shortcut of parsers.tables, as (module, name, the computation it stands for)."""
    return [
        *((module, "collect_runs", _plain_collect_runs) for module in (active, requests, review)),
        *((module, "collect_walk", _plain_collect_walk) for module in (active, requests)),
        # Every row is tried against every label.
        (requests, "candidate_rows", lambda table, fmt, key: range(len(requests.request_row_keys(fmt)))),
        (active, "candidate_rows", lambda table, fmt, key: range(len(active.active_row_keys(fmt)))),
        (read, "detect_format", _plain_detect_format),
        (tokens, "_words", _plain_words),
        (tokens, "_text_tokens_cached", tokens._text_tokens),
        (tokens, "_row_tokens_cached", tokens._row_tokens),
        (tokens, "_row_of", lambda cells, source: tokens._row((c, source) for c in cells)),
        (
            build,
            "_read_whole_row",
            lambda name, row_id, columns, run, texts, warnings, memos: build._read_row(
                name, row_id, columns, texts, [t.source for t in run], warnings
            ),
        ),
        (build, "_cell_memo", lambda source: {}),
        (build, "_fresh_cell", build._cell),
        (build, "_stray_blank", lambda texts, n: False),
        (read, "_inert", lambda blocks: False),
        (read, "_searched", list),
    ]


def clear_label_memos() -> None:
    """The label-match memos, which the candidate-row shortcut filled (the plain path must not read them)."""
    requests._matches.cache_clear()
    active._match.cache_clear()


@pytest.fixture
def plain_tables(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Every shortcut of parsers.tables replaced by the computation it stands for."""
    for module, name, value in plain_table_patches():
        monkeypatch.setattr(module, name, value)
    clear_label_memos()
    yield
    clear_label_memos()


Reading = tuple[str | None, dict[str, object], list[str]]


def _as_data(result: TablesResult) -> Reading:
    """Everything read, provenance included (Cell equality leaves the source out)."""
    tables: dict[str, object] = {
        tid: None
        if table is None
        else {
            row_id: {col: (cell.value, cell.raw, cell.source) for col, cell in row.items()}
            for row_id, row in table.items()
        }
        for tid, table in result.tables.items()
    }
    return result.format, tables, result.warnings


@pytest.fixture(scope="module")
def table_calls(seeds_dir: Path) -> list[tuple[str, Call]]:
    """read_tables' arguments for every corpus page (bench pages, tests/corpus, the seeds)."""
    calls: list[tuple[str, Call]] = []
    original = getattr(report_module, "read_tables")  # noqa: B009 - not re-exported there

    def capture(*args: Any, **kwargs: Any) -> TablesResult:
        calls.append((name, (args, kwargs)))
        result: TablesResult = original(*args, **kwargs)
        return result

    patch = pytest.MonkeyPatch()
    patch.setattr(report_module, "read_tables", capture)
    try:
        for page in corpus_pages(seeds_dir):
            name = page.name
            inputs = page.inputs
            parse_report(
                page.data,
                url=inputs.get("url"),
                content_type=inputs.get("content_type"),
                published=inputs.get("published"),
            )
    finally:
        patch.undo()
    assert len(calls) >= 200
    return calls


@pytest.fixture(scope="module")
def fast_readings(table_calls: list[tuple[str, Call]]) -> list[Reading]:
    """The fast path, memos warm across pages as in a crawl."""
    return [_as_data(read_tables(*args, **kwargs)) for _, (args, kwargs) in table_calls]


def test_tables_fast_and_plain_paths_read_every_corpus_page_alike(
    table_calls: list[tuple[str, Call]], fast_readings: list[Reading], plain_tables: None
) -> None:
    plain = [_as_data(read_tables(*args, **kwargs)) for _, (args, kwargs) in table_calls]
    assert [name for (name, _), f, p in zip(table_calls, fast_readings, plain, strict=True) if f != p] == []
    # What is compared holds what it should: tables read, with sources, and warnings.
    assert sum(1 for f in fast_readings if f[1]["requests"] is not None) >= 150
    assert any(f[2] for f in fast_readings)


def test_memoised_walk_is_the_walk() -> None:
    """The same skeleton with other figures reuses the walk: its runs hold the new stream's tokens."""
    source = tokens.source_of("text", None, None)
    stream = tokens.tokenize([])
    for text in ("规章 | 1 | 2 | 3", "规范性文件 | 4 | 5 | 6"):
        stream.extend(tokens._text_tokens(text, "text", None, None))
    other = [t if t.kind != "value" else tokens._value(str(int(t.text) * 7), source) for t in stream]
    for tokens_in in (stream, other, stream):
        assert active.find_runs(tokens_in, "2021") == _plain_collect_runs(
            tokens_in, lambda c: next((r for x in c if (r := active._match("2021", x))), None)
        )
    runs = active.find_runs(other, "2021")
    assert [t.text for run in runs.values() for t in run] == ["7", "14", "21", "28", "35", "42"]


def test_direct_paths_are_taken_on_generated_pages(
    table_calls: list[tuple[str, Call]], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The shortcuts are live on the bench's pages: prose sections are not tokenized (html-table and
    pipe pages alike), places without values are not searched, flattened rows closed by `||` take the
    stray-blank fit, and labels are matched against few rows. A shortcut
    that silently stopped applying would fail here."""
    taken: dict[str, int] = {"inert": 0, "skipped": 0, "strays": 0, "tried": 0, "rows": 0}
    inert, searched, stray_blank = read._inert, read._searched, build._stray_blank
    candidates = requests.candidate_rows

    def count_inert(blocks: Sequence[Any]) -> bool:
        result = inert(blocks)
        taken["inert"] += result
        return result

    def count_searched(places: Sequence[_Place]) -> list[_Place]:
        result = searched(places)
        taken["skipped"] += len(places) - len(result)
        return result

    def count_strays(texts: list[str], n: int) -> bool:
        result = stray_blank(texts, n)
        taken["strays"] += result
        return result

    def count_candidates(table: str, fmt: str, key: str) -> list[int]:
        result = candidates(table, fmt, key)
        taken["tried"] += len(result)
        taken["rows"] += len(requests.request_row_keys(fmt))
        return result

    monkeypatch.setattr(read, "_inert", count_inert)
    monkeypatch.setattr(read, "_searched", count_searched)
    monkeypatch.setattr(build, "_stray_blank", count_strays)
    monkeypatch.setattr(requests, "candidate_rows", count_candidates)
    for layout in ("html-table", "text-pipe", "text-cells"):
        pages = [args for name, args in table_calls if name.endswith(layout)]
        assert len(pages) >= 10, layout
        taken.update(dict.fromkeys(taken, 0))
        requests._matches.cache_clear()
        walk._runs_memo.cache_clear()
        for args, kwargs in pages:
            read_tables(*args, **kwargs)
        # Every page has prose sections (一, 五, 六 at least) and a title line without values.
        if layout != "text-cells":
            assert taken["inert"] >= 3 * len(pages), (layout, taken)
        assert taken["skipped"] >= 4 * len(pages), (layout, taken)
        if layout == "text-pipe":  # every row of table 三 ends in `||`
            assert taken["strays"] >= 20 * len(pages), (layout, taken)
        assert 0 < taken["tried"] * 5 < taken["rows"], (layout, taken)


def test_candidate_rows_hold_every_row_a_label_matches(table_calls: list[tuple[str, Call]]) -> None:
    """Every label key of the corpus (and of the template, numbered or not, cut or with a note) matches
    the same rows tried against all rows as against its candidate rows only."""
    from parsers.tables.labels import (
        active_row_keys,
        candidate_rows,
        core,
        match,
        request_row_keys,
        strip_groups,
    )

    keys: set[str] = set()
    for _, (args, _kwargs) in table_calls:
        for place in read._places(args[0]):
            keys.update(t.key for t in place.tokens if t.kind == "label")
    for fmt in ("2021", "2019"):
        for row in (*request_row_keys(fmt), *active_row_keys(fmt)):
            for key in row.keys:
                keys.update({key, core(key), core(key)[:7], core(key) + "(注)", "1." + core(key), key[1:]})
    for fmt in ("2021", "2019"):
        for table, rows in (("requests", request_row_keys(fmt)), ("active", active_row_keys(fmt))):
            for key in keys:
                for probe in (key, strip_groups(key)):
                    every = [i for i, row in enumerate(rows) if match(probe, row) is not None]
                    assert [i for i in candidate_rows(table, fmt, probe) if match(probe, rows[i])] == every


def test_inert_lines_tokenize_to_prose_only() -> None:
    """What _inert takes for prose is prose to the tokenizer: no token it skips could be read."""
    lines = [
        "本年度共收到申请12件。",
        "第一句。 第二句。\n第三句。",
        "数字 12 件。",  # a value word: not inert
        "表头 | 12 |。",  # cells: not inert
        "标题没有句号",  # a label that is not prose: not inert
    ]
    for text in lines:
        block = [Line(text)]
        if read._inert(block):
            assert all(t.kind == "label" and t.is_prose for t in tokens.tokenize(block)), text
    assert [read._inert([Line(t)]) for t in lines] == [True, True, False, False, False]


def test_fresh_cells_of_digits_are_parsed_cells() -> None:
    """A count of ASCII digits read directly is the Cell parse_cell reads (leading zeros, long runs)."""
    source = tokens.source_of("text", None, None)
    texts = [str(n) for n in range(0, 3000, 7)] + ["007", "0", "00", "1" * 40, "١٢", "12a", "-3", "1.5", ""]
    for text in texts:
        for kind in ("int", "decimal", "signed", "text"):
            fresh = build._fresh_cell(text, kind, source)
            plain = build._cell(text, kind, source)
            assert (fresh.value, fresh.raw, fresh.source) == (plain.value, plain.raw, plain.source), (
                text,
                kind,
            )
            assert type(fresh.value) is type(plain.value)
