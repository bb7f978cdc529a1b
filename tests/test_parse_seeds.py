"""The five seed reports parse exactly as `expected/NAME.json` says; parse_report on invented pages.

The seeds are read from ../shared/seeds (the `seeds_dir` fixture), never copied into the project.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from parsers import ParsedReport, parse_report
from parsers.model import table_values
from parsers.template import SECTION_IDS, TABLE_IDS

SEED_NAMES = (
    "000_98145941d0088452",
    "001_e501d39fb7faf04c",
    "002_497c134688cf5754",
    "003_d1ed69b8ea7b905a",
    "004_86c46567876ff1e6",
)

_cache: dict[str, tuple[ParsedReport, dict[str, Any]]] = {}


def _parsed(seeds_dir: Path, name: str) -> tuple[ParsedReport, dict[str, Any]]:
    if name not in _cache:
        data = (seeds_dir / f"{name}.txt").read_bytes()
        expected = json.loads((seeds_dir / "expected" / f"{name}.json").read_text(encoding="utf-8"))
        _cache[name] = (parse_report(data), expected)
    return _cache[name]


def test_the_seed_corpus_is_the_one_these_tests_were_written_for(seeds_dir: Path) -> None:
    assert sorted(p.stem for p in seeds_dir.glob("*.txt")) == list(SEED_NAMES)
    assert sorted(p.stem for p in (seeds_dir / "expected").glob("*.json")) == list(SEED_NAMES)


@pytest.mark.parametrize("name", SEED_NAMES)
def test_metadata(seeds_dir: Path, name: str) -> None:
    report, expected = _parsed(seeds_dir, name)
    assert report.title == expected["title"]
    assert report.region.code == expected["region"]["code"]
    assert report.region.name == expected["region"]["name"]
    assert report.year == expected["year"]
    assert (report.publish_date.isoformat() if report.publish_date else None) == expected["publish_date"]
    assert (report.sign_date.isoformat() if report.sign_date else None) == expected["sign_date"]
    assert report.script == expected["script"]
    assert report.kind == "report"


@pytest.mark.parametrize("name", SEED_NAMES)
def test_sections(seeds_dir: Path, name: str) -> None:
    report, expected = _parsed(seeds_dir, name)
    assert set(report.sections) == set(SECTION_IDS)
    present = [sid for sid in SECTION_IDS if report.sections[sid]]
    empty = [sid for sid in SECTION_IDS if report.sections[sid] == ""]
    assert present == expected["sections_present"]
    assert empty == expected["sections_empty"]


@pytest.mark.parametrize("name", SEED_NAMES)
def test_format(seeds_dir: Path, name: str) -> None:
    report, expected = _parsed(seeds_dir, name)
    assert report.format == expected["format"]


@pytest.mark.parametrize("name", SEED_NAMES)
def test_every_table_cell(seeds_dir: Path, name: str) -> None:
    report, expected = _parsed(seeds_dir, name)
    assert set(report.tables) == set(TABLE_IDS)
    got = {tid: None if t is None else table_values(t) for tid, t in report.tables.items()}
    assert got == expected["tables"]


@pytest.mark.parametrize("name", SEED_NAMES)
def test_failing_checks(seeds_dir: Path, name: str) -> None:
    report, expected = _parsed(seeds_dir, name)
    assert sorted(report.failing_checks()) == sorted(expected.get("checks_failing", []))


def test_seed_000_notes_each_missing_table(seeds_dir: Path) -> None:
    # tables were images: a warning per table section, and none of the sections is mistaken for a table
    report, _ = _parsed(seeds_dir, "000_98145941d0088452")
    assert report.organ == "开远市"
    assert sum(1 for w in report.warnings if "tables missing" in w) == 3


def test_seed_001_other_section_is_its_own_text_not_the_signature(seeds_dir: Path) -> None:
    report, _ = _parsed(seeds_dir, "001_e501d39fb7faf04c")
    assert report.sections["other"] == "无"
    assert report.organ == "泰顺县人民政府"  # the title names the county, the signature its government


def test_seed_003_organ_keeps_the_parent_city(seeds_dir: Path) -> None:
    report, _ = _parsed(seeds_dir, "003_d1ed69b8ea7b905a")
    assert report.organ == "金昌市金川区人民政府"


def test_seed_004_legacy_fee_section_maps_to_other(seeds_dir: Path) -> None:
    report, _ = _parsed(seeds_dir, "004_86c46567876ff1e6")
    other = report.sections["other"]
    assert other is not None and "费用" in other
    assert report.organ is None


# ---------------------------------------------------------------------------------------------
# parse_report on invented pages
# ---------------------------------------------------------------------------------------------


def _page(title: str, paragraphs: list[str], head: str = "") -> bytes:
    body = "".join(f"<p>{p}</p>" for p in paragraphs)
    page = f"<html><head>{head}</head><body><div class='TRS_Editor'><p>{title}</p>{body}</div></body></html>"
    return page.encode()


def test_interpretation_page_is_not_a_report() -> None:
    report = parse_report(_page("图解:样本县2023年政府信息公开工作年度报告", ["一图读懂本年度报告。"]))
    assert report.kind == "not_report"
    notice = parse_report(_page("关于调整办公地址的通知", ["各有关单位:本机关自即日起迁址办公。"]))
    assert notice.kind == "not_report"
    assert notice.warnings == ["no section headings found"]


def test_format_by_year_when_there_is_no_table() -> None:
    def fmt(year: int) -> str:
        page = _page(f"样本县{year}年政府信息公开工作年度报告", ["一、总体情况", "正文。"])
        return parse_report(page).format

    assert (fmt(2012), fmt(2018), fmt(2019), fmt(2020), fmt(2021), fmt(2024)) == (
        "legacy", "legacy", "2019", "2019", "2021", "2021",
    )
    assert parse_report(_page("政府信息公开工作报告", ["一、总体情况", "正文。"])).format == "unknown"


def test_traditional_page_script_and_normalised_text() -> None:
    report = parse_report(_page("樣本縣2023年政府資訊公開工作年度報告", ["一、總體情況", "本機關規範辦理。"]))
    assert report.script == "traditional"
    assert report.title == "样本县2023年政府信息公开工作年度报告"
    assert report.sections["overview"] == "本机关规范办理。"


def test_bad_input_never_raises() -> None:
    for data in (b"", b"\x00" * 50, b"%PDF-1.4", b"<html", b"<<<>>>", bytes(range(256)) * 4):
        report = parse_report(data, content_type="text/html")
        assert isinstance(report, ParsedReport)
        assert set(report.sections) == set(SECTION_IDS)
        assert set(report.tables) == set(TABLE_IDS)
    assert parse_report(b"%PDF-1.4").warnings == [
        "corrupt PDF (truncated or damaged): No /Root object! - Is this really a PDF?"
    ]
    assert parse_report(b"").warnings == ["empty document: no bytes"]
    assert parse_report(b"", published="2024-02-03").publish_date is not None


# ---------------------------------------------------------------------------------------------
# The sample portal's generated pages (known values) parse exactly
# ---------------------------------------------------------------------------------------------


def test_sample_portal_report_pages_parse_to_their_known_values() -> None:
    from crawler.sampleportal import sites
    from crawler.sampleportal.chrome import PortalRequest

    compared = 0
    not_reports = 0
    file_only = 0
    expected_reports = 0
    expected_pages = 0
    generated_sites = [spec for spec in sites.SITE_SPECS if not spec.corpus]
    for spec in generated_sites:
        site = sites.Site(spec)
        reports = {r.doc_id: r for r in site.reports}
        expected_reports += len(reports)
        expected_pages += len(site.pages)
        # Families that publish some reports only as a file (the page just links it) say which.
        attachment_only = getattr(site.family, "attachment_only", lambda entry: False)
        for entry in site.entries():
            if attachment_only(entry):
                file_only += 1
                continue
            path, _, query = site.detail_path(entry.doc_id).partition("?")
            # The family's own page, below any WAF imitation in front of the site.
            response = site.family.handle(site, PortalRequest("GET", path, query))
            assert response is not None and response.status == 200, (spec.code, entry.doc_id)
            report = parse_report(response.body, content_type=response.content_type)
            if entry.doc_id not in reports:  # a 解读/图解 page
                assert report.kind == "not_report", entry.title
                not_reports += 1
                continue
            expected = reports[entry.doc_id].expected()
            got = {
                "title": report.title,
                "organ": report.organ,
                "region": {"name": report.region.name, "code": report.region.code},
                "year": report.year,
                "publish_date": report.publish_date.isoformat() if report.publish_date else None,
                "sign_date": report.sign_date.isoformat() if report.sign_date else None,
                "format": report.format,
                "script": report.script,
                "sections_present": [sid for sid in SECTION_IDS if report.sections[sid]],
                "sections_empty": [sid for sid in SECTION_IDS if report.sections[sid] == ""],
                "tables": {tid: None if t is None else table_values(t) for tid, t in report.tables.items()},
                "checks_failing": sorted(report.failing_checks()),
            }
            expected["checks_failing"] = sorted(expected["checks_failing"])
            assert got == {key: expected[key] for key in got}, (spec.code, entry.doc_id)
            assert report.kind == "report"
            compared += 1
    assert len(generated_sites) >= 3
    assert (compared + file_only, not_reports) == (expected_reports, expected_pages)
    assert compared >= 3 * sites.REPORTS_PER_SITE
