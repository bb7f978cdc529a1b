"""Real OCR on pictures drawn from the generator's reports (tests/corpus_images): exact tables, provenance,
and the safety property — every wrong cell is flagged low-confidence or caught by a failing check.

Kept small (a few pictures, one engine for the module): the bench and `python -m parsers.evaluate` over
`python -m tests.corpus_images.build` run the larger corpus.
"""

from __future__ import annotations

import io
import random
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
from PIL import Image, ImageDraw

from crawler.sampleportal import rules
from crawler.sampleportal.generator import SyntheticReport
from parsers import parse_report
from parsers.blocks import Grid, Line
from parsers.evaluate import compare
from parsers.model import Cell, ParsedReport, table_values
from parsers.ocr import engine, marks
from parsers.readers.image import OcrError, ocr_image, ocr_pdf_page
from parsers.template import REQUEST_ROW_BY_ID, TABLE_IDS
from tests.corpus_docs.build import chosen_reports
from tests.corpus_images import build, render


@pytest.fixture(scope="module")
def reports() -> dict[str, SyntheticReport]:
    """One consistent report per table format, rich in non-zero values."""
    picked = build.pick_reports(1, seed=11, consistent=True)
    return {r.format: r for r in picked}


def _parse(data: bytes, content_type: str) -> ParsedReport:
    return parse_report(data, content_type=content_type)


def _cells(report: ParsedReport) -> Iterator[tuple[str, Cell]]:
    for tid in TABLE_IDS:
        for row, cols in (report.tables.get(tid) or {}).items():
            for col, cell in cols.items():
                yield f"{tid}.{row}.{col}", cell


@pytest.mark.parametrize(
    ("fmt", "kind_name"),
    [("2021", "clean"), ("2019", "traditional-degraded")],
    ids=["2021-clean", "2019-trad-degraded"],
)
def test_report_picture_reads_exactly(reports: dict[str, SyntheticReport], fmt: str, kind_name: str) -> None:
    report = reports[fmt]
    k = build.kind(kind_name)
    parsed = _parse(build.encode(report, k), "image/png" if k.ext == "png" else "image/jpeg")
    expected = build.expected(report, k)
    score = compare(expected, parsed, kind_name)
    assert [m.describe() for m in score.mismatches] == []
    assert score.cells == sum(len(cols) for t in expected["tables"].values() for cols in t.values())
    assert parsed.format == fmt and parsed.script == expected["script"]
    assert parsed.failing_checks() == []
    # Every value says it was read by OCR, from a picture with no pages, with a confidence.
    sources = [cell.source for _, cell in _cells(parsed)]
    assert sources and all(s is not None and s.method == "ocr" and s.page is None for s in sources)
    read = [cell for _, cell in _cells(parsed) if cell.value is not None]
    assert all(c.source is not None and c.source.confidence is not None for c in read)


def test_table_picture_gives_one_grid_with_confidences(reports: dict[str, SyntheticReport]) -> None:
    image = build.table_images(reports["2021"])[2]  # table 四: one header block and 15 numbers
    blocks = ocr_image(render.encode(image, "png"))
    (grid,) = blocks
    assert isinstance(grid, Grid) and grid.method == "ocr" and grid.page is None
    figures = reports["2021"].figures["review_litigation"]
    numbers = [str(figures[b][c]) for b in figures for c in figures[b]]
    assert grid.rows[-1] == numbers
    assert grid.confidence is not None
    assert [len(r) for r in grid.confidence] == [len(r) for r in grid.rows] == [15] * len(grid.rows)
    assert all(c is not None and c >= 0.9 for c in grid.confidence[-1])


def test_scanned_pdf_page_blocks_carry_the_page_number(reports: dict[str, SyntheticReport]) -> None:
    report = reports["2021"]
    page = build.report_image(report)
    blocks = ocr_pdf_page(render.encode(page, "png"), 4)
    assert all(b.method == "ocr" and b.page == 4 for b in blocks)
    lines = [b.text for b in blocks if isinstance(b, Line)]
    assert lines[0] == report.title
    assert lines[1:] == ["二、主动公开政府信息情况", "三、收到和处理政府信息公开申请情况",
                         "四、政府信息公开行政复议、行政诉讼情况"]
    assert sum(isinstance(b, Grid) for b in blocks) == 3
    with pytest.raises(OcrError, match="scanned PDF page 7: image too large"):
        ocr_pdf_page(_huge_png_header(), 7)


def _huge_png_header() -> bytes:
    from tests.test_bad_images import png_header_only

    return png_header_only(20_000, 20_000)


def test_slash_and_dash_marks_are_told_by_their_shape() -> None:
    face = render.font(22)

    def crop(text: str) -> np.ndarray:
        im = Image.new("L", (60, 44), 255)
        ImageDraw.Draw(im).text((20, 8), text, fill=0, font=face)
        return np.asarray(im)

    assert marks.mark(crop("/"), "1") == "/"
    assert marks.mark(crop("—"), "一") == "—"
    assert marks.mark(crop("1"), "1") is None  # a real 1 stays a 1
    assert marks.mark(crop("7"), "7") is None
    assert marks.mark(crop("/"), "12") is None  # only readings a mark is mistaken for


# ---------------------------------------------------------------------------------------------
# The safety property on damaged pictures
# ---------------------------------------------------------------------------------------------


