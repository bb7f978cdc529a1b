"""What the data-quality report shows, read from the analyst views (migration 0004) in one transaction.

Every figure here is a plain count or sum of a view; the page (page.py) and its charts (charts.py) only
draw them. Outcome sums are over `organ_year_reports` (one report per organ and year), and a report whose
figure is NULL (no table 三, or a blank operand) adds nothing to that outcome: blank is not 0.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any, Final

import psycopg

from crawler.db_roles import libpq_url
from parsers.template import REQUEST_GROUP_LABELS, REQUEST_ROW_BY_ID

# Outcome id → the report_key_figures column holding its table 三 total.
OUTCOME_COLUMNS: Final[dict[str, str]] = {
    "granted": "requests_granted",
    "partially_granted": "requests_partially_granted",
    "denied": "requests_denied",
    "unable": "requests_unable",
    "not_processed": "requests_not_processed",
    "other": "requests_other",
}
OUTCOMES: Final[tuple[str, ...]] = tuple(OUTCOME_COLUMNS)
GAP_ROWS: Final[int] = 20  # rows of each "worst gaps" table


def _short_label(label: str) -> str:
    """`(一)予以公开` → `予以公开`; `(二)部分公开(区分处理的,…)` → `部分公开`: the outcome's name alone."""
    text = label.split(")", 1)[1] if label.startswith("(") and ")" in label else label
    return text.split("(", 1)[0]


# The official names of the outcomes, from the template: rows (一)(二), groups (三)–(六).
OUTCOME_LABELS: Final[dict[str, str]] = {
    "granted": _short_label(REQUEST_ROW_BY_ID["granted"].label),
    "partially_granted": _short_label(REQUEST_ROW_BY_ID["partially_granted"].label),
    "denied": _short_label(REQUEST_GROUP_LABELS[1]),
    "unable": _short_label(REQUEST_GROUP_LABELS[2]),
    "not_processed": _short_label(REQUEST_GROUP_LABELS[3]),
    "other": _short_label(REQUEST_GROUP_LABELS[4]),
}


class QualityReportError(RuntimeError):
    """The report could not be made (the message says why)."""


@dataclass(frozen=True)
class CoverageCell:
    region_code: str
    region_name: str
    year: int | None
    found: int
    parsed: int
    all_tables: int
    failing_checks: int
    failures: int

    @property
    def parsed_share(self) -> float | None:
        return None if self.found == 0 else self.parsed / self.found


@dataclass(frozen=True)
class YearFailing:
    year: int
    reports: int
    failing: int  # reports with at least one failing check

    @property
    def share(self) -> float:
        return self.failing / self.reports if self.reports else 0.0


@dataclass(frozen=True)
class YearOutcomes:
    year: int
    reports: int  # reports of organ_year_reports with the year
    values: dict[str, int]  # outcome id → Σ of its table 三 totals


@dataclass(frozen=True)
class FailingGap:
    region_code: str
    region_name: str
    year: int | None
    reports: int
    reports_failing: int
    checks_failed: int


@dataclass(frozen=True)
class MissingYears:
    region_code: str
    region_name: str
    organ: str
    first_year: int
    last_year: int
    missing: tuple[int, ...]


@dataclass(frozen=True)
class QualityData:
    generated_at: dt.datetime
    coverage: list[CoverageCell]
    failing_by_year: list[YearFailing]
    outcomes_by_year: list[YearOutcomes]
    unparsed: list[CoverageCell]  # region × year with reports found but not all parsed, or failures
    failing: list[FailingGap]
    missing_years: list[MissingYears]

    @property
    def regions(self) -> list[tuple[str, str]]:
        """(code, name) of the regions in the coverage, in code order."""
        return sorted({(c.region_code, c.region_name) for c in self.coverage})

    @property
    def years(self) -> list[int | None]:
        """The coverage's years, ascending, then None (year unknown) when some row has no year."""
        known = sorted({c.year for c in self.coverage if c.year is not None})
        return [*known, None] if any(c.year is None for c in self.coverage) else list(known)


