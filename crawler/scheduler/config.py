"""The scheduler's configuration: a TOML file (crawler/deploy/schedule.toml), checked when it is read.

Durations are written "90s", "30m", "12h", "1d" or "2w". A wrong key, value or type is a ScheduleConfigError
naming the file and the key; nothing falls back silently to a default. SCRAPYD_URL in the environment
overrides `[scrapyd] url` (Docker Compose sets it to the scrapyd service).
"""

from __future__ import annotations

import datetime as dt
import os
import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

DEFAULT_PATH = Path(__file__).resolve().parents[1] / "deploy" / "schedule.toml"
SCRAPYD_URL_ENV = "SCRAPYD_URL"

_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([smhdw])\s*$")
_UNIT_SECONDS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 7 * 86400}
_CODE = re.compile(r"^\d{6}$")


class ScheduleConfigError(ValueError):
    """The schedule file is wrong; the message names the file and the key."""


@dataclass(frozen=True)
class Cadence:
    """How often a region is crawled: `in_season` during the publishing season, `off_season` otherwise."""

    in_season: dt.timedelta
    off_season: dt.timedelta

    def interval(self, in_season: bool) -> dt.timedelta:
        return self.in_season if in_season else self.off_season


@dataclass(frozen=True)
class ScheduleConfig:
    scrapyd_url: str
    project: str
    spider: str
    # Scrapy settings sent with every job (`setting=NAME=VALUE` of schedule.json).
    job_settings: dict[str, str]
    timezone: ZoneInfo
    # Reports for year N are due by 31 January of N+1 and appear through the first quarter.
    season_months: frozenset[int]
    cadence: Cadence
    region_cadences: dict[str, Cadence]  # per-region overrides
    overdue_grace: dt.timedelta  # overdue when no success within the cadence plus this
    # "crawlable": every registry region with a listing and an adapter; else the listed codes.
    regions: tuple[str, ...] | None
    include_sample: bool
    tick: dt.timedelta
    max_submissions_per_tick: int
    retry_initial: dt.timedelta
    retry_max: dt.timedelta
    retry_factor: float
    # An unfinished crawl run this young holds its regions (a crawl started by hand, say).
    busy_run_max_age: dt.timedelta
    request_timeout: dt.timedelta
    heartbeat: Path | None
    source: Path | None = field(default=None, compare=False)

    def cadence_for(self, region_code: str) -> Cadence:
        return self.region_cadences.get(region_code, self.cadence)

    def in_season(self, at: dt.datetime) -> bool:
        return at.astimezone(self.timezone).month in self.season_months


def parse_duration(text: object, where: str) -> dt.timedelta:
    if not isinstance(text, str):
        raise ScheduleConfigError(f'{where}: expected a duration such as "30s", "12h" or "1d", got {text!r}')
    match = _DURATION.match(text)
    if match is None:
        raise ScheduleConfigError(f"{where}: {text!r} is not a duration (a number and one of s, m, h, d, w)")
    seconds = float(match.group(1)) * _UNIT_SECONDS[match.group(2)]
    if seconds <= 0:
        raise ScheduleConfigError(f"{where}: {text!r} must be longer than zero")
    return dt.timedelta(seconds=seconds)


