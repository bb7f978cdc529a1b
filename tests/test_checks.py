"""parsers.checks: §7 checks with exact ok / None / False and details (invented figures), and seed 002."""

from __future__ import annotations

from pathlib import Path

from parsers import template
from parsers.checks import cross_year, run_checks, stated_figures
from parsers.model import Cell, Check, ParsedReport, Table
from parsers.tables import read_tables
from tests.test_tables import _seed

COLS = template.REQUEST_COLUMN_IDS


def cell(value: int | str | None) -> Cell:
    if value is None:
        return Cell(None, "")
    return Cell(value, str(value))


def requests_table(fmt: str, **rows: list[int | str | None]) -> Table:
    """Table 三 of zeros, with the given rows (seven cells each) put in."""
    table: Table = {r.id: {c: cell(0) for c in COLS} for r in template.request_rows(fmt)}
    for row, values in rows.items():
        table[row] = {c: cell(v) for c, v in zip(COLS, values, strict=True)}
    return table


def review_table(*cells: int | str | None) -> Table:
    return {
        block: {c: cell(v) for c, v in zip(template.REVIEW_COLUMN_IDS, cells[i * 5 : i * 5 + 5], strict=True)}
        for i, block in enumerate(template.REVIEW_BLOCK_IDS)
    }


def by_id(checks: list[Check]) -> dict[str, Check]:
    ids = [c.id for c in checks]
    assert len(ids) == len(set(ids)), "check ids are unique"
    return {c.id: c for c in checks}


def consistent_2021() -> Table:
    return requests_table(
        "2021",
        new_received=[5, 1, 0, 0, 0, 0, 6],
        carried_over=[1, 0, 0, 0, 0, 0, 1],
        granted=[3, 1, 0, 0, 0, 0, 4],
        unable_not_held=[1, 0, 0, 0, 0, 0, 1],
        other_misc=[1, 0, 0, 0, 0, 0, 1],
        total=[5, 1, 0, 0, 0, 0, 6],
        carried_forward=[1, 0, 0, 0, 0, 0, 1],
    )


def test_consistent_table_passes_every_check_with_details() -> None:
    checks = by_id(run_checks({"requests": consistent_2021(), "review_litigation": None}, "2021"))
    assert len(checks) == 7 + 7 + 25
    assert all(c.ok is True for c in checks.values())
    assert checks["requests.balance.natural_person"].detail == (
        "new_received 5 + carried_over 1 = 6; total 5 + carried_forward 1 = 6"
    )
    assert checks["requests.results_sum.total"].detail == (
        "granted 4 + unable_not_held 1 + other_misc 1 (+ 18 rows of 0) = 6; total 6"
    )
    assert checks["requests.results_sum.research_institution"].detail == "21 rows of 0 = 0; total 0"
    assert checks["requests.row_sum.granted"].detail == (
        "natural_person 3 + commercial_enterprise 1 + research_institution 0 + social_welfare_org 0"
        " + legal_service_org 0 + other_org 0 = 4; total 4"
    )


def test_failures_are_false_and_name_the_numbers() -> None:
    table = consistent_2021()
    table["total"]["natural_person"] = cell(6)  # one too many
    checks = by_id(run_checks({"requests": table}, "2021"))
    failing = sorted(c.id for c in checks.values() if c.ok is False)
    assert failing == [
        "requests.balance.natural_person",
        "requests.results_sum.natural_person",
        "requests.row_sum.total",
    ]
    assert checks["requests.balance.natural_person"].detail == (
        "new_received 5 + carried_over 1 = 6; total 6 + carried_forward 1 = 7"
    )
    assert checks["requests.row_sum.total"].detail == (
        "natural_person 6 + commercial_enterprise 1 + research_institution 0 + social_welfare_org 0"
        " + legal_service_org 0 + other_org 0 = 7; total 6"
    )


def test_blank_and_na_operands_are_not_assessable() -> None:
    table = consistent_2021()
    table["carried_over"]["natural_person"] = cell(None)
    table["carried_over"]["total"] = cell(None)
    table["unable_unclear"]["other_org"] = cell("n/a")
    checks = by_id(run_checks({"requests": table}, "2021"))
    assert checks["requests.balance.natural_person"] == Check(
        "requests.balance.natural_person",
        None,
        "new_received 5 + carried_over blank; total 5 + carried_forward 1 = 6",
    )
    assert checks["requests.balance.total"].ok is None
    assert checks["requests.row_sum.carried_over"].ok is None
    assert checks["requests.results_sum.other_org"].ok is None
    assert "unable_unclear n/a" in checks["requests.results_sum.other_org"].detail
    assert checks["requests.row_sum.unable_unclear"].ok is None
    assert [c.id for c in checks.values() if c.ok is False] == []


