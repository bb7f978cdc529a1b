"""parsers.evaluate on tiny hand-made expected/parsed pairs: every mismatch is counted and reported exactly.

The corpus directories are written into tmp_path; `parse_report` is replaced by a stub returning a report
built here, so these tests check the evaluator's bookkeeping, not the parser.
"""

from __future__ import annotations

import copy
import datetime as dt
import json
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

import parsers.report
from parsers.evaluate import (
    DocumentScore,
    EvaluationResult,
    ExpectationError,
    Mismatch,
    compare,
    evaluate,
    main,
)
from parsers.model import Cell, Check, ParsedReport, RegionRef, Table

REVIEW_VALUES = {"upheld": 1, "corrected": 0, "other": 0, "pending": 1, "total": 2}


def _review_table(values: dict[str, Any] | None = None) -> Table:
    values = values or REVIEW_VALUES
    return {"review": {col: Cell(v, "" if v is None else str(v)) for col, v in values.items()}}


def _report(**changes: Any) -> ParsedReport:
    report = ParsedReport(
        title="样本县2021年政府信息公开工作年度报告",
        organ="样本县人民政府",
        region=RegionRef("样本县", "990102"),
        year=2021,
        publish_date=dt.date(2022, 1, 20),
        sign_date=dt.date(2022, 1, 18),
        format="2021",
        script="simplified",
        sections={
            "overview": "全年主动公开政府信息。",
            "active_disclosure": "",
            "requests": "",
            "review_litigation": "表",
            "problems": "不足。",
            "other": None,
        },
        tables={"active_disclosure": None, "requests": None, "review_litigation": _review_table()},
        checks=[Check("review_litigation.sum.review", True, "1 + 0 + 0 + 1 = 2; total 2")],
    )
    for key, value in changes.items():
        setattr(report, key, value)
    return report


EXPECTED: dict[str, Any] = {
    "title": "样本县2021年政府信息公开工作年度报告",
    "region": {"name": "样本县", "code": "990102"},
    "year": 2021,
    "publish_date": "2022-01-20",
    "sign_date": "2022-01-18",
    "format": "2021",
    "script": "simplified",
    "sections_present": ["overview", "review_litigation", "problems"],
    "sections_empty": ["active_disclosure", "requests"],
    "tables": {
        "active_disclosure": None,
        "requests": None,
        "review_litigation": {"review": dict(REVIEW_VALUES)},
    },
}


def _expected(**changes: Any) -> dict[str, Any]:
    out = copy.deepcopy(EXPECTED)
    out.update(changes)
    return out


# ---------------------------------------------------------------------------------------------
# compare(): one expectation, one parse
# ---------------------------------------------------------------------------------------------


def test_a_matching_parse_scores_every_field_and_cell() -> None:
    score = compare(EXPECTED, _report(), "doc")
    assert (score.fields, score.fields_ok, score.cells, score.cells_ok) == (10, 10, 5, 5)
    assert score.mismatches == []
    assert score.ok


def test_a_wrong_field_is_counted_once_and_named() -> None:
    score = compare(EXPECTED, _report(region=RegionRef("样本县", "990101"), year=2020), "doc")
    assert (score.fields, score.fields_ok) == (10, 8)
    assert score.mismatches == [
        Mismatch("field", "region.code", "990102", "990101"),
        Mismatch("field", "year", 2021, 2020),
    ]
    assert not score.ok
    assert score.mismatches[0].describe() == 'region.code: expected "990102", got "990101"'


def test_dates_compare_as_iso_strings_and_null() -> None:
    score = compare(EXPECTED, _report(publish_date=None, sign_date=dt.date(2022, 1, 19)), "doc")
    assert score.mismatches == [
        Mismatch("field", "publish_date", "2022-01-20", None),
        Mismatch("field", "sign_date", "2022-01-18", "2022-01-19"),
    ]


def test_sections_present_and_empty_ignore_the_order_written() -> None:
    expected = _expected(sections_present=["problems", "overview", "review_litigation"])
    assert compare(expected, _report(), "doc").ok
    report = _report()
    report.sections = {**report.sections, "requests": None}  # heading absent, not empty
    score = compare(EXPECTED, report, "doc")
    assert score.mismatches == [
        Mismatch("field", "sections_empty", ["active_disclosure", "requests"], ["active_disclosure"])
    ]


