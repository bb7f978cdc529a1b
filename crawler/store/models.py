"""The database schema as SQLAlchemy 2 declarative models.

The schema itself is created by the Alembic migrations (migrations/versions), written out as static DDL;
tests/test_migrations.py asserts that the migrated database and these models agree. Column names are the
contract ids of parsers/template.py: the value columns of the three report tables are generated from the
template's column specs, so a column id exists in exactly one place.

Value semantics of the report tables: an int or decimal cell is stored in its typed column; an "n/a" cell
(不适用, "/", "—" …) and a blank cell are both NULL there and told apart by `raw`, which keeps each
cell's text: "" for blank, the mark as written (e.g. "/") for n/a.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any, Final, get_args

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    Date,
    DateTime,
    ForeignKey,
    Identity,
    Index,
    Integer,
    MetaData,
    Numeric,
    PrimaryKeyConstraint,
    String,
    Text,
    UniqueConstraint,
    false,
    func,
    text,
)
from sqlalchemy.dialects.postgresql import ARRAY, JSONB
from sqlalchemy.orm import DeclarativeBase, Mapped, MappedColumn, mapped_column
from sqlalchemy.types import REAL, TypeEngine

from crawler.items import DocumentRole, FileKind
from crawler.store.comments import column_comment, relation_comment
from parsers.model import DocumentKind
from parsers.template import (
    ACTIVE_DISCLOSURE,
    FORMATS,
    REQUEST_COLUMNS,
    REQUEST_ROWS,
    REVIEW_BLOCK_IDS,
    REVIEW_COLUMNS,
    TABLE_FORMATS,
    TABLE_IDS,
    ColumnSpec,
)

# Explicit constraint names, so the migrations can name (and drop) every constraint they create.
NAMING_CONVENTION: Final[dict[str, str]] = {
    "pk": "pk_%(table_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
}

DOCUMENT_ROLES: Final[tuple[str, ...]] = get_args(DocumentRole)
FILE_KINDS: Final[tuple[str, ...]] = get_args(FileKind)
KINDS: Final[tuple[str, ...]] = get_args(DocumentKind)
SCRIPTS: Final[tuple[str, ...]] = ("simplified", "traditional")  # ParsedReport.script

_EMPTY_OBJECT = text("'{}'::jsonb")
_EMPTY_ARRAY = text("'[]'::jsonb")


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


def _sql_list(values: tuple[str, ...]) -> str:
    """A SQL list literal of plain identifiers-like strings, e.g. ('report', 'attachment')."""
    if any("'" in v for v in values):
        raise ValueError(f"quote in a constrained value: {values!r}")
    return "(" + ", ".join(f"'{v}'" for v in values) + ")"


def _tstz() -> DateTime:
    return DateTime(timezone=True)


def _code() -> String:
    return String(6)  # 行政区划代码


class Region(Base):
    """A registry row (crawler/regions/*.toml), copied here so documents and reports can refer to it."""

    __tablename__ = "regions"
    __table_args__ = (CheckConstraint("code ~ '^[0-9]{6}$'", name="code_digits"),)

    code: Mapped[str] = mapped_column(_code(), primary_key=True)
    name: Mapped[str] = mapped_column(Text)
    parent_code: Mapped[str | None] = mapped_column(_code())
    level: Mapped[str | None] = mapped_column(Text)
    portal_url: Mapped[str | None] = mapped_column(Text)
    family: Mapped[str | None] = mapped_column(Text)
    listing_urls: Mapped[list[str]] = mapped_column(JSONB, server_default=_EMPTY_ARRAY)
    params: Mapped[dict[str, Any]] = mapped_column(JSONB, server_default=_EMPTY_OBJECT)
    is_sample: Mapped[bool] = mapped_column(Boolean, server_default=false())
    updated_at: Mapped[dt.datetime] = mapped_column(_tstz(), server_default=func.now())


class CrawlRun(Base):
    __tablename__ = "crawl_runs"

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    spider: Mapped[str] = mapped_column(Text)
    region_codes: Mapped[list[str]] = mapped_column(ARRAY(Text))
    started_at: Mapped[dt.datetime] = mapped_column(_tstz(), server_default=func.now())
    finished_at: Mapped[dt.datetime | None] = mapped_column(_tstz())
    finish_reason: Mapped[str | None] = mapped_column(Text)
    # Counted by the repository as documents are saved (items) and by status for role "report" documents.
    items: Mapped[int] = mapped_column(Integer, server_default=text("0"))
    reports_new: Mapped[int] = mapped_column(Integer, server_default=text("0"))
    reports_changed: Mapped[int] = mapped_column(Integer, server_default=text("0"))
    reports_unchanged: Mapped[int] = mapped_column(Integer, server_default=text("0"))
    failures: Mapped[int] = mapped_column(Integer, server_default=text("0"))
    stats: Mapped[dict[str, Any]] = mapped_column(JSONB, server_default=_EMPTY_OBJECT)
    # scrapyd's job id (the spider's `_job` argument) when scrapyd ran the crawl; the scheduler links by it.
    scrapyd_job_id: Mapped[str | None] = mapped_column(Text, index=True)
    # crawl_failures of the run counted by reason, written when the run closes.
    failures_by_reason: Mapped[dict[str, int]] = mapped_column(JSONB, server_default=_EMPTY_OBJECT)


class Document(Base):
    """One URL, over time. Its content lives in document_versions; `current_version_id` is the latest."""

    __tablename__ = "documents"
    __table_args__ = (
        CheckConstraint(f"role IN {_sql_list(DOCUMENT_ROLES)}", name="role"),
        CheckConstraint(f"kind IN {_sql_list(FILE_KINDS)}", name="kind"),
    )

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    url: Mapped[str] = mapped_column(Text, unique=True)
    region_code: Mapped[str] = mapped_column(ForeignKey("regions.code"))
    role: Mapped[str] = mapped_column(Text)
    # The page that linked an attachment, kept as a URL too: the parent may not be stored (yet).
    parent_url: Mapped[str | None] = mapped_column(Text)
    parent_document_id: Mapped[int | None] = mapped_column(ForeignKey("documents.id", ondelete="SET NULL"))
    first_seen_at: Mapped[dt.datetime] = mapped_column(_tstz())
    last_seen_at: Mapped[dt.datetime] = mapped_column(_tstz())
    current_version_id: Mapped[int | None] = mapped_column(
        ForeignKey("document_versions.id", ondelete="SET NULL", use_alter=True)
    )
    kind: Mapped[str] = mapped_column(Text)  # what the current version's bytes are (crawler/attachments.py)
    # The latest date a listing printed beside the URL: a later one on a re-crawl means "fetch it again".
    listing_date: Mapped[dt.date | None] = mapped_column(Date)


class DocumentVersion(Base):
    """One distinct content of a document (by sha256), with the provenance of the fetch that first saw it."""

    __tablename__ = "document_versions"
    __table_args__ = (
        UniqueConstraint("document_id", "sha256"),
        CheckConstraint("sha256 ~ '^[0-9a-f]{64}$'", name="sha256_hex"),
        Index(None, "crawl_run_id"),
    )

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    document_id: Mapped[int] = mapped_column(ForeignKey("documents.id", ondelete="CASCADE"))
    sha256: Mapped[str] = mapped_column(String(64))
    raw_path: Mapped[str] = mapped_column(Text)  # relative to the raw store root: "ab/abcdef…"
    size: Mapped[int] = mapped_column(BigInteger)
    content_type: Mapped[str | None] = mapped_column(Text)
    http_status: Mapped[int] = mapped_column(Integer)
    final_url: Mapped[str] = mapped_column(Text)
    listing_url: Mapped[str] = mapped_column(Text)
    listing_title: Mapped[str] = mapped_column(Text)
    listing_date: Mapped[dt.date | None] = mapped_column(Date)
    page_date: Mapped[dt.date | None] = mapped_column(Date)
    encoding: Mapped[str | None] = mapped_column(Text)
    file_name: Mapped[str | None] = mapped_column(Text)  # own name (Content-Disposition, link text)
    fetched_at: Mapped[dt.datetime] = mapped_column(_tstz())
    crawl_run_id: Mapped[int | None] = mapped_column(ForeignKey("crawl_runs.id", ondelete="SET NULL"))


class Report(Base):
    """The parse of one source document's current version (the contract's §8 object, minus its tables)."""

    __tablename__ = "reports"
    __table_args__ = (
        CheckConstraint(f"format IN {_sql_list(FORMATS)}", name="format"),
        CheckConstraint(f"script IN {_sql_list(SCRIPTS)}", name="script"),
        CheckConstraint(f"kind IN {_sql_list(KINDS)}", name="kind"),
        Index(None, "organ", "year"),
        Index(None, "region_code", "year"),
    )

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    document_id: Mapped[int] = mapped_column(ForeignKey("documents.id", ondelete="CASCADE"), unique=True)
    version_id: Mapped[int] = mapped_column(ForeignKey("document_versions.id", ondelete="CASCADE"))
    region_code: Mapped[str] = mapped_column(ForeignKey("regions.code"))  # the crawl region
    organ: Mapped[str | None] = mapped_column(Text)
    year: Mapped[int | None] = mapped_column(Integer)
    title: Mapped[str | None] = mapped_column(Text)
    region_name: Mapped[str | None] = mapped_column(Text)  # as written in the report
    parsed_region_code: Mapped[str | None] = mapped_column(_code())  # resolved from the report's text
    publish_date: Mapped[dt.date | None] = mapped_column(Date)
    sign_date: Mapped[dt.date | None] = mapped_column(Date)
    format: Mapped[str] = mapped_column(Text)
    script: Mapped[str] = mapped_column(Text)
    kind: Mapped[str] = mapped_column(Text)
    warnings: Mapped[list[str]] = mapped_column(JSONB, server_default=_EMPTY_ARRAY)
    legacy: Mapped[dict[str, Any] | None] = mapped_column(JSONB)
    parsed_at: Mapped[dt.datetime] = mapped_column(_tstz())
    parser_version: Mapped[str] = mapped_column(Text)
    # What the parse read from the page's companions, URL → sha256, or null for one not fetched (migration
    # 0005): a revised attachment of an unchanged page must bring its report to be rewritten. NULL: stored
    # before 0005, compared as {}.
    companions: Mapped[dict[str, str | None] | None] = mapped_column(JSONB)


def _report_fk() -> MappedColumn[Any]:
    return mapped_column(BigInteger, ForeignKey("reports.id", ondelete="CASCADE"), primary_key=True)


class ReportSection(Base):
    """One row per contract section id; `text` is NULL when the heading is absent, "" when it stands alone."""

    __tablename__ = "report_sections"
    __table_args__ = (CheckConstraint("heading_present = (text IS NOT NULL)", name="heading_text"),)

    report_id: Mapped[int] = _report_fk()
    section_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    heading_present: Mapped[bool] = mapped_column(Boolean)
    text: Mapped[str | None] = mapped_column(Text)


class CheckResult(Base):
    """One §7 check of a report: ok is true, false, or NULL (not assessable)."""

    __tablename__ = "checks"

    report_id: Mapped[int] = _report_fk()
    check_id: Mapped[str] = mapped_column(Text, primary_key=True)
    ok: Mapped[bool | None] = mapped_column(Boolean)
    detail: Mapped[str] = mapped_column(Text)


# States of a scheduled job (crawler/scheduler): the open ones hold the region (one open job per region).
SCHEDULED_JOB_OPEN_STATES: Final[tuple[str, ...]] = ("submitting", "submit_failed", "pending", "running")
SCHEDULED_JOB_STATES: Final[tuple[str, ...]] = (*SCHEDULED_JOB_OPEN_STATES, "finished", "failed", "lost")


class RegionSchedule(Base):
    """The cadence in force for a region the scheduler crawls (crawler/deploy/schedule.toml), for health."""

    __tablename__ = "region_schedules"
    __table_args__ = (CheckConstraint("cadence_seconds > 0", name="cadence_positive"),)

    region_code: Mapped[str] = mapped_column(ForeignKey("regions.code"), primary_key=True)
    cadence_seconds: Mapped[int] = mapped_column(Integer)
    overdue_after_seconds: Mapped[int] = mapped_column(Integer)
    active: Mapped[bool] = mapped_column(Boolean, server_default=text("true"))
    enrolled_at: Mapped[dt.datetime] = mapped_column(_tstz(), server_default=func.now())
    updated_at: Mapped[dt.datetime] = mapped_column(_tstz(), server_default=func.now())


class ScheduledJob(Base):
    """One crawl of one region submitted to scrapyd by the scheduler, from submission to its crawl run."""

    __tablename__ = "scheduled_jobs"
    __table_args__ = (
        CheckConstraint(f"state IN {_sql_list(SCHEDULED_JOB_STATES)}", name="state"),
        Index(None, "region_code", "created_at"),
        Index(
            "uq_scheduled_jobs_open_region",
            "region_code",
            unique=True,
            postgresql_where=text(f"state IN {_sql_list(SCHEDULED_JOB_OPEN_STATES)}"),
        ),
    )

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    region_code: Mapped[str] = mapped_column(ForeignKey("regions.code"))
    project: Mapped[str] = mapped_column(Text)
    spider: Mapped[str] = mapped_column(Text)
    # Chosen by the scheduler before it asks scrapyd, so that a restart can look the job up.
    scrapyd_job_id: Mapped[str] = mapped_column(Text, unique=True)
    state: Mapped[str] = mapped_column(Text)
    attempts: Mapped[int] = mapped_column(Integer, server_default=text("0"))  # submissions tried
    created_at: Mapped[dt.datetime] = mapped_column(_tstz(), server_default=func.now())
    scheduled_at: Mapped[dt.datetime | None] = mapped_column(_tstz())  # scrapyd accepted it
    next_attempt_at: Mapped[dt.datetime | None] = mapped_column(_tstz())  # submit_failed: retry from then
    finished_at: Mapped[dt.datetime | None] = mapped_column(_tstz())
    crawl_run_id: Mapped[int | None] = mapped_column(ForeignKey("crawl_runs.id", ondelete="SET NULL"))
    error: Mapped[str | None] = mapped_column(Text)
    updated_at: Mapped[dt.datetime] = mapped_column(_tstz(), server_default=func.now())


class CrawlFailure(Base):
    __tablename__ = "crawl_failures"
    __table_args__ = (Index(None, "crawl_run_id"),)

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    crawl_run_id: Mapped[int | None] = mapped_column(ForeignKey("crawl_runs.id", ondelete="SET NULL"))
    region_code: Mapped[str | None] = mapped_column(_code())  # no FK: the failure may be an unknown region
    url: Mapped[str] = mapped_column(Text)
    reason: Mapped[str] = mapped_column(Text)
    detail: Mapped[str] = mapped_column(Text)
    at: Mapped[dt.datetime] = mapped_column(_tstz(), server_default=func.now())


# ---------------------------------------------------------------------------------------------
# The three report tables, one row per (report, template row), one typed column per template column id
# ---------------------------------------------------------------------------------------------


def _distinct_columns(specs: Iterable[ColumnSpec]) -> tuple[ColumnSpec, ...]:
    """Column specs by id, first occurrence wins; one id must mean one value kind in every format."""
    seen: dict[str, ColumnSpec] = {}
    for spec in specs:
        known = seen.setdefault(spec.id, spec)
        if _sql_type_name(known.kind) != _sql_type_name(spec.kind):
            raise ValueError(f"column {spec.id!r} has kinds {known.kind!r} and {spec.kind!r} in the template")
    return tuple(seen.values())


def _sql_type_name(kind: str) -> str:
    if kind in ("int", "signed"):
        return "integer"
    if kind == "decimal":
        return "numeric"
    raise ValueError(f"no SQL type for template value kind {kind!r}")


def _sql_type(kind: str) -> TypeEngine[Any]:
    return Integer() if _sql_type_name(kind) == "integer" else Numeric()


# Column specs of each stored table (table 二 across both formats, in template order).
TABLE_COLUMNS: Final[dict[str, tuple[ColumnSpec, ...]]] = {
    "active_disclosure": _distinct_columns(
        col for fmt in TABLE_FORMATS for row in ACTIVE_DISCLOSURE[fmt] for col in row.columns
    ),
    "requests": _distinct_columns(REQUEST_COLUMNS),
    "review_litigation": _distinct_columns(REVIEW_COLUMNS),
}
# The ids a row (or block) of each table may have.
TABLE_ROW_IDS: Final[dict[str, frozenset[str]]] = {
    "active_disclosure": frozenset(row.id for fmt in TABLE_FORMATS for row in ACTIVE_DISCLOSURE[fmt]),
    "requests": frozenset(row.id for row in REQUEST_ROWS),
    "review_litigation": frozenset(REVIEW_BLOCK_IDS),
}
TABLE_KEY_COLUMN: Final[dict[str, str]] = {
    "active_disclosure": "row_id",
    "requests": "row_id",
    "review_litigation": "block_id",
}


class _ReportTableRow:
    # sort_order: the key columns first, as the primary key (report_id, row id) reads.
    report_id: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("reports.id", ondelete="CASCADE"), primary_key=True, sort_order=-2
    )
    raw: Mapped[dict[str, str]] = mapped_column(JSONB, server_default=_EMPTY_OBJECT)  # {column id: cell text}


def _table_model(class_name: str, table_name: str, table_id: str) -> type[Base]:
    namespace: dict[str, Any] = {
        "__tablename__": table_name,
        "__doc__": f"The report's `{table_id}` table: a row per row id, a typed column per column id.",
        TABLE_KEY_COLUMN[table_id]: mapped_column(String(64), primary_key=True, sort_order=-1),
    }
    for spec in TABLE_COLUMNS[table_id]:
        namespace[spec.id] = mapped_column(_sql_type(spec.kind), nullable=True)
    return type(class_name, (_ReportTableRow, Base), namespace)


ReportActiveDisclosure = _table_model(
    "ReportActiveDisclosure", "report_active_disclosure", "active_disclosure"
)
ReportRequests = _table_model("ReportRequests", "report_requests", "requests")
ReportReviewLitigation = _table_model(
    "ReportReviewLitigation", "report_review_litigation", "review_litigation"
)

TABLE_MODELS: Final[dict[str, type[Base]]] = {
    "active_disclosure": ReportActiveDisclosure,
    "requests": ReportRequests,
    "review_litigation": ReportReviewLitigation,
}


class StoredCellSource(Base):
    """Where one stored cell of a report table was read (parsers.model.CellSource); cells whose parse
    recorded no source have no row."""

    __tablename__ = "cell_sources"
    __table_args__ = (
        PrimaryKeyConstraint("report_id", "table_id", "row_id", "column_id"),
        CheckConstraint(f"table_id IN {_sql_list(TABLE_IDS)}", name="table_id"),
    )

    report_id: Mapped[int] = mapped_column(BigInteger, ForeignKey("reports.id", ondelete="CASCADE"))
    table_id: Mapped[str] = mapped_column(String(64))
    row_id: Mapped[str] = mapped_column(String(64))  # the block id for table 四
    column_id: Mapped[str] = mapped_column(String(64))
    method: Mapped[str] = mapped_column(Text)  # parsers.blocks.METHODS (not constrained: provenance only)
    page: Mapped[int | None] = mapped_column(Integer)
    confidence: Mapped[float | None] = mapped_column(REAL)
    low_confidence: Mapped[bool] = mapped_column(Boolean, server_default=false())
    # NULL: the report's own document; else the image or attachment the value was read from.
    document_url: Mapped[str | None] = mapped_column(Text)


# ---------------------------------------------------------------------------------------------
# Reference data for analysts (migration 0004): filled from parsers/ at upgrade time
# ---------------------------------------------------------------------------------------------

DIVISION_LEVELS: Final[tuple[str, ...]] = ("province", "prefecture", "county")
LABEL_KINDS: Final[tuple[str, ...]] = ("row", "column", "block")


class Division(Base):
    """The national 行政区划代码 table (county level and above): parsers/data/divisions.tsv."""

    __tablename__ = "divisions"
    __table_args__ = (
        CheckConstraint("code ~ '^[0-9]{6}$'", name="code_digits"),
        CheckConstraint(f"level IN {_sql_list(DIVISION_LEVELS)}", name="level"),
        Index(None, "parent_code"),
    )

    code: Mapped[str] = mapped_column(_code(), primary_key=True)
    name: Mapped[str] = mapped_column(Text)
    level: Mapped[str] = mapped_column(Text)
    parent_code: Mapped[str | None] = mapped_column(_code())


class TemplateLabel(Base):
    """The official labels of the template's tables (parsers/template.py), per table format."""

    __tablename__ = "template_labels"
    __table_args__ = (
        PrimaryKeyConstraint("table_id", "format", "kind", "id"),
        CheckConstraint(f"kind IN {_sql_list(LABEL_KINDS)}", name="kind"),
        CheckConstraint(f"format IN {_sql_list(TABLE_FORMATS)}", name="format"),
    )

    table_id: Mapped[str] = mapped_column(String(64))
    format: Mapped[str] = mapped_column(Text)
    kind: Mapped[str] = mapped_column(Text)
    id: Mapped[str] = mapped_column(String(64))
    label: Mapped[str] = mapped_column(Text)
    ord: Mapped[int] = mapped_column(Integer)  # position in the official table, from 1
    # The label printed over it: a request row's group (三、本年度办理结果, (三)不予公开 …) or a table 二
    # row's sub-table caption (第二十条第(一)项); NULL for none.
    group_label: Mapped[str | None] = mapped_column(Text)


def _attach_comments() -> None:
    """The models carry the same COMMENT texts as the database (crawler/store/comments.py), so that the
    migrated schema and the models agree on them too."""
    for table in Base.metadata.tables.values():
        table.comment = relation_comment(table.name)
        for column in table.columns:
            column.comment = column_comment(table.name, column.name)


_attach_comments()
