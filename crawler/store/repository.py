"""The repository: every write the crawler makes, and the reads the CLI needs.

Each public method is one short transaction. Documents are versioned by content: the same URL with the same
bytes is "unchanged" (only last_seen_at moves), new bytes make a new version and the old one is kept. A
report's parsed rows (sections, the three tables, checks) are replaced as a whole for its current version.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import importlib.metadata
import json
import math
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING, Any, Literal

from sqlalchemy import Engine, bindparam, case, delete, func, insert, select, text, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.orm import Session, aliased, sessionmaker

from crawler.incremental import KnownDocument
from crawler.items import FetchedDocument
from crawler.store.database import make_engine
from crawler.store.models import (
    TABLE_COLUMNS,
    TABLE_KEY_COLUMN,
    TABLE_MODELS,
    TABLE_ROW_IDS,
    CheckResult,
    CrawlFailure,
    CrawlRun,
    Document,
    DocumentVersion,
    Region,
    Report,
    ReportRequests,
    ReportSection,
    StoredCellSource,
)
from parsers.model import Cell, CellSource, Check, ParsedReport, RegionRef, Table, json_default
from parsers.template import NA, NOT_APPLICABLE, SECTION_IDS, TABLE_IDS

if TYPE_CHECKING:
    from crawler.registry import Region as RegistryRegion

DocumentStatus = Literal["new", "changed", "unchanged"]

# The request row whose total the summary reports as "requests received".
_RECEIVED_ROW = "new_received"
_RECEIVED_COLUMN = "total"


class StoreError(ValueError):
    """Input the store refuses: an unknown region, run or document, or a parse result off the contract."""


@dataclass(frozen=True)
class SavedDocument:
    document_id: int
    version_id: int
    status: DocumentStatus


@dataclass(frozen=True)
class SummaryRow:
    region_code: str
    region_name: str
    year: int | None
    reports: int
    requests_received: int | None  # Σ requests.new_received.total; None when no report states it
    failed_checks: int


def default_parser_version() -> str:
    """`parsers.__version__` if the parser declares one, else the installed project's version."""
    import parsers

    declared = getattr(parsers, "__version__", None)
    if isinstance(declared, str) and declared:
        return declared
    try:
        return importlib.metadata.version("xxgk-annual-reports")
    except importlib.metadata.PackageNotFoundError:
        return "unknown"


