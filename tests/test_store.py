"""The store against a real Postgres: documents and versions, reports and their rows, runs, failures,
the raw store, and where the database comes from (DATABASE_URL or the embedded server).

Every report here is built by hand with invented figures; no seed text is used.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import subprocess
import sys
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import psycopg
import pytest
from sqlalchemy import text
from sqlalchemy.engine import make_url

from crawler.items import FetchedDocument
from crawler.registry import Region
from crawler.store import RawStore, RawStoreError, Repository, SavedDocument, StoreError, SummaryRow
from crawler.store.config import data_dir, normalise_url
from crawler.store.database import database_url
from crawler.store.embedded import running_server, stop_embedded
from parsers.model import Cell, CellSource, Check, ParsedReport, RegionRef, Table

REPO_ROOT = Path(__file__).resolve().parents[1]
T0 = dt.datetime(2025, 3, 1, 8, 0, tzinfo=dt.UTC)
STORE_TABLES = (
    "regions",
    "crawl_runs",
    "documents",
    "document_versions",
    "reports",
    "report_sections",
    "report_active_disclosure",
    "report_requests",
    "report_review_litigation",
    "checks",
    "crawl_failures",
    "cell_sources",
)


REGIONS = [
    Region(
        "990101",
        "样本市",
        level="prefecture",
        portal="http://127.0.0.11:8800/",
        listings=("http://127.0.0.11:8800/gk/",),
        family="trs_classic",
        sample=True,
    ),
    Region(
        "990102",
        "样本县",
        parent="990101",
        level="county",
        family="hanweb_jpage",
        params={"col": 7},
        sample=True,
    ),
]


def fetched(
    url: str = "http://127.0.0.11:8800/gk/202501/t20250110_1.html",
    body: bytes = "第一版 正文".encode(),
    *,
    region: str = "990101",
    at: dt.datetime = T0,
    role: str = "report",
    parent_url: str | None = None,
) -> FetchedDocument:
    return FetchedDocument(
        region_code=region,
        listing_url="http://127.0.0.11:8800/gk/index.htm",
        url=url,
        final_url=url,
        status=200,
        content_type="text/html; charset=utf-8",
        fetched_at=at,
        body=body,
        listing_title="样本市2024年政府信息公开工作年度报告",
        listing_date=dt.date(2025, 1, 10),
        page_date=dt.date(2025, 1, 11),
        role=role,  # type: ignore[arg-type]
        encoding="utf-8",
        parent_url=parent_url,
    )


def c(value: int | Decimal | str | None, raw: str | None = None) -> Cell:
    if raw is None:
        raw = "" if value is None else str(value)
    return Cell(value, raw)


def requests_table(new_natural: int) -> Table:
    """Table 三 with three rows; the figures are invented."""
    new = [new_natural, 2, 0, 0, 1, 0]
    return {
        "new_received": {
            **dict(zip(_APPLICANTS, map(c, new), strict=True)),
            "total": c(sum(new)),
        },
        "carried_over": {**{col: c(0) for col in _APPLICANTS}, "total": c(0)},
        "granted": {**{col: c(None) for col in _APPLICANTS}, "total": c("n/a", "/")},
    }


_APPLICANTS = (
    "natural_person",
    "commercial_enterprise",
    "research_institution",
    "social_welfare_org",
    "legal_service_org",
    "other_org",
)


def parsed_report(*, year: int = 2024, new_natural: int = 9, kind: str = "report") -> ParsedReport:
    return ParsedReport(
        title=f"样本市{year}年政府信息公开工作年度报告",
        organ="样本市人民政府",
        region=RegionRef("样本市", None),
        year=year,
        publish_date=dt.date(year + 1, 1, 10),
        sign_date=dt.date(year + 1, 1, 8),
        format="2021",
        script="simplified",
        sections={
            "overview": "全年主动公开信息 123 条。",
            "active_disclosure": "",
            "requests": None,
            "review_litigation": "见下表。",
            "problems": "更新不够及时。",
            "other": "无。",
        },
        tables={
            "active_disclosure": {
                "regulations": {"issued": c(2), "repealed": c(0), "in_force": c(None)},
                "licensing": {"decisions": c("n/a", "/")},
                "fees": {"amount_10k_yuan": c(Decimal("12.35"))},
            },
            "requests": requests_table(new_natural),
            "review_litigation": {
                "review": {
                    "upheld": c(1),
                    "corrected": c(0),
                    "other": c(0),
                    "pending": c("n/a", "—"),
                    "total": c(1),
                },
            },
        },
        checks=[
            Check("requests.balance.total", True, "12 + 0 = 12 + 0"),
            Check("requests.row_sum.granted", None, "total is n/a"),
            Check("review_litigation.sum.review", False, "1 + 0 + 0 + n/a = 1"),
        ],
        warnings=["tables: fees amount read from a note"],
        kind=kind,  # type: ignore[arg-type]
        legacy=None,
    )


@pytest.fixture
def repo(pg_url: str) -> Iterator[Repository]:
    with Repository(pg_url, parser_version="test-1") as repository:
        repository.sync_regions(REGIONS)
        yield repository


def counts(repo: Repository) -> dict[str, int]:
    with repo.engine.connect() as conn:
        return {t: conn.execute(text(f"SELECT count(*) FROM {t}")).scalar_one() for t in STORE_TABLES}


def rows(repo: Repository, query: str, **params: Any) -> list[tuple[Any, ...]]:
    with repo.engine.connect() as conn:
        return [tuple(r) for r in conn.execute(text(query), params)]


# ---------------------------------------------------------------------------------------------
# Regions
# ---------------------------------------------------------------------------------------------


def test_sync_regions_inserts_then_updates(repo: Repository) -> None:
    assert rows(
        repo,
        "SELECT code, name, parent_code, level, portal_url, family, listing_urls, params, is_sample"
        " FROM regions ORDER BY code",
    ) == [
        (
            "990101",
            "样本市",
            None,
            "prefecture",
            "http://127.0.0.11:8800/",
            "trs_classic",
            ["http://127.0.0.11:8800/gk/"],
            {},
            True,
        ),
        ("990102", "样本县", "990101", "county", None, "hanweb_jpage", [], {"col": 7}, True),
    ]
    repo.sync_regions([Region("990102", "样本县(改)", family="trs_classic")])
    assert rows(repo, "SELECT code, name, family, is_sample FROM regions ORDER BY code") == [
        ("990101", "样本市", "trs_classic", True),
        ("990102", "样本县(改)", "trs_classic", False),
    ]


def test_a_region_code_must_be_six_digits(repo: Repository) -> None:
    with pytest.raises(Exception, match="ck_regions_code_digits"):
        repo.sync_regions([Region("99010", "短码")])


# ---------------------------------------------------------------------------------------------
# Documents and versions
# ---------------------------------------------------------------------------------------------


def test_same_url_same_content_is_unchanged_and_adds_no_rows(repo: Repository) -> None:
    first = repo.save_document(None, fetched(), "ab/x")
    assert first.status == "new"
    after_first = counts(repo)
    assert (after_first["documents"], after_first["document_versions"]) == (1, 1)

    later = T0 + dt.timedelta(days=30)
    again = repo.save_document(None, fetched(at=later), "ab/x")
    assert again == SavedDocument(first.document_id, first.version_id, "unchanged")
    assert counts(repo) == after_first
    assert rows(repo, "SELECT first_seen_at, last_seen_at, current_version_id FROM documents") == [
        (T0, later, first.version_id)
    ]


def test_version_keeps_the_provenance_of_the_fetch(repo: Repository) -> None:
    doc = fetched()
    saved = repo.save_document(None, doc, "3f/3f00")
    assert rows(
        repo,
        "SELECT sha256, raw_path, size, content_type, http_status, final_url, listing_url, listing_title,"
        " listing_date, page_date, encoding, fetched_at, crawl_run_id FROM document_versions WHERE id = :id",
        id=saved.version_id,
    ) == [
        (
            doc.sha256,
            "3f/3f00",
            len(doc.body),
            "text/html; charset=utf-8",
            200,
            doc.url,
            "http://127.0.0.11:8800/gk/index.htm",
            "样本市2024年政府信息公开工作年度报告",
            dt.date(2025, 1, 10),
            dt.date(2025, 1, 11),
            "utf-8",
            T0,
            None,
        )
    ]
    assert rows(repo, "SELECT url, region_code, role, parent_url, parent_document_id FROM documents") == [
        (doc.url, "990101", "report", None, None)
    ]


def test_changed_content_makes_a_new_version_and_keeps_the_old(repo: Repository) -> None:
    first = repo.save_document(None, fetched(body=b"version A"), "aa/a")
    second = repo.save_document(None, fetched(body=b"version B", at=T0 + dt.timedelta(days=1)), "bb/b")
    assert second.status == "changed"
    assert second.document_id == first.document_id
    assert second.version_id != first.version_id
    assert (counts(repo)["documents"], counts(repo)["document_versions"]) == (1, 2)
    assert rows(repo, "SELECT raw_path FROM document_versions ORDER BY id") == [("aa/a",), ("bb/b",)]
    assert rows(repo, "SELECT current_version_id FROM documents") == [(second.version_id,)]

    # Back to the first content: the old version becomes current again, no third version.
    third = repo.save_document(None, fetched(body=b"version A", at=T0 + dt.timedelta(days=2)), "aa/a")
    assert third == SavedDocument(first.document_id, first.version_id, "changed")
    assert counts(repo)["document_versions"] == 2
    assert rows(repo, "SELECT current_version_id FROM documents") == [(first.version_id,)]


def test_attachment_points_at_the_page_that_links_it(repo: Repository) -> None:
    page = repo.save_document(None, fetched(), "aa/a")
    pdf_url = "http://127.0.0.11:8800/gk/202501/P020250110.pdf"
    attachment = repo.save_document(
        None, fetched(pdf_url, b"%PDF-1.4 invented", role="attachment", parent_url=fetched().url), "bb/b"
    )
    assert rows(
        repo,
        "SELECT role, parent_url, parent_document_id FROM documents WHERE id = :id",
        id=attachment.document_id,
    ) == [("attachment", fetched().url, page.document_id)]


def test_unknown_region_is_refused_and_nothing_is_written(repo: Repository) -> None:
    with pytest.raises(StoreError, match="region '990199' is not in the regions table"):
        repo.save_document(None, fetched(region="990199"), "aa/a")
    assert counts(repo)["documents"] == 0


def test_a_body_that_does_not_match_its_sha256_is_refused(repo: Repository) -> None:
    doc = fetched()
    doc.body = b"tampered"
    with pytest.raises(StoreError, match="does not match its body"):
        repo.save_document(None, doc, "aa/a")
    assert counts(repo)["documents"] == 0


# ---------------------------------------------------------------------------------------------
# Reports
# ---------------------------------------------------------------------------------------------


def _save(repo: Repository, parsed: ParsedReport, **doc_args: Any) -> tuple[SavedDocument, int | None]:
    doc = fetched(**doc_args)
    saved = repo.save_document(None, doc, "aa/a")
    return saved, repo.save_report(saved, doc, parsed)


def test_report_and_its_rows_are_stored(repo: Repository) -> None:
    saved, report_id = _save(repo, parsed_report())
    assert report_id is not None
    assert {k: v for k, v in counts(repo).items() if k.startswith(("report", "checks"))} == {
        "reports": 1,
        "report_sections": 6,
        "report_active_disclosure": 3,
        "report_requests": 3,
        "report_review_litigation": 1,
        "checks": 3,
    }
    assert rows(
        repo,
        "SELECT document_id, version_id, region_code, organ, year, title, region_name, parsed_region_code,"
        " publish_date, sign_date, format, script, kind, warnings, legacy, parser_version FROM reports",
    ) == [
        (
            saved.document_id,
            saved.version_id,
            "990101",
            "样本市人民政府",
            2024,
            "样本市2024年政府信息公开工作年度报告",
            "样本市",
            None,
            dt.date(2025, 1, 10),
            dt.date(2025, 1, 8),
            "2021",
            "simplified",
            "report",
            ["tables: fees amount read from a note"],
            None,
            "test-1",
        )
    ]


def test_sections_store_absent_and_empty_apart(repo: Repository) -> None:
    _save(repo, parsed_report())
    assert rows(
        repo, "SELECT section_id, heading_present, text FROM report_sections ORDER BY section_id"
    ) == [
        ("active_disclosure", True, ""),
        ("other", True, "无。"),
        ("overview", True, "全年主动公开信息 123 条。"),
        ("problems", True, "更新不够及时。"),
        ("requests", False, None),
        ("review_litigation", True, "见下表。"),
    ]


def test_na_blank_and_zero_are_stored_distinguishably(repo: Repository) -> None:
    _save(repo, parsed_report())
    assert rows(
        repo,
        "SELECT row_id, issued, repealed, in_force, decisions, amount_10k_yuan, raw"
        " FROM report_active_disclosure ORDER BY row_id",
    ) == [
        ("fees", None, None, None, None, Decimal("12.35"), {"amount_10k_yuan": "12.35"}),
        ("licensing", None, None, None, None, None, {"decisions": "/"}),  # n/a
        ("regulations", 2, 0, None, None, None, {"issued": "2", "repealed": "0", "in_force": ""}),  # 0, blank
    ]
    assert rows(repo, "SELECT upheld, pending, total, raw->>'pending' FROM report_review_litigation") == [
        (1, None, 1, "—")
    ]


def test_requests_rows_have_the_seven_applicant_columns(repo: Repository) -> None:
    _save(repo, parsed_report(new_natural=9))
    assert rows(
        repo,
        "SELECT row_id, natural_person, commercial_enterprise, research_institution, social_welfare_org,"
        " legal_service_org, other_org, total, raw->>'total' FROM report_requests ORDER BY row_id",
    ) == [
        ("carried_over", 0, 0, 0, 0, 0, 0, 0, "0"),
        ("granted", None, None, None, None, None, None, None, "/"),
        ("new_received", 9, 2, 0, 0, 1, 0, 12, "12"),
    ]


def test_checks_are_stored_with_true_false_and_not_assessable(repo: Repository) -> None:
    _save(repo, parsed_report())
    assert rows(repo, "SELECT check_id, ok, detail FROM checks ORDER BY check_id") == [
        ("requests.balance.total", True, "12 + 0 = 12 + 0"),
        ("requests.row_sum.granted", None, "total is n/a"),
        ("review_litigation.sum.review", False, "1 + 0 + 0 + n/a = 1"),
    ]


def test_stored_report_reads_back_equal(repo: Repository) -> None:
    parsed = parsed_report()
    _, report_id = _save(repo, parsed)
    assert report_id is not None
    loaded = repo.load_report(report_id)
    assert loaded.tables == parsed.tables
    assert loaded.sections == parsed.sections
    assert loaded.checks == parsed.checks  # read back in id order, which is the order they were built in
    assert loaded.to_contract() == parsed.to_contract()


def _sources(parsed: ParsedReport) -> dict[tuple[str, str, str], CellSource | None]:
    return {
        (table_id, row, col): cell.source
        for table_id, table in parsed.tables.items()
        for row, cols in (table or {}).items()
        for col, cell in cols.items()
    }


def with_sources(parsed: ParsedReport, scan: str) -> ParsedReport:
    """The report with provenance on three cells: an OCR'd image (low confidence), a PDF page, HTML."""
    tables = {
        name: None if t is None else {r: dict(cols) for r, cols in t.items()}
        for name, t in parsed.tables.items()
    }
    requests, review = tables["requests"], tables["review_litigation"]
    assert requests is not None and review is not None
    new = requests["new_received"]
    new["total"] = Cell(new["total"].value, new["total"].raw, CellSource("ocr", 1, 0.8125, True, scan))
    new["natural_person"] = Cell(9, "9", CellSource("pdf-table", page=3))
    review["review"]["upheld"] = Cell(1, "1", CellSource("html-table"))
    parsed.tables = tables
    return parsed


