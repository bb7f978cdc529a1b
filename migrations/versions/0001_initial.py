"""Initial schema: regions, crawl runs, documents and their versions, parsed reports, checks, failures.

Revision ID: 0001
Revises:
Create Date: 2026-01-01

Static DDL on purpose: a migration records the schema as it was, so it must not change when the models or
the template do. tests/test_migrations.py compares the result with crawler/store/models.py.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TSTZ = sa.DateTime(timezone=True)
EMPTY_OBJECT = sa.text("'{}'::jsonb")
EMPTY_ARRAY = sa.text("'[]'::jsonb")
ZERO = sa.text("0")


def _report_id() -> sa.Column[int]:
    return sa.Column("report_id", sa.BigInteger(), nullable=False)


def _report_fk(table: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        ["report_id"], ["reports.id"], name=f"fk_{table}_report_id_reports", ondelete="CASCADE"
    )


def upgrade() -> None:
    op.create_table(
        "regions",
        sa.Column("code", sa.String(6), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("parent_code", sa.String(6), nullable=True),
        sa.Column("level", sa.Text(), nullable=True),
        sa.Column("portal_url", sa.Text(), nullable=True),
        sa.Column("family", sa.Text(), nullable=True),
        sa.Column("listing_urls", postgresql.JSONB(), server_default=EMPTY_ARRAY, nullable=False),
        sa.Column("params", postgresql.JSONB(), server_default=EMPTY_OBJECT, nullable=False),
        sa.Column("is_sample", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column("updated_at", TSTZ, server_default=sa.func.now(), nullable=False),
        sa.PrimaryKeyConstraint("code", name="pk_regions"),
        sa.CheckConstraint("code ~ '^[0-9]{6}$'", name="ck_regions_code_digits"),
    )

    op.create_table(
        "crawl_runs",
        sa.Column("id", sa.BigInteger(), sa.Identity(), nullable=False),
        sa.Column("spider", sa.Text(), nullable=False),
        sa.Column("region_codes", postgresql.ARRAY(sa.Text()), nullable=False),
        sa.Column("started_at", TSTZ, server_default=sa.func.now(), nullable=False),
        sa.Column("finished_at", TSTZ, nullable=True),
        sa.Column("finish_reason", sa.Text(), nullable=True),
        sa.Column("items", sa.Integer(), server_default=ZERO, nullable=False),
        sa.Column("reports_new", sa.Integer(), server_default=ZERO, nullable=False),
        sa.Column("reports_changed", sa.Integer(), server_default=ZERO, nullable=False),
        sa.Column("reports_unchanged", sa.Integer(), server_default=ZERO, nullable=False),
        sa.Column("failures", sa.Integer(), server_default=ZERO, nullable=False),
        sa.Column("stats", postgresql.JSONB(), server_default=EMPTY_OBJECT, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_crawl_runs"),
    )

    op.create_table(
        "documents",
        sa.Column("id", sa.BigInteger(), sa.Identity(), nullable=False),
        sa.Column("url", sa.Text(), nullable=False),
        sa.Column("region_code", sa.String(6), nullable=False),
        sa.Column("role", sa.Text(), nullable=False),
        sa.Column("parent_url", sa.Text(), nullable=True),
        sa.Column("parent_document_id", sa.BigInteger(), nullable=True),
        sa.Column("first_seen_at", TSTZ, nullable=False),
        sa.Column("last_seen_at", TSTZ, nullable=False),
        sa.Column("current_version_id", sa.BigInteger(), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_documents"),
        sa.UniqueConstraint("url", name="uq_documents_url"),
        sa.CheckConstraint("role IN ('report', 'attachment')", name="ck_documents_role"),
        sa.ForeignKeyConstraint(["region_code"], ["regions.code"], name="fk_documents_region_code_regions"),
        sa.ForeignKeyConstraint(
            ["parent_document_id"],
            ["documents.id"],
            name="fk_documents_parent_document_id_documents",
            ondelete="SET NULL",
        ),
    )

    op.create_table(
        "document_versions",
        sa.Column("id", sa.BigInteger(), sa.Identity(), nullable=False),
        sa.Column("document_id", sa.BigInteger(), nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("raw_path", sa.Text(), nullable=False),
        sa.Column("size", sa.BigInteger(), nullable=False),
        sa.Column("content_type", sa.Text(), nullable=True),
        sa.Column("http_status", sa.Integer(), nullable=False),
        sa.Column("final_url", sa.Text(), nullable=False),
        sa.Column("listing_url", sa.Text(), nullable=False),
        sa.Column("listing_title", sa.Text(), nullable=False),
        sa.Column("listing_date", sa.Date(), nullable=True),
        sa.Column("page_date", sa.Date(), nullable=True),
        sa.Column("encoding", sa.Text(), nullable=True),
        sa.Column("fetched_at", TSTZ, nullable=False),
        sa.Column("crawl_run_id", sa.BigInteger(), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_document_versions"),
        sa.UniqueConstraint("document_id", "sha256", name="uq_document_versions_document_id_sha256"),
        sa.CheckConstraint("sha256 ~ '^[0-9a-f]{64}$'", name="ck_document_versions_sha256_hex"),
        sa.ForeignKeyConstraint(
            ["document_id"],
            ["documents.id"],
            name="fk_document_versions_document_id_documents",
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["crawl_run_id"],
            ["crawl_runs.id"],
            name="fk_document_versions_crawl_run_id_crawl_runs",
            ondelete="SET NULL",
        ),
    )
    op.create_index("ix_document_versions_crawl_run_id", "document_versions", ["crawl_run_id"])
    # documents <-> document_versions refer to each other: this side is added once both exist.
    op.create_foreign_key(
        "fk_documents_current_version_id_document_versions",
        "documents",
        "document_versions",
        ["current_version_id"],
        ["id"],
        ondelete="SET NULL",
    )

    op.create_table(
        "reports",
        sa.Column("id", sa.BigInteger(), sa.Identity(), nullable=False),
        sa.Column("document_id", sa.BigInteger(), nullable=False),
        sa.Column("version_id", sa.BigInteger(), nullable=False),
        sa.Column("region_code", sa.String(6), nullable=False),
        sa.Column("organ", sa.Text(), nullable=True),
        sa.Column("year", sa.Integer(), nullable=True),
        sa.Column("title", sa.Text(), nullable=True),
        sa.Column("region_name", sa.Text(), nullable=True),
        sa.Column("parsed_region_code", sa.String(6), nullable=True),
        sa.Column("publish_date", sa.Date(), nullable=True),
        sa.Column("sign_date", sa.Date(), nullable=True),
        sa.Column("format", sa.Text(), nullable=False),
        sa.Column("script", sa.Text(), nullable=False),
        sa.Column("kind", sa.Text(), nullable=False),
        sa.Column("warnings", postgresql.JSONB(), server_default=EMPTY_ARRAY, nullable=False),
        sa.Column("legacy", postgresql.JSONB(), nullable=True),
        sa.Column("parsed_at", TSTZ, nullable=False),
        sa.Column("parser_version", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_reports"),
        sa.UniqueConstraint("document_id", name="uq_reports_document_id"),
        sa.CheckConstraint("format IN ('2021', '2019', 'legacy', 'unknown')", name="ck_reports_format"),
        sa.CheckConstraint("script IN ('simplified', 'traditional')", name="ck_reports_script"),
        sa.CheckConstraint("kind IN ('report', 'not_report')", name="ck_reports_kind"),
        sa.ForeignKeyConstraint(
            ["document_id"], ["documents.id"], name="fk_reports_document_id_documents", ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["version_id"],
            ["document_versions.id"],
            name="fk_reports_version_id_document_versions",
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(["region_code"], ["regions.code"], name="fk_reports_region_code_regions"),
    )
    op.create_index("ix_reports_organ_year", "reports", ["organ", "year"])
    op.create_index("ix_reports_region_code_year", "reports", ["region_code", "year"])

    op.create_table(
        "report_sections",
        _report_id(),
        sa.Column("section_id", sa.String(64), nullable=False),
        sa.Column("heading_present", sa.Boolean(), nullable=False),
        sa.Column("text", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("report_id", "section_id", name="pk_report_sections"),
        sa.CheckConstraint("heading_present = (text IS NOT NULL)", name="ck_report_sections_heading_text"),
        _report_fk("report_sections"),
    )

    # Table 二, both formats: 2021 issued/repealed/in_force/decisions/amount_10k_yuan,
    # 2019 new_made/new_published/total_published/prev_items/change/decisions/items/amount.
    op.create_table(
        "report_active_disclosure",
        _report_id(),
        sa.Column("row_id", sa.String(64), nullable=False),
        sa.Column("issued", sa.Integer(), nullable=True),
        sa.Column("repealed", sa.Integer(), nullable=True),
        sa.Column("in_force", sa.Integer(), nullable=True),
        sa.Column("decisions", sa.Integer(), nullable=True),
        sa.Column("amount_10k_yuan", sa.Numeric(), nullable=True),
        sa.Column("new_made", sa.Integer(), nullable=True),
        sa.Column("new_published", sa.Integer(), nullable=True),
        sa.Column("total_published", sa.Integer(), nullable=True),
        sa.Column("prev_items", sa.Integer(), nullable=True),
        sa.Column("change", sa.Integer(), nullable=True),
        sa.Column("items", sa.Integer(), nullable=True),
        sa.Column("amount", sa.Numeric(), nullable=True),
        sa.Column("raw", postgresql.JSONB(), server_default=EMPTY_OBJECT, nullable=False),
        sa.PrimaryKeyConstraint("report_id", "row_id", name="pk_report_active_disclosure"),
        _report_fk("report_active_disclosure"),
    )

    op.create_table(
        "report_requests",
        _report_id(),
        sa.Column("row_id", sa.String(64), nullable=False),
        sa.Column("natural_person", sa.Integer(), nullable=True),
        sa.Column("commercial_enterprise", sa.Integer(), nullable=True),
        sa.Column("research_institution", sa.Integer(), nullable=True),
        sa.Column("social_welfare_org", sa.Integer(), nullable=True),
        sa.Column("legal_service_org", sa.Integer(), nullable=True),
        sa.Column("other_org", sa.Integer(), nullable=True),
        sa.Column("total", sa.Integer(), nullable=True),
        sa.Column("raw", postgresql.JSONB(), server_default=EMPTY_OBJECT, nullable=False),
        sa.PrimaryKeyConstraint("report_id", "row_id", name="pk_report_requests"),
        _report_fk("report_requests"),
    )

    op.create_table(
        "report_review_litigation",
        _report_id(),
        sa.Column("block_id", sa.String(64), nullable=False),
        sa.Column("upheld", sa.Integer(), nullable=True),
        sa.Column("corrected", sa.Integer(), nullable=True),
        sa.Column("other", sa.Integer(), nullable=True),
        sa.Column("pending", sa.Integer(), nullable=True),
        sa.Column("total", sa.Integer(), nullable=True),
        sa.Column("raw", postgresql.JSONB(), server_default=EMPTY_OBJECT, nullable=False),
        sa.PrimaryKeyConstraint("report_id", "block_id", name="pk_report_review_litigation"),
        _report_fk("report_review_litigation"),
    )

    op.create_table(
        "checks",
        _report_id(),
        sa.Column("check_id", sa.Text(), nullable=False),
        sa.Column("ok", sa.Boolean(), nullable=True),
        sa.Column("detail", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("report_id", "check_id", name="pk_checks"),
        _report_fk("checks"),
    )

    op.create_table(
        "crawl_failures",
        sa.Column("id", sa.BigInteger(), sa.Identity(), nullable=False),
        sa.Column("crawl_run_id", sa.BigInteger(), nullable=True),
        sa.Column("region_code", sa.String(6), nullable=True),
        sa.Column("url", sa.Text(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("detail", sa.Text(), nullable=False),
        sa.Column("at", TSTZ, server_default=sa.func.now(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_crawl_failures"),
        sa.ForeignKeyConstraint(
            ["crawl_run_id"],
            ["crawl_runs.id"],
            name="fk_crawl_failures_crawl_run_id_crawl_runs",
            ondelete="SET NULL",
        ),
    )
    op.create_index("ix_crawl_failures_crawl_run_id", "crawl_failures", ["crawl_run_id"])


def downgrade() -> None:
    op.drop_table("crawl_failures")
    op.drop_table("checks")
    op.drop_table("report_review_litigation")
    op.drop_table("report_requests")
    op.drop_table("report_active_disclosure")
    op.drop_table("report_sections")
    op.drop_table("reports")
    op.drop_constraint("fk_documents_current_version_id_document_versions", "documents", type_="foreignkey")
    op.drop_table("document_versions")
    op.drop_table("documents")
    op.drop_table("crawl_runs")
    op.drop_table("regions")
