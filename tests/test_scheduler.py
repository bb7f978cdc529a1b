"""The scheduler (crawler/scheduler): its schedule file, when regions fall due, and its ticks against a
scripted scrapyd and a real Postgres; then `python -m crawler.scheduler` as a process.

The real scrapyd runs in tests/test_scrapyd_deploy.py; here scrapyd is a stand-in that keeps a job list and
can be switched off, so each rule of a tick can be driven exactly: submissions, back-off while scrapyd is
down, reconciliation with crawl runs, restarts and crashes half-way through a submission.
"""

from __future__ import annotations

import copy
import datetime as dt
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text

from crawler.registry import Region, load_registry
from crawler.scheduler import plan
from crawler.scheduler.config import (
    DEFAULT_PATH,
    ScheduleConfig,
    ScheduleConfigError,
    load_config,
    parse_config,
    parse_duration,
)
from crawler.scheduler.records import SchedulerLockedError
from crawler.scheduler.scrapyd import Job, JobList, ScrapydClient, ScrapydRejected, ScrapydUnavailable
from crawler.scheduler.service import RegionScheduleError, Scheduler, scheduled_regions
from crawler.spiders.reports import select_regions
from crawler.store import Repository
from crawler.store.database import make_engine
from tests.test_health import add_report

REPO_ROOT = Path(__file__).resolve().parents[1]
UTC = dt.UTC
# 10 February 2026, 12:00 in Beijing: inside the January–March publishing season.
IN_SEASON = dt.datetime(2026, 2, 10, 4, 0, tzinfo=UTC)

BASE: dict[str, Any] = {
    "scrapyd": {
        "url": "http://127.0.0.1:6800",
        "project": "xxgk",
        "spider": "reports",
        "settings": {"LOG_LEVEL": "INFO", "SAMPLE_PORTAL_PORT": 8800},
    },
    "cadence": {
        "timezone": "Asia/Shanghai",
        "season_months": [1, 2, 3],
        "in_season": "1d",
        "off_season": "7d",
        "overdue_grace": "1d",
    },
    "regions": {"select": ["990101", "990102"], "include_sample": True},
    "timing": {
        "tick": "60s",
        "max_submissions_per_tick": 4,
        "retry_initial": "30s",
        "retry_max": "5m",
        "retry_factor": 2.0,
        "busy_run_max_age": "12h",
        "request_timeout": "5s",
        "heartbeat": "",
    },
}


def config_data(**sections: Mapping[str, Any]) -> dict[str, Any]:
    data = copy.deepcopy(BASE)
    for name, values in sections.items():
        data[name].update(values)
    return data


def make_config(**sections: Mapping[str, Any]) -> ScheduleConfig:
    return parse_config(config_data(**sections), None, {})


# ---------------------------------------------------------------------------------------------------------
# The schedule file
# ---------------------------------------------------------------------------------------------------------


def test_the_shipped_schedule_is_daily_in_season_and_weekly_otherwise() -> None:
    config = load_config(DEFAULT_PATH, environ={})
    assert config.scrapyd_url == "http://127.0.0.1:6800"
    assert (config.project, config.spider) == ("xxgk", "reports")
    assert config.cadence.in_season == dt.timedelta(days=1)
    assert config.cadence.off_season == dt.timedelta(days=7)
    assert config.season_months == frozenset({1, 2, 3})
    assert config.regions is None and config.include_sample is False
    assert config.tick == dt.timedelta(seconds=60)
    # 31 March 23:30 in Beijing is still the season; 1 April 00:30 there (31 March 16:30 UTC) is not.
    assert config.in_season(dt.datetime(2026, 3, 31, 15, 30, tzinfo=UTC))
    assert not config.in_season(dt.datetime(2026, 3, 31, 16, 30, tzinfo=UTC))
    assert config.cadence_for("532502").interval(False) == dt.timedelta(days=7)


def test_scrapyd_url_from_the_environment_wins() -> None:
    config = load_config(DEFAULT_PATH, environ={"SCRAPYD_URL": "http://scrapyd:6800/"})
    assert config.scrapyd_url == "http://scrapyd:6800"


def test_per_region_cadence_overrides_one_season_and_keeps_the_other() -> None:
    config = make_config(cadence={"regions": {"990101": {"off_season": "3d"}}})
    assert config.cadence_for("990101").interval(False) == dt.timedelta(days=3)
    assert config.cadence_for("990101").interval(True) == dt.timedelta(days=1)
    assert config.cadence_for("990102").interval(False) == dt.timedelta(days=7)


