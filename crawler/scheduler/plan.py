"""When a region is due, in what order due regions go, and how long to wait after a failed submission.

Pure functions of the time and what the store says. Staggering: each region's crawls fall on its own slots,
`interval` apart and offset from a fixed origin by a hash of its code, so a thousand daily regions spread over
the day instead of all starting at midnight, and the slots are the same after any restart. A region is due
when no crawl of it was submitted since its latest slot; a region never crawled is due at once (the cap on
submissions per tick spreads a first start).
"""

from __future__ import annotations

import datetime as dt
import hashlib

# Slots are counted from here; any fixed instant would do, it only has to stay the same.
ORIGIN = dt.datetime(2024, 1, 1, tzinfo=dt.UTC)


def stagger_offset(region_code: str, interval: dt.timedelta) -> dt.timedelta:
    """The region's fixed place within an interval (whole seconds, from a hash of its code)."""
    seconds = max(1, int(interval.total_seconds()))
    digest = int.from_bytes(hashlib.sha256(region_code.encode("ascii")).digest()[:8], "big")
    return dt.timedelta(seconds=digest % seconds)


def latest_slot(region_code: str, interval: dt.timedelta, now: dt.datetime) -> dt.datetime:
    """The last of the region's slots at or before `now`."""
    if interval <= dt.timedelta(0):
        raise ValueError(f"interval must be positive, got {interval}")
    first = ORIGIN + stagger_offset(region_code, interval)
    return first + ((now - first) // interval) * interval


def next_slot(region_code: str, interval: dt.timedelta, now: dt.datetime) -> dt.datetime:
    return latest_slot(region_code, interval, now) + interval


def is_due(
    region_code: str, interval: dt.timedelta, now: dt.datetime, last_submitted: dt.datetime | None
) -> bool:
    """Whether a crawl of the region should be submitted now (the region being free)."""
    return last_submitted is None or last_submitted < latest_slot(region_code, interval, now)


def due_order(
    region_code: str, interval: dt.timedelta, now: dt.datetime, last_submitted: dt.datetime | None
) -> tuple[int, dt.datetime, str]:
    """Sort key among due regions: never crawled first, then the longest waiting."""
    return (0 if last_submitted is None else 1, latest_slot(region_code, interval, now), region_code)


def retry_delay(attempts: int, initial: dt.timedelta, maximum: dt.timedelta, factor: float) -> dt.timedelta:
    """The wait after the `attempts`-th failed try in a row: initial, initial*factor, …, at most `maximum`."""
    if attempts < 1:
        raise ValueError(f"attempts counts failed tries and starts at 1, got {attempts}")
    seconds = initial.total_seconds() * factor ** min(attempts - 1, 64)
    return min(maximum, dt.timedelta(seconds=seconds))
