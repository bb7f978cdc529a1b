"""`python -m crawler` (also installed as `xxgk`): the demo, crawls, the summary and the registry.

    python -m crawler demo [--seeds DIR] [--port N]   sample portal → crawl every sample region → summary
    python -m crawler crawl REGION[,REGION…] [--sample] [--no-db] [-s NAME=VALUE …]
    python -m crawler summary                          the same summary, from the database
    python -m crawler status [--check]                 crawl health per region (view region_health)
    python -m crawler db url|stop|roles                the database URL; stop the embedded server; create
                                                       the crawler's and the analysts' roles (db_roles.py)
    python -m crawler regions [QUERY] [--all]          registry rows with a portal (--all: every region),
                                                       or those matching QUERY
    python -m crawler export [--format csv|parquet] [--region CODE_OR_NAME] [--year N] [--out DIR]
                                                       the analyst views, one file per view (export.py)
    python -m crawler quality-report [--out FILE]      the data-quality page: one static HTML file with
                                                       charts (crawler/quality)

Exit status: 0 done; 1 the crawl or the database failed; 2 bad arguments (unknown or uncrawlable region).
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

SPIDER = "reports"
_REPO_ROOT = Path(__file__).resolve().parents[1]


def main(argv: Sequence[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    handler = args.handler
    return int(handler(args))


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m crawler", description=__doc__.split("\n\n")[0])
    commands = parser.add_subparsers(required=True, metavar="COMMAND")

    demo = commands.add_parser(
        "demo", help="serve the sample portal, crawl all sample regions, print a summary"
    )
    demo.add_argument("--seeds", type=Path, default=None, help="directory of real reports for region 990104")
    demo.add_argument(
        "--port", type=int, default=None, help="sample portal port (default: SAMPLE_PORTAL_PORT, else 8800)"
    )
    demo.set_defaults(handler=cmd_demo)

    crawl = commands.add_parser("crawl", help="crawl registry regions (code, name or parent+name)")
    crawl.add_argument("region", nargs="?", default=None, help="e.g. 532502, 开远市, 990101,990102")
    crawl.add_argument("--sample", action="store_true", help="every sample region")
    crawl.add_argument("--no-db", action="store_true", help="keep raw files only, write nothing to Postgres")
    crawl.add_argument(
        "--refetch",
        action="store_true",
        help="fetch every report again, stored or not (a full refresh; the spider's -a refetch=1)",
    )
    crawl.add_argument(
        "-s",
        dest="settings",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="a Scrapy setting, as with `scrapy crawl -s`",
    )
    crawl.set_defaults(handler=cmd_crawl)

    summary = commands.add_parser("summary", help="reports per region and year, from the database")
    summary.set_defaults(handler=cmd_summary)

    regions = commands.add_parser(
        "regions", help="list registry rows with a portal (--all: every region), or those matching QUERY"
    )
    regions.add_argument("query", nargs="?", default=None)
    regions.add_argument(
        "--all", action="store_true", help="every region, the national code table's ~3,300 included"
    )
    regions.set_defaults(handler=cmd_regions)

    db = commands.add_parser(
        "db", help="the database: print its URL, stop the embedded server, or set up the database roles"
    )
    db.add_argument("action", choices=("url", "stop", "roles"))
    db.set_defaults(handler=cmd_db)

    status = commands.add_parser("status", help="crawl health per region: last success, reports, overdue")
    status.add_argument(
        "--check", action="store_true", help="exit 1 when a region is overdue or its last run failed"
    )
    status.set_defaults(handler=cmd_status)

    export = commands.add_parser(
        "export", help="write the analyst views (report_key_figures, request_values, …) to files"
    )
    export.add_argument("--format", choices=("csv", "parquet"), default="csv", help="file format (csv)")
    export.add_argument(
        "--region", default=None, help="a code or name (e.g. 990100, 样本省): it and every region below it"
    )
    export.add_argument("--year", type=int, default=None, help="only the reports of this year")
    export.add_argument("--out", type=Path, default=Path("export"), help="output directory (./export)")
    export.set_defaults(handler=cmd_export)

    quality = commands.add_parser(
        "quality-report", help="write the data-quality report: one static HTML page with charts"
    )
    quality.add_argument(
        "--out", type=Path, default=Path("quality-report.html"), help="output file (./quality-report.html)"
    )
    quality.set_defaults(handler=cmd_quality_report)
    return parser


# -------------------------------------------------------------------------------------------------------
# crawl
# -------------------------------------------------------------------------------------------------------


def run_crawl(spider_args: dict[str, str], overrides: dict[str, Any]) -> bool:
    """Run the `reports` spider in this process; True when it started and finished.

    Twisted's reactor cannot be restarted: one crawl per process (the demo and the CLI each run one).
    """
    os.environ.setdefault("SCRAPY_SETTINGS_MODULE", "crawler.settings")
    from scrapy.crawler import CrawlerProcess
    from scrapy.utils.project import get_project_settings

    settings = get_project_settings()
    settings.setdict(overrides, priority="cmdline")
    process = CrawlerProcess(settings)
    outcome: dict[str, Any] = {}

    def failed(failure: Any) -> None:
        outcome["error"] = failure

    process.crawl(SPIDER, **spider_args).addErrback(failed)
    process.start()
    if "error" in outcome:
        print(f"crawl failed: {outcome['error'].getErrorMessage()}", file=sys.stderr)
        return False
    return True


def _check_selection(region: str | None, sample: bool, port: int | None = None) -> str | None:
    """The registry's message when the selection names nothing crawlable, else None."""
    from crawler.registry import load_registry
    from crawler.spiders.reports import RegionSelectionError, select_regions

    try:
        select_regions(load_registry(sample_port=port), region, "1" if sample else None)
    except RegionSelectionError as exc:
        return str(exc)
    return None


