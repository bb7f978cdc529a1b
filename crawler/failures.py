"""A fetch or processing failure, carried through the item pipelines to the store like a document.

The spider yields one for every listing or report it could not fetch or read, so the database pipeline
records it (Repository.record_failure) next to what did arrive: nothing is lost silently.
"""

from __future__ import annotations

from dataclasses import dataclass

# Reasons (the `reason` column of crawl_failures).
HTTP_ERROR = "http_error"  # a non-2xx answer after retries
TIMEOUT = "timeout"
DNS = "dns_error"
CONNECTION = "connection_error"
ROBOTS = "robots_disallowed"  # robots.txt forbids the URL
IGNORED = "ignored"  # dropped by a middleware for another reason
DOWNLOAD = "download_error"  # anything else while fetching
LISTING_UNREADABLE = "listing_unreadable"  # a listing not in its family's shape
NO_REPORT_LINKS = "no_report_links"  # a region's listings yielded no report link at all
PARSE_CRASH = "parse_crash"  # the parser raised (its contract says it never does)
RAW_STORE = "raw_store_error"  # the raw bytes could not be kept
STORE = "store_error"  # the database refused the document or its report


@dataclass
class FetchFailure:
    region_code: str | None
    url: str
    reason: str
    detail: str
    listing_url: str | None = None  # the listing that led to `url`, when it was a report link