def test_an_int_and_an_equal_decimal_agree_but_blank_zero_and_na_stay_distinct() -> None:
    parsed = _review_table(
        {"upheld": Decimal("1"), "corrected": None, "other": "n/a", "pending": 0, "total": Decimal("2.0")}
    )
    expected = _expected(
        tables={
            "active_disclosure": None,
            "requests": None,
            "review_litigation": {
                "review": {"upheld": 1, "corrected": 0, "other": None, "pending": None, "total": 2}
            },
        }
    )
    score = compare(expected, _report(tables={**_report().tables, "review_litigation": parsed}), "doc")
    assert (score.cells, score.cells_ok) == (5, 2)
    assert score.mismatches == [
        Mismatch("cell", "review_litigation.review.corrected", 0, None),
        Mismatch("cell", "review_litigation.review.other", None, "n/a"),
        Mismatch("cell", "review_litigation.review.pending", None, 0),
    ]


def test_a_bool_is_never_the_number_one() -> None:
    parsed = _review_table({**REVIEW_VALUES, "upheld": True})
    score = compare(EXPECTED, _report(tables={**_report().tables, "review_litigation": parsed}), "doc")
    assert score.mismatches == [Mismatch("cell", "review_litigation.review.upheld", 1, True)]


def test_a_table_expected_null_but_parsed_counts_every_parsed_cell_wrong() -> None:
    expected = _expected(tables={"active_disclosure": None, "requests": None, "review_litigation": None})
    score = compare(expected, _report(), "doc")
    assert (score.cells, score.cells_ok) == (5, 0)
    assert [m.key for m in score.mismatches] == [f"review_litigation.review.{c}" for c in REVIEW_VALUES]
    assert {m.expected for m in score.mismatches} == {"<no such cell>"}


def test_a_table_expected_but_not_found_counts_every_expected_cell_wrong() -> None:
    score = compare(EXPECTED, _report(tables={**_report().tables, "review_litigation": None}), "doc")
    assert (score.cells, score.cells_ok) == (5, 0)
    assert [(m.key, m.got) for m in score.mismatches] == [
        (f"review_litigation.review.{c}", "<missing>") for c in REVIEW_VALUES
    ]


def test_missing_and_extra_cells_each_count_once() -> None:
    parsed = _review_table({"upheld": 1, "corrected": 0, "other": 0, "pending": 1, "surplus": 7})
    score = compare(EXPECTED, _report(tables={**_report().tables, "review_litigation": parsed}), "doc")
    assert (score.cells, score.cells_ok) == (6, 4)
    assert score.mismatches == [
        Mismatch("cell", "review_litigation.review.total", 2, "<missing>"),
        Mismatch("cell", "review_litigation.review.surplus", "<no such cell>", 7),
    ]


def test_optional_fields_are_compared_only_when_stated() -> None:
    report = _report(organ="样本县政府", kind="not_report")
    assert compare(EXPECTED, report, "doc").ok
    score = compare(_expected(organ="样本县人民政府", kind="report"), report, "doc")
    assert score.fields == 12
    assert [m.key for m in score.mismatches] == ["organ", "kind"]


def test_checks_failing_compares_the_set_of_failing_check_ids() -> None:
    checks = [
        Check("requests.balance.total", False, "a"),
        Check("requests.balance.natural_person", None, "b"),
        Check("review_litigation.sum.review", True, "c"),
        Check("narrative.new_received", False, "d"),
    ]
    report = _report(checks=checks)
    ok = compare(_expected(checks_failing=["requests.balance.total", "narrative.new_received"]), report)
    assert ok.ok and ok.fields == 11
    wrong = compare(_expected(checks_failing=["requests.balance.total"]), report)
    assert wrong.mismatches == [
        Mismatch(
            "field",
            "checks_failing",
            ["requests.balance.total"],
            ["narrative.new_received", "requests.balance.total"],
        )
    ]


def test_legacy_figures_read_the_value_of_each_figure() -> None:
    legacy = {"figures": {"requests_received": {"value": 126, "unit": "件", "source": "共受理申请126件"}}}
    expected = _expected(legacy_figures={"requests_received": 126, "reviews": 2})
    score = compare(expected, _report(legacy=legacy), "doc")
    assert score.mismatches == [Mismatch("field", "legacy.reviews", 2, None)]
    assert (score.fields, score.fields_ok) == (12, 11)


def test_a_not_report_expectation_needs_only_kind_title_and_tables() -> None:
    expected = {
        "kind": "not_report",
        "title": "样本县2021年政府信息公开工作年度报告",
        "publish_date": "2022-01-20",
        "tables": {"active_disclosure": None, "requests": None, "review_litigation": None},
    }
    score = compare(expected, _report(kind="not_report"), "doc")
    assert (score.fields, score.fields_ok) == (3, 3)
    assert (score.cells, score.cells_ok) == (5, 0)  # the parsed table 四 is wrong on a non-report