def test_cell_sources_are_stored_and_read_back(repo: Repository) -> None:
    scan = "http://127.0.0.11:8800/gk/images/table3.png"
    parsed = with_sources(parsed_report(), scan)
    saved, report_id = _save(repo, parsed)
    assert report_id is not None
    assert rows(
        repo,
        "SELECT table_id, row_id, column_id, method, page, confidence, low_confidence, document_url"
        " FROM cell_sources ORDER BY table_id, row_id, column_id",
    ) == [
        ("requests", "new_received", "natural_person", "pdf-table", 3, None, False, None),
        ("requests", "new_received", "total", "ocr", 1, 0.8125, True, scan),
        ("review_litigation", "review", "upheld", "html-table", None, None, False, None),
    ]
    loaded = repo.load_report(report_id)
    assert _sources(loaded) == _sources(parsed)  # every cell, with a source or without
    assert sum(source is not None for source in _sources(loaded).values()) == 3

    # A new parse of the version replaces them; a report without sources leaves none behind.
    assert repo.save_report(saved, fetched(), parsed_report(), force=True) == report_id
    assert counts(repo)["cell_sources"] == 0
    assert set(_sources(repo.load_report(report_id)).values()) == {None}


def test_cell_sources_of_a_batch(repo: Repository) -> None:
    scan = "http://127.0.0.11:8800/gk/images/b.png"
    batch = [
        (
            fetched(f"http://127.0.0.11:8800/gk/t{n}.html", f"body {n}".encode()),
            "aa/b",
            with_sources(parsed_report(), scan),
        )
        for n in range(2)
    ]
    results = repo.save_many(None, batch)
    report_ids = [r[1] for r in results if isinstance(r, tuple)]
    assert len(report_ids) == 2 and None not in report_ids
    per_report = "SELECT report_id, count(*) FROM cell_sources GROUP BY report_id ORDER BY report_id"
    assert rows(repo, per_report) == [
        (report_id, 3) for report_id in report_ids
    ]
    for report_id, (_, _, parsed) in zip(report_ids, batch, strict=True):
        assert report_id is not None
        assert _sources(repo.load_report(report_id)) == _sources(parsed)


