"""parsers.tables: cell values, and tables 二/三/四 read from grids and flattened text.

Synthetic tables here use invented numbers; labels come from parsers.template. The seeds are read
from ../shared/seeds and compared cell by cell with their expected JSON.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from parsers import template
from parsers.blocks import Block, Grid, Line
from parsers.model import Cell, Table, table_values
from parsers.normalize import label_key, normalize_text
from parsers.tables import is_unreadable, parse_cell, read_tables

# ---------------------------------------------------------------------------------------------
# Cells
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "kind", "value"),
    [
        ("14", "int", 14),
        (" 0 ", "int", 0),
        ("\u00a00", "int", 0),
        ("1,234", "int", 1234),
        ("１２", "int", 12),
        ("3件", "int", 3),
        ("251000元", "decimal", Decimal("251000")),
        ("12.5万元", "decimal", Decimal("12.5")),
        ("0", "decimal", Decimal("0")),
        ("1,234.50", "decimal", Decimal("1234.50")),
        ("+3", "signed", 3),
        ("-2", "signed", -2),
        ("−2", "signed", -2),
        ("4", "signed", 4),
        ("增3", "signed", 3),
        ("减1", "signed", -1),
    ],
)
def test_parse_cell_values(raw: str, kind: Any, value: object) -> None:
    cell = parse_cell(raw, kind)
    assert cell.value == value
    assert type(cell.value) is type(value)
    assert cell.raw == normalize_text(raw).strip()


@pytest.mark.parametrize("raw", ["/", "-", "—", "--", "——", "不适用", "无", "／", " / "])
def test_not_applicable_marks(raw: str) -> None:
    cell = parse_cell(raw, "int")
    assert cell.value == template.NA
    assert not is_unreadable(cell)


@pytest.mark.parametrize("raw", ["", "   ", "\u3000"])
def test_blank_is_none_not_zero(raw: str) -> None:
    cell = parse_cell(raw, "int")
    assert cell == Cell(None, "")
    assert not is_unreadable(cell)


@pytest.mark.parametrize(
    ("raw", "kind"),
    [("十四", "int"), ("1a4", "int"), ("-2", "int"), ("2.5", "int"), ("1,23", "int"), ("-1.5", "decimal")],
)
def test_unreadable_cells_keep_their_text(raw: str, kind: Any) -> None:
    cell = parse_cell(raw, kind)
    assert cell.value is None
    assert cell.raw == raw
    assert is_unreadable(cell)


def test_text_kind_keeps_text() -> None:
    assert parse_cell("其他说明", "text") == Cell("其他说明", "其他说明")


# ---------------------------------------------------------------------------------------------
# Seeds
# ---------------------------------------------------------------------------------------------


def _heading_keys() -> dict[str, str]:
    out: dict[str, str] = {}
    for spec in template.SECTIONS:
        for wording in (spec.heading, *spec.variants):
            out[f"{spec.number}、{label_key(wording)}"] = spec.id
    return out


def split_sections(text: str) -> dict[str, list[Block]]:
    """Test helper: normalised lines under the official headings found at the start of a line."""
    headings = _heading_keys()
    sections: dict[str, list[Block]] = {}
    current: list[Block] | None = None
    for raw_line in text.split("\n"):
        line = normalize_text(raw_line)
        section_id = headings.get(label_key(line))
        if section_id is not None and section_id not in sections:
            current = sections[section_id] = []
        elif current is not None:
            current.append(Line(line))
    return sections


def _seed(seeds_dir: Path, name: str) -> tuple[dict[str, list[Block]], dict[str, Any]]:
    text = (seeds_dir / f"{name}.txt").read_text(encoding="utf-8")
    expected = json.loads((seeds_dir / "expected" / f"{name}.json").read_text(encoding="utf-8"))
    return split_sections(text), expected


def _values(tables: dict[str, Table | None]) -> dict[str, Any]:
    return {tid: None if t is None else table_values(t) for tid, t in tables.items()}


@pytest.mark.parametrize("name", ["002_497c134688cf5754", "003_d1ed69b8ea7b905a"])
def test_seed_tables_exact(seeds_dir: Path, name: str) -> None:
    sections, expected = _seed(seeds_dir, name)
    result = read_tables(sections)
    assert result.format == "2021"
    assert list(result.tables) == list(template.TABLE_IDS)
    assert _values(result.tables) == expected["tables"]


def test_seed_002_blank_cells_and_raw_text(seeds_dir: Path) -> None:
    sections, _ = _seed(seeds_dir, "002_497c134688cf5754")
    result = read_tables(sections)
    requests = result.tables["requests"]
    assert requests is not None
    assert requests["carried_over"]["natural_person"] == Cell(None, "")
    assert requests["carried_over"]["total"] == Cell(None, "")
    assert requests["new_received"]["total"] == Cell(14, "14")
    active = result.tables["active_disclosure"]
    assert active is not None
    assert active["fees"]["amount_10k_yuan"] == Cell(Decimal("0"), "0")
    assert result.warnings == []


def test_seed_003_warns_that_table_two_is_missing(seeds_dir: Path) -> None:
    sections, _ = _seed(seeds_dir, "003_d1ed69b8ea7b905a")
    result = read_tables(sections, "2021")
    assert result.tables["active_disclosure"] is None
    assert result.warnings == ["tables missing: section 二 has no table (image?)"]


@pytest.mark.parametrize("name", ["000_98145941d0088452", "004_86c46567876ff1e6"])
def test_seeds_without_tables(seeds_dir: Path, name: str) -> None:
    sections, expected = _seed(seeds_dir, name)
    assert expected["tables"] == dict.fromkeys(template.TABLE_IDS)
    result = read_tables(sections, None)
    assert result.tables == dict.fromkeys(template.TABLE_IDS)
    assert result.format is None


def test_seed_000_sections_without_tables_warn_each(seeds_dir: Path) -> None:
    sections, _ = _seed(seeds_dir, "000_98145941d0088452")
    assert {"active_disclosure", "requests", "review_litigation"} <= set(sections)
    result = read_tables(sections, "2021")
    assert result.tables == dict.fromkeys(template.TABLE_IDS)
    assert result.warnings == [
        "tables missing: section 二 has no table (image?)",
        "tables missing: section 三 has no table (image?)",
        "tables missing: section 四 has no table (image?)",
    ]


# ---------------------------------------------------------------------------------------------
# Synthetic table 三
# ---------------------------------------------------------------------------------------------

COLS = template.REQUEST_COLUMN_IDS


def request_values(fmt: str) -> dict[str, list[int | None]]:
    """Invented figures: row i has natural_person i+1, research_institution 1 (odd rows), total the sum."""
    out: dict[str, list[int | None]] = {}
    for i, row in enumerate(template.request_rows(fmt)):
        applicants: list[int | None] = [i + 1, 0, i % 2, 0, 0, 0]
        out[row.id] = [*applicants, sum(v for v in applicants if v is not None)]
    return out


def _text(value: int | None) -> str:
    return "" if value is None else str(value)


def _group_cells(row: template.RequestRowSpec) -> list[str]:
    """The three label columns of the official layout, rowspans and colspans expanded."""
    results = template.REQUEST_GROUP_LABELS[0]
    if row.group is None:
        return [row.label] * 3
    if row.group == results:
        return [results, row.label, row.label]
    return [results, row.group, row.label]


def requests_grid(fmt: str, values: dict[str, list[int | None]]) -> Grid:
    note = template.REQUEST_BALANCE_NOTE_TEXT
    cols = template.REQUEST_COLUMNS
    rows = [
        [note] * 3 + [template.REQUEST_TABLE_HEADER] * 7,
        [note] * 3 + [cols[0].label] + [template.REQUEST_GROUP_HEADER] * 5 + [cols[-1].label],
        [note] * 3 + [cols[0].label] + [c.label for c in cols[1:-1]] + [cols[-1].label],
    ]
    for row in template.request_rows(fmt):
        rows.append(_group_cells(row) + [_text(v) for v in values[row.id]])
    return Grid(rows)


def expected_requests(fmt: str, values: dict[str, list[int | None]]) -> dict[str, dict[str, int | None]]:
    return {r.id: dict(zip(COLS, values[r.id], strict=True)) for r in template.request_rows(fmt)}


def test_official_2021_grid_with_expanded_rowspans() -> None:
    values = request_values("2021")
    grid = requests_grid("2021", values)
    # The official layout: 三、本年度办理结果 spans 22 rows, (三) 8, (四) 3, (五) 5.
    first_col = [row[0] for row in grid.rows]
    assert first_col.count(template.REQUEST_GROUP_LABELS[0]) == 22
    assert [row[1] for row in grid.rows].count("(三)不予公开") == 8
    assert [row[1] for row in grid.rows].count("(四)无法提供") == 3
    assert [row[1] for row in grid.rows].count("(五)不予处理") == 5
    result = read_tables({"requests": [grid]}, "2021")
    assert result.tables["requests"] is not None
    assert table_values(result.tables["requests"]) == expected_requests("2021", values)
    assert result.tables["requests"]["total"]["natural_person"] == Cell(24, "24")


def test_2019_grid_with_blank_total_column_detects_format() -> None:
    values = request_values("2019")
    for cells in values.values():
        cells[-1] = None  # the 总计 column left empty
    grid = requests_grid("2019", values)
    result = read_tables({"requests": [grid]})
    assert result.format == "2019"
    table = result.tables["requests"]
    assert table is not None
    assert list(table) == [r.id for r in template.request_rows("2019")]
    assert table_values(table) == expected_requests("2019", values)
    assert table["other_handling"]["natural_person"] == Cell(21, "21")
    assert table["other_handling"]["total"] == Cell(None, "")
    assert "table 三" not in " ".join(result.warnings)


def test_grid_with_header_cells_broken_by_br_and_nbsp() -> None:
    values = request_values("2021")
    grid = requests_grid("2021", values)
    rows = [list(r) for r in grid.rows]
    rows[2][4] = "商业\n企业"
    rows[2][5] = "科研 机构"
    rows[5][3] = "\u00a0" + rows[5][3] + " "
    result = read_tables({"requests": [Grid(rows)]}, "2021")
    assert result.tables["requests"] is not None
    assert table_values(result.tables["requests"]) == expected_requests("2021", values)


def _label_lines(fmt: str) -> list[str]:
    """Labels as a flattened page writes them: group labels on their own line before the row."""
    lines: list[str] = []
    seen: set[str] = set()
    for row in template.request_rows(fmt):
        for group in _group_cells(row)[:2]:
            if row.group is not None and group != row.label and group not in seen:
                seen.add(group)
                lines.append(group)
        lines.append(row.label)
    return lines


def test_one_cell_per_line_with_stray_spaces_and_split_labels() -> None:
    values = request_values("2021")
    lines = [
        template.REQUEST_BALANCE_NOTE_TEXT,
        template.REQUEST_TABLE_HEADER,
        "自然人",
        template.REQUEST_GROUP_HEADER,
        "总计",
        "商业",
        "企业",
        "科研",
        "机构",
        "社会公益组织",
        "法律服务机构",
        "其他",
    ]
    for row in template.request_rows("2021"):
        if row.group is not None and row.group not in lines:
            lines.append(row.group)
        if row.id == "other_overdue_fee":
            # A long label cut over two lines.
            lines += ["2.申请人逾期未按收费通知要求缴纳费用、", "行政机关不再处理其政府信息公开申请"]
        else:
            lines.append(row.label)
        lines += [f"\u00a0{v}" if i % 2 else f"{v}\u00a0" for i, v in enumerate(values[row.id])]
    blocks: list[Block] = [Line(normalize_text(line)) for line in lines]
    result = read_tables({"requests": blocks}, "2021")
    assert result.tables["requests"] is not None
    assert table_values(result.tables["requests"]) == expected_requests("2021", values)


def test_pipe_cells_one_per_line_with_blank_cells() -> None:
    values = request_values("2021")
    values["carried_over"][0] = None
    values["carried_over"][6] = None
    lines = [f"{template.REQUEST_TABLE_HEADER} |", "||||||||", "自然人 |", "总计 |", "|||||||"]
    for row in template.request_rows("2021"):
        lines.append(f"{row.label} |")
        lines += [f"{_text(v)} |" if v is not None else "|" for v in values[row.id]]
        lines.append("|" if row.group is not None else "||")  # a stray empty cell or a row separator
    result = read_tables({"requests": [Line(line) for line in lines]}, "2021")
    table = result.tables["requests"]
    assert table is not None
    assert table_values(table) == expected_requests("2021", values)
    assert table["carried_over"]["natural_person"] == Cell(None, "")
    assert table["carried_over"]["commercial_enterprise"] == Cell(0, "0")


def test_markdown_table_with_empty_label_cells() -> None:
    values = request_values("2019")
    lines = ["| 申请人情况 | | | | | | | | |", "|---|---|:---:|---|---|---|---|---|---|"]
    for row in template.request_rows("2019"):
        group = row.group if row.group and row.group != template.REQUEST_GROUP_LABELS[0] else ""
        lines.append(f"| {group} | {row.label} | " + " | ".join(_text(v) for v in values[row.id]) + " |")
    result = read_tables({"requests": [Line(line) for line in lines]}, "2019")
    assert result.tables["requests"] is not None
    assert table_values(result.tables["requests"]) == expected_requests("2019", values)


def test_space_separated_rows_with_renumbered_and_unnumbered_labels() -> None:
    values = request_values("2021")
    lines = []
    for row in template.request_rows("2021"):
        label = row.label
        if row.id == "granted":
            label = "予以公开"  # numbering missing
        if row.id == "denied_state_secret":
            label = "(三)不予公开 1、属于国家秘密"  # group in front, 1、 for 1.
        lines.append(label + " " + " ".join(_text(v) for v in values[row.id]))
    result = read_tables({"requests": [Line(line) for line in lines]}, "2021")
    assert result.tables["requests"] is not None
    assert table_values(result.tables["requests"]) == expected_requests("2021", values)


def test_glued_cells_are_split_by_the_row_sum() -> None:
    values = request_values("2021")
    lines = []
    for row in template.request_rows("2021"):
        if row.id == "granted":
            lines.append(f"{row.label} 640020470")
        elif row.id == "partially_granted":
            lines.append(f"{row.label} 1111116")  # 1|1|1|1|1|1|6: the only split that sums
        elif row.id == "unable_not_held":
            lines.append(f"{row.label} 10100011")  # no split of these digits sums up
        else:
            lines.append(row.label + " " + " ".join(_text(v) for v in values[row.id]))
    result = read_tables({"requests": [Line(line) for line in lines]}, "2021")
    table = result.tables["requests"]
    assert table is not None
    assert table_values(table)["granted"] == dict(zip(COLS, [64, 0, 0, 2, 0, 4, 70], strict=True))
    assert table_values(table)["partially_granted"] == dict(zip(COLS, [1, 1, 1, 1, 1, 1, 6], strict=True))
    # 10100011 has no split into seven numbers whose first six sum to the last: left blank, with a reason.
    assert table_values(table)["unable_not_held"] == dict.fromkeys(COLS)
    assert any("unable_not_held: 1 of 7 cells" in w for w in result.warnings)
    assert any("glued cells '640020470' read as 64|0|0|2|0|4|70" in w for w in result.warnings)


def test_ambiguous_glued_cells_stay_blank() -> None:
    lines = []
    for row in template.request_rows("2021"):
        # 1|10|0|0|0|0|11 and 11|0|0|0|0|0|11 both sum up: which one the page meant is unknown.
        cells = "110000011" if row.id == "granted" else "0 0 0 0 0 0 0"
        lines.append(f"{row.label} {cells}")
    result = read_tables({"requests": [Line(line) for line in lines]}, "2021")
    table = result.tables["requests"]
    assert table is not None
    assert table_values(table)["granted"] == dict.fromkeys(COLS)
    assert any("granted: 1 of 7 cells" in w for w in result.warnings)


def test_unreadable_cell_is_named_in_a_warning() -> None:
    values = request_values("2021")
    grid = requests_grid("2021", values)
    rows = [list(r) for r in grid.rows]
    rows[3][5] = "1O"  # letter O for a zero: column 科研机构 of new_received
    result = read_tables({"requests": [Grid(rows)]}, "2021")
    table = result.tables["requests"]
    assert table is not None
    assert table["new_received"]["research_institution"] == Cell(None, "1O")
    assert "table 三: new_received.research_institution: cannot read '1O'" in result.warnings


def test_missing_row_is_blank_with_warning() -> None:
    values = request_values("2021")
    grid = requests_grid("2021", values)
    rows = [r for r in grid.rows if r[2] != "3.补正后申请内容仍不明确"]
    result = read_tables({"requests": [Grid(rows)]}, "2021")
    table = result.tables["requests"]
    assert table is not None
    assert table["unable_unclear"] == dict.fromkeys(COLS, Cell(None, ""))
    assert table_values(table)["not_processed_complaint"] == dict(
        zip(COLS, values["not_processed_complaint"], strict=True)
    )
    assert "table 三: row unable_unclear not found" in result.warnings


def test_prose_mentioning_row_labels_is_not_a_table() -> None:
    blocks: list[Block] = [
        Line("本年新收政府信息公开申请数量较上年有所增加,予以公开的比例提高。"),
        Line("予以公开 3 件"),
        Line("重复申请"),
    ]
    result = read_tables({"requests": blocks}, "2021")
    assert result.tables["requests"] is None
    assert "tables missing: section 三 has no table (image?)" in result.warnings


# ---------------------------------------------------------------------------------------------
# Synthetic table 二
# ---------------------------------------------------------------------------------------------


def active_lines_markdown_2019() -> list[str]:
    lines = []
    for caption, header, rows in (
        (
            "第二十条第(一)项",
            ["本年新制作数量", "本年新公开数量", "对外公开总数量"],
            [("规章", "2", "1", "17"), ("规范性文件", "5", "5", "1,204")],
        ),
        (
            "第二十条第(五)项",
            ["上一年项目数量", "本年增/减", "处理决定数量"],
            [("行政许可", "31", "+3", "620"), ("其他对外管理服务事项", "7", "−2", "/")],
        ),
        (
            "第二十条第(六)项",
            ["上一年项目数量", "本年增/减", "处理决定数量"],
            [("行政处罚", "12", "0", "88"), ("行政强制", "3", "-1", "不适用")],
        ),
        ("第二十条第(八)项", ["上一年项目数量", "本年增/减"], [("行政事业性收费", "4", "")]),
        ("第二十条第(九)项", ["采购项目数量", "采购总金额"], [("政府集中采购", "9", "251000元")]),
    ):
        lines.append(f"| {caption} | | | |")
        lines.append("| --- | --- | --- | --- |")
        lines.append("| 信息内容 | " + " | ".join(header) + " |")
        for row in rows:
            lines.append("| " + " | ".join(row) + " |")
    return lines


def test_table_two_2019_markdown_signed_na_blank_and_units() -> None:
    result = read_tables({"active_disclosure": [Line(line) for line in active_lines_markdown_2019()]})
    assert result.format == "2019"
    table = result.tables["active_disclosure"]
    assert table is not None
    assert table_values(table) == {
        "regulations": {"new_made": 2, "new_published": 1, "total_published": 17},
        "normative_documents": {"new_made": 5, "new_published": 5, "total_published": 1204},
        "licensing": {"prev_items": 31, "change": 3, "decisions": 620},
        "other_services": {"prev_items": 7, "change": -2, "decisions": "n/a"},
        "penalty": {"prev_items": 12, "change": 0, "decisions": 88},
        "coercion": {"prev_items": 3, "change": -1, "decisions": "n/a"},
        "fees": {"prev_items": 4, "change": None},
        "procurement": {"items": 9, "amount": Decimal("251000")},
    }
    assert table["procurement"]["amount"] == Cell(Decimal("251000"), "251000元")
    assert table["normative_documents"]["total_published"].raw == "1,204"


def active_grid_2021() -> Grid:
    """Official 2021 table 二 as an HTML grid: short rows' last cell spans to the width of four."""
    rows = [
        ["第二十条第(一)项"] * 4,
        ["信息内容", "本年制发件数", "本年废止件数", "现行有效件数"],
        ["规章", "1", "0", "9"],
        ["行政规范性文件", "4", "2", "37"],
        ["第二十条第(五)项"] * 4,
        ["信息内容", "本年处理决定数量", "本年处理决定数量", "本年处理决定数量"],
        ["行政许可", "1,530", "1,530", "1,530"],
        ["第二十条第(六)项"] * 4,
        ["信息内容", "本年处理决定数量", "本年处理决定数量", "本年处理决定数量"],
        ["行政处罚", "212", "212", "212"],
        ["行政强制", "—", "—", "—"],
        ["第二十条第(八)项"] * 4,
        ["信息内容", "本年收费金额(单位:万元)", "本年收费金额(单位:万元)", "本年收费金额(单位:万元)"],
        ["行政事业性收费", "12.5万元", "12.5万元", "12.5万元"],
    ]
    return Grid(rows)


