"""The complete registry: every division of the national code table is a region, overlaid by the TOML rows.

Resolution sees every real place (朝阳区 is two of them), a region without a listing URL is refused with how
to discover it, and a row printed by discovery, pasted into a registry file, makes the region crawlable.
"""

from __future__ import annotations

import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from crawler.discovery import Fetch, FetchedPage, discover
from crawler.registry import (
    DEFAULT_PATH,
    AmbiguousRegionError,
    RegistryError,
    load_registry,
    no_listing_message,
)
from crawler.spiders.reports import RegionSelectionError, select_regions
from crawler.store import Repository
from parsers import divisions
from tests.conftest import REPO_ROOT

NATIONAL = 3339  # rows of parsers/data/divisions.tsv


@pytest.fixture(scope="module")
def registry():
    return load_registry(sample_port=8800)


def copy_registry(tmp_path: Path) -> Path:
    for file in DEFAULT_PATH.glob("*.toml"):
        (tmp_path / file.name).write_text(file.read_text(encoding="utf-8"), encoding="utf-8")
    return tmp_path


def test_every_division_is_a_region(registry) -> None:
    table = divisions.all_divisions()
    assert len(table) == NATIONAL
    for division in table:
        region = registry.get(division.code)
        parent = divisions.lookup(division.parent) if division.parent else None
        assert (region.name, region.parent, region.level) == (division.name, division.parent, division.level)
        assert region.parent_name == (parent.name if parent else None), division.code
    counts = registry.counts()
    assert counts.national == NATIONAL
    assert counts.regions == NATIONAL + sum(1 for code in registry.regions if code.startswith("99"))
    # Levels as in the table: 31 provinces, 333 prefectures, 2,975 counties.
    levels = [registry.get(d.code).level for d in table]
    assert (levels.count("province"), levels.count("prefecture"), levels.count("county")) == (31, 333, 2975)


def test_toml_rows_overlay_the_table(registry) -> None:
    kaiyuan = registry.get("532502")
    assert (kaiyuan.name, kaiyuan.parent_name, kaiyuan.family) == (
        "开远市",
        "红河哈尼族彝族自治州",
        "boda_vsb",
    )
    assert registry.source("532502") == DEFAULT_PATH / "seeds.toml"
    # Parents kept only for their names are gone from the files: the table names them.
    wenzhou = registry.get("330300")
    assert (wenzhou.name, wenzhou.parent, wenzhou.parent_name, wenzhou.level) == (
        "温州市",
        "330000",
        "浙江省",
        "prefecture",
    )
    assert registry.source("330300") is None
    assert (wenzhou.portal, wenzhou.listings, wenzhou.family) == (None, (), None)


def test_a_row_may_give_only_what_the_crawler_needs(tmp_path: Path) -> None:
    (tmp_path / "found.toml").write_text(
        '[regions."211282"]\nportal = "http://www.kaiyuan.gov.cn/"\n'
        'listings = ["http://www.kaiyuan.gov.cn/zfxxgk/ndbg/"]\nfamily = "trs_classic"\n',
        encoding="utf-8",
    )
    region = load_registry(tmp_path).get("211282")
    assert (region.name, region.parent, region.parent_name, region.level) == (
        "开原市",
        "211200",
        "铁岭市",
        "county",
    )
    assert (region.portal, region.listings, region.family) == (
        "http://www.kaiyuan.gov.cn/",
        ("http://www.kaiyuan.gov.cn/zfxxgk/ndbg/",),
        "trs_classic",
    )


def test_a_code_outside_the_table_needs_a_name(tmp_path: Path) -> None:
    path = tmp_path / "x.toml"
    path.write_text('[regions."990999"]\nfamily = "trs_classic"\n', encoding="utf-8")
    with pytest.raises(RegistryError) as caught:
        load_registry(path)
    assert str(caught.value) == (
        f"{path}: region '990999': no name (only codes of the national table may leave it out)"
    )


def test_files_only_registry() -> None:
    only = load_registry(national=False)
    assert only.get("330300") is None
    written = set()
    for file in DEFAULT_PATH.glob("*.toml"):
        written |= set(tomllib.loads(file.read_text(encoding="utf-8"))["regions"])
    assert set(only.regions) == set(only.sources) == written


# ---------------------------------------------------------------------------------------------------------
# Resolution among every real place
# ---------------------------------------------------------------------------------------------------------