def test_resaving_the_same_version_is_a_no_op(repo: Repository) -> None:
    saved, report_id = _save(repo, parsed_report(new_natural=9))
    before = counts(repo)
    parsed_at = rows(repo, "SELECT parsed_at FROM reports")
    assert repo.save_report(saved, fetched(), parsed_report(new_natural=50)) is None
    assert counts(repo) == before
    assert rows(repo, "SELECT parsed_at FROM reports") == parsed_at
    assert rows(repo, "SELECT natural_person FROM report_requests WHERE row_id = 'new_received'") == [(9,)]

    # force=True rewrites it.
    assert repo.save_report(saved, fetched(), parsed_report(new_natural=50), force=True) == report_id
    assert rows(repo, "SELECT natural_person FROM report_requests WHERE row_id = 'new_received'") == [(50,)]


def test_a_new_parser_version_reparses_the_same_version(repo: Repository, pg_url: str) -> None:
    saved, report_id = _save(repo, parsed_report(new_natural=9))
    with Repository(pg_url, parser_version="test-2") as newer:
        assert newer.save_report(saved, fetched(), parsed_report(new_natural=4)) == report_id
    assert counts(repo)["reports"] == 1
    assert rows(repo, "SELECT parser_version FROM reports") == [("test-2",)]
    assert rows(repo, "SELECT natural_person, total FROM report_requests WHERE row_id = 'new_received'") == [
        (4, 7)
    ]


