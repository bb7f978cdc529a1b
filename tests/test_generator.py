"""The synthetic report generator: determinism, mix, consistency, rendering."""

from __future__ import annotations

import copy
import re
import xml.etree.ElementTree as ET
from collections import Counter
from decimal import Decimal

import pytest

from crawler.sampleportal import generator, render, rules
from crawler.sampleportal.generator import LAYOUTS, SyntheticReport, generate_pages, generate_reports
from parsers.template import (
    ACTIVE_DISCLOSURE,
    APPLICANT_COLUMN_IDS,
    REQUEST_COLUMN_IDS,
    REQUEST_COLUMNS,
    REQUEST_GROUP_LABELS,
    REVIEW_BLOCK_IDS,
    REVIEW_BLOCKS,
    REVIEW_COLUMN_IDS,
    REVIEW_COLUMNS,
    SECTIONS,
    request_rows,
)

SITE_ARGS = [("990101", "样本市"), ("990102", "样本县"), ("990103", "样本区")]
# Full-width marks back to the template's normalised form, to look template labels up in rendered text.
_HALF = str.maketrans({"（": "(", "）": ")", "，": ",", "：": ":", "“": '"', "”": '"'})


def _reports(code: str = "990101", name: str = "样本市", count: int = 25) -> list[SyntheticReport]:
    return generate_reports(code, name, count, int(code))


def _text(report: SyntheticReport) -> str:
    root = ET.fromstring(f"<div>{report.body_html()}</div>")
    return "\n".join("".join(el.itertext()) for el in root).translate(_HALF)


def _zero_requests(fmt: str) -> rules.TableValues:
    return {r.id: dict.fromkeys(REQUEST_COLUMN_IDS, 0) for r in request_rows(fmt)}


# ---------------------------------------------------------------------------------------------
# Determinism and mix
# ---------------------------------------------------------------------------------------------


def test_same_arguments_give_the_same_reports() -> None:
    first, second = _reports(), _reports()
    assert [r.expected() for r in first] == [r.expected() for r in second]
    assert [r.body_html() for r in first] == [r.body_html() for r in second]
    other = generate_reports("990101", "样本市", 25, seed=7)
    assert [r.expected() for r in other] != [r.expected() for r in first]


def test_exact_mix_of_the_sample_sites() -> None:
    # Pinned: the sample portal serves exactly these; a change here changes every crawl test's data.
    mix = {
        code: (
            sorted(Counter(r.layout for r in _reports(code, name)).items()),
            sorted(Counter(r.format for r in _reports(code, name)).items()),
        )
        for code, name in SITE_ARGS
    }
    assert mix == {
        "990101": (
            [("absent", 6), ("html-table", 7), ("text-cells", 6), ("text-pipe", 6)],
            [("2019", 6), ("2021", 19)],
        ),
        "990102": (
            [("absent", 6), ("html-table", 7), ("text-cells", 6), ("text-pipe", 6)],
            [("2019", 8), ("2021", 17)],
        ),
        "990103": (
            [("absent", 6), ("html-table", 7), ("text-cells", 6), ("text-pipe", 6)],
            [("2019", 5), ("2021", 20)],
        ),
    }