def cmd_crawl(args: argparse.Namespace) -> int:
    overrides: dict[str, Any] = {}
    for pair in args.settings:
        name, sep, value = pair.partition("=")
        if not sep:
            print(f"-s takes NAME=VALUE, got {pair!r}", file=sys.stderr)
            return 2
        overrides[name] = value
    if args.no_db:
        overrides["XXGK_DATABASE"] = "off"
    problem = _check_selection(args.region, args.sample, overrides.get("SAMPLE_PORTAL_PORT"))
    if problem:
        print(problem, file=sys.stderr)
        return 2
    spider_args = {"region": args.region} if args.region else {}
    if args.sample:
        spider_args["sample"] = "1"
    if args.refetch:
        spider_args["refetch"] = "1"
    return 0 if run_crawl(spider_args, overrides) else 1


# -------------------------------------------------------------------------------------------------------
# demo and summary
# -------------------------------------------------------------------------------------------------------


def _default_seeds() -> Path | None:
    configured = os.environ.get("XXGK_SEEDS_DIR")
    candidate = Path(configured) if configured else _REPO_ROOT.parent / "shared" / "seeds"
    return candidate if candidate.is_dir() else None


def cmd_demo(args: argparse.Namespace) -> int:
    from crawler.sampleportal import SamplePortal
    from crawler.store import database_url, upgrade

    seeds = args.seeds if args.seeds is not None else _default_seeds()
    if seeds is not None and not seeds.is_dir():
        print(f"--seeds {seeds}: not a directory", file=sys.stderr)
        return 2
    from crawler.registry import sample_port_from_env

    # A fixed port: documents are keyed by URL, so a demo run again on the same port finds them unchanged.
    port = args.port if args.port is not None else sample_port_from_env()
    url = database_url()
    upgrade(url)
    portal = SamplePortal(port=port, seeds_dir=seeds)
    try:
        portal.start()
    except OSError as exc:
        print(f"cannot serve the sample portal on port {port}: {exc}; pass --port N", file=sys.stderr)
        return 1
    try:
        print(f"sample portal on port {portal.port}; seeds: {seeds or 'none'}", flush=True)
        print(f"database: {_describe_database(url)}", flush=True)
        # Warnings and errors only: the summary below is the demo's output.
        overrides = {"SAMPLE_PORTAL_PORT": portal.port, "DATABASE_URL": url, "LOG_LEVEL": "WARNING"}
        # Regions needing a browser are crawled when Chromium is there, else skipped with a note.
        from crawler.browser import chromium_path, sample_crawl_args
        from crawler.registry import load_registry

        sample = load_registry(sample_port=portal.port).sample_regions()
        spider_args, note = sample_crawl_args(sample, chromium_path())
        if note:
            print(note, flush=True)
        ok = run_crawl(spider_args, overrides)
    finally:
        portal.stop()
    print_summary(url)
    return 0 if ok else 1


def _describe_database(url: str) -> str:
    from crawler.store.config import env_database_url, pgdata_dir

    if env_database_url() is not None:
        return "DATABASE_URL"
    return f"embedded Postgres, data in {pgdata_dir()} (`python -m crawler db url|stop`)"


def cmd_db(args: argparse.Namespace) -> int:
    from crawler.store import database_url, stop_embedded
    from crawler.store.config import env_database_url

    if args.action == "url":
        print(database_url())
        return 0
    if args.action == "roles":
        return cmd_db_roles()
    if env_database_url() is not None:
        print("DATABASE_URL is set: that server is not ours to stop", file=sys.stderr)
        return 2
    print("stopped" if stop_embedded() else "not running")
    return 0


def cmd_summary(args: argparse.Namespace) -> int:
    from crawler.store import database_url, upgrade

    url = database_url()
    upgrade(url)
    print_summary(url)
    return 0


