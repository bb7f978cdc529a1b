"""The scheduler: every tick, reconcile the recorded jobs with scrapyd, then submit the regions that are due.

A tick (APScheduler runs one every `timing.tick`, never two at once):

1. Ask scrapyd for its jobs (listjobs.json). If scrapyd does not answer, record the failure on every region
   that is due (state `submit_failed`, the error, the attempt count, the next attempt) and leave scrapyd
   alone for a back-off that doubles with each failure in a row, up to `timing.retry_max`.
2. Reconcile each open job with scrapyd's list: pending, running, finished (then its crawl run decides:
   `finished` when the run's outcome for the region is ok, else `failed` with the run's problem), or
   unknown to scrapyd (`lost`, unless its run finished).
3. Submit the due regions (plan.py), at most `timing.max_submissions_per_tick`, each with a job id chosen
   and recorded before asking, so that a scheduler stopped between asking and recording finds the job again.
   A region is never submitted while it has an open job, while scrapyd has a pending job for it, or while a
   crawl run of it is going on (one started by hand, say).

Nothing is kept in memory that a restart would lose: the rows of scheduled_jobs and scrapyd's list say it all.
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from crawler.scheduler import plan
from crawler.scheduler.config import ScheduleConfig
from crawler.scheduler.records import JobRecords, JobRow
from crawler.scheduler.scrapyd import Job, JobList, ScrapydClient, ScrapydError, ScrapydUnavailable

if TYPE_CHECKING:
    from apscheduler.schedulers.background import BackgroundScheduler

    from crawler.registry import Region, Registry

log = logging.getLogger(__name__)

Clock = Callable[[], dt.datetime]
REGION_ARG = "region"  # the `reports` spider's argument


def utc_now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


class RegionScheduleError(ValueError):
    """The schedule names regions the crawler cannot crawl (the message says why)."""


def scheduled_regions(config: ScheduleConfig, registry: Registry) -> list[Region]:
    """The registry regions the schedule covers, each checked to be crawlable."""
    from crawler.spiders.reports import RegionSelectionError, select_regions

    if config.regions is not None:
        try:
            return select_regions(registry, ",".join(config.regions), None)
        except RegionSelectionError as exc:
            raise RegionScheduleError(f"{config.source}: regions.select: {exc}") from exc
    chosen: list[Region] = []
    for region in registry:
        if not region.listings or (region.sample and not config.include_sample):
            continue
        try:
            select_regions(registry, region.code, None)
        except RegionSelectionError as exc:
            log.warning("not scheduled: %s", exc)
            continue
        chosen.append(region)
    if not chosen:
        raise RegionScheduleError(f"{config.source}: the registry has no crawlable region to schedule")
    return chosen


@dataclass
class TickReport:
    """What one tick did (for logs and tests)."""

    at: dt.datetime
    scrapyd_reachable: bool = True
    submitted: list[str] = field(default_factory=list)  # region codes
    submit_failed: list[str] = field(default_factory=list)
    closed: dict[str, str] = field(default_factory=dict)  # scrapyd job id -> final state
    skipped_busy: list[str] = field(default_factory=list)
    waiting_for_backoff: bool = False


class Scheduler:
    def __init__(
        self,
        config: ScheduleConfig,
        database_url: str,
        *,
        regions: Sequence[Region] | None = None,
        client: ScrapydClient | None = None,
        clock: Clock = utc_now,
    ) -> None:
        self.config = config
        self.clock = clock
        self.client = client or ScrapydClient(
            config.scrapyd_url, timeout=config.request_timeout.total_seconds()
        )
        if regions is None:
            from crawler.registry import load_registry

            registry = load_registry(sample_port=config.job_settings.get("SAMPLE_PORTAL_PORT"))
            regions = scheduled_regions(config, registry)
        self.regions: list[Region] = list(regions)
        self.records = JobRecords(database_url)
        self.records.sync_regions(self.regions)
        self._failures_in_a_row = 0
        self._contact_after: dt.datetime | None = None
        self._applied: dict[str, tuple[int, int]] | None = None
        self._background: BackgroundScheduler | None = None
        self.ticks = 0

    # -----------------------------------------------------------------------------------------
    # Running
    # -----------------------------------------------------------------------------------------

    def start(self) -> None:
        """Tick now and every `timing.tick` in a background thread (APScheduler), holding the lock."""
        from apscheduler.schedulers.background import BackgroundScheduler
        from apscheduler.triggers.interval import IntervalTrigger

        self.records.acquire_lock()
        background = BackgroundScheduler(
            timezone=dt.UTC,
            # One tick at a time; ticks missed while one ran long are not made up for.
            job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": None},
        )
        background.add_job(
            self.safe_tick,
            IntervalTrigger(seconds=self.config.tick.total_seconds(), timezone=dt.UTC),
            id="tick",
            next_run_time=utc_now(),
        )
        background.start()
        self._background = background
        log.info(
            "scheduler started: %d regions, scrapyd %s, a tick every %s",
            len(self.regions),
            self.config.scrapyd_url,
            self.config.tick,
        )

    def stop(self) -> None:
        background, self._background = self._background, None
        if background is not None:
            background.shutdown(wait=True)
        self.records.release_lock()

    def close(self) -> None:
        self.stop()
        self.records.close()

    def run_forever(self, stop: threading.Event) -> None:
        self.start()
        try:
            stop.wait()
        finally:
            self.close()

    def safe_tick(self) -> TickReport | None:
        """A tick whose failure (the database down, say) is logged, not fatal: the next tick tries again.
        Only a completed tick renews the heartbeat, so `--healthcheck` fails while ticks keep failing."""
        try:
            report = self.tick()
        except Exception:
            log.exception("tick failed; trying again at the next one")
            return None
        self._beat()
        return report

    # -----------------------------------------------------------------------------------------
    # The tick
    # -----------------------------------------------------------------------------------------

    def tick(self) -> TickReport:
        now = self.clock()
        self.ticks += 1
        report = TickReport(at=now)
        self._apply_cadences(now)
        if self._contact_after is not None and now < self._contact_after:
            report.waiting_for_backoff = True
            return report
        try:
            jobs = self.client.list_jobs(self.config.project)
        except ScrapydError as exc:
            report.scrapyd_reachable = False
            self._scrapyd_failed(exc, now, report)
            return report
        self._reconcile(jobs, now, report)
        self._submit_due(jobs, now, report)
        return report

    def _apply_cadences(self, now: dt.datetime) -> None:
        in_season = self.config.in_season(now)
        grace = self.config.overdue_grace
        wanted: dict[str, tuple[int, int]] = {}
        for region in self.regions:
            interval = self.config.cadence_for(region.code).interval(in_season)
            wanted[region.code] = (int(interval.total_seconds()), int((interval + grace).total_seconds()))
        if wanted != self._applied:
            self.records.set_schedules(wanted, now)
            self._applied = wanted

    def _interval(self, region_code: str, now: dt.datetime) -> dt.timedelta:
        return self.config.cadence_for(region_code).interval(self.config.in_season(now))

    def _retry_delay(self, attempts: int) -> dt.timedelta:
        return plan.retry_delay(
            attempts, self.config.retry_initial, self.config.retry_max, self.config.retry_factor
        )

    # -----------------------------------------------------------------------------------------
    # Reconciling recorded jobs with scrapyd
    # -----------------------------------------------------------------------------------------

    def _reconcile(self, jobs: JobList, now: dt.datetime, report: TickReport) -> None:
        for row in self.records.open_jobs():
            seen = jobs.state_of(row.scrapyd_job_id)
            if seen == "finished":
                job = jobs.find(row.scrapyd_job_id)
                report.closed[row.scrapyd_job_id] = self._close(row, job, now, lost=False)
            elif seen in ("pending", "running"):
                if row.state != seen:
                    self.records.mark_seen(row, seen, now)
            elif row.state in ("pending", "running"):
                report.closed[row.scrapyd_job_id] = self._close(row, None, now, lost=True)
            elif row.state == "submitting":
                # The scheduler stopped between recording the job and hearing scrapyd's answer, and scrapyd
                # has no such job: it never arrived. Submit it again now.
                self.records.mark_submit_failed(
                    row,
                    "the scheduler stopped while submitting this job; scrapyd does not know it",
                    now,
                    now,
                    tried=False,
                )

    def _close(self, row: JobRow, job: Job | None, now: dt.datetime, *, lost: bool) -> str:
        outcome = self.records.run_outcome(row.scrapyd_job_id, row.region_code)
        where = self._log_url(job)
        if outcome is None:
            state = "lost" if lost else "failed"
            error = (
                f"scrapyd no longer lists job {row.scrapyd_job_id} and it recorded no crawl run "
                "(scrapyd restarted while the job was pending or running?)"
                if lost
                else f"job {row.scrapyd_job_id} recorded no crawl run: the crawl did not reach its database"
                f"{where}"
            )
            finished_at = now
            run_id = None
        elif outcome.outcome == "ok":
            state, error, finished_at, run_id = (
                "finished",
                None,
                outcome.finished_at or now,
                outcome.crawl_run_id,
            )
        elif outcome.outcome == "unfinished":
            state = "lost" if lost else "failed"
            error = f"the crawl process ended without closing crawl run {outcome.crawl_run_id}{where}"
            finished_at, run_id = now, outcome.crawl_run_id
        else:
            state, error = "failed", f"crawl run {outcome.crawl_run_id}: {outcome.problem}{where}"
            finished_at, run_id = outcome.finished_at or now, outcome.crawl_run_id
        self.records.close_job(row, state, finished_at, run_id, error, now)
        if state == "finished":
            log.info("job %s (region %s) finished: crawl run %s", row.scrapyd_job_id, row.region_code, run_id)
        else:
            log.warning("job %s (region %s) %s: %s", row.scrapyd_job_id, row.region_code, state, error)
        return state

    def _log_url(self, job: Job | None) -> str:
        if job is None or not job.log_url:
            return ""
        return f" (log: {self.config.scrapyd_url}{job.log_url})"

    # -----------------------------------------------------------------------------------------
    # Submitting
    # -----------------------------------------------------------------------------------------

    def _due(self, now: dt.datetime, jobs: JobList | None) -> list[tuple[Region, JobRow | None]]:
        """The regions to submit now, in order, each with its open submit_failed row if it has one."""
        open_rows = {row.region_code: row for row in self.records.open_jobs()}
        last = self.records.last_submitted()
        busy: set[str] = set()
        if jobs is not None:
            ours = {row.scrapyd_job_id for row in open_rows.values()}
            spider = self.config.spider
            busy |= {
                j.args[REGION_ARG]
                for j in jobs.pending
                if j.spider == spider and j.id not in ours and REGION_ARG in j.args
            }
            active = [j.id for j in (*jobs.pending, *jobs.running)]
            busy |= self.records.regions_in_unfinished_runs(now - self.config.busy_run_max_age, active)
        retries: list[tuple[tuple[int, dt.datetime, str], Region, JobRow | None]] = []
        fresh: list[tuple[tuple[int, dt.datetime, str], Region, JobRow | None]] = []
        for region in self.regions:
            row = open_rows.get(region.code)
            if row is not None:
                if row.state == "submit_failed" and (
                    row.next_attempt_at is None or row.next_attempt_at <= now
                ):
                    retries.append(((0, row.next_attempt_at or now, region.code), region, row))
                continue  # pending, running, or waiting for its retry
            interval = self._interval(region.code, now)
            previous = last.get(region.code)
            if not plan.is_due(region.code, interval, now, previous):
                continue
            if region.code in busy:
                log.info("region %s is due but a crawl of it is going on: not submitted", region.code)
                continue
            fresh.append((plan.due_order(region.code, interval, now, previous), region, None))
        retries.sort(key=lambda item: item[0])
        fresh.sort(key=lambda item: item[0])
        return [(region, row) for _, region, row in (*retries, *fresh)]

    def _submit_due(self, jobs: JobList, now: dt.datetime, report: TickReport) -> None:
        for region, row in self._due(now, jobs)[: self.config.max_submissions_per_tick]:
            if row is None:
                row = self.records.create_job(
                    region.code, self.config.project, self.config.spider, uuid.uuid4().hex, "submitting", now
                )
            try:
                self.client.schedule(
                    self.config.project,
                    self.config.spider,
                    row.scrapyd_job_id,
                    {REGION_ARG: region.code},
                    self.config.job_settings,
                )
            except ScrapydError as exc:
                self._failures_in_a_row += 1
                self._contact_after = now + self._retry_delay(self._failures_in_a_row)
                self._record_submit_failure(row, exc, now)
                report.submit_failed.append(region.code)
                return  # scrapyd is down or refuses: the others wait for the back-off too
            self._failures_in_a_row = 0
            self._contact_after = None
            self.records.mark_scheduled(row, now)
            report.submitted.append(region.code)
            log.info("scheduled region %s as scrapyd job %s", region.code, row.scrapyd_job_id)
        self._failures_in_a_row = 0
        self._contact_after = None

    def _scrapyd_failed(self, exc: ScrapydError, now: dt.datetime, report: TickReport) -> None:
        self._failures_in_a_row += 1
        delay = self._retry_delay(self._failures_in_a_row)
        self._contact_after = now + delay
        due = self._due(now, None)
        log.warning(
            "scrapyd unavailable (%s); %d due regions recorded as not submitted; next try in %s",
            exc,
            len(due),
            delay,
        )
        for region, row in due:
            if row is None:
                row = self.records.create_job(
                    region.code,
                    self.config.project,
                    self.config.spider,
                    uuid.uuid4().hex,
                    "submit_failed",
                    now,
                )
            self._record_submit_failure(row, exc, now)
            report.submit_failed.append(region.code)

    def _record_submit_failure(self, row: JobRow, exc: ScrapydError, now: dt.datetime) -> None:
        kind = "scrapyd unavailable" if isinstance(exc, ScrapydUnavailable) else "scrapyd refused the job"
        attempts = row.attempts + 1
        next_attempt = now + self._retry_delay(attempts)
        self.records.mark_submit_failed(row, f"{kind}: {exc} (attempt {attempts})", next_attempt, now)

    # -----------------------------------------------------------------------------------------
    # Liveness
    # -----------------------------------------------------------------------------------------

    def _beat(self) -> None:
        path = self.config.heartbeat
        if path is None:
            return
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(utc_now().isoformat() + "\n", encoding="utf-8")
        except OSError as exc:
            log.warning("cannot write the heartbeat file %s: %s", path, exc)


def heartbeat_age(path: Path) -> dt.timedelta | None:
    """How long ago the scheduler last ticked, from its heartbeat file; None when there is none."""
    try:
        stamp = path.stat().st_mtime
    except OSError:
        return None
    return utc_now() - dt.datetime.fromtimestamp(stamp, dt.UTC)