@pytest.mark.parametrize(
    ("text_value", "seconds"),
    [("90s", 90), ("30m", 1800), ("12h", 43200), ("1d", 86400), ("2w", 1209600), ("1.5h", 5400)],
)
def test_durations(text_value: str, seconds: int) -> None:
    assert parse_duration(text_value, "x") == dt.timedelta(seconds=seconds)


@pytest.mark.parametrize(
    ("sections", "message"),
    [
        ({"cadence": {"in_season": "daily"}}, "cadence.in_season: 'daily' is not a duration"),
        ({"cadence": {"in_season": "0s"}}, "cadence.in_season: '0s' must be longer than zero"),
        ({"cadence": {"timezone": "Mars/Olympus"}}, "unknown time zone 'Mars/Olympus'"),
        ({"cadence": {"season_months": [0, 13]}}, "cadence.season_months"),
        ({"cadence": {"regions": {"99010": {"in_season": "1d"}}}}, 'cadence.regions."99010"'),
        ({"regions": {"select": "everything"}}, "regions.select"),
        ({"regions": {"select": ["990101", "x"]}}, "regions.select"),
        ({"timing": {"max_submissions_per_tick": 0}}, "timing.max_submissions_per_tick"),
        ({"timing": {"retry_max": "1s"}}, "timing.retry_max is shorter than timing.retry_initial"),
        ({"timing": {"ticks": "1s"}}, "[timing]: unknown keys ['ticks']"),
        ({"scrapyd": {"url": "ftp://x"}}, "not an http URL"),
        ({"scrapyd": {"settings": {"X": [1]}}}, "scrapyd.settings.X"),
    ],
)
def test_a_wrong_schedule_names_the_key(sections: dict[str, Any], message: str) -> None:
    with pytest.raises(ScheduleConfigError) as caught:
        make_config(**sections)
    assert message in str(caught.value)


def test_unreadable_and_invalid_files_are_errors(tmp_path: Path) -> None:
    with pytest.raises(ScheduleConfigError, match="cannot read the schedule"):
        load_config(tmp_path / "missing.toml")
    broken = tmp_path / "broken.toml"
    broken.write_text("[scrapyd\n", encoding="utf-8")
    with pytest.raises(ScheduleConfigError, match="not valid TOML"):
        load_config(broken)


def test_the_schedule_covers_crawlable_regions_and_refuses_uncrawlable_ones() -> None:
    registry = load_registry(sample_port=8800)
    production = scheduled_regions(load_config(DEFAULT_PATH, environ={}), registry)
    assert production, "the registry has crawlable regions"
    assert not any(r.sample for r in production)
    for region in production:
        assert select_regions(registry, region.code, None) == [region]
    with_samples = scheduled_regions(
        make_config(regions={"select": "crawlable", "include_sample": True}), registry
    )
    assert {"990101", "990102"} <= {r.code for r in with_samples}
    assert {r.code for r in production} < {r.code for r in with_samples}

    listed = scheduled_regions(make_config(), registry)
    assert [r.code for r in listed] == ["990101", "990102"]
    with pytest.raises(RegionScheduleError, match="110000"):  # 北京市: no listing URL in the registry
        scheduled_regions(make_config(regions={"select": ["990101", "110000"]}), registry)


# ---------------------------------------------------------------------------------------------------------
# When a region is due
# ---------------------------------------------------------------------------------------------------------


def test_slots_are_staggered_per_region_and_stable() -> None:
    day = dt.timedelta(days=1)
    offsets = {code: plan.stagger_offset(code, day) for code in ("990101", "990102", "990103", "532502")}
    assert len(set(offsets.values())) == 4
    assert all(dt.timedelta(0) <= o < day for o in offsets.values())
    assert offsets["990101"] == plan.stagger_offset("990101", day)
    slot = plan.latest_slot("990101", day, IN_SEASON)
    assert slot <= IN_SEASON < slot + day
    assert (slot - plan.ORIGIN) % day == offsets["990101"]
    assert plan.next_slot("990101", day, IN_SEASON) == slot + day


