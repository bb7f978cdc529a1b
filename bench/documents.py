"""Seconds per document by kind, on one core: PDF (ruled, unruled, LibreOffice-printed), DOCX, DOC, image.

`python bench/documents.py [--reports N] [--repeat N] [--kinds pdf-ruled,docx,…] [--no-images]`

The documents are the generated corpus (`tests/corpus_docs/build.py`: the sample generator's reports
rendered with known values), built into a temporary directory; the image kind is one picture per table as
the image corpus draws them (`tests/corpus_images`, 150 dpi), read by the OCR reader when it is installed
("exact" then counts pictures whose one table came out right).
Every document is parsed with `parse_report` (the whole parse: reading, sections, tables, checks) after a
warm-up, with the process pinned to one CPU and the numeric libraries and the OCR engine
(XXGK_OCR_THREADS) limited to one thread. A document's time is CPU seconds, the process's and its
finished children's (a DOC's conversion runs in a LibreOffice subprocess), the least of `--repeat`
parses: CPU time does not count the waits of a machine shared with other work, and the least of a few
runs drops the rest of the noise. Wall-clock means are printed beside it. Each document's cells are
compared with its known values as well, so a fast wrong reader does not pass.
Targets (printed, not asserted, on the CPU mean): ≤ 0.5 s for a text PDF, ≤ 4 s per table image.
"""

from __future__ import annotations

import os

# One thread for the numeric libraries the OCR engine uses; set before anything imports them.
for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "XXGK_OCR_THREADS"):
    os.environ.setdefault(_var, "1")

import argparse  # noqa: E402
import io  # noqa: E402
import statistics  # noqa: E402
import sys  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
from collections.abc import Callable  # noqa: E402
from dataclasses import dataclass  # noqa: E402
from pathlib import Path  # noqa: E402
from typing import Final  # noqa: E402

REPO_ROOT: Final[Path] = Path(__file__).resolve().parents[1]
if str(REPO_ROOT) not in sys.path:  # run as `python bench/documents.py`
    sys.path.insert(0, str(REPO_ROOT))

from parsers import parse_report  # noqa: E402
from parsers.model import table_values  # noqa: E402
from parsers.template import TABLE_IDS  # noqa: E402
from tests.corpus_docs.build import KINDS, LIBREOFFICE_KINDS, build, chosen_reports, soffice  # noqa: E402

TARGETS: Final[dict[str, float]] = {
    "pdf-ruled": 0.5,
    "pdf-unruled": 0.5,
    "pdf-title-bottom": 0.5,
    "pdf-lo": 0.5,
    "image": 4.0,
}


@dataclass
class Timing:
    kind: str
    seconds: list[float]  # CPU seconds per document (least of the repeats)
    wall: list[float]  # wall-clock seconds per document (of the same parse)
    exact: int = 0  # documents whose table cells all came out right

    def line(self) -> str:
        target = TARGETS.get(self.kind)
        mean = statistics.fmean(self.seconds)
        verdict = "" if target is None else f"≤ {target:g} s  {'ok' if mean <= target else 'SLOW'}"
        return (
            f"{self.kind:17} {len(self.seconds):4}  {mean:7.3f}  {statistics.median(self.seconds):7.3f}  "
            f"{max(self.seconds):7.3f}  {statistics.fmean(self.wall):7.3f}  "
            f"{self.exact:>3}/{len(self.seconds):<3} {verdict}"
        )


def _cpu() -> float:
    t = os.times()
    return t.user + t.system + t.children_user + t.children_system


def _pin_one_core() -> str:
    try:
        cpu = min(os.sched_getaffinity(0))
        os.sched_setaffinity(0, {cpu})
        return f"pinned to CPU {cpu}"
    except (AttributeError, OSError):  # not Linux
        return "not pinned (no sched_setaffinity)"


def _timed(parse: Callable[[], object], repeat: int) -> tuple[float, float, object]:
    """(CPU seconds, wall seconds, result) of the parse that took the least CPU of `repeat`."""
    best: tuple[float, float, object] | None = None
    for _ in range(max(1, repeat)):
        cpu, wall = _cpu(), time.perf_counter()
        result = parse()
        run = (_cpu() - cpu, time.perf_counter() - wall, result)
        if best is None or run[0] < best[0]:
            best = run
    assert best is not None
    return best


def _documents(directory: Path, kinds: list[str], reports: int, repeat: int) -> list[Timing]:
    built = build(directory, kinds, chosen_reports(reports))
    parse_report(built[0].path.read_bytes())  # warm-up: imports, opencc and the division table load once
    timings: dict[str, Timing] = {}
    for item in built:
        seconds, wall, parsed = _timed(lambda item=item: parse_report(item.path.read_bytes()), repeat)
        timing = timings.setdefault(item.kind, Timing(item.kind, [], []))
        timing.seconds.append(seconds)
        timing.wall.append(wall)
        tables = {t: None if v is None else table_values(v) for t, v in parsed.tables.items()}  # type: ignore[attr-defined]
        timing.exact += tables == item.report.tables
    return list(timings.values())


def _images(reports: int, repeat: int) -> Timing | str:
    try:
        from parsers.readers import image  # noqa: F401
        from tests.corpus_images.build import table_images
    except ImportError as exc:
        return f"image: not measured ({exc})"
    timing = Timing("image", [], [])
    data: list[tuple[bytes, str, object]] = []  # (PNG, table id, its known values)
    for report in chosen_reports(reports):
        for table_id, picture in zip(TABLE_IDS, table_images(report), strict=True):
            buffer = io.BytesIO()
            picture.save(buffer, format="PNG")
            data.append((buffer.getvalue(), table_id, report.tables[table_id]))
    first = parse_report(data[0][0])  # warm-up: the OCR engine loads its models once
    if any("not read" in w or "not available" in w for w in first.warnings):
        return f"image: not measured ({'; '.join(first.warnings)})"
    for png, table_id, known in data:
        seconds, wall, parsed = _timed(lambda png=png: parse_report(png), repeat)
        timing.seconds.append(seconds)
        timing.wall.append(wall)
        table = parsed.tables.get(table_id)  # type: ignore[attr-defined]
        timing.exact += table is not None and table_values(table) == known
    return timing


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--reports", type=int, default=3, help="reports per kind (default 3)")
    parser.add_argument("--kinds", default=",".join(KINDS), help="document kinds (default: all)")
    parser.add_argument(
        "--repeat", type=int, default=3, help="parses per document, the least CPU kept (default 3)"
    )
    parser.add_argument("--no-images", action="store_true", help="leave out the image kind")
    args = parser.parse_args(argv)
    kinds = args.kinds.split(",")
    notes = [_pin_one_core()]
    if soffice() is None:
        kinds = [k for k in kinds if k not in LIBREOFFICE_KINDS]
        notes.append("LibreOffice not installed: doc and pdf-lo left out")
    with tempfile.TemporaryDirectory(prefix="xxgk-bench-docs-") as tmp:
        results: list[Timing | str] = list(_documents(Path(tmp), kinds, args.reports, args.repeat))
    if not args.no_images:
        results.append(_images(args.reports, args.repeat))
    notes.append(f"CPU seconds, least of {max(1, args.repeat)} parses")
    print(f"seconds per document, one core ({'; '.join(notes)})")
    header = ("mean s", "median", "max s", "wall s")
    print(f"{'kind':17} {'docs':>4}  " + "  ".join(f"{h:>7}" for h in header) + "  exact    target")
    for result in results:
        print(result if isinstance(result, str) else result.line())
    return 0


if __name__ == "__main__":
    sys.exit(main())