def test_changed_content_replaces_the_report_rows(repo: Repository) -> None:
    first, report_id = _save(repo, parsed_report(new_natural=9), body=b"A")
    changed_doc = fetched(body=b"B", at=T0 + dt.timedelta(days=1))
    second = repo.save_document(None, changed_doc, "bb/b")
    assert second.status == "changed"

    smaller = parsed_report(new_natural=3)
    smaller.tables["active_disclosure"] = {
        "regulations": {"issued": c(5), "repealed": c(1), "in_force": c(40)}
    }
    smaller.tables["review_litigation"] = None
    smaller.checks = [Check("requests.balance.total", True, "6 + 0 = 6 + 0")]
    assert repo.save_report(second, changed_doc, smaller) == report_id

    after = counts(repo)
    assert (after["documents"], after["document_versions"], after["reports"]) == (1, 2, 1)
    assert (after["report_active_disclosure"], after["report_review_litigation"], after["checks"]) == (
        1,
        0,
        1,
    )
    assert after["report_sections"] == 6
    assert rows(repo, "SELECT version_id FROM reports") == [(second.version_id,)]
    assert rows(repo, "SELECT row_id, issued, repealed, in_force FROM report_active_disclosure") == [
        ("regulations", 5, 1, 40)
    ]
    assert rows(repo, "SELECT total FROM report_requests WHERE row_id = 'new_received'") == [(6,)]
    # The old version is still there, and a parse of it can no longer become the report.
    assert rows(repo, "SELECT count(*) FROM document_versions WHERE id = :id", id=first.version_id) == [(1,)]
    with pytest.raises(StoreError, match="is not the current version"):
        repo.save_report(first, fetched(body=b"A"), parsed_report())