_COVERAGE_SQL = """
SELECT region_code, coalesce(region_name, region_code), year, reports_found, reports_parsed,
       reports_with_all_tables, reports_failing_checks, failures
FROM coverage ORDER BY region_code, year NULLS LAST
"""

_FAILING_SQL = """
SELECT year, count(*), count(*) FILTER (WHERE checks_failed > 0)
FROM report_key_figures WHERE year IS NOT NULL GROUP BY year ORDER BY year
"""

_OUTCOMES_SQL = """
SELECT k.year, count(*), {sums}
FROM organ_year_reports o JOIN report_key_figures k ON k.report_id = o.report_id
WHERE k.year IS NOT NULL GROUP BY k.year ORDER BY k.year
""".format(sums=", ".join(f"coalesce(sum(k.{column}), 0)" for column in OUTCOME_COLUMNS.values()))

_FAILING_GAPS_SQL = """
SELECT k.region_code, coalesce(k.region_name, k.region_code), k.year, count(*),
       count(*) FILTER (WHERE k.checks_failed > 0), coalesce(sum(k.checks_failed), 0)
FROM report_key_figures k
GROUP BY k.region_code, k.region_name, k.year
HAVING coalesce(sum(k.checks_failed), 0) > 0
ORDER BY 6 DESC, 5 DESC, 1, 3 NULLS LAST
LIMIT %(limit)s
"""

_MISSING_YEARS_SQL = """
WITH runs AS (
    SELECT k.region_code, coalesce(k.region_name, k.region_code) AS region_name, k.organ,
           min(k.year) AS first_year, max(k.year) AS last_year, array_agg(DISTINCT k.year) AS years
    FROM organ_year_reports o JOIN report_key_figures k ON k.report_id = o.report_id
    WHERE k.organ IS NOT NULL AND k.year IS NOT NULL
    GROUP BY k.region_code, k.region_name, k.organ
)
SELECT region_code, region_name, organ, first_year, last_year,
       ARRAY(SELECT y FROM generate_series(first_year, last_year) y WHERE NOT y = ANY(years) ORDER BY y)
FROM runs
WHERE last_year - first_year + 1 > cardinality(years)
ORDER BY last_year - first_year + 1 - cardinality(years) DESC, region_code, organ COLLATE "C"
LIMIT %(limit)s
"""


def load(url: str) -> QualityData:
    """Read everything the page shows; a database error or a missing view raises QualityReportError."""
    try:
        with psycopg.connect(libpq_url(url)) as conn:
            conn.read_only = True
            return _load(conn)
    except psycopg.errors.UndefinedTable as exc:
        raise QualityReportError(
            f"{exc.diag.message_primary}: the analyst views are missing; migrate the database to head"
        ) from exc
    except psycopg.Error as exc:
        raise QualityReportError(f"database error while reading the views: {exc}") from exc


def _load(conn: psycopg.Connection[Any]) -> QualityData:
    now = conn.execute("SELECT now()").fetchone()
    assert now is not None
    coverage = [CoverageCell(*row) for row in conn.execute(_COVERAGE_SQL)]
    failing_by_year = [YearFailing(*row) for row in conn.execute(_FAILING_SQL)]
    outcomes = [
        YearOutcomes(row[0], row[1], dict(zip(OUTCOMES, (int(v) for v in row[2:]), strict=True)))
        for row in conn.execute(_OUTCOMES_SQL)
    ]
    limit = {"limit": GAP_ROWS}
    failing = [FailingGap(*row) for row in conn.execute(_FAILING_GAPS_SQL, limit)]
    missing = [
        MissingYears(code, name, organ, first, last, tuple(years))
        for code, name, organ, first, last, years in conn.execute(_MISSING_YEARS_SQL, limit)
    ]
    unparsed = sorted(
        (c for c in coverage if c.parsed < c.found or c.failures > 0),
        key=lambda c: (-(c.found - c.parsed + c.failures), c.region_code, c.year is None, c.year or 0),
    )[:GAP_ROWS]
    return QualityData(now[0], coverage, failing_by_year, outcomes, unparsed, failing, missing)