def test_table_two_2021_grid_with_colspans() -> None:
    result = read_tables({"active_disclosure": [active_grid_2021()]})
    assert result.format == "2021"
    table = result.tables["active_disclosure"]
    assert table is not None
    assert table_values(table) == {
        "regulations": {"issued": 1, "repealed": 0, "in_force": 9},
        "normative_documents": {"issued": 4, "repealed": 2, "in_force": 37},
        "licensing": {"decisions": 1530},
        "penalty": {"decisions": 212},
        "coercion": {"decisions": "n/a"},
        "fees": {"amount_10k_yuan": Decimal("12.5")},
    }
    assert table["fees"]["amount_10k_yuan"].raw == "12.5万元"


def test_table_two_one_cell_per_line() -> None:
    lines = [
        "第二十条第(一)项",
        "信息内容",
        "本年制发件数",
        "本年废止件数",
        "现行有效件数",
        "规章",
        "0",
        "0",
        "3",
        "行政规范性文件",
        "2",
        "1",
        "15",
        "第二十条第(五)项",
        "信息内容",
        "本年处理决定数量",
        "行政许可",
        "40",
        "第二十条第(六)项",
        "信息内容",
        "本年处理决定数量",
        "行政处罚",
        "6",
        "行政强制",
        "0",
        "第二十条第(八)项",
        "信息内容",
        "本年收费金额(单位:万元)",
        "行政事业性收费",
        "0.35",
    ]
    result = read_tables({"active_disclosure": [Line(line) for line in lines]}, "2021")
    assert result.tables["active_disclosure"] is not None
    assert table_values(result.tables["active_disclosure"]) == {
        "regulations": {"issued": 0, "repealed": 0, "in_force": 3},
        "normative_documents": {"issued": 2, "repealed": 1, "in_force": 15},
        "licensing": {"decisions": 40},
        "penalty": {"decisions": 6},
        "coercion": {"decisions": 0},
        "fees": {"amount_10k_yuan": Decimal("0.35")},
    }


