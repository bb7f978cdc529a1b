"""Small columns injected into the sample portal, for the crawl-core tests (attachments, failures,
politeness, incremental crawls).

A mini-site borrows the host of sample site 990101 (127.0.0.11) and serves, through the portal's fault
injection (crawler/sampleportal/faults.py), a TRS-style column of its own under a path the TRS family
leaves free: one listing page and whatever each row's URL is made to answer. A temporary registry
(XXGK_REGISTRY) names the column as region MINI_CODE, so a crawl sees nothing but the mini-site.
"""

from __future__ import annotations

import datetime as dt
import subprocess
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from crawler.sampleportal import SamplePortal, SyntheticReport, generate_reports
from crawler.sampleportal.chrome import Entry, esc
from crawler.sampleportal.families import trs_classic
from tests.test_crawl_e2e import run_crawl

HOST_SITE = "990101"  # the sample site whose host (and fault table) the mini-sites use
MINI_CODE = "990101"  # the region the temporary registry gives the mini-site
COLUMN = "/zfxxgk/core/"
LISTING_PATH = COLUMN + "index.htm"
HTML = "text/html; charset=UTF-8"


def reports(count: int, seed: int = 4242) -> list[SyntheticReport]:
    """Generated reports (known titles and values) to fill the mini-site's pages with."""
    return generate_reports(MINI_CODE, "样本市", count, seed)


@dataclass
class Row:
    path: str  # the link's path on the host
    title: str
    date: dt.date


@dataclass
class MiniSite:
    portal: SamplePortal
    rows: list[Row] = field(default_factory=list)

    @property
    def base(self) -> str:
        return self.portal.base_url(HOST_SITE)

    def url(self, path: str) -> str:
        """The absolute URL of a path on the host (an absolute URL stays as it is)."""
        return path if path.startswith(("http://", "https://")) else self.base + path

    @property
    def listing_url(self) -> str:
        return self.url(LISTING_PATH)

    def serve(self, path: str, **fault: Any) -> None:
        """Make `path` answer as given (SamplePortal.inject's keywords)."""
        self.portal.inject(HOST_SITE, path, **fault)

    def add_row(self, path: str, title: str, date: dt.date, **fault: Any) -> str:
        """List `path` in the column and, when `fault` is given, make it answer so. Returns its URL."""
        self.rows.append(Row(path, title, date))
        if fault:
            self.serve(path, **fault)
        return self.url(path)

    def add_report(
        self, report: SyntheticReport, *, after_body: str = "", body_extra: str = "", **fault: Any
    ) -> str:
        """A TRS detail page for `report` (listed under its title and publish date); `body_extra` goes at
        the end of the body container, `after_body` after it (where TRS puts the 附件 block)."""
        path = report_path(report)
        page = detail_page(self.portal, report, body_extra, after_body)
        return self.add_row(
            path, report.title, report.publish_date, body=page.encode("utf-8"), content_type=HTML, **fault
        )

    def publish(self) -> None:
        """Serve the listing page (call after the rows are added)."""
        items = "\n".join(
            f'<li><a href="{esc(row.path)}" target="_blank" title="{esc(row.title)}">{esc(row.title)}</a>'
            f"<span>{row.date.isoformat()}</span></li>"
            for row in self.rows
        )
        page = (
            '<!DOCTYPE html>\n<html><head><meta charset="utf-8"><title>年度报告</title></head><body>\n'
            '<div class="nav"><a href="/">首页</a></div>\n'
            f'<ul class="xxgk_list">\n{items}\n</ul>\n</body></html>\n'
        )
        self.serve(LISTING_PATH, body=page.encode("utf-8"), content_type=HTML)

    def requests(self) -> list[tuple[str, str]]:
        """(method, path) the host served since the portal's request log was cleared."""
        return self.portal.site_requests(HOST_SITE)


def report_path(report: SyntheticReport) -> str:
    """Where MiniSite.add_report serves a report's page."""
    return f"{COLUMN}{report.publish_date:%Y%m}/t{report.publish_date:%Y%m%d}_{report.doc_id}.html"


def detail_page(
    portal: SamplePortal, report: SyntheticReport, body_extra: str = "", after_body: str = ""
) -> str:
    published = dt.datetime.combine(report.publish_date, dt.time(9, 30))
    entry = Entry(
        report.doc_id,
        report.title,
        report.publish_date,
        published,
        report.organ,
        lambda: report.body_html() + body_extra,
    )
    page = trs_classic.detail_page(portal.site(HOST_SITE), entry)
    marker = '<div class="tools">'
    assert marker in page
    return page.replace(marker, after_body + marker, 1)


def write_registry(directory: Path, listing_url: str, params: Mapping[str, Any] | None = None) -> Path:
    """A registry directory holding the mini-site's region (and its parent) only."""
    directory.mkdir(parents=True, exist_ok=True)
    lines = [
        '[regions."990100"]', 'name = "样本省"', 'level = "province"', "sample = true", "",
        f'[regions."{MINI_CODE}"]', 'name = "样本市"', 'parent = "990100"', 'parent_name = "样本省"',
        'level = "prefecture"', f'listings = ["{listing_url}"]', 'family = "trs_classic"', "sample = true",
    ]  # fmt: skip
    if params:
        lines.append("params = { " + ", ".join(f"{k} = {_toml(v)}" for k, v in params.items()) + " }")
    (directory / "mini.toml").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return directory


def _toml(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return str(value)
    return '"' + str(value).replace("\\", "\\\\").replace('"', '\\"') + '"'


def crawl(
    db_url: str,
    raw: Path,
    portal: SamplePortal,
    registry: Path,
    *spider_args: str,
    settings: Mapping[str, object] | None = None,
) -> subprocess.CompletedProcess[str]:
    """Crawl the mini-site's region into `db_url`; the crawl must finish."""
    done = run_crawl(
        db_url,
        raw,
        portal.port,
        f"region={MINI_CODE}",
        *spider_args,
        settings={"XXGK_REGISTRY": str(registry), **(settings or {})},
    )
    assert done.returncode == 0, done.stderr[-4000:]
    return done


def paths(log: Iterable[tuple[str, str]]) -> list[str]:
    return [path for _method, path in log]