def test_due_once_per_slot() -> None:
    day = dt.timedelta(days=1)
    slot = plan.latest_slot("990101", day, IN_SEASON)
    assert plan.is_due("990101", day, IN_SEASON, None)  # never crawled: at once
    assert plan.is_due("990101", day, IN_SEASON, slot - dt.timedelta(seconds=1))
    assert not plan.is_due("990101", day, IN_SEASON, slot)
    assert not plan.is_due("990101", day, slot + day - dt.timedelta(seconds=1), slot)
    assert plan.is_due("990101", day, slot + day, slot)


def test_retry_delays_double_up_to_the_maximum() -> None:
    delays = [
        plan.retry_delay(n, dt.timedelta(seconds=30), dt.timedelta(minutes=5), 2.0).total_seconds()
        for n in range(1, 7)
    ]
    assert delays == [30, 60, 120, 240, 300, 300]
    with pytest.raises(ValueError):
        plan.retry_delay(0, dt.timedelta(seconds=30), dt.timedelta(minutes=5), 2.0)


# ---------------------------------------------------------------------------------------------------------
# Ticks against a scripted scrapyd
# ---------------------------------------------------------------------------------------------------------


class FakeScrapyd(ScrapydClient):
    """scrapyd's job list in memory; `down` makes every call fail as a refused connection would."""

    def __init__(self) -> None:
        super().__init__("http://127.0.0.1:1")
        self.pending: list[Job] = []
        self.running: list[Job] = []
        self.finished: list[Job] = []
        self.down = False
        self.reject: str | None = None
        self.scheduled: list[tuple[str, str, dict[str, str], dict[str, str]]] = []

    def list_jobs(self, project: str) -> JobList:
        if self.down:
            raise ScrapydUnavailable("http://127.0.0.1:1/listjobs.json: [Errno 111] Connection refused")
        return JobList(list(self.pending), list(self.running), list(self.finished))

    def schedule(
        self, project: str, spider: str, job_id: str, args: Mapping[str, str], settings: Mapping[str, str]
    ) -> str:
        if self.down:
            raise ScrapydUnavailable("http://127.0.0.1:1/schedule.json: [Errno 111] Connection refused")
        if self.reject:
            raise ScrapydRejected(self.reject)
        self.scheduled.append((spider, job_id, dict(args), dict(settings)))
        self.pending.append(Job(job_id, spider, dict(args)))
        return job_id

    def start(self, job_id: str) -> None:
        job = next(j for j in self.pending if j.id == job_id)
        self.pending.remove(job)
        self.running.append(Job(job.id, job.spider, log_url=f"/logs/xxgk/reports/{job.id}.log"))

    def finish(self, job_id: str) -> None:
        job = next(j for j in self.running if j.id == job_id)
        self.running.remove(job)
        self.finished.append(job)

    def forget(self, job_id: str) -> None:
        self.pending = [j for j in self.pending if j.id != job_id]
        self.running = [j for j in self.running if j.id != job_id]


class Clock:
    def __init__(self, now: dt.datetime) -> None:
        self.now = now

    def __call__(self) -> dt.datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += dt.timedelta(**delta)


@pytest.fixture(scope="module")
def sample_regions() -> list[Region]:
    registry = load_registry(sample_port=8800, national=False)
    return select_regions(registry, "990101,990102,990103", None)


@pytest.fixture
def fake() -> FakeScrapyd:
    return FakeScrapyd()


@pytest.fixture
def clock() -> Clock:
    return Clock(IN_SEASON)


@pytest.fixture
def make_scheduler(
    pg_url: str, sample_regions: list[Region], fake: FakeScrapyd, clock: Clock
) -> Iterator[Any]:
    made: list[Scheduler] = []

    def make(codes: tuple[str, ...] = ("990101", "990102"), **sections: Mapping[str, Any]) -> Scheduler:
        config = make_config(**sections)
        regions = [r for r in sample_regions if r.code in codes]
        scheduler = Scheduler(config, pg_url, regions=regions, client=fake, clock=clock)
        made.append(scheduler)
        return scheduler

    yield make
    for scheduler in made:
        scheduler.close()


def jobs(url: str) -> list[dict[str, Any]]:
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            rows = conn.execute(
                text(
                    "SELECT id, region_code, scrapyd_job_id, state, attempts, scheduled_at, next_attempt_at, "
                    "finished_at, crawl_run_id, error FROM scheduled_jobs ORDER BY id"
                )
            ).mappings()
            return [dict(row) for row in rows]
    finally:
        engine.dispose()


def job_ids(db_url: str) -> dict[str, str]:
    return {r["region_code"]: r["scrapyd_job_id"] for r in jobs(db_url)}


