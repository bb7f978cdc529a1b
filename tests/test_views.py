"""The analyst views of migration 0004 against a real Postgres, row by row.

Two databases of reports, both saved through Repository like the crawler saves them:
- a hand-made county (990102) whose figures are invented here, one report per edge case: blank and n/a
  cells, totals that do not add up, duplicate reports of one organ-year, a 2019 → 2021 format switch, a gap
  between years, a page that is no report, a report of unknown format, a document never parsed, failures;
- a synthetic city (990101) from the sample portal's generator, whose SyntheticReport holds the truth.
Every expected value is either written out (hand-made) or computed from the truth in Python (synthetic);
cross_year_checks is compared with parsers.checks.cross_year on every consecutive pair.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import text

from crawler.items import FetchedDocument
from crawler.registry import Region
from crawler.sampleportal.generator import SyntheticReport, generate_reports
from crawler.store import Repository
from parsers.checks import cross_year, run_checks
from parsers.model import Cell, CellSource, ParsedReport, RegionRef, Table
from parsers.template import (
    NA,
    REQUEST_COLUMN_IDS,
    REQUEST_COLUMNS,
    REQUEST_ROW_BY_ID,
    REVIEW_BLOCK_IDS,
    SECTION_IDS,
    request_rows,
)

T0 = dt.datetime(2025, 3, 1, 8, 0, tzinfo=dt.UTC)
COUNTY, CITY, PROVINCE = "990102", "990101", "990100"
REGIONS = [
    Region(PROVINCE, "样本省", level="province", sample=True),
    Region(CITY, "样本市", parent=PROVINCE, level="prefecture", sample=True),
    Region(COUNTY, "样本县", parent=CITY, level="county", sample=True),
]
GOV, EDU, POLICE, FINANCE = "样本县人民政府", "样本县教育局", "样本县公安局", "样本县财政局"
OCR_IMAGE = "http://127.0.0.12:8800/img/t3.png"


# ---------------------------------------------------------------------------------------------
# Building reports
# ---------------------------------------------------------------------------------------------


def cell(value: int | Decimal | str | None, source: CellSource | None = None) -> Cell:
    raw = "" if value is None else "/" if value == NA else str(value)
    return Cell(value, raw, source)


Values = Sequence[int | str | None]


def requests(fmt: str, **rows: Values) -> Table:
    """Table 三 with every row of the format, zeros unless given (6 applicant values, then the total)."""
    table: Table = {}
    for row in request_rows(fmt):
        values = rows.get(row.id, [0] * 7)
        table[row.id] = {col: cell(v) for col, v in zip(REQUEST_COLUMN_IDS, values, strict=True)}
    return table


def review(**blocks: Values) -> Table:
    cols = ("upheld", "corrected", "other", "pending", "total")
    return {
        b: {c: cell(v) for c, v in zip(cols, blocks.get(b, [0] * 5), strict=True)} for b in REVIEW_BLOCK_IDS
    }


def active_2021(regulations: Values, normative: Values, fees: Decimal | None) -> Table:
    docs = ("issued", "repealed", "in_force")
    return {
        "regulations": {c: cell(v) for c, v in zip(docs, regulations, strict=True)},
        "normative_documents": {c: cell(v) for c, v in zip(docs, normative, strict=True)},
        "licensing": {"decisions": cell(7)},
        "penalty": {"decisions": cell(3)},
        "coercion": {"decisions": cell(NA)},
        "fees": {"amount_10k_yuan": cell(fees)},
    }


def report(
    organ: str,
    year: int,
    fmt: str,
    tables: dict[str, Table | None],
    *,
    published: dt.date | None = None,
    kind: str = "report",
    overview: str = "",
) -> ParsedReport:
    parsed = ParsedReport(
        title=f"{organ}{year}年政府信息公开工作年度报告",
        organ=organ,
        region=RegionRef("样本县", None),
        year=year,
        publish_date=published or dt.date(year + 1, 1, 20),
        sign_date=dt.date(year + 1, 1, 15),
        format=fmt,
        sections={sid: (overview if sid == "overview" else "") for sid in SECTION_IDS},
        tables={t: tables.get(t) for t in ("active_disclosure", "requests", "review_litigation")},
        kind=kind,  # type: ignore[arg-type]
    )
    parsed.checks = run_checks(parsed)
    return parsed


def fetched(region: str, n: int, listing_title: str) -> FetchedDocument:
    url = f"http://127.0.0.12:8800/gk/{region}/t{n}.html"
    return FetchedDocument(
        region_code=region,
        listing_url=f"http://127.0.0.12:8800/gk/{region}/index.htm",
        url=url,
        final_url=url.replace(".html", ".htm"),
        status=200,
        content_type="text/html; charset=utf-8",
        fetched_at=T0 + dt.timedelta(minutes=n),
        body=f"{region} page {n}".encode(),
        listing_title=listing_title,
        listing_date=dt.date(2025, 1, 10),
    )


@dataclass
class World:
    url: str
    repo: Repository
    ids: dict[str, int] = field(default_factory=dict)  # name -> report id
    parsed: dict[int, ParsedReport] = field(default_factory=dict)
    docs: dict[str, FetchedDocument] = field(default_factory=dict)

    def add(self, name: str, region: str, parsed: ParsedReport) -> int:
        doc = fetched(region, len(self.docs) + 1, parsed.title or "")
        saved = self.repo.save_document(None, doc, "ab/cd")
        report_id = self.repo.save_report(saved, doc, parsed)
        assert report_id is not None
        self.ids[name], self.parsed[report_id], self.docs[name] = report_id, parsed, doc
        return report_id

    def rows(self, query: str, **params: Any) -> list[tuple[Any, ...]]:
        with self.repo.engine.connect() as conn:
            return [tuple(r) for r in conn.execute(text(query), params)]


@pytest.fixture
def repo(pg_url: str) -> Iterator[Repository]:
    repository = Repository(pg_url)
    repository.sync_regions(REGIONS)
    try:
        yield repository
    finally:
        repository.close()


GRANTED_OCR = CellSource("ocr", page=2, confidence=0.85, low_confidence=True, document=OCR_IMAGE)


def hand_made(pg_url: str, repo: Repository) -> World:
    world = World(pg_url, repo)
    r1_requests = requests(
        "2021",
        new_received=[5, 1, 0, 0, 0, 0, 6],
        carried_over=[1, 0, 0, 0, 0, 0, 1],
        granted=[3, 1, 0, 0, 0, 0, 4],
        denied_state_secret=[1, 0, 0, 0, 0, 0, 1],
        unable_not_held=[1, 0, 0, 0, 0, 0, 1],
        total=[5, 1, 0, 0, 0, 0, 6],
        carried_forward=[1, 0, 0, 0, 0, 0, 1],
    )
    r1_requests["granted"]["total"] = cell(4, GRANTED_OCR)
    r1_requests["new_received"]["natural_person"] = cell(5, CellSource("html-table"))
    world.add(
        "r1",
        COUNTY,
        report(
            GOV,
            2021,
            "2021",
            {
                "requests": r1_requests,
                "review_litigation": review(review=[1, 0, 0, 0, 1], litigation_direct=[0, 0, 0, 1, 1]),
                "active_disclosure": active_2021([1, 0, 5], [2, 1, 10], Decimal("1.25")),
            },
            overview="本年共收到政府信息公开申请6件。",
        ),
    )
    world.add(
        "r2",
        COUNTY,
        report(
            GOV,
            2022,
            "2021",
            {
                "requests": requests(
                    "2021",
                    new_received=[4, 0, 0, 0, 0, 0, 4],
                    carried_over=[None, 0, 0, 0, 0, 0, 2],
                    granted=[3, 0, 0, 0, 0, 0, 3],
                    denied_state_secret=[0, 0, 0, 0, 0, 0, None],
                    unable_not_held=[1, 0, 0, 0, 0, 0, 1],
                    not_processed_duplicate=[0, 0, 0, 0, 0, 0, NA],
                    total=[4, 0, 0, 0, 0, 0, 5],
                ),
                "review_litigation": review(),
                "active_disclosure": active_2021([0, 0, 5], [3, 0, 12], None),
            },
            overview="本年共收到政府信息公开申请4件。",
        ),
    )
    # The same organ and year again, later, with one table only: not the one organ_year_reports picks.
    world.add(
        "r2b",
        COUNTY,
        report(GOV, 2022, "2021", {"requests": requests("2021")}, published=dt.date(2023, 6, 1)),
    )
    world.add("r3", COUNTY, report(GOV, 2024, "2021", {"requests": requests("2021")}))  # 2023 is missing
    world.add(
        "r4a",
        COUNTY,
        report(
            EDU,
            2020,
            "2019",
            {
                "requests": requests(
                    "2019",
                    new_received=[1, 0, 0, 0, 0, 0, 1],
                    other_handling=[1, 0, 0, 0, 0, 0, 1],
                    total=[1, 0, 0, 0, 0, 0, 1],
                ),
                "active_disclosure": {"regulations": {"new_made": cell(1), "new_published": cell(1)}},
            },
        ),
    )
    world.add(
        "r4b",
        COUNTY,
        report(
            EDU,
            2021,
            "2021",
            {
                "requests": requests("2021"),
                "review_litigation": review(),
                "active_disclosure": active_2021([0, 0, 0], [1, 0, 1], Decimal("0")),
            },
        ),
    )
    # Ties: the later publish date wins; on the same date, the higher report id.
    world.add(
        "ra",
        COUNTY,
        report(POLICE, 2022, "2021", {"requests": requests("2021")}, published=dt.date(2023, 2, 1)),
    )
    world.add(
        "rb",
        COUNTY,
        report(POLICE, 2022, "2021", {"requests": requests("2021")}, published=dt.date(2023, 3, 1)),
    )
    world.add(
        "rc",
        COUNTY,
        report(FINANCE, 2022, "2021", {"requests": requests("2021")}, published=dt.date(2023, 2, 1)),
    )
    world.add(
        "rd",
        COUNTY,
        report(FINANCE, 2022, "2021", {"requests": requests("2021")}, published=dt.date(2023, 2, 1)),
    )
    world.add("page", COUNTY, report(GOV, 2022, "unknown", {}, kind="not_report"))
    world.add("unknown", COUNTY, report("样本县民政局", 2024, "unknown", {}))
    # A report document stored but never parsed, and failures: one at its URL, one URL twice, one unplaced.
    unparsed = fetched(COUNTY, 99, "样本县2023年政府信息公开工作年度报告")
    repo.save_document(None, unparsed, "ab/ef")
    world.docs["unparsed"] = unparsed
    repo.record_failure(None, COUNTY, unparsed.url, "store error", "refused")
    repo.record_failure(None, COUNTY, "http://127.0.0.12:8800/gone.html", "http 404", "not found")
    repo.record_failure(None, COUNTY, "http://127.0.0.12:8800/gone.html", "http 404", "not found again")
    repo.record_failure(None, None, "http://127.0.0.99/x.html", "dns", "no such host")
    return world


@pytest.fixture
def world(pg_url: str, repo: Repository) -> World:
    return hand_made(pg_url, repo)


# ---------------------------------------------------------------------------------------------
# region_hierarchy
# ---------------------------------------------------------------------------------------------

HIERARCHY = (
    "SELECT code, name, level, province_code, province_name, prefecture_code, prefecture_name, "
    "county_code, county_name FROM region_hierarchy WHERE code = ANY(:codes) ORDER BY code"
)


def test_region_hierarchy_rows(repo: Repository, pg_url: str) -> None:
    world = World(pg_url, repo)
    codes = ["110000", "110105", "130000", "130100", "130102", "420000", "429004", PROVINCE, CITY, COUNTY]
    assert world.rows(HIERARCHY, codes=codes) == [
        ("110000", "北京市", "province", "110000", "北京市", None, None, None, None),
        ("110105", "朝阳区", "county", "110000", "北京市", None, None, "110105", "朝阳区"),  # 直辖市 district
        ("130000", "河北省", "province", "130000", "河北省", None, None, None, None),
        ("130100", "石家庄市", "prefecture", "130000", "河北省", "130100", "石家庄市", None, None),
        ("130102", "长安区", "county", "130000", "河北省", "130100", "石家庄市", "130102", "长安区"),
        ("420000", "湖北省", "province", "420000", "湖北省", None, None, None, None),
        ("429004", "仙桃市", "county", "420000", "湖北省", None, None, "429004", "仙桃市"),  # 省直辖县
        (PROVINCE, "样本省", "province", PROVINCE, "样本省", None, None, None, None),
        (CITY, "样本市", "prefecture", PROVINCE, "样本省", CITY, "样本市", None, None),
        (COUNTY, "样本县", "county", PROVINCE, "样本省", CITY, "样本市", COUNTY, "样本县"),
    ]
    # One row per code of regions ∪ divisions: the three sample regions are outside the national table.
    assert world.rows("SELECT count(*), count(DISTINCT code) FROM region_hierarchy") == [(3339 + 3, 3339 + 3)]
    assert world.rows("SELECT count(*) FROM divisions") == [(3339,)]


def test_region_hierarchy_falls_back_to_code_arithmetic(repo: Repository, pg_url: str) -> None:
    # A registry row with neither parent nor level: 990203 sits under 990200 if that exists, else 990000.
    repo.sync_regions(
        [Region("990200", "样本二市"), Region("990203", "样本二市某区"), Region("990303", "孤县")]
    )
    world = World(pg_url, repo)
    assert world.rows(HIERARCHY, codes=["990200", "990203", "990303"]) == [
        ("990200", "样本二市", "prefecture", None, None, "990200", "样本二市", None, None),
        ("990203", "样本二市某区", "county", None, None, "990200", "样本二市", "990203", "样本二市某区"),
        ("990303", "孤县", "county", None, None, None, None, "990303", "孤县"),
    ]


# ---------------------------------------------------------------------------------------------
# report_key_figures and organ_year_reports (hand-made)
# ---------------------------------------------------------------------------------------------

FIGURES = (
    "requests_new_received, requests_carried_over, requests_granted, requests_partially_granted, "
    "requests_denied, requests_unable, requests_not_processed, requests_other, requests_total, "
    "requests_carried_forward, reviews_total, lawsuits_total, fees_10k_yuan, tables_present"
)


def test_key_figures_of_hand_made_reports(world: World) -> None:
    got = {
        row[0]: row[1:]
        for row in world.rows(
            f"SELECT report_id, format, {FIGURES} FROM report_key_figures ORDER BY report_id"
        )
    }
    ids = world.ids
    assert got == {
        ids["r1"]: ("2021", 6, 1, 4, 0, 1, 1, 0, 0, 6, 1, 1, 1, Decimal("1.25"), 3),
        # denied_state_secret.total blank and not_processed_duplicate.total n/a: those sums are unknown.
        ids["r2"]: ("2021", 4, 2, 3, 0, None, 1, None, 0, 5, 0, 0, 0, None, 3),
        ids["r2b"]: ("2021", 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, None, None, None, 1),
        ids["r3"]: ("2021", 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, None, None, None, 1),
        # Format 2019: requests_other is the one row other_handling; fees only exist in 2021.
        ids["r4a"]: ("2019", 1, 0, 0, 0, 0, 0, 0, 1, 1, 0, None, None, None, 2),
        ids["r4b"]: ("2021", 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, Decimal("0"), 3),
        **{
            ids[n]: ("2021", 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, None, None, None, 1)
            for n in ("ra", "rb", "rc", "rd")
        },
        ids["unknown"]: ("unknown", *[None] * 13, 0),  # no tables at all
        # ids["page"] is a not_report: no row.
    }


def test_key_figures_provenance_and_checks(world: World) -> None:
    r1, r2 = world.ids["r1"], world.ids["r2"]
    doc = world.docs["r1"]
    row = world.rows(
        "SELECT region_code, region_name, province_code, prefecture_code, organ, year, title, source_url, "
        "final_url, publish_date, sign_date, fetched_at, sha256 FROM report_key_figures "
        "WHERE report_id = :id",
        id=r1,
    )
    assert row == [
        (
            COUNTY,
            "样本县",
            PROVINCE,
            CITY,
            GOV,
            2021,
            f"{GOV}2021年政府信息公开工作年度报告",
            doc.url,
            doc.final_url,
            dt.date(2022, 1, 20),
            dt.date(2022, 1, 15),
            doc.fetched_at,
            doc.sha256,
        )
    ]
    checks = {
        rid: (len(world.parsed[rid].checks), len(world.parsed[rid].failing_checks())) for rid in (r1, r2)
    }
    got = dict(
        (rid, (total, failed))
        for rid, total, failed in world.rows(
            "SELECT report_id, checks_total, checks_failed FROM report_key_figures "
            "WHERE report_id = ANY(:ids)",
            ids=[r1, r2],
        )
    )
    assert got == checks
    # 39 checks of table 三 (fmt 2021: 7 balance, 7 results_sum, 25 row_sum), 3 of table 四, 1 narrative.
    assert checks[r1] == (43, 0)
    # r2: the total row says 5 where its cells say 4 (results_sum.total has a blank operand: not assessable).
    assert sorted(world.parsed[r2].failing_checks()) == ["requests.balance.total", "requests.row_sum.total"]


def test_organ_year_reports_picks_one_report(world: World) -> None:
    ids = world.ids
    assert world.rows(
        "SELECT organ, year, report_id, tables_present, candidates FROM organ_year_reports "
        "ORDER BY organ, year"
    ) == sorted(
        [
            (GOV, 2021, ids["r1"], 3, 1),
            (GOV, 2022, ids["r2"], 3, 2),  # most tables beats the later publish date of r2b
            (GOV, 2024, ids["r3"], 1, 1),
            (EDU, 2020, ids["r4a"], 2, 1),
            (EDU, 2021, ids["r4b"], 3, 1),
            (POLICE, 2022, ids["rb"], 1, 2),  # the later publish date
            (FINANCE, 2022, ids["rd"], 1, 2),  # same date: the higher id
            ("样本县民政局", 2024, ids["unknown"], 0, 1),
        ]
    )


# ---------------------------------------------------------------------------------------------
# request_values
# ---------------------------------------------------------------------------------------------


def test_request_values_long_form(world: World) -> None:
    r1, r2, r4a = world.ids["r1"], world.ids["r2"], world.ids["r4a"]
    columns = (
        "row_id, row_label, row_order, column_id, column_label, value, raw, is_blank, is_na, method, page, "
        "confidence, low_confidence, document_url"
    )
    granted_total = world.rows(
        f"SELECT {columns} FROM request_values WHERE report_id = :id AND row_id = 'granted' "
        "AND column_id IN ('total', 'natural_person') ORDER BY column_order",
        id=r1,
    )
    granted, total_col = REQUEST_ROW_BY_ID["granted"], REQUEST_COLUMNS[-1]
    assert granted_total == [
        (
            "granted",
            granted.label,
            3,
            "natural_person",
            REQUEST_COLUMNS[0].label,
            3,
            "3",
            False,
            False,
            None,
            None,
            None,
            None,
            None,
        ),
        (
            "granted",
            granted.label,
            3,
            "total",
            total_col.label,
            4,
            "4",
            False,
            False,
            "ocr",
            2,
            pytest.approx(0.85),
            True,
            OCR_IMAGE,
        ),
    ]
    blank_and_na = world.rows(
        "SELECT row_id, column_id, value, raw, is_blank, is_na FROM request_values WHERE report_id = :id "
        "AND (is_blank OR is_na) ORDER BY row_order, column_order",
        id=r2,
    )
    assert blank_and_na == [
        ("carried_over", "natural_person", None, "", True, False),
        ("denied_state_secret", "total", None, "", True, False),
        ("not_processed_duplicate", "total", None, "/", False, True),
    ]
    # One row per stored cell: 25 rows × 7 columns in fmt 2021, 23 × 7 in fmt 2019 (its own row order).
    counts = world.rows(
        "SELECT report_id, count(*), count(row_label), count(column_label) FROM request_values "
        "WHERE report_id = ANY(:ids) GROUP BY report_id ORDER BY report_id",
        ids=[r1, r4a],
    )
    assert counts == [(r1, 175, 175, 175), (r4a, 161, 161, 161)]
    orders = world.rows(
        "SELECT row_id, row_order, row_group FROM request_values "
        "WHERE report_id = :id AND column_id = 'total' "
        "AND row_id IN ('other_handling', 'total') ORDER BY row_order",
        id=r4a,
    )
    other = REQUEST_ROW_BY_ID["other_handling"]
    assert orders == [("other_handling", 21, other.group), ("total", 22, REQUEST_ROW_BY_ID["total"].group)]
    # The not_report page has no request cells; the sum over the long form is the key figure.
    assert world.rows(
        "SELECT sum(value) FROM request_values WHERE row_id = 'new_received' AND column_id = 'total'"
    ) == [(6 + 4 + 1,)]


# ---------------------------------------------------------------------------------------------
# check_results
# ---------------------------------------------------------------------------------------------


def test_check_results_rule_subject_and_numbers(world: World) -> None:
    r2 = world.ids["r2"]
    got = {
        check_id: (rule, subject, ok, numbers)
        for check_id, rule, subject, ok, numbers in world.rows(
            "SELECT check_id, rule, subject, ok, numbers FROM check_results WHERE report_id = :id",
            id=r2,
        )
    }
    assert len(got) == len(world.parsed[r2].checks) == 43
    assert got["requests.balance.total"] == ("requests.balance", "total", False, [4, 2, 6, 5, 0, 5])
    assert got["requests.balance.natural_person"] == (
        "requests.balance",
        "natural_person",
        None,
        [4, 4, 0, 4],
    )
    # "granted 3 + denied_state_secret blank + unable_not_held 1 + not_processed_duplicate n/a (+ 18 rows of
    # 0); total 5": the count of zero rows is not a number of the check.
    assert got["requests.results_sum.total"] == ("requests.results_sum", "total", None, [3, 1, 5])
    assert got["requests.row_sum.carried_over"] == (
        "requests.row_sum",
        "carried_over",
        None,
        [0, 0, 0, 0, 0, 2],
    )
    assert got["review_litigation.sum.review"] == (
        "review_litigation.sum",
        "review",
        True,
        [0, 0, 0, 0, 0, 0],
    )
    # Narrative: 'prose "收到政府信息公开申请4件" 4; table new_received.total 4' — the quoted words are not
    # counted, the figure read from them is.
    assert got["narrative.new_received"] == ("narrative.new_received", None, True, [4, 4])
    details = dict(world.rows("SELECT check_id, detail FROM check_results WHERE report_id = :id", id=r2))
    assert details == {c.id: c.detail for c in world.parsed[r2].checks}


# ---------------------------------------------------------------------------------------------
# coverage
# ---------------------------------------------------------------------------------------------


def test_coverage_per_region_and_year(world: World) -> None:
    assert world.rows(
        "SELECT region_code, region_name, province_code, year, reports_found, reports_parsed, "
        "reports_with_all_tables, reports_failing_checks, failures FROM coverage "
        "ORDER BY region_code, year NULLS LAST"
    ) == [
        (COUNTY, "样本县", PROVINCE, 2020, 1, 1, 0, 0, 0),
        (COUNTY, "样本县", PROVINCE, 2021, 2, 2, 2, 0, 0),
        # r2 (failing), r2b, ra, rb, rc, rd; the 解读 page of 2022 is not counted.
        (COUNTY, "样本县", PROVINCE, 2022, 6, 6, 1, 1, 0),
        # The unparsed document: its year from the listing title, its failure with it.
        (COUNTY, "样本县", PROVINCE, 2023, 1, 0, 0, 0, 1),
        (COUNTY, "样本县", PROVINCE, 2024, 2, 1, 0, 0, 0),  # r3, and the report of unknown format
        (COUNTY, "样本县", PROVINCE, None, 0, 0, 0, 0, 1),  # one URL failing twice is one failure
    ]


# ---------------------------------------------------------------------------------------------
# cross_year_checks
# ---------------------------------------------------------------------------------------------

CROSS_YEAR = (
    "SELECT region_code, organ, year, previous_year, report_id, previous_report_id, check_id, ok, detail, "
    "expected, actual FROM cross_year_checks"
)


def assert_cross_year_agrees(world: World) -> int:
    """cross_year_checks == parsers.checks.cross_year(load_report(t-1), load_report(t)) for every pair
    organ_year_reports makes; returns the number of checks compared."""
    pairs = world.rows(
        "SELECT cur.report_id, prev.report_id FROM organ_year_reports cur JOIN organ_year_reports prev "
        "ON prev.region_code = cur.region_code AND prev.organ = cur.organ AND prev.year = cur.year - 1"
    )
    expected: dict[tuple[int, str], tuple[bool | None, str]] = {}
    for cur, prev in pairs:
        for check in cross_year(world.repo.load_report(prev), world.repo.load_report(cur)):
            expected[(cur, check.id)] = (check.ok, check.detail)
    got = {(row[4], row[6]): (row[7], row[8]) for row in world.rows(CROSS_YEAR)}
    assert got == expected
    return len(expected)


def test_cross_year_checks_of_hand_made_reports(world: World) -> None:
    ids = world.ids
    rows = {(r[4], r[6]): r for r in world.rows(CROSS_YEAR)}
    # GOV 2021 → 2022: 7 carry checks and 2 in_force checks; 2022 → 2024 is no pair (2023 is missing).
    # EDU 2020 (fmt 2019) → 2021: carry checks only. POLICE, FINANCE: one year each.
    assert sorted({(r[1], r[2], r[3], r[5]) for r in rows.values()}) == [
        (GOV, 2022, 2021, ids["r1"]),
        (EDU, 2021, 2020, ids["r4a"]),
    ]
    assert len(rows) == 7 + 2 + 7
    r2 = ids["r2"]
    assert rows[(r2, "cross_year.carry.total")][7:] == (
        False,
        "carried_over 2; previous carried_forward 1",
        Decimal(1),
        Decimal(2),
    )
    assert rows[(r2, "cross_year.carry.natural_person")][7:] == (
        None,
        "carried_over blank; previous carried_forward 1",
        Decimal(1),
        None,
    )
    assert rows[(r2, "cross_year.in_force.regulations")][7:] == (
        True,
        "in_force 5; previous in_force 5 + issued 0 - repealed 0 = 5",
        Decimal(5),
        Decimal(5),
    )
    assert rows[(r2, "cross_year.in_force.normative_documents")][7:] == (
        False,
        "in_force 12; previous in_force 10 + issued 3 - repealed 0 = 13",
        Decimal(13),
        Decimal(12),
    )
    assert {r[7] for k, r in rows.items() if k[0] == ids["r4b"]} == {True}
    assert assert_cross_year_agrees(world) == 16


# ---------------------------------------------------------------------------------------------
# The synthetic corpus: every view against the generator's truth
# ---------------------------------------------------------------------------------------------


def synthetic_parse(s: SyntheticReport) -> ParsedReport:
    tables: dict[str, Table | None] = {
        table_id: None
        if values is None
        else {row: {col: cell(v) for col, v in cols.items()} for row, cols in values.items()}
        for table_id, values in s.tables.items()
    }
    parsed = ParsedReport(
        title=s.title,
        organ=s.organ,
        region=RegionRef(s.region_name, s.region_code),
        year=s.year,
        publish_date=s.publish_date,
        sign_date=s.sign_date,
        format=s.format,
        sections={sid: "" for sid in SECTION_IDS},
        tables=tables,
    )
    parsed.checks = run_checks(parsed)
    return parsed


def _total(table: dict[str, dict[str, Any]] | None, row: str) -> Any:
    if table is None:
        return None
    value = table.get(row, {}).get("total")
    return None if value == NA else value


def _summed(table: dict[str, dict[str, Any]] | None, fmt: str, prefix: str) -> int | None:
    if table is None:
        return None
    values = [_total(table, r.id) for r in request_rows(fmt) if r.id.startswith(prefix)]
    return None if any(v is None for v in values) else sum(values)


def truth_figures(s: SyntheticReport) -> tuple[Any, ...]:
    q, rl, ad = s.tables["requests"], s.tables["review_litigation"], s.tables["active_disclosure"]
    lawsuits = None
    if rl is not None:
        parts = [_total(rl, "litigation_direct"), _total(rl, "litigation_after_review")]
        lawsuits = None if None in parts else sum(parts)
    fees = None
    if ad is not None and s.format == "2021":
        fees = ad["fees"]["amount_10k_yuan"]
    return (
        _total(q, "new_received"),
        _total(q, "carried_over"),
        _total(q, "granted"),
        _total(q, "partially_granted"),
        _summed(q, s.format, "denied_"),
        _summed(q, s.format, "unable_"),
        _summed(q, s.format, "not_processed_"),
        _summed(q, s.format, "other_"),
        _total(q, "total"),
        _total(q, "carried_forward"),
        _total(rl, "review"),
        lawsuits,
        fees,
        sum(t is not None for t in s.tables.values()),
    )


def test_synthetic_reports_in_every_view(repo: Repository, pg_url: str) -> None:
    world = World(pg_url, repo)
    corpus = generate_reports(CITY, "样本市", 40, seed=7)
    batch = []
    for n, s in enumerate(corpus, start=1):
        batch.append((fetched(CITY, n, s.title), "ab/cd", synthetic_parse(s)))
    results = repo.save_many(None, batch)
    by_id: dict[int, SyntheticReport] = {}
    for s, result, (_, _, parsed) in zip(corpus, results, batch, strict=True):
        assert isinstance(result, tuple) and result[1] is not None
        by_id[result[1]] = s
        world.parsed[result[1]] = parsed
    figures = {row[0]: row[1:] for row in world.rows(f"SELECT report_id, {FIGURES} FROM report_key_figures")}
    assert figures == {rid: truth_figures(s) for rid, s in by_id.items()}
    # The corpus has blank and n/a cells and inconsistent reports: the figures above cover them.
    assert sorted(s.special_cell for s in corpus if s.special_cell) == [
        "blank:active_disclosure.fees",
        *["blank:requests.carried_over"] * 3,
        *["na:active_disclosure.coercion"] * 4,
    ]
    assert sum(bool(s.defect) for s in corpus) == 40 // 6

    failing = dict(world.rows("SELECT report_id, checks_failed FROM report_key_figures"))
    assert failing == {rid: len(world.parsed[rid].failing_checks()) for rid in by_id}

    cells = world.rows("SELECT report_id, row_id, column_id, value, is_blank, is_na FROM request_values")

    def truth_cell(value: Any) -> tuple[Any, bool, bool]:
        return (None, value is None, value == NA) if value is None or value == NA else (value, False, False)

    truth_cells = {
        (rid, row, col): truth_cell(value)
        for rid, s in by_id.items()
        for row, cols in (s.tables["requests"] or {}).items()
        for col, value in cols.items()
    }
    assert {(r[0], r[1], r[2]): r[3:] for r in cells} == truth_cells
    # 上年结转 left blank in three reports (natural_person and total each).
    assert sum(blank for *_, blank, _ in cells) == 6

    years = sorted({s.year for s in corpus})
    coverage = world.rows(
        "SELECT year, reports_found, reports_parsed, reports_with_all_tables, reports_failing_checks, "
        "failures "
        "FROM coverage WHERE region_code = :code ORDER BY year",
        code=CITY,
    )
    assert coverage == [
        (
            year,
            sum(s.year == year for s in corpus),
            sum(s.year == year for s in corpus),
            sum(s.year == year and s.layout != "absent" for s in corpus),
            sum(s.year == year and bool(world.parsed[rid].failing_checks()) for rid, s in by_id.items()),
            0,
        )
        for year in years
    ]

    compared = assert_cross_year_agrees(world)
    pairs = {(s.organ, s.year) for s in corpus}
    consecutive = [(o, y) for o, y in pairs if (o, y - 1) in pairs]
    assert consecutive  # the corpus has consecutive years to compare
    with_requests = {(s.organ, s.year) for s in corpus if s.tables["requests"] is not None}
    with_active_2021 = {
        (s.organ, s.year) for s in corpus if s.tables["active_disclosure"] is not None and s.format == "2021"
    }
    expected_checks = sum(
        7 * ((o, y) in with_requests and (o, y - 1) in with_requests)
        + 2 * ((o, y) in with_active_2021 and (o, y - 1) in with_active_2021)
        for o, y in consecutive
    )
    assert compared == expected_checks
    assert expected_checks > 0
