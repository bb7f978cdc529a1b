"""Report bodies as HTML, in the layouts real portals show.

A table is first laid out as the official template draws it (merged cells and all, labels taken from
`parsers.template`), then written in one layout: an HTML table with rowspan/colspan ("html-table"), one
`<p>` per cell as a CMS flattens it ("text-cells"), one `<p>` per row with ` | ` between cells and ` ||`
at the row's end as mirrored pages show it ("text-pipe"), or an image only ("absent").
The output is well-formed XML-style markup (`<img/>`, no named entities) so tests can parse it strictly.
"""

from __future__ import annotations

import datetime as dt
import html
import random
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING, NamedTuple

from parsers.template import (
    ACTIVE_DISCLOSURE,
    ACTIVE_HEADER_LABEL,
    NA,
    REQUEST_BALANCE_NOTE_TEXT,
    REQUEST_COLUMNS,
    REQUEST_GROUP_HEADER,
    REQUEST_GROUP_LABELS,
    REQUEST_TABLE_HEADER,
    REVIEW_BLOCKS,
    REVIEW_COLUMNS,
    REVIEW_HEADER_LABELS,
    SECTION_BY_ID,
    SECTIONS,
    RequestRowSpec,
    request_rows,
)

from .rules import TableValues, Value

if TYPE_CHECKING:
    from .generator import SyntheticPage, SyntheticReport

_FULL_WIDTH = str.maketrans({"(": "（", ")": "）", ",": "，", ":": "："})
_RESULTS_GROUP = REQUEST_GROUP_LABELS[0]  # 三、本年度办理结果
_IDEOGRAPHIC_SPACE = "\u3000"


def official(label: str) -> str:
    """A normalised template label as officials print it: full-width brackets, commas, colons, quotes."""
    text = label.translate(_FULL_WIDTH)
    parts = text.split('"')
    out = [parts[0]]
    for n, part in enumerate(parts[1:]):
        out.append(("“" if n % 2 == 0 else "”") + part)
    return "".join(out)


def cell_text(value: Value) -> str:
    if value is None:
        return ""
    if value == NA:
        return "/"
    if isinstance(value, Decimal):
        return str(value)
    return str(value)


def chinese_date(day: dt.date) -> str:
    return f"{day.year}年{day.month}月{day.day}日"


# ---------------------------------------------------------------------------------------------
# Official table layouts
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class TCell:
    text: str
    rowspan: int = 1
    colspan: int = 1


Grid = list[list[TCell]]


class Placed(NamedTuple):
    cell: TCell
    row: int
    col: int


def place(grid: Grid) -> tuple[list[Placed], int, int]:
    """Each merged cell at its top-left slot, as a browser lays out rowspan/colspan: (cells, rows, cols).

    The PDF, DOCX and picture renderers of the sample portal all draw a grid from these slots."""
    taken: set[tuple[int, int]] = set()
    placed: list[Placed] = []
    width = 0
    for r, row in enumerate(grid):
        c = 0
        for cell in row:
            while (r, c) in taken:
                c += 1
            placed.append(Placed(cell, r, c))
            taken.update((r + dr, c + dc) for dr in range(cell.rowspan) for dc in range(cell.colspan))
            c += cell.colspan
            width = max(width, c)
    return placed, len(grid), width


_ACTIVE_WIDTH = 4  # label column + at most three value columns


def active_grid(fmt: str, values: TableValues) -> Grid:
    """Table 二: one caption row per 第二十条 item, then 信息内容 + column headers, then its rows."""
    grid: Grid = []
    caption = None
    for spec in ACTIVE_DISCLOSURE[fmt]:
        fill = _ACTIVE_WIDTH - len(spec.columns)  # the last cell of a short row spans the rest
        if spec.caption != caption:
            caption = spec.caption
            grid.append([TCell(official(caption), colspan=_ACTIVE_WIDTH)])
            header = [TCell(official(ACTIVE_HEADER_LABEL))]
            header += [TCell(official(c.label)) for c in spec.columns]
            header[-1] = TCell(header[-1].text, colspan=fill)
            grid.append(header)
        row = [TCell(official(spec.label))]
        row += [TCell(cell_text(values[spec.id][c.id])) for c in spec.columns]
        row[-1] = TCell(row[-1].text, colspan=fill)
        grid.append(row)
    return grid


