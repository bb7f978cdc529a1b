"""The production set-up on loopback: the project built as an egg with scrapyd-client, a real scrapyd running
crawler/deploy/scrapyd.conf (port, address and directories replaced), and the scheduler submitting two
sample regions' crawls to it; the crawls write to the test's Postgres.

The end-to-end test lets the scheduler fire for both regions, checks the jobs, their crawl runs and stats;
restarts the scheduler (nothing is submitted twice); stops scrapyd, lets the scheduler record the failure and
retry; starts scrapyd again (its finished jobs survived the restart) and checks that the second firing ran and
added no duplicate reports.
"""

from __future__ import annotations

import configparser
import datetime as dt
import importlib.util
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
import zipfile
from collections.abc import Callable, Iterator
from pathlib import Path
from types import ModuleType
from typing import Any, TypeVar

import pytest
from sqlalchemy import text

from crawler.registry import load_registry
from crawler.sampleportal import SamplePortal
from crawler.scheduler.config import parse_config
from crawler.scheduler.service import Scheduler
from crawler.spiders.reports import select_regions
from crawler.store.database import make_engine

REPO_ROOT = Path(__file__).resolve().parents[1]
DEPLOY_DIR = REPO_ROOT / "crawler" / "deploy"


def _load_runner() -> ModuleType:
    # A top-level module on scrapyd's PYTHONPATH, outside any package: loaded from its file.
    spec = importlib.util.spec_from_file_location(
        "xxgk_scrapyd_runner", DEPLOY_DIR / "xxgk_scrapyd_runner.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


xxgk_scrapyd_runner = _load_runner()
PROJECT_FILES = ("scrapy.cfg", "pyproject.toml", "README.md", "crawler", "parsers", "migrations")
# scrapyd-deploy builds with a setup.py beside scrapy.cfg; the project keeps it in crawler/deploy/.
SETUP_PY = REPO_ROOT / "crawler" / "deploy" / "setup.py"
REGIONS = ("990101", "990102")

T = TypeVar("T")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_for(predicate: Callable[[], T], timeout: float, what: str, log: Path | None = None) -> T:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.25)
    tail = log.read_text(encoding="utf-8", errors="replace")[-4000:] if log and log.exists() else ""
    pytest.fail(f"timed out after {timeout:.0f}s waiting for {what}\n{tail}")


# ---------------------------------------------------------------------------------------------------------
# The egg
# ---------------------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def project_copy(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The files scrapyd-deploy packs, copied: building leaves build/ and egg-info behind, not in the tree."""
    root = tmp_path_factory.mktemp("project")
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc", "*.egg-info", "build")
    for name in PROJECT_FILES:
        source = REPO_ROOT / name
        if source.is_dir():
            shutil.copytree(source, root / name, ignore=ignore)
        else:
            shutil.copy2(source, root / name)
    shutil.copy2(SETUP_PY, root / "setup.py")
    return root


def scrapyd_deploy(project: Path, *args: str) -> subprocess.CompletedProcess[str]:
    # scrapyd-client's command line (`scrapyd-deploy`), run with this interpreter.
    return subprocess.run(
        [sys.executable, "-m", "scrapyd_client.deploy", *args],
        cwd=project,
        capture_output=True,
        text=True,
        timeout=180,
        env={k: v for k, v in os.environ.items() if k != "SCRAPY_SETTINGS_MODULE"},
    )


@pytest.fixture(scope="module")
def egg(project_copy: Path) -> Path:
    path = project_copy.parent / "xxgk.egg"
    done = scrapyd_deploy(project_copy, "--build-egg", str(path))
    assert done.returncode == 0, done.stdout + done.stderr
    return path


def test_the_egg_carries_the_project_and_not_its_dependencies(egg: Path) -> None:
    with zipfile.ZipFile(egg) as archive:
        names = set(archive.namelist())
        entry_points = archive.read("EGG-INFO/entry_points.txt").decode()
    assert {
        "crawler/__init__.py",
        "crawler/spiders/reports.py",
        "crawler/settings.py",
        "parsers/report.py",
    } <= names
    assert {"crawler/regions/sample.toml", "parsers/data/divisions.tsv"} <= names
    # The migrations ride along at the egg's root, where crawler/store/migrate.py looks for them.
    migrations = {Path(n).name for n in names if n.startswith("migrations/versions/")}
    assert migrations == {p.name for p in (REPO_ROOT / "migrations" / "versions").glob("*.py")}
    assert "migrations/env.py" in names
    parser = configparser.ConfigParser()
    parser.read_string(entry_points)
    assert parser.get("scrapy", "settings") == "crawler.settings"
    # Dependencies and tests stay out: scrapyd's environment provides the former.
    tops = {n.split("/", 1)[0] for n in names}
    assert tops == {"crawler", "parsers", "migrations", "EGG-INFO"}


