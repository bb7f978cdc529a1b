"""The report's charts as inline SVG, drawn in Python: no script, no font or style sheet from anywhere.

Every mark carries its numbers as data-* attributes (what the tests read back) and a <title> (what a reader
sees on hover). Every text goes through `esc`.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from html import escape
from typing import Final

from crawler.quality.data import OUTCOME_LABELS, OUTCOMES, CoverageCell, YearFailing, YearOutcomes

FONT: Final[str] = "font-family:sans-serif"
# Heat-map scale over the parsed share: red (nothing parsed) → amber → green (everything parsed).
SCALE_STOPS: Final[tuple[tuple[float, tuple[int, int, int]], ...]] = (
    (0.0, (215, 48, 39)),
    (0.5, (254, 224, 139)),
    (1.0, (26, 152, 80)),
)
NO_REPORT_FILL: Final[str] = "#bdbdbd"  # a region-year with crawl failures and no report
FAILING_FILL: Final[str] = "#c0392b"
OUTCOME_FILLS: Final[dict[str, str]] = {
    "granted": "#1b9e77",
    "partially_granted": "#66a61e",
    "denied": "#d95f02",
    "unable": "#7570b3",
    "not_processed": "#e7298a",
    "other": "#a6761d",
}
UNKNOWN_YEAR: Final[str] = "年份不详"


def esc(text: object) -> str:
    return escape(str(text), quote=True)


def share_fill(share: float | None) -> str:
    """The heat-map colour of a parsed share (None: no report found)."""
    if share is None:
        return NO_REPORT_FILL
    share = min(1.0, max(0.0, share))
    for (low, a), (high, b) in itertools.pairwise(SCALE_STOPS):
        if share <= high:
            t = (share - low) / (high - low)
            r, g, bl = (round(x + (y - x) * t) for x, y in zip(a, b, strict=True))
            return f"#{r:02x}{g:02x}{bl:02x}"
    raise AssertionError("unreachable: the scale ends at 1.0")


def nice_ceiling(value: int) -> int:
    """The smallest of 1, 2, 2.5, 5 × 10^k (an integer) not below `value`: round axis ticks."""
    if value <= 0:
        return 0
    scale = 1
    while True:
        for step in (1, 2, 2.5, 5):
            candidate = step * scale
            if candidate >= value and candidate == int(candidate):
                return int(candidate)
        scale *= 10


def _svg(chart_id: str, width: int, height: int, title: str, body: list[str]) -> str:
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" id="{esc(chart_id)}" class="chart" role="img" '
        f'width="{width}" height="{height}" viewBox="0 0 {width} {height}" style="{FONT}">'
        f"<title>{esc(title)}</title>" + "".join(body) + "</svg>"
    )


def _text(x: float, y: float, text: object, size: int = 12, anchor: str = "middle", extra: str = "") -> str:
    return f'<text x="{x:g}" y="{y:g}" font-size="{size}" text-anchor="{anchor}"{extra}>{esc(text)}</text>'


def _year_label(year: int | None) -> str:
    return UNKNOWN_YEAR if year is None else str(year)


def heat_map(
    cells: Sequence[CoverageCell], regions: Sequence[tuple[str, str]], years: Sequence[int | None]
) -> str:
    """Region × year: colour = parsed share, text = parsed/found (and ✗n crawl failures)."""
    left, top, cell_w, cell_h = 180, 34, 76, 34
    width = left + cell_w * max(1, len(years)) + 10
    height = top + cell_h * max(1, len(regions)) + 10
    body: list[str] = []
    for col, year in enumerate(years):
        body.append(_text(left + cell_w * col + cell_w / 2, top - 12, _year_label(year)))
    rows = {code: n for n, (code, _) in enumerate(regions)}
    cols = {year: n for n, year in enumerate(years)}
    for code, name in regions:
        y = top + cell_h * rows[code] + cell_h / 2 + 4
        body.append(_text(left - 8, y, f"{name} {code}", anchor="end"))
    for cell in cells:
        x, y = left + cell_w * cols[cell.year], top + cell_h * rows[cell.region_code]
        label = f"{cell.parsed}/{cell.found}" + (f" ✗{cell.failures}" if cell.failures else "")
        tip = (
            f"{cell.region_name} {cell.region_code} {_year_label(cell.year)}: found {cell.found}, "
            f"parsed {cell.parsed}, all three tables {cell.all_tables}, failing checks "
            f"{cell.failing_checks}, crawl failures {cell.failures}"
        )
        body.append(
            f'<g class="mark"><rect class="cell" x="{x + 1}" y="{y + 1}" width="{cell_w - 2}" '
            f'height="{cell_h - 2}" fill="{share_fill(cell.parsed_share)}" '
            f'data-region="{esc(cell.region_code)}" data-year="{"" if cell.year is None else cell.year}" '
            f'data-found="{cell.found}" data-parsed="{cell.parsed}" data-all-tables="{cell.all_tables}" '
            f'data-failing="{cell.failing_checks}" data-failures="{cell.failures}">'
            f"<title>{esc(tip)}</title></rect>"
            + _text(x + cell_w / 2, y + cell_h / 2 + 4, label, extra=' class="cell-label"')
            + "</g>"
        )
    if not cells:
        body.append(_text(10, top + 20, "（无数据 / no data）", anchor="start"))
    return _svg("coverage-heatmap", width, height, "Coverage: parsed / found by region and year", body)


def failing_bars(years: Sequence[YearFailing]) -> str:
    """Share of reports with a failing check, one bar per year."""
    left, top, plot_h, bar_w, gap = 48, 24, 200, 44, 20
    width = left + (bar_w + gap) * max(1, len(years)) + gap
    height = top + plot_h + 40
    body = _share_axis(left, top, plot_h, width)
    for n, item in enumerate(years):
        x = left + gap + (bar_w + gap) * n
        h = item.share * plot_h
        body.append(
            f'<g class="mark"><rect class="bar" x="{x}" y="{top + plot_h - h:.2f}" width="{bar_w}" '
            f'height="{h:.2f}" fill="{FAILING_FILL}" data-year="{item.year}" data-reports="{item.reports}" '
            f'data-failing="{item.failing}" data-share="{item.share:.4f}">'
            f"<title>{item.year}: {item.failing} of {item.reports} reports fail a check</title></rect>"
            + _text(x + bar_w / 2, top + plot_h - h - 4, f"{item.failing}/{item.reports}", size=11)
            + "</g>"
        )
        body.append(_text(x + bar_w / 2, top + plot_h + 16, item.year))
    if not years:
        body.append(_text(left + 10, top + plot_h / 2, "（无数据 / no data）", anchor="start"))
    return _svg("failing-share", width, height, "Share of reports with failing checks by year", body)


def _share_axis(left: int, top: int, plot_h: int, width: int) -> list[str]:
    body = []
    for tick in (0, 25, 50, 75, 100):
        y = top + plot_h - plot_h * tick / 100
        body.append(f'<line x1="{left}" x2="{width - 10}" y1="{y:g}" y2="{y:g}" stroke="#e0e0e0"/>')
        body.append(_text(left - 6, y + 4, f"{tick}%", size=11, anchor="end"))
    return body


def outcome_bars(years: Sequence[YearOutcomes]) -> str:
    """Requests by outcome and year: stacked bars, one segment per outcome with requests."""
    left, top, plot_h, bar_w, gap, legend_w = 64, 24, 240, 44, 20, 150
    plot_w = (bar_w + gap) * max(1, len(years)) + gap
    width, height = left + plot_w + legend_w, top + plot_h + 40
    highest = nice_ceiling(max((sum(y.values.values()) for y in years), default=0))
    body: list[str] = []
    for tick in range(5):
        value = highest * tick / 4
        y = top + plot_h - plot_h * tick / 4
        body.append(f'<line x1="{left}" x2="{left + plot_w}" y1="{y:g}" y2="{y:g}" stroke="#e0e0e0"/>')
        body.append(_text(left - 6, y + 4, f"{value:g}", size=11, anchor="end"))
    for n, item in enumerate(years):
        x = left + gap + (bar_w + gap) * n
        base = float(top + plot_h)
        for outcome in OUTCOMES:
            value = item.values[outcome]
            if value <= 0 or highest == 0:
                continue  # nothing to draw: a zero-height mark would be invisible anyway
            h = plot_h * value / highest
            base -= h
            body.append(
                f'<rect class="segment" x="{x}" y="{base:.2f}" width="{bar_w}" height="{h:.2f}" '
                f'fill="{OUTCOME_FILLS[outcome]}" data-year="{item.year}" data-outcome="{outcome}" '
                f'data-value="{value}">'
                f"<title>{item.year} {esc(OUTCOME_LABELS[outcome])}: {value}</title></rect>"
            )
        body.append(_text(x + bar_w / 2, top + plot_h + 16, item.year))
    if highest == 0:
        body.append(_text(left + 10, top + plot_h / 2, "（无数据 / no data）", anchor="start"))
    for n, outcome in enumerate(OUTCOMES):
        x, y = left + plot_w + 12, top + 18 * n
        body.append(
            f'<rect class="legend" x="{x}" y="{y}" width="12" height="12" fill="{OUTCOME_FILLS[outcome]}"/>'
        )
        body.append(_text(x + 18, y + 11, OUTCOME_LABELS[outcome], anchor="start"))
    return _svg("outcomes", width, height, "Requests by outcome and year (table 三 totals)", body)
