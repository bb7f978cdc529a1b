"""A revised attachment of an unchanged report page rewrites the page's report (issue 5 follow-up).

A report is stored once per page version and parser version; it also records the companion versions its
parse read (reports.companions, URL → sha256), and is rewritten when those differ. The store gives the
spider's RefetchPolicy no parser version for a page whose report was not read from the companions stored
now, so the parse pipeline's skip agrees with the database pipeline's rewrite.

First the repository and the parse pipeline's skip on hand-made documents; then end to end: site 990105
(Boda VSB) is crawled into a fresh database, the sample portal revises attachment-only report 1001 (its page
bytes stay the same, its PDF changes: `Site.revise`), a refetch crawl stores the revised figures, and a third
crawl with nothing changed rewrites nothing.
"""

from __future__ import annotations

import hashlib
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass, replace
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from sqlalchemy import Engine, create_engine, text

from crawler.incremental import RefetchPolicy
from crawler.items import FetchedDocument
from crawler.pipelines import ParsePipeline, ProcessedDocument
from crawler.sampleportal import SamplePortal, SyntheticReport
from crawler.sampleportal.families import boda_vsb as vsb
from crawler.store import Repository
from parsers.model import table_values
from tests.pg_fixtures import PgServer
from tests.test_crawl_e2e import rows, run_crawl
from tests.test_store import REGIONS, fetched, parsed_report

pytestmark = pytest.mark.postgres

PAGE = "http://127.0.0.11:8800/gk/202501/t20250110_1.html"
PDF = "http://127.0.0.11:8800/gk/202501/W020250110_1.pdf"
PICTURE = "http://127.0.0.11:8800/gk/202501/W020250110_2.png"


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def companion(url: str, body: bytes) -> FetchedDocument:
    return replace(fetched(url, body, role="attachment", parent_url=PAGE), kind="pdf", sha256="")


def page(*companions: FetchedDocument) -> FetchedDocument:
    doc = fetched(PAGE)
    doc.companions = list(companions)
    return doc


@pytest.fixture
def repo(pg_url: str) -> Iterator[Repository]:
    with Repository(pg_url, parser_version="test-1") as repository:
        repository.sync_regions(REGIONS)
        yield repository


def stored_report(repo: Repository) -> tuple[Any, ...]:
    """(parsed_at, companions, new_received natural_person) of the one stored report."""
    with repo.engine.connect() as conn:
        [row] = conn.execute(
            text(
                "SELECT r.parsed_at, r.companions, q.natural_person FROM reports r "
                "JOIN report_requests q ON q.report_id = r.id AND q.row_id = 'new_received'"
            )
        ).all()
    return tuple(row)


def save(repo: Repository, doc: FetchedDocument, new_natural: int) -> int | None:
    """The page, its report, then its companions: the database pipeline's order."""
    saved = repo.save_document(None, doc, "aa/a")
    report_id = repo.save_report(saved, doc, parsed_report(new_natural=new_natural))
    for file in doc.companions:
        repo.save_document(None, file, "bb/b")
    return report_id


# ---------------------------------------------------------------------------------------------------------
# The repository: save_report and known_documents
# ---------------------------------------------------------------------------------------------------------


def test_an_unchanged_page_is_rewritten_exactly_when_its_companion_versions_differ(repo: Repository) -> None:
    report_id = save(repo, page(companion(PDF, b"%PDF first")), 9)
    assert report_id is not None
    first = stored_report(repo)
    assert first[1:] == ({PDF: sha(b"%PDF first")}, 9)

    # Same page, same companion: nothing written.
    assert save(repo, page(companion(PDF, b"%PDF first")), 50) is None
    assert stored_report(repo) == first

    # Same page, the PDF revised: the report is rewritten from the new reading.
    assert save(repo, page(companion(PDF, b"%PDF second")), 50) == report_id
    second = stored_report(repo)
    assert second[1:] == ({PDF: sha(b"%PDF second")}, 50)
    assert second[0] > first[0]

    # A companion joins the set, then one leaves it: the set differs, the report is rewritten each time.
    both = page(companion(PDF, b"%PDF second"), companion(PICTURE, b"\x89PNG"))
    assert save(repo, both, 51) == report_id
    assert stored_report(repo)[1:] == ({PDF: sha(b"%PDF second"), PICTURE: sha(b"\x89PNG")}, 51)
    assert save(repo, page(companion(PDF, b"%PDF second")), 52) == report_id
    assert stored_report(repo)[1:] == ({PDF: sha(b"%PDF second")}, 52)

    # Read without companions (none fetched): rewritten once, recording none, then left alone.
    assert save(repo, page(), 9) == report_id
    assert stored_report(repo)[1:] == ({}, 9)
    assert save(repo, page(), 10) is None
    assert stored_report(repo)[1:] == ({}, 9)
    with repo.engine.connect() as conn:
        versions = conn.execute(
            text(
                "SELECT d.url, count(*) FROM document_versions v JOIN documents d ON d.id = v.document_id "
                "GROUP BY 1"
            )
        ).all()
    assert dict(versions) == {PAGE: 1, PDF: 2, PICTURE: 1}