def _top_group(row: RequestRowSpec) -> str | None:
    if row.group is None:
        return None
    return _RESULTS_GROUP if row.group in REQUEST_GROUP_LABELS else row.group


def requests_grid(fmt: str, values: TableValues) -> Grid:
    """Table 三: three header rows, then one row per template row with the group labels in rowspan cells."""
    note = official(REQUEST_BALANCE_NOTE_TEXT) if fmt == "2021" else ""
    grid: Grid = [
        [TCell(note, rowspan=3, colspan=3), TCell(official(REQUEST_TABLE_HEADER), colspan=7)],
        [
            TCell(official(REQUEST_COLUMNS[0].label), rowspan=2),
            TCell(official(REQUEST_GROUP_HEADER), colspan=5),
            TCell(official(REQUEST_COLUMNS[-1].label), rowspan=2),
        ],
        [TCell(official(c.label)) for c in REQUEST_COLUMNS[1:-1]],
    ]
    rows = request_rows(fmt)
    in_results = [r for r in rows if _top_group(r) == _RESULTS_GROUP]
    seen_groups: set[str] = set()
    for row in rows:
        cells: list[TCell] = []
        top = _top_group(row)
        if top is None:
            cells.append(TCell(official(row.label), colspan=3))
        else:
            if top not in seen_groups:
                seen_groups.add(top)
                cells.append(TCell(official(top), rowspan=len(in_results)))
            if row.group == top:
                cells.append(TCell(official(row.label), colspan=2))
            else:
                assert row.group is not None
                if row.group not in seen_groups:
                    seen_groups.add(row.group)
                    size = sum(1 for r in rows if r.group == row.group)
                    cells.append(TCell(official(row.group), rowspan=size))
                cells.append(TCell(official(row.label)))
        cells += [TCell(cell_text(values[row.id][c.id])) for c in REQUEST_COLUMNS]
        grid.append(cells)
    return grid


def review_grid(values: TableValues) -> Grid:
    """Table 四: 行政复议 / 行政诉讼 over the two litigation blocks, then one data row of 15."""
    review, litigation = REVIEW_HEADER_LABELS
    width = len(REVIEW_COLUMNS)
    return [
        [TCell(official(review), colspan=width), TCell(official(litigation), colspan=2 * width)],
        [TCell(official(c.label), rowspan=2) for c in REVIEW_COLUMNS]
        + [TCell(official(b.label), colspan=width) for b in REVIEW_BLOCKS[1:]],
        [TCell(official(c.label)) for c in REVIEW_COLUMNS] * 2,
        [TCell(cell_text(values[b.id][c.id])) for b in REVIEW_BLOCKS for c in REVIEW_COLUMNS],
    ]


def grid_width(grid: Grid) -> int:
    """The number of columns the grid spans (its first row's colspans): a sanity measure for tests."""
    return sum(c.colspan for c in grid[0])


# ---------------------------------------------------------------------------------------------
# Layouts
# ---------------------------------------------------------------------------------------------


def _esc(text: str) -> str:
    return html.escape(text, quote=True)


def table_html(grid: Grid) -> list[str]:
    out = [
        '<table border="1" cellspacing="0" cellpadding="0" width="100%" style="border-collapse:collapse;">'
    ]
    out.append("<tbody>")
    for row in grid:
        cells = []
        for cell in row:
            span = ""
            if cell.rowspan > 1:
                span += f' rowspan="{cell.rowspan}"'
            if cell.colspan > 1:
                span += f' colspan="{cell.colspan}"'
            cells.append(f"<td{span}>{_esc(cell.text)}</td>")
        out.append("<tr>" + "".join(cells) + "</tr>")
    out.append("</tbody></table>")
    return ["".join(out)]