# ---------------------------------------------------------------------------------------------
# Synthetic table 四
# ---------------------------------------------------------------------------------------------

REVIEW_15 = [1, 2, 0, 1, 4, 0, 1, 1, 0, 2, 3, 0, 0, 0, 3]


def expected_review(cells: Sequence[int | str | None]) -> dict[str, dict[str, int | str | None]]:
    out = {}
    for i, block in enumerate(template.REVIEW_BLOCK_IDS):
        out[block] = dict(zip(template.REVIEW_COLUMN_IDS, cells[i * 5 : i * 5 + 5], strict=True))
    return out


def review_header_lines() -> list[str]:
    return [
        "行政复议",
        "行政诉讼",
        "结果维持",
        "结果 纠正",
        "其他 结果",
        "尚未 审结",
        "总计",
        "未经复议直接起诉",
        "复议后起诉",
    ] + ["结果维持", "结果纠正", "其他结果", "尚未审结", "总计"] * 2


def test_table_four_as_one_line_of_fifteen() -> None:
    lines = [*review_header_lines(), " ".join(str(v) for v in REVIEW_15)]
    result = read_tables({"review_litigation": [Line(line) for line in lines]}, "2021")
    assert result.tables["review_litigation"] is not None
    assert table_values(result.tables["review_litigation"]) == expected_review(REVIEW_15)


