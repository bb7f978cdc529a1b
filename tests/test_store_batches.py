"""The store's crawl-core additions against a real Postgres: batched writes (Repository.save_many) give the
same rows as one-at-a-time writes, what incremental crawls read back (known_documents), and migration 0002
classifying documents stored before it.

Reports here come from the sample portal's generator (both table formats), parsed by the real parser.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from sqlalchemy import create_engine, text

from crawler.items import FetchedDocument
from crawler.registry import Region
from crawler.sampleportal import generate_reports
from crawler.sampleportal.chrome import Entry, SiteSpec
from crawler.sampleportal.families import trs_classic
from crawler.sampleportal.sites import Site
from crawler.store import Repository, StoreError
from crawler.store.migrate import upgrade
from parsers import parse_report
from parsers.model import ParsedReport

T0 = dt.datetime(2025, 3, 1, 8, 0, tzinfo=dt.UTC)
REGION = Region("990101", "样本市", level="prefecture", family="trs_classic", sample=True)
SITE = Site(SiteSpec("990101", "样本市", "127.0.0.11", "trs_classic"))
# Every table of every report, both formats: one report of each (format, layout) the generator makes.
REPORTS = generate_reports("990101", "样本市", 12, 990101)


def page(n: int) -> tuple[FetchedDocument, ParsedReport]:
    report = REPORTS[n]
    entry = Entry(report.doc_id, report.title, report.publish_date, None, report.organ, report.body_html)
    body = trs_classic.detail_page(SITE, entry).encode()
    url = f"http://127.0.0.11:8800/zfxxgk/ndbg/t{report.doc_id}.html"
    doc = FetchedDocument(
        "990101", "http://127.0.0.11:8800/zfxxgk/ndbg/index.htm", url, url, 200, "text/html",
        T0, body, report.title, report.publish_date,
    )  # fmt: skip
    return doc, parse_report(body, url=url, content_type="text/html")


def image(n: int, parent: FetchedDocument) -> FetchedDocument:
    url = f"http://127.0.0.11:8800/zfxxgk/ndbg/W0{n}.png"
    return FetchedDocument(
        "990101", parent.listing_url, url, url, 200, "image/png", T0, b"\x89PNG" + bytes([n]),
        f"图{n}", parent.listing_date, role="attachment", parent_url=parent.url, kind="image",
        file_name=f"W0{n}.png",
    )  # fmt: skip


def dump(url: str) -> dict[str, Any]:
    """Every stored row, ids replaced by URLs, times and run ids left out: what two stores can compare."""
    engine = create_engine(url)
    try:
        with engine.connect() as conn:

            def q(sql: str) -> list[tuple[Any, ...]]:
                return sorted(tuple(r) for r in conn.execute(text(sql)))

            by_report = "JOIN reports r ON r.id = t.report_id JOIN documents d ON d.id = r.document_id"
            return {
                "documents": q(
                    "SELECT d.url, d.role, d.kind, d.parent_url, p.url, d.listing_date, v.sha256, "
                    "v.raw_path, v.size, v.file_name, v.listing_title FROM documents d "
                    "JOIN document_versions v ON v.id = d.current_version_id "
                    "LEFT JOIN documents p ON p.id = d.parent_document_id"
                ),
                "reports": q(
                    "SELECT d.url, r.title, r.organ, r.year, r.format, r.kind, r.publish_date, v.sha256 "
                    "FROM reports r JOIN documents d ON d.id = r.document_id "
                    "JOIN document_versions v ON v.id = r.version_id"
                ),
                "sections": q(f"SELECT d.url, t.section_id, t.text FROM report_sections t {by_report}"),
                "requests": q(
                    f"SELECT d.url, t.row_id, t.total, t.raw::text FROM report_requests t {by_report}"
                ),
                "active": q(
                    "SELECT d.url, t.row_id, t.issued, t.new_made, t.raw::text "
                    f"FROM report_active_disclosure t {by_report}"
                ),
                "review": q(f"SELECT d.url, t.block_id, t.total FROM report_review_litigation t {by_report}"),
                "checks": q(f"SELECT d.url, t.check_id, t.ok, t.detail FROM checks t {by_report}"),
                "runs": q("SELECT items, reports_new, reports_changed, reports_unchanged FROM crawl_runs"),
            }
    finally:
        engine.dispose()


@pytest.fixture
def repo(pg_url: str) -> Any:
    with Repository(pg_url, synchronous_commit=False) as repository:
        repository.sync_regions([REGION])
        yield repository


def test_formats_and_layouts_are_all_there() -> None:
    assert {r.format for r in REPORTS} == {"2019", "2021"}
    assert {r.layout for r in REPORTS} == {"html-table", "text-cells", "text-pipe", "absent"}


def test_a_batch_stores_what_one_at_a_time_stores(
    repo: Repository, pg_url: str, pg_server: Any, pg_template: str
) -> None:
    pages = [page(n) for n in range(len(REPORTS))]
    entries: list[tuple[FetchedDocument, str, ParsedReport | None]] = []
    for n, (doc, parsed) in enumerate(pages):
        entries.append((doc, f"{doc.sha256[:2]}/{doc.sha256}", parsed))
        if n % 3 == 0:  # table pictures, each after its page
            entries.append((image(n, doc), f"aa/{n}", None))
    run = repo.start_run("reports", ["990101"])
    results = repo.save_many(run, entries)
    assert [r[0].status for r in results if not isinstance(r, StoreError)] == ["new"] * len(entries)
    assert [r[1] is not None for r in results if not isinstance(r, StoreError)] == [
        e[2] is not None for e in entries
    ]

    name = pg_server.new_name("single")
    other = pg_server.create_database(name, template=pg_template)
    try:
        with Repository(other) as single:
            single.sync_regions([REGION])
            run = single.start_run("reports", ["990101"])
            for doc, raw_path, parsed in entries:
                saved = single.save_document(run, doc, raw_path)
                if parsed is not None:
                    single.save_report(saved, doc, parsed)
        assert dump(pg_url) == dump(other)
    finally:
        pg_server.drop_database(name)
    assert len(dump(pg_url)["requests"]) > 0 and len(dump(pg_url)["active"]) > 0


def test_known_urls_repeats_and_refusals_in_one_batch(repo: Repository, pg_url: str) -> None:
    (a, parsed_a), (b, parsed_b) = page(0), page(1)
    run = repo.start_run("reports", ["990101"])
    repo.save_many(run, [(a, "x/a", parsed_a)])
    changed = FetchedDocument(
        a.region_code, a.listing_url, a.url, a.final_url, 200, "text/html", T0 + dt.timedelta(days=1),
        a.body + b"<!-- corrected -->", a.listing_title, a.listing_date,
    )  # fmt: skip
    stranger = FetchedDocument("990199", b.listing_url, "http://x/y", "http://x/y", 200, None, T0, b"y")
    naive = FetchedDocument(
        "990101", b.listing_url, "http://x/z", "http://x/z", 200, None, T0.replace(tzinfo=None), b"z"
    )
    results = repo.save_many(
        run,
        [
            (b, "x/b", parsed_b),  # new
            (changed, "x/a2", parsed_a),  # known URL, new bytes: a second version
            (b, "x/b", parsed_b),  # the same URL again in the batch: unchanged
            (stranger, "x/y", None),  # a region the store does not know
            (naive, "x/z", None),  # a time without a zone
        ],
    )
    assert [r[0].status if not isinstance(r, StoreError) else str(r) for r in results] == [
        "new",
        "changed",
        "unchanged",
        "region '990199' is not in the regions table (sync_regions first)",
        "fetched_at of http://x/z has no timezone (expected UTC-aware)",
    ]
    stored = dump(pg_url)
    assert [d[0] for d in stored["documents"]] == sorted([a.url, b.url])
    # items, reports new / changed / unchanged: a (new); then b (new), a (changed), b (unchanged)
    assert stored["runs"] == [(4, 2, 1, 1)]


def test_known_documents_for_incremental_crawls(repo: Repository) -> None:
    (a, parsed_a), (b, _parsed_b) = page(0), page(1)
    run = repo.start_run("reports", ["990101"])
    repo.save_many(run, [(a, "x/a", parsed_a), (b, "x/b", None), (image(1, a), "x/i", None)])
    known = repo.known_documents(["990101"])
    assert set(known) == {a.url, b.url, image(1, a).url}
    assert (known[a.url].sha256, known[a.url].listing_date, known[a.url].last_fetched) == (
        a.sha256, a.listing_date, T0,
    )  # fmt: skip
    assert known[a.url].parsed_by == repo.parser_version
    assert known[b.url].parsed_by is None  # stored, never parsed
    assert repo.known_documents(["990102"]) == {}


def test_migration_0002_classifies_documents_stored_before_it(pg_empty_url: str) -> None:
    upgrade(pg_empty_url, "0001")
    engine = create_engine(pg_empty_url)
    try:
        with engine.begin() as conn:
            conn.execute(text("INSERT INTO regions (code, name) VALUES ('990101', '样本市')"))
            conn.execute(text("INSERT INTO crawl_runs (spider, region_codes) VALUES ('reports', '{}')"))
            for n, content_type in enumerate(
                ["text/html; charset=UTF-8", "application/pdf", "image/png", None]
            ):
                doc = conn.execute(
                    text(
                        "INSERT INTO documents (url, region_code, role, first_seen_at, last_seen_at) "
                        "VALUES (:url, '990101', 'report', now(), now()) RETURNING id"
                    ),
                    {"url": f"http://h/{n}"},
                ).scalar_one()
                version = conn.execute(
                    text(
                        "INSERT INTO document_versions (document_id, sha256, raw_path, size, content_type, "
                        "http_status, final_url, listing_url, listing_title, listing_date, fetched_at) "
                        "VALUES (:d, :sha, 'x', 1, :ct, 200, 'u', 'l', 't', '2024-02-05', now()) RETURNING id"
                    ),
                    {"d": doc, "sha": f"{n:064x}", "ct": content_type},
                ).scalar_one()
                conn.execute(
                    text("UPDATE documents SET current_version_id = :v WHERE id = :d"),
                    {"v": version, "d": doc},
                )
        upgrade(pg_empty_url, "0002")
        with engine.connect() as conn:
            rows = conn.execute(text("SELECT url, kind, listing_date FROM documents ORDER BY url")).all()
    finally:
        engine.dispose()
    day = dt.date(2024, 2, 5)
    assert [tuple(r) for r in rows] == [
        ("http://h/0", "html", day),
        ("http://h/1", "pdf", day),
        ("http://h/2", "image", day),
        ("http://h/3", "other", day),
    ]
