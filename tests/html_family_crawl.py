"""A crawl of sample regions end to end, for the HTML-family tests (tests/test_family_*.py).

`crawled(...)` runs `scrapy crawl reports -a region=…` in a subprocess (tests/test_crawl_e2e.run_crawl) into
a fresh migrated database and yields what the tests read back: the stored report documents, attachments and
failures, and the requests each sample site served. Expected values come from the sample portal's own
modules (URL shapes) and the generator (dates, titles), never typed in.
"""

from __future__ import annotations

import datetime as dt
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urljoin

import pytest
from sqlalchemy import Engine, create_engine

from crawler.sampleportal import SamplePortal, SyntheticReport
from crawler.sampleportal.render import image_src
from tests.pg_fixtures import PgServer
from tests.test_crawl_e2e import rows, run_crawl


@dataclass
class Crawl:
    engine: Engine
    portal: SamplePortal
    done: subprocess.CompletedProcess[str]
    served: dict[str, list[tuple[str, str]]]  # per site: (method, path?query) in arrival order

    def reports(self) -> dict[str, Any]:
        """URL → row of every stored report document (role "report") with its current version and parse."""
        found = rows(
            self.engine,
            "SELECT d.url, d.region_code, d.kind, v.listing_url, v.listing_date, v.page_date, "
            "v.content_type, r.title, r.publish_date, r.kind AS parsed_kind "
            "FROM documents d JOIN document_versions v ON v.id = d.current_version_id "
            "LEFT JOIN reports r ON r.document_id = d.id WHERE d.role = 'report'",
        )
        return {r.url: r for r in found}

    def attachments(self) -> dict[str, Any]:
        found = rows(
            self.engine,
            "SELECT d.url, d.parent_url, d.kind, v.content_type, v.file_name, v.size "
            "FROM documents d JOIN document_versions v ON v.id = d.current_version_id "
            "WHERE d.role = 'attachment'",
        )
        return {r.url: r for r in found}

    def failures(self) -> set[tuple[str, str]]:
        return {(r.url, r.reason) for r in rows(self.engine, "SELECT url, reason FROM crawl_failures")}

    def stats(self) -> dict[str, Any]:
        [run] = rows(self.engine, "SELECT stats FROM crawl_runs")
        return dict(run.stats)

    def gets(self, code: str) -> list[str]:
        return [path for method, path in self.served[code] if method == "GET"]


@contextmanager
def crawled(
    pg_server: PgServer,
    pg_template: str,
    portal: SamplePortal,
    tmp_path_factory: pytest.TempPathFactory,
    codes: tuple[str, ...],
    *spider_args: str,
) -> Iterator[Crawl]:
    portal.reset()
    portal.clear_requests()
    name = pg_server.new_name("html")
    url = pg_server.create_database(name, template=pg_template)
    raw: Path = tmp_path_factory.mktemp("html") / "raw"
    engine = create_engine(url)
    try:
        done = run_crawl(url, raw, portal.port, f"region={','.join(codes)}", *spider_args)
        assert done.returncode == 0, done.stderr[-4000:]
        yield Crawl(engine, portal, done, {code: portal.site_requests(code) for code in codes})
    finally:
        engine.dispose()
        pg_server.drop_database(name)


def table_images(page_url: str, report: SyntheticReport) -> dict[str, tuple[str, str]]:
    """The pictures standing in for tables on a 图片版 report page: URL → (page, kind "image")."""
    if report.layout != "absent":
        return {}
    return {
        urljoin(page_url, image_src(report.publish_date, report.doc_id, n)): (page_url, "image")
        for n in (1, 2, 3)
    }


def day(value: dt.datetime | None) -> dt.date | None:
    return value.date() if value is not None else None
