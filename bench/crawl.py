"""Crawl throughput: a large sample portal crawled through parse and Postgres, against `scrapy bench`.

`python bench/crawl.py [--hosts N] [--reports-per-host N] [--keep DIR]`

Builds a generated portal of `--hosts` sites (default 60) on loopback 127.0.1.1, .2, … (codes 990201 …),
alternating the TRS classic and Hanweb jpage families, `--reports-per-host` reports each (default 40: 2,400
report pages, plus the table pictures of the 图片版 reports, fetched as attachments), registers them in a
temporary registry directory (never crawler/regions/), starts an embedded Postgres in a temporary
directory, and runs `scrapy crawl reports` over every bench region in a subprocess with the project's
pipelines (raw store → parse → Postgres). Politeness is relaxed as for every sample-only crawl (loopback,
our own server). Then it runs `scrapy bench` (Scrapy's own crawl of a local link farm, no pipelines) in
the same way, outside the project.

Both runs log Scrapy's per-second page counts (LOGSTATS_INTERVAL=1): the figure compared is the median of
those rates (pages/min), which leaves out start-up and the tail; the overall averages are printed too.
Target: our rate ≥ 0.6 × scrapy bench's. Printed, not asserted (the machine's load moves both).
"""

from __future__ import annotations

import argparse
import os
import pstats
import re
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Final

REPO_ROOT: Final[Path] = Path(__file__).resolve().parents[1]
if str(REPO_ROOT) not in sys.path:  # run as `python bench/crawl.py`
    sys.path.insert(0, str(REPO_ROOT))

from crawler.sampleportal import SamplePortal  # noqa: E402
from crawler.sampleportal.chrome import SiteSpec  # noqa: E402
from crawler.store.embedded import start_embedded, stop_embedded  # noqa: E402
from crawler.store.migrate import upgrade  # noqa: E402

TARGET_RATIO: Final[float] = 0.6
FAMILIES: Final[tuple[str, ...]] = ("trs_classic", "hanweb_jpage")
FIRST_CODE: Final[int] = 990201
MAX_HOSTS: Final[int] = 60  # the bench's loopback addresses: 127.0.1.1–127.0.1.60
PARENT_CODE: Final[str] = "990200"
CRAWL_TIMEOUT_S: Final[int] = 1800
_LOGSTATS = re.compile(r"Crawled (\d+) pages \(at (\d+) pages/min\)")
_STAT = re.compile(r"'(response_received_count|elapsed_time_seconds|item_scraped_count)': ([\d.]+)")


@dataclass
class Run:
    name: str
    rates: list[int]  # pages/min of each LogStats interval
    pages: int  # responses received
    seconds: float  # Scrapy's elapsed_time_seconds (spider open → close)
    items: int

    @property
    def median_per_min(self) -> float:
        # The first and last intervals are start-up and tail: leave them out when there are enough.
        steady = self.rates[1:-1] if len(self.rates) > 4 else self.rates
        return float(statistics.median(steady)) if steady else 0.0

    @property
    def average_per_min(self) -> float:
        return 60.0 * self.pages / self.seconds if self.seconds else 0.0

    def line(self) -> str:
        return (
            f"{self.name:<14} {self.median_per_min:8.0f} pages/min median ({self.median_per_min / 60:6.1f} "
            f"pages/s); overall {self.pages} pages in {self.seconds:.1f} s = {self.average_per_min:.0f} "
            f"pages/min; items {self.items}"
        )


def parse_log(name: str, log: str) -> Run:
    rates = [int(m.group(2)) for m in _LOGSTATS.finditer(log)]
    stats = {m.group(1): float(m.group(2)) for m in _STAT.finditer(log)}
    return Run(
        name,
        rates,
        int(stats.get("response_received_count", 0)),
        stats.get("elapsed_time_seconds", 0.0),
        int(stats.get("item_scraped_count", 0)),
    )


def bench_specs(hosts: int, reports: int) -> list[SiteSpec]:
    if not 1 <= hosts <= MAX_HOSTS:
        raise SystemExit(
            f"--hosts must be 1–{MAX_HOSTS} (the bench's addresses 127.0.1.1–127.0.1.{MAX_HOSTS})"
        )
    return [
        SiteSpec(
            str(FIRST_CODE + n),
            f"基准{n + 1:02d}县",
            f"127.0.1.{n + 1}",
            FAMILIES[n % len(FAMILIES)],
            reports=reports,
        )
        for n in range(hosts)
    ]


def write_registry(directory: Path, portal: SamplePortal, specs: list[SiteSpec]) -> None:
    lines = [f'[regions."{PARENT_CODE}"]', 'name = "基准省"', 'level = "province"', "sample = true", ""]
    for spec in specs:
        listing = portal.listing_urls(spec.code)[0]  # Hanweb: the column page; the adapter POSTs the rest
        lines += [
            f'[regions."{spec.code}"]', f'name = "{spec.name}"', f'parent = "{PARENT_CODE}"',
            'parent_name = "基准省"', 'level = "county"', f'portal = "{portal.base_url(spec.code)}/"',
            f'listings = ["{listing}"]', f'family = "{spec.family}"', "sample = true", "",
        ]  # fmt: skip
    directory.mkdir(parents=True)
    (directory / "bench.toml").write_text("\n".join(lines), encoding="utf-8")