@pytest.mark.parametrize(
    ("mutate", "message"),
    [
        (lambda p: p.tables["requests"]["total"].update(subtotal=c(1)), "unknown column 'subtotal'"),
        (lambda p: p.tables["requests"].update(bogus_row={"total": c(1)}), "unknown row_id 'bogus_row'"),
        (lambda p: p.sections.update(preface="前言"), "unknown section ids"),
        (lambda p: p.tables["requests"]["granted"].update(total=c("十二")), "text value '十二'"),
        (lambda p: p.tables["requests"]["granted"].update(total=c(Decimal("1.5"))), "1.5 is not an integer"),
        (lambda p: p.checks.append(Check("requests.balance.total", True, "again")), "appears twice"),
    ],
)
def test_a_parse_off_the_contract_is_refused_whole(repo: Repository, mutate: Any, message: str) -> None:
    parsed = parsed_report()
    parsed.tables["requests"] = {**requests_table(9), "total": {}}  # type: ignore[dict-item]
    mutate(parsed)
    doc = fetched()
    saved = repo.save_document(None, doc, "aa/a")
    with pytest.raises(StoreError, match=message):
        repo.save_report(saved, doc, parsed)
    assert counts(repo)["reports"] == 0
    assert counts(repo)["report_requests"] == 0