def states(db_url: str) -> dict[str, str]:
    return {r["region_code"]: r["state"] for r in jobs(db_url)}


def sql(db_url: str, statement: str, **params: Any) -> list[Any]:
    engine = make_engine(db_url)
    try:
        with engine.begin() as conn:
            result = conn.execute(text(statement), params)
            return list(result) if result.returns_rows else []
    finally:
        engine.dispose()


def test_first_tick_submits_every_region_never_crawled(
    make_scheduler: Any, fake: FakeScrapyd, pg_url: str, clock: Clock
) -> None:
    scheduler = make_scheduler()
    report = scheduler.tick()
    assert sorted(report.submitted) == ["990101", "990102"]
    rows = sorted(jobs(pg_url), key=lambda r: r["region_code"])
    assert [(r["region_code"], r["state"], r["attempts"]) for r in rows] == [
        ("990101", "pending", 1),
        ("990102", "pending", 1),
    ]
    assert all(r["scheduled_at"] == clock.now for r in rows)
    # The job id recorded is the one scrapyd was given; each job crawls its own region.
    assert sorted((job_id, args) for _, job_id, args, _ in fake.scheduled) == sorted(
        [
            (rows[0]["scrapyd_job_id"], {"region": "990101"}),
            (rows[1]["scrapyd_job_id"], {"region": "990102"}),
        ]
    )
    assert fake.scheduled[0][3] == {"LOG_LEVEL": "INFO", "SAMPLE_PORTAL_PORT": "8800"}
    cadences = sql(
        pg_url,
        "SELECT region_code, cadence_seconds, overdue_after_seconds, active FROM region_schedules ORDER BY 1",
    )
    assert [tuple(c) for c in cadences] == [("990101", 86400, 172800, True), ("990102", 86400, 172800, True)]


def test_never_two_jobs_for_one_region_and_restarts_do_not_double_schedule(
    make_scheduler: Any, fake: FakeScrapyd, pg_url: str, clock: Clock
) -> None:
    first = make_scheduler()
    first.tick()
    job_101, job_102 = (job_ids(pg_url)[code] for code in ("990101", "990102"))
    fake.start(job_101)
    clock.advance(days=3)  # long overdue by the cadence, but both regions still have a job
    assert first.tick().submitted == []
    assert states(pg_url) == {"990101": "running", "990102": "pending"}
    first.close()

    restarted = make_scheduler()  # a new process: nothing but the database and scrapyd to go by
    assert restarted.tick().submitted == []
    assert len(fake.scheduled) == 2
    assert states(pg_url) == {"990101": "running", "990102": "pending"}
    # The partial unique index holds the rule even against a second writer.
    with pytest.raises(Exception, match="uq_scheduled_jobs_open_region"):
        restarted.records.create_job("990101", "xxgk", "reports", "another", "submitting", clock.now)
    assert job_102 in {j.id for j in fake.pending}


def test_a_finished_job_is_linked_to_its_crawl_run_and_the_region_falls_due_at_its_next_slot(
    make_scheduler: Any, fake: FakeScrapyd, pg_url: str, clock: Clock
) -> None:
    scheduler = make_scheduler(codes=("990101",))
    scheduler.tick()
    (row,) = jobs(pg_url)
    job_id = row["scrapyd_job_id"]
    with Repository(pg_url) as repo:
        run_id = repo.start_run("reports", ["990101"], scrapyd_job_id=job_id)
        fake.start(job_id)
        repo.finish_run(run_id, "finished", {"item_scraped_count": 7})
    fake.finish(job_id)
    clock.advance(minutes=5)
    report = scheduler.tick()
    assert report.closed == {job_id: "finished"}
    (row,) = jobs(pg_url)
    assert (row["state"], row["crawl_run_id"], row["error"]) == ("finished", run_id, None)

    day = dt.timedelta(days=1)
    next_slot = plan.next_slot("990101", day, row["scheduled_at"])
    clock.now = next_slot - dt.timedelta(seconds=1)
    assert scheduler.tick().submitted == []
    clock.now = next_slot
    assert scheduler.tick().submitted == ["990101"]
    assert len(jobs(pg_url)) == 2


