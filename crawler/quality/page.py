"""The data-quality page: one self-contained HTML file (inline CSS and SVG; no script, nothing fetched)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Final

from crawler.quality import charts
from crawler.quality.charts import esc
from crawler.quality.data import QualityData

CSS: Final[str] = """
body { font-family: sans-serif; margin: 24px; color: #222; max-width: 1200px; }
h1 { font-size: 22px; } h2 { font-size: 18px; margin-top: 32px; }
p.note { color: #555; font-size: 13px; }
table { border-collapse: collapse; font-size: 13px; margin-top: 8px; }
th, td { border: 1px solid #ccc; padding: 4px 8px; text-align: left; }
td.num { text-align: right; }
svg.chart { display: block; margin-top: 8px; }
"""


def _table(table_id: str, headers: Sequence[str], rows: Sequence[Sequence[object]]) -> str:
    if not rows:
        return f'<p class="empty" id="{esc(table_id)}">（无 / none）</p>'
    head = "".join(f"<th>{esc(h)}</th>" for h in headers)
    body = "".join(
        "<tr>"
        + "".join(
            f'<td class="num">{esc(v)}</td>' if isinstance(v, int) else f"<td>{esc(v)}</td>" for v in row
        )
        + "</tr>"
        for row in rows
    )
    return f'<table id="{esc(table_id)}"><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>'


def _years(years: Sequence[int]) -> str:
    return "、".join(str(y) for y in years)


def _year(year: int | None) -> str:
    return charts.UNKNOWN_YEAR if year is None else str(year)


def render(data: QualityData) -> str:
    unparsed_rows = [
        (c.region_code, c.region_name, _year(c.year), c.found, c.parsed, c.failures) for c in data.unparsed
    ]
    failing_rows = [
        (g.region_code, g.region_name, _year(g.year), g.reports, g.reports_failing, g.checks_failed)
        for g in data.failing
    ]
    missing_rows = [
        (m.region_code, m.region_name, m.organ, f"{m.first_year}–{m.last_year}", _years(m.missing))
        for m in data.missing_years
    ]
    generated = data.generated_at.strftime("%Y-%m-%d %H:%M %Z")
    sections = [
        "<h1>政府信息公开工作年度报告 · 数据质量 / Data quality</h1>",
        f'<p class="note">Generated {esc(generated)} from the analyst views. Blank cells are not zeros: '
        "a figure that is blank in a report adds nothing to a sum.</p>",
        "<h2>覆盖 / Coverage by region and year</h2>",
        '<p class="note">Cell colour: share of found reports that were parsed (red 0% → green 100%; grey: '
        "no report found, only crawl failures). Text: parsed/found, ✗n crawl failures.</p>",
        charts.heat_map(data.coverage, data.regions, data.years),
        "<h2>校验未通过 / Share of reports with failing checks</h2>",
        charts.failing_bars(data.failing_by_year),
        "<h2>办理结果 / Request outcomes by year</h2>",
        '<p class="note">Σ of table 三 totals over one report per organ and year (organ_year_reports).</p>',
        charts.outcome_bars(data.outcomes_by_year),
        "<h2>最大缺口 / Worst gaps</h2>",
        "<h3>Found but not parsed, or failed to crawl</h3>",
        _table(
            "gaps-unparsed",
            ("code", "region", "year", "found", "parsed", "crawl failures"),
            unparsed_rows,
        ),
        "<h3>Most failing checks</h3>",
        _table(
            "gaps-failing",
            ("code", "region", "year", "reports", "reports failing", "checks failed"),
            failing_rows,
        ),
        "<h3>Missing years in an organ's run of reports</h3>",
        _table("gaps-missing-years", ("code", "region", "organ", "years", "missing"), missing_rows),
    ]
    return (
        '<!DOCTYPE html>\n<html lang="zh-CN"><head><meta charset="utf-8">'
        "<title>数据质量报告 / Data-quality report</title>"
        f"<style>{CSS}</style></head><body>\n" + "\n".join(sections) + "\n</body></html>\n"
    )
