"""Scheduled crawls and crawl health: scheduled_jobs, region_schedules, crawl_runs' scrapyd job and failures
by reason; the views region_run_outcomes and region_health.

Revision ID: 0003
Revises: 0002
Create Date: 2026-02-15

- scheduled_jobs: every crawl the scheduler (crawler/scheduler) submits to scrapyd, one row per region and
  occasion: its scrapyd job id (chosen by the scheduler before it asks, so a restart can find the job),
  state, attempts, when it was scheduled and finished, the crawl run it produced, the error if any. At most
  one open job per region (a partial unique index): never two crawls of one region at once.
- region_schedules: the cadence in force per scheduled region, kept by the scheduler, so the health view
  can say which regions are overdue.
- crawl_runs.scrapyd_job_id (the spider's `_job` argument) and crawl_runs.failures_by_reason (reason ->
  count, written when the run closes).
- region_run_outcomes: per run and region, "ok", "failed" or "unfinished", and why. The error policy lives
  here: a run that found no report link for a region whose reports it found before failed, whatever Scrapy's
  finish reason says.
- region_health: per region, what `python -m crawler status` prints.

Static DDL, like 0001: a migration records the schema as it was. The reason 'no report links' is
crawler.failures.NO_REPORT_LINKS as written at this revision.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TSTZ = sa.DateTime(timezone=True)
OPEN_STATES = "('submitting', 'submit_failed', 'pending', 'running')"
STATES = "('submitting', 'submit_failed', 'pending', 'running', 'finished', 'failed', 'lost')"

REGION_RUN_OUTCOMES = """
CREATE VIEW region_run_outcomes AS
SELECT
    r.id AS crawl_run_id,
    rc.region_code,
    r.scrapyd_job_id,
    r.started_at,
    r.finished_at,
    r.finish_reason,
    known.reports_before,
    silent.nothing_found,
    CASE
        WHEN r.finished_at IS NULL THEN 'unfinished'
        WHEN r.finish_reason IS DISTINCT FROM 'finished' THEN 'failed'
        WHEN silent.nothing_found AND known.reports_before > 0 THEN 'failed'
        ELSE 'ok'
    END AS outcome,
    CASE
        WHEN r.finished_at IS NULL THEN 'not finished: still running, or its process ended without closing it'
        WHEN r.finish_reason IS DISTINCT FROM 'finished'
            THEN 'finish reason ' || coalesce(r.finish_reason, 'unknown')
        WHEN silent.nothing_found AND known.reports_before > 0
            THEN 'found no report link where ' || known.reports_before || ' reports were found before'
    END AS problem
FROM crawl_runs AS r
CROSS JOIN LATERAL unnest(r.region_codes) AS rc (region_code)
CROSS JOIN LATERAL (
    SELECT count(*) AS reports_before
    FROM reports AS rp
    JOIN documents AS d ON d.id = rp.document_id
    WHERE rp.region_code = rc.region_code AND rp.kind = 'report' AND d.first_seen_at < r.started_at
) AS known
CROSS JOIN LATERAL (
    SELECT EXISTS (
        SELECT 1 FROM crawl_failures AS f
        WHERE f.crawl_run_id = r.id AND f.region_code = rc.region_code AND f.reason = 'no report links'
    ) AS nothing_found
) AS silent
"""

REGION_HEALTH = f"""
CREATE VIEW region_health AS
WITH tracked AS (
    SELECT region_code FROM region_schedules WHERE active
    UNION
    SELECT region_code FROM region_run_outcomes
),
success AS (
    SELECT region_code, max(finished_at) AS last_success
    FROM region_run_outcomes
    WHERE outcome = 'ok'
    GROUP BY region_code
),
latest AS (
    SELECT DISTINCT ON (region_code) region_code, crawl_run_id, started_at, outcome, problem
    FROM region_run_outcomes
    ORDER BY region_code, started_at DESC, crawl_run_id DESC
),
known AS (
    SELECT region_code, count(*) AS reports_known, max(year) AS newest_report_year
    FROM reports
    WHERE kind = 'report'
    GROUP BY region_code
)
SELECT
    t.region_code,
    g.name AS region_name,
    s.last_success,
    l.crawl_run_id AS last_run_id,
    l.started_at AS last_run_at,
    l.outcome AS last_outcome,
    l.problem AS last_problem,
    coalesce(k.reports_known, 0) AS reports_known,
    k.newest_report_year,
    (
        SELECT count(*) FROM crawl_failures AS f
        WHERE f.region_code = t.region_code AND (s.last_success IS NULL OR f.at > s.last_success)
    ) AS failures_since_success,
    sch.cadence_seconds,
    coalesce(
        sch.active
        AND coalesce(s.last_success, sch.enrolled_at)
            < now() - make_interval(secs => sch.overdue_after_seconds),
        false
    ) AS overdue,
    j.state AS job_state,
    j.scrapyd_job_id AS job_id
