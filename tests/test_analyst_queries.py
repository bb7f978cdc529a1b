"""Every example query of docs/analysts.md, run as the read-only analyst role against the sample portal's
database (tests/analyst_db.py), and compared with the figures the generator wrote the reports from.

The expected rows are computed here from the SyntheticReports, in the order the query's ORDER BY asks for;
text sorts in code-point order, which is what the documented `COLLATE "C"` gives on any server.
"""

from __future__ import annotations

import itertools
import re
from collections import defaultdict
from collections.abc import Callable, Iterator
from decimal import Decimal
from typing import Any

import psycopg
import pytest

from crawler.registry import load_registry
from crawler.sampleportal import SyntheticReport
from parsers.template import REQUEST_COLUMN_IDS, REQUEST_ROW_BY_ID, REVIEW_BLOCK_IDS
from tests.analyst_db import (
    MISSING_REGION,
    AnalystDb,
    fees_10k_yuan,
    request_sum,
    request_total,
    round_half_up,
)
from tests.conftest import REPO_ROOT

pytestmark = pytest.mark.postgres

DOC = REPO_ROOT / "docs" / "analysts.md"
SQL_BLOCK = re.compile(r"^```sql\n(.*?)^```", re.S | re.M)
VIEWS = (
    "region_hierarchy",
    "report_key_figures",
    "organ_year_reports",
    "request_values",
    "check_results",
    "coverage",
    "cross_year_checks",
)
Row = tuple[Any, ...]