def test_a_run_that_finds_nothing_where_it_found_reports_before_fails_the_job(
    make_scheduler: Any, fake: FakeScrapyd, pg_url: str, clock: Clock
) -> None:
    scheduler = make_scheduler(codes=("990101",))
    scheduler.tick()
    (row,) = jobs(pg_url)
    job_id = row["scrapyd_job_id"]
    earlier = dt.datetime(2026, 1, 5, tzinfo=UTC)
    add_report(pg_url, "990101", 1, 2023, earlier)
    add_report(pg_url, "990101", 2, 2024, earlier)
    with Repository(pg_url) as repo:
        run_id = repo.start_run("reports", ["990101"], scrapyd_job_id=job_id)
        repo.record_failure(run_id, "990101", "http://127.0.0.11/ndbg/", "no report links", "nothing listed")
        repo.finish_run(run_id, "finished", {})
    fake.start(job_id)
    fake.finish(job_id)
    assert scheduler.tick().closed == {job_id: "failed"}
    (row,) = jobs(pg_url)
    assert row["state"] == "failed"
    assert row["crawl_run_id"] == run_id
    assert row["error"] == (
        f"crawl run {run_id}: found no report link where 2 reports were found before "
        f"(log: http://127.0.0.1:6800/logs/xxgk/reports/{job_id}.log)"
    )
    assert sql(pg_url, "SELECT failures_by_reason FROM crawl_runs")[0][0] == {"no report links": 1}


def test_jobs_without_a_run_fail_and_jobs_scrapyd_forgot_are_lost(
    make_scheduler: Any, fake: FakeScrapyd, pg_url: str
) -> None:
    scheduler = make_scheduler()
    scheduler.tick()
    job_101, job_102 = (job_ids(pg_url)[code] for code in ("990101", "990102"))
    fake.start(job_101)
    fake.finish(job_101)  # the process ended before the spider opened its database
    fake.forget(job_102)  # scrapyd restarted and lost it
    assert scheduler.tick().closed == {job_101: "failed", job_102: "lost"}
    rows = {r["region_code"]: r for r in jobs(pg_url)}
    assert rows["990101"]["error"] == (
        f"job {job_101} recorded no crawl run: the crawl did not reach its database "
        f"(log: http://127.0.0.1:6800/logs/xxgk/reports/{job_101}.log)"
    )
    assert rows["990102"]["error"].startswith(f"scrapyd no longer lists job {job_102}")
    assert all(r["finished_at"] is not None for r in rows.values())


def test_scrapyd_down_is_recorded_and_retried_with_back_off_until_it_is_back(
    make_scheduler: Any, fake: FakeScrapyd, pg_url: str, clock: Clock
) -> None:
    scheduler = make_scheduler()
    fake.down = True
    start = clock.now
    report = scheduler.tick()
    assert not report.scrapyd_reachable
    assert sorted(report.submit_failed) == ["990101", "990102"]
    rows = jobs(pg_url)
    assert [(r["state"], r["attempts"]) for r in rows] == [("submit_failed", 1), ("submit_failed", 1)]
    assert rows[0]["error"] == (
        "scrapyd unavailable: http://127.0.0.1:1/listjobs.json: [Errno 111] Connection refused (attempt 1)"
    )
    assert rows[0]["next_attempt_at"] == start + dt.timedelta(seconds=30)

    clock.advance(seconds=10)  # within the back-off: scrapyd is left alone
    assert scheduler.tick().waiting_for_backoff
    assert [r["attempts"] for r in jobs(pg_url)] == [1, 1]

    clock.advance(seconds=20)
    scheduler.tick()
    rows = jobs(pg_url)
    assert [r["attempts"] for r in rows] == [2, 2]
    assert rows[0]["next_attempt_at"] == clock.now + dt.timedelta(seconds=60)  # doubled

    fake.down = False
    clock.advance(seconds=59)
    assert scheduler.tick().waiting_for_backoff
    clock.advance(seconds=1)
    report = scheduler.tick()
    assert sorted(report.submitted) == ["990101", "990102"]
    after = jobs(pg_url)
    # The same rows, now submitted: the record keeps how many attempts it took.
    assert [(r["id"], r["state"], r["attempts"], r["error"]) for r in after] == [
        (rows[0]["id"], "pending", 3, None),
        (rows[1]["id"], "pending", 3, None),
    ]
    assert sorted(job_id for _, job_id, _, _ in fake.scheduled) == sorted(r["scrapyd_job_id"] for r in after)