def table_cells(grid: Grid, rng: random.Random) -> list[str]:
    """One `<p>` per cell in document order; merged cells appear once, as a flattened page shows them."""
    out = []
    for row in grid:
        for cell in row:
            if not cell.text:
                if cell.rowspan > 1:  # the empty corner of a header: a flattened page just drops it
                    continue
                raise ValueError(
                    "a blank value cell cannot be written one cell per line (its column is lost)"
                )
            # Stray leading/trailing spaces, as flattened pages keep from the editor.
            pad = rng.choice(("", "", " ", _IDEOGRAPHIC_SPACE))
            out.append(f"<p>{pad}{_esc(cell.text)}{rng.choice(('', ' '))}</p>")
    return out


def table_pipe(grid: Grid) -> list[str]:
    return ["<p>" + _esc(" | ".join(cell.text for cell in row) + " ||") + "</p>" for row in grid]


def table_blocks(layout: str, grid: Grid, rng: random.Random) -> list[str]:
    if layout == "html-table":
        return table_html(grid)
    if layout == "text-cells":
        return table_cells(grid, rng)
    if layout == "text-pipe":
        return table_pipe(grid)
    raise ValueError(f"layout {layout!r} has no table text")


# ---------------------------------------------------------------------------------------------
# Report body
# ---------------------------------------------------------------------------------------------


def _p(text: str, style: str = "text-indent:2em;") -> str:
    return f'<p style="{style}">{_esc(text)}</p>'


def image_src(publish_date: dt.date, doc_id: int, n: int) -> str:
    """The picture standing in for a table, relative to the page (TRS writes W0… file names)."""
    return f"./W0{publish_date:%Y%m%d}{doc_id}_{n}.png"


def _heading(report: SyntheticReport, section_id: str, rng: random.Random) -> str:
    spec = SECTION_BY_ID[section_id]
    wording = spec.heading
    if section_id in ("review_litigation", "problems") and spec.variants and rng.random() < 0.3:
        wording = spec.variants[0]
    text = f"{spec.number}、{official(wording)}"
    if rng.random() < 0.5:
        return f'<p style="text-indent:2em;"><strong>{_esc(text)}</strong></p>'
    return _p(text)


def _figure(values: dict[str, TableValues], table: str, row: str, col: str) -> Value:
    return values.get(table, {}).get(row, {}).get(col)


def _requests_sentence(report: SyntheticReport) -> str:
    figures = report.figures
    clauses = []
    for row, wording in (
        ("new_received", "本年新收政府信息公开申请{}件"),
        ("carried_over", "上年结转政府信息公开申请{}件"),
        ("total", "本年度办结{}件"),
        ("carried_forward", "结转下年度继续办理{}件"),
    ):
        value = _figure(figures, "requests", row, "total")
        if isinstance(value, int):
            clauses.append(wording.format(value))
    return "（二）依申请公开。" + "，".join(clauses) + "，均按规定时限答复。"


def _review_sentence(report: SyntheticReport) -> str:
    figures = report.figures
    review = _figure(figures, "review_litigation", "review", "total")
    direct = _figure(figures, "review_litigation", "litigation_direct", "total")
    after = _figure(figures, "review_litigation", "litigation_after_review", "total")
    if not (isinstance(review, int) and isinstance(direct, int) and isinstance(after, int)):
        return ""
    return f"全年因政府信息公开工作被申请行政复议{review}件，被提起行政诉讼{direct + after}件。"


_MANAGEMENT = (
    "（三）政府信息管理。严格落实信息发布审核制度，动态更新政府信息公开指南和公开目录。",
    "（三）政府信息管理。健全公开属性源头认定机制，定期清理已公开文件。",
)
_PLATFORM = (
    "（四）平台建设。优化门户网站政府信息公开专栏，规范政务新媒体管理。",
    "（四）平台建设。完善政务公开专区功能，方便公众就近查阅政府信息。",
)
_PROBLEMS = (
    "政策解读的形式还不够丰富",
    "基层政务公开标准化规范化水平有待提升",
    "部分信息更新不够及时",
    "工作人员业务能力有待加强",
)
_IMPROVEMENTS = (
    "加强业务培训，提高主动公开的质量和时效",
    "丰富解读形式，更好地回应社会关切",
    "完善考核机制，压实公开责任",
)


