"""`python -m crawler.scheduler`: submit each region's crawl to scrapyd on its cadence, until stopped.

    python -m crawler.scheduler [--config FILE]           run (SIGTERM or Ctrl-C stops it cleanly)
    python -m crawler.scheduler [--config FILE] --once    one tick, then exit (cron-style use, checks)
    python -m crawler.scheduler [--config FILE] --healthcheck [--max-age 5m]
                                                          exit 0 when the running scheduler ticked lately

The database is DATABASE_URL (else the embedded one, as for every crawler command); scrapyd is the config's
`[scrapyd] url` or SCRAPYD_URL. Exit status: 0 stopped cleanly; 1 a database or runtime failure; 2 a bad
schedule file, an uncrawlable region in it, or another scheduler already running on the database.
"""

from __future__ import annotations

import argparse
import logging
import signal
import sys
import threading
from collections.abc import Sequence
from pathlib import Path
from types import FrameType

from crawler.scheduler.config import DEFAULT_PATH, ScheduleConfigError, load_config, parse_duration

log = logging.getLogger("crawler.scheduler")


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m crawler.scheduler", description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--config", type=Path, default=DEFAULT_PATH, help=f"schedule file (default {DEFAULT_PATH})"
    )
    mode = parser.add_mutually_exclusive_group()
    mode.add_argument("--once", action="store_true", help="one tick, then exit")
    mode.add_argument("--healthcheck", action="store_true", help="exit 0 if the scheduler ticked lately")
    parser.add_argument(
        "--max-age", default=None, help="--healthcheck: the oldest acceptable tick (default: 3 ticks + 30s)"
    )
    parser.add_argument("--log-level", default="INFO", choices=("DEBUG", "INFO", "WARNING", "ERROR"))
    args = parser.parse_args(argv)
    logging.basicConfig(level=args.log_level, format="%(asctime)s %(levelname)s [%(name)s] %(message)s")
    # APScheduler logs every tick at INFO: its warnings are the part worth reading.
    logging.getLogger("apscheduler").setLevel(logging.WARNING)
    # "skipped: maximum number of running instances": a tick outlasting the interval, coalesced on purpose.
    logging.getLogger("apscheduler.scheduler").setLevel(logging.ERROR)

    try:
        config = load_config(args.config)
    except ScheduleConfigError as exc:
        print(exc, file=sys.stderr)
        return 2
    if args.healthcheck:
        return _healthcheck(config.heartbeat, config.tick.total_seconds(), args.max_age)

    from crawler.scheduler.records import SchedulerLockedError
    from crawler.scheduler.service import RegionScheduleError, Scheduler
    from crawler.store import database_url, upgrade

    try:
        url = database_url()
        upgrade(url)  # at head already (the normal case) this only reads the version
        scheduler = Scheduler(config, url)
    except RegionScheduleError as exc:
        print(exc, file=sys.stderr)
        return 2
    except Exception as exc:  # the database is not there, or refuses us: say so in one line
        log.debug("start-up failed", exc_info=True)
        print(f"cannot start the scheduler: {type(exc).__name__}: {exc}", file=sys.stderr)
        return 1
    if args.once:
        try:
            report = scheduler.tick()
        finally:
            scheduler.close()
        print(
            f"submitted {report.submitted or 'none'}; not submitted {report.submit_failed or 'none'}; "
            f"closed {report.closed or 'none'}"
        )
        return 0

    stop = threading.Event()

    def request_stop(signum: int, frame: FrameType | None) -> None:
        log.info("signal %d: stopping after the current tick", signum)
        stop.set()

    signal.signal(signal.SIGTERM, request_stop)
    signal.signal(signal.SIGINT, request_stop)
    try:
        scheduler.run_forever(stop)
    except SchedulerLockedError as exc:
        print(exc, file=sys.stderr)
        return 2
    log.info("scheduler stopped")
    return 0


def _healthcheck(heartbeat: Path | None, tick_seconds: float, max_age: str | None) -> int:
    from crawler.scheduler.service import heartbeat_age

    if heartbeat is None:
        print("timing.heartbeat is not set in the schedule: nothing to check", file=sys.stderr)
        return 2
    limit = parse_duration(max_age, "--max-age").total_seconds() if max_age else 3 * tick_seconds + 30
    age = heartbeat_age(heartbeat)
    if age is None:
        print(f"no heartbeat at {heartbeat}: the scheduler has not ticked yet", file=sys.stderr)
        return 1
    if age.total_seconds() > limit:
        print(f"last tick {age.total_seconds():.0f}s ago (limit {limit:.0f}s)", file=sys.stderr)
        return 1
    print(f"ok: last tick {age.total_seconds():.0f}s ago")
    return 0


if __name__ == "__main__":
    sys.exit(main())