def test_the_runner_unpacks_an_egg_once_and_reads_its_settings_module(egg: Path, tmp_path: Path) -> None:
    data = egg.read_bytes()
    first = xxgk_scrapyd_runner.unpack(data, tmp_path)
    marker = first / "crawler" / "regions" / "sample.toml"
    assert marker.is_file()
    assert xxgk_scrapyd_runner.settings_module(first) == "crawler.settings"
    marker.write_text("# unpacked once: a second job reuses the directory", encoding="utf-8")
    assert xxgk_scrapyd_runner.unpack(data, tmp_path) == first
    assert marker.read_text(encoding="utf-8").startswith("# unpacked once")
    assert [p.name for p in tmp_path.iterdir()] == [first.name]  # no scratch directories left behind

    with pytest.raises(xxgk_scrapyd_runner.EggError, match="not a zip file"):
        xxgk_scrapyd_runner.unpack(b"not an egg", tmp_path / "bad")
    (first / "EGG-INFO" / "entry_points.txt").write_text("[console_scripts]\n", encoding="utf-8")
    with pytest.raises(xxgk_scrapyd_runner.EggError, match="no \\[scrapy\\] settings entry point"):
        xxgk_scrapyd_runner.settings_module(first)


def test_scrapyd_conf_keeps_jobs_across_restarts_and_runs_the_egg_unpacked() -> None:
    parser = configparser.ConfigParser()
    parser.read(DEPLOY_DIR / "scrapyd.conf")
    conf = parser["scrapyd"]
    assert conf["jobstorage"] == "scrapyd.jobstorage.SqliteJobStorage"
    assert conf["runner"] == "xxgk_scrapyd_runner" == Path(xxgk_scrapyd_runner.__file__).stem
    assert (conf["bind_address"], conf["http_port"], conf["max_proc"]) == ("0.0.0.0", "6800", "4")
    assert {conf["dbs_dir"], conf["logs_dir"]} == {"/var/lib/scrapyd/dbs", "/var/lib/scrapyd/logs"}
    assert conf["eggs_dir"] == "/opt/xxgk/eggs"
    assert conf["items_dir"] == ""  # items go to Postgres
    deploy = configparser.ConfigParser()
    deploy.read(REPO_ROOT / "scrapy.cfg")
    assert (deploy["deploy"]["url"], deploy["deploy"]["project"]) == ("http://127.0.0.1:6800", "xxgk")


# ---------------------------------------------------------------------------------------------------------
# A real scrapyd
# ---------------------------------------------------------------------------------------------------------


class ScrapydServer:
    """scrapyd from crawler/deploy/scrapyd.conf on a loopback port, its directories under `root`."""

    def __init__(self, root: Path, port: int) -> None:
        self.root = root
        self.port = port
        self.url = f"http://127.0.0.1:{port}"
        self.log = root / "scrapyd.out"
        self.proc: subprocess.Popen[bytes] | None = None
        root.mkdir(parents=True, exist_ok=True)
        parser = configparser.ConfigParser()
        parser.read(DEPLOY_DIR / "scrapyd.conf")
        conf = parser["scrapyd"]
        conf["bind_address"] = "127.0.0.1"
        conf["http_port"] = str(port)
        conf["poll_interval"] = "0.5"
        for option in ("dbs_dir", "eggs_dir", "logs_dir", "unpacked_eggs_dir"):
            conf[option] = str(root / option)
        # scrapyd reads ./scrapyd.conf from its working directory.
        with open(root / "scrapyd.conf", "w", encoding="utf-8") as out:
            parser.write(out)

    def start(self) -> None:
        env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "SAMPLE_PORTAL_PORT")}
        # Only the runner's directory: the crawler the jobs run is the deployed egg.
        env["PYTHONPATH"] = str(DEPLOY_DIR)
        env["XXGK_DATA_DIR"] = str(self.root / "data")
        with open(self.log, "ab") as out:
            self.proc = subprocess.Popen(
                [sys.executable, "-m", "scrapyd"],
                cwd=self.root,
                env=env,
                stdout=out,
                stderr=subprocess.STDOUT,
            )
        wait_for(self._up, 60, f"scrapyd on port {self.port}", self.log)

    def _up(self) -> bool:
        assert self.proc is not None
        if self.proc.poll() is not None:
            pytest.fail(f"scrapyd exited with {self.proc.returncode}:\n{self.log.read_text()[-3000:]}")
        try:
            return self.call("daemonstatus.json")["status"] == "ok"
        except OSError:
            return False

    def call(self, endpoint: str) -> dict[str, Any]:
        with urllib.request.urlopen(f"{self.url}/{endpoint}", timeout=10) as response:
            answer: dict[str, Any] = json.load(response)
        return answer

    def stop(self) -> None:
        proc, self.proc = self.proc, None
        if proc is None or proc.poll() is not None:
            return
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=10)