def test_table_four_grid_with_na_and_blank() -> None:
    header = [
        ["行政复议"] * 5 + ["行政诉讼"] * 10,
        ["结果维持", "结果纠正", "其他结果", "尚未审结", "总计"]
        + ["未经复议直接起诉"] * 5
        + ["复议后起诉"] * 5,
        ["结果维持", "结果纠正", "其他结果", "尚未审结", "总计"] * 3,
    ]
    data = ["0", "0", "0", "0", "0", "/", "/", "/", "/", "/", "1", "", "0", "0", "1"]
    result = read_tables({"review_litigation": [Grid([*header, data])]}, "2021")
    assert result.tables["review_litigation"] is not None
    cells: list[int | str | None] = [0] * 5 + ["n/a"] * 5 + [1, None, 0, 0, 1]
    assert table_values(result.tables["review_litigation"]) == expected_review(cells)


def test_table_four_one_row_per_block() -> None:
    lines = [
        "| 行政复议 | 1 | 2 | 0 | 1 | 4 |",
        "| 行政诉讼 未经复议直接起诉 | 0 | 1 | 1 | 0 | 2 |",
        "| 复议后起诉 | 3 | 0 | 0 | 0 | 3 |",
    ]
    result = read_tables({"review_litigation": [Line(line) for line in lines]}, "2021")
    assert result.tables["review_litigation"] is not None
    assert table_values(result.tables["review_litigation"]) == expected_review(REVIEW_15)


