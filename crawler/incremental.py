"""Incremental crawls: which known URLs to fetch again, and which fetched pages need no parsing.

A re-crawl re-reads every listing (that is how new reports are found) but fetches a URL already stored
only when there is a reason to:

- `refetch`: the crawl was asked for a full refresh (`-a refetch=1`);
- `newer listing date`: the listing now prints a later date beside the link than the one stored;
- `stale`: the URL was last fetched more than XXGK_REFETCH_DAYS days ago (pages change silently too).

A page fetched again whose bytes are the stored current version, already parsed by this parser version,
is not parsed again (`unchanged_and_parsed`). The known documents come from the store
(Repository.known_documents) when the database pipeline opens; without a database every URL is new.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Final, Literal

REFETCH_DAYS_SETTING = "XXGK_REFETCH_DAYS"
DEFAULT_REFETCH_DAYS: Final[int] = 30

FetchReason = Literal["new", "refetch", "newer listing date", "stale"]


@dataclass(frozen=True)
class KnownDocument:
    url: str
    sha256: str  # of the current version
    listing_date: dt.date | None  # the latest date a listing printed beside the link
    last_fetched: dt.datetime  # the last time the URL was fetched (documents.last_seen_at)
    parsed_by: str | None  # parser version of the stored parse of the current version; None: not parsed


class RefetchPolicy:
    def __init__(
        self,
        known: Mapping[str, KnownDocument] | None = None,
        *,
        refetch_all: bool = False,
        max_age: dt.timedelta = dt.timedelta(days=DEFAULT_REFETCH_DAYS),
        parser_version: str | None = None,
        now: dt.datetime | None = None,
    ) -> None:
        self.known: dict[str, KnownDocument] = dict(known or {})
        self.refetch_all = refetch_all
        self.max_age = max_age
        self.parser_version = parser_version
        self.now = now or dt.datetime.now(dt.UTC)

    def fetch_reason(self, url: str, listing_date: dt.date | None) -> FetchReason | None:
        """Why `url` must be fetched, or None: it is known, current and fresh (skip it)."""
        known = self.known.get(url)
        if known is None:
            return "new"
        if self.refetch_all:
            return "refetch"
        if listing_date is not None and (known.listing_date is None or listing_date > known.listing_date):
            return "newer listing date"
        if self.now - known.last_fetched > self.max_age:
            return "stale"
        return None

    def unchanged_and_parsed(self, url: str, sha256: str) -> bool:
        """The bytes are the stored current version and this parser version has already parsed them."""
        known = self.known.get(url)
        return (
            known is not None
            and known.sha256 == sha256
            and known.parsed_by is not None
            and known.parsed_by == self.parser_version
        )


def truthy(value: object) -> bool:
    """A spider argument or setting meaning yes (`-a refetch=1`, true, yes, on)."""
    return str(value).strip().lower() in ("1", "true", "yes", "on")
