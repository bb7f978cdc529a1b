"""The sample sites: which region, address and portal family each has, and what each holds.

Generated sites hold REPORTS_PER_SITE reports plus PAGES_PER_SITE 解读/图解 pages (seed = region code);
the corpus site serves the `*.txt` files of a directory of real reports, read when served (never copied).
A site also keeps its revisions and deletions, so tests can change what the crawler sees next.
"""

from __future__ import annotations

import datetime as dt
import html
import threading
from collections.abc import Callable, Hashable
from functools import partial
from pathlib import Path
from typing import Final

from . import challenges, home, render
from .chrome import (
    PNG_1X1,
    Entry,
    PortalRequest,
    Response,
    SiteSpec,
    html_response,
    not_found,
    publish_time,
)
from .families import FAMILIES, PortalFamily, family
from .generator import TABLE_SECTIONS, SyntheticPage, SyntheticReport, generate_pages, generate_reports

# Every family module's sites, by region code.
SITE_SPECS: Final[tuple[SiteSpec, ...]] = tuple(
    sorted((spec for module in FAMILIES.values() for spec in module.SITES), key=lambda spec: spec.code)
)
REPORTS_PER_SITE: Final[int] = 25
PAGES_PER_SITE: Final[int] = 4
_TITLE_SEARCH_LINES = 5
_TITLE_WORDS = ("报告", "報告", "汇报", "匯報")  # both scripts: corpus texts are not normalised
CORPUS_FIRST_DATE: Final[dt.date] = dt.date(2024, 1, 10)  # corpus listing dates: 2024-01-10, -11, …


class CorpusText:
    """One text file of the corpus directory as a report page: each line a `<p>`, no date anywhere."""

    def __init__(self, doc_id: int, path: Path, listing_date: dt.date):
        self.doc_id = doc_id
        self.path = path
        self.listing_date = listing_date
        self.title = _first_line(path)

    def body_html(self, revision: int = 0) -> str:
        lines = self.path.read_text(encoding="utf-8").splitlines()
        paragraphs = [f"<p>{html.escape(line.strip())}</p>" for line in lines if line.strip()]
        if revision:
            paragraphs.append(f"<p>（本页第{revision}次更新）</p>")
        return "\n".join(paragraphs) + "\n"


def _first_line(path: Path) -> str:
    """The title a portal would list: the first line naming a report (captured texts may open with page
    chrome such as 当前位置), else the first non-blank line."""
    lines = []
    for line in path.read_text(encoding="utf-8").splitlines():
        # Mirrored texts end lines with runs of "|": not part of the title.
        text = line.strip("| \t\u3000")
        if text:
            lines.append(text)
    for text in lines[:_TITLE_SEARCH_LINES]:
        if any(word in text for word in _TITLE_WORDS):
            return text
    return lines[0] if lines else path.stem