def test_table_four_short_row_is_reported() -> None:
    lines = [*review_header_lines(), "0 0 0 0 0 0 0 0 0 0 0 0"]
    result = read_tables({"review_litigation": [Line(line) for line in lines]}, "2021")
    assert result.tables["review_litigation"] is None
    assert "table 四: 12 of 15 cells ('0 | 0 | 0 | 0 | 0 | 0 | 0 | 0 | 0 | 0 | 0 | 0'); table not read" in (
        result.warnings
    )


# ---------------------------------------------------------------------------------------------
# Where tables sit; format
# ---------------------------------------------------------------------------------------------


def test_table_under_the_wrong_heading_is_found_and_reported() -> None:
    values = request_values("2021")
    sections: dict[str, list[Block]] = {
        "active_disclosure": [active_grid_2021(), requests_grid("2021", values)],  # heading 三 lost
        "review_litigation": [Line(line) for line in [*review_header_lines(), " ".join(map(str, REVIEW_15))]],
    }
    result = read_tables(sections, "2021")
    assert result.tables["requests"] is not None
    assert table_values(result.tables["requests"]) == expected_requests("2021", values)
    assert result.tables["active_disclosure"] is not None
    assert result.warnings == ["table 三 read under section 二, not under its own heading"]


def test_sections_object_from_the_section_splitter_shape() -> None:
    """read_tables accepts the splitter's result: sections with heading/blocks, and a preamble."""

    class _Section:
        def __init__(self, heading: str | None, blocks: list[Block]) -> None:
            self.heading = heading
            self.blocks = blocks

    class _Sections:
        def __init__(self) -> None:
            self.sections = {sid: _Section(None, []) for sid in template.SECTION_IDS}
            self.sections["active_disclosure"] = _Section("二、主动公开政府信息情况", [])
            self.preamble: list[Block] = [active_grid_2021()]

    result = read_tables(_Sections(), "2021")
    assert result.tables["active_disclosure"] is not None
    assert result.tables["requests"] is None
    assert result.warnings == [
        "table 二 read under section preamble, not under its own heading",
        "tables missing: no section 三 heading and no table 三 found",
        "tables missing: no section 四 heading and no table 四 found",
    ]


