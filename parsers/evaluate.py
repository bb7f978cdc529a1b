"""Score `parse_report` against a corpus of documents whose correct parse is written down.

`python -m parsers.evaluate DIR [DIR…] [--json]`

A corpus directory has the layout of the seeds: `DIR/NAME.<ext>` is a document and
`DIR/expected/NAME.json` what a correct parse of it yields (contract §8 terms: title, region{name,code},
year, publish_date, sign_date, format, script, sections_present, sections_empty, tables, and optionally
checks_failing, kind, organ, legacy_figures). Parse inputs (`url`, `published`, `content_type`) come from
the expected file or from `DIR/NAME.meta.json` (which wins). The meta file may also name the
`document_kind` (e.g. "pdf-ruled", "docx"); without it the kind is the sniffed type (html, text, pdf,
docx, doc, image). Scores are printed per document kind as well as in total.

Two scores, because they fail differently: fields (one per metadata item, per listed check set, per
legacy figure) and table cells (one per expected or parsed cell). A cell compares by value: an int and a
Decimal that are numerically equal agree, a blank (null) never equals 0, "n/a" only equals "n/a". A cell
the parse lacks, or has but the expectation does not, is one wrong cell; so is every cell of a table that
is expected null but parsed, or expected but not found. Anything that cannot be evaluated (no document for
an expectation, bad JSON, a missing required key) is an error and fails the run: nothing is dropped.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sys
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any, Final, Literal

from parsers.document import sniff_type
from parsers.model import ParsedReport, Value, json_default, table_values
from parsers.template import SECTION_IDS, TABLE_IDS

# Keys every expected file of a report states; a missing one is an error, not a skipped comparison.
REQUIRED_KEYS: Final[tuple[str, ...]] = (
    "title",
    "region",
    "year",
    "publish_date",
    "sign_date",
    "format",
    "script",
    "sections_present",
    "sections_empty",
    "tables",
)
# A page that is not a report (kind "not_report": 解读, notices) has no year, sign date or sections to
# speak of: only these are required, the others are compared where stated.
REQUIRED_KEYS_NOT_REPORT: Final[tuple[str, ...]] = ("kind", "title", "tables")
# Compared only when the expected file states them (the seeds leave some out).
OPTIONAL_FIELDS: Final[tuple[str, ...]] = ("organ", "kind", "checks_failing", "legacy_figures")
# What the expectation (or NAME.meta.json) may pass to parse_report.
INPUT_KEYS: Final[tuple[str, ...]] = ("url", "published", "content_type")
# What NAME.meta.json may say besides the inputs: the document kind scores are grouped by.
META_KEYS: Final[tuple[str, ...]] = (*INPUT_KEYS, "document_kind")
META_SUFFIX: Final[str] = ".meta.json"
EXPECTED_DIR: Final[str] = "expected"

MismatchKind = Literal["field", "cell"]


@dataclass(frozen=True)
class Mismatch:
    kind: MismatchKind
    key: str  # "region.code", "sections_present", "requests.granted.total", "legacy.requests_received"
    expected: object
    got: object

    def describe(self) -> str:
        return f"{self.key}: expected {_show(self.expected)}, got {_show(self.got)}"


@dataclass
class DocumentScore:
    name: str
    path: Path | None = None
    fields: int = 0
    fields_ok: int = 0
    cells: int = 0
    cells_ok: int = 0
    mismatches: list[Mismatch] = field(default_factory=list)
    error: str | None = None  # why the document could not be evaluated
    kind: str = "unknown"  # document kind scores are grouped by (meta "document_kind", else the sniffed type)

    @property
    def ok(self) -> bool:
        return self.error is None and not self.mismatches

    def field(self, key: str, expected: object, got: object) -> None:
        self.fields += 1
        if _same(expected, got):
            self.fields_ok += 1
        else:
            self.mismatches.append(Mismatch("field", key, expected, got))

    def cell(self, key: str, expected: object, got: object) -> None:
        self.cells += 1
        if _same(expected, got):
            self.cells_ok += 1
        else:
            self.mismatches.append(Mismatch("cell", key, expected, got))

    def line(self) -> str:
        status = "OK  " if self.ok else ("ERR " if self.error else "FAIL")
        if self.error is not None:
            return f"{status} {self.name}: {self.error}"
        return (
            f"{status} {self.name}  fields {self.fields_ok}/{self.fields}  cells {self.cells_ok}/{self.cells}"
        )

    def to_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "kind": self.kind,
            "path": None if self.path is None else str(self.path),
            "ok": self.ok,
            "error": self.error,
            "fields": self.fields,
            "fields_ok": self.fields_ok,
            "cells": self.cells,
            "cells_ok": self.cells_ok,
            "mismatches": [
                {"kind": m.kind, "key": m.key, "expected": m.expected, "got": m.got} for m in self.mismatches
            ],
        }


@dataclass
class EvaluationResult:
    documents: list[DocumentScore] = field(default_factory=list)
    skipped: list[Path] = field(default_factory=list)  # files with no expected JSON (README.md, …)
    problems: list[str] = field(default_factory=list)  # corpus-level errors (missing directory, …)

    @property
    def fields(self) -> int:
        return sum(d.fields for d in self.documents)

    @property
    def fields_ok(self) -> int:
        return sum(d.fields_ok for d in self.documents)

    @property
    def cells(self) -> int:
        return sum(d.cells for d in self.documents)

    @property
    def cells_ok(self) -> int:
        return sum(d.cells_ok for d in self.documents)

    @property
    def errors(self) -> list[DocumentScore]:
        return [d for d in self.documents if d.error is not None]

    @property
    def failing(self) -> list[DocumentScore]:
        return [d for d in self.documents if not d.ok]

    @property
    def ok(self) -> bool:
        """True only when something was evaluated and everything matched."""
        return bool(self.documents) and not self.problems and not self.failing

    def mismatches(self) -> list[tuple[str, Mismatch]]:
        return [(d.name, m) for d in self.documents for m in d.mismatches]

    def by_kind(self) -> dict[str, EvaluationResult]:
        """The documents grouped by kind, each group a result of its own (kinds in first-seen order)."""
        groups: dict[str, EvaluationResult] = {}
        for doc in self.documents:
            groups.setdefault(doc.kind, EvaluationResult()).documents.append(doc)
        return groups

    def kind_lines(self) -> list[str]:
        """One line per document kind (documents, cell and field accuracy) when there are several kinds."""
        groups = self.by_kind()
        if len(groups) < 2:
            return []  # the summary says it all
        lines = []
        for kind, group in groups.items():
            lines.append(
                f"kind {kind}: documents {len(group.documents)}  "
                f"cells {group.cells_ok}/{group.cells} ({_percent(group.cells_ok, group.cells)})  "
                f"fields {group.fields_ok}/{group.fields} ({_percent(group.fields_ok, group.fields)})"
                + (f"  errors {len(group.errors)}" if group.errors else "")
            )
        return lines

    def summary(self) -> str:
        text = (
            f"fields {self.fields_ok}/{self.fields} ({_percent(self.fields_ok, self.fields)})  "
            f"cells {self.cells_ok}/{self.cells} ({_percent(self.cells_ok, self.cells)})"
        )
        extra = [f"documents {len(self.documents)}"]
        if self.errors:
            extra.append(f"errors {len(self.errors)}")
        if self.problems:
            extra.append(f"problems {len(self.problems)}")
        return text + "  " + "  ".join(extra)

    def to_json(self) -> dict[str, Any]:
        return {
            "ok": self.ok,
            "fields": self.fields,
            "fields_ok": self.fields_ok,
            "cells": self.cells,
            "cells_ok": self.cells_ok,
            "documents": [d.to_json() for d in self.documents],
            "kinds": {
                kind: {
                    "documents": len(group.documents),
                    "cells": group.cells,
                    "cells_ok": group.cells_ok,
                    "fields": group.fields,
                    "fields_ok": group.fields_ok,
                    "errors": len(group.errors),
                }
                for kind, group in self.by_kind().items()
            },
            "skipped": [str(p) for p in self.skipped],
            "problems": list(self.problems),
        }


def _percent(ok: int, total: int) -> str:
    return f"{100 * ok / total:.2f}%" if total else "n/a"


def _show(value: object) -> str:
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, list | dict):
        return json.dumps(value, ensure_ascii=False, default=json_default)
    return "null" if value is None else str(value)


def _number(value: object) -> Decimal | None:
    # bool is an int subclass; a True in a table would be a bug, never the number 1.
    if isinstance(value, bool) or not isinstance(value, int | Decimal):
        return None
    return Decimal(value)


def _same(expected: object, got: object) -> bool:
    """Value equality with int/Decimal compared numerically; None, 0 and "n/a" stay distinct."""
    a, b = _number(expected), _number(got)
    if a is not None or b is not None:
        return a is not None and b is not None and a == b
    if type(expected) is not type(got):
        return False
    return expected == got


# ---------------------------------------------------------------------------------------------
# Comparing one expectation with one parse
# ---------------------------------------------------------------------------------------------


def _iso(day: dt.date | None) -> str | None:
    return None if day is None else day.isoformat()


def _section_list(value: object, key: str) -> list[str]:
    if not isinstance(value, list) or not all(isinstance(s, str) for s in value):
        raise ExpectationError(f"{key} must be a list of section ids")
    unknown = [s for s in value if s not in SECTION_IDS]
    if unknown:
        raise ExpectationError(f"{key} names unknown sections: {', '.join(unknown)}")
    # Order is not information: reports in the official order and any other agree.
    return [s for s in SECTION_IDS if s in value]


def _legacy_figure(legacy: Mapping[str, Any] | None, name: str) -> object:
    if not legacy:
        return None
    figures = legacy.get("figures", legacy)
    figure = figures.get(name) if isinstance(figures, Mapping) else None
    # The legacy layer keeps each figure with its unit and source sentence; the value is what is scored.
    if isinstance(figure, Mapping):
        return figure.get("value")
    return figure


class ExpectationError(ValueError):
    """The expected JSON cannot be evaluated (wrong shape, missing key)."""


def _check_expected(expected: Mapping[str, Any]) -> None:
    required = REQUIRED_KEYS_NOT_REPORT if expected.get("kind") == "not_report" else REQUIRED_KEYS
    missing = [k for k in required if k not in expected]
    if missing:
        raise ExpectationError(f"expected JSON lacks {', '.join(missing)}")
    region = expected.get("region", {"name": None, "code": None})
    if not isinstance(region, Mapping) or not {"name", "code"} <= set(region):
        raise ExpectationError("region must be an object with name and code")
    tables = expected["tables"]
    if not isinstance(tables, Mapping):
        raise ExpectationError("tables must be an object")
    unknown = [t for t in tables if t not in TABLE_IDS]
    if unknown:
        raise ExpectationError(f"tables names unknown tables: {', '.join(unknown)}")
    absent = [t for t in TABLE_IDS if t not in tables]
    if absent:  # null states "no table"; a missing key states nothing
        raise ExpectationError(f"tables lacks {', '.join(absent)}")
    for tid, table in tables.items():
        if table is None:
            continue
        if not isinstance(table, Mapping) or not all(isinstance(r, Mapping) for r in table.values()):
            raise ExpectationError(f"tables.{tid} must be null or {{row: {{column: value}}}}")


def _compare_tables(score: DocumentScore, expected: Mapping[str, Any], report: ParsedReport) -> None:
    for tid in TABLE_IDS:
        want: Mapping[str, Mapping[str, Value]] | None = expected.get(tid)
        parsed = report.tables.get(tid)
        have = None if parsed is None else table_values(parsed)
        if want is None and have is None:
            continue
        rows = list(want or {}) + [r for r in have or {} if r not in (want or {})]
        for row in rows:
            want_row = (want or {}).get(row)
            have_row = (have or {}).get(row)
            cols = list(want_row or {}) + [c for c in have_row or {} if c not in (want_row or {})]
            for col in cols:
                key = f"{tid}.{row}.{col}"
                if want_row is None or col not in want_row:
                    score.cell(key, "<no such cell>", have_row[col] if have_row else None)
                elif have_row is None or col not in have_row:
                    score.cell(key, want_row[col], "<missing>")
                else:
                    score.cell(key, want_row[col], have_row[col])


def compare(expected: Mapping[str, Any], report: ParsedReport, name: str = "") -> DocumentScore:
    """Score one parse against its expectation. Raises ExpectationError when the expectation is malformed."""
    _check_expected(expected)
    score = DocumentScore(name)
    present = [sid for sid in SECTION_IDS if report.sections.get(sid)]
    empty = [sid for sid in SECTION_IDS if report.sections.get(sid) == ""]
    got: dict[str, object] = {
        "title": report.title,
        "region.name": report.region.name,
        "region.code": report.region.code,
        "year": report.year,
        "publish_date": _iso(report.publish_date),
        "sign_date": _iso(report.sign_date),
        "format": report.format,
        "script": report.script,
        "sections_present": present,
        "sections_empty": empty,
    }
    for key, value in got.items():
        top, _, sub = key.partition(".")
        if top not in expected:
            continue  # only a not_report expectation may leave these out (_check_expected)
        want = expected[top][sub] if sub else expected[top]
        if top.startswith("sections_"):
            want = _section_list(want, top)
        score.field(key, want, value)
    if "organ" in expected:
        score.field("organ", expected["organ"], report.organ)
    if "kind" in expected:
        score.field("kind", expected["kind"], report.kind)
    if "checks_failing" in expected:
        listed = expected["checks_failing"]
        if not isinstance(listed, list) or not all(isinstance(c, str) for c in listed):
            raise ExpectationError("checks_failing must be a list of check ids")
        score.field("checks_failing", sorted(set(listed)), sorted(set(report.failing_checks())))
    if "legacy_figures" in expected:
        figures = expected["legacy_figures"]
        if not isinstance(figures, Mapping):
            raise ExpectationError("legacy_figures must be an object {figure: value}")
        for figure, value in figures.items():
            score.field(f"legacy.{figure}", value, _legacy_figure(report.legacy, figure))
    _compare_tables(score, expected["tables"], report)
    return score


# ---------------------------------------------------------------------------------------------
# A corpus directory
# ---------------------------------------------------------------------------------------------


def _load_json(path: Path) -> dict[str, Any]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"), parse_float=Decimal)
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ExpectationError(f"cannot read {path.name}: {exc}") from exc
    if not isinstance(data, dict):
        raise ExpectationError(f"{path.name} is not a JSON object")
    return data


def _inputs(expected: Mapping[str, Any], meta_path: Path) -> dict[str, str | None]:
    """The parse inputs, and "document_kind" when the meta file names it."""
    inputs: dict[str, str | None] = {k: expected.get(k) for k in INPUT_KEYS}
    if meta_path.is_file():
        meta = _load_json(meta_path)
        unknown = [k for k in meta if k not in META_KEYS]
        if unknown:
            raise ExpectationError(f"{meta_path.name} has unknown keys: {', '.join(unknown)}")
        inputs.update(meta)
    for key, value in inputs.items():
        if value is not None and not isinstance(value, str):
            raise ExpectationError(f"input {key} must be a string")
    return inputs


def _documents(directory: Path) -> dict[str, list[Path]]:
    """Document files by NAME (the file name without its last suffix); meta files are not documents."""
    found: dict[str, list[Path]] = {}
    for path in sorted(directory.iterdir()):
        if path.is_file() and not path.name.endswith(META_SUFFIX):
            found.setdefault(path.stem, []).append(path)
    return found


def evaluate_document(path: Path, expected_path: Path, meta_path: Path | None = None) -> DocumentScore:
    """Parse one document and score it; errors become the score's `error`, never exceptions."""
    from parsers.report import parse_report  # the evaluator's data types load without the parser

    name = expected_path.stem
    kind = "unknown"
    try:
        data = path.read_bytes()
        kind = sniff_type(data)
        expected = _load_json(expected_path)
        _check_expected(expected)
        inputs = _inputs(expected, meta_path or path.with_name(name + META_SUFFIX))
        kind = inputs.get("document_kind") or kind
    except (ExpectationError, OSError) as exc:
        return DocumentScore(name, path, error=str(exc), kind=kind)
    try:
        report = parse_report(
            data, url=inputs["url"], content_type=inputs["content_type"], published=inputs["published"]
        )
    except Exception as exc:  # the contract says it never raises; if it does, that document fails
        return DocumentScore(name, path, error=f"parse_report raised {type(exc).__name__}: {exc}", kind=kind)
    try:
        score = compare(expected, report, name)
    except ExpectationError as exc:
        return DocumentScore(name, path, error=str(exc), kind=kind)
    score.path = path
    score.kind = kind
    return score