def print_summary(url: str) -> None:
    from sqlalchemy import select

    from crawler.store import Repository
    from crawler.store.models import CrawlRun

    with Repository(url) as repo:
        rows = repo.summary()
        with repo.engine.connect() as conn:
            run = conn.execute(select(CrawlRun).order_by(CrawlRun.id.desc()).limit(1)).first()
    print(
        "Reports per region and year (requests received = Σ 本年新收 总计; failed checks: sums not adding up)"
    )
    if not rows:
        print("  (no reports stored yet)")
    width = max((len(r.region_name) for r in rows), default=4)
    for r in rows:
        year = str(r.year) if r.year is not None else "?"
        received = "-" if r.requests_received is None else str(r.requests_received)
        print(
            f"  {r.region_code} {r.region_name:<{width}} {year:>4}  reports {r.reports:>3}  "
            f"requests received {received:>6}  failed checks {r.failed_checks:>3}"
        )
    total = sum(r.reports for r in rows)
    received_total = sum(r.requests_received or 0 for r in rows)
    print(
        f"  all: {total} reports, {received_total} requests received, "
        f"{sum(r.failed_checks for r in rows)} failed checks"
    )
    if run is None:
        print("No crawl run recorded yet.")
        return
    print(
        f"Last crawl (run {run.id}, {run.finish_reason or 'unfinished'}): documents new {run.reports_new}, "
        f"changed {run.reports_changed}, unchanged {run.reports_unchanged}; failures {run.failures}"
    )


def cmd_db_roles() -> int:
    from crawler.db_roles import DbRolesError, apply_roles
    from crawler.store import database_url, upgrade

    url = database_url()
    upgrade(url)  # the grants cover the tables that exist: create them first
    try:
        for line in apply_roles(url):
            print(line)
    except DbRolesError as exc:
        print(exc, file=sys.stderr)
        return 1
    return 0


def cmd_status(args: argparse.Namespace) -> int:
    from crawler.health import format_health, region_health
    from crawler.store import database_url, upgrade

    url = database_url()
    upgrade(url)
    rows = region_health(url)
    print(format_health(rows))
    return 1 if args.check and not all(r.healthy for r in rows) else 0


# -------------------------------------------------------------------------------------------------------
# analysts: export and the data-quality report
# -------------------------------------------------------------------------------------------------------


def _analyst_database_url() -> str:
    """The database to read; the embedded default is migrated first (an external one is the owner's job:
    an analyst's DATABASE_URL names a read-only role that could not migrate anyway)."""
    from crawler.store import database_url, upgrade
    from crawler.store.config import env_database_url

    url = database_url()
    if env_database_url() is None:
        upgrade(url)
    return url


def cmd_export(args: argparse.Namespace) -> int:
    from crawler.export import ExportError, export_views
    from crawler.registry import RegionLookupError, load_registry

    codes: list[str] = []
    if args.region:
        try:
            codes = [r.code for r in load_registry().resolve_many(args.region)]
        except RegionLookupError as exc:
            print(exc, file=sys.stderr)
            return 2
    try:
        written = export_views(_analyst_database_url(), args.out, args.format, codes, args.year)
    except ExportError as exc:
        print(exc, file=sys.stderr)
        return 1
    for item in written:
        print(f"wrote {item.path} ({item.rows} rows)")
    return 0


def cmd_quality_report(args: argparse.Namespace) -> int:
    from crawler.quality import QualityReportError, write_quality_report

    try:
        summary = write_quality_report(_analyst_database_url(), args.out)
    except QualityReportError as exc:
        print(exc, file=sys.stderr)
        return 1
    print(f"wrote {args.out} ({summary})")
    return 0


# -------------------------------------------------------------------------------------------------------
# regions
# -------------------------------------------------------------------------------------------------------


def cmd_regions(args: argparse.Namespace) -> int:
    from crawler.families import FAMILIES
    from crawler.registry import RegionLookupError, load_registry

    registry = load_registry()
    if args.query:
        rows = registry.search(args.query)
        if not rows:
            try:
                rows = [registry.resolve(args.query)]
            except RegionLookupError as exc:
                print(exc, file=sys.stderr)
                return 1
    elif args.all:
        rows = list(registry)
    else:
        # ~3,300 rows come from the national code table: the ones worth reading are those with a portal.
        rows = [r for r in registry if r.portal]
    for region in rows:
        if not region.family:
            status = "no portal known" if not region.portal else "portal only (family not known)"
        elif FAMILIES.get(region.family) is None:
            status = f"{region.family} (no adapter yet)"
        elif not region.listings:
            status = f"{region.family} (no listing URL)"
        else:
            status = region.family
        parent = region.parent_name or ""
        sample = " [sample]" if region.sample else ""
        print(f"{region.code}  {region.name}  {parent}  {status}{sample}")
        for url in region.listings:
            print(f"        {url}")
    if not args.query:
        counts = registry.counts()
        shown = "every region" if args.all else "the regions with a portal (--all: every region)"
        print(
            f"Registry: {counts.regions} regions ({counts.national} from the national code table, "
            f"{counts.sample} of the sample portal); {counts.with_portal} with a portal, "
            f"{counts.with_listing} with a listing URL. Listed: {shown}."
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