def test_same_named_places_are_ambiguous_until_a_parent_is_named(registry) -> None:
    with pytest.raises(AmbiguousRegionError) as caught:
        registry.resolve("朝阳区")
    assert str(caught.value) == (
        "region '朝阳区' is ambiguous: 2 registry rows are named so: "
        "朝阳区 (code 110105, parent 北京市 110000); 朝阳区 (code 220104, parent 长春市 220100). "
        "Give the code, or the parent's name before the name (e.g. 北京市朝阳区)."
    )
    assert [r.code for r in caught.value.candidates] == ["110105", "220104"]
    assert registry.resolve("北京市朝阳区").code == "110105"
    assert registry.resolve("北京市 朝阳区").code == "110105"
    assert registry.resolve("长春市朝阳区").code == "220104"
    assert registry.resolve("吉林省长春市朝阳区").code == "220104"
    assert registry.resolve("220104").name == "朝阳区"


def test_a_prefecture_that_is_its_own_county_resolves_to_the_prefecture(registry) -> None:
    # 嘉峪关市 is a prefecture (620200) with one county of the same name (620201).
    assert registry.resolve("嘉峪关市").code == "620200"
    assert registry.resolve("620201").name == "嘉峪关市"


# ---------------------------------------------------------------------------------------------------------
# Refusing a region without a listing
# ---------------------------------------------------------------------------------------------------------


def test_a_region_without_a_listing_is_refused_with_how_to_discover_it(registry) -> None:
    with pytest.raises(RegionSelectionError) as caught:
        select_regions(registry, "开原市", None)
    assert str(caught.value) == (
        "cannot crawl: no listing URL for 开原市 (211282): run scrapy crawl discover -a portal=<its portal "
        "home URL> and add the printed row to a file in crawler/regions/."
    )


def test_the_known_portal_is_put_in_the_message(registry) -> None:
    honghe = registry.get("532500")
    assert no_listing_message(honghe) == (
        "no listing URL for 红河哈尼族彝族自治州 (532500): run scrapy crawl discover "
        "-a portal=http://www.hh.gov.cn and add the printed row to a file in crawler/regions/"
    )
    with pytest.raises(RegionSelectionError) as caught:
        select_regions(registry, "532500", None)
    assert str(caught.value).startswith("cannot crawl: " + no_listing_message(honghe) + ".")


def test_the_cli_refuses_a_region_without_a_listing() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "crawler", "crawl", "北京市朝阳区"],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 2
    assert done.stderr.strip() == (
        "cannot crawl: no listing URL for 朝阳区 (110105): run scrapy crawl discover -a portal=<its portal "
        "home URL> and add the printed row to a file in crawler/regions/."
    )


def test_a_discovered_row_pasted_into_the_registry_makes_the_region_crawlable(tmp_path: Path) -> None:
    pages = {
        "http://www.kaiyuan.gov.cn/": (
            "<html><head><title>开原市人民政府</title></head><body>"
            '<a href="/zfxxgk/">政府信息公开</a></body></html>'
        ),
        "http://www.kaiyuan.gov.cn/zfxxgk/": (
            '<html><body><a href="ndbg/index.html">年度报告</a></body></html>'
        ),
        "http://www.kaiyuan.gov.cn/zfxxgk/ndbg/index.html": (
            '<html><body><script>createPageHTML(2, 0, "index", "html", 12);</script></body></html>'
        ),
    }

    def fetch(step: Fetch) -> FetchedPage:
        return FetchedPage(
            step.request_url, 200, "text/html; charset=utf-8", pages[step.request_url].encode()
        )

    before = load_registry()
    result = discover("http://www.kaiyuan.gov.cn/", fetch, before)
    assert result.region is not None and result.region.how == "site name 开原市人民政府"
    directory = copy_registry(tmp_path)
    (directory / "liaoning.toml").write_text(result.to_toml(), encoding="utf-8")
    after = load_registry(directory)
    [region] = select_regions(after, "开原市", None)
    assert (region.code, region.portal, region.listings, region.family) == (
        "211282",
        "http://www.kaiyuan.gov.cn/",
        ("http://www.kaiyuan.gov.cn/zfxxgk/ndbg/index.html",),
        "trs_classic",
    )
    assert after.source("211282") == directory / "liaoning.toml"


# ---------------------------------------------------------------------------------------------------------
# The store keeps every region
# ---------------------------------------------------------------------------------------------------------


@pytest.mark.postgres
def test_the_whole_registry_is_synced_to_the_regions_table(pg_url: str, registry) -> None:
    with Repository(pg_url) as repo:
        repo.sync_regions(list(registry))
    engine = create_engine(pg_url)
    try:
        with engine.connect() as conn:
            count = conn.execute(text("SELECT count(*) FROM regions")).scalar_one()
            chaoyang = conn.execute(
                text("SELECT code, parent_code, level FROM regions WHERE name = '朝阳区' ORDER BY code")
            ).all()
    finally:
        engine.dispose()
    assert count == len(registry)
    assert [tuple(row) for row in chaoyang] == [
        ("110105", "110000", "county"),
        ("220104", "220100", "county"),
    ]