def test_na_without_raw_text_still_reads_as_na(repo: Repository) -> None:
    parsed = parsed_report()
    parsed.tables["active_disclosure"] = {"licensing": {"decisions": Cell("n/a", "")}}
    _, report_id = _save(repo, parsed)
    assert rows(repo, "SELECT decisions, raw FROM report_active_disclosure") == [(None, {"decisions": "n/a"})]
    assert report_id is not None
    assert repo.load_report(report_id).tables["active_disclosure"] == {
        "licensing": {"decisions": Cell("n/a", "n/a")}
    }


def test_a_2019_format_table_uses_its_own_columns(repo: Repository) -> None:
    parsed = parsed_report()
    parsed.format = "2019"
    parsed.tables["active_disclosure"] = {
        "licensing": {"prev_items": c(30), "change": c(-2, "-2"), "decisions": c(800)},
        "procurement": {"items": c(4), "amount": c(Decimal("356.7"), "356.7万元")},
    }
    _save(repo, parsed)
    assert rows(
        repo,
        "SELECT row_id, prev_items, change, decisions, items, amount, issued FROM report_active_disclosure"
        " ORDER BY row_id",
    ) == [
        ("licensing", 30, -2, 800, None, None, None),
        ("procurement", None, None, None, 4, Decimal("356.7"), None),
    ]


# ---------------------------------------------------------------------------------------------
# Runs and failures
# ---------------------------------------------------------------------------------------------