def load_config(path: Path | str | None = None, environ: Mapping[str, str] | None = None) -> ScheduleConfig:
    source = Path(path) if path is not None else DEFAULT_PATH
    try:
        data = tomllib.loads(source.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ScheduleConfigError(f"{source}: cannot read the schedule: {exc}") from exc
    except tomllib.TOMLDecodeError as exc:
        raise ScheduleConfigError(f"{source}: not valid TOML: {exc}") from exc
    return parse_config(data, source, os.environ if environ is None else environ)


def parse_config(data: Mapping[str, Any], source: Path | None, environ: Mapping[str, str]) -> ScheduleConfig:
    reader = _Reader(data, str(source) if source else "<schedule>")
    scrapyd = reader.table("scrapyd", {"url", "project", "spider", "settings"})
    cadence = reader.table(
        "cadence", {"timezone", "season_months", "in_season", "off_season", "overdue_grace", "regions"}
    )
    regions = reader.table("regions", {"select", "include_sample"})
    timing = reader.table(
        "timing",
        {
            "tick",
            "max_submissions_per_tick",
            "retry_initial",
            "retry_max",
            "retry_factor",
            "busy_run_max_age",
            "request_timeout",
            "heartbeat",
        },
    )
    url = environ.get(SCRAPYD_URL_ENV, "").strip() or reader.string(scrapyd, "scrapyd.url")
    if not url.startswith(("http://", "https://")):
        raise ScheduleConfigError(
            f"{reader.source}: scrapyd.url (or {SCRAPYD_URL_ENV}): not an http URL: {url!r}"
        )

    settings_table = scrapyd.get("settings", {})
    if not isinstance(settings_table, dict):
        raise ScheduleConfigError(f"{reader.source}: scrapyd.settings must be a table of NAME = value")
    job_settings = {
        str(k): _setting_value(v, f"{reader.source}: scrapyd.settings.{k}") for k, v in settings_table.items()
    }

    zone_name = reader.string(cadence, "cadence.timezone")
    try:
        zone = ZoneInfo(zone_name)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ScheduleConfigError(
            f"{reader.source}: cadence.timezone: unknown time zone {zone_name!r}"
        ) from exc
    months = cadence.get("season_months")
    if not (isinstance(months, list) and months and all(isinstance(m, int) and 1 <= m <= 12 for m in months)):
        raise ScheduleConfigError(
            f"{reader.source}: cadence.season_months: a list of month numbers 1-12, got {months!r}"
        )
    base = Cadence(
        reader.duration(cadence, "cadence.in_season"), reader.duration(cadence, "cadence.off_season")
    )
    overrides: dict[str, Cadence] = {}
    region_overrides = cadence.get("regions", {})
    if not isinstance(region_overrides, dict):
        raise ScheduleConfigError(
            f'{reader.source}: cadence.regions: tables [cadence.regions."CODE"] expected'
        )
    for code, row in region_overrides.items():
        where = f'cadence.regions."{code}"'
        if not _CODE.match(code) or not isinstance(row, dict) or set(row) - {"in_season", "off_season"}:
            raise ScheduleConfigError(
                f"{reader.source}: {where}: a 6-digit region code with in_season and/or off_season"
            )
        overrides[code] = Cadence(
            reader.duration(row, f"{where}.in_season") if "in_season" in row else base.in_season,
            reader.duration(row, f"{where}.off_season") if "off_season" in row else base.off_season,
        )

    select = regions.get("select")
    chosen: tuple[str, ...] | None
    if select == "crawlable":
        chosen = None
    elif isinstance(select, list) and select and all(isinstance(c, str) and _CODE.match(c) for c in select):
        chosen = tuple(dict.fromkeys(select))
    else:
        raise ScheduleConfigError(
            f'{reader.source}: regions.select: "crawlable" or a list of 6-digit codes, got {select!r}'
        )
    include_sample = regions.get("include_sample", False)
    if not isinstance(include_sample, bool):
        raise ScheduleConfigError(f"{reader.source}: regions.include_sample: true or false")

    cap = timing.get("max_submissions_per_tick")
    if not (isinstance(cap, int) and not isinstance(cap, bool) and cap >= 1):
        raise ScheduleConfigError(f"{reader.source}: timing.max_submissions_per_tick: a whole number >= 1")
    factor = timing.get("retry_factor")
    if not (isinstance(factor, (int, float)) and not isinstance(factor, bool) and factor >= 1):
        raise ScheduleConfigError(f"{reader.source}: timing.retry_factor: a number >= 1")
    heartbeat = timing.get("heartbeat", "")
    if not isinstance(heartbeat, str):
        raise ScheduleConfigError(f'{reader.source}: timing.heartbeat: a file path, or "" for none')
    retry_initial = reader.duration(timing, "timing.retry_initial")
    retry_max = reader.duration(timing, "timing.retry_max")
    if retry_max < retry_initial:
        raise ScheduleConfigError(f"{reader.source}: timing.retry_max is shorter than timing.retry_initial")
    return ScheduleConfig(
        scrapyd_url=url.rstrip("/"),
        project=reader.string(scrapyd, "scrapyd.project"),
        spider=reader.string(scrapyd, "scrapyd.spider"),
        job_settings=job_settings,
        timezone=zone,
        season_months=frozenset(months),
        cadence=base,
        region_cadences=overrides,
        overdue_grace=reader.duration(cadence, "cadence.overdue_grace"),
        regions=chosen,
        include_sample=include_sample,
        tick=reader.duration(timing, "timing.tick"),
        max_submissions_per_tick=cap,
        retry_initial=retry_initial,
        retry_max=retry_max,
        retry_factor=float(factor),
        busy_run_max_age=reader.duration(timing, "timing.busy_run_max_age"),
        request_timeout=reader.duration(timing, "timing.request_timeout"),
        heartbeat=Path(heartbeat) if heartbeat else None,
        source=source,
    )


def _setting_value(value: object, where: str) -> str:
    if isinstance(value, bool):
        return "True" if value else "False"
    if isinstance(value, (str, int, float)):
        return str(value)
    raise ScheduleConfigError(f"{where}: a string, number or boolean, got {value!r}")


class _Reader:
    def __init__(self, data: Mapping[str, Any], source: str) -> None:
        self.data = data
        self.source = source
        unknown = set(data) - {"scrapyd", "cadence", "regions", "timing"}
        if unknown:
            raise ScheduleConfigError(f"{source}: unknown sections {sorted(unknown)}")

    def table(self, name: str, keys: set[str]) -> dict[str, Any]:
        table = self.data.get(name)
        if not isinstance(table, dict):
            raise ScheduleConfigError(f"{self.source}: missing section [{name}]")
        unknown = set(table) - keys
        if unknown:
            raise ScheduleConfigError(f"{self.source}: [{name}]: unknown keys {sorted(unknown)}")
        return table

    def string(self, table: Mapping[str, Any], where: str) -> str:
        value = table.get(where.rsplit(".", 1)[-1])
        if not isinstance(value, str) or not value.strip():
            raise ScheduleConfigError(f"{self.source}: {where}: a non-empty string is required")
        return value.strip()

    def duration(self, table: Mapping[str, Any], where: str) -> dt.timedelta:
        key = where.rsplit(".", 1)[-1]
        if key not in table:
            raise ScheduleConfigError(f"{self.source}: {where}: required")
        return parse_duration(table[key], f"{self.source}: {where}")
