"""`python -m crawler quality-report`: the data-quality page.

data.py reads the analyst views, charts.py draws the SVG charts, page.py lays the page out.
"""

from __future__ import annotations

from pathlib import Path

from crawler.quality.data import QualityData, QualityReportError, load
from crawler.quality.page import render

__all__ = ["QualityData", "QualityReportError", "load", "render", "write_quality_report"]


def write_quality_report(url: str, out: Path) -> str:
    """Write the page for the database at `url` to `out`; a one-line summary of what it shows."""
    data = load(url)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(render(data), encoding="utf-8")
    found = sum(c.found for c in data.coverage)
    parsed = sum(c.parsed for c in data.coverage)
    return f"{len(data.regions)} regions, {found} reports found, {parsed} parsed"