def _evaluate_directory(directory: Path, result: EvaluationResult) -> None:
    expected_dir = directory / EXPECTED_DIR
    if not expected_dir.is_dir():
        result.problems.append(f"{directory}: no {EXPECTED_DIR}/ directory")
        return
    documents = _documents(directory)
    expectations = sorted(expected_dir.glob("*.json"))
    if not expectations:
        result.problems.append(f"{expected_dir}: no expected JSON files")
    names = set()
    for expected_path in expectations:
        name = expected_path.stem
        names.add(name)
        candidates = documents.get(name, [])
        if len(candidates) != 1:
            why = "no document" if not candidates else f"{len(candidates)} documents"
            result.documents.append(
                DocumentScore(name, error=f"{why} named {name}.* in {directory} for {expected_path.name}")
            )
            continue
        result.documents.append(evaluate_document(candidates[0], expected_path))
    result.skipped.extend(p for stem, paths in documents.items() if stem not in names for p in paths)


def evaluate(paths: Iterable[Path | str]) -> EvaluationResult:
    """Evaluate every document with an expectation in each corpus directory (or single document path)."""
    result = EvaluationResult()
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            _evaluate_directory(path, result)
        elif path.is_file():
            expected_path = path.parent / EXPECTED_DIR / f"{path.stem}.json"
            if expected_path.is_file():
                result.documents.append(evaluate_document(path, expected_path))
            else:
                result.problems.append(f"{path}: no {EXPECTED_DIR}/{path.stem}.json beside it")
        else:
            result.problems.append(f"{path}: no such file or directory")
    return result


def report_text(result: EvaluationResult) -> str:
    lines: list[str] = []
    for doc in result.documents:
        lines.append(doc.line())
        lines.extend(f"    {m.kind} {m.describe()}" for m in doc.mismatches)
    lines.extend(f"problem: {p}" for p in result.problems)
    if result.skipped:
        lines.append(f"skipped (no expected JSON): {', '.join(str(p) for p in result.skipped)}")
    lines.extend(result.kind_lines())
    lines.append(result.summary())
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m parsers.evaluate",
        description="Parse every document of corpus directories and score it against expected/NAME.json.",
    )
    parser.add_argument("paths", nargs="+", type=Path, help="corpus directories (or single documents)")
    parser.add_argument("--json", action="store_true", help="print the result as one JSON object")
    args = parser.parse_args(argv)
    result = evaluate(args.paths)
    if args.json:
        out = json.dumps(result.to_json(), ensure_ascii=False, indent=1, default=json_default)
    else:
        out = report_text(result)
    sys.stdout.buffer.write(out.encode("utf-8") + b"\n")
    return 0 if result.ok else 1


if __name__ == "__main__":
    sys.exit(main())