def _other_text(report: SyntheticReport, rng: random.Random) -> list[str]:
    choice = rng.randrange(3)
    if choice == 0:
        return ["无。"]
    if choice == 1:
        return ["本年度未收取政府信息公开信息处理费。"]
    return [
        f"{report.year}年，{report.organ}未发出收费通知，未收取信息处理费。",
        "人大代表建议和政协委员提案办理结果已按要求公开。",
    ]


def table_grid(report: SyntheticReport, table_id: str) -> Grid:
    """One of the report's tables as the official template lays it out, from the report's figures."""
    values = report.figures[table_id]
    if table_id == "active_disclosure":
        return active_grid(report.format, values)
    if table_id == "requests":
        return requests_grid(report.format, values)
    return review_grid(values)


def report_body(report: SyntheticReport) -> str:
    rng = random.Random(report.variant)
    year = report.year
    out = [_p(report.title, "text-align:center;")]
    preamble = (
        f"本报告根据《中华人民共和国政府信息公开条例》（以下简称《条例》）编制。"
        f"本报告中所列数据的统计期限自{year}年1月1日起至{year}年12月31日止。"
    )
    if rng.random() < 0.4:
        # Trap kept from real reports: the preamble names every section in one sentence.
        names = "、".join(official(s.heading) for s in SECTIONS)
        preamble += f"全文包括{names}等内容。"
    out.append(_p(preamble))

    sections: dict[str, list[str]] = {
        "overview": [
            _p(
                f"{year}年，{report.organ}认真贯彻落实《条例》和上级关于政务公开工作的部署，"
                "坚持以公开为常态、不公开为例外，持续提升政府信息公开质量。"
            ),
            _p(
                f"（一）主动公开。全年通过门户网站主动公开政府信息{report.items_published}条，"
                "及时发布政策文件及解读材料。"
            ),
            _p(_requests_sentence(report)),
            _p(rng.choice(_MANAGEMENT)),
            _p(rng.choice(_PLATFORM)),
            _p("（五）监督保障。将政务公开工作纳入年度绩效考核。" + _review_sentence(report)),
        ],
        "problems": [
            _p(
                f"{year}年，{report.organ}政府信息公开工作取得了一定成效，但仍存在一些不足："
                + "；".join(f"{n}是{p}" for n, p in zip("一二", rng.sample(_PROBLEMS, 2), strict=True))
                + "。"
            ),
            _p(f"下一步，将{'，'.join(rng.sample(_IMPROVEMENTS, 2))}。"),
        ],
        "other": [_p(t) for t in _other_text(report, rng)],
    }
    if report.revision:
        corrected = report.publish_date + dt.timedelta(days=7 * report.revision)
        sections["other"].append(
            _p(f"（更正说明：本报告于{chinese_date(corrected)}更正，第{report.revision}次修订。）")
        )

    for n, section_id in enumerate(("active_disclosure", "requests", "review_litigation"), start=1):
        if report.layout == "absent":
            src = image_src(report.publish_date, report.doc_id, n)
            sections[section_id] = [f'<p style="text-align:center;"><img src="{src}" width="600"/></p>']
        else:
            sections[section_id] = table_blocks(report.layout, table_grid(report, section_id), rng)

    for spec in SECTIONS:
        out.append(_heading(report, spec.id, rng))
        out.extend(sections[spec.id])
    out.append(_p(report.organ, "text-align:right;"))
    out.append(_p(chinese_date(report.sign_date), "text-align:right;"))
    return "\n".join(out) + "\n"


def page_body(page: SyntheticPage) -> str:
    """A 解读 or 图解 page: talks about the report without being one."""
    out = [_p(page.title, "text-align:center;")]
    if page.kind == "图解":
        out.append(
            f'<p style="text-align:center;"><img src="{image_src(page.publish_date, page.doc_id, 1)}"/></p>'
        )
        out.append(_p(f"一图读懂{page.report_title}。"))
    else:
        out.append(_p(f"近日，{page.organ}发布了《{page.report_title}》。现就报告的主要内容解读如下。"))
        out.append(_p("报告全面反映了一年来主动公开、依申请公开和政府信息管理等方面的工作情况。"))
        out.append(_p("报告同时分析了工作中存在的不足，提出了下一步改进措施。"))
    return "\n".join(out) + "\n"