@pytest.mark.parametrize(
    ("expected", "message"),
    [
        ({k: v for k, v in EXPECTED.items() if k != "sign_date"}, "expected JSON lacks sign_date"),
        (_expected(region={"name": "样本县"}), "region must be an object with name and code"),
        (
            _expected(sections_present=["overview", "summary"]),
            "sections_present names unknown sections: summary",
        ),
        (_expected(tables={"requests": None, "appendix": None}), "tables names unknown tables: appendix"),
        (_expected(tables={"requests": None}), "tables lacks active_disclosure, review_litigation"),
        (_expected(checks_failing="requests.balance.total"), "checks_failing must be a list of check ids"),
        ({**EXPECTED, "kind": "not_report", "tables": None}, "tables must be an object"),
    ],
)
def test_a_malformed_expectation_is_an_error_not_a_score(expected: dict[str, Any], message: str) -> None:
    with pytest.raises(ExpectationError) as info:
        compare(expected, _report())
    assert str(info.value) == message


# ---------------------------------------------------------------------------------------------
# evaluate(): corpus directories
# ---------------------------------------------------------------------------------------------


class _Stub:
    """Stands in for parse_report: returns a prepared report and records the inputs it was given."""

    def __init__(self, report: ParsedReport):
        self.report = report
        self.calls: list[dict[str, Any]] = []

    def __call__(self, data: bytes, **inputs: Any) -> ParsedReport:
        self.calls.append({"data": data, **inputs})
        return copy.deepcopy(self.report)


@pytest.fixture
def stub(monkeypatch: pytest.MonkeyPatch) -> _Stub:
    fake = _Stub(_report())
    monkeypatch.setattr(parsers.report, "parse_report", fake)
    return fake


def _corpus(
    root: Path, docs: dict[str, dict[str, Any] | None], extra: dict[str, bytes] | None = None
) -> Path:
    """docs: NAME.ext -> expected JSON (None: a document without one)."""
    (root / "expected").mkdir(parents=True)
    for filename, expected in docs.items():
        (root / filename).write_bytes(f"<p>{filename}</p>".encode())
        if expected is not None:
            stem = filename.rsplit(".", 1)[0]
            (root / "expected" / f"{stem}.json").write_text(json.dumps(expected, ensure_ascii=False), "utf-8")
    for filename, data in (extra or {}).items():
        (root / filename).write_bytes(data)
    return root


def test_evaluate_sums_documents_and_reports_mismatches(tmp_path: Path, stub: _Stub) -> None:
    corpus = _corpus(tmp_path, {"a.html": EXPECTED, "b.txt": _expected(year=2019), "README.md": None})
    result = evaluate([corpus])
    assert [d.name for d in result.documents] == ["a", "b"]
    assert (result.fields, result.fields_ok, result.cells, result.cells_ok) == (20, 19, 10, 10)
    assert result.mismatches() == [("b", Mismatch("field", "year", 2019, 2021))]
    assert result.skipped == [corpus / "README.md"]
    assert not result.ok
    assert result.summary() == "fields 19/20 (95.00%)  cells 10/10 (100.00%)  documents 2"
    assert [call["data"] for call in stub.calls] == [b"<p>a.html</p>", b"<p>b.txt</p>"]


def test_parse_inputs_come_from_the_expectation_and_the_meta_file(tmp_path: Path, stub: _Stub) -> None:
    expected = _expected(url="http://127.0.0.1/a.html", content_type="text/html")
    meta = json.dumps({"published": "2022-01-20", "content_type": "text/html; charset=gbk"}).encode()
    corpus = _corpus(tmp_path, {"a.html": expected}, extra={"a.meta.json": meta})
    result = evaluate([corpus])
    assert result.ok
    assert result.skipped == []  # a meta file is not a document
    assert stub.calls[0]["url"] == "http://127.0.0.1/a.html"
    assert stub.calls[0]["content_type"] == "text/html; charset=gbk"  # the meta file wins
    assert stub.calls[0]["published"] == "2022-01-20"