def test_2019_results_sum_includes_other_handling() -> None:
    table = requests_table(
        "2019",
        new_received=[3, 0, 0, 0, 0, 0, 3],
        granted=[1, 0, 0, 0, 0, 0, 1],
        other_handling=[2, 0, 0, 0, 0, 0, 2],
        total=[3, 0, 0, 0, 0, 0, 3],
    )
    checks = by_id(run_checks({"requests": table}, "2019"))
    assert len(checks) == 7 + 7 + 23
    assert checks["requests.results_sum.natural_person"] == Check(
        "requests.results_sum.natural_person",
        True,
        "granted 1 + other_handling 2 (+ 17 rows of 0) = 3; total 3",
    )
    assert "requests.row_sum.other_misc" not in checks
    # The format is inferred from the rows when the caller does not know it.
    assert by_id(run_checks({"requests": table}, "unknown")) == checks


def test_review_sums() -> None:
    checks = by_id(
        run_checks(
            {"review_litigation": review_table(1, 0, 1, 0, 2, 0, 0, 0, 1, 2, 0, 0, 0, "n/a", 0)}, "2021"
        )
    )
    assert checks == {
        "review_litigation.sum.review": Check(
            "review_litigation.sum.review", True, "upheld 1 + corrected 0 + other 1 + pending 0 = 2; total 2"
        ),
        "review_litigation.sum.litigation_direct": Check(
            "review_litigation.sum.litigation_direct",
            False,
            "upheld 0 + corrected 0 + other 0 + pending 1 = 1; total 2",
        ),
        "review_litigation.sum.litigation_after_review": Check(
            "review_litigation.sum.litigation_after_review",
            None,
            "upheld 0 + corrected 0 + other 0 + pending n/a; total 0",
        ),
    }


def test_no_checks_for_absent_tables() -> None:
    assert (
        run_checks(dict.fromkeys(template.TABLE_IDS), "2021", {"overview": "收到政府信息公开申请3件。"}) == []
    )


# ---------------------------------------------------------------------------------------------
# Narrative
# ---------------------------------------------------------------------------------------------


def test_narrative_figures_match_and_mismatch() -> None:
    tables = {"requests": consistent_2021(), "review_litigation": review_table(*[0] * 10, 1, 0, 0, 0, 1)}
    sections = {
        "overview": "本年度共收到政府信息公开申请6件,予以公开4件。",
        "review_litigation": "全年被申请行政复议2件,被提起行政诉讼2件。",
    }
    checks = by_id(run_checks(tables, "2021", sections))
    assert checks["narrative.new_received"] == Check(
        "narrative.new_received", True, 'prose "收到政府信息公开申请6件" 6; table new_received.total 6'
    )
    assert checks["narrative.granted"].ok is True
    assert checks["narrative.review"] == Check(
        "narrative.review", False, 'prose "行政复议2件" 2; table review.total 0'
    )
    assert checks["narrative.litigation"] == Check(
        "narrative.litigation",
        False,
        'prose "行政诉讼2件" 2; table litigation_direct.total 0 + litigation_after_review.total 1 = 1',
    )


def test_narrative_is_conservative() -> None:
    tables = {"requests": consistent_2021(), "review_litigation": review_table(*[0] * 15)}
    sections = {
        "overview": "其中网上收到申请3件。较上年收到申请12件有所下降。",  # a part; another year
        "requests": "收到申请6件(含上年结转1件)。\n本年收到申请7件,同时收到申请8件。",  # 结转; two figures
        "review_litigation": "行政复议和行政诉讼共0件。行政复议2019年修订。| 行政复议 0 |",
        "other": "主动予以公开信息120条。",
    }
    assert stated_figures(sections.values()) == {}
    assert [c.id for c in run_checks(tables, "2021", sections) if c.id.startswith("narrative")] == []