FROM tracked AS t
LEFT JOIN regions AS g ON g.code = t.region_code
LEFT JOIN success AS s ON s.region_code = t.region_code
LEFT JOIN latest AS l ON l.region_code = t.region_code
LEFT JOIN known AS k ON k.region_code = t.region_code
LEFT JOIN region_schedules AS sch ON sch.region_code = t.region_code
LEFT JOIN scheduled_jobs AS j ON j.region_code = t.region_code AND j.state IN {OPEN_STATES}
"""


def upgrade() -> None:
    op.add_column("crawl_runs", sa.Column("scrapyd_job_id", sa.Text(), nullable=True))
    op.add_column(
        "crawl_runs",
        sa.Column(
            "failures_by_reason", postgresql.JSONB(), server_default=sa.text("'{}'::jsonb"), nullable=False
        ),
    )
    op.create_index("ix_crawl_runs_scrapyd_job_id", "crawl_runs", ["scrapyd_job_id"])
    # Runs closed before this revision: their failures, counted now.
    op.execute(
        """
        UPDATE crawl_runs AS r SET failures_by_reason = counts.by_reason
        FROM (
            SELECT crawl_run_id, jsonb_object_agg(reason, n) AS by_reason
            FROM (SELECT crawl_run_id, reason, count(*) AS n FROM crawl_failures
                  WHERE crawl_run_id IS NOT NULL GROUP BY crawl_run_id, reason) AS per_reason
            GROUP BY crawl_run_id
        ) AS counts
        WHERE counts.crawl_run_id = r.id AND r.finished_at IS NOT NULL
        """
    )

    op.create_table(
        "region_schedules",
        sa.Column("region_code", sa.String(6), nullable=False),
        sa.Column("cadence_seconds", sa.Integer(), nullable=False),
        sa.Column("overdue_after_seconds", sa.Integer(), nullable=False),
        sa.Column("active", sa.Boolean(), server_default=sa.true(), nullable=False),
        sa.Column("enrolled_at", TSTZ, server_default=sa.func.now(), nullable=False),
        sa.Column("updated_at", TSTZ, server_default=sa.func.now(), nullable=False),
        sa.PrimaryKeyConstraint("region_code", name="pk_region_schedules"),
        sa.ForeignKeyConstraint(
            ["region_code"], ["regions.code"], name="fk_region_schedules_region_code_regions"
        ),
        sa.CheckConstraint("cadence_seconds > 0", name="ck_region_schedules_cadence_positive"),
    )

    op.create_table(
        "scheduled_jobs",
        sa.Column("id", sa.BigInteger(), sa.Identity(), nullable=False),
        sa.Column("region_code", sa.String(6), nullable=False),
        sa.Column("project", sa.Text(), nullable=False),
        sa.Column("spider", sa.Text(), nullable=False),
        sa.Column("scrapyd_job_id", sa.Text(), nullable=False),
        sa.Column("state", sa.Text(), nullable=False),
        sa.Column("attempts", sa.Integer(), server_default=sa.text("0"), nullable=False),
        sa.Column("created_at", TSTZ, server_default=sa.func.now(), nullable=False),
        sa.Column("scheduled_at", TSTZ, nullable=True),
        sa.Column("next_attempt_at", TSTZ, nullable=True),
        sa.Column("finished_at", TSTZ, nullable=True),
        sa.Column("crawl_run_id", sa.BigInteger(), nullable=True),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("updated_at", TSTZ, server_default=sa.func.now(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_scheduled_jobs"),
        sa.UniqueConstraint("scrapyd_job_id", name="uq_scheduled_jobs_scrapyd_job_id"),
        sa.CheckConstraint(f"state IN {STATES}", name="ck_scheduled_jobs_state"),
        sa.ForeignKeyConstraint(
            ["region_code"], ["regions.code"], name="fk_scheduled_jobs_region_code_regions"
        ),
        sa.ForeignKeyConstraint(
            ["crawl_run_id"],
            ["crawl_runs.id"],
            name="fk_scheduled_jobs_crawl_run_id_crawl_runs",
            ondelete="SET NULL",
        ),
    )
    op.create_index(
        "ix_scheduled_jobs_region_code_created_at", "scheduled_jobs", ["region_code", "created_at"]
    )
    op.create_index(
        "uq_scheduled_jobs_open_region",
        "scheduled_jobs",
        ["region_code"],
        unique=True,
        postgresql_where=sa.text(f"state IN {OPEN_STATES}"),
    )

    op.execute(REGION_RUN_OUTCOMES)
    op.execute(REGION_HEALTH)


def downgrade() -> None:
    op.execute("DROP VIEW region_health")
    op.execute("DROP VIEW region_run_outcomes")
    op.drop_table("scheduled_jobs")
    op.drop_table("region_schedules")
    op.drop_index("ix_crawl_runs_scrapyd_job_id", table_name="crawl_runs")
    op.drop_column("crawl_runs", "failures_by_reason")
    op.drop_column("crawl_runs", "scrapyd_job_id")