def documented_queries() -> list[str]:
    return SQL_BLOCK.findall(DOC.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def analyst(analyst_db: AnalystDb) -> Iterator[psycopg.Connection[Any]]:
    with psycopg.connect(analyst_db.analyst_libpq(), autocommit=True) as conn:
        yield conn


def run(conn: psycopg.Connection[Any], query: str) -> list[Row]:
    return [tuple(row) for row in conn.execute(query).fetchall()]


# ---------------------------------------------------------------------------------------------------------
# The truth of each question
# ---------------------------------------------------------------------------------------------------------

PROVINCE = ("990100", "样本省")  # the registry's parent of every sample region


def level(code: str) -> str | None:
    region = load_registry().get(code)
    return None if region is None else region.level


def q1_denied_share_by_county(db: AnalystDb) -> list[Row]:
    totals: dict[tuple[str, str], list[int]] = defaultdict(lambda: [0, 0])
    for truth in db.parsed.values():
        report = truth.report
        denied, handled = request_sum(report, "denied_"), request_total(report, "total")
        if level(truth.code) != "county" or denied is None or handled is None:
            continue
        totals[(truth.code, report.region_name)][0] += denied
        totals[(truth.code, report.region_name)][1] += handled
    rows = [
        (code, name, d, h, round_half_up(Decimal(d) / Decimal(h), 4) if h else None)
        for (code, name), (d, h) in totals.items()
    ]
    return sorted(rows, key=lambda r: (-(r[4] if r[4] is not None else Decimal(-1)), r[0]))[:20]


def q2_new_requests_by_province(db: AnalystDb) -> list[Row]:
    by_year: dict[int, list[SyntheticReport]] = defaultdict(list)
    for report in db.reports():
        by_year[report.year].append(report)
    rows: list[Row] = []
    previous: int | None = None
    for year in sorted(by_year):
        figures = [request_total(r, "new_received") for r in by_year[year]]
        known = [f for f in figures if f is not None]
        total = sum(known) if known else None
        change = None if previous is None or total is None else total - previous
        rows.append((*PROVINCE, year, len(figures), len(known), total, change))
        previous = total
    return rows


def consecutive_pairs(db: AnalystDb) -> Iterator[tuple[str, SyntheticReport, SyntheticReport]]:
    """(region code, report t-1, report t) for every organ with reports in consecutive years."""
    by_key = {(t.code, t.report.organ, t.report.year): t.report for t in db.parsed.values()}
    for (code, organ, year), report in by_key.items():
        previous = by_key.get((code, organ, year - 1))
        if previous is not None:
            yield code, previous, report


def q3_carry_over_breaks(db: AnalystDb) -> list[Row]:
    rows: list[Row] = []
    for code, prev, cur in consecutive_pairs(db):
        prev_req, cur_req = prev.tables["requests"], cur.tables["requests"]
        if prev_req is None or cur_req is None:
            continue
        for col in REQUEST_COLUMN_IDS:
            actual, expected = cur_req["carried_over"][col], prev_req["carried_forward"][col]
            actual = actual if isinstance(actual, int) else None
            expected = expected if isinstance(expected, int) else None
            ok = None if actual is None or expected is None else actual == expected
            if ok is not True:
                rows.append(
                    (code, cur.organ, prev.year, cur.year, f"cross_year.carry.{col}", ok, expected, actual)
                )
    return sorted(rows, key=lambda r: (r[0], r[1], r[3], r[4]))


def q4_failing_share_by_year(db: AnalystDb) -> list[Row]:
    rows: list[Row] = []
    for year, group in itertools.groupby(sorted(db.reports(), key=lambda r: r.year), key=lambda r: r.year):
        reports = list(group)
        failing = sum(1 for r in reports if r.failing_checks)
        rows.append((year, len(reports), failing, round_half_up(Decimal(failing) / len(reports), 3)))
    return rows


def q5_no_parsed_report(db: AnalystDb) -> list[Row]:
    found: dict[tuple[str, int | None], int] = defaultdict(int)
    parsed: dict[tuple[str, int | None], int] = defaultdict(int)
    for truth in db.parsed.values():
        found[(truth.code, truth.report.year)] += 1
        parsed[(truth.code, truth.report.year)] += 1
    # The placeholder page carries no year: the listing's title places it.
    found[(db.unparsed.code, db.unparsed.report.year)] += 1
    rows: list[Row] = [
        (code, load_registry().regions[code].name, year, n, 0)
        for (code, year), n in found.items()
        if parsed[(code, year)] == 0
    ]
    # The 404 has no document, so no year either.
    rows.append((MISSING_REGION, load_registry().regions[MISSING_REGION].name, None, 0, 1))
    return sorted(rows, key=lambda r: (r[0], r[2] is None, r[2] or 0))


def q6_denial_reasons(db: AnalystDb) -> list[Row]:
    ids = [r for r in REQUEST_ROW_BY_ID if r.startswith("denied")]
    rows = []
    for order, row_id in enumerate(ids):
        values = [request_total(r, row_id) for r in db.reports() if r.tables["requests"] is not None]
        known = [v for v in values if v is not None]
        rows.append(
            (order, (row_id, REQUEST_ROW_BY_ID[row_id].label, sum(known), sum(1 for v in known if v > 0)))
        )
    return [row for _, row in sorted(rows, key=lambda item: (-item[1][2], item[0]))]


def q7_totals_not_adding_up(db: AnalystDb) -> list[Row]:
    rows = [
        (
            t.code,
            t.report.organ,
            t.report.year,
            len(t.report.failing_checks),
            ", ".join(sorted(t.report.failing_checks)),
        )
        for t in db.parsed.values()
        if t.report.failing_checks
    ]
    return sorted(rows, key=lambda r: (-r[3], r[0], r[1], r[2]))


def q8_fees_by_province(db: AnalystDb) -> list[Row]:
    rows: list[Row] = []
    reports = sorted((r for r in db.reports() if r.format == "2021"), key=lambda r: r.year)
    for year, group in itertools.groupby(reports, key=lambda r: r.year):
        fees = [fees_10k_yuan(r) for r in group]
        known = [f for f in fees if f is not None]
        rows.append((*PROVINCE, year, len(fees), len(known), sum(known, Decimal(0)) if known else None))
    return rows


def q9_review_outcomes(db: AnalystDb) -> list[Row]:
    rows: list[Row] = []
    for block in sorted(REVIEW_BLOCK_IDS):
        sums = dict.fromkeys(("total", "upheld", "corrected", "other", "pending"), 0)
        for report in db.reports():
            table = report.tables["review_litigation"]
            if table is None:
                continue
            for col in sums:
                value = table[block][col]
                assert isinstance(value, int)  # the generator never blanks table 四
                sums[col] += value
        concluded = sums["upheld"] + sums["corrected"] + sums["other"]
        rate = round_half_up(Decimal(sums["corrected"]) / concluded, 3) if concluded else None
        rows.append((block, sums["total"], sums["upheld"], sums["corrected"], sums["pending"], rate))
    return rows


def q10_regulations_in_force(db: AnalystDb) -> list[Row]:
    rows: list[Row] = []
    for code, prev, cur in consecutive_pairs(db):
        prev_act, cur_act = prev.tables["active_disclosure"], cur.tables["active_disclosure"]
        if prev.format != "2021" or cur.format != "2021" or prev_act is None or cur_act is None:
            continue
        values = [prev_act["regulations"]["in_force"], cur_act["regulations"]["issued"]]
        values += [cur_act["regulations"]["repealed"], cur_act["regulations"]["in_force"]]
        before, issued, repealed, in_force = (v if isinstance(v, int) else None for v in values)
        expected = (
            before + issued - repealed
            if before is not None and issued is not None and repealed is not None
            else None
        )
        ok = None if expected is None or in_force is None else expected == in_force
        rows.append((code, cur.organ, prev.year, cur.year, expected, in_force, ok))
    return sorted(rows, key=lambda r: (r[6] is not None, r[6] is True, r[0], r[1], r[3]))


EXPECTED: tuple[Callable[[AnalystDb], list[Row]], ...] = (
    q1_denied_share_by_county,
    q2_new_requests_by_province,
    q3_carry_over_breaks,
    q4_failing_share_by_year,
    q5_no_parsed_report,
    q6_denial_reasons,
    q7_totals_not_adding_up,
    q8_fees_by_province,
    q9_review_outcomes,
    q10_regulations_in_force,
)


# ---------------------------------------------------------------------------------------------------------
# Tests
# ---------------------------------------------------------------------------------------------------------


def test_the_guide_documents_exactly_ten_queries() -> None:
    queries = documented_queries()
    assert len(queries) == 10
    headings = re.findall(r"^### (\d+)\. ", DOC.read_text(encoding="utf-8"), re.M)
    assert headings == [str(n) for n in range(1, 11)]


def test_the_fixture_holds_one_report_per_organ_and_year(analyst_db: AnalystDb) -> None:
    # The truth functions above rely on it: organ_year_reports then picks every parsed report.
    keys = [(t.code, t.report.organ, t.report.year) for t in analyst_db.parsed.values()]
    assert len(keys) == len(set(keys)) == 73
    assert sum(1 for _ in consecutive_pairs(analyst_db)) > 15


@pytest.mark.parametrize("number", range(1, 11))
def test_documented_query_answers_from_the_generators_truth(
    number: int, analyst_db: AnalystDb, analyst: psycopg.Connection[Any]
) -> None:
    query = documented_queries()[number - 1]
    expected = EXPECTED[number - 1](analyst_db)
    assert expected, f"query {number}: the fixture must give it something to find"
    assert run(analyst, query) == expected


def test_the_analyst_role_reads_every_view_and_writes_nothing(
    analyst_db: AnalystDb, analyst: psycopg.Connection[Any]
) -> None:
    counts = {view: run(analyst, f"SELECT count(*) FROM {view}")[0][0] for view in VIEWS}
    assert counts["report_key_figures"] == 74  # 73 parsed and the placeholder page
    assert counts["organ_year_reports"] == 73
    # The views cannot be written anyway (none is updatable): what matters is the rights on each.
    rights = analyst.execute(
        "SELECT v, has_table_privilege(v, 'SELECT'), has_table_privilege(v, 'INSERT'), "
        "has_table_privilege(v, 'UPDATE'), has_table_privilege(v, 'DELETE') "
        "FROM unnest(%s::text[]) WITH ORDINALITY AS t (v, n) ORDER BY n",
        (list(VIEWS),),
    ).fetchall()
    assert rights == [(view, True, False, False, False) for view in VIEWS]
    assert run(analyst, "SHOW default_transaction_read_only") == [("on",)]
    analyst.execute("SET default_transaction_read_only = off")  # the rights alone must stop it
    try:
        for statement in (
            "DELETE FROM reports",
            "UPDATE report_requests SET total = 0",
            "INSERT INTO template_labels VALUES ('requests', '2021', 'row', 'x', 'x', 0, NULL)",
            "CREATE VIEW analyst_scratch AS SELECT 1",
        ):
            with pytest.raises(psycopg.errors.InsufficientPrivilege):
                analyst.execute(statement)
    finally:
        analyst.execute("RESET default_transaction_read_only")
    with analyst_db.engine.connect() as owner:
        assert owner.exec_driver_sql("SELECT count(*) FROM reports").scalar_one() == 74


def test_every_failing_check_is_one_the_generator_made(analyst_db: AnalystDb) -> None:
    # Query 7 leans on it: the only checks that fail are the §7 table checks of the defective reports.
    failing = {
        (t.code, t.report.organ, t.report.year, check)
        for t in analyst_db.parsed.values()
        for check in t.report.failing_checks
    }
    assert len(failing) >= 12
    with analyst_db.engine.connect() as conn:
        stored = {
            tuple(row)
            for row in conn.exec_driver_sql(
                "SELECT region_code, organ, year, check_id FROM check_results WHERE ok IS FALSE"
            )
        }
    assert stored == failing
    assert all(check.startswith(("requests.", "review_litigation.")) for *_, check in failing)
