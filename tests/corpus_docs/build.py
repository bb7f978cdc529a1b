"""Render the generator's reports as documents with known truth: PDF, DOCX and DOC.

`python -m tests.corpus_docs.build DIR [--kinds pdf-ruled,docx,…]` writes `DIR/NAME.<ext>`,
`DIR/expected/NAME.json` and `DIR/NAME.meta.json` (parse inputs and the document kind), the layout
`python -m parsers.evaluate DIR` reads.

The renderers are the sample portal's (`crawler.sampleportal.documents`). The reports are
`crawler.sampleportal.generator`'s (labels from `parsers.template`, merged cells as the
official template draws them), chosen with every table cell filled in, in both formats, one of them
inconsistent on purpose. Their body is rendered in the page order of the HTML body (title, preamble,
six sections, tables, signature), then:

- `pdf-ruled` / `pdf-unruled` (reportlab, with and without ruling lines): table 三 runs over a page
  break, one of its rows cut in two by the break (Word lets rows break across pages); wrapped cells;
  page numbers in the footer;
- `pdf-title-bottom`: the heading of section 三 is the last line of a page, its table on the next;
- `docx` (python-docx, real gridSpan/vMerge merged cells) and `pdf-lo` (that DOCX printed by LibreOffice,
  with some characters written as their CJK compatibility forms, as some PDF producers write them);
- `doc`: the DOCX saved as Word 97 by LibreOffice.
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import tempfile
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any, Final

# The renderers live in the sample portal, which serves them as report attachments; re-exported here
# under their old names for the corpus, its tests and the bench.
from crawler.sampleportal.documents import (
    _FONT,
    COMPAT_FORMS,
    Item,
    Para,
    _rl,
    _split_requests,
    body_items,
    lines_pdf,
    place,
    render_docx,
    render_pdf,
)
from crawler.sampleportal.generator import SyntheticReport, generate_reports
from crawler.sampleportal.render import Grid, TCell, active_grid, requests_grid, review_grid
from parsers.readers.limits import run_with_timeout

KINDS: Final[tuple[str, ...]] = ("pdf-ruled", "pdf-unruled", "pdf-title-bottom", "pdf-lo", "docx", "doc")
EXTENSIONS: Final[dict[str, str]] = {
    "pdf-ruled": "pdf", "pdf-unruled": "pdf", "pdf-title-bottom": "pdf", "pdf-lo": "pdf", "docx": "docx",
    "doc": "doc",
}  # fmt: skip
LIBREOFFICE_KINDS: Final[frozenset[str]] = frozenset({"pdf-lo", "doc"})
SITE: Final[tuple[str, str]] = ("990101", "样本市")
SOFFICE_SECONDS: Final[float] = 180.0

# ---------------------------------------------------------------------------------------------
# Which reports
# ---------------------------------------------------------------------------------------------


def _filled(report: SyntheticReport) -> bool:
    tables = report.tables.values()
    return all(t is not None for t in tables) and all(
        v is not None for t in tables if t for row in t.values() for v in row.values()
    )


def _nonzero(report: SyntheticReport) -> int:
    return sum(1 for t in report.tables.values() if t for row in t.values() for v in row.values() if v)


def chosen_reports(count: int = 3) -> list[SyntheticReport]:
    """Reports with every cell filled: the fullest 2019 one, the fullest 2021 one, an inconsistent one,
    then the next fullest."""
    reports = [r for r in generate_reports(*SITE, 25, int(SITE[0])) if _filled(r)]
    by_fullness = sorted(reports, key=lambda r: (-_nonzero(r), r.doc_id))
    picks: list[SyntheticReport] = []
    for want in (
        lambda r: r.format == "2019" and not r.defect,
        lambda r: r.format == "2021" and not r.defect,
        lambda r: bool(r.defect),
    ):
        match = next((r for r in by_fullness if want(r) and r not in picks), None)
        if match is not None:
            picks.append(match)
    picks += [r for r in by_fullness if r not in picks]
    return picks[:count]


def expected(report: SyntheticReport) -> dict[str, Any]:
    """What a parse of the document yields. A document carries no SiteIDCode, and the sample regions'
    codes (99xxxx) are outside the national table, so the region is known by name only."""
    out = report.expected()
    out["region"] = {"name": report.region_name, "code": None}
    out["kind"] = "report"
    return out


# ---------------------------------------------------------------------------------------------
# LibreOffice conversions
# ---------------------------------------------------------------------------------------------


def soffice() -> str | None:
    return shutil.which("soffice") or shutil.which("libreoffice")


def convert(sources: Sequence[Path], target: str, outdir: Path) -> dict[Path, Path]:
    """Convert documents with one LibreOffice run (`target`: "doc", "pdf"): source → converted file."""
    exe = soffice()
    if exe is None:
        raise RuntimeError("LibreOffice (soffice) not installed: apt-get install libreoffice-writer-nogui")
    filters = {"doc": "doc:MS Word 97", "pdf": "pdf:writer_pdf_Export"}
    with tempfile.TemporaryDirectory(prefix="xxgk-lo-") as profile:
        result = run_with_timeout(
            [
                exe,
                f"-env:UserInstallation=file://{profile}",
                "--headless",
                "--norestore",
                "--convert-to",
                filters[target],
                "--outdir",
                str(outdir),
                *map(str, sources),
            ],
            SOFFICE_SECONDS,
        )
    out = {src: outdir / f"{src.stem}.{target}" for src in sources}
    missing = [str(p) for p in out.values() if not p.is_file()]
    if result.error or missing:
        raise RuntimeError(f"LibreOffice conversion failed: {result.error or 'no output'} {missing}")
    return out


# ---------------------------------------------------------------------------------------------
# The corpus directory
# ---------------------------------------------------------------------------------------------


def _json_value(obj: object) -> object:
    if isinstance(obj, Decimal):
        return int(obj) if obj == obj.to_integral_value() else float(obj)
    raise TypeError(f"not JSON serialisable: {type(obj).__name__}")


def _write_json(path: Path, data: dict[str, Any]) -> None:
    path.write_text(
        json.dumps(data, ensure_ascii=False, indent=1, default=_json_value) + "\n", encoding="utf-8"
    )


@dataclass(frozen=True)
class Built:
    name: str
    kind: str
    path: Path
    report: SyntheticReport


def build(
    directory: Path, kinds: Iterable[str] = KINDS, reports: Sequence[SyntheticReport] | None = None
) -> list[Built]:
    """Write the corpus into `directory` (created); returns what was written."""
    kinds = list(kinds)
    unknown = [k for k in kinds if k not in KINDS]
    if unknown:
        raise ValueError(f"unknown kinds: {', '.join(unknown)}")
    reports = list(reports) if reports is not None else chosen_reports()
    (directory / "expected").mkdir(parents=True, exist_ok=True)
    built: list[Built] = []
    renderers: dict[str, Callable[[SyntheticReport], bytes]] = {
        "pdf-ruled": lambda r: render_pdf(r, "pdf-ruled"),
        "pdf-unruled": lambda r: render_pdf(r, "pdf-unruled"),
        "pdf-title-bottom": lambda r: render_pdf(r, "pdf-title-bottom"),
        "docx": render_docx,
    }
    with tempfile.TemporaryDirectory(prefix="xxgk-docs-") as tmp:
        work = Path(tmp)
        lo_sources: dict[str, list[tuple[Path, SyntheticReport]]] = {}
        for report in reports:
            stem = f"{report.region_code}_{report.doc_id}"
            for kind in kinds:
                name = f"{kind.replace('-', '_')}_{stem}"
                if kind in renderers:
                    path = directory / f"{name}.{EXTENSIONS[kind]}"
                    path.write_bytes(renderers[kind](report))
                    built.append(Built(name, kind, path, report))
                else:
                    source = work / kind / f"{name}.docx"
                    source.parent.mkdir(exist_ok=True)
                    source.write_bytes(render_docx(report, compat_forms=kind == "pdf-lo"))
                    lo_sources.setdefault(kind, []).append((source, report))
        # One LibreOffice run per target format, side by side (each starts in seconds, not instantly).
        with ThreadPoolExecutor(max_workers=max(1, len(lo_sources))) as pool:
            runs = {
                kind: pool.submit(convert, [s for s, _ in sources], EXTENSIONS[kind], work / kind)
                for kind, sources in lo_sources.items()
            }
        for kind, sources in lo_sources.items():
            converted = runs[kind].result()
            for source, report in sources:
                path = directory / converted[source].name
                shutil.copyfile(converted[source], path)
                built.append(Built(source.stem, kind, path, report))
    for item in built:
        _write_json(directory / "expected" / f"{item.name}.json", expected(item.report))
        _write_json(
            directory / f"{item.name}.meta.json",
            {"published": item.report.publish_date.isoformat(), "document_kind": item.kind},
        )
    return built


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m tests.corpus_docs.build", description=__doc__.split("\n")[0]
    )
    parser.add_argument("directory", type=Path)
    parser.add_argument("--kinds", default=",".join(KINDS), help=f"comma-separated, of {', '.join(KINDS)}")
    parser.add_argument("--reports", type=int, default=3, help="reports per kind")
    args = parser.parse_args(argv)
    built = build(args.directory, args.kinds.split(","), chosen_reports(args.reports))
    for item in built:
        print(f"{item.kind:17} {item.path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())


__all__ = [
    "COMPAT_FORMS",
    "KINDS",
    "_FONT",
    "Built",
    "Grid",
    "Item",
    "Para",
    "TCell",
    "_rl",
    "_split_requests",
    "active_grid",
    "body_items",
    "build",
    "chosen_reports",
    "convert",
    "expected",
    "lines_pdf",
    "place",
    "render_docx",
    "render_pdf",
    "requests_grid",
    "review_grid",
]