def test_an_expectation_without_its_document_is_an_error(tmp_path: Path, stub: _Stub) -> None:
    corpus = _corpus(tmp_path, {"a.html": EXPECTED})
    (corpus / "expected" / "ghost.json").write_text(json.dumps(EXPECTED), "utf-8")
    result = evaluate([corpus])
    ghost = result.documents[1]
    assert ghost.name == "ghost"
    assert ghost.error == f"no document named ghost.* in {corpus} for ghost.json"
    assert result.errors == [ghost]
    assert not result.ok
    assert result.summary().endswith("documents 2  errors 1")


def test_two_documents_for_one_expectation_is_an_error(tmp_path: Path, stub: _Stub) -> None:
    corpus = _corpus(tmp_path, {"a.html": EXPECTED}, extra={"a.txt": b"x"})
    result = evaluate([corpus])
    assert result.documents[0].error == f"2 documents named a.* in {corpus} for a.json"
    assert stub.calls == []


def test_broken_json_and_bad_meta_are_errors(tmp_path: Path, stub: _Stub) -> None:
    corpus = _corpus(
        tmp_path, {"a.html": EXPECTED, "b.html": EXPECTED}, extra={"b.meta.json": b'{"pubished": "x"}'}
    )
    (corpus / "expected" / "a.json").write_text("{not json", "utf-8")
    result = evaluate([corpus])
    assert result.documents[0].error is not None and result.documents[0].error.startswith(
        "cannot read a.json"
    )
    assert result.documents[1].error == "b.meta.json has unknown keys: pubished"


def test_missing_directories_and_empty_corpora_fail(tmp_path: Path, stub: _Stub) -> None:
    (tmp_path / "empty" / "expected").mkdir(parents=True)
    (tmp_path / "plain").mkdir()
    result = evaluate([tmp_path / "nowhere", tmp_path / "empty", tmp_path / "plain"])
    assert result.problems == [
        f"{tmp_path / 'nowhere'}: no such file or directory",
        f"{tmp_path / 'empty' / 'expected'}: no expected JSON files",
        f"{tmp_path / 'plain'}: no expected/ directory",
    ]
    assert not result.ok
    assert not EvaluationResult().ok  # nothing evaluated is not a pass


def test_a_single_document_path_uses_the_expectation_beside_it(tmp_path: Path, stub: _Stub) -> None:
    corpus = _corpus(tmp_path, {"a.html": EXPECTED, "b.html": _expected(year=1999)})
    result = evaluate([corpus / "a.html"])
    assert [d.name for d in result.documents] == ["a"]
    assert result.ok


def test_main_prints_lines_and_exits_non_zero_on_a_mismatch(
    tmp_path: Path, stub: _Stub, capsys: pytest.CaptureFixture[str]
) -> None:
    corpus = _corpus(tmp_path, {"a.html": EXPECTED, "b.html": _expected(format="2019")})
    assert main([str(corpus)]) == 1
    out = capsys.readouterr().out.splitlines()
    assert out == [
        "OK   a  fields 10/10  cells 5/5",
        "FAIL b  fields 9/10  cells 5/5",
        '    field format: expected "2019", got "2021"',
        "fields 19/20 (95.00%)  cells 10/10 (100.00%)  documents 2",
    ]
    assert main([str(corpus / "a.html")]) == 0


def test_main_json_output(tmp_path: Path, stub: _Stub, capsys: pytest.CaptureFixture[str]) -> None:
    corpus = _corpus(tmp_path, {"a.html": _expected(year=2020)})
    assert main([str(corpus), "--json"]) == 1
    data = json.loads(capsys.readouterr().out)
    assert (data["ok"], data["fields"], data["fields_ok"], data["cells"], data["cells_ok"]) == (
        False,
        10,
        9,
        5,
        5,
    )
    assert data["documents"][0]["mismatches"] == [
        {"kind": "field", "key": "year", "expected": 2020, "got": 2021}
    ]


def test_a_document_score_line_shows_its_error() -> None:
    score = DocumentScore("x", error="no document named x.* in d for x.json")
    assert score.line() == "ERR  x: no document named x.* in d for x.json"
    assert not score.ok


def test_a_parser_that_raises_fails_that_document_only(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(data: bytes, **inputs: Any) -> ParsedReport:
        if b"b.html" in data:
            raise RuntimeError("boom")
        return _report()

    monkeypatch.setattr(parsers.report, "parse_report", broken)
    result = evaluate([_corpus(tmp_path, {"a.html": EXPECTED, "b.html": EXPECTED})])
    assert [(d.name, d.ok, d.error) for d in result.documents] == [
        ("a", True, None),
        ("b", False, "parse_report raised RuntimeError: boom"),
    ]