def test_a_report_stored_before_migration_0005_is_rewritten_once_if_it_has_companions(
    repo: Repository,
) -> None:
    report_id = save(repo, page(companion(PDF, b"%PDF first")), 9)
    with repo.engine.begin() as conn:
        conn.execute(text("UPDATE reports SET companions = NULL"))
    assert repo.known_documents(["990101"])[PAGE].parsed_by is None  # its stored attachment is unaccounted
    assert save(repo, page(companion(PDF, b"%PDF first")), 9) == report_id
    assert stored_report(repo)[1] == {PDF: sha(b"%PDF first")}
    assert repo.known_documents(["990101"])[PAGE].parsed_by == "test-1"
    assert save(repo, page(companion(PDF, b"%PDF first")), 9) is None


class Stats:
    def __init__(self) -> None:
        self.values: dict[str, float] = {}

    def inc_value(self, key: str, count: float = 1) -> None:
        self.values[key] = self.values.get(key, 0) + count


def parses(repo: Repository, doc: FetchedDocument) -> bool:
    """Whether the parse pipeline parses `doc` again, with the spider's policy as a crawl would build it."""
    policy = RefetchPolicy(repo.known_documents(["990101"]), parser_version=repo.parser_version)
    stats = Stats()
    crawler: Any = SimpleNamespace(spider=SimpleNamespace(refetch_policy=policy), stats=stats)
    item = ParsePipeline(crawler).process_item(doc)
    assert isinstance(item, ProcessedDocument)
    skipped = stats.values.get("parse/skipped_unchanged", 0)
    parsed = stats.values.get("parse/parsed", 0)
    assert skipped + parsed == 1, stats.values
    return parsed == 1


def test_the_parse_pipeline_skips_only_what_the_store_would_not_rewrite(repo: Repository) -> None:
    save(repo, page(companion(PDF, b"%PDF first")), 9)
    assert repo.known_documents(["990101"])[PAGE].parsed_by == "test-1"
    assert not parses(repo, page(companion(PDF, b"%PDF first")))
    # A companion not fetched this time (a recorded failure) is no change: the unchanged page links it.
    assert not parses(repo, page())
    assert parses(repo, page(companion(PDF, b"%PDF second")))
    assert parses(repo, page(companion(PDF, b"%PDF first"), companion(PICTURE, b"\x89PNG")))

    # The revised PDF stored without its page's report (the gap this closes: a crawl that stopped between
    # the two, or a store before 0005): the stored report is no parse of what is stored now.
    repo.save_document(None, companion(PDF, b"%PDF second"), "bb/c")
    assert repo.known_documents(["990101"])[PAGE].parsed_by is None
    assert parses(repo, page(companion(PDF, b"%PDF second")))
    assert save(repo, page(companion(PDF, b"%PDF second")), 50) is not None
    assert not parses(repo, page(companion(PDF, b"%PDF second")))

    # A page rewritten while a companion could not be fetched reads without it; once fetched again (the
    # store still holds it, unchanged), the page is parsed and its report rewritten with it.
    changed = page()
    changed.body, changed.sha256 = "第二版 正文".encode(), sha("第二版 正文".encode())
    changed.companion_failures = [f"{PDF}: http 404"]
    assert save(repo, changed, 7) is not None
    assert stored_report(repo)[1] == {PDF: None}
    assert repo.known_documents(["990101"])[PAGE].parsed_by is None
    assert save(repo, changed, 8) is None  # the same reading again: nothing to rewrite
    again = page(companion(PDF, b"%PDF second"))
    again.body, again.sha256 = changed.body, changed.sha256
    assert parses(repo, again)
    assert save(repo, again, 50) is not None
    assert stored_report(repo)[1:] == ({PDF: sha(b"%PDF second")}, 50)
    assert not parses(repo, again)


