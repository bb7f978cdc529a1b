"""The scheduler's state in Postgres: scheduled_jobs, region_schedules, and what crawl runs say.

Everything the scheduler decides is derived from these rows and from scrapyd's job list, never from memory:
a restarted scheduler carries on where the last one stopped. One scheduler per database: `acquire_lock`
takes a session-level advisory lock that a second scheduler cannot get.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection, and_, false, func, insert, or_, select, text, update
from sqlalchemy.dialects.postgresql import insert as pg_insert

from crawler.store.database import make_engine
from crawler.store.models import SCHEDULED_JOB_OPEN_STATES, CrawlRun, RegionSchedule, ScheduledJob

if TYPE_CHECKING:
    from crawler.registry import Region

_LOCK_KEY = 0x78786B73  # "xxks"; the migrations use another key


@dataclass(frozen=True)
class JobRow:
    id: int
    region_code: str
    scrapyd_job_id: str
    state: str
    attempts: int
    created_at: dt.datetime
    scheduled_at: dt.datetime | None
    next_attempt_at: dt.datetime | None


@dataclass(frozen=True)
class RunOutcome:
    crawl_run_id: int
    outcome: str  # "ok" | "failed" | "unfinished" (the view region_run_outcomes)
    problem: str | None
    finished_at: dt.datetime | None


class SchedulerLockedError(RuntimeError):
    """Another scheduler is running against the same database."""


class JobRecords:
    def __init__(self, url: str) -> None:
        self.url = url
        self.engine = make_engine(url)
        self._lock_connection: Connection | None = None

    def close(self) -> None:
        self.release_lock()
        self.engine.dispose()

    # -----------------------------------------------------------------------------------------
    # One scheduler per database
    # -----------------------------------------------------------------------------------------

    def acquire_lock(self) -> None:
        if self._lock_connection is not None:
            return
        conn = self.engine.connect()
        got = conn.execute(text("SELECT pg_try_advisory_lock(:key)"), {"key": _LOCK_KEY}).scalar()
        conn.commit()
        if not got:
            conn.close()
            raise SchedulerLockedError(
                "another scheduler holds this database's scheduler lock: run one scheduler per database"
            )
        self._lock_connection = conn

    def release_lock(self) -> None:
        conn, self._lock_connection = self._lock_connection, None
        if conn is None:
            return
        try:
            conn.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": _LOCK_KEY})
            conn.commit()
        finally:
            conn.close()

    # -----------------------------------------------------------------------------------------
    # Regions and their cadence
    # -----------------------------------------------------------------------------------------

    def sync_regions(self, regions: Iterable[Region]) -> None:
        """The scheduled regions into `regions` (the jobs refer to them)."""
        from crawler.store import Repository

        with Repository(self.url) as repo:
            repo.sync_regions(list(regions))

    def set_schedules(self, cadences: Mapping[str, tuple[int, int]], now: dt.datetime) -> None:
        """region code -> (cadence, overdue after) in seconds; regions not named are no longer scheduled."""
        with self.engine.begin() as conn:
            if cadences:
                stmt = pg_insert(RegionSchedule).values(
                    [
                        {
                            "region_code": code,
                            "cadence_seconds": c,
                            "overdue_after_seconds": o,
                            "active": True,
                        }
                        for code, (c, o) in cadences.items()
                    ]
                )
                conn.execute(
                    stmt.on_conflict_do_update(
                        index_elements=[RegionSchedule.region_code],
                        set_={
                            "cadence_seconds": stmt.excluded.cadence_seconds,
                            "overdue_after_seconds": stmt.excluded.overdue_after_seconds,
                            "active": True,
                            "updated_at": now,
                        },
                    )
                )
            conn.execute(
                update(RegionSchedule)
                .where(RegionSchedule.region_code.not_in(list(cadences)), RegionSchedule.active)
                .values(active=False, updated_at=now)
            )

    # -----------------------------------------------------------------------------------------
    # Jobs
    # -----------------------------------------------------------------------------------------

    def open_jobs(self) -> list[JobRow]:
        return self._jobs(ScheduledJob.state.in_(SCHEDULED_JOB_OPEN_STATES))

    def jobs(self, region_code: str | None = None) -> list[JobRow]:
        """Every job (of one region), oldest first."""
        return self._jobs(ScheduledJob.region_code == region_code if region_code else None)

    def _jobs(self, where: Any) -> list[JobRow]:
        stmt = select(
            ScheduledJob.id,
            ScheduledJob.region_code,
            ScheduledJob.scrapyd_job_id,
            ScheduledJob.state,
            ScheduledJob.attempts,
            ScheduledJob.created_at,
            ScheduledJob.scheduled_at,
            ScheduledJob.next_attempt_at,
        ).order_by(ScheduledJob.id)
        if where is not None:
            stmt = stmt.where(where)
        with self.engine.connect() as conn:
            return [JobRow(*row) for row in conn.execute(stmt)]

    def last_submitted(self) -> dict[str, dt.datetime]:
        """region code -> when scrapyd last accepted a crawl of it."""
        stmt = (
            select(ScheduledJob.region_code, func.max(ScheduledJob.scheduled_at))
            .where(ScheduledJob.scheduled_at.is_not(None))
            .group_by(ScheduledJob.region_code)
        )
        with self.engine.connect() as conn:
            return {code: at for code, at in conn.execute(stmt) if at is not None}

    def create_job(
        self, region_code: str, project: str, spider: str, job_id: str, state: str, now: dt.datetime
    ) -> JobRow:
        values = {
            "region_code": region_code,
            "project": project,
            "spider": spider,
            "scrapyd_job_id": job_id,
            "state": state,
            "attempts": 0,
            "created_at": now,
            "updated_at": now,
        }
        with self.engine.begin() as conn:
            row_id = conn.execute(insert(ScheduledJob).values(values).returning(ScheduledJob.id)).scalar_one()
        return JobRow(row_id, region_code, job_id, state, 0, now, None, None)

    def mark_scheduled(self, row: JobRow, now: dt.datetime) -> None:
        self._update(
            row.id,
            state="pending",
            attempts=row.attempts + 1,
            scheduled_at=now,
            next_attempt_at=None,
            error=None,
            updated_at=now,
        )

    def mark_submit_failed(
        self, row: JobRow, error: str, next_attempt_at: dt.datetime, now: dt.datetime, *, tried: bool = True
    ) -> None:
        """The submission failed (`tried`: one more attempt counted) and is retried from `next_attempt_at`."""
        self._update(
            row.id,
            state="submit_failed",
            attempts=row.attempts + (1 if tried else 0),
            next_attempt_at=next_attempt_at,
            error=error,
            updated_at=now,
        )

    def mark_seen(self, row: JobRow, state: str, now: dt.datetime) -> None:
        """scrapyd lists the job as pending or running."""
        self._update(
            row.id,
            state=state,
            scheduled_at=row.scheduled_at or now,
            next_attempt_at=None,
            error=None,
            updated_at=now,
        )

    def close_job(
        self,
        row: JobRow,
        state: str,
        finished_at: dt.datetime,
        crawl_run_id: int | None,
        error: str | None,
        now: dt.datetime,
    ) -> None:
        self._update(
            row.id,
            state=state,
            finished_at=finished_at,
            crawl_run_id=crawl_run_id,
            error=error,
            scheduled_at=row.scheduled_at or row.created_at,
            next_attempt_at=None,
            updated_at=now,
        )

    def _update(self, row_id: int, **values: Any) -> None:
        with self.engine.begin() as conn:
            conn.execute(update(ScheduledJob).where(ScheduledJob.id == row_id).values(**values))

    # -----------------------------------------------------------------------------------------
    # Crawl runs
    # -----------------------------------------------------------------------------------------

    def run_outcome(self, scrapyd_job_id: str, region_code: str) -> RunOutcome | None:
        """What the crawl run of a scrapyd job says for the region (region_run_outcomes), if it has a run."""
        stmt = text(
            "SELECT crawl_run_id, outcome, problem, finished_at FROM region_run_outcomes "
            "WHERE scrapyd_job_id = :job AND region_code = :code ORDER BY crawl_run_id DESC LIMIT 1"
        )
        with self.engine.connect() as conn:
            row = conn.execute(stmt, {"job": scrapyd_job_id, "code": region_code}).first()
        return RunOutcome(*row) if row is not None else None

    def regions_in_unfinished_runs(self, since: dt.datetime, active_jobs: Iterable[str]) -> set[str]:
        """Regions of crawl runs going on now: runs of scrapyd jobs in `active_jobs` (scrapyd lists them
        as pending or running), and runs not started by scrapyd (`python -m crawler crawl`) that are not
        finished and started after `since` (older ones are taken for crashed)."""
        active = list(active_jobs)
        by_scrapyd = CrawlRun.scrapyd_job_id.in_(active) if active else false()
        by_hand = and_(CrawlRun.scrapyd_job_id.is_(None), CrawlRun.started_at >= since)
        stmt = select(func.unnest(CrawlRun.region_codes)).where(
            CrawlRun.finished_at.is_(None), or_(by_scrapyd, by_hand)
        )
        with self.engine.connect() as conn:
            return {str(code) for code in conn.execute(stmt).scalars()}
