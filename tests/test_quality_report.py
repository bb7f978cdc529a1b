"""`python -m crawler quality-report` (crawler/quality): the numbers on the page are the generator's, every
text is escaped, and Debian's Chromium renders every chart with the expected marks and colours.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import io
import itertools
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from lxml import html as lxml_html

from crawler.__main__ import main
from crawler.browser import DEFAULT_CHROMIUM, LAUNCH_ARGS
from crawler.quality import render
from crawler.quality.charts import FAILING_FILL, OUTCOME_FILLS, UNKNOWN_YEAR, share_fill
from crawler.quality.data import (
    GAP_ROWS,
    OUTCOME_LABELS,
    OUTCOMES,
    CoverageCell,
    FailingGap,
    MissingYears,
    QualityData,
    YearFailing,
    YearOutcomes,
)
from crawler.registry import load_registry
from tests.analyst_db import MISSING_REGION, AnalystDb, request_sum, request_total, tables_present

pytestmark = pytest.mark.postgres

CellKey = tuple[str, int | None]


@dataclass(frozen=True)
class Page:
    path: Path
    printed: str
    tree: Any  # lxml.html.HtmlElement


@pytest.fixture(scope="module")
def page(analyst_db: AnalystDb, tmp_path_factory: pytest.TempPathFactory) -> Page:
    path = tmp_path_factory.mktemp("quality") / "report" / "quality.html"
    printed = io.StringIO()
    with pytest.MonkeyPatch.context() as mp, contextlib.redirect_stdout(printed):
        mp.setenv("DATABASE_URL", analyst_db.analyst_url)
        assert main(["quality-report", "--out", str(path)]) == 0
    return Page(path, printed.getvalue(), lxml_html.fromstring(path.read_bytes()))


# ---------------------------------------------------------------------------------------------------------
# The generator's truth
# ---------------------------------------------------------------------------------------------------------


@dataclass
class Coverage:
    found: int = 0
    parsed: int = 0
    all_tables: int = 0
    failing: int = 0
    failures: int = 0


def coverage_truth(db: AnalystDb) -> dict[CellKey, Coverage]:
    cells: dict[CellKey, Coverage] = defaultdict(Coverage)
    for t in db.parsed.values():
        cell = cells[(t.code, t.report.year)]
        cell.found += 1
        cell.parsed += 1
        cell.all_tables += tables_present(t.report) == 3
        cell.failing += bool(t.report.failing_checks)
    cells[(db.unparsed.code, db.unparsed.report.year)].found += 1  # dated by its listing title
    cells[(MISSING_REGION, None)].failures += 1  # a 404: no document, no year
    return dict(cells)


def outcomes_truth(db: AnalystDb) -> dict[tuple[int, str], int]:
    figures = {
        "granted": lambda r: request_total(r, "granted"),
        "partially_granted": lambda r: request_total(r, "partially_granted"),
        "denied": lambda r: request_sum(r, "denied_"),
        "unable": lambda r: request_sum(r, "unable_"),
        "not_processed": lambda r: request_sum(r, "not_processed_"),
        "other": lambda r: request_sum(r, "other_"),
    }
    sums: dict[tuple[int, str], int] = defaultdict(int)
    for report in db.reports():
        for outcome, figure in figures.items():
            sums[(report.year, outcome)] += figure(report) or 0  # a NULL figure adds nothing
    return {key: value for key, value in sums.items() if value > 0}


def failing_truth(db: AnalystDb) -> dict[int, tuple[int, int]]:
    by_year: dict[int, list[int]] = defaultdict(lambda: [0, 0])
    for report in db.reports():
        by_year[report.year][0] += 1
        by_year[report.year][1] += bool(report.failing_checks)
    return {year: (n, failing) for year, (n, failing) in by_year.items()}


def missing_years_truth(db: AnalystDb) -> list[tuple[str, str, str, str, str]]:
    runs: dict[tuple[str, str], set[int]] = defaultdict(set)
    for t in db.parsed.values():
        runs[(t.code, t.report.organ)].add(t.report.year)
    rows = []
    for (code, organ), years in runs.items():
        missing = [y for y in range(min(years), max(years) + 1) if y not in years]
        if missing:
            name = load_registry().regions[code].name
            rows.append((len(missing), code, organ, name, f"{min(years)}–{max(years)}", missing))
    rows.sort(key=lambda r: (-r[0], r[1], r[2]))
    return [(code, name, organ, span, "、".join(map(str, m))) for _, code, organ, name, span, m in rows][
        :GAP_ROWS
    ]


# ---------------------------------------------------------------------------------------------------------
# (a) The page's numbers
# ---------------------------------------------------------------------------------------------------------


def table_rows(tree: Any, table_id: str) -> list[tuple[str, ...]]:
    return [
        tuple(td.text_content() for td in tr.findall("td"))
        for tr in tree.get_element_by_id(table_id).iter("tr")
    ][1:]


def test_the_command_says_what_it_wrote(analyst_db: AnalystDb, page: Page) -> None:
    found = sum(c.found for c in coverage_truth(analyst_db).values())
    assert found == 75 - 1  # every generated report but the 404
    assert page.printed == f"wrote {page.path} (3 regions, {found} reports found, {found - 1} parsed)\n"


def test_heat_map_cells_hold_the_coverage_counts(analyst_db: AnalystDb, page: Page) -> None:
    truth = coverage_truth(analyst_db)
    cells = page.tree.xpath("//svg[@id='coverage-heatmap']//rect[@class='cell']")
    got = {}
    for rect in cells:
        key = (rect.get("data-region"), int(rect.get("data-year")) if rect.get("data-year") else None)
        got[key] = Coverage(
            *(int(rect.get(f"data-{n}")) for n in ("found", "parsed", "all-tables", "failing", "failures"))
        )
        share = got[key].parsed / got[key].found if got[key].found else None
        assert rect.get("fill") == share_fill(share), key
        label = rect.getparent().xpath("string(text[@class='cell-label'])")
        failures = f" ✗{got[key].failures}" if got[key].failures else ""
        assert label == f"{got[key].parsed}/{got[key].found}{failures}", key
    assert got == truth
    assert len(cells) == len(truth) == 7 * 3 + 1
    assert share_fill(0.0) == "#d73027" and share_fill(1.0) == "#1a9850" and share_fill(None) == "#bdbdbd"
    years = page.tree.xpath("//svg[@id='coverage-heatmap']/text/text()")[:8]
    assert years == [*map(str, range(2019, 2026)), UNKNOWN_YEAR]


def test_failing_share_bars_carry_their_numbers(analyst_db: AnalystDb, page: Page) -> None:
    bars = page.tree.xpath("//svg[@id='failing-share']//rect[@class='bar']")
    got = {int(b.get("data-year")): (int(b.get("data-reports")), int(b.get("data-failing"))) for b in bars}
    assert got == failing_truth(analyst_db)
    for bar in bars:
        reports, failing = int(bar.get("data-reports")), int(bar.get("data-failing"))
        assert bar.get("data-share") == f"{failing / reports:.4f}"
        assert float(bar.get("height")) == pytest.approx(200 * failing / reports, abs=0.01)
    assert [int(b.get("data-year")) for b in bars] == list(range(2019, 2026))


def test_outcome_segments_are_the_sums_of_table_three(analyst_db: AnalystDb, page: Page) -> None:
    segments = page.tree.xpath("//svg[@id='outcomes']//rect[@class='segment']")
    got = {(int(s.get("data-year")), s.get("data-outcome")): int(s.get("data-value")) for s in segments}
    assert got == outcomes_truth(analyst_db)
    assert len(segments) == len(got)
    for segment in segments:
        assert segment.get("fill") == OUTCOME_FILLS[segment.get("data-outcome")]
    legend = page.tree.xpath("//svg[@id='outcomes']/text[@text-anchor='start']/text()")
    assert legend == ["予以公开", "部分公开", "不予公开", "无法提供", "不予处理", "其他处理"]
    assert [OUTCOME_LABELS[o] for o in OUTCOMES] == legend


def test_gap_tables(analyst_db: AnalystDb, page: Page) -> None:
    unparsed = analyst_db.unparsed
    assert table_rows(page.tree, "gaps-unparsed") == [
        (unparsed.code, "样本市", str(unparsed.report.year), "1", "0", "0"),
        (MISSING_REGION, "样本县", UNKNOWN_YEAR, "0", "0", "1"),
    ]
    assert table_rows(page.tree, "gaps-missing-years") == missing_years_truth(analyst_db)
    failing: dict[tuple[str, int], list[int]] = defaultdict(lambda: [0, 0, 0])
    for t in analyst_db.parsed.values():
        entry = failing[(t.code, t.report.year)]
        entry[0] += 1
        entry[1] += bool(t.report.failing_checks)
        entry[2] += len(t.report.failing_checks)
    expected = sorted(
        ((code, year, *counts) for (code, year), counts in failing.items() if counts[2] > 0),
        key=lambda r: (-r[4], -r[3], r[0], r[1]),
    )
    names = {r.code: r.name for r in load_registry()}
    assert (
        table_rows(page.tree, "gaps-failing")
        == [(code, names[code], str(year), str(n), str(f), str(c)) for code, year, n, f, c in expected][
            :GAP_ROWS
        ]
    )


def test_every_text_is_escaped() -> None:
    hostile = "<script>alert(1)</script>&\"'"
    data = QualityData(
        generated_at=dt.datetime(2026, 1, 1, tzinfo=dt.UTC),
        coverage=[CoverageCell("990199", hostile, 2024, 2, 1, 1, 0, 0)],
        failing_by_year=[YearFailing(2024, 2, 1)],
        outcomes_by_year=[YearOutcomes(2024, 2, dict.fromkeys(OUTCOMES, 1))],
        unparsed=[CoverageCell("990199", hostile, 2024, 2, 1, 1, 0, 0)],
        failing=[FailingGap("990199", hostile, 2024, 2, 1, 3)],
        missing_years=[MissingYears("990199", hostile, hostile, 2019, 2024, (2020,))],
    )
    text = render(data)
    assert "<script" not in text
    assert text.count("&lt;script&gt;alert(1)&lt;/script&gt;&amp;&quot;&#x27;") == 6
    tree = lxml_html.fromstring(text)
    assert tree.xpath("string(//table[@id='gaps-missing-years']//td[3])") == hostile


def test_the_page_is_self_contained(page: Page) -> None:
    text = page.path.read_text(encoding="utf-8")
    assert "<script" not in text and "<link" not in text and "@import" not in text
    assert "http://" not in text.replace('xmlns="http://www.w3.org/2000/svg"', "")
    assert "https://" not in text
    assert len(page.tree.xpath("//svg[@class='chart']")) == 3


# ---------------------------------------------------------------------------------------------------------
# (b) In a real browser
# ---------------------------------------------------------------------------------------------------------


@dataclass
class Rendered:
    boxes: dict[str, dict[str, float]]  # chart id → bounding box
    marks: dict[str, int]  # selector → count
    mark_boxes: dict[str, dict[str, float]]  # selector of one mark → bounding box
    console: list[str]
    requests: list[str]
    screenshot: Any  # PIL image


KNOWN_MARKS = {
    "unparsed": "rect.cell[data-region='{code}'][data-year='{year}']",
    "parsed": "rect.cell[data-region='990103'][data-year='2022']",
    "failures": "rect.cell[data-region='990102'][data-year='']",
    "bar": "rect.bar[data-year='2024']",
    "granted": "rect.segment[data-year='2023'][data-outcome='granted']",
}


@pytest.fixture(scope="module")
def rendered(page: Page, analyst_db: AnalystDb) -> Iterator[Rendered]:
    from PIL import Image
    from playwright.sync_api import sync_playwright

    marks = {
        k: v.format(code=analyst_db.unparsed.code, year=analyst_db.unparsed.report.year)
        for k, v in KNOWN_MARKS.items()
    }
    console: list[str] = []
    requests: list[str] = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=DEFAULT_CHROMIUM, args=list(LAUNCH_ARGS), headless=True)
        try:
            view = browser.new_page(viewport={"width": 1280, "height": 900}, device_scale_factor=1)
            view.on(
                "console",
                lambda m: console.append(f"{m.type}: {m.text}") if m.type in ("error", "warning") else None,
            )
            view.on("pageerror", lambda e: console.append(f"pageerror: {e}"))
            view.on("request", lambda r: requests.append(r.url))
            view.goto(page.path.as_uri())
            boxes = {}
            for chart in ("coverage-heatmap", "failing-share", "outcomes"):
                box = view.locator(f"svg#{chart}").bounding_box()
                assert box is not None, chart
                boxes[chart] = dict(box)
            counts = {sel: view.locator(sel).count() for sel in ("rect.cell", "rect.bar", "rect.segment")}
            mark_boxes = {}
            for name, selector in marks.items():
                box = view.locator(selector).bounding_box()
                assert box is not None, name
                mark_boxes[name] = dict(box)
            png = view.screenshot(full_page=True)
        finally:
            browser.close()
    yield Rendered(boxes, counts, mark_boxes, console, requests, Image.open(io.BytesIO(png)).convert("RGB"))


def rgb(hex_colour: str) -> tuple[int, int, int]:
    return tuple(int(hex_colour[i : i + 2], 16) for i in (1, 3, 5))  # type: ignore[return-value]


def close(a: tuple[int, int, int], b: tuple[int, int, int], tolerance: int = 3) -> bool:
    return all(abs(x - y) <= tolerance for x, y in zip(a, b, strict=True))


def test_chromium_draws_every_chart_with_its_marks(analyst_db: AnalystDb, rendered: Rendered) -> None:
    for chart, box in rendered.boxes.items():
        assert box["width"] > 300 and box["height"] > 100, chart
    assert rendered.marks == {
        "rect.cell": len(coverage_truth(analyst_db)),
        "rect.bar": len(failing_truth(analyst_db)),
        "rect.segment": len(outcomes_truth(analyst_db)),
    }
    assert rendered.console == []
    assert all(url.startswith("file://") for url in rendered.requests) and len(rendered.requests) == 1


def test_chromium_paints_the_marks_in_their_colours(rendered: Rendered) -> None:
    image = rendered.screenshot
    expected = {
        "unparsed": share_fill(0.0),
        "parsed": share_fill(1.0),
        "failures": share_fill(None),
        "bar": FAILING_FILL,
        "granted": OUTCOME_FILLS["granted"],
    }
    for name, colour in expected.items():
        box = rendered.mark_boxes[name]
        assert box["width"] > 4 and box["height"] > 4, name
        # Inside the mark, away from its centred label.
        x, y = int(box["x"] + 3), int(box["y"] + 3)
        assert close(image.getpixel((x, y)), rgb(colour)), (name, image.getpixel((x, y)), colour)
    # …and the page is not blank around them: the heat map's red and green are both on screen.
    colours = {
        image.getpixel((x, y))
        for x, y in itertools.product(range(0, image.width, 7), range(0, min(image.height, 600), 7))
    }
    assert any(close(c, rgb(share_fill(1.0))) for c in colours)
    assert any(close(c, rgb(share_fill(0.0))) for c in colours)


def test_an_empty_database_gives_a_page_saying_so() -> None:
    data = QualityData(dt.datetime(2026, 1, 1, tzinfo=dt.UTC), [], [], [], [], [], [])
    tree = lxml_html.fromstring(render(data))
    assert len(tree.xpath("//svg[@class='chart']")) == 3
    assert tree.xpath("//rect[@class='cell' or @class='bar' or @class='segment']") == []
    assert len(tree.xpath("//svg//text[text()='（无数据 / no data）']")) == 3
    assert len(tree.xpath("//p[@class='empty']")) == 3  # the three gap tables