def test_an_attachment_the_page_no_longer_links_does_not_make_its_report_stale(repo: Repository) -> None:
    save(repo, page(companion(PDF, b"%PDF first")), 9)
    changed = page(companion(PICTURE, b"\x89PNG"))
    changed.body, changed.sha256 = "第二版 正文".encode(), sha("第二版 正文".encode())
    assert save(repo, changed, 7) is not None
    # The PDF stays stored under the page, read by no report now: the page is still skipped when unchanged.
    assert repo.known_documents(["990101"])[PAGE].parsed_by == "test-1"
    assert not parses(repo, changed)


# ---------------------------------------------------------------------------------------------------------
# End to end: 990105 crawled, its attachment revised, crawled again, and again
# ---------------------------------------------------------------------------------------------------------

CODE = "990105"
REVISED = 1001  # attachment-only, its PDF the whole report; its first correction puts table 三 right


@dataclass(frozen=True)
class Snapshot:
    reports: dict[str, tuple[Any, ...]]  # page URL → (report id, version id, parsed_at, companions)
    versions: dict[str, int]  # document URL → how many versions
    run: Any  # the crawl's crawl_runs row
    figures: dict[str, Any]  # the revised report's stored tables, as values, after this crawl


@dataclass
class Revisions:
    engine: Engine
    url: str
    portal: SamplePortal
    original: SyntheticReport
    revised: SyntheticReport
    pdf_before: bytes
    pdf_after: bytes
    crawls: list[Snapshot]
    done: list[subprocess.CompletedProcess[str]]

    @property
    def page_url(self) -> str:
        return self.portal.report_url(CODE, REVISED)

    @property
    def pdf_url(self) -> str:
        entry = self.portal.site(CODE).entry(REVISED)
        assert entry is not None
        [file] = vsb.attachments(entry)
        assert file.kind == "pdf"
        return self.portal.base_url(CODE) + file.path


def snapshot(engine: Engine, url: str, page_url: str) -> Snapshot:
    reports = {
        r.url: (r.id, r.version_id, r.parsed_at, r.companions)
        for r in rows(
            engine,
            "SELECT d.url, r.id, r.version_id, r.parsed_at, r.companions "
            "FROM reports r JOIN documents d ON d.id = r.document_id",
        )
    }
    versions = dict(
        rows(
            engine,
            "SELECT d.url, count(*) FROM documents d JOIN document_versions v ON v.document_id = d.id "
            "GROUP BY 1",
        )
    )
    [run] = rows(engine, "SELECT * FROM crawl_runs ORDER BY id DESC LIMIT 1")
    with Repository(url) as repo:
        parsed = repo.load_report(reports[page_url][0])
    figures = {tid: table_values(t) for tid, t in parsed.tables.items() if t}
    return Snapshot(reports, versions, run, figures)


