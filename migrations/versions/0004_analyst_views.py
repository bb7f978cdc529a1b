"""Analysts' schema: reference data (divisions, template_labels), cell provenance (cell_sources), the analyst
views and a Chinese/English comment on every table, view and column.

Revision ID: 0004
Revises: 0003
Create Date: 2026-03-01

Tables:
- divisions: the national 行政区划代码 table, county level and above.
- template_labels: the official row, column and block labels of tables 二, 三 and 四, per table format.
- cell_sources: where each stored table cell was read (parsers.model.CellSource).

Views (plain views; see docs/analysts.md for what each row means):
- region_hierarchy: every code of regions ∪ divisions with its province, prefecture and county.
- report_key_figures: one row per report (kind 'report') with its headline figures and provenance.
- organ_year_reports: the one report chosen per (region_code, organ, year).
- request_values: table 三 in long form, one row per stored cell, with the official labels.
- check_results: the §7 checks, split into rule and subject, with the numbers their detail names.
- coverage: per region and year, reports found, parsed, complete, failing checks, crawl failures.
- cross_year_checks: carry-over and 现行有效件数 continuity between consecutive years of one organ, the
  rules of parsers.checks.cross_year computed in SQL.

Unlike 0001–0003 this migration reads data from the code at upgrade time: the division table from
parsers.divisions (parsers/data/divisions.tsv), the labels and the row/column ids the views name from
parsers/template.py, the comments from crawler/store/comments.py. A later change of the template or the
division table therefore ships its own migration (refilling the tables, recreating the views), so that a
database says what the code said when it was migrated.
"""

from __future__ import annotations

import sys
from collections.abc import Iterable, Sequence
from pathlib import Path

import sqlalchemy as sa
from alembic import op

# `alembic heads` / `history` load the scripts without migrations/env.py, which is what puts the checkout on
# the path for a project that is not pip-installed: this script reads the project's data, so it does too.
_REPO_ROOT = str(Path(__file__).resolve().parents[2])
if _REPO_ROOT not in sys.path:
    sys.path.insert(0, _REPO_ROOT)

from crawler.store.comments import apply_comments, clear_comments  # noqa: E402
from parsers import divisions  # noqa: E402
from parsers.template import (  # noqa: E402
    ACTIVE_DISCLOSURE,
    APPLICANT_COLUMN_IDS,
    NOT_APPLICABLE,
    REQUEST_COLUMN_IDS,
    REQUEST_COLUMNS,
    REQUEST_GROUP_HEADER,
    REVIEW_BLOCKS,
    REVIEW_COLUMNS,
    REVIEW_HEADER_LABELS,
    TABLE_FORMATS,
    request_rows,
)

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

VIEWS: tuple[str, ...] = (
    "region_hierarchy",
    "report_key_figures",
    "organ_year_reports",
    "request_values",
    "check_results",
    "coverage",
    "cross_year_checks",
)

# Rows of table 三 summed into one key figure: the rows of each format whose ids start with the prefix
# (fmt 2019 has the single row other_handling where 2021 has three other_* rows).
SUMMED_REQUEST_FIGURES: tuple[tuple[str, str], ...] = (
    ("requests_denied", "denied_"),
    ("requests_unable", "unable_"),
    ("requests_not_processed", "not_processed_"),
    ("requests_other", "other_"),
)
# Key figures read from one row's total.
ROW_TOTAL_FIGURES: tuple[tuple[str, str], ...] = (
    ("requests_new_received", "new_received"),
    ("requests_carried_over", "carried_over"),
    ("requests_granted", "granted"),
    ("requests_partially_granted", "partially_granted"),
)
ROW_TOTAL_FIGURES_AFTER: tuple[tuple[str, str], ...] = (
    ("requests_total", "total"),
    ("requests_carried_forward", "carried_forward"),
)
IN_FORCE_ROWS: tuple[str, ...] = ("regulations", "normative_documents")  # as parsers.checks.cross_year