class Site:
    def __init__(self, spec: SiteSpec, seeds_dir: Path | None = None):
        self.spec = spec
        self._lock = threading.Lock()
        self._revisions: dict[int, int] = {}
        self._deleted: set[int] = set()
        self.corpus: list[CorpusText] = []
        self._reports: list[SyntheticReport] = []
        self._pages: list[SyntheticPage] = []
        if spec.corpus:
            if seeds_dir is not None:
                files = sorted(Path(seeds_dir).glob("*.txt"))
                self.corpus = [
                    CorpusText(1001 + n, path, CORPUS_FIRST_DATE + dt.timedelta(days=n))
                    for n, path in enumerate(files)
                ]
        else:
            seed = int(spec.code)
            self._reports = generate_reports(spec.code, spec.name, spec.reports or REPORTS_PER_SITE, seed)
            self._pages = generate_pages(self._reports, PAGES_PER_SITE, seed)
        self._ids = (
            {r.doc_id for r in self._reports}
            | {p.doc_id for p in self._pages}
            | {c.doc_id for c in self.corpus}
        )
        # The WAF in front of the site, if its spec names one: it sees every request first.
        self.gate = challenges.gate_for(spec)
        # Pictures and documents drawn from a report, by what they were drawn from: drawing takes a
        # tenth of a second or more, and crawls ask for the same ones again.
        self._drawn: dict[Hashable, bytes] = {}

    @property
    def code(self) -> str:
        return self.spec.code

    @property
    def family(self) -> PortalFamily:
        return family(self.spec.family)

    # -- what the site holds now ------------------------------------------------------------

    def _current(self, report: SyntheticReport) -> SyntheticReport:
        for _ in range(self._revisions.get(report.doc_id, 0)):
            report = report.revised()
        return report

    @property
    def reports(self) -> list[SyntheticReport]:
        """The reports as currently published (revisions applied, deleted ones left out)."""
        with self._lock:
            return [self._current(r) for r in self._reports if r.doc_id not in self._deleted]

    @property
    def pages(self) -> list[SyntheticPage]:
        with self._lock:
            return [p for p in self._pages if p.doc_id not in self._deleted]

    def report(self, doc_id: int) -> SyntheticReport:
        for report in self.reports:
            if report.doc_id == doc_id:
                return report
        raise KeyError(f"site {self.code} has no report {doc_id}")

    def entries(self) -> list[Entry]:
        """Everything the column lists, newest first (the listing order of real columns)."""
        entries: list[Entry] = []
        for report in self.reports:
            entries.append(
                Entry(
                    report.doc_id,
                    report.title,
                    report.publish_date,
                    publish_time(report.doc_id, report.publish_date),
                    report.organ,
                    report.body_html,
                )
            )
        for page in self.pages:
            entries.append(
                Entry(
                    page.doc_id,
                    page.title,
                    page.publish_date,
                    publish_time(page.doc_id, page.publish_date),
                    page.organ,
                    page.body_html,
                )
            )
        with self._lock:
            for text in self.corpus:
                if text.doc_id in self._deleted:
                    continue
                revision = self._revisions.get(text.doc_id, 0)
                entries.append(
                    Entry(
                        text.doc_id,
                        text.title,
                        text.listing_date,
                        None,
                        "",
                        partial(text.body_html, revision),
                    )
                )
        entries.sort(key=lambda e: (e.listing_date, e.doc_id), reverse=True)
        return entries

    def entry(self, doc_id: int) -> Entry | None:
        for entry in self.entries():
            if entry.doc_id == doc_id:
                return entry
        return None

    # -- URLs -------------------------------------------------------------------------------

    def detail_path(self, doc_id: int) -> str:
        entry = self.entry(doc_id)
        if entry is None:
            raise KeyError(f"site {self.code} lists no document {doc_id}")
        return self.family.detail_path(entry)

    def listing_urls(self, base_url: str = "") -> list[str]:
        """Listing pages in crawl order (Hanweb: the column page, then data-proxy URLs to POST)."""
        return self.family.listing_urls(self, base_url)

    # -- pictures and documents drawn from reports -----------------------------------------------

    @property
    def table_picture_ids(self) -> list[int]:
        """The 图片版 reports whose table images are real pictures of their tables (SiteSpec.table_pictures):
        the first ones by document id; every other table image is a 1×1 placeholder."""
        absent = [r.doc_id for r in self._reports if r.layout == "absent"]
        return absent[: self.spec.table_pictures]

    def table_image(self, path: str) -> bytes:
        """The PNG a table image path answers: a picture of the table it stands for, or the placeholder."""
        name = path.rsplit("/", 1)[-1]
        for report in self.reports:
            if report.doc_id not in self.table_picture_ids:
                continue
            for n, table_id in enumerate(TABLE_SECTIONS, start=1):
                if render.image_src(report.publish_date, report.doc_id, n).rsplit("/", 1)[-1] == name:
                    return self.drawn(
                        ("picture", report.doc_id, report.revision, table_id), _picture(report, table_id)
                    )
        return PNG_1X1

    def report_document(self, doc_id: int, kind: str) -> bytes:
        """The report as a file ("pdf" or "docx"): its full text and tables, as attachments carry it."""
        from .documents import report_docx, report_pdf

        report = self.report(doc_id)
        make = {"pdf": report_pdf, "docx": report_docx}[kind]
        return self.drawn(("document", doc_id, report.revision, kind), lambda: make(report))

    def drawn(self, key: Hashable, make: Callable[[], bytes]) -> bytes:
        with self._lock:
            found = self._drawn.get(key)
        if found is None:
            # Drawn outside the lock: other requests go on meanwhile (a rare double draw is harmless).
            found = make()
            with self._lock:
                self._drawn[key] = found
        return found

    # -- changes ----------------------------------------------------------------------------

    def _known(self, doc_id: int) -> None:
        if doc_id not in self._ids:
            raise KeyError(f"site {self.code} has no document {doc_id}")

    def revise(self, doc_id: int) -> None:
        """Correct a report (or corpus text) once more: its page bytes change on the next fetch."""
        self._known(doc_id)
        if any(p.doc_id == doc_id for p in self._pages):
            raise ValueError(
                f"document {doc_id} of site {self.code} is a 解读/图解 page; only reports are revised"
            )
        with self._lock:
            self._revisions[doc_id] = self._revisions.get(doc_id, 0) + 1

    def delete(self, doc_id: int) -> None:
        """Withdraw a document: it leaves the listing and its page answers 404."""
        self._known(doc_id)
        with self._lock:
            self._deleted.add(doc_id)

    def reset(self) -> None:
        with self._lock:
            self._revisions.clear()
            self._deleted.clear()

    # -- serving ----------------------------------------------------------------------------

    def serve(self, request: PortalRequest) -> Response:
        """A request off the network: through the site's WAF first, when it has one (`handle` is the site
        behind it, as tests that read pages directly see it)."""
        if self.gate is not None:
            blocked = self.gate.check(request)
            if blocked is not None:
                return blocked
        return self.handle(request)

    def handle(self, request: PortalRequest) -> Response:
        method, path = request.method, request.path
        if path.endswith(".png") and "/W0" in path and method in ("GET", "HEAD"):
            # The pictures standing in for tables (图片版).
            return Response(200, self.table_image(path), "image/png")
        if path == "/" and method in ("GET", "HEAD"):
            return self._home()
        response = self.family.handle(self, request)
        if response is None:
            # The home page's 政务公开 pages (sampleportal/home.py), on paths the family leaves free.
            response = home.handle(self, request)
        if response is None:
            if method not in ("GET", "HEAD", "POST"):
                return Response(405, b"", "text/html; charset=UTF-8")
            return not_found()  # robots.txt included: most real portals have none
        return response

    def _home(self) -> Response:
        return html_response(self.spec, home.home_page(self))


def _picture(report: SyntheticReport, table_id: str) -> Callable[[], bytes]:
    def draw() -> bytes:
        from .table_images import table_png  # Pillow: only when a picture is drawn

        return table_png(render.table_grid(report, table_id))

    return draw
