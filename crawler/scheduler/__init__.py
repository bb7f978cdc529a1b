"""Scheduled crawls: a long-running service that submits each region's crawl to scrapyd on its cadence.

    python -m crawler.scheduler [--config crawler/deploy/schedule.toml]

See service.py for what a tick does, plan.py for when a region is due, config.py for the schedule file, and
README.md ("Production") for the deployment around it.
"""

from crawler.scheduler.config import ScheduleConfig, ScheduleConfigError, load_config
from crawler.scheduler.records import JobRecords, JobRow, SchedulerLockedError
from crawler.scheduler.scrapyd import ScrapydClient, ScrapydError, ScrapydRejected, ScrapydUnavailable
from crawler.scheduler.service import RegionScheduleError, Scheduler, TickReport, scheduled_regions

__all__ = [
    "JobRecords",
    "JobRow",
    "RegionScheduleError",
    "ScheduleConfig",
    "ScheduleConfigError",
    "Scheduler",
    "SchedulerLockedError",
    "ScrapydClient",
    "ScrapydError",
    "ScrapydRejected",
    "ScrapydUnavailable",
    "TickReport",
    "load_config",
    "scheduled_regions",
]
