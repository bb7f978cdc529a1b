"""End to end: the `reports` spider crawls the local sample portal into a real Postgres.

Each crawl runs in a subprocess (`python -m scrapy crawl reports …`): Twisted's reactor cannot be restarted
inside one pytest process. Expected values come from the sample portal's generator (the values each
synthetic report was written from) and from ../shared/seeds/expected/*.json for the real reports.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import re
import socket
import subprocess
import sys
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urljoin

import pytest
from sqlalchemy import Engine, create_engine, text

from crawler import failures
from crawler.links import LinkKind, classify_title
from crawler.sampleportal import SamplePortal, SyntheticReport
from crawler.sampleportal.chrome import PNG_1X1, Entry
from crawler.sampleportal.families import boda_vsb as vsb
from crawler.sampleportal.render import image_src
from crawler.store import Repository
from parsers.model import ParsedReport, table_values
from parsers.template import request_rows
from tests.conftest import REPO_ROOT
from tests.pg_fixtures import PgServer

pytestmark = pytest.mark.postgres

GENERATED = ("990101", "990102", "990103")
CORPUS = "990104"
SAMPLE = (*GENERATED, CORPUS)
TABLE_CHECK_PREFIXES = ("requests.", "review_litigation.")
CRAWL_TIMEOUT_S = 240


@dataclass
class World:
    url: str
    engine: Engine
    raw: Path
    portal: SamplePortal
    seeds: Path
    first: subprocess.CompletedProcess[str]
    first_requests: dict[str, list[tuple[str, str]]]  # per site: (method, path) served during the first crawl
    started: dt.datetime
    finished: dt.datetime


def run_crawl(
    world_url: str, raw: Path, port: int, *spider_args: str, settings: Mapping[str, object] | None = None
) -> subprocess.CompletedProcess[str]:
    """`scrapy crawl reports -a ARG … -s …` in a subprocess; `settings` are further `-s NAME=VALUE`."""
    args = [sys.executable, "-m", "scrapy", "crawl", "reports"]
    for arg in spider_args:
        args += ["-a", arg]
    args += [
        "-s", f"DATABASE_URL={world_url}",
        "-s", f"SAMPLE_PORTAL_PORT={port}",
        "-s", f"XXGK_RAW_DIR={raw}",
        "-s", "LOG_LEVEL=INFO",
    ]  # fmt: skip
    for name, value in (settings or {}).items():
        args += ["-s", f"{name}={value}"]
    # XXGK_DATA_DIR points into the test's directory: nothing may fall back to ./var.
    env = {**os.environ, "XXGK_DATA_DIR": str(raw.parent / "data")}
    return subprocess.run(
        args, cwd=REPO_ROOT, env=env, capture_output=True, text=True, timeout=CRAWL_TIMEOUT_S, check=False
    )


def rows(engine: Engine, sql: str, **params: Any) -> list[Any]:
    with engine.connect() as conn:
        return list(conn.execute(text(sql), params))


def scalar(engine: Engine, sql: str, **params: Any) -> Any:
    with engine.connect() as conn:
        return conn.execute(text(sql), params).scalar_one()


@pytest.fixture(scope="module")
def world(
    pg_server: PgServer,
    pg_template: str,
    sample_portal: SamplePortal,
    seeds_dir: Path,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[World]:
    sample_portal.reset()
    sample_portal.clear_requests()
    name = pg_server.new_name("e2e")
    url = pg_server.create_database(name, template=pg_template)
    raw = tmp_path_factory.mktemp("e2e") / "raw"
    engine = create_engine(url)
    try:
        started = dt.datetime.now(dt.UTC)
        first = run_crawl(url, raw, sample_portal.port, f"region={','.join(SAMPLE)}")
        finished = dt.datetime.now(dt.UTC)
        assert first.returncode == 0, first.stderr[-4000:]
        served = {code: sample_portal.site_requests(code) for code in SAMPLE}
        yield World(url, engine, raw, sample_portal, seeds_dir, first, served, started, finished)
    finally:
        sample_portal.reset()
        engine.dispose()
        pg_server.drop_database(name)


def generated(world: World) -> dict[str, tuple[str, SyntheticReport]]:
    """URL → (region code, report) for every generated report the portal lists now."""
    return {
        world.portal.report_url(code, r.doc_id): (code, r)
        for code in GENERATED
        for r in world.portal.site(code).reports
    }


def table_images(world: World) -> dict[str, str]:
    """URL → the report page URL, for every picture standing in for a table (图片版) in a generated report."""
    images: dict[str, str] = {}
    for url, (_code, report) in generated(world).items():
        if report.layout == "absent":
            for n in (1, 2, 3):
                images[urljoin(url, image_src(report.publish_date, report.doc_id, n))] = url
    return images


def corpus_reports(world: World) -> dict[str, Any]:
    """URL → corpus text, for the texts the corpus column lists under a report title."""
    site = world.portal.site(CORPUS)
    return {
        world.portal.report_url(CORPUS, t.doc_id): t
        for t in site.corpus
        if classify_title(t.title) is LinkKind.REPORT
    }


def seed_publish_date(seeds_dir: Path, stem: str) -> dt.date | None:
    expected = json.loads((seeds_dir / "expected" / f"{stem}.json").read_text(encoding="utf-8"))
    return dt.date.fromisoformat(expected["publish_date"]) if expected["publish_date"] else None


def seed_url(world: World, stem: str) -> str:
    [text_] = [t for t in world.portal.site(CORPUS).corpus if t.path.stem == stem]
    return world.portal.report_url(CORPUS, text_.doc_id)


# ---------------------------------------------------------------------------------------------------------
# The first crawl
# ---------------------------------------------------------------------------------------------------------


def test_every_report_is_stored_once(world: World) -> None:
    expected_urls = set(generated(world)) | set(corpus_reports(world))
    assert len(generated(world)) == 75  # 25 per generated site
    assert len(expected_urls) == 75 + len(corpus_reports(world))
    stored = {r.url for r in rows(world.engine, "SELECT url FROM documents WHERE role = 'report'")}
    assert stored == expected_urls
    images = table_images(world)
    assert len(images) == 3 * sum(1 for _, r in generated(world).values() if r.layout == "absent") == 54
    assert scalar(world.engine, "SELECT count(*) FROM document_versions") == len(expected_urls) + len(images)
    assert scalar(world.engine, "SELECT count(*) FROM reports") == len(expected_urls)
    per_region = dict(rows(world.engine, "SELECT region_code, count(*) FROM reports GROUP BY 1"))
    assert per_region == {**dict.fromkeys(GENERATED, 25), CORPUS: len(corpus_reports(world))}
    assert scalar(world.engine, "SELECT count(*) FROM crawl_failures") == 0


def test_table_images_are_stored_as_attachments_of_their_report(world: World) -> None:
    stored = rows(
        world.engine,
        "SELECT d.url, d.kind, d.parent_url, p.url AS parent, v.file_name, v.content_type, v.size "
        "FROM documents d JOIN document_versions v ON v.id = d.current_version_id "
        "LEFT JOIN documents p ON p.id = d.parent_document_id WHERE d.role = 'attachment'",
    )
    images = table_images(world)
    assert {r.url: (r.kind, r.parent_url, r.parent) for r in stored} == {
        url: ("image", page, page) for url, page in images.items()
    }
    for r in stored:
        assert (r.file_name, r.content_type, r.size) == (r.url.rsplit("/", 1)[1], "image/png", len(PNG_1X1))
    kinds = dict(rows(world.engine, "SELECT kind, count(*) FROM documents GROUP BY 1"))
    assert kinds == {"html": 75 + len(corpus_reports(world)), "image": 54}


def test_table_rows_match_the_reports_with_tables(world: World, seeds_dir: Path) -> None:
    expected_requests = sum(
        len(r.tables["requests"]) for _, r in generated(world).values() if r.tables["requests"] is not None
    )
    for stem in ("002_497c134688cf5754", "003_d1ed69b8ea7b905a"):
        seed = json.loads((seeds_dir / "expected" / f"{stem}.json").read_text(encoding="utf-8"))
        expected_requests += len(seed["tables"]["requests"])
    assert scalar(world.engine, "SELECT count(*) FROM report_requests") == expected_requests
    # Every template row of table 三 once per report with the table (none where the table was an image).
    by_format = dict(
        rows(
            world.engine,
            "SELECT r.format, count(*) FROM report_requests q "
            "JOIN reports r ON r.id = q.report_id GROUP BY 1",
        )
    )
    with_2021 = sum(1 for _, r in generated(world).values() if r.format == "2021" and r.layout != "absent")
    with_2019 = sum(1 for _, r in generated(world).values() if r.format == "2019" and r.layout != "absent")
    # Seeds 002 and 003 are 2021-format reports with table 三.
    assert by_format == {
        "2021": (with_2021 + 2) * len(request_rows("2021")),
        "2019": with_2019 * len(request_rows("2019")),
    }


def stored_reports(world: World | CompanionWorld) -> dict[str, int]:
    return dict(
        rows(world.engine, "SELECT d.url, r.id FROM reports r JOIN documents d ON d.id = r.document_id")
    )


def test_generated_reports_are_stored_with_their_exact_values(world: World) -> None:
    ids = stored_reports(world)
    with Repository(world.url) as repo:
        for url, (code, report) in generated(world).items():
            parsed = repo.load_report(ids[url])
            where = f"{code}/{report.doc_id} ({report.layout})"
            assert parsed.title == report.title, where
            assert parsed.organ == report.organ, where
            assert (parsed.year, parsed.format, parsed.script) == (
                report.year,
                report.format,
                "simplified",
            ), where
            assert (parsed.region.name, parsed.region.code) == (report.region_name, code), where
            assert (parsed.publish_date, parsed.sign_date) == (report.publish_date, report.sign_date), where
            got = {tid: None if t is None else table_values(t) for tid, t in parsed.tables.items()}
            assert got == report.tables, where
            failing = {c.id for c in parsed.checks if c.ok is False and c.id.startswith(TABLE_CHECK_PREFIXES)}
            assert failing == set(report.failing_checks), where


@pytest.mark.parametrize("stem", ["002_497c134688cf5754", "003_d1ed69b8ea7b905a"])
def test_seed_reports_are_stored_as_expected(world: World, seeds_dir: Path, stem: str) -> None:
    expected = json.loads((seeds_dir / "expected" / f"{stem}.json").read_text(encoding="utf-8"))
    with Repository(world.url) as repo:
        parsed = repo.load_report(stored_reports(world)[seed_url(world, stem)])
    assert parsed.title == expected["title"]
    assert (parsed.region.name, parsed.region.code) == (
        expected["region"]["name"],
        expected["region"]["code"],
    )
    assert (parsed.year, parsed.format, parsed.script) == (
        expected["year"],
        expected["format"],
        expected["script"],
    )
    assert {tid: None if t is None else table_values(t) for tid, t in parsed.tables.items()} == expected[
        "tables"
    ]
    assert sorted(parsed.failing_checks()) == sorted(expected.get("checks_failing", []))
    # The corpus page shows no date: the listing's date stands in as the publication date.
    [text_] = [t for t in world.portal.site(CORPUS).corpus if t.path.stem == stem]
    assert parsed.publish_date == text_.listing_date


def test_provenance_of_every_version(world: World) -> None:
    gen = generated(world)
    corpus = corpus_reports(world)
    versions = rows(
        world.engine,
        "SELECT d.url, d.region_code, v.* FROM document_versions v JOIN documents d ON d.id = v.document_id "
        "WHERE d.role = 'report'",
    )
    assert len(versions) == len(gen) + len(corpus)
    for v in versions:
        assert v.http_status == 200, v.url
        assert v.final_url == v.url
        assert world.started <= v.fetched_at <= world.finished, v.url
        body = (world.raw / v.raw_path).read_bytes()
        assert hashlib.sha256(body).hexdigest() == v.sha256 == v.raw_path.split("/")[1]
        assert v.size == len(body)
        assert v.crawl_run_id is not None
        if v.url in gen:
            code, report = gen[v.url]
            entry = world.portal.site(code).entry(report.doc_id)
            assert entry is not None
            assert (v.listing_title, v.listing_date) == (report.title, entry.listing_date), v.url
            assert v.page_date == entry.published.date(), v.url
        else:
            text_ = corpus[v.url]
            assert (v.listing_title, v.listing_date) == (text_.title, text_.listing_date)
            # The page date is the one the report's own text shows (发布时间: …), as its expected parse says.
            assert v.page_date == seed_publish_date(world.seeds, text_.path.stem), v.url
        if v.region_code == "990103":
            assert (v.content_type, v.encoding) == ("text/html", "gb18030")
        else:
            assert (v.content_type, v.encoding) == ("text/html; charset=UTF-8", "utf-8")
        if v.region_code == "990102":
            # Records after the first ten come from dataproxy.jsp: the column page is the listing.
            assert v.listing_url == world.portal.listing_urls("990102")[0]
        else:
            assert v.listing_url in world.portal.listing_urls(v.region_code)


def test_each_page_is_fetched_once_and_jpage_pages_are_posted(world: World) -> None:
    hanweb = world.first_requests["990102"]
    entries = len(world.portal.site("990102").entries())
    assert entries == 29  # 25 reports and 4 解读/图解 pages: the column page and two data-proxy pages
    assert sorted(r for r in hanweb if r[0] == "POST") == [
        ("POST", "/module/web/jpage/dataproxy.jsp?startrecord=11&endrecord=20&perpage=10"),
        ("POST", "/module/web/jpage/dataproxy.jsp?startrecord=21&endrecord=29&perpage=10"),
    ]
    reports = {**generated(world), **corpus_reports(world)}
    for code in SAMPLE:
        log = world.first_requests[code]
        assert len(log) == len(set(log)), code  # nothing fetched twice
        base = world.portal.base_url(code)
        listings = {u.removeprefix(base) for u in world.portal.listing_urls(code) if "dataproxy" not in u}
        details = {u.removeprefix(base) for u in reports if u.startswith(base + "/")}
        images = {u.removeprefix(base) for u in table_images(world) if u.startswith(base + "/")}
        # robots.txt, the listing pages, the report pages and their table images: no 解读/图解 page.
        assert {path for method, path in log if method == "GET"} == (
            {"/robots.txt"} | listings | details | images
        ), code


def test_interpretations_are_skipped_and_counted(world: World) -> None:
    page_urls = {
        world.portal.report_url(code, p.doc_id) for code in GENERATED for p in world.portal.site(code).pages
    }
    assert len(page_urls) == 12
    stored = {r.url for r in rows(world.engine, "SELECT url FROM documents")}
    assert not page_urls & stored
    [run] = rows(world.engine, "SELECT * FROM crawl_runs")
    assert run.stats["listing/skipped/interpretation"] == 12
    assert "skipped (解读/图解, not the report): 图解：" in world.first.stderr
    assert (run.finish_reason, run.region_codes, run.spider) == ("finished", list(SAMPLE), "reports")
    assert (run.items, run.reports_new, run.reports_changed, run.reports_unchanged, run.failures) == (
        75 + len(corpus_reports(world)) + 54, 75 + len(corpus_reports(world)), 0, 0, 0,
    )  # fmt: skip


def test_gbk_region_reads_as_chinese(world: World) -> None:
    stored = dict(
        rows(
            world.engine,
            "SELECT r.title, s.text FROM report_sections s JOIN reports r ON r.id = s.report_id "
            "WHERE r.region_code = '990103' AND s.section_id = 'overview'",
        )
    )
    reports = world.portal.site("990103").reports
    assert set(stored) == {r.title for r in reports}
    for report in reports:
        # The overview's first sentence names the organ: GBK bytes read as the Chinese they were written in.
        assert f"{report.organ}认真贯彻落实" in stored[report.title], report.title


# ---------------------------------------------------------------------------------------------------------
# Crawling again: nothing new; a revised page becomes a new version
# ---------------------------------------------------------------------------------------------------------


def counts(world: World) -> tuple[int, ...]:
    return tuple(
        scalar(world.engine, f"SELECT count(*) FROM {table}")
        for table in ("documents", "document_versions", "reports", "report_requests", "checks")
    )


def test_recrawl_is_idempotent_and_a_revision_makes_a_new_version(world: World) -> None:
    before = counts(world)
    expected_total = 75 + len(corpus_reports(world))

    second = run_crawl(world.url, world.raw, world.portal.port, f"region={','.join(SAMPLE)}")
    assert second.returncode == 0, second.stderr[-4000:]
    assert counts(world) == before
    run = rows(world.engine, "SELECT * FROM crawl_runs ORDER BY id DESC LIMIT 1")[0]
    # Incremental: every known report is skipped, none fetched again (tests/test_incremental.py counts).
    assert (run.reports_new, run.reports_changed, run.reports_unchanged) == (0, 0, 0)
    assert run.stats["incremental/skipped_known"] == expected_total

    # Revise the first inconsistent report of 样本市: the correction also puts its tables right.
    site = world.portal.site("990101")
    original = next(r for r in site.reports if r.correction is not None)
    url = world.portal.report_url("990101", original.doc_id)
    [(doc_id, old_version)] = rows(
        world.engine, "SELECT id, current_version_id FROM documents WHERE url = :url", url=url
    )
    world.portal.revise("990101", original.doc_id)
    revised = site.report(original.doc_id)
    assert revised.tables != original.tables

    # A changed page under an unchanged listing is only seen by a full refresh.
    third = run_crawl(world.url, world.raw, world.portal.port, "region=样本市", "refetch=1")
    assert third.returncode == 0, third.stderr[-4000:]
    documents, versions, reports, requests, _ = counts(world)
    assert (documents, versions, reports, requests) == (before[0], before[1] + 1, before[2], before[3])
    run = rows(world.engine, "SELECT * FROM crawl_runs ORDER BY id DESC LIMIT 1")[0]
    assert (run.region_codes, run.reports_new, run.reports_changed, run.reports_unchanged) == (
        ["990101"],
        0,
        1,
        24,
    )

    [(new_version,)] = rows(
        world.engine, "SELECT current_version_id FROM documents WHERE id = :id", id=doc_id
    )
    assert new_version != old_version
    assert (
        scalar(world.engine, "SELECT count(*) FROM document_versions WHERE document_id = :id", id=doc_id) == 2
    )
    [(report_id, report_version)] = rows(
        world.engine, "SELECT id, version_id FROM reports WHERE document_id = :id", id=doc_id
    )
    assert report_version == new_version
    with Repository(world.url) as repo:
        parsed = repo.load_report(report_id)
    assert {tid: None if t is None else table_values(t) for tid, t in parsed.tables.items()} == revised.tables
    failing = {c.id for c in parsed.checks if c.ok is False and c.id.startswith(TABLE_CHECK_PREFIXES)}
    assert failing == set(revised.failing_checks) == set()
    old_raw = rows(world.engine, "SELECT raw_path FROM document_versions WHERE id = :id", id=old_version)[
        0
    ].raw_path
    assert (world.raw / old_raw).exists()


# ---------------------------------------------------------------------------------------------------------
# Companions: reports whose tables are in an attachment or in pictures (990105 Boda VSB, 990106 TRS 6-arg)
# ---------------------------------------------------------------------------------------------------------

ATTACHMENTS_SITE = "990105"  # attachment-only reports (PDF or DOCX) and PDF editions of full pages
PICTURES_SITE = "990106"  # its first two 图片版 reports show real table pictures, the others placeholders
TABLE_NUMBERS = {"active_disclosure": "二", "requests": "三", "review_litigation": "四"}


@dataclass
class CompanionWorld:
    engine: Engine
    url: str
    portal: SamplePortal
    done: subprocess.CompletedProcess[str]

    def report_url(self, code: str, report: SyntheticReport) -> str:
        return self.portal.report_url(code, report.doc_id)

    def stored(self) -> dict[str, int]:
        """URL of the document a report is stored on → report id."""
        return stored_reports(self)

    def load(self, url: str) -> ParsedReport:
        with Repository(self.url) as repo:
            return repo.load_report(self.stored()[url])


@pytest.fixture(scope="module")
def companion_world(
    pg_server: PgServer,
    pg_template: str,
    sample_portal: SamplePortal,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[CompanionWorld]:
    # No portal reset here: the module's `world` keeps a revision it made on 990101 until its teardown.
    name = pg_server.new_name("companions")
    url = pg_server.create_database(name, template=pg_template)
    raw = tmp_path_factory.mktemp("companions") / "raw"
    engine = create_engine(url)
    try:
        done = run_crawl(url, raw, sample_portal.port, f"region={ATTACHMENTS_SITE},{PICTURES_SITE}")
        assert done.returncode == 0, done.stderr[-4000:]
        yield CompanionWorld(engine, url, sample_portal, done)
    finally:
        engine.dispose()
        pg_server.drop_database(name)


def attachment_urls(world: CompanionWorld, report: SyntheticReport) -> list[str]:
    site = world.portal.site(ATTACHMENTS_SITE)
    entry = site.entry(report.doc_id)
    assert entry is not None
    return [world.portal.base_url(ATTACHMENTS_SITE) + f.path for f in vsb.attachments(entry)]


def sources(parsed: ParsedReport) -> set[tuple[str | None, str | None]]:
    """(method, document) of every stored table cell."""
    return {
        (None, None) if c.source is None else (c.source.method, c.source.document)
        for t in parsed.tables.values() if t for cols in t.values() for c in cols.values()
    }  # fmt: skip


def test_each_report_is_stored_once_and_no_attachment_is_a_second_report(
    companion_world: CompanionWorld,
) -> None:
    world = companion_world
    sites = (ATTACHMENTS_SITE, PICTURES_SITE)
    expected = {world.report_url(code, r) for code in sites for r in world.portal.site(code).reports}
    assert len(expected) == 50
    assert set(world.stored()) == expected  # every report on its page, none on an attachment
    per_region = dict(rows(world.engine, "SELECT region_code, count(*) FROM reports GROUP BY 1"))
    assert per_region == {ATTACHMENTS_SITE: 25, PICTURES_SITE: 25}
    files = dict(
        rows(world.engine, "SELECT kind, count(*) FROM documents WHERE role = 'attachment' GROUP BY 1")
    )
    # 990105: 5 attachment-only reports (3 PDF, 2 DOCX) and 5 PDF editions, its 图片版 pages' pictures;
    # 990106: 4 PDF editions and its 图片版 pages' pictures.
    pictures = sum(
        3 for code in (ATTACHMENTS_SITE, PICTURES_SITE) for r in world.portal.site(code).reports
        if r.layout == "absent" and not (code == ATTACHMENTS_SITE and vsb.attachment_only(entry_of(world, r)))
    )  # fmt: skip
    assert files == {"pdf": 3 + 5 + 4, "docx": 2, "image": pictures}
    # The only failure: the withdrawn report Boda's column still lists (tests/test_family_boda_vsb.py).
    failed = rows(world.engine, "SELECT region_code, reason FROM crawl_failures")
    assert [tuple(f) for f in failed] == [(ATTACHMENTS_SITE, failures.DELETED_REFRESH)]
    [run] = rows(world.engine, "SELECT * FROM crawl_runs")
    # Tables from: 5 attachment-only files, 1 PDF edition of a 图片版 page, 2 × 3 real pictures.
    assert (run.stats["parse/companions/tables"], run.stats["parse/companions/copy"]) == (5 + 1 + 2 * 3, 4)


def entry_of(world: CompanionWorld, report: SyntheticReport) -> Entry:
    entry = world.portal.site(report.region_code).entry(report.doc_id)
    assert entry is not None
    return entry


def test_attachment_only_reports_hold_the_tables_of_their_file(companion_world: CompanionWorld) -> None:
    world = companion_world
    site = world.portal.site(ATTACHMENTS_SITE)
    checked = 0
    for report in site.reports:
        entry = entry_of(world, report)
        if not vsb.attachment_only(entry):
            continue
        [file_url] = attachment_urls(world, report)
        [file] = vsb.attachments(entry)
        parsed = world.load(world.report_url(ATTACHMENTS_SITE, report))
        where = f"{report.doc_id} ({file.kind})"
        assert {tid: table_values(t) for tid, t in parsed.tables.items() if t} == report.figures, where
        assert (parsed.title, parsed.year, parsed.format) == (report.title, report.year, report.format), where
        assert (parsed.publish_date, parsed.sign_date) == (report.publish_date, report.sign_date), where
        assert [sid for sid, text in parsed.sections.items() if text is None] == [], where
        failing = {c.id for c in parsed.checks if c.ok is False and c.id.startswith(TABLE_CHECK_PREFIXES)}
        assert failing == set(report.failing_checks), where
        method = f"{file.kind}-table"
        assert f"tables 二, 三, 四 read from the attachment {file_url} ({method})" in parsed.warnings, where
        assert sources(parsed) == {(method, file_url)}, where
        checked += 1
    assert checked == 5


def test_pdf_editions_of_full_pages_are_copies_and_fill_a_picture_page(
    companion_world: CompanionWorld,
) -> None:
    world = companion_world
    site = world.portal.site(ATTACHMENTS_SITE)
    editions = [
        r for r in site.reports
        if vsb.attachments(entry_of(world, r)) and not vsb.attachment_only(entry_of(world, r))
    ]  # fmt: skip
    assert [r.layout for r in editions].count("absent") == 1
    for report in editions:
        [pdf_url] = attachment_urls(world, report)
        parsed = world.load(world.report_url(ATTACHMENTS_SITE, report))
        assert {tid: table_values(t) for tid, t in parsed.tables.items() if t} == report.figures
        if report.layout == "absent":  # the pictures are placeholders: the PDF edition has the tables
            assert sources(parsed) == {("pdf-table", pdf_url)}
        else:  # the page's own tables; the PDF is its copy
            assert {doc for _method, doc in sources(parsed)} == {None}
            assert not any(pdf_url in w for w in parsed.warnings)


def test_real_table_pictures_are_read_by_ocr_into_the_report(companion_world: CompanionWorld) -> None:
    world = companion_world
    site = world.portal.site(PICTURES_SITE)
    assert len(site.table_picture_ids) == 2
    for doc_id in site.table_picture_ids:
        report = site.report(doc_id)
        page = world.report_url(PICTURES_SITE, report)
        parsed = world.load(page)
        where = f"{doc_id} ({report.format})"
        assert {tid: table_values(t) for tid, t in parsed.tables.items() if t} == report.figures, where
        assert parsed.format == report.format, where
        for n, (tid, number) in enumerate(TABLE_NUMBERS.items(), start=1):
            picture = urljoin(page, image_src(report.publish_date, doc_id, n))
            assert f"table {number} read from the image {picture} (ocr)" in parsed.warnings, where
            table = parsed.tables[tid]
            assert table is not None
            for cols in table.values():
                for cell in cols.values():
                    assert cell.source is not None
                    assert (cell.source.method, cell.source.page, cell.source.document) == (
                        "ocr",
                        None,
                        picture,
                    )
        assert not any(w.startswith("tables missing") for w in parsed.warnings), where


def test_cell_sources_rows_name_the_companion_each_value_was_read_from(
    companion_world: CompanionWorld,
) -> None:
    world = companion_world
    stored = world.stored()
    found = rows(
        world.engine,
        "SELECT d.url, s.table_id, s.method, s.document_url, count(*) AS cells, "
        "count(s.page) AS paged, count(s.confidence) AS scored, bool_or(s.low_confidence) AS low "
        "FROM cell_sources s JOIN reports r ON r.id = s.report_id JOIN documents d ON d.id = r.document_id "
        "GROUP BY 1, 2, 3, 4",
    )
    by_page = {(r.url, r.table_id): r for r in found}
    assert len(by_page) == len(found)  # one method and one document per stored table
    expected: dict[tuple[str, str], tuple[str, str | None]] = {}
    attachments, pictures = world.portal.site(ATTACHMENTS_SITE), world.portal.site(PICTURES_SITE)
    for report in attachments.reports:
        entry = entry_of(world, report)
        page = world.report_url(ATTACHMENTS_SITE, report)
        files = vsb.attachments(entry)
        from_file = vsb.attachment_only(entry) or (files and report.layout == "absent")
        for tid in TABLE_NUMBERS:
            if from_file:
                expected[(page, tid)] = (f"{files[0].kind}-table", attachment_urls(world, report)[0])
            elif report.layout != "absent":
                expected[(page, tid)] = ("text" if "text" in report.layout else report.layout, None)
    for doc_id in pictures.table_picture_ids:
        report = pictures.report(doc_id)
        page = world.report_url(PICTURES_SITE, report)
        for n, tid in enumerate(TABLE_NUMBERS, start=1):
            expected[(page, tid)] = ("ocr", urljoin(page, image_src(report.publish_date, doc_id, n)))
    got = {key: (r.method, r.document_url) for key, r in by_page.items()}
    assert {key: got.get(key) for key in expected} == expected
    # Only the tables read from a companion name a document; every other one is its page's own.
    assert {key for key, (_method, doc) in got.items() if doc is not None} == {
        key for key, (_method, doc) in expected.items() if doc is not None
    }
    for (url, _tid), r in by_page.items():
        assert url in stored
        if r.method == "pdf-table":  # PDF cells name their page
            assert r.paged == r.cells
        if r.method == "ocr":  # OCR cells their confidence; none is doubtful on these clean pictures
            assert (r.scored, r.low) == (r.cells, False)


def test_placeholder_pictures_leave_the_tables_missing_with_the_reason(
    companion_world: CompanionWorld,
) -> None:
    world = companion_world
    site = world.portal.site(PICTURES_SITE)
    placeholders = [
        r for r in site.reports if r.layout == "absent" and r.doc_id not in site.table_picture_ids
    ]
    assert placeholders
    for report in placeholders:
        page = world.report_url(PICTURES_SITE, report)
        parsed = world.load(page)
        assert parsed.tables == dict.fromkeys(TABLE_NUMBERS), report.doc_id
        picture = urljoin(page, image_src(report.publish_date, report.doc_id, 1))
        assert f"image {picture}: 1×1 px, too small to hold a table" in parsed.warnings
        assert "tables missing: section 二 has no table (image?)" in parsed.warnings


# ---------------------------------------------------------------------------------------------------------
# Refusals
# ---------------------------------------------------------------------------------------------------------


def test_unknown_region_is_refused_by_scrapy_crawl(tmp_path: Path) -> None:
    done = run_crawl("postgresql://nobody@127.0.0.1:1/none", tmp_path / "raw", 8800, "region=开远县")
    assert done.returncode != 0
    assert "unknown region '开远县': no registry row has this name." in done.stderr
    assert "Close candidates: 开远市 (532502, 红河哈尼族彝族自治州);" in done.stderr
    assert not (tmp_path / "raw").exists()


def test_region_without_listing_is_refused_by_the_cli() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "crawler", "crawl", "开远市"],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 2
    assert "no listing URL for 开远市 (532502): run scrapy crawl discover -a portal=" in done.stderr
    assert "has no adapter yet" not in done.stderr  # its family, boda_vsb, has one now


# ---------------------------------------------------------------------------------------------------------
# The demo (README's main job)
# ---------------------------------------------------------------------------------------------------------

SUMMARY_LINE = re.compile(
    r"^  (\d{6}) (\S+)\s+(\d{4}|\?)  reports\s+(\d+)  requests received\s+(\d+|-)  failed checks\s+(\d+)$"
)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.11", 0))
        return int(sock.getsockname()[1])


def run_demo(url: str, data_dir: Path, seeds_dir: Path, port: int) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "DATABASE_URL": url, "XXGK_DATA_DIR": str(data_dir)}
    return subprocess.run(
        [sys.executable, "-m", "crawler", "demo", "--seeds", str(seeds_dir), "--port", str(port)],
        cwd=REPO_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=CRAWL_TIMEOUT_S,
        check=False,
    )


def test_demo_prints_the_summary_and_adds_nothing_the_second_time(
    pg_url: str, seeds_dir: Path, tmp_path: Path, sample_portal: SamplePortal
) -> None:
    port = free_port()
    first = run_demo(pg_url, tmp_path / "data", seeds_dir, port)
    assert first.returncode == 0, first.stderr[-4000:]
    lines = first.stdout.splitlines()
    assert lines[0] == f"sample portal on port {port}; seeds: {seeds_dir}"
    assert lines[1] == "database: DATABASE_URL"  # run_demo sets it: the embedded server is not touched
    printed = [SUMMARY_LINE.match(line) for line in lines if SUMMARY_LINE.match(line)]
    with Repository(pg_url) as repo:
        summary = repo.summary()
    assert [
        (
            m[1],
            m[2],
            None if m[3] == "?" else int(m[3]),
            int(m[4]),
            None if m[5] == "-" else int(m[5]),
            int(m[6]),
        )
        for m in printed
    ] == [
        (r.region_code, r.region_name, r.year, r.reports, r.requests_received, r.failed_checks)
        for r in summary
    ]
    # Per generated region and year: as many reports as the generator made (its sites are deterministic).
    made: dict[tuple[str, int], int] = {}
    for code in GENERATED:
        for report in sample_portal.site(code).reports:
            made[(code, report.year)] = made.get((code, report.year), 0) + 1
    assert {(r.region_code, r.year): r.reports for r in summary if r.region_code in GENERATED} == made
    total = sum(r.reports for r in summary)
    # The only failures are the withdrawn pages some sample sites serve on purpose (stubs that refresh to
    # their column); not being stored, they are fetched, and recorded, again on every crawl.
    engine = create_engine(pg_url)
    try:
        reasons = [r.reason for r in rows(engine, "SELECT reason FROM crawl_failures WHERE crawl_run_id = 1")]
    finally:
        engine.dispose()
    assert all(reason.startswith("deleted: ") for reason in reasons), reasons
    failed = len(reasons)
    assert lines[-1] == (
        f"Last crawl (run 1, finished): documents new {total}, changed 0, unchanged 0; failures {failed}"
    )

    again = run_demo(pg_url, tmp_path / "data", seeds_dir, port)
    assert again.returncode == 0, again.stderr[-4000:]
    # Incremental: the second crawl re-reads the listings and fetches no known report again.
    assert again.stdout.splitlines()[-1] == (
        f"Last crawl (run 2, finished): documents new 0, changed 0, unchanged 0; failures {failed}"
    )


# ---------------------------------------------------------------------------------------------------------
# The README's example queries, run as written against the crawled database
# ---------------------------------------------------------------------------------------------------------


def readme_queries() -> list[str]:
    return re.findall(r"```sql\n(.*?)```", (REPO_ROOT / "README.md").read_text(encoding="utf-8"), re.S)


def known_reports(world: World) -> list[tuple[str, str, int | None, dict[str, Any] | None, set[str]]]:
    """(region code, title, year, table 三 values or None, failing check ids) of every stored report."""
    known = [
        (code, r.title, r.year, r.tables["requests"], set(r.failing_checks))
        for code, r in generated(world).values()
    ]
    for text_ in corpus_reports(world).values():
        expected = json.loads((world.seeds / "expected" / f"{text_.path.stem}.json").read_text("utf-8"))
        known.append(
            (CORPUS, expected["title"], expected["year"], expected["tables"]["requests"],
             set(expected.get("checks_failing", [])))
        )  # fmt: skip
    return known


def test_readme_example_queries_answer_from_the_crawled_data(world: World) -> None:
    per_region_year, failing_checks, granted_share = readme_queries()
    names = {"990101": "样本市", "990102": "样本县", "990103": "样本区", "990104": "样本语料"}
    known = known_reports(world)

    received: dict[tuple[str, str, int | None], list[int]] = {}
    for code, _title, year, requests, _failing in known:
        if requests is not None:
            cell = requests["new_received"]["total"]
            received.setdefault((code, names[code], year), []).extend([cell] if isinstance(cell, int) else [])
    expected_sums = {key: (sum(v) if v else None) for key, v in received.items()}
    assert {(c, n, y): s for c, n, y, s in rows(world.engine, per_region_year)} == expected_sums

    expected_failing = sorted((title, cid) for _c, title, _y, _t, failing in known for cid in failing)
    assert [(t, c) for t, c, _detail in rows(world.engine, failing_checks)] == expected_failing

    shares = rows(world.engine, granted_share)
    assert len(shares) == sum(1 for *_, requests, _f in known if requests is not None)
    for organ, year, granted, handled, pct, source_url, fetched_at, sha256 in shares:
        assert source_url.startswith("http://127.0.0.1"), source_url
        assert fetched_at is not None and len(sha256) == 64
        if granted is not None and handled:
            assert float(pct) == round(100.0 * granted / handled, 1), (organ, year)