def test_no_tables_and_no_hint_gives_no_format_and_no_warnings() -> None:
    result = read_tables({"overview": [Line("本机关认真贯彻落实条例。")]}, None)
    assert result.format is None
    assert result.tables == dict.fromkeys(template.TABLE_IDS)
    assert result.warnings == []


def test_format_markers_beat_the_hint() -> None:
    result = read_tables({"active_disclosure": [active_grid_2021()]}, "2019")
    assert result.format == "2021"
    assert result.tables["active_disclosure"] is not None
    assert set(result.tables["active_disclosure"]) == {r.id for r in template.ACTIVE_DISCLOSURE_2021}


# ---------------------------------------------------------------------------------------------
# The sample portal's synthetic reports (what the end-to-end test asserts)
# ---------------------------------------------------------------------------------------------


def test_generated_reports_read_exactly() -> None:
    from crawler.sampleportal.generator import LAYOUTS, generate_reports
    from parsers.document import load
    from parsers.sections import split

    reports = generate_reports("990101", "样本市", 48, seed=7)
    assert {r.layout for r in reports} == set(LAYOUTS)
    assert {r.format for r in reports} == {"2019", "2021"}
    for report in reports:
        page = f"<html><body><div class='TRS_Editor'>{report.body_html()}</div></body></html>"
        result = read_tables(split(load(page.encode("utf-8"), "text/html").blocks), report.format)
        assert _values(result.tables) == report.expected()["tables"], (report.layout, report.doc_id)
        if report.layout != "absent":
            assert result.format == report.format