def test_narrative_with_blank_table_cell_is_not_assessable() -> None:
    table = consistent_2021()
    table["new_received"]["total"] = cell(None)
    checks = by_id(run_checks({"requests": table}, "2021", {"overview": "全年新收申请6件。"}))
    assert checks["narrative.new_received"].ok is None


# ---------------------------------------------------------------------------------------------
# Seed 002
# ---------------------------------------------------------------------------------------------


def test_seed_002_fails_exactly_the_expected_checks(seeds_dir: Path) -> None:
    sections, expected = _seed(seeds_dir, "002_497c134688cf5754")
    result = read_tables(sections)
    texts = {sid: "\n".join(getattr(b, "text", "") for b in blocks) for sid, blocks in sections.items()}
    checks = by_id(run_checks(result.tables, "2021", texts))
    assert sorted(c.id for c in checks.values() if c.ok is False) == sorted(expected["checks_failing"])
    assert (
        checks["requests.results_sum.total"].detail
        == "granted 14 + unable_not_held 2 (+ 19 rows of 0) = 16; total 14"
    )
    assert checks["requests.balance.natural_person"].ok is None
    assert checks["requests.balance.total"].ok is None
    assert checks["requests.balance.commercial_enterprise"].ok is True
    assert checks["narrative.new_received"].ok is True
    assert checks["narrative.litigation"] == Check(
        "narrative.litigation",
        True,
        'prose "行政诉讼1" 1; table litigation_direct.total 1 + litigation_after_review.total 0 = 1',
    )
    assert "narrative.review" not in checks
    assert "narrative.granted" not in checks


def test_run_checks_accepts_a_report(seeds_dir: Path) -> None:
    report = ParsedReport(
        format="2021", tables={"requests": consistent_2021()}, sections={"overview": "收到申请6件。"}
    )
    assert run_checks(report) == run_checks(report.tables, "2021", report.sections)
    assert by_id(run_checks(report))["narrative.new_received"].ok is True


# ---------------------------------------------------------------------------------------------
# Across years
# ---------------------------------------------------------------------------------------------


def _active_2021(issued: int, repealed: int, in_force: int | None) -> Table:
    return {
        row: {"issued": cell(issued), "repealed": cell(repealed), "in_force": cell(in_force)}
        for row in ("regulations", "normative_documents")
    }


def test_cross_year_carry_and_in_force() -> None:
    prev = ParsedReport(
        year=2022,
        format="2021",
        tables={"requests": consistent_2021(), "active_disclosure": _active_2021(1, 0, 10)},
    )
    cur_requests = consistent_2021()
    cur_requests["carried_over"]["commercial_enterprise"] = cell(2)
    cur_requests["carried_over"]["other_org"] = cell(None)
    active = _active_2021(3, 1, 12)
    active["normative_documents"]["in_force"] = cell(13)
    cur = ParsedReport(
        year=2023, format="2021", tables={"requests": cur_requests, "active_disclosure": active}
    )
    checks = by_id(cross_year(prev, cur))
    assert sorted(checks) == sorted(
        [f"cross_year.carry.{c}" for c in COLS]
        + ["cross_year.in_force.regulations", "cross_year.in_force.normative_documents"]
    )
    assert checks["cross_year.carry.natural_person"] == Check(
        "cross_year.carry.natural_person", True, "carried_over 1; previous carried_forward 1"
    )
    assert checks["cross_year.carry.commercial_enterprise"].ok is False
    assert checks["cross_year.carry.other_org"].ok is None
    assert checks["cross_year.in_force.regulations"] == Check(
        "cross_year.in_force.regulations",
        True,
        "in_force 12; previous in_force 10 + issued 3 - repealed 1 = 12",
    )
    assert checks["cross_year.in_force.normative_documents"].ok is False


def test_cross_year_needs_consecutive_years_and_2021_format_for_in_force() -> None:
    prev = ParsedReport(year=2020, format="2019", tables={"requests": consistent_2021()})
    cur = ParsedReport(year=2021, format="2021", tables={"requests": consistent_2021()})
    assert [c.id for c in cross_year(prev, cur)] == [f"cross_year.carry.{c}" for c in COLS]
    far = ParsedReport(year=2023, format="2021", tables={"requests": consistent_2021()})
    assert cross_year(prev, far) == []
    absent = ParsedReport(year=2021, format="2021", tables=dict.fromkeys(template.TABLE_IDS))
    assert cross_year(prev, absent) == []