def _literal(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def _in_list(values: Iterable[str]) -> str:
    return "(" + ", ".join(_literal(v) for v in values) + ")"


NA_MARKS = _in_list(sorted(NOT_APPLICABLE))


def _table_format(alias: str) -> str:
    """The table format of report `alias`, as parsers.checks decides it for table 三: the report's format,
    or for a report of unknown/legacy format, 2019 when its table has the row other_handling."""
    return (
        f"CASE WHEN {alias}.format IN ('2019', '2021') THEN {alias}.format "
        f"WHEN EXISTS (SELECT 1 FROM report_requests AS o WHERE o.report_id = {alias}.id "
        "AND o.row_id = 'other_handling') THEN '2019' ELSE '2021' END"
    )


def _shown(value: str, raw: str) -> str:
    """A cell as parsers.checks writes it in a detail: its number, 'n/a', or 'blank'."""
    return (
        f"CASE WHEN {value} IS NOT NULL THEN {value}::text "
        f"WHEN {raw} IN {NA_MARKS} THEN 'n/a' ELSE 'blank' END"
    )


# ---------------------------------------------------------------------------------------------
# Views
# ---------------------------------------------------------------------------------------------

REGION_HIERARCHY = """
CREATE VIEW region_hierarchy AS
WITH codes AS (
    SELECT code FROM regions
    UNION
    SELECT code FROM divisions
),
node AS (
    SELECT
        c.code,
        coalesce(g.name, d.name) AS name,
        coalesce(
            g.level,
            d.level,
            CASE WHEN c.code LIKE '__0000' THEN 'province' WHEN c.code LIKE '____00' THEN 'prefecture'
                 ELSE 'county' END
        ) AS level,
        CASE
            WHEN g.parent_code IS NOT NULL THEN g.parent_code
            WHEN d.code IS NOT NULL THEN d.parent_code
            -- Code arithmetic, for codes neither table places: xxxx00 under xx0000, the rest under xxxx00
            -- when that exists (else directly under the province, as 直辖市 districts and 省直辖县 are).
            WHEN c.code LIKE '__0000' THEN NULL
            WHEN c.code LIKE '____00' THEN left(c.code, 2) || '0000'
            WHEN EXISTS (SELECT 1 FROM codes AS p WHERE p.code = left(c.code, 4) || '00')
                THEN left(c.code, 4) || '00'
            ELSE left(c.code, 2) || '0000'
        END AS parent_code
    FROM codes AS c
    LEFT JOIN regions AS g ON g.code = c.code
    LEFT JOIN divisions AS d ON d.code = c.code
)
SELECT
    n.code,
    n.name,
    n.level,
    CASE WHEN n.level = 'province' THEN n.code WHEN p.level = 'province' THEN p.code
         WHEN gp.level = 'province' THEN gp.code END AS province_code,
    CASE WHEN n.level = 'province' THEN n.name WHEN p.level = 'province' THEN p.name
         WHEN gp.level = 'province' THEN gp.name END AS province_name,
    CASE WHEN n.level = 'prefecture' THEN n.code WHEN p.level = 'prefecture' THEN p.code END
        AS prefecture_code,
    CASE WHEN n.level = 'prefecture' THEN n.name WHEN p.level = 'prefecture' THEN p.name END
        AS prefecture_name,
    CASE WHEN n.level = 'county' THEN n.code END AS county_code,
    CASE WHEN n.level = 'county' THEN n.name END AS county_name
FROM node AS n
LEFT JOIN node AS p ON p.code = n.parent_code
LEFT JOIN node AS gp ON gp.code = p.parent_code
"""


def _all_or_null_sum(column: str, condition: str, operands: int) -> str:
    """Σ column over the rows matching condition, NULL unless all `operands` rows hold a number
    (blank ≠ 0: a sum with a blank or missing operand is unknown)."""
    return (
        f"CASE WHEN count({column}) FILTER (WHERE {condition}) = {operands} "
        f"THEN (sum({column}) FILTER (WHERE {condition}))::integer END"
    )


def report_key_figures_sql() -> str:
    request_figures = [
        f"max(total) FILTER (WHERE row_id = {_literal(row)}) AS {name}"
        for name, row in (*ROW_TOTAL_FIGURES, *ROW_TOTAL_FIGURES_AFTER)
    ]
    for name, prefix in SUMMED_REQUEST_FIGURES:
        for fmt in TABLE_FORMATS:
            ids = [r.id for r in request_rows(fmt) if r.id.startswith(prefix)]
            request_figures.append(
                f"{_all_or_null_sum('total', f'row_id IN {_in_list(ids)}', len(ids))} AS {name}_{fmt}"
            )
    picked = [f"q.{name}" for name, _ in ROW_TOTAL_FIGURES]
    picked += [
        f"CASE WHEN tf.table_format = '2019' THEN q.{name}_2019 ELSE q.{name}_2021 END AS {name}"
        for name, _ in SUMMED_REQUEST_FIGURES
    ]
    picked += [f"q.{name}" for name, _ in ROW_TOTAL_FIGURES_AFTER]
    figures = ",\n    ".join(picked)
    request_columns = ",\n        ".join(request_figures)
    return f"""
CREATE VIEW report_key_figures AS
SELECT
    r.id AS report_id,
    r.region_code,
    h.name AS region_name,
    h.province_code,
    h.prefecture_code,
    r.organ,
    r.year,
    r.format,
    r.title,
    {figures},
    rl.reviews_total,
    rl.lawsuits_total,
    CASE WHEN r.format = '2021' THEN ad.fees_10k_yuan END AS fees_10k_yuan,
    coalesce(ch.checks_total, 0)::integer AS checks_total,
    coalesce(ch.checks_failed, 0)::integer AS checks_failed,
    {TABLES_PRESENT.format(report="r.id")} AS tables_present,
    d.url AS source_url,
    v.final_url,
    r.publish_date,
    r.sign_date,
    v.fetched_at,
    v.sha256,
    r.parsed_at
FROM reports AS r
JOIN documents AS d ON d.id = r.document_id
JOIN document_versions AS v ON v.id = r.version_id
LEFT JOIN region_hierarchy AS h ON h.code = r.region_code
-- Per report (LATERAL, by the tables' primary keys): a query for some regions or years reads only theirs.
CROSS JOIN LATERAL (
    SELECT
        {request_columns}
    FROM report_requests
    WHERE report_id = r.id
) AS q
CROSS JOIN LATERAL (SELECT {_table_format('r')} AS table_format) AS tf
CROSS JOIN LATERAL (
    SELECT
        max(total) FILTER (WHERE block_id = 'review') AS reviews_total,
        max(total) FILTER (WHERE block_id = 'litigation_direct')
            + max(total) FILTER (WHERE block_id = 'litigation_after_review') AS lawsuits_total
    FROM report_review_litigation
    WHERE report_id = r.id
) AS rl
CROSS JOIN LATERAL (
    SELECT max(amount_10k_yuan) FILTER (WHERE row_id = 'fees') AS fees_10k_yuan
    FROM report_active_disclosure
    WHERE report_id = r.id
) AS ad
CROSS JOIN LATERAL (
    SELECT count(*) AS checks_total, count(*) FILTER (WHERE ok IS FALSE) AS checks_failed
    FROM checks
    WHERE report_id = r.id
) AS ch
WHERE r.kind = 'report'
"""


# How many of the three tables a report has (a stored table has at least one row).
TABLES_PRESENT = (
    "((EXISTS (SELECT 1 FROM report_requests AS t2 WHERE t2.report_id = {report}))::integer"
    " + (EXISTS (SELECT 1 FROM report_active_disclosure AS t1 WHERE t1.report_id = {report}))::integer"
    " + (EXISTS (SELECT 1 FROM report_review_litigation AS t3 WHERE t3.report_id = {report}))::integer)"
)

ORGAN_YEAR_REPORTS = f"""
CREATE VIEW organ_year_reports AS
SELECT region_code, organ, year, report_id, format, tables_present, publish_date, candidates
FROM (
    SELECT
        r.region_code,
        r.organ,
        r.year,
        r.id AS report_id,
        r.format,
        t.tables_present,
        r.publish_date,
        count(*) OVER same AS candidates,
        row_number() OVER (
            PARTITION BY r.region_code, r.organ, r.year
            ORDER BY t.tables_present DESC, r.publish_date DESC NULLS LAST, r.id DESC
        ) AS pick
    FROM reports AS r
    CROSS JOIN LATERAL (SELECT {TABLES_PRESENT.format(report="r.id")} AS tables_present) AS t
    WHERE r.kind = 'report' AND r.organ IS NOT NULL AND r.year IS NOT NULL
    WINDOW same AS (PARTITION BY r.region_code, r.organ, r.year)
) AS ranked
WHERE pick = 1
"""


def request_values_sql() -> str:
    value = " ".join(f"WHEN {_literal(c)} THEN q.{c}" for c in REQUEST_COLUMN_IDS)
    return f"""
CREATE VIEW request_values AS
SELECT
    r.id AS report_id,
    r.region_code,
    r.organ,
    r.year,
    r.format,
    q.row_id,
    rl.label AS row_label,
    rl.ord AS row_order,
    cell.column_id,
    cl.label AS column_label,
    v.value,
    cell.raw,
    (v.value IS NULL AND cell.raw NOT IN {NA_MARKS}) AS is_blank,
    (v.value IS NULL AND cell.raw IN {NA_MARKS}) AS is_na,
    s.method,
    s.page,
    s.confidence,
    s.low_confidence,
    s.document_url,
    rl.group_label AS row_group,
    cl.ord AS column_order,
    tf.table_format
FROM report_requests AS q
JOIN reports AS r ON r.id = q.report_id
CROSS JOIN LATERAL jsonb_each_text(q.raw) AS cell (column_id, raw)
CROSS JOIN LATERAL (SELECT CASE cell.column_id {value} END AS value) AS v
CROSS JOIN LATERAL (SELECT {_table_format('r')} AS table_format) AS tf
LEFT JOIN template_labels AS rl
    ON rl.table_id = 'requests' AND rl.kind = 'row' AND rl.format = tf.table_format AND rl.id = q.row_id
LEFT JOIN template_labels AS cl
    ON cl.table_id = 'requests' AND cl.kind = 'column' AND cl.format = tf.table_format
    AND cl.id = cell.column_id
LEFT JOIN cell_sources AS s
    ON s.report_id = q.report_id AND s.table_id = 'requests' AND s.row_id = q.row_id
    AND s.column_id = cell.column_id
WHERE r.kind = 'report'
"""


# The numbers a check's detail names: every numeral, except inside the quoted prose of narrative checks,
# the count in "(+ N rows of 0)" and the OCR note ("… and N more").
CHECK_RESULTS = r"""
CREATE VIEW check_results AS
SELECT
    c.report_id,
    r.region_code,
    r.organ,
    r.year,
    r.format,
    c.check_id,
    CASE WHEN cardinality(parts.p) >= 3 THEN array_to_string(parts.p[1:cardinality(parts.p) - 1], '.')
         ELSE c.check_id END AS rule,
    CASE WHEN cardinality(parts.p) >= 3 THEN parts.p[cardinality(parts.p)] END AS subject,
    c.ok,
    c.detail,
    ARRAY(
        SELECT m.found[1]::numeric
        FROM regexp_matches(named.text, '(?<![[:alnum:]_.])-?[0-9]+(?:\.[0-9]+)?', 'g')
            WITH ORDINALITY AS m (found, n)
        ORDER BY m.n
    ) AS numbers
FROM checks AS c
JOIN reports AS r ON r.id = c.report_id
CROSS JOIN LATERAL (SELECT string_to_array(c.check_id, '.') AS p) AS parts
CROSS JOIN LATERAL (
    SELECT regexp_replace(
        regexp_replace(
            regexp_replace(c.detail, '"[^"]*"', '', 'g'),
            '[0-9]+ rows of 0', '', 'g'),
        '\(table read by OCR[^)]*\)', '', 'g') AS text
) AS named
WHERE r.kind = 'report'
"""


COVERAGE = r"""
CREATE VIEW coverage AS
WITH document_years AS (
    SELECT
        d.id AS document_id,
        d.url,
        d.region_code,
        d.role,
        rp.id AS report_id,
        rp.kind,
        rp.format,
        coalesce(
            rp.year,
            substring(v.listing_title FROM '(?:^|[^0-9])((?:19|20)[0-9]{2})(?:[^0-9]|$)')::integer
        ) AS year
    FROM documents AS d
    LEFT JOIN document_versions AS v ON v.id = d.current_version_id
    LEFT JOIN reports AS rp ON rp.document_id = d.id
),
found AS (
    -- A report document: a listing's report link, unless its parse says it is no report (a 解读 page).
    SELECT
        y.region_code,
        y.year,
        1 AS found,
        (y.kind = 'report' AND y.format <> 'unknown')::integer AS parsed,
        (y.kind = 'report' AND @TABLES_PRESENT@ = 3)::integer AS all_tables,
        (y.kind = 'report' AND EXISTS (
            SELECT 1 FROM checks AS c WHERE c.report_id = y.report_id AND c.ok IS FALSE
        ))::integer AS failing,
        NULL::text AS failed_url
    FROM document_years AS y
    WHERE y.role = 'report' AND y.kind IS DISTINCT FROM 'not_report'
),
failed AS (
    -- A failure's year is the year of the document at its URL, when one is stored.
    SELECT f.region_code, y.year, 0, 0, 0, 0, f.url
    FROM crawl_failures AS f
    LEFT JOIN LATERAL (
        SELECT dy.year FROM document_years AS dy WHERE dy.url = f.url
    ) AS y ON true
    WHERE f.region_code IS NOT NULL
),
per_region_year AS (
    SELECT
        region_code,
        year,
        sum(found)::integer AS reports_found,
        coalesce(sum(parsed), 0)::integer AS reports_parsed,
        coalesce(sum(all_tables), 0)::integer AS reports_with_all_tables,
        coalesce(sum(failing), 0)::integer AS reports_failing_checks,
        count(DISTINCT failed_url)::integer AS failures
    FROM (SELECT * FROM found UNION ALL SELECT * FROM failed) AS events
    GROUP BY region_code, year
)
SELECT
    c.region_code,
    h.name AS region_name,
    h.province_code,
    c.year,
    c.reports_found,
    c.reports_parsed,
    c.reports_with_all_tables,
    c.reports_failing_checks,
    c.failures
FROM per_region_year AS c
LEFT JOIN region_hierarchy AS h ON h.code = c.region_code
"""
COVERAGE = COVERAGE.replace("@TABLES_PRESENT@", TABLES_PRESENT.format(report="y.report_id"))


def cross_year_checks_sql() -> str:
    carry_values = ",\n        ".join(
        f"({_literal(c)}, {n}, cq.{c}, pq.{c}, cq.raw ->> {_literal(c)}, pq.raw ->> {_literal(c)})"
        for n, c in enumerate(REQUEST_COLUMN_IDS, start=1)
    )
    rows = ", ".join(f"({_literal(r)}, {n})" for n, r in enumerate(IN_FORCE_ROWS, start=1))
    in_force, before, issued, repealed = (
        _shown(f"{alias}.{col}", f"{alias}.raw ->> {_literal(col)}")
        for alias, col in (("ca", "in_force"), ("pa", "in_force"), ("ca", "issued"), ("ca", "repealed"))
    )
    return f"""
CREATE VIEW cross_year_checks AS
-- NOT MATERIALIZED: a filter on region_code / organ / year reaches the reports it needs.
WITH pairs AS NOT MATERIALIZED (
    SELECT
        cur.region_code,
        cur.organ,
        cur.year,
        prev.year AS previous_year,
        cur.report_id,
        prev.report_id AS previous_report_id,
        cur.format,
        prev.format AS previous_format
    FROM organ_year_reports AS cur
    JOIN organ_year_reports AS prev
        ON prev.region_code = cur.region_code AND prev.organ = cur.organ AND prev.year = cur.year - 1
),
carry AS (
    SELECT
        p.region_code, p.organ, p.year, p.previous_year, p.report_id, p.previous_report_id,
        'cross_year.carry.' || c.column_id AS check_id,
        CASE WHEN c.actual IS NULL OR c.expected IS NULL THEN NULL ELSE c.actual = c.expected END AS ok,
        'carried_over ' || {_shown('c.actual', 'c.actual_raw')}
            || '; previous carried_forward ' || {_shown('c.expected', 'c.expected_raw')} AS detail,
        c.expected::numeric AS expected,
        c.actual::numeric AS actual,
        1 AS rule_order,
        c.n AS subject_order
    FROM pairs AS p
    LEFT JOIN report_requests AS cq ON cq.report_id = p.report_id AND cq.row_id = 'carried_over'
    LEFT JOIN report_requests AS pq ON pq.report_id = p.previous_report_id AND pq.row_id = 'carried_forward'
    CROSS JOIN LATERAL (VALUES
        {carry_values}
    ) AS c (column_id, n, actual, expected, actual_raw, expected_raw)
    -- As parsers.checks.cross_year: only when both reports have table 三.
    WHERE EXISTS (SELECT 1 FROM report_requests AS t WHERE t.report_id = p.report_id)
      AND EXISTS (SELECT 1 FROM report_requests AS t WHERE t.report_id = p.previous_report_id)
),
in_force AS (
    SELECT
        p.region_code, p.organ, p.year, p.previous_year, p.report_id, p.previous_report_id,
        'cross_year.in_force.' || w.row_id AS check_id,
        CASE WHEN ca.in_force IS NULL OR e.expected IS NULL THEN NULL
             ELSE ca.in_force = e.expected END AS ok,
        'in_force ' || {in_force} || '; previous in_force ' || {before}
            || ' + issued ' || {issued} || ' - repealed ' || {repealed}
            || CASE WHEN ca.in_force IS NOT NULL AND e.expected IS NOT NULL THEN ' = ' || e.expected
                    ELSE '' END AS detail,
        e.expected::numeric AS expected,
        ca.in_force::numeric AS actual,
        2 AS rule_order,
        w.n AS subject_order
    FROM pairs AS p
    CROSS JOIN (VALUES {rows}) AS w (row_id, n)
    LEFT JOIN report_active_disclosure AS ca ON ca.report_id = p.report_id AND ca.row_id = w.row_id
    LEFT JOIN report_active_disclosure AS pa ON pa.report_id = p.previous_report_id AND pa.row_id = w.row_id
    CROSS JOIN LATERAL (SELECT pa.in_force + ca.issued - ca.repealed AS expected) AS e
    -- As parsers.checks.cross_year: both reports in the 2021 format, both with table 二.
    WHERE p.format = '2021' AND p.previous_format = '2021'
      AND EXISTS (SELECT 1 FROM report_active_disclosure AS t WHERE t.report_id = p.report_id)
      AND EXISTS (SELECT 1 FROM report_active_disclosure AS t WHERE t.report_id = p.previous_report_id)
)
SELECT region_code, organ, year, previous_year, report_id, previous_report_id, check_id, ok, detail,
       expected, actual
FROM (SELECT * FROM carry UNION ALL SELECT * FROM in_force) AS checks
"""


# ---------------------------------------------------------------------------------------------
# Reference data
# ---------------------------------------------------------------------------------------------


def template_label_rows() -> list[dict[str, object]]:
    """The official labels of tables 二, 三 and 四 per table format, from parsers/template.py."""
    out: list[dict[str, object]] = []

    def add(table_id: str, fmt: str, kind: str, items: Iterable[tuple[str, str, str | None]]) -> None:
        for ord_, (id_, label, group) in enumerate(items, start=1):
            out.append(
                {
                    "table_id": table_id,
                    "format": fmt,
                    "kind": kind,
                    "id": id_,
                    "label": label,
                    "ord": ord_,
                    "group_label": group,
                }
            )

    organisations = set(APPLICANT_COLUMN_IDS[1:])  # the columns under the merged 法人或其他组织 header
    review_header, litigation_header = REVIEW_HEADER_LABELS
    for fmt in TABLE_FORMATS:
        active = ACTIVE_DISCLOSURE[fmt]
        add("active_disclosure", fmt, "row", ((r.id, r.label, r.caption) for r in active))
        columns = {c.id: c.label for r in active for c in r.columns}
        add("active_disclosure", fmt, "column", ((i, label, None) for i, label in columns.items()))
        add("requests", fmt, "row", ((r.id, r.label, r.group) for r in request_rows(fmt)))
        groups = {c.id: REQUEST_GROUP_HEADER if c.id in organisations else None for c in REQUEST_COLUMNS}
        add("requests", fmt, "column", ((c.id, c.label, groups[c.id]) for c in REQUEST_COLUMNS))
        headers = {b.id: review_header if b.id == "review" else litigation_header for b in REVIEW_BLOCKS}
        add("review_litigation", fmt, "block", ((b.id, b.label, headers[b.id]) for b in REVIEW_BLOCKS))
        add("review_litigation", fmt, "column", ((c.id, c.label, None) for c in REVIEW_COLUMNS))
    return out


def division_rows() -> list[dict[str, object]]:
    return [
        {"code": d.code, "name": d.name, "level": d.level, "parent_code": d.parent}
        for d in divisions.all_divisions()
    ]


def upgrade() -> None:
    op.create_table(
        "divisions",
        sa.Column("code", sa.String(6), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("level", sa.Text(), nullable=False),
        sa.Column("parent_code", sa.String(6), nullable=True),
        sa.PrimaryKeyConstraint("code", name="pk_divisions"),
        sa.CheckConstraint("code ~ '^[0-9]{6}$'", name="ck_divisions_code_digits"),
        sa.CheckConstraint("level IN ('province', 'prefecture', 'county')", name="ck_divisions_level"),
    )
    op.create_index("ix_divisions_parent_code", "divisions", ["parent_code"])

    op.create_table(
        "template_labels",
        sa.Column("table_id", sa.String(64), nullable=False),
        sa.Column("format", sa.Text(), nullable=False),
        sa.Column("kind", sa.Text(), nullable=False),
        sa.Column("id", sa.String(64), nullable=False),
        sa.Column("label", sa.Text(), nullable=False),
        sa.Column("ord", sa.Integer(), nullable=False),
        sa.Column("group_label", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("table_id", "format", "kind", "id", name="pk_template_labels"),
        sa.CheckConstraint("kind IN ('row', 'column', 'block')", name="ck_template_labels_kind"),
        sa.CheckConstraint("format IN ('2021', '2019')", name="ck_template_labels_format"),
    )

    op.create_table(
        "cell_sources",
        sa.Column("report_id", sa.BigInteger(), nullable=False),
        sa.Column("table_id", sa.String(64), nullable=False),
        sa.Column("row_id", sa.String(64), nullable=False),
        sa.Column("column_id", sa.String(64), nullable=False),
        sa.Column("method", sa.Text(), nullable=False),
        sa.Column("page", sa.Integer(), nullable=True),
        sa.Column("confidence", sa.REAL(), nullable=True),
        sa.Column("low_confidence", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column("document_url", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("report_id", "table_id", "row_id", "column_id", name="pk_cell_sources"),
        sa.CheckConstraint(
            "table_id IN ('active_disclosure', 'requests', 'review_litigation')",
            name="ck_cell_sources_table_id",
        ),
        sa.ForeignKeyConstraint(
            ["report_id"], ["reports.id"], name="fk_cell_sources_report_id_reports", ondelete="CASCADE"
        ),
    )

    op.bulk_insert(
        sa.table(
            "divisions",
            sa.column("code", sa.String()),
            sa.column("name", sa.Text()),
            sa.column("level", sa.Text()),
            sa.column("parent_code", sa.String()),
        ),
        division_rows(),
    )
    op.bulk_insert(
        sa.table(
            "template_labels",
            sa.column("table_id", sa.String()),
            sa.column("format", sa.Text()),
            sa.column("kind", sa.Text()),
            sa.column("id", sa.String()),
            sa.column("label", sa.Text()),
            sa.column("ord", sa.Integer()),
            sa.column("group_label", sa.Text()),
        ),
        template_label_rows(),
    )

    for statement in (
        REGION_HIERARCHY,
        report_key_figures_sql(),
        ORGAN_YEAR_REPORTS,
        request_values_sql(),
        CHECK_RESULTS,
        COVERAGE,
        cross_year_checks_sql(),
    ):
        # Straight to the driver: the regular expressions hold ":19"-like text that text() would bind
        # (and the driver's own placeholder is %, doubled).
        op.get_bind().exec_driver_sql(statement.replace("%", "%%"))

    apply_comments(op.get_bind())


def downgrade() -> None:
    for view in reversed(VIEWS):
        op.execute(f"DROP VIEW {view}")
    op.drop_table("cell_sources")
    op.drop_table("template_labels")
    op.drop_index("ix_divisions_parent_code", table_name="divisions")
    op.drop_table("divisions")
    clear_comments(op.get_bind())  # the comments it put on the tables and views of 0001–0003