def test_a_refused_job_is_recorded_with_scrapyds_message(
    make_scheduler: Any, fake: FakeScrapyd, pg_url: str
) -> None:
    scheduler = make_scheduler(codes=("990101",))
    fake.reject = "http://127.0.0.1:1/schedule.json: spider 'reports' not found"
    report = scheduler.tick()
    assert report.submit_failed == ["990101"]
    (row,) = jobs(pg_url)
    assert row["state"] == "submit_failed"
    assert row["error"] == (
        "scrapyd refused the job: http://127.0.0.1:1/schedule.json: spider 'reports' not found (attempt 1)"
    )


def test_a_scheduler_stopped_mid_submission_finds_its_job_or_submits_it_again(
    make_scheduler: Any, fake: FakeScrapyd, pg_url: str, clock: Clock
) -> None:
    scheduler = make_scheduler()
    # Recorded, then the process died: 990101's job reached scrapyd, 990102's did not.
    reached = scheduler.records.create_job("990101", "xxgk", "reports", "reached", "submitting", clock.now)
    scheduler.records.create_job("990102", "xxgk", "reports", "lost-in-flight", "submitting", clock.now)
    fake.pending.append(Job(reached.scrapyd_job_id, "reports", {"region": "990101"}))
    report = scheduler.tick()
    assert report.submitted == ["990102"]
    assert [(r["scrapyd_job_id"], r["state"]) for r in jobs(pg_url)] == [
        ("reached", "pending"),
        ("lost-in-flight", "pending"),
    ]
    assert [job_id for _, job_id, _, _ in fake.scheduled] == ["lost-in-flight"]


def test_crawls_going_on_elsewhere_hold_their_region(
    make_scheduler: Any, fake: FakeScrapyd, pg_url: str, clock: Clock
) -> None:
    scheduler = make_scheduler(codes=("990101", "990102", "990103"))
    fake.pending.append(Job("by-hand", "reports", {"region": "990101"}))  # `curl schedule.json …`
    with Repository(pg_url) as repo:
        repo.sync_regions(scheduler.regions)
        running_cli = repo.start_run("reports", ["990102"])  # `python -m crawler crawl 990102`, running
    sql(pg_url, "UPDATE crawl_runs SET started_at = :at WHERE id = :id", at=clock.now, id=running_cli)
    assert scheduler.tick().submitted == ["990103"]
    # A run unfinished for longer than busy_run_max_age is taken for crashed.
    clock.advance(hours=13)
    fake.forget("by-hand")
    assert sorted(scheduler.tick().submitted) == ["990101", "990102"]


def test_submissions_per_tick_are_capped_longest_waiting_first(make_scheduler: Any, clock: Clock) -> None:
    codes = ("990101", "990102", "990103")
    scheduler = make_scheduler(codes=codes, timing={"max_submissions_per_tick": 2})
    # Never crawled, all three: the one whose daily slot came first goes first.
    by_slot = sorted(codes, key=lambda code: plan.latest_slot(code, dt.timedelta(days=1), clock.now))
    assert scheduler.tick().submitted == by_slot[:2]
    assert scheduler.tick().submitted == by_slot[2:]


def test_one_scheduler_per_database(make_scheduler: Any) -> None:
    first = make_scheduler()
    second = make_scheduler()
    first.records.acquire_lock()
    with pytest.raises(SchedulerLockedError):
        second.records.acquire_lock()
    first.records.release_lock()
    second.records.acquire_lock()  # free again once the first lets go
    second.records.release_lock()


def test_cadences_follow_the_season(make_scheduler: Any, pg_url: str, clock: Clock) -> None:
    scheduler = make_scheduler(codes=("990101",))
    scheduler.tick()
    clock.now = dt.datetime(2026, 4, 2, tzinfo=UTC)
    scheduler.tick()
    assert sql(pg_url, "SELECT cadence_seconds, overdue_after_seconds FROM region_schedules")[0] == (
        7 * 86400,
        8 * 86400,
    )
    scheduler.regions = []  # dropped from the schedule
    scheduler.tick()
    assert sql(pg_url, "SELECT active FROM region_schedules")[0] == (False,)


# ---------------------------------------------------------------------------------------------------------
# `python -m crawler.scheduler` as a process
# ---------------------------------------------------------------------------------------------------------