def test_crawl_run_counts_and_stats(repo: Repository) -> None:
    run_id = repo.start_run("reports", ["990101", "990102"])
    repo.save_document(run_id, fetched("http://127.0.0.11:8800/a.html", b"a"), "aa/a")
    repo.save_document(run_id, fetched("http://127.0.0.11:8800/b.html", b"b"), "bb/b")
    repo.save_document(run_id, fetched("http://127.0.0.11:8800/b.html", b"b"), "bb/b")
    repo.save_document(run_id, fetched("http://127.0.0.11:8800/a.html", b"a2"), "cc/c")
    repo.save_document(run_id, fetched("http://127.0.0.11:8800/a.pdf", b"%PDF", role="attachment"), "dd/d")
    repo.record_failure(
        run_id, "990102", "http://127.0.0.12:8800/col/col1/index.html", "http_status", "HTTP 503"
    )
    started = dt.datetime(2025, 3, 1, 7, 59, 58, tzinfo=dt.UTC)
    repo.finish_run(
        run_id,
        "finished",
        {
            "start_time": started,
            "item_scraped_count": 5,
            "downloader/response_status_count/200": 6,
            "elapsed_time_seconds": 2.5,
            "memusage/max": Decimal("1024"),
            "dupefilter/filtered": {1, 2},
        },
    )
    assert rows(
        repo,
        "SELECT spider, region_codes, items, reports_new, reports_changed, reports_unchanged, failures,"
        " finish_reason, finished_at IS NOT NULL, finished_at >= started_at, stats FROM crawl_runs",
    ) == [
        (
            "reports",
            ["990101", "990102"],
            5,
            2,
            1,
            1,
            1,
            "finished",
            True,
            True,
            {
                "start_time": "2025-03-01T07:59:58+00:00",
                "item_scraped_count": 5,
                "downloader/response_status_count/200": 6,
                "elapsed_time_seconds": 2.5,
                "memusage/max": 1024,
                "dupefilter/filtered": [1, 2],
            },
        )
    ]
    assert rows(repo, "SELECT count(*) FROM document_versions WHERE crawl_run_id = :r", r=run_id) == [(4,)]


def test_failures_are_recorded_with_and_without_a_run(repo: Repository) -> None:
    run_id = repo.start_run("reports", ["990101"])
    repo.record_failure(run_id, "990101", "http://127.0.0.11:8800/gk/t1.html", "parse_error", "ValueError: x")
    repo.record_failure(None, None, "http://127.0.0.99/", "unknown_region", "no region 'nowhere'")
    assert rows(
        repo, "SELECT crawl_run_id, region_code, url, reason, detail FROM crawl_failures ORDER BY id"
    ) == [
        (run_id, "990101", "http://127.0.0.11:8800/gk/t1.html", "parse_error", "ValueError: x"),
        (None, None, "http://127.0.0.99/", "unknown_region", "no region 'nowhere'"),
    ]
    assert rows(repo, "SELECT failures FROM crawl_runs") == [(1,)]


def test_finishing_an_unknown_run_is_an_error(repo: Repository) -> None:
    with pytest.raises(StoreError, match="no crawl run 4242"):
        repo.finish_run(4242, "finished", {})


# ---------------------------------------------------------------------------------------------
# Summary
# ---------------------------------------------------------------------------------------------


def test_summary_per_region_and_year(repo: Repository) -> None:
    _save(repo, parsed_report(year=2023, new_natural=9), url="http://127.0.0.11:8800/r2023.html", body=b"1")
    _save(repo, parsed_report(year=2024, new_natural=1), url="http://127.0.0.11:8800/r2024a.html", body=b"2")
    _save(repo, parsed_report(year=2024, new_natural=2), url="http://127.0.0.11:8800/r2024b.html", body=b"3")
    _save(repo, parsed_report(year=2024, kind="not_report"), url="http://127.0.0.11:8800/jd.html", body=b"4")
    no_table = parsed_report(year=2024)
    no_table.tables = {"active_disclosure": None, "requests": None, "review_litigation": None}
    no_table.checks = []
    _save(repo, no_table, url="http://127.0.0.12:8800/art/1.html", body=b"5", region="990102")
    assert repo.summary() == [
        SummaryRow("990101", "样本市", 2023, reports=1, requests_received=12, failed_checks=1),
        SummaryRow("990101", "样本市", 2024, reports=2, requests_received=4 + 5, failed_checks=2),
        SummaryRow("990102", "样本县", 2024, reports=1, requests_received=None, failed_checks=0),
    ]


# ---------------------------------------------------------------------------------------------
# Raw store
# ---------------------------------------------------------------------------------------------


def test_raw_store_round_trip(tmp_path: Path) -> None:
    store = RawStore(tmp_path / "raw")
    data = "样本 body".encode("gbk")
    sha, relative = store.put(data)
    assert sha == hashlib.sha256(data).hexdigest()
    assert relative == f"{sha[:2]}/{sha}"
    assert (tmp_path / "raw" / relative).read_bytes() == data
    assert store.get(sha) == data
    assert sha in store
    assert store.put(data) == (sha, relative)  # stored once
    assert sorted(p.name for p in (tmp_path / "raw").rglob("*") if p.is_file()) == [sha]  # no temp files left