class ShiftedClock:
    """Real time, plus a shift the test sets: 'an hour later' without waiting an hour."""

    def __init__(self) -> None:
        self.shift = dt.timedelta(0)

    def __call__(self) -> dt.datetime:
        return dt.datetime.now(dt.UTC) + self.shift


def rows(url: str, statement: str, **params: Any) -> list[Any]:
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            return list(conn.execute(text(statement), params))
    finally:
        engine.dispose()


def jobs_by_region(url: str) -> dict[str, list[Any]]:
    found: dict[str, list[Any]] = {code: [] for code in REGIONS}
    for row in rows(url, "SELECT * FROM scheduled_jobs ORDER BY id"):
        found[row.region_code].append(row)
    return found


@pytest.fixture
def scrapyd(tmp_path: Path) -> Iterator[ScrapydServer]:
    server = ScrapydServer(tmp_path / "scrapyd", free_port())
    try:
        yield server
    finally:
        server.stop()


def test_the_scheduler_runs_crawls_through_a_real_scrapyd(
    scrapyd: ScrapydServer, egg: Path, project_copy: Path, pg_url: str, portal: SamplePortal, tmp_path: Path
) -> None:
    scrapyd.start()
    cfg = configparser.ConfigParser()
    cfg.read(project_copy / "scrapy.cfg")
    cfg["deploy"]["url"] = scrapyd.url  # the deploy target, pointed at this scrapyd
    with open(project_copy / "scrapy.cfg", "w", encoding="utf-8") as out:
        cfg.write(out)
    deployed = scrapyd_deploy(project_copy, "--version", "r1", "--egg", str(egg))
    assert deployed.returncode == 0, deployed.stdout + deployed.stderr
    assert json.loads(deployed.stdout)["spiders"] == 2  # reports, discover

    config = parse_config(
        {
            "scrapyd": {
                "url": scrapyd.url,
                "project": "xxgk",
                "spider": "reports",
                # The crawl's database and the portal's port reach the egg as Scrapy settings.
                "settings": {
                    "DATABASE_URL": pg_url,
                    "SAMPLE_PORTAL_PORT": portal.port,
                    "XXGK_RAW_DIR": str(tmp_path / "raw"),
                },
            },
            "cadence": {
                "timezone": "Asia/Shanghai",
                "season_months": [1, 2, 3],
                "in_season": "1h",
                "off_season": "1h",
                "overdue_grace": "1h",
            },
            "regions": {"select": list(REGIONS)},
            "timing": {
                "tick": "0.5s",
                "max_submissions_per_tick": 4,
                "retry_initial": "1s",
                "retry_max": "2s",
                "retry_factor": 2.0,
                "busy_run_max_age": "1h",
                "request_timeout": "20s",
                "heartbeat": "",
            },
        },
        None,
        {},
    )
    regions = select_regions(load_registry(sample_port=portal.port, national=False), ",".join(REGIONS), None)
    clock = ShiftedClock()

    def finished(count: int) -> dict[str, list[Any]] | None:
        found = jobs_by_region(pg_url)
        done = all(sum(r.state == "finished" for r in found[c]) >= count for c in REGIONS)
        failed = [r for c in REGIONS for r in found[c] if r.state in ("failed", "lost")]
        if failed:
            pytest.fail(f"jobs failed: {[(r.region_code, r.state, r.error) for r in failed]}")
        return found if done else None

    # -- first firing --------------------------------------------------------------------------------
    scheduler = Scheduler(config, pg_url, regions=regions, clock=clock)
    scheduler.start()
    try:
        first = wait_for(lambda: finished(1), 75, "the first crawls of both regions", scrapyd.log)
    finally:
        scheduler.close()
    expected = {code: portal.site(code).reports for code in REGIONS}
    runs = {r.scrapyd_job_id: r for r in rows(pg_url, "SELECT * FROM crawl_runs ORDER BY id")}
    for code in REGIONS:
        [job] = first[code]
        assert (job.state, job.attempts, job.error) == ("finished", 1, None)
        run = runs[job.scrapyd_job_id]
        assert job.crawl_run_id == run.id
        assert (run.region_codes, run.finish_reason, run.spider) == ([code], "finished", "reports")
        assert run.reports_new == len(expected[code])
        assert (run.reports_changed, run.reports_unchanged, run.failures, run.failures_by_reason) == (
            0,
            0,
            0,
            {},
        )
        # One item per report page; the page's attachments ride in it and are counted as stored documents.
        assert run.stats["item_scraped_count"] == run.reports_new
        stored = rows(pg_url, "SELECT count(*) FROM documents WHERE region_code = :c", c=code)[0][0]
        assert run.items == stored > run.reports_new
        assert run.stats["finish_reason"] == "finished"
        assert (scrapyd.root / "logs_dir" / "xxgk" / "reports" / f"{job.scrapyd_job_id}.log").is_file()
    counts_before = {
        code: rows(pg_url, "SELECT count(*) FROM reports WHERE region_code = :c AND kind = 'report'", c=code)[
            0
        ][0]
        for code in REGIONS
    }
    assert counts_before == {code: len(expected[code]) for code in REGIONS}
    documents_before = rows(pg_url, "SELECT count(*) FROM documents")[0][0]
    # The jobs ran the deployed egg, unpacked by the runner.
    [unpacked] = (scrapyd.root / "unpacked_eggs_dir" / "xxgk").iterdir()
    assert (unpacked / "crawler" / "regions" / "sample.toml").is_file()

    # -- a restart submits nothing: both regions were crawled within the hour ------------------------
    restarted = Scheduler(config, pg_url, regions=regions, clock=clock)
    try:
        assert restarted.tick().submitted == []
    finally:
        restarted.close()
    assert sum(len(v) for v in jobs_by_region(pg_url).values()) == 2

    # -- an hour later, scrapyd is down: recorded, retried, then scrapyd is back -----------------------
    scrapyd.stop()
    clock.shift = dt.timedelta(hours=1, minutes=1)
    scheduler = Scheduler(config, pg_url, regions=regions, clock=clock)
    scheduler.start()
    try:

        def retried() -> dict[str, Any] | None:
            open_rows = {
                c: [r for r in v if r.state == "submit_failed"] for c, v in jobs_by_region(pg_url).items()
            }
            if all(len(v) == 1 and v[0].attempts >= 2 for v in open_rows.values()):
                return {c: v[0] for c, v in open_rows.items()}
            return None

        down = wait_for(retried, 30, "the failed submissions to be recorded and retried")
        for row in down.values():
            assert row.error.startswith("scrapyd unavailable: ") and "Connection refused" in row.error
            assert row.scheduled_at is None and row.next_attempt_at is not None
        assert len(rows(pg_url, "SELECT id FROM crawl_runs")) == 2  # nothing ran meanwhile

        scrapyd.start()
        second = wait_for(lambda: finished(2), 75, "the second crawls after scrapyd came back", scrapyd.log)
    finally:
        scheduler.close()

    runs = {r.scrapyd_job_id: r for r in rows(pg_url, "SELECT * FROM crawl_runs ORDER BY id")}
    for code in REGIONS:
        job = second[code][1]
        # The same row that recorded the failures went on to run: attempts count the failed tries.
        assert job.id == down[code].id
        assert job.state == "finished" and job.error is None and job.attempts >= 3
        run = runs[job.scrapyd_job_id]
        assert job.crawl_run_id == run.id
        assert (run.finish_reason, run.reports_new, run.reports_changed) == ("finished", 0, 0)
        # Every report was known and unchanged: skipped without fetching, not stored again.
        assert run.stats["incremental/skipped_known"] >= len(expected[code])
    counts_after = {
        code: rows(pg_url, "SELECT count(*) FROM reports WHERE region_code = :c AND kind = 'report'", c=code)[
            0
        ][0]
        for code in REGIONS
    }
    assert counts_after == counts_before
    assert rows(pg_url, "SELECT count(*) FROM documents")[0][0] == documents_before

    # scrapyd's finished jobs from before its restart are still listed (SqliteJobStorage).
    listed = {job["id"] for job in scrapyd.call("listjobs.json?project=xxgk")["finished"]}
    assert listed == {row.scrapyd_job_id for code in REGIONS for row in second[code]}

    health = {
        r.region_code: r
        for r in rows(pg_url, "SELECT * FROM region_health WHERE region_code IN ('990101', '990102')")
    }
    for code in REGIONS:
        row = health[code]
        assert (row.last_outcome, row.overdue, row.failures_since_success) == ("ok", False, 0)
        assert row.reports_known == len(expected[code])
        assert row.newest_report_year == max(r.year for r in expected[code])
        assert row.last_run_id == runs[second[code][1].scrapyd_job_id].id