@pytest.mark.parametrize("count", [0, 1, 6, 25, 70])
def test_counts_spread_and_order(count: int) -> None:
    reports = _reports(count=count)
    assert len(reports) == count
    assert [r.doc_id for r in reports] == list(range(1001, 1001 + count))
    assert len({(r.organ, r.year) for r in reports}) == count
    assert [r.publish_date for r in reports] == sorted(r.publish_date for r in reports)
    layouts = Counter(r.layout for r in reports)
    assert sum(layouts.values()) == count
    if count >= len(LAYOUTS):
        assert max(layouts.values()) - min(layouts.values()) <= 1
    assert sum(1 for r in reports if r.failing_checks) == count // 6
    specials = Counter(r.special_cell.split(":")[0] for r in reports if r.special_cell)
    assert specials == Counter({k: count // 10 for k in ("blank", "na") if count // 10})
    for report in reports:
        assert report.format == ("2019" if report.year <= 2020 else "2021")
        assert report.sign_date.year == report.year + 1 and report.sign_date.month == 1
        assert report.sign_date < report.publish_date
        assert report.title == f"{report.organ}{report.year}年政府信息公开工作年度报告"
        assert report.organ.startswith("样本市")


def test_count_beyond_organs_times_years_is_refused() -> None:
    with pytest.raises(ValueError, match="between 0 and 70"):
        generate_reports("990101", "样本市", 71, 1)
    with pytest.raises(ValueError):
        generate_reports("990101", "样本市", -1, 1)


# ---------------------------------------------------------------------------------------------
# The rule evaluator on hand-made tables
# ---------------------------------------------------------------------------------------------


def test_rules_on_a_hand_made_table() -> None:
    requests = _zero_requests("2021")
    for row, n in (("new_received", 3), ("granted", 2), ("unable_not_held", 1), ("total", 3)):
        requests[row]["natural_person"] = n
        requests[row]["total"] = n
    review = {b: dict.fromkeys(REVIEW_COLUMN_IDS, 0) for b in REVIEW_BLOCK_IDS}
    review["review"].update(upheld=1, total=1)
    tables: rules.Tables = {"active_disclosure": None, "requests": requests, "review_litigation": review}
    results = rules.evaluate("2021", tables)
    assert len(results) == 7 + 7 + 25 + 3
    assert all(r.ok is True for r in results)
    assert rules.failing("2021", tables) == ()

    requests["granted"]["natural_person"] = 3  # a granted request nobody counted in the totals
    review["litigation_direct"]["total"] = 2
    assert rules.failing("2021", tables) == (
        "requests.results_sum.natural_person",
        "requests.row_sum.granted",
        "review_litigation.sum.litigation_direct",
    )
    detail = {r.id: r.detail for r in rules.evaluate("2021", tables)}
    assert detail["requests.balance.natural_person"] == "3 + 0 = 3 + 0"
    assert detail["review_litigation.sum.litigation_direct"] == "0 + 0 + 0 + 0 = 2"


def test_rules_blank_and_na_operands_are_not_assessable() -> None:
    requests = _zero_requests("2019")
    requests["carried_over"]["natural_person"] = None
    requests["carried_over"]["total"] = "n/a"
    results = {r.id: r for r in rules.requests_rules("2019", requests)}
    assert len(results) == 7 + 7 + 23
    not_assessable = sorted(k for k, r in results.items() if r.ok is None)
    assert not_assessable == [
        "requests.balance.natural_person",
        "requests.balance.total",
        "requests.row_sum.carried_over",
    ]
    assert results["requests.balance.natural_person"].detail == "0 + blank = 0 + 0"
    assert "requests.row_sum.other_handling" in results and "requests.row_sum.other_misc" not in results


# ---------------------------------------------------------------------------------------------
# Consistency of the generated values
# ---------------------------------------------------------------------------------------------


def _expected_failures(report: SyntheticReport) -> set[str]:
    """The checks a defect must break, derived from what it changed (not from the evaluator)."""
    kind, _, where = report.defect.partition(":")
    if kind == "total_off_by_one":
        return {f"requests.balance.{where}", f"requests.results_sum.{where}", "requests.row_sum.total"}
    if kind == "row_total_mismatch":
        other = "requests.balance.total" if where == "new_received" else "requests.results_sum.total"
        return {f"requests.row_sum.{where}", other}
    if kind == "review_total_off":
        return {f"review_litigation.sum.{where}"}
    if kind == "uncounted_result":
        return {"requests.results_sum.natural_person", "requests.results_sum.total"}
    raise AssertionError(report.defect)


@pytest.mark.parametrize(("code", "name"), SITE_ARGS)
def test_consistent_reports_pass_and_inconsistent_fail_exactly(code: str, name: str) -> None:
    reports = generate_reports(code, name, 70, int(code))
    kinds = Counter(r.defect.split(":")[0] for r in reports if r.defect)
    assert kinds == Counter(dict.fromkeys(generator.DEFECT_KINDS, 70 // 6 // 4)) + Counter(
        dict.fromkeys(generator.DEFECT_KINDS[: 70 // 6 % 4], 1)
    )
    for report in reports:
        results = report.checks()
        if report.layout == "absent":
            assert results == [] and report.failing_checks == () and not report.defect
            continue
        assert len(results) == 3 + 7 + 7 + len(request_rows(report.format))
        failing = {r.id for r in results if r.ok is False}
        assert failing == set(report.failing_checks)
        if report.defect:
            assert failing == _expected_failures(report), report.defect
            assert rules.failing(report.format, report.correction or {}) == ()
        else:
            assert failing == set()
        unassessable = {r.id for r in results if r.ok is None}
        if report.special_cell == "blank:requests.carried_over":
            assert unassessable == {
                "requests.balance.natural_person",
                "requests.balance.total",
                "requests.row_sum.carried_over",
            }
        else:
            assert unassessable == set()


def test_values_have_the_contract_types() -> None:
    for report in _reports(count=70):
        for table_id, table in report.tables.items():
            if report.layout == "absent":
                assert table is None
                continue
            assert table is not None
            for row, cols in table.items():
                for col, value in cols.items():
                    if value is None or value == "n/a":
                        assert report.special_cell, (table_id, row, col)
                    elif col in ("amount_10k_yuan", "amount"):
                        assert isinstance(value, Decimal) and value >= 0
                    elif col == "change":
                        assert isinstance(value, int)
                    else:
                        assert isinstance(value, int) and value >= 0, (table_id, row, col)
        if report.layout != "absent":
            assert report.tables["requests"] is not None
            assert list(report.tables["requests"]) == [r.id for r in request_rows(report.format)]
            active = report.tables["active_disclosure"]
            assert active is not None
            assert list(active) == [r.id for r in ACTIVE_DISCLOSURE[report.format]]


def test_years_of_one_organ_chain() -> None:
    reports = generator.generate_reports("990101", "样本市", 70, 990101)
    by_key = {(r.organ, r.year): r for r in reports}
    carries = in_force = 0
    for (organ, year), report in by_key.items():
        previous = by_key.get((organ, year - 1))
        if previous is None or previous.layout == "absent" or report.layout == "absent":
            continue
        prev_req, cur_req = previous.tables["requests"], report.tables["requests"]
        assert prev_req is not None and cur_req is not None
        for col in APPLICANT_COLUMN_IDS:
            if cur_req["carried_over"][col] is not None:
                assert cur_req["carried_over"][col] == prev_req["carried_forward"][col]
                carries += 1
        if report.format == previous.format == "2021":
            prev_act, cur_act = previous.tables["active_disclosure"], report.tables["active_disclosure"]
            assert prev_act is not None and cur_act is not None
            for row in ("regulations", "normative_documents"):
                issued, repealed = cur_act[row]["issued"], cur_act[row]["repealed"]
                assert isinstance(issued, int) and isinstance(repealed, int)
                assert cur_act[row]["in_force"] == _int(prev_act[row]["in_force"]) + issued - repealed
                in_force += 1
    assert carries > 50 and in_force > 20


def _int(value: object) -> int:
    assert isinstance(value, int)
    return value


# ---------------------------------------------------------------------------------------------
# Rendering
# ---------------------------------------------------------------------------------------------


def test_official_label_form() -> None:
    assert render.official("(二)部分公开(区分处理的,只计这一情形,不计其他情形)") == (
        "（二）部分公开（区分处理的，只计这一情形，不计其他情形）"
    )
    assert render.official('3.危及"三安全一稳定"') == "3.危及“三安全一稳定”"
    assert render.official("本年收费金额(单位:万元)") == "本年收费金额（单位：万元）"


def _expand(table: ET.Element) -> list[list[str]]:
    """rowspan/colspan expanded into a full grid of cell texts."""
    grid: dict[tuple[int, int], str] = {}
    for r, tr in enumerate(table.iter("tr")):
        c = 0
        for td in tr.iter("td"):
            while (r, c) in grid:
                c += 1
            rowspan, colspan = int(td.get("rowspan", 1)), int(td.get("colspan", 1))
            for dr in range(rowspan):
                for dc in range(colspan):
                    grid[(r + dr, c + dc)] = (td.text or "").translate(_HALF)
            c += colspan
    rows = max(r for r, _ in grid) + 1
    cols = max(c for _, c in grid) + 1
    return [[grid[(r, c)] for c in range(cols)] for r in range(rows)]


def test_html_tables_expand_to_the_official_grids() -> None:
    checked = Counter[str]()
    for report in _reports(count=70):
        if report.layout != "html-table":
            continue
        root = ET.fromstring(f"<div>{report.body_html()}</div>")
        active, requests, review = (_expand(t) for t in root.iter("table"))
        fmt = report.format
        table = report.tables["requests"]
        assert table is not None
        rows = request_rows(fmt)
        assert len(requests) == 3 + len(rows) and {len(r) for r in requests} == {10}
        assert requests[0][3:] == ["申请人情况"] * 7
        assert requests[2][3:] == [c.label for c in REQUEST_COLUMNS]
        for spec, grid_row in zip(rows, requests[3:], strict=True):
            labels = [t for t in grid_row[:3] if t]
            assert labels[-1] == spec.label
            if spec.group is not None:
                assert labels[0] == REQUEST_GROUP_LABELS[0]
            assert grid_row[3:] == [render.cell_text(table[spec.id][c]) for c in REQUEST_COLUMN_IDS]
        assert len(review) == 4 and {len(r) for r in review} == {15}
        assert review[1][5:] == [REVIEW_BLOCKS[1].label] * 5 + [REVIEW_BLOCKS[2].label] * 5
        values = report.tables["review_litigation"]
        assert values is not None
        assert review[3] == [str(values[b.id][c.id]) for b in REVIEW_BLOCKS for c in REVIEW_COLUMNS]
        active_values = report.tables["active_disclosure"]
        assert active_values is not None
        for spec in ACTIVE_DISCLOSURE[fmt]:
            grid_row = next(r for r in active if r[0] == spec.label)
            cells = [render.cell_text(active_values[spec.id][c.id]) for c in spec.columns]
            assert grid_row[1 : 1 + len(cells)] == cells
        checked[fmt] += 1
    assert checked["2019"] > 0 and checked["2021"] > 0


def test_text_layouts_hold_every_cell_in_order() -> None:
    for report in _reports(count=70):
        if report.layout not in ("text-cells", "text-pipe"):
            continue
        root = ET.fromstring(f"<div>{report.body_html()}</div>")
        assert root.find(".//table") is None
        lines = ["".join(p.itertext()).translate(_HALF) for p in root.iter("p")]
        table = report.tables["requests"]
        assert table is not None
        for spec in request_rows(report.format):
            values = [render.cell_text(table[spec.id][c]) for c in REQUEST_COLUMN_IDS]
            if report.layout == "text-pipe":
                line = next(ln for ln in lines if f"{spec.label} | " in ln and ln.endswith(" ||"))
                assert line.removesuffix(" ||").split(" | ")[-7:] == values
            else:
                at = next(i for i, ln in enumerate(lines) if ln.strip() == spec.label)
                assert [ln.strip() for ln in lines[at + 1 : at + 8]] == values


def test_bodies_are_well_formed_and_carry_the_report() -> None:
    for report in _reports(count=70):
        body = report.body_html()
        body.encode("gbk")  # site 990103 serves GBK
        text = _text(report)
        lines = text.split("\n")
        assert lines[0] == report.title
        assert lines[-2:] == [report.organ, f"{report.sign_date.year}年1月{report.sign_date.day}日"]
        assert f"统计期限自{report.year}年1月1日起至{report.year}年12月31日止" in text
        for spec in SECTIONS:
            assert any(
                ln.startswith(f"{spec.number}、") and ln[2:] in (spec.heading, *spec.variants) for ln in lines
            ), spec.id
        figures = report.figures["requests"]
        new = figures["new_received"]["total"]
        assert f"本年新收政府信息公开申请{new}件" in text
        assert f"全年通过门户网站主动公开政府信息{report.items_published}条" in text
        images = re.findall(r'<img src="([^"]+)"', body)
        if report.layout == "absent":
            assert len(images) == 3
            assert "申请人情况" not in text and "第二十条" not in text
            assert report.sections_empty == ["active_disclosure", "requests", "review_litigation"]
        else:
            assert images == []
            for label in ("申请人情况", "法人或其他组织", "行政复议", "未经复议直接起诉", "复议后起诉"):
                assert label in text
            assert report.sections_empty == []


def test_expected_has_the_seed_shape() -> None:
    report = next(r for r in _reports() if r.defect)
    expected = report.expected()
    assert set(expected) == {
        "title", "organ", "region", "year", "publish_date", "sign_date", "format", "script",
        "sections_present", "sections_empty", "tables", "checks_failing",
    }  # fmt: skip
    assert expected["region"] == {"name": "样本市", "code": "990101"}
    assert expected["checks_failing"] == list(report.failing_checks) != []
    assert expected["publish_date"] == report.publish_date.isoformat()
    expected["tables"]["requests"]["total"]["total"] = -1  # a copy: the report is untouched
    assert report.tables["requests"] is not None and report.tables["requests"]["total"]["total"] != -1


def test_revision_corrects_defects_and_changes_the_text() -> None:
    reports = _reports()
    bad = next(r for r in reports if r.defect)
    good = next(r for r in reports if not r.defect and r.layout != "absent")
    fixed = bad.revised()
    assert fixed.failing_checks == () and fixed.defect == "" and fixed.revision == 1
    assert fixed.tables == bad.correction
    assert fixed.body_html() != bad.body_html()
    again = fixed.revised()
    assert again.tables == fixed.tables and again.body_html() != fixed.body_html()
    changed = good.revised()
    assert changed.tables == good.tables and changed.failing_checks == ()
    assert changed.items_published == good.items_published + 1
    assert "更正说明" in changed.body_html() and "更正说明" not in good.body_html()
    assert copy.deepcopy(good) == good  # revising never mutates the original


def test_pages_are_about_reports() -> None:
    reports = _reports()
    pages = generate_pages(reports, 4, 990101)
    assert [p.doc_id for p in pages] == [2001, 2002, 2003, 2004]
    assert Counter(p.kind for p in pages) == Counter({"解读": 2, "图解": 2})
    titles = {r.title for r in reports}
    for page in pages:
        assert page.report_title in titles
        assert page.title in (f"《{page.report_title}》解读", f"图解：{page.report_title}")
        body = page.body_html()
        ET.fromstring(f"<div>{body}</div>")
        assert "申请人情况" not in body and "一、总体情况" not in body
    with pytest.raises(ValueError):
        generate_pages(reports[:2], 3, 1)