def test_raw_store_missing_and_corrupt(tmp_path: Path) -> None:
    store = RawStore(tmp_path)
    absent = "0" * 64
    assert absent not in store
    with pytest.raises(RawStoreError, match="not in"):
        store.get(absent)
    sha, relative = store.put(b"original")
    (tmp_path / relative).write_bytes(b"changed on disk")
    with pytest.raises(RawStoreError, match="corrupt"):
        store.get(sha)
    with pytest.raises(ValueError, match="not a lowercase hex sha256"):
        store.get("../etc/passwd")


# ---------------------------------------------------------------------------------------------
# Where the database comes from
# ---------------------------------------------------------------------------------------------


def test_database_url_from_the_environment_is_normalised(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DATABASE_URL", "postgresql://xxgk:secret@db.example:5433/xxgk")
    assert database_url() == "postgresql+psycopg://xxgk:secret@db.example:5433/xxgk"
    monkeypatch.setenv("DATABASE_URL", "postgres://xxgk@db.example/xxgk")
    assert database_url() == "postgresql+psycopg://xxgk@db.example/xxgk"
    monkeypatch.setenv("DATABASE_URL", "postgresql+psycopg://xxgk@/xxgk?host=/run/pg")
    assert database_url() == "postgresql+psycopg://xxgk@/xxgk?host=/run/pg"
    monkeypatch.setenv("DATABASE_URL", "mysql://xxgk@db.example/xxgk")
    with pytest.raises(ValueError, match="unsupported database URL scheme 'mysql'"):
        database_url()


def test_normalise_url_rejects_another_driver() -> None:
    with pytest.raises(ValueError, match="postgresql\\+psycopg2"):
        normalise_url("postgresql+psycopg2://x@h/db")
    with pytest.raises(ValueError, match="no scheme"):
        normalise_url("db.example:5432/xxgk")


def test_data_dir_defaults_to_var_in_the_working_directory(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.delenv("XXGK_DATA_DIR", raising=False)
    monkeypatch.chdir(tmp_path)
    assert data_dir() == tmp_path.resolve() / "var"
    monkeypatch.setenv("XXGK_DATA_DIR", "elsewhere")
    assert data_dir() == tmp_path.resolve() / "elsewhere"


def _current_database(url: str) -> str:
    libpq = make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)
    with psycopg.connect(libpq) as conn:
        row = conn.execute("SELECT current_database()").fetchone()
    assert row is not None
    return str(row[0])


def test_embedded_server_is_started_once_and_reused(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv("DATABASE_URL", raising=False)
    monkeypatch.setenv("XXGK_DATA_DIR", str(tmp_path / "data"))
    pgdata = tmp_path / "data" / "pgdata"
    try:
        url = database_url()
        server = running_server(pgdata)
        assert server is not None
        assert make_url(url).database == "xxgk"
        assert make_url(url).query["host"] == str(server.socket_dir)
        assert _current_database(url) == "xxgk"

        # Same process: same URL, same postmaster.
        assert database_url() == url
        assert running_server(pgdata) == server

        # Another process: reuses it too (it would fail to start a second postmaster on the same data).
        child = subprocess.run(
            [sys.executable, "-c", "from crawler.store import database_url; print(database_url())"],
            cwd=REPO_ROOT,
            env={k: v for k, v in os.environ.items() if k != "DATABASE_URL"},
            capture_output=True,
            text=True,
            timeout=120,
            check=True,
        )
        assert child.stdout.strip() == url
        assert running_server(pgdata) == server

        assert stop_embedded() is True
        assert running_server(pgdata) is None
        assert stop_embedded() is False

        # Stopped: the next call starts it again, on the same data (the database is still there).
        assert database_url() == url
        restarted = running_server(pgdata)
        assert restarted is not None and restarted.pid != server.pid
        assert _current_database(url) == "xxgk"
    finally:
        stop_embedded(pgdata)
