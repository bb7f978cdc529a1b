"""Build the image corpus: the generator's reports drawn as 图片版 pictures, with their known values.

`python -m tests.corpus_images.build OUT [--per-format N] [--seed S] [--kinds clean,degraded,…]` writes one
directory per kind (OUT/image-clean, OUT/image-degraded, OUT/image-traditional,
OUT/image-traditional-degraded), each in the evaluator's layout (NAME.png|jpg + expected/NAME.json), so
`python -m parsers.evaluate OUT/image-clean OUT/image-degraded …` prints cell accuracy per kind.

A document is the part of a report that 图片版 pages show as a picture: the title, then each table
section's heading and its table. Kinds: clean (PNG at 150 dpi), degraded (blur, speckle, a rotation of
at most 1°, JPEG quality 35–50), and both again with every label converted to Traditional script
(opencc s2t) before drawing. Nothing is committed: tests build what they need into a temp directory.
"""

from __future__ import annotations

import argparse
import copy
import json
import random
import sys
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, Final

from PIL import Image

from crawler.sampleportal import render as portal_render
from crawler.sampleportal import rules
from crawler.sampleportal.generator import SyntheticReport, generate_reports
from crawler.sampleportal.render import Grid, TCell
from parsers.model import json_default
from parsers.template import SECTION_BY_ID, TABLE_IDS
from tests.corpus_images import render

DPI: Final[int] = 150
KINDS: Final[tuple[str, ...]] = ("clean", "degraded", "traditional", "traditional-degraded")
# The sample portal's regions: code, name (seeded as the portal seeds them: seed = code).
REGIONS: Final[tuple[tuple[str, str], ...]] = (
    ("990101", "样本市"),
    ("990102", "样本县"),
    ("990103", "样本区"),
)


@dataclass(frozen=True)
class Kind:
    name: str
    traditional: bool
    degraded: bool

    @property
    def ext(self) -> str:
        return "jpg" if self.degraded else "png"

    @property
    def directory(self) -> str:
        return f"image-{self.name}"


def kind(name: str) -> Kind:
    if name not in KINDS:
        raise ValueError(f"unknown image kind {name!r}; one of {', '.join(KINDS)}")
    return Kind(name, name.startswith("traditional"), name.endswith("degraded"))


def _s2t() -> Callable[[str], str]:
    import opencc

    converter = opencc.OpenCC("s2t")
    return lambda text: str(converter.convert(text))


def _convert(grid: Grid, convert: Callable[[str], str]) -> Grid:
    return [[TCell(convert(c.text), c.rowspan, c.colspan) for c in row] for row in grid]


def table_grids(report: SyntheticReport) -> dict[str, Grid]:
    """The report's three tables laid out as the official template draws them (from its figures)."""
    figures = report.figures
    return {
        "active_disclosure": portal_render.active_grid(report.format, figures["active_disclosure"]),
        "requests": portal_render.requests_grid(report.format, figures["requests"]),
        "review_litigation": portal_render.review_grid(figures["review_litigation"]),
    }


def _heading(section_id: str) -> str:
    spec = SECTION_BY_ID[section_id]
    return f"{spec.number}、{portal_render.official(spec.heading)}"


def table_images(report: SyntheticReport, traditional: bool = False, dpi: int = DPI) -> list[Image.Image]:
    """One picture per table, as pages embed them (`<img>` in place of each table); for benchmarks."""
    convert = _s2t() if traditional else (lambda text: text)
    return [render.draw_table(_convert(grid, convert), dpi) for grid in table_grids(report).values()]


def report_image(report: SyntheticReport, traditional: bool = False, dpi: int = DPI) -> Image.Image:
    """Title, then each table section's heading and table, one under another."""
    convert = _s2t() if traditional else (lambda text: text)
    tables = [render.draw_table(_convert(g, convert), dpi) for g in table_grids(report).values()]
    width = max(t.width for t in tables)
    parts = [render.draw_line(convert(report.title), width, dpi, pt=14, centre=True)]
    for section_id, table in zip(TABLE_IDS, tables, strict=True):
        parts.append(render.draw_line(convert(_heading(section_id)), width, dpi))
        parts.append(table)
    return render.stack(parts, gap_inch=0.15, dpi=dpi)


