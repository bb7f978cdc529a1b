"""Incremental crawls: a re-crawl re-reads the listings and fetches no known report again.

The sample portal's four issue-2 sites are crawled twice into one database; the second crawl must make at
most 15% of the first's requests (the counts are printed). Then a known report is fetched again only for a
reason: its listing shows a later date than the one stored, its last fetch is older than
XXGK_REFETCH_DAYS, or the crawl asks for a full refresh (`-a refetch=1`); pages fetched again unchanged are
not parsed again.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine, text

from crawler.incremental import KnownDocument, RefetchPolicy, truthy
from crawler.links import LinkKind, classify_title
from crawler.sampleportal import SamplePortal
from tests.pg_fixtures import PgServer
from tests.test_crawl_e2e import rows, run_crawl

GENERATED = ("990101", "990102", "990103")
CORPUS = "990104"
SITES = (*GENERATED, CORPUS)
NOW = dt.datetime(2024, 3, 1, 12, tzinfo=dt.UTC)
URL = "http://h/a.html"


# ---------------------------------------------------------------------------------------------------------
# The policy
# ---------------------------------------------------------------------------------------------------------


def known(
    listing_date: dt.date | None = dt.date(2024, 2, 5), days_ago: float = 1, parsed_by: str | None = "1"
):  # type: ignore[no-untyped-def]
    return {URL: KnownDocument(URL, "ab" * 32, listing_date, NOW - dt.timedelta(days=days_ago), parsed_by)}


@pytest.mark.parametrize(
    ("stored", "listed", "refetch_all", "reason"),
    [
        (None, dt.date(2024, 2, 5), False, "new"),
        (known(), dt.date(2024, 2, 5), False, None),  # known, same date, fresh: skipped
        (known(), None, False, None),  # the listing prints no date: nothing says it changed
        (known(), dt.date(2024, 2, 4), False, None),  # an earlier date is no reason
        (known(), dt.date(2024, 2, 6), False, "newer listing date"),
        (known(listing_date=None), dt.date(2024, 2, 6), False, "newer listing date"),
        (known(days_ago=31), dt.date(2024, 2, 5), False, "stale"),
        (known(days_ago=29), dt.date(2024, 2, 5), False, None),
        (known(), dt.date(2024, 2, 5), True, "refetch"),
    ],
)
def test_fetch_reason(
    stored: dict[str, KnownDocument] | None, listed: dt.date | None, refetch_all: bool, reason: str | None
) -> None:
    policy = RefetchPolicy(stored, refetch_all=refetch_all, max_age=dt.timedelta(days=30), now=NOW)
    assert policy.fetch_reason(URL, listed) == reason


def test_unchanged_and_parsed() -> None:
    policy = RefetchPolicy(known(), parser_version="1", now=NOW)
    assert policy.unchanged_and_parsed(URL, "ab" * 32) is True
    assert policy.unchanged_and_parsed(URL, "cd" * 32) is False  # new bytes
    assert policy.unchanged_and_parsed("http://h/other.html", "ab" * 32) is False  # unknown URL
    assert RefetchPolicy(known(), parser_version="2").unchanged_and_parsed(URL, "ab" * 32) is False
    assert (
        RefetchPolicy(known(parsed_by=None), parser_version="1").unchanged_and_parsed(URL, "ab" * 32) is False
    )


@pytest.mark.parametrize(
    ("value", "yes"), [("1", True), ("true", True), ("on", True), ("0", False), ("", False)]
)
def test_truthy(value: str, yes: bool) -> None:
    assert truthy(value) is yes


# ---------------------------------------------------------------------------------------------------------
# Crawling the sample portal again
# ---------------------------------------------------------------------------------------------------------


@dataclass
class World:
    url: str
    engine: Any
    raw: Path
    portal: SamplePortal
    first: int  # requests of the first crawl
    second: int  # requests of the second crawl
    second_log: list[tuple[str, str]]


def report_urls(portal: SamplePortal, code: str) -> list[str]:
    site = portal.site(code)
    if site.corpus:
        return [
            portal.report_url(code, t.doc_id)
            for t in site.corpus
            if classify_title(t.title) is LinkKind.REPORT
        ]
    return [portal.report_url(code, r.doc_id) for r in site.reports]


def crawl(world_url: str, raw: Path, portal: SamplePortal, *args: str, **settings: object) -> Any:
    done = run_crawl(world_url, raw, portal.port, *args, settings=settings)
    assert done.returncode == 0, done.stderr[-4000:]
    return done


def last_run(engine: Any) -> Any:
    return rows(engine, "SELECT * FROM crawl_runs ORDER BY id DESC LIMIT 1")[0]


@pytest.fixture(scope="module")
def world(
    pg_server: PgServer,
    pg_template: str,
    sample_portal: SamplePortal,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[World]:
    sample_portal.reset()
    name = pg_server.new_name("incremental")
    url = pg_server.create_database(name, template=pg_template)
    raw = tmp_path_factory.mktemp("incremental") / "raw"
    engine = create_engine(url)
    try:
        sample_portal.clear_requests()
        crawl(url, raw, sample_portal, f"region={','.join(SITES)}")
        first = sample_portal.request_count()
        sample_portal.clear_requests()
        crawl(url, raw, sample_portal, f"region={','.join(SITES)}")
        second_log = sample_portal.requests
        yield World(url, engine, raw, sample_portal, first, len(second_log), second_log)
    finally:
        sample_portal.reset()
        engine.dispose()
        pg_server.drop_database(name)


def test_second_crawl_makes_at_most_15_percent_of_the_first_crawls_requests(world: World) -> None:
    portal = world.portal
    reports = sum(len(report_urls(portal, code)) for code in SITES)
    images = sum(3 for code in GENERATED for r in portal.site(code).reports if r.layout == "absent")
    listings = sum(len(portal.listing_urls(code)) for code in SITES)  # GET pages and Hanweb's POSTs
    assert (reports, images, listings) == (80, 54, 10)
    assert world.first == len(SITES) + listings + reports + images == 148  # + one robots.txt per site
    # The second crawl: robots.txt and the listings, nothing else.
    assert world.second == len(SITES) + listings == 14
    assert {path for _m, path in world.second_log if "/zfxxgk/ndbg/2" in path or "/art/" in path} == set()
    ratio = world.second / world.first
    print(f"\nincremental re-crawl: first crawl {world.first} requests, second {world.second} ({ratio:.1%})")
    assert ratio <= 0.15


def test_first_crawl_wrote_in_batches_and_parsed_in_workers(world: World) -> None:
    [stats] = [r.stats for r in rows(world.engine, "SELECT stats FROM crawl_runs WHERE id = 1")]
    assert (stats["db/entries"], stats["db/batch_fallbacks"], stats["parse/parsed"]) == (80 + 54, 0, 80)
    assert stats["db/batches"] <= stats["db/entries"]
    assert "parse/workers_broken" not in stats


def test_second_crawl_stored_nothing_and_counted_the_skips(world: World) -> None:
    run = last_run(world.engine)
    assert (run.items, run.reports_new, run.reports_changed, run.reports_unchanged, run.failures) == (
        0,
        0,
        0,
        0,
        0,
    )
    assert run.stats["incremental/skipped_known"] == 80
    assert run.stats["listing/report_links"] == 80
    assert "incremental/fetch/new" not in run.stats
    assert rows(world.engine, "SELECT count(*) FROM documents")[0][0] == 80 + 54


def test_a_newer_listing_date_or_a_stale_fetch_brings_a_page_back(world: World) -> None:
    urls = report_urls(world.portal, "990101")
    dated, stale = urls[0], urls[1]
    with world.engine.begin() as conn:
        # As if the listing had shown an earlier date when these were stored …
        conn.execute(
            text("UPDATE documents SET listing_date = listing_date - 1 WHERE url = :url"), {"url": dated}
        )
        # … and as if this one had last been fetched 40 days ago.
        conn.execute(
            text("UPDATE documents SET last_seen_at = now() - interval '40 days' WHERE url = :url"),
            {"url": stale},
        )
    world.portal.clear_requests()
    crawl(world.url, world.raw, world.portal, "region=990101")
    base = world.portal.base_url("990101")
    fetched = [path for _m, path in world.portal.site_requests("990101") if path.endswith(".html")]
    assert sorted(fetched) == sorted(u.removeprefix(base) for u in (dated, stale))
    run = last_run(world.engine)
    assert run.stats["incremental/fetch/newer listing date"] == 1
    assert run.stats["incremental/fetch/stale"] == 1
    assert run.stats["incremental/skipped_known"] == 23
    # Fetched again, found unchanged, not parsed again; the stored listing date and last fetch move on.
    assert (run.reports_unchanged, run.stats["parse/skipped_unchanged"]) == (2, 2)
    assert "parse/parsed" not in run.stats
    moved = dict(
        rows(
            world.engine,
            "SELECT url, (listing_date = (SELECT listing_date FROM document_versions v "
            "WHERE v.id = d.current_version_id)) AND last_seen_at > now() - interval '1 hour' "
            "FROM documents d WHERE url IN (:a, :b)",
            a=dated,
            b=stale,
        )
    )
    assert moved == {dated: True, stale: True}


def test_refetch_fetches_everything_and_parses_nothing_unchanged(world: World) -> None:
    parsed_before = dict(rows(world.engine, "SELECT document_id, parsed_at FROM reports"))
    world.portal.clear_requests()
    crawl(world.url, world.raw, world.portal, "region=990101", "refetch=1")
    run = last_run(world.engine)
    assert (run.reports_new, run.reports_changed, run.reports_unchanged) == (0, 0, 25)
    assert run.stats["incremental/fetch/refetch"] == 25
    assert run.stats["parse/skipped_unchanged"] == 25
    assert "parse/parsed" not in run.stats
    assert dict(rows(world.engine, "SELECT document_id, parsed_at FROM reports")) == parsed_before
    site = world.portal.site("990101")
    images = sum(3 for r in site.reports if r.layout == "absent")
    assert world.portal.request_count("990101") == 1 + 3 + 25 + images  # robots, listings, pages, images
