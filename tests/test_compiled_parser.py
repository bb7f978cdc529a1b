"""The mypyc-compiled parser (bench/compile.py) reads every page exactly as the pure-Python one does.

The compiled build (cached under var/mypyc by a hash of the sources; built here when missing, ~40 s CPU)
and the checkout's own `parsers` each run in a subprocess over the same pages — tests/corpus, the seed
reports, every fourth bench page, the first detail pages of each sample-portal site (real page chrome:
comments, scripts, widgets) — and print, per page: the full contract JSON, every cell's raw text, value
and source (as repr: an int is not a Decimal, 1 is not 1.0), the checks, the warnings, and the Document
the reader made (blocks, raw text, title, metas). The two dumps must be equal, key for key.

Also checked on the compiled side: the modules of bench/compile.py's lists (mypyc's, and Cython's: the
page walks over libxml2's nodes, parsers/_htmlwalk.pyx) are extension modules when the parser runs (not
their .py, which would make the comparison vacuous), and every report survives a pickle round trip
(crawler/parsework.py returns reports from worker processes; a frozen dataclass compiled to a native class
cannot be unpickled, which is why parsers/model.py stays Python).

mypyc comes with mypy, a dev dependency: without it the test fails, it never skips.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from bench.compile import COMPILED_MODULES, CYTHON_MODULES, SKIPPED_FILE, BuildError, build

REPO_ROOT = Path(__file__).resolve().parents[1]

# One dump per page, as a JSON line; the last line names the parser modules that were extension modules.
_CHILD = r"""
import json, pickle, sys
from pathlib import Path
build_dir, repo, seeds = sys.argv[1:4]
SITE_PAGES = 8
sys.path[:0] = [p for p in (build_dir, repo) if p]
from bench.compile import loaded_compiled
from bench.parse import build_corpus
from parsers import parse_report
from parsers.blocks import Grid
from parsers.document import load
from parsers.model import json_default

def pages():
    for path in sorted(Path(repo, "tests", "corpus").iterdir()):
        if path.is_file() and path.suffix != ".json":
            yield f"corpus/{path.name}", path.read_bytes(), None
    for path in sorted(Path(seeds).glob("*.txt")):
        yield f"seed/{path.name}", path.read_bytes(), "text/plain; charset=utf-8"
    for n, page in enumerate(build_corpus(5, None)[::4]):
        yield f"bench/{n} {page.label}", page.data, page.content_type
    from crawler.sampleportal.chrome import PortalRequest
    from crawler.sampleportal.sites import SITE_SPECS, Site
    for spec in SITE_SPECS:
        site = Site(spec, Path(seeds))
        for entry in site.entries()[:SITE_PAGES]:
            response = site.family.handle(site, PortalRequest("GET", site.detail_path(entry.doc_id)))
            if response is not None and response.status == 200 and response.body:
                yield f"site/{spec.code}/{entry.doc_id}", response.body, response.content_type

def dump(data, content_type):
    try:
        report = parse_report(data, content_type=content_type)
    except Exception as exc:
        return {"error": repr(exc)}
    cells = {
        f"{tid}.{row}.{col}": [cell.raw, repr(cell.value), repr(cell.source)]
        for tid, table in report.tables.items() if table is not None
        for row, cols in table.items() for col, cell in cols.items()
    }
    try:
        pickled = pickle.loads(pickle.dumps(report)).to_contract() == report.to_contract()
    except Exception as exc:
        pickled = repr(exc)
    doc = load(data, content_type)
    blocks = [["G", b.rows, b.method] if isinstance(b, Grid) else ["L", b.text, b.method] for b in doc.blocks]
    return {
        "contract": report.to_contract(), "cells": cells,
        "checks": [[c.id, c.ok, c.detail] for c in report.checks], "warnings": report.warnings,
        "legacy": repr(report.legacy), "pickle round trip": pickled,
        "document": [blocks, doc.raw_text, doc.header_text, doc.title, doc.metas, doc.encoding, doc.warnings],
    }

for name, data, content_type in pages():
    print(json.dumps({"page": name, **dump(data, content_type)}, ensure_ascii=False, default=json_default))
print(json.dumps({"compiled": loaded_compiled()}))
"""


def _run(build_dir: Path | None, seeds: Path) -> Any:
    return subprocess.Popen(
        [sys.executable, "-c", _CHILD, str(build_dir or ""), str(REPO_ROOT), str(seeds)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=REPO_ROOT,
    )


def _collect(process: Any, what: str) -> tuple[dict[str, Any], list[str]]:
    out, err = process.communicate(timeout=600)
    assert process.returncode == 0, f"{what} parser run failed:\n{err[-3000:]}"
    lines = [json.loads(line) for line in out.splitlines()]
    compiled: list[str] = lines.pop()["compiled"]
    return {d.pop("page"): d for d in lines}, compiled


@pytest.fixture(scope="module")
def build_dir() -> Path:
    try:
        return build()
    except BuildError as exc:
        pytest.fail(f"the compiled parser could not be built: {exc}")


def test_compiled_parser_reads_every_page_as_the_pure_one(build_dir: Path, seeds_dir: Path) -> None:
    # Both run at once (two processes); each takes seconds once the build is cached.
    compiled_run, pure_run = _run(build_dir, seeds_dir), _run(None, seeds_dir)
    compiled, loaded = _collect(compiled_run, "compiled")
    pure, pure_loaded = _collect(pure_run, "pure-Python")

    # …and the C walk (parsers/_htmlwalk.pyx), which parsers.document imports when it is there: the
    # compiled run reads every page through it, the pure run through the Python walk (the reference).
    sources = (*COMPILED_MODULES, *CYTHON_MODULES)
    expected = sorted(m.removesuffix(".py").removesuffix(".pyx").replace("/", ".") for m in sources)
    skipped = (build_dir / SKIPPED_FILE).read_text(encoding="utf-8")
    assert loaded == expected, f"modules not running compiled (see {build_dir / SKIPPED_FILE}):\n{skipped}"
    assert pure_loaded == [], "the pure-Python run imported compiled modules"

    kinds = {name.split("/", 1)[0] for name in pure}
    assert kinds == {"corpus", "seed", "bench", "site"} and len(pure) >= 150, sorted(pure)
    assert compiled.keys() == pure.keys()
    for name, want in pure.items():
        assert "error" not in want, f"{name}: {want['error']}"
        got = compiled[name]
        for key in want:
            assert got[key] == want[key], f"{name}: {key} differs between the compiled and the pure parser"
        assert got["pickle round trip"] is True, f"{name}: {got['pickle round trip']}"
