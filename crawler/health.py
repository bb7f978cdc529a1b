"""Crawl health at a glance: the view `region_health` (migration 0003), read and printed.

One row per region that is scheduled or was ever crawled: its last successful crawl, the reports known and
the newest report year, the failures recorded since the last success, the outcome of its latest run (a run
that found nothing where it found reports before counts as failed: see the view region_run_outcomes),
whether it is overdue (no success within its cadence plus the grace of crawler/deploy/schedule.toml), and
its open scheduled job if any. `python -m crawler status` prints it; analysts can select the same view.
"""

from __future__ import annotations

import datetime as dt
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import text

from crawler.store.database import make_engine

_COLUMNS = (
    "region_code",
    "region_name",
    "last_success",
    "last_run_at",
    "last_outcome",
    "last_problem",
    "reports_known",
    "newest_report_year",
    "failures_since_success",
    "cadence_seconds",
    "overdue",
    "job_state",
)


@dataclass(frozen=True)
class RegionHealth:
    region_code: str
    region_name: str | None
    last_success: dt.datetime | None
    last_run_at: dt.datetime | None
    last_outcome: str | None  # "ok" | "failed" | "unfinished"; None: never crawled
    last_problem: str | None
    reports_known: int
    newest_report_year: int | None
    failures_since_success: int
    cadence_seconds: int | None  # None: not scheduled
    overdue: bool
    job_state: str | None  # the open scheduled job's state, if any

    @property
    def healthy(self) -> bool:
        return not self.overdue and self.last_outcome in ("ok", None, "unfinished")


def region_health(url: str) -> list[RegionHealth]:
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            rows = conn.execute(
                text(f"SELECT {', '.join(_COLUMNS)} FROM region_health ORDER BY region_code")
            ).all()
    finally:
        engine.dispose()
    return [RegionHealth(*row) for row in rows]


def format_health(rows: Sequence[RegionHealth]) -> str:
    """The status table, then the overdue regions and the failed ones."""
    lines = ["Crawl health per region (view region_health; times UTC)"]
    if not rows:
        lines.append("  (no region is scheduled or was ever crawled)")
        return "\n".join(lines)
    header = ("code", "region", "last success", "reports", "newest", "failures since", "last run", "job")
    table = [header] + [
        (
            r.region_code,
            r.region_name or "?",
            _when(r.last_success),
            str(r.reports_known),
            str(r.newest_report_year) if r.newest_report_year is not None else "-",
            str(r.failures_since_success),
            _last_run(r),
            r.job_state or "-",
        )
        for r in rows
    ]
    widths = [max(_width(row[i]) for row in table) for i in range(len(header))]
    for row in table:
        cells = [_pad(cell, width) for cell, width in zip(row, widths, strict=True)]
        lines.append("  " + "  ".join(cells).rstrip())
    overdue = [r for r in rows if r.overdue]
    failed = [r for r in rows if r.last_outcome == "failed"]
    lines.append(
        f"Overdue: {len(overdue)} of {len(rows)}"
        + (": " + ", ".join(f"{r.region_code} {r.region_name or '?'}" for r in overdue) if overdue else "")
    )
    for r in failed:
        lines.append(f"Last run failed: {r.region_code} {r.region_name or '?'}: {r.last_problem}")
    return "\n".join(lines)


def _last_run(row: RegionHealth) -> str:
    if row.last_outcome is None:
        return "never"
    return f"{row.last_outcome} {_when(row.last_run_at)}"


def _when(value: dt.datetime | None) -> str:
    return value.astimezone(dt.UTC).strftime("%Y-%m-%d %H:%M") if value is not None else "never"


def _width(text_value: str) -> int:
    """Display width: CJK characters take two columns in a terminal."""
    return sum(2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1 for ch in text_value)


def _pad(text_value: str, width: int) -> str:
    return text_value + " " * (width - _width(text_value))