def smudge(image: Image.Image, rect: render.Rect, how: int) -> None:
    """Damage one cell the way scans do, keeping it legible to a careful person."""
    x0, y0, x1, y1 = rect
    cx, cy = (x0 + x1) / 2, (y0 + y1) / 2
    draw = ImageDraw.Draw(image)
    if how == 0:  # a grey smear across the number
        draw.ellipse((cx - 16, cy - 9, cx + 16, cy + 9), fill=150)
    elif how == 1:  # a pen stroke through it
        draw.line((cx - 12, cy - 10, cx + 12, cy + 10), fill=0, width=3)
    elif how == 2:  # faded print
        box = (int(x0) + 3, int(y0) + 3, int(x1) - 3, int(y1) - 3)
        image.paste(image.crop(box).point(lambda v: 205 + v // 5), box)
    else:  # a fold: a white band through the middle of the glyphs
        draw.rectangle((x0 + 3, cy - 2, x1 - 3, cy + 2), fill=255)


def _touching_checks(key: str) -> set[str]:
    """The §7 checks whose arithmetic includes the cell."""
    table, row, col = key.split(".")
    if table == "review_litigation":
        return {f"review_litigation.sum.{row}"}
    if table != "requests":
        return set()
    touching = {f"requests.row_sum.{row}"}
    if row in ("new_received", "carried_over", "total", "carried_forward"):
        touching.add(f"requests.balance.{col}")
    if row == "total" or REQUEST_ROW_BY_ID[row].role == "result":
        touching.add(f"requests.results_sum.{col}")
    return touching


def _damaged_picture(report: SyntheticReport, seed: int) -> bytes:
    rng = random.Random(seed)
    parts = []
    for grid in build.table_grids(report).values():
        cells: list[tuple[render.Placed, render.Rect]] = []
        image = render.draw_table(grid, build.DPI, cells=cells)
        values = [(p, r) for p, r in cells if p.cell.text.replace(".", "").lstrip("-").isdigit()]
        for n, (_, rect) in enumerate(rng.sample(values, min(8, len(values)))):
            smudge(image, rect, n % 4)
        parts.append(image)
    buf = io.BytesIO()
    render.stack(parts, dpi=build.DPI).save(buf, "PNG")
    return buf.getvalue()


def _unaccounted(report: SyntheticReport, seed: int) -> tuple[list[str], list[object]]:
    """(wrong cells, those of them neither flagged low-confidence nor caught by a failing check) for
    one damaged picture of the report."""
    parsed = _parse(_damaged_picture(report, seed=seed), "image/png")
    expected = build.expected(report, build.kind("clean"))
    cells = dict(_cells(parsed))
    failing = set(parsed.failing_checks())
    wrong = [m.key for m in compare(expected, parsed, "damaged").mismatches if m.kind == "cell"]
    unaccounted: list[object] = []
    for key in wrong:
        cell = cells.get(key)
        flagged = cell is not None and cell.source is not None and cell.source.low_confidence
        caught = bool(_touching_checks(key) & failing)
        if not (flagged or caught):
            unaccounted.append((key, None if cell is None else (cell.value, cell.raw, cell.source)))
    # A check that fails on an OCR'd table says so.
    assert all("OCR" in c.detail for c in parsed.checks if c.ok is False)
    return wrong, unaccounted


def test_every_wrong_cell_is_flagged_or_caught(reports: dict[str, SyntheticReport]) -> None:
    tables: set[str] = set()
    for seed in (1, 3):  # two pictures: together their misreadings fall in all three tables
        wrong, unaccounted = _unaccounted(reports["2021"], seed)
        assert len(wrong) >= 5  # the damage did cause misreadings: the property is really exercised
        assert unaccounted == []
        tables.update(key.split(".")[0] for key in wrong)
    assert tables == set(TABLE_IDS)  # in tables with checks and without (table 二 has none)


def test_a_check_failing_on_a_picture_says_the_values_were_read_by_ocr() -> None:
    report = chosen_reports(3)[2]  # drawn with a total that is off by one
    assert report.defect
    table = build.table_images(report)[1]  # table 三
    parsed = _parse(render.encode(table, "png"), "image/png")
    assert table_values(parsed.tables["requests"]) == report.tables["requests"]  # type: ignore[arg-type]
    expected = {c for c in rules.failing(report.format, report.figures) if c.startswith("requests.")}
    assert expected and set(parsed.failing_checks()) == expected
    assert all("OCR" in c.detail for c in parsed.checks if c.ok is False)


def test_models_come_from_the_wheel_and_nothing_is_downloaded(monkeypatch: pytest.MonkeyPatch) -> None:
    import rapidocr
    from rapidocr.utils import download_file

    def no_network(*args: object, **kwargs: object) -> None:
        raise AssertionError("rapidocr tried to download a model")

    monkeypatch.setattr(download_file.DownloadFile, "run", classmethod(no_network))
    root = Path(rapidocr.__file__).resolve().parent
    paths = engine.model_paths()
    assert set(paths) == {"Det", "Rec", "Cls"}
    assert all(p.is_file() and root in p.parents for p in paths.values())
    fresh = engine.Engine(threads=1)  # not the cached one: building it must not download either
    img = np.full((120, 400), 255, dtype=np.uint8)
    assert fresh.detect(img) == []
    assert [r.text for r in fresh.recognize([img[:40, :120]])] == [""]


def test_thread_setting_comes_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(engine.THREADS_ENV, "1")
    assert engine.default_threads() == 1
    monkeypatch.setenv(engine.THREADS_ENV, "zero")
    assert engine.default_threads() is None
    monkeypatch.delenv(engine.THREADS_ENV)
    assert engine.default_threads() is None
