"""Crawls that need the browser, for tests/test_family_public_column.py and tests/test_challenges.py.

`browser_crawled(...)` runs `scrapy crawl reports -a region=…` in a subprocess (Twisted's reactor cannot be
restarted in pytest's process) into a fresh migrated database, with the project's real Chromium, and yields
what the tests read back: stored documents and failures, the crawl's stats, the requests each sample site
served and what each site's WAF gate saw. Expected values come from the sample portal's modules and the
generator, never typed in.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, create_engine

from crawler.sampleportal import SamplePortal
from crawler.sampleportal.challenges import GateEntry
from tests.conftest import REPO_ROOT
from tests.pg_fixtures import PgServer
from tests.test_crawl_e2e import rows

CRAWL_TIMEOUT_S = 240
# Chromium asks every host for its icon by itself; Playwright cannot intercept that request.
BROWSER_OWN_PATHS = frozenset({"/favicon.ico"})


@dataclass
class BrowserCrawl:
    engine: Engine
    portal: SamplePortal
    done: subprocess.CompletedProcess[str]
    served: dict[str, list[tuple[str, str]]]  # per site: (method, path?query) in arrival order
    gated: dict[str, list[GateEntry]]  # per site behind a WAF: what its gate saw, in order

    def reports(self) -> dict[str, Any]:
        """URL → stored report document with its current version and parse."""
        found = rows(
            self.engine,
            "SELECT d.url, d.region_code, v.listing_url, v.listing_date, v.page_date, v.sha256, "
            "v.http_status, r.title, r.publish_date "
            "FROM documents d JOIN document_versions v ON v.id = d.current_version_id "
            "LEFT JOIN reports r ON r.document_id = d.id WHERE d.role = 'report'",
        )
        return {r.url: r for r in found}

    def attachments(self) -> dict[str, Any]:
        found = rows(
            self.engine,
            "SELECT d.url, d.parent_url, d.kind, v.sha256, v.content_type "
            "FROM documents d JOIN document_versions v ON v.id = d.current_version_id "
            "WHERE d.role = 'attachment'",
        )
        return {r.url: r for r in found}

    def failures(self) -> set[tuple[str | None, str, str]]:
        return {
            (r.region_code, r.url, r.reason)
            for r in rows(self.engine, "SELECT region_code, url, reason FROM crawl_failures")
        }

    def failure_details(self) -> set[tuple[str, str, str]]:
        """(url, reason, detail) of every failure."""
        return {
            (r.url, r.reason, r.detail)
            for r in rows(self.engine, "SELECT url, reason, detail FROM crawl_failures")
        }

    def stats(self) -> dict[str, Any]:
        [run] = rows(self.engine, "SELECT stats FROM crawl_runs")
        return dict(run.stats)

    def gate(self, code: str, *, browser_own: bool = False) -> list[tuple[str, str, str]]:
        """(path, client, outcome) of what a site's gate saw; Chromium's own icon request left out."""
        return [
            (e.path, e.client, e.outcome)
            for e in self.gated[code]
            if browser_own or e.path not in BROWSER_OWN_PATHS
        ]


def run_browser_crawl(
    url: str, raw: Path, port: int, codes: tuple[str, ...], settings: dict[str, str]
) -> subprocess.CompletedProcess[str]:
    args = [sys.executable, "-m", "scrapy", "crawl", "reports", "-a", f"region={','.join(codes)}"]
    for name, value in {
        "DATABASE_URL": url,
        "SAMPLE_PORTAL_PORT": str(port),
        "XXGK_RAW_DIR": str(raw),
        "LOG_LEVEL": "INFO",
        **settings,
    }.items():
        args += ["-s", f"{name}={value}"]
    env = {**os.environ, "XXGK_DATA_DIR": str(raw.parent / "data")}
    return subprocess.run(
        args, cwd=REPO_ROOT, env=env, capture_output=True, text=True, timeout=CRAWL_TIMEOUT_S, check=False
    )


@contextmanager
def browser_crawled(
    pg_server: PgServer,
    pg_template: str,
    portal: SamplePortal,
    tmp_path_factory: pytest.TempPathFactory,
    codes: tuple[str, ...],
    settings: dict[str, str] | None = None,
    label: str = "browser",
) -> Iterator[BrowserCrawl]:
    portal.reset()
    portal.clear_requests()
    gates = {code: portal.site(code).gate for code in codes}
    for gate in gates.values():
        if gate is not None:
            gate.clear_log()
    name = pg_server.new_name(label)
    url = pg_server.create_database(name, template=pg_template)
    raw: Path = tmp_path_factory.mktemp(label) / "raw"
    engine = create_engine(url)
    try:
        done = run_browser_crawl(url, raw, portal.port, codes, settings or {})
        assert done.returncode == 0, done.stderr[-4000:]
        yield BrowserCrawl(
            engine,
            portal,
            done,
            {code: portal.site_requests(code) for code in codes},
            {code: gate.log for code, gate in gates.items() if gate is not None},
        )
    finally:
        engine.dispose()
        pg_server.drop_database(name)