@pytest.fixture(scope="module")
def revisions(
    pg_server: PgServer,
    pg_template: str,
    sample_portal: SamplePortal,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[Revisions]:
    sample_portal.reset()
    name = pg_server.new_name("revisions")
    url = pg_server.create_database(name, template=pg_template)
    raw: Path = tmp_path_factory.mktemp("revisions") / "raw"
    engine = create_engine(url)
    site = sample_portal.site(CODE)
    try:
        original, pdf_before = site.report(REVISED), site.report_document(REVISED, "pdf")
        crawls, done = [], []
        for n in range(3):
            if n == 1:
                sample_portal.revise(CODE, REVISED)
            args = (f"region={CODE}", *(["refetch=1"] if n else []))
            done.append(run_crawl(url, raw, sample_portal.port, *args))
            assert done[-1].returncode == 0, done[-1].stderr[-4000:]
            crawls.append(snapshot(engine, url, sample_portal.report_url(CODE, REVISED)))
        revised, pdf_after = site.report(REVISED), site.report_document(REVISED, "pdf")
        yield Revisions(engine, url, sample_portal, original, revised, pdf_before, pdf_after, crawls, done)
    finally:
        sample_portal.reset()
        engine.dispose()
        pg_server.drop_database(name)


def test_the_revision_changes_the_attachment_and_a_figure_but_not_the_page(revisions: Revisions) -> None:
    world = revisions
    assert world.revised.revision == 1 and world.pdf_after != world.pdf_before
    changed = {
        (tid, row, col)
        for tid, table in world.original.figures.items()
        for row, cols in table.items()
        for col, value in cols.items()
        if world.revised.figures[tid][row][col] != value
    }
    assert changed == {("requests", "new_received", "total")}
    # The page's bytes are the same: one version of it after all three crawls.
    assert [crawl.versions[world.page_url] for crawl in world.crawls] == [1, 1, 1]


def test_the_first_crawl_stores_the_original_figures(revisions: Revisions) -> None:
    world = revisions
    first = world.crawls[0]
    assert len(first.reports) == 25
    read = first.reports[world.page_url][3]
    assert first.figures == world.original.figures
    assert read == {world.pdf_url: sha(world.pdf_before)}


def test_a_refetch_after_the_attachment_is_revised_rewrites_that_report_only(revisions: Revisions) -> None:
    world = revisions
    first, second = world.crawls[0], world.crawls[1]
    report_id, version_id, parsed_at, read = second.reports[world.page_url]
    # The same report row on the same page version, parsed again from the revised PDF.
    assert (report_id, version_id) == first.reports[world.page_url][:2]
    assert parsed_at > first.reports[world.page_url][2]
    assert read == {world.pdf_url: sha(world.pdf_after)}
    assert second.figures == world.revised.figures
    failing = rows(
        world.engine, "SELECT check_id FROM checks WHERE report_id = :r AND ok IS FALSE", r=report_id
    )
    assert [f.check_id for f in failing] == list(world.revised.failing_checks) == []
    # Every stored cell names the attachment it was read from.
    cells = sum(len(cols) for table in world.revised.figures.values() for cols in table.values())
    sources = rows(
        world.engine,
        "SELECT method, document_url, count(*) AS n FROM cell_sources WHERE report_id = :r GROUP BY 1, 2",
        r=report_id,
    )
    assert [tuple(s) for s in sources] == [("pdf-table", world.pdf_url, cells)]
    # The attachment has two versions, the revised one current; the page and everything else one.
    assert second.versions[world.pdf_url] == 2
    current = rows(
        world.engine,
        "SELECT v.sha256 FROM documents d JOIN document_versions v ON v.id = d.current_version_id "
        "WHERE d.url = :u",
        u=world.pdf_url,
    )
    assert [c.sha256 for c in current] == [sha(world.pdf_after)]
    assert {u: n for u, n in second.versions.items() if u != world.pdf_url} == {
        u: 1 for u in first.versions if u != world.pdf_url
    }
    # The other 24 reports are untouched: same rows, same parse time.
    others = {u: r for u, r in second.reports.items() if u != world.page_url}
    assert len(others) == 24
    assert others == {u: r for u, r in first.reports.items() if u != world.page_url}
    run = second.run
    assert (run.reports_new, run.reports_changed, run.reports_unchanged) == (0, 0, 25)
    assert (run.stats["parse/parsed"], run.stats["parse/skipped_unchanged"]) == (1, 24)
    assert (run.stats["reports/saved"], run.stats["documents/changed"]) == (1, 1)


def test_a_third_crawl_with_nothing_changed_rewrites_nothing(revisions: Revisions) -> None:
    world = revisions
    second, third = world.crawls[1], world.crawls[2]
    assert third.reports == second.reports
    assert third.versions == second.versions
    assert third.figures == second.figures == world.revised.figures
    stats = third.run.stats
    assert stats["incremental/fetch/refetch"] == 25
    assert stats["parse/skipped_unchanged"] == 25
    assert "parse/parsed" not in stats and "reports/saved" not in stats
    assert "documents/changed" not in stats and "documents/new" not in stats