class Repository:
    def __init__(
        self, url: str, *, parser_version: str | None = None, synchronous_commit: bool = True
    ) -> None:
        """`synchronous_commit=False` (the crawler's writer): commits return before the server's WAL flush,
        so a crash may lose the last fraction of a second of writes (never corrupt them); a crawl keeps
        the raw bytes first, and its next run fetches whatever did not arrive."""
        options: dict[str, Any] = {}
        if not synchronous_commit:
            options["connect_args"] = {"options": "-c synchronous_commit=off"}
        self.engine: Engine = make_engine(url, **options)
        self._regions_seen: set[str] = set()  # region codes known to be in the regions table
        self.parser_version = parser_version or default_parser_version()
        self._sessions = sessionmaker(self.engine, expire_on_commit=False)

    def close(self) -> None:
        self.engine.dispose()

    def __enter__(self) -> Repository:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @contextmanager
    def _transaction(self) -> Iterator[Session]:
        with self._sessions.begin() as session:
            yield session

    # -----------------------------------------------------------------------------------------
    # Regions and runs
    # -----------------------------------------------------------------------------------------

    def sync_regions(self, regions: Iterable[RegistryRegion]) -> None:
        """Insert or update the registry's regions (never deletes: documents refer to them)."""
        rows = [_region_row(region) for region in regions]
        if not rows:
            return
        stmt = pg_insert(Region)
        stmt = stmt.on_conflict_do_update(
            index_elements=[Region.code],
            set_={col: stmt.excluded[col] for col in rows[0] if col != "code"} | {"updated_at": func.now()},
        )
        with self._transaction() as session:
            session.execute(stmt, rows)

    def start_run(self, spider: str, region_codes: list[str], scrapyd_job_id: str | None = None) -> int:
        """Open a run; `scrapyd_job_id` when scrapyd runs the crawl (the scheduler finds the run by it)."""
        with self._transaction() as session:
            run = CrawlRun(
                spider=spider,
                region_codes=list(region_codes),
                started_at=_now(),
                scrapyd_job_id=scrapyd_job_id,
            )
            session.add(run)
            session.flush()
            return run.id

    def finish_run(self, run_id: int, finish_reason: str, stats: Mapping[str, Any]) -> None:
        """Close a run. Its counts were kept as documents and failures were saved; `stats` (Scrapy's) is
        stored as JSON, datetimes as ISO strings."""
        with self._transaction() as session:
            found = session.scalar(
                update(CrawlRun)
                .where(CrawlRun.id == run_id)
                .values(
                    finished_at=_now(),
                    finish_reason=finish_reason,
                    stats=json_safe(dict(stats)),
                    failures_by_reason=_failures_by_reason(run_id),
                )
                .returning(CrawlRun.id)
            )
            if found is None:
                raise StoreError(f"no crawl run {run_id}")
            self._link_parents(session)

    @staticmethod
    def _link_parents(session: Session) -> None:
        """Attachments saved before their report page (concurrent writers) get its id now."""
        parent = aliased(Document)
        session.execute(
            update(Document)
            .where(
                Document.parent_document_id.is_(None),
                Document.parent_url.is_not(None),
                Document.parent_url == parent.url,
            )
            .values(parent_document_id=parent.id)
        )

    def known_documents(self, region_codes: Iterable[str]) -> dict[str, KnownDocument]:
        """URL → what incremental crawls need to know of it, for the documents of these regions.

        `parsed_by` is the parser version of the stored report only when that report is a parse of what is
        stored now: of the current version, and of the companions as stored (each it read stored at the
        version it read, none it could not fetch stored since; a report from before migration 0005 only
        for a page without stored attachments). Otherwise None: the page is parsed again when fetched, and
        save_report rewrites the report if the companions now read differ from the recorded ones."""
        codes = list(region_codes)
        current_parse = Report.version_id == Document.current_version_id
        stmt = (
            select(
                Document.url,
                DocumentVersion.sha256,
                Document.listing_date,
                Document.last_seen_at,
                case((current_parse, Report.parser_version)),
                case((current_parse, Report.companions)),
                Document.parent_url,
            )
            .join(DocumentVersion, DocumentVersion.id == Document.current_version_id)
            .outerjoin(Report, Report.document_id == Document.id)
            .where(Document.region_code.in_(codes))
        )
        with self._sessions() as session:
            found = list(session.execute(stmt))
        current = {url: sha256 for url, sha256, *_ in found}
        stored_companions: dict[str, dict[str, str]] = {}
        for url, sha256, *_, parent_url in found:
            if parent_url is not None:
                stored_companions.setdefault(parent_url, {})[url] = sha256
        known: dict[str, KnownDocument] = {}
        for url, sha256, listing_date, last_seen, parsed_by, read, _ in found:
            if parsed_by is not None and not _read_from_stored(read, stored_companions.get(url, {}), current):
                parsed_by = None
            known[url] = KnownDocument(url, sha256, listing_date, last_seen, parsed_by)
        return known

    def record_failure(
        self, run_id: int | None, region_code: str | None, url: str, reason: str, detail: str
    ) -> None:
        with self._transaction() as session:
            session.add(
                CrawlFailure(
                    crawl_run_id=run_id, region_code=region_code, url=url, reason=reason, detail=detail
                )
            )
            if run_id is not None:
                self._count(session, run_id, CrawlRun.failures)

    # -----------------------------------------------------------------------------------------
    # Documents
    # -----------------------------------------------------------------------------------------

    def save_document(self, run_id: int | None, doc: FetchedDocument, raw_path: str) -> SavedDocument:
        """Record a fetched document: "new" URL, "changed" content (a new or earlier version becomes
        current, all versions kept) or "unchanged" (only last_seen_at moves; no new rows)."""
        _check_document(doc)
        with self._transaction() as session:
            self._check_regions(session, [doc.region_code])
            saved = self._save_document(session, run_id, doc, raw_path)
            if run_id is not None:
                self._count(session, run_id, *_run_counters(doc, saved))
            return saved

    def save_many(
        self, run_id: int | None, batch: Sequence[tuple[FetchedDocument, str, ParsedReport | None]]
    ) -> list[tuple[SavedDocument, int | None] | StoreError]:
        """save_document (and save_report where a parse is given) for each (doc, raw path, parse), all in
        one transaction: one commit and one update of the run's counts for the lot (the crawler's writer
        groups what arrived while it was writing). Each entry's result is (SavedDocument, the report id or
        None as save_report returns it), or the StoreError refusing it (nothing of that entry is written).
        A database error rolls the whole batch back and propagates: write the entries one by one then."""
        results: list[tuple[SavedDocument, int | None] | StoreError | None] = [None] * len(batch)
        prepared: list[tuple[int, FetchedDocument, str, ParsedReport | None, _ReportRows | None]] = []
        for n, (doc, raw_path, parsed) in enumerate(batch):
            try:
                _check_document(doc)
                rows = _report_rows(parsed) if parsed is not None else None
            except StoreError as exc:
                results[n] = exc
                continue
            prepared.append((n, doc, raw_path, parsed, rows))
        with self._transaction() as session:
            missing = self._check_regions(
                session, [doc.region_code for _, doc, _, _, _ in prepared], strict=False
            )
            for n, doc, *_ in prepared:
                if doc.region_code in missing:
                    results[n] = StoreError(_missing_region(doc.region_code))
            writable = [entry for entry in prepared if entry[1].region_code not in missing]
            known = set(
                session.scalars(select(Document.url).where(Document.url.in_({e[1].url for e in writable})))
            )
            # URLs new to the store are written a table at a time; the rest (and a URL met twice in one
            # batch) one by one, as save_document would.
            first: dict[str, int] = {}
            for position, entry in enumerate(writable):
                if entry[1].url not in known:
                    first.setdefault(entry[1].url, position)
            fresh = [entry for position, entry in enumerate(writable) if first.get(entry[1].url) == position]
            for n, saved, report_id in self._insert_new(session, run_id, fresh):
                results[n] = (saved, report_id)
            counters: list[Any] = [c for n, doc, *_ in fresh for c in _run_counters(doc, _saved(results[n]))]
            fresh_positions = {e[0] for e in fresh}
            for n, doc, raw_path, parsed, rows in writable:
                if n in fresh_positions:
                    continue
                saved = self._save_document(session, run_id, doc, raw_path)
                report_id = None
                if parsed is not None and rows is not None:
                    report_id = self._save_report(session, saved, doc, parsed, rows)
                counters.extend(_run_counters(doc, saved))
                results[n] = (saved, report_id)
            if run_id is not None and counters:
                self._count(session, run_id, *counters)
        return [r if r is not None else StoreError("not written") for r in results]

    def _insert_new(
        self,
        session: Session,
        run_id: int | None,
        entries: list[tuple[int, FetchedDocument, str, ParsedReport | None, _ReportRows | None]],
    ) -> list[tuple[int, SavedDocument, int | None]]:
        """Documents whose URLs the store does not know, with their versions and reports: one multi-row
        statement per table for them all. Returns (batch position, SavedDocument, report id or None)."""
        if not entries:
            return []
        documents, versions, reports = Document.__table__, DocumentVersion.__table__, Report.__table__
        document_ids = session.scalars(
            insert(documents).returning(documents.c.id, sort_by_parameter_order=True),
            [
                {
                    "url": doc.url,
                    "region_code": doc.region_code,
                    "role": doc.role,
                    "parent_url": doc.parent_url,
                    "first_seen_at": doc.fetched_at,
                    "last_seen_at": doc.fetched_at,
                    "kind": doc.kind,
                    "listing_date": doc.listing_date,
                }
                for _, doc, *_ in entries
            ],
        ).all()
        version_ids = session.scalars(
            insert(versions).returning(versions.c.id, sort_by_parameter_order=True),
            [
                _version_row(document_id, run_id, doc, raw_path)
                for document_id, (_, doc, raw_path, _, _) in zip(document_ids, entries, strict=True)
            ],
        ).all()
        session.execute(
            update(documents)
            .where(documents.c.id == bindparam("b_document"))
            .values(current_version_id=bindparam("b_version")),
            [{"b_document": d, "b_version": v} for d, v in zip(document_ids, version_ids, strict=True)],
        )
        saved = [SavedDocument(d, v, "new") for d, v in zip(document_ids, version_ids, strict=True)]
        parsed_entries = [
            (position, entry) for position, entry in enumerate(entries) if entry[3] is not None and entry[4]
        ]
        report_ids: dict[int, int] = {}
        if parsed_entries:
            ids = session.scalars(
                insert(reports).returning(reports.c.id, sort_by_parameter_order=True),
                [
                    {"document_id": saved[p].document_id, **self._report_values(saved[p], e[1], e[3])}
                    for p, e in parsed_entries
                ],
            ).all()
            report_ids = {p: report_id for (p, _), report_id in zip(parsed_entries, ids, strict=True)}
            children: dict[Any, list[dict[str, Any]]] = {}
            for p, entry in parsed_entries:
                rows = entry[4]
                assert rows is not None
                tagged = {"report_id": report_ids[p]}
                children.setdefault(ReportSection, []).extend({**tagged, **r} for r in rows.sections)
                for table_id, table_rows in rows.tables.items():
                    children.setdefault(TABLE_MODELS[table_id], []).extend(
                        {**tagged, **r} for r in table_rows
                    )
                children.setdefault(CheckResult, []).extend({**tagged, **r} for r in rows.checks)
                children.setdefault(StoredCellSource, []).extend({**tagged, **r} for r in rows.sources)
            for model, model_rows in children.items():
                if model_rows:
                    # One executemany needs one set of keys: a column a row lacks is NULL (the 2019 and
                    # 2021 formats fill different columns of table 二).
                    keys = {key for row in model_rows for key in row}
                    session.execute(
                        insert(model.__table__), [dict.fromkeys(keys) | row for row in model_rows]
                    )
        # Attachments whose report page is stored (before, or earlier in this batch) point at it.
        parent = aliased(Document)
        session.execute(
            update(Document)
            .where(
                Document.id.in_(document_ids),
                Document.parent_url.is_not(None),
                Document.parent_url == parent.url,
            )
            .values(parent_document_id=parent.id)
        )
        return [(entry[0], saved[p], report_ids.get(p)) for p, entry in enumerate(entries)]

    def _check_regions(self, session: Session, codes: Iterable[str], *, strict: bool = True) -> set[str]:
        """Region codes not in the regions table (strict: raise StoreError for the first)."""
        unknown = set(codes) - self._regions_seen
        if not unknown:
            return set()
        found = set(session.scalars(select(Region.code).where(Region.code.in_(unknown))))
        self._regions_seen |= found
        missing = unknown - found
        if missing and strict:
            raise StoreError(_missing_region(sorted(missing)[0]))
        return missing

    def _save_document(
        self, session: Session, run_id: int | None, doc: FetchedDocument, raw_path: str
    ) -> SavedDocument:
        parent_id = (
            session.scalar(select(Document.id).where(Document.url == doc.parent_url))
            if doc.parent_url
            else None
        )
        inserted = session.scalar(
            pg_insert(Document)
            .values(
                url=doc.url,
                region_code=doc.region_code,
                role=doc.role,
                parent_url=doc.parent_url,
                parent_document_id=parent_id,
                first_seen_at=doc.fetched_at,
                last_seen_at=doc.fetched_at,
                kind=doc.kind,
                listing_date=doc.listing_date,
            )
            .on_conflict_do_nothing(index_elements=[Document.url])
            .returning(Document.id)
        )
        if inserted is None:
            return self._revisit(session, run_id, doc, raw_path, parent_id)
        version_id = self._add_version(session, inserted, run_id, doc, raw_path)
        session.execute(update(Document).where(Document.id == inserted).values(current_version_id=version_id))
        return SavedDocument(inserted, version_id, "new")

    def _revisit(
        self, session: Session, run_id: int | None, doc: FetchedDocument, raw_path: str, parent_id: int | None
    ) -> SavedDocument:
        document = session.scalars(select(Document).where(Document.url == doc.url).with_for_update()).one()
        document.last_seen_at = max(document.last_seen_at, doc.fetched_at)
        if document.parent_document_id is None and parent_id is not None:
            document.parent_document_id = parent_id
        if doc.listing_date is not None and (
            document.listing_date is None or doc.listing_date > document.listing_date
        ):
            document.listing_date = doc.listing_date
        current = session.get(DocumentVersion, document.current_version_id)
        if current is not None and current.sha256 == doc.sha256:
            return SavedDocument(document.id, current.id, "unchanged")
        document.kind = doc.kind
        # Content A -> B -> A: the earlier version becomes current again rather than a duplicate.
        version_id = session.scalar(
            select(DocumentVersion.id).where(
                DocumentVersion.document_id == document.id, DocumentVersion.sha256 == doc.sha256
            )
        )
        if version_id is None:
            version_id = self._add_version(session, document.id, run_id, doc, raw_path)
        document.current_version_id = version_id
        return SavedDocument(document.id, version_id, "changed")

    @staticmethod
    def _add_version(
        session: Session, document_id: int, run_id: int | None, doc: FetchedDocument, raw_path: str
    ) -> int:
        version = DocumentVersion(**_version_row(document_id, run_id, doc, raw_path))
        session.add(version)
        session.flush()
        return version.id

    @staticmethod
    def _count(session: Session, run_id: int, *columns: Any) -> None:
        """Add one to each column per time it is named (one UPDATE for a whole batch)."""
        added: dict[Any, int] = {}
        for column in columns:
            added[column] = added.get(column, 0) + 1
        found = session.scalar(
            update(CrawlRun)
            .where(CrawlRun.id == run_id)
            .values({column: column + n for column, n in added.items()})
            .returning(CrawlRun.id)
        )
        if found is None:
            raise StoreError(f"no crawl run {run_id}")

    # -----------------------------------------------------------------------------------------
    # Reports
    # -----------------------------------------------------------------------------------------

    def save_report(
        self, saved: SavedDocument, doc: FetchedDocument, parsed: ParsedReport, *, force: bool = False
    ) -> int | None:
        """Store the parse of the document's current version with its companions (`doc.companions`, the
        files and pictures the parse was given), replacing any earlier parse of it.

        Returns the report id, or None when nothing was written: this version is already stored from the
        same parser version and the same companion versions (pass force=True to rewrite it anyway). Raises
        StoreError, writing nothing, when `parsed` is off the contract (an unknown section, row or column
        id, a value of the wrong type).
        """
        rows = _report_rows(parsed)
        with self._transaction() as session:
            return self._save_report(session, saved, doc, parsed, rows, force=force)

    def _save_report(
        self,
        session: Session,
        saved: SavedDocument,
        doc: FetchedDocument,
        parsed: ParsedReport,
        rows: _ReportRows,
        *,
        force: bool = False,
    ) -> int | None:
        document = session.get(Document, saved.document_id, with_for_update=True)
        if document is None:
            raise StoreError(f"no document {saved.document_id}")
        if document.current_version_id != saved.version_id:
            raise StoreError(
                f"version {saved.version_id} is not the current version of document {saved.document_id}"
            )
        report = session.scalars(select(Report).where(Report.document_id == saved.document_id)).one_or_none()
        if (
            report is not None
            and not force
            and report.version_id == saved.version_id
            and report.parser_version == self.parser_version
            # A revised, new or vanished companion of an unchanged page changes what the parse read.
            and (report.companions or {}) == companions_read(doc)
        ):
            return None
        values = self._report_values(saved, doc, parsed)
        if report is None:
            report = Report(document_id=saved.document_id, **values)
            session.add(report)
            session.flush()
        else:
            for key, value in values.items():
                setattr(report, key, value)
            child_models: tuple[Any, ...] = (
                ReportSection,
                CheckResult,
                StoredCellSource,
                *TABLE_MODELS.values(),
            )
            for model in child_models:
                session.execute(delete(model).where(model.report_id == report.id))
        report_id = report.id

        def with_id(table_rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
            return [{"report_id": report_id, **row} for row in table_rows]

        session.execute(insert(ReportSection), with_id(rows.sections))
        for table_id, table_rows in rows.tables.items():
            if table_rows:
                session.execute(insert(TABLE_MODELS[table_id]), with_id(table_rows))
        if rows.checks:
            session.execute(insert(CheckResult), with_id(rows.checks))
        if rows.sources:
            session.execute(insert(StoredCellSource), with_id(rows.sources))
        return report_id

    def _report_values(
        self, saved: SavedDocument, doc: FetchedDocument, parsed: ParsedReport
    ) -> dict[str, Any]:
        return {
            "version_id": saved.version_id,
            "region_code": doc.region_code,
            "organ": parsed.organ,
            "year": parsed.year,
            "title": parsed.title,
            "region_name": parsed.region.name,
            "parsed_region_code": parsed.region.code,
            "publish_date": parsed.publish_date,
            "sign_date": parsed.sign_date,
            "format": parsed.format,
            "script": parsed.script,
            "kind": parsed.kind,
            "warnings": list(parsed.warnings),
            "legacy": None if parsed.legacy is None else json_safe(parsed.legacy),
            "parsed_at": _now(),
            "parser_version": self.parser_version,
            "companions": companions_read(doc),
        }

    def load_report(self, report_id: int) -> ParsedReport:
        """A stored report read back as a ParsedReport (what cross-year checks and re-exports work on)."""
        with self._sessions() as session:
            report = session.get(Report, report_id)
            if report is None:
                raise StoreError(f"no report {report_id}")
            sections: dict[str, str | None] = {
                row.section_id: row.text
                for row in session.scalars(select(ReportSection).where(ReportSection.report_id == report_id))
            }
            sources = _read_sources(session, report_id)
            tables: dict[str, Table | None] = {
                table_id: _read_table(session, table_id, report_id, sources) for table_id in TABLE_IDS
            }
            checks = [
                Check(row.check_id, row.ok, row.detail)
                for row in session.scalars(
                    select(CheckResult)
                    .where(CheckResult.report_id == report_id)
                    .order_by(CheckResult.check_id)
                )
            ]
            return ParsedReport(
                title=report.title,
                organ=report.organ,
                region=RegionRef(report.region_name, report.parsed_region_code),
                year=report.year,
                publish_date=report.publish_date,
                sign_date=report.sign_date,
                format=report.format,
                script=report.script,
                sections={sid: sections.get(sid) for sid in SECTION_IDS},
                tables=tables,
                checks=checks,
                warnings=list(report.warnings),
                kind="not_report" if report.kind == "not_report" else "report",
                legacy=report.legacy,
            )

    # -----------------------------------------------------------------------------------------
    # Summary (python -m crawler demo / summary)
    # -----------------------------------------------------------------------------------------

    def summary(self) -> list[SummaryRow]:
        """Reports (kind "report") per crawl region and year, with requests received and failed checks."""
        failed = (
            select(CheckResult.report_id, func.count().label("n"))
            .where(CheckResult.ok.is_(False))
            .group_by(CheckResult.report_id)
            .subquery()
        )
        requests: Any = ReportRequests  # generated from the template: its columns are not static attributes
        received = getattr(requests, _RECEIVED_COLUMN)
        stmt = (
            select(
                Report.region_code,
                Region.name,
                Report.year,
                func.count(Report.id),
                func.sum(received),
                func.coalesce(func.sum(failed.c.n), 0),
            )
            .join(Region, Region.code == Report.region_code)
            .outerjoin(
                requests,
                (requests.report_id == Report.id) & (requests.row_id == _RECEIVED_ROW),
            )
            .outerjoin(failed, failed.c.report_id == Report.id)
            .where(Report.kind == "report")
            .group_by(Report.region_code, Region.name, Report.year)
            .order_by(Report.region_code, case((Report.year.is_(None), 1), else_=0), Report.year)
        )
        with self._sessions() as session:
            return [
                SummaryRow(code, name, year, int(n), None if req is None else int(req), int(bad))
                for code, name, year, n, req, bad in session.execute(stmt)
            ]


# ---------------------------------------------------------------------------------------------
# Parse result -> rows
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _ReportRows:
    sections: list[dict[str, Any]]
    tables: dict[str, list[dict[str, Any]]]
    checks: list[dict[str, Any]]
    sources: list[dict[str, Any]]  # cell_sources rows: cells whose parse recorded where they were read


def _report_rows(parsed: ParsedReport) -> _ReportRows:
    """The rows of a parse, checked against the contract (StoreError before anything is written)."""
    sections = _section_rows(parsed.sections)
    tables = {table_id: _table_rows(table_id, parsed.tables.get(table_id)) for table_id in TABLE_IDS}
    unknown_tables = set(parsed.tables) - set(TABLE_IDS)
    if unknown_tables:
        raise StoreError(f"unknown table ids {sorted(unknown_tables)}")
    return _ReportRows(sections, tables, _check_rows(parsed.checks), _source_rows(parsed.tables))


def companions_read(doc: FetchedDocument) -> dict[str, str | None]:
    """What a page's parse read from its companions (reports.companions): URL → sha256 of each companion
    given to it, and URL → None for each the page links that could not be fetched (`companion_failures`,
    "URL: reason" as the spider notes them)."""
    read: dict[str, str | None] = {companion.url: companion.sha256 for companion in doc.companions}
    for note in doc.companion_failures:
        read.setdefault(note.split(": ", 1)[0], None)
    return read


def _read_from_stored(
    read: Mapping[str, str | None] | None, stored: Mapping[str, str], current: Mapping[str, str]
) -> bool:
    """Whether a report that read the companions `read` is a parse of what the store holds now (`current`:
    URL → sha256 of the current version): each companion it read is stored at that version (or not at all:
    no evidence), and none it missed (None) is stored now. `read` None: stored before migration 0005, so
    only a page without stored attachments (`stored`: URL → sha256 of those under the page) is known to
    be read from them all."""
    if read is None:
        return not stored
    return all(
        url not in current if sha256 is None else current.get(url, sha256) == sha256
        for url, sha256 in read.items()
    )


def _failures_by_reason(run_id: int) -> Any:
    """The run's crawl_failures counted by reason, as a JSON object (a scalar subquery of finish_run)."""
    per_reason = (
        select(CrawlFailure.reason, func.count().label("n"))
        .where(CrawlFailure.crawl_run_id == run_id)
        .group_by(CrawlFailure.reason)
        .subquery()
    )
    return select(
        func.coalesce(func.jsonb_object_agg(per_reason.c.reason, per_reason.c.n), text("'{}'::jsonb"))
    ).scalar_subquery()


def _check_document(doc: FetchedDocument) -> None:
    if doc.fetched_at.tzinfo is None:
        raise StoreError(f"fetched_at of {doc.url} has no timezone (expected UTC-aware)")
    if hashlib.sha256(doc.body).hexdigest() != doc.sha256:
        raise StoreError(f"sha256 of {doc.url} does not match its body")


def _version_row(document_id: int, run_id: int | None, doc: FetchedDocument, raw_path: str) -> dict[str, Any]:
    return {
        "document_id": document_id,
        "sha256": doc.sha256,
        "raw_path": raw_path,
        "size": len(doc.body),
        "content_type": doc.content_type,
        "http_status": doc.status,
        "final_url": doc.final_url,
        "listing_url": doc.listing_url,
        "listing_title": doc.listing_title,
        "listing_date": doc.listing_date,
        "page_date": doc.page_date,
        "encoding": doc.encoding,
        "file_name": doc.file_name,
        "fetched_at": doc.fetched_at,
        "crawl_run_id": run_id,
    }


def _saved(result: tuple[SavedDocument, int | None] | StoreError | None) -> SavedDocument:
    assert isinstance(result, tuple)
    return result[0]


def _missing_region(code: str) -> str:
    return f"region {code!r} is not in the regions table (sync_regions first)"


def _run_counters(doc: FetchedDocument, saved: SavedDocument) -> list[Any]:
    """The crawl_runs columns one saved document adds one to."""
    counters: list[Any] = [CrawlRun.items]
    if doc.role == "report":
        counters.append(getattr(CrawlRun, f"reports_{saved.status}"))
    return counters


def _section_rows(sections: Mapping[str, str | None]) -> list[dict[str, Any]]:
    unknown = set(sections) - set(SECTION_IDS)
    if unknown:
        raise StoreError(f"unknown section ids {sorted(unknown)}")
    # One row per contract section, so "absent" is stored, not inferred from a missing row.
    return [
        {"section_id": sid, "heading_present": sections.get(sid) is not None, "text": sections.get(sid)}
        for sid in SECTION_IDS
    ]


def _table_rows(table_id: str, table: Table | None) -> list[dict[str, Any]]:
    if table is None:
        return []
    key = TABLE_KEY_COLUMN[table_id]
    specs = {spec.id: spec for spec in TABLE_COLUMNS[table_id]}
    rows: list[dict[str, Any]] = []
    for row_id, cells in table.items():
        if row_id not in TABLE_ROW_IDS[table_id]:
            raise StoreError(f"unknown {key} {row_id!r} in table {table_id}")
        row: dict[str, Any] = {key: row_id}
        raw: dict[str, str] = {}
        for col_id, cell in cells.items():
            spec = specs.get(col_id)
            if spec is None:
                raise StoreError(f"unknown column {col_id!r} in table {table_id}")
            row[col_id] = _typed_value(spec.kind, cell, f"{table_id}.{row_id}.{col_id}")
            raw[col_id] = _stored_raw(cell)
        row["raw"] = raw
        rows.append(row)
    return rows


def _typed_value(kind: str, cell: Cell, where: str) -> int | Decimal | None:
    value = cell.value
    if value is None:
        return None
    if isinstance(value, str):
        if value == NA:
            return None
        raise StoreError(f"{where}: text value {value!r} where a number, {NA!r} or blank is expected")
    if isinstance(value, bool) or not isinstance(value, (int, Decimal)):
        raise StoreError(f"{where}: value of type {type(value).__name__}")
    if kind == "decimal":
        return Decimal(value)
    if isinstance(value, Decimal):
        if not value.is_finite() or value != value.to_integral_value():
            raise StoreError(f"{where}: {value} is not an integer")
        return int(value)
    return value


def _stored_raw(cell: Cell) -> str:
    # An n/a cell must never read back as blank: if the parser kept no text for it, store the marker.
    if cell.value == NA and cell.raw == "":
        return NA
    return cell.raw


def _check_rows(checks: Iterable[Check]) -> list[dict[str, Any]]:
    rows: dict[str, dict[str, Any]] = {}
    for check in checks:
        if check.id in rows:
            raise StoreError(f"check {check.id!r} appears twice")
        rows[check.id] = {"check_id": check.id, "ok": check.ok, "detail": check.detail}
    return list(rows.values())


def _source_rows(tables: Mapping[str, Table | None]) -> list[dict[str, Any]]:
    """A cell_sources row per cell with a recorded source (the tables were checked by _table_rows)."""
    rows: list[dict[str, Any]] = []
    for table_id in TABLE_IDS:
        for row_id, cells in (tables.get(table_id) or {}).items():
            for column_id, cell in cells.items():
                source = cell.source
                if source is None:
                    continue
                rows.append(
                    {
                        "table_id": table_id,
                        "row_id": row_id,
                        "column_id": column_id,
                        "method": source.method,
                        "page": source.page,
                        "confidence": source.confidence,
                        "low_confidence": source.low_confidence,
                        "document_url": source.document,
                    }
                )
    return rows


_SourceKey = tuple[str, str, str]  # (table id, row id, column id)


def _read_sources(session: Session, report_id: int) -> dict[_SourceKey, CellSource]:
    return {
        (row.table_id, row.row_id, row.column_id): CellSource(
            method=row.method,
            page=row.page,
            confidence=row.confidence,
            low_confidence=row.low_confidence,
            document=row.document_url,
        )
        for row in session.scalars(select(StoredCellSource).where(StoredCellSource.report_id == report_id))
    }


def _read_table(
    session: Session, table_id: str, report_id: int, sources: Mapping[_SourceKey, CellSource]
) -> Table | None:
    model: Any = TABLE_MODELS[table_id]  # generated from the template: its columns are not static attributes
    key = TABLE_KEY_COLUMN[table_id]
    table: Table = {}
    for row in session.scalars(select(model).where(model.report_id == report_id)):
        row_id = getattr(row, key)
        table[row_id] = {
            col_id: Cell(
                _read_value(getattr(row, col_id), raw), raw, sources.get((table_id, row_id, col_id))
            )
            for col_id, raw in row.raw.items()
        }
    # Tables are stored without a presence flag: no rows reads back as "table absent" (None).
    return table or None


def _read_value(value: int | Decimal | None, raw: str) -> int | Decimal | str | None:
    if value is None and raw in NOT_APPLICABLE:
        return NA
    return value


# ---------------------------------------------------------------------------------------------
# Helpers
# ---------------------------------------------------------------------------------------------


def _region_row(region: RegistryRegion) -> dict[str, Any]:
    """A regions row from a registry region."""
    return {
        "code": region.code,
        "name": region.name,
        "parent_code": region.parent,
        "level": region.level,
        "portal_url": region.portal,
        "family": region.family,
        "listing_urls": list(region.listings),
        "params": json_safe(dict(region.params)),
        "is_sample": region.sample,
    }


def json_safe(value: Any) -> Any:
    """`value` as plain JSON data: datetimes/dates as ISO strings, Decimals as numbers, sets and tuples as
    lists, non-finite floats and anything else as strings (Scrapy stats hold datetimes and the odd object)."""
    if value is None or isinstance(value, (bool, int, str)):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else str(value)
    if isinstance(value, Mapping):
        return {str(k): json_safe(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, set, frozenset)):
        items = sorted(value, key=str) if isinstance(value, (set, frozenset)) else value
        return [json_safe(v) for v in items]
    if isinstance(value, Decimal) and not value.is_finite():
        return str(value)
    if isinstance(value, (Decimal, dt.date, dt.datetime)):
        return json.loads(json.dumps(value, default=json_default))
    if isinstance(value, dt.timedelta):
        return value.total_seconds()
    return str(value)


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)
