"""A fetch or processing failure, carried through the item pipelines to the store like a document.

The spider yields one for every listing, report or attachment it could not fetch or read, so the database
pipeline records it (Repository.record_failure) next to what did arrive: every report URL the crawler
discovers ends either stored or in `crawl_failures` with one of the reasons below. Reasons are short
human-readable phrases (the `reason` column); the detail says what exactly happened.
"""

from __future__ import annotations

from dataclasses import dataclass

# Reasons (the `reason` column of crawl_failures).
TIMEOUT = "timeout"  # no answer within DOWNLOAD_TIMEOUT, after the retries
DNS = "dns"  # the host name does not resolve
CONNECTION = "connection"  # refused, reset or cut off mid-answer, after the retries
TOO_LARGE = "too large"  # larger than XXGK_MAX_DOCUMENT_MB (the download is cancelled)
NOT_REPORT = "not a report"  # fetched and stored, but the parser says it is no annual report
DELETED_REFRESH = "deleted: refreshes to the column"  # the page is only a meta refresh / JS redirect back
DELETED_REDIRECT = "deleted: redirects to the column"  # the server 30x-redirects the page to its column
TOO_MANY_REDIRECTS = "too many redirects"  # refresh/JS stubs leading on and on
ROBOTS = "robots.txt disallows"  # the site's robots.txt forbids the URL (see the region's ignore_robots)
IGNORED = "ignored"  # dropped by a middleware for another reason
DOWNLOAD = "download error"  # anything else while fetching
LISTING_UNREADABLE = "listing unreadable"  # a listing not in its family's shape
NO_REPORT_LINKS = "no report links"  # a region's listings yielded no report link at all
PARSE_CRASH = "parser crashed"  # the parser raised (its contract says it never does)
RAW_STORE = "raw store error"  # the raw bytes could not be kept
STORE = "store error"  # the database refused the document or its report

_HTTP_PREFIX = "http "
_CHALLENGE_PREFIX = "challenge failed: "


def http_status(status: int) -> str:
    """`http 404`: a non-2xx answer (5xx and 429 only after the retries with back-off)."""
    return f"{_HTTP_PREFIX}{status}"


def challenge_failed(kind: str) -> str:
    """`challenge failed: ruishu`: a WAF challenge (ruishu, jiasule, …) the browser could not pass."""
    return f"{_CHALLENGE_PREFIX}{kind}"


class ChallengeFailedError(Exception):
    """Raised (by the challenge middleware) when a WAF challenge page could not be passed: the spider's
    errback turns it into the failure `challenge failed: <kind>`."""

    def __init__(self, kind: str, detail: str) -> None:
        super().__init__(f"{kind}: {detail}")
        self.kind = kind
        self.detail = detail


@dataclass
class FetchFailure:
    region_code: str | None
    url: str
    reason: str
    detail: str
    listing_url: str | None = None  # the listing that led to `url`, when it was a report link