def _write_config(path: Path, scrapyd_url: str, heartbeat: Path) -> None:
    path.write_text(
        f"""
[scrapyd]
url = "{scrapyd_url}"
project = "xxgk"
spider = "reports"
[cadence]
timezone = "Asia/Shanghai"
season_months = [1, 2, 3]
in_season = "1d"
off_season = "7d"
overdue_grace = "1d"
[regions]
select = ["990101", "990102"]
[timing]
tick = "1s"
max_submissions_per_tick = 4
retry_initial = "1s"
retry_max = "2s"
retry_factor = 2.0
busy_run_max_age = "12h"
request_timeout = "2s"
heartbeat = "{heartbeat}"
""",
        encoding="utf-8",
    )


def _cli_env(pg_url: str) -> dict[str, str]:
    return {**os.environ, "DATABASE_URL": pg_url, "PYTHONPATH": str(REPO_ROOT)}


def test_the_service_runs_records_an_absent_scrapyd_and_stops_on_sigterm(pg_url: str, tmp_path: Path) -> None:
    config = tmp_path / "schedule.toml"
    heartbeat = tmp_path / "heartbeat"
    _write_config(config, "http://127.0.0.1:9", heartbeat)  # port 9 (discard): nobody listens
    command = [sys.executable, "-m", "crawler.scheduler", "--config", str(config)]
    proc = subprocess.Popen(
        command, env=_cli_env(pg_url), stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    )
    try:
        deadline = time.monotonic() + 60
        attempts: list[int] = []
        while time.monotonic() < deadline and proc.poll() is None:
            attempts = [r["attempts"] for r in jobs(pg_url)]
            if len(attempts) == 2 and min(attempts) >= 2:
                break
            time.sleep(0.3)
        assert len(attempts) == 2 and min(attempts) >= 2, "the scheduler should keep retrying"
        health = subprocess.run(
            [*command, "--healthcheck"], env=_cli_env(pg_url), capture_output=True, text=True, timeout=60
        )
        assert health.returncode == 0, health.stderr
        assert health.stdout.startswith("ok: last tick")
        # A second scheduler on the same database refuses to start.
        second = subprocess.run(command, env=_cli_env(pg_url), capture_output=True, text=True, timeout=60)
        assert second.returncode == 2
        assert "another scheduler holds this database's scheduler lock" in second.stderr
    finally:
        proc.send_signal(signal.SIGTERM)
        output, _ = proc.communicate(timeout=30)
    assert proc.returncode == 0, output
    assert "scheduler stopped" in output
    rows = jobs(pg_url)
    assert {r["region_code"] for r in rows} == {"990101", "990102"}
    assert all(r["state"] == "submit_failed" and "Connection refused" in r["error"] for r in rows)


def test_the_service_refuses_a_bad_schedule_and_a_stale_heartbeat(pg_url: str, tmp_path: Path) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text("[scrapyd]\nurl = 1\n", encoding="utf-8")
    done = subprocess.run(
        [sys.executable, "-m", "crawler.scheduler", "--config", str(bad)],
        env=_cli_env(pg_url),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 2
    assert f"{bad}: missing section [cadence]" in done.stderr

    config = tmp_path / "schedule.toml"
    heartbeat = tmp_path / "heartbeat"
    _write_config(config, "http://127.0.0.1:9", heartbeat)
    check = [sys.executable, "-m", "crawler.scheduler", "--config", str(config), "--healthcheck"]
    missing = subprocess.run(check, env=_cli_env(pg_url), capture_output=True, text=True, timeout=60)
    assert missing.returncode == 1
    assert "has not ticked yet" in missing.stderr
    heartbeat.write_text("x", encoding="utf-8")
    old = time.time() - 600
    os.utime(heartbeat, (old, old))
    stale = subprocess.run(check, env=_cli_env(pg_url), capture_output=True, text=True, timeout=60)
    assert stale.returncode == 1
    assert "(limit 33s)" in stale.stderr


def test_a_failing_tick_is_logged_and_does_not_renew_the_heartbeat(
    make_scheduler: Any, fake: FakeScrapyd, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    heartbeat = tmp_path / "beat"
    scheduler = make_scheduler(timing={"heartbeat": str(heartbeat)})

    def broken(project: str) -> JobList:
        raise RuntimeError("the database went away")

    fake.list_jobs = broken  # type: ignore[method-assign]
    assert scheduler.safe_tick() is None
    assert "tick failed; trying again at the next one" in caplog.text
    assert not heartbeat.exists()
    del fake.list_jobs  # the class's again
    report = scheduler.safe_tick()
    assert report is not None and sorted(report.submitted) == ["990101", "990102"]
    assert heartbeat.is_file()