def encode(report: SyntheticReport, k: Kind, dpi: int = DPI) -> bytes:
    image = report_image(report, k.traditional, dpi)
    if not k.degraded:
        return render.encode(image, "png", dpi)
    rng = random.Random(f"{report.region_code}/{report.doc_id}/{k.name}")
    return render.encode(render.degrade(image, rng), "jpeg", dpi, quality=rng.randint(35, 50))


def expected(report: SyntheticReport, k: Kind) -> dict[str, Any]:
    """What a correct parse of the picture yields: the tables drawn (the report's figures), the title's
    metadata; no dates (the picture has none) and only the three table sections."""
    tables = {t: copy.deepcopy(report.figures[t]) for t in TABLE_IDS}
    return {
        "title": report.title,
        "organ": report.organ,
        # The code comes from a page's SiteIDCode meta; a picture has none.
        "region": {"name": report.region_name, "code": None},
        "year": report.year,
        "publish_date": None,
        "sign_date": None,
        "format": report.format,
        "script": "traditional" if k.traditional else "simplified",
        "sections_present": list(TABLE_IDS),
        "sections_empty": [],
        "tables": tables,
        "checks_failing": list(rules.failing(report.format, tables)),
        "kind": "report",
        "notes": f"tests/corpus_images: {k.name}, drawn from generator report {report.region_code}/"
        f"{report.doc_id} ({' '.join(filter(None, (report.defect or 'consistent', report.special_cell)))})",
    }


def _nonzero(report: SyntheticReport) -> int:
    return sum(
        1
        for table in report.figures.values()
        for row in table.values()
        for value in row.values()
        if value not in (0, None)
    )


def pick_reports(per_format: int, seed: int = 0, consistent: bool = False) -> list[SyntheticReport]:
    """`per_format` reports of each table format, those with the most non-zero values first (digits of
    every kind to read); `consistent`: only reports whose tables pass every check."""
    pool = [r for code, name in REGIONS for r in generate_reports(code, name, 25, int(code) + seed)]
    if consistent:
        pool = [r for r in pool if not r.defect and not rules.failing(r.format, r.figures)]
    picked: list[SyntheticReport] = []
    for fmt in ("2021", "2019"):
        same = sorted(
            (r for r in pool if r.format == fmt), key=lambda r: (-_nonzero(r), r.region_code, r.doc_id)
        )
        picked.extend(same[:per_format])
    # The layout only matters for HTML pages; here every report is drawn from its figures.
    return [replace(r, layout="html-table") for r in picked]


def name(report: SyntheticReport) -> str:
    return f"img_{report.region_code}_{report.doc_id}"


def build(out: Path, reports: Iterable[SyntheticReport], kinds: Iterable[str] = KINDS) -> list[Path]:
    """Write the corpus; returns the kind directories."""
    dirs = []
    reports = list(reports)
    for kind_name in kinds:
        k = kind(kind_name)
        directory = out / k.directory
        (directory / "expected").mkdir(parents=True, exist_ok=True)
        for report in reports:
            (directory / f"{name(report)}.{k.ext}").write_bytes(encode(report, k))
            text = json.dumps(expected(report, k), ensure_ascii=False, indent=1, default=json_default)
            (directory / "expected" / f"{name(report)}.json").write_text(text + "\n", encoding="utf-8")
        dirs.append(directory)
    return dirs


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m tests.corpus_images.build", description=(__doc__ or "").split("\n")[0]
    )
    parser.add_argument("out", type=Path)
    parser.add_argument("--per-format", type=int, default=5, help="reports per table format (default 5)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--kinds", default=",".join(KINDS))
    args = parser.parse_args(argv)
    kinds = [k.strip() for k in args.kinds.split(",") if k.strip()]
    for directory in build(args.out, pick_reports(args.per_format, args.seed), kinds):
        print(directory)
    return 0


if __name__ == "__main__":
    sys.exit(main())