def run_crawl(
    work: Path,
    portal: SamplePortal,
    specs: list[SiteSpec],
    database_url: str,
    profile: Path | None,
    extra: list[str],
) -> Run:
    python = [sys.executable, *(["-m", "cProfile", "-o", str(profile)] if profile else [])]
    args = [
        *python, "-m", "scrapy", "crawl", "reports",
        "-a", "region=" + ",".join(spec.code for spec in specs),
        "-s", f"DATABASE_URL={database_url}",
        "-s", f"XXGK_REGISTRY={work / 'registry'}",
        "-s", f"XXGK_RAW_DIR={work / 'raw'}",
        "-s", f"SAMPLE_PORTAL_PORT={portal.port}",
        "-s", "LOG_LEVEL=INFO",
        "-s", "LOGSTATS_INTERVAL=1",
        *(arg for setting in extra for arg in ("-s", setting)),
    ]  # fmt: skip
    env = {**os.environ, "XXGK_DATA_DIR": str(work / "data")}
    before, portal_before = (
        resource.getrusage(resource.RUSAGE_CHILDREN),
        resource.getrusage(resource.RUSAGE_SELF),
    )
    done = subprocess.run(
        args, cwd=REPO_ROOT, env=env, capture_output=True, text=True, timeout=CRAWL_TIMEOUT_S, check=False
    )
    after, portal_after = (
        resource.getrusage(resource.RUSAGE_CHILDREN),
        resource.getrusage(resource.RUSAGE_SELF),
    )
    crawler_cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    portal_cpu = (portal_after.ru_utime - portal_before.ru_utime) + (
        portal_after.ru_stime - portal_before.ru_stime
    )
    print(
        f"CPU during the crawl: crawler and its parser workers {crawler_cpu:.1f} s, "
        f"sample portal {portal_cpu:.1f} s"
    )
    if done.returncode != 0:
        sys.stderr.write(done.stderr[-4000:])
        raise SystemExit(f"the bench crawl failed (exit {done.returncode})")
    (work / "crawl.log").write_text(done.stderr, encoding="utf-8")
    return parse_log("xxgk crawl", done.stderr)


def run_scrapy_bench(work: Path) -> Run:
    # Outside the project (no scrapy.cfg in cwd, no SCRAPY_SETTINGS_MODULE): Scrapy's defaults, as published.
    cwd = work / "scrapy-bench"
    cwd.mkdir()
    env = {k: v for k, v in os.environ.items() if not k.startswith("SCRAPY_")}
    done = subprocess.run(
        [sys.executable, "-m", "scrapy", "bench", "-s", "LOGSTATS_INTERVAL=1"],
        cwd=cwd, env=env, capture_output=True, text=True, timeout=300, check=False,
    )  # fmt: skip
    if done.returncode != 0:
        sys.stderr.write(done.stderr[-4000:])
        raise SystemExit(f"scrapy bench failed (exit {done.returncode})")
    (work / "scrapy-bench.log").write_text(done.stderr, encoding="utf-8")
    return parse_log("scrapy bench", done.stderr)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--hosts", type=int, default=MAX_HOSTS)
    parser.add_argument("--reports-per-host", type=int, default=40)
    parser.add_argument(
        "--keep", type=Path, default=None, help="keep the work directory (logs, raw files) here"
    )
    parser.add_argument(
        "--profile", action="store_true", help="run the crawl under cProfile; print the top 30"
    )
    parser.add_argument(
        "--set", action="append", default=[], metavar="NAME=VALUE", help="a further -s for the crawl"
    )
    args = parser.parse_args(argv)

    work = Path(tempfile.mkdtemp(prefix="xxgk-bench-crawl-")) if args.keep is None else args.keep
    work.mkdir(parents=True, exist_ok=True)
    specs = bench_specs(args.hosts, args.reports_per_host)
    started = time.monotonic()
    portal = SamplePortal(port=0, specs=specs).start()
    pgdata = work / "pgdata"
    try:
        reports = sum(len(portal.site(spec.code).reports) for spec in specs)
        images = sum(3 for spec in specs for r in portal.site(spec.code).reports if r.layout == "absent")
        print(
            f"portal: {len(specs)} hosts on 127.0.1.1–127.0.1.{len(specs)}, port {portal.port}: "
            f"{reports} report pages, {images} table pictures (built in {time.monotonic() - started:.1f} s)"
        )
        write_registry(work / "registry", portal, specs)
        database_url = start_embedded(pgdata, database="postgres")
        upgrade(database_url)
        profile = work / "crawl.prof" if args.profile else None
        ours = run_crawl(work, portal, specs, database_url, profile, args.set)
        served = portal.request_count()
    finally:
        portal.stop()
        stop_embedded(pgdata)
    theirs = run_scrapy_bench(work)

    print(f"portal served {served} requests; crawl log: {work / 'crawl.log'}")
    print(ours.line())
    print(theirs.line())
    ratio = ours.median_per_min / theirs.median_per_min if theirs.median_per_min else 0.0
    verdict = "meets" if ratio >= TARGET_RATIO else "below"
    print(f"ratio {ratio:.2f} (median pages/min, ours / scrapy bench; target ≥ {TARGET_RATIO}: {verdict})")
    overall = ours.average_per_min / theirs.average_per_min if theirs.average_per_min else 0.0
    print(f"      {overall:.2f} (overall averages)")
    if profile is not None:
        pstats.Stats(str(profile)).sort_stats("cumulative").print_stats(30)
    if args.keep is None:
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
