"""Synthetic annual reports with known values: the project's own test corpus.

Every figure is drawn from a seeded `random.Random`, so a (region, count, seed) triple always yields the
same reports. Within one organ the years chain as real reports do (this year's 上年结转 is last year's
结转下年度, 现行有效件数 grows by 制发 − 废止), so cross-year checks hold too. About one report in six is
made inconsistent on purpose; which §7 checks it then fails is computed by `rules`, never typed in.
"""

from __future__ import annotations

import copy
import datetime as dt
import random
from dataclasses import dataclass, field, replace
from decimal import Decimal
from typing import Any, Final

from parsers.template import (
    APPLICANT_COLUMN_IDS,
    REQUEST_COLUMN_IDS,
    REVIEW_BLOCK_IDS,
    REVIEW_COLUMN_IDS,
    SECTION_IDS,
    TABLE_IDS,
    request_rows,
)

from . import render, rules
from .rules import Tables, TableValues

LAYOUTS: Final[tuple[str, ...]] = ("html-table", "text-cells", "text-pipe", "absent")
YEARS: Final[tuple[int, ...]] = tuple(range(2019, 2026))
# Issuing bodies of one region; the first two issue 规章 and carry the largest request loads.
ORGAN_SUFFIXES: Final[tuple[str, ...]] = (
    "人民政府",
    "人民政府办公室",
    "教育局",
    "公安局",
    "财政局",
    "自然资源局",
    "卫生健康局",
    "市场监督管理局",
    "生态环境局",
    "住房和城乡建设局",
)
_ORGAN_SCALE: Final[tuple[int, ...]] = (3, 2, 1, 2, 1, 1, 1, 2, 1, 1)
# Sections whose content is a table: empty when the tables are images.
TABLE_SECTIONS: Final[tuple[str, ...]] = ("active_disclosure", "requests", "review_litigation")
# How often a handled request ends in each result row (absent rows weigh 1): most are granted.
_RESULT_WEIGHTS: Final[dict[str, int]] = {
    "granted": 40,
    "partially_granted": 10,
    "unable_not_held": 14,
    "not_processed_complaint": 4,
    "not_processed_duplicate": 4,
    "denied_process_info": 3,
    "denied_third_party_rights": 3,
    "other_misc": 3,
    "other_handling": 5,
}
DEFECT_KINDS: Final[tuple[str, ...]] = (
    "total_off_by_one",  # (七)总计 one too many in one applicant column
    "row_total_mismatch",  # one row's 总计 cell one more than its six applicant cells
    "review_total_off",  # one block of table 四 whose 总计 is one too many
    "uncounted_result",  # a result counted in its row but not in (七)总计 (as in real reports)
)


def table_format(year: int) -> str:
    """The official table format a report of this year is written in (contract §1)."""
    return "2019" if year <= 2020 else "2021"


def report_title(organ: str, year: int) -> str:
    return f"{organ}{year}年政府信息公开工作年度报告"


@dataclass(frozen=True)
class SyntheticReport:
    doc_id: int
    region_code: str
    region_name: str
    organ: str
    year: int
    format: str  # "2019" (years 2019–2020) | "2021" (≥ 2021)
    layout: str  # one of LAYOUTS
    publish_date: dt.date
    sign_date: dt.date
    tables: Tables  # contract ids → values; every table None when layout == "absent"
    failing_checks: tuple[str, ...]  # ids of the §7 checks that fail, () when consistent
    # The values the report is written from: equal to `tables` unless the tables are images.
    figures: dict[str, TableValues] = field(repr=False, default_factory=dict)
    items_published: int = 0  # 主动公开 count stated in the prose (no table holds it)
    defect: str = ""  # what was made inconsistent, e.g. "total_off_by_one:natural_person"
    special_cell: str = ""  # a blank or n/a cell put in on purpose, e.g. "na:active_disclosure.coercion"
    correction: dict[str, TableValues] | None = field(repr=False, default=None)  # restored by a revision
    variant: int = 0  # seeds the wording of the rendered text
    revision: int = 0  # how many times the page was corrected after publication

    @property
    def title(self) -> str:
        return report_title(self.organ, self.year)

    @property
    def sections_empty(self) -> list[str]:
        return list(TABLE_SECTIONS) if self.layout == "absent" else []

    @property
    def sections_present(self) -> list[str]:
        return [s for s in SECTION_IDS if s not in self.sections_empty]

    def body_html(self) -> str:
        """The report body as it sits inside the page's content container."""
        return render.report_body(self)

    def checks(self) -> list[rules.RuleResult]:
        return rules.evaluate(self.format, self.tables)

    def expected(self) -> dict[str, Any]:
        """What a correct parse yields, in the shape of the seeds' expected/*.json (values stay Python)."""
        return {
            "title": self.title,
            "organ": self.organ,
            "region": {"name": self.region_name, "code": self.region_code},
            "year": self.year,
            "publish_date": self.publish_date.isoformat(),
            "sign_date": self.sign_date.isoformat(),
            "format": self.format,
            "script": "simplified",
            "sections_present": self.sections_present,
            "sections_empty": self.sections_empty,
            "tables": copy.deepcopy(self.tables),
            "checks_failing": list(self.failing_checks),
        }

    def revised(self) -> SyntheticReport:
        """The page after one more correction: a figure in the prose changes and a note is added;
        the first correction of an inconsistent report also puts its tables right."""
        figures = self.figures
        defect, correction, failing = self.defect, self.correction, self.failing_checks
        if correction is not None:
            figures, defect, correction = copy.deepcopy(correction), "", None
        tables = _published(self.layout, figures)
        failing = rules.failing(self.format, tables)
        return replace(
            self,
            revision=self.revision + 1,
            figures=figures,
            tables=tables,
            failing_checks=failing,
            defect=defect,
            correction=correction,
            items_published=self.items_published + 1,
        )


@dataclass(frozen=True)
class SyntheticPage:
    """A 解读 or 图解 page filed in the reports column: about a report, not a report."""

    doc_id: int
    region_code: str
    region_name: str
    organ: str
    year: int
    kind: str  # "解读" | "图解"
    publish_date: dt.date
    report_title: str

    @property
    def title(self) -> str:
        if self.kind == "图解":
            return f"图解：{self.report_title}"
        return f"《{self.report_title}》解读"

    def body_html(self) -> str:
        return render.page_body(self)


# ---------------------------------------------------------------------------------------------
# Figures
# ---------------------------------------------------------------------------------------------


def _zero_or(rng: random.Random, p_zero: float, low: int, high: int) -> int:
    return 0 if rng.random() < p_zero else rng.randint(low, high)


def _applicants(rng: random.Random, col: str, scale: int) -> int:
    if col == "natural_person":
        return _zero_or(rng, 0.15, 1, 12 * scale)
    if col == "commercial_enterprise":
        return _zero_or(rng, 0.6, 1, 3 * scale)
    return _zero_or(rng, 0.85, 1, 2)


def _requests(rng: random.Random, fmt: str, scale: int, carried_over: dict[str, int]) -> TableValues:
    rows = request_rows(fmt)
    result_ids = [r.id for r in rows if r.role == "result"]
    weights = [_RESULT_WEIGHTS.get(r, 1) for r in result_ids]
    table: TableValues = {r.id: dict.fromkeys(REQUEST_COLUMN_IDS, 0) for r in rows}
    for col in APPLICANT_COLUMN_IDS:
        new = _applicants(rng, col, scale)
        available = new + carried_over[col]
        forward = 0 if available == 0 or rng.random() < 0.7 else rng.randint(0, min(3, available))
        for row in rng.choices(result_ids, weights, k=available - forward):
            cell = table[row][col]
            assert isinstance(cell, int)
            table[row][col] = cell + 1
        table["new_received"][col] = new
        table["carried_over"][col] = carried_over[col]
        table["total"][col] = available - forward
        table["carried_forward"][col] = forward
    for cols in table.values():
        cols["total"] = sum(_int(cols[c]) for c in APPLICANT_COLUMN_IDS)
    return table


def _review(rng: random.Random) -> TableValues:
    table: TableValues = {}
    for block in REVIEW_BLOCK_IDS:
        p_zero = 0.75 if block == "review" else 0.88
        parts = {col: _zero_or(rng, p_zero, 1, 2) for col in REVIEW_COLUMN_IDS if col != "total"}
        table[block] = {**parts, "total": sum(parts.values())}
    return table


def _amount(rng: random.Random, p_zero: float, cents_high: int) -> Decimal:
    cents = _zero_or(rng, p_zero, 1, cents_high)
    return Decimal(cents) / 100 if cents else Decimal(0)


@dataclass
class _OrganState:
    """What one year hands to the next within an organ."""

    carried_forward: dict[str, int]
    in_force: dict[str, int]  # fmt 2021 现行有效件数 per row
    total_published: dict[str, int]  # fmt 2019 对外公开总数量 per row
    items: dict[str, int]  # fmt 2019 上一年项目数量 for the next year, per row


def _active_2021(rng: random.Random, state: _OrganState, issues_rules: bool, scale: int) -> TableValues:
    table: TableValues = {}
    for row, max_issued in (("regulations", 2 if issues_rules else 0), ("normative_documents", 6)):
        issued = rng.randint(0, max_issued)
        repealed = rng.randint(0, min(3 if max_issued else 0, state.in_force[row]))
        state.in_force[row] += issued - repealed
        table[row] = {"issued": issued, "repealed": repealed, "in_force": state.in_force[row]}
    table["licensing"] = {"decisions": _zero_or(rng, 0.3, 1, 400 * scale)}
    table["penalty"] = {"decisions": _zero_or(rng, 0.3, 1, 150 * scale)}
    table["coercion"] = {"decisions": _zero_or(rng, 0.6, 1, 12)}
    table["fees"] = {"amount_10k_yuan": _amount(rng, 0.5, 90000)}
    return table


def _active_2019(rng: random.Random, state: _OrganState, issues_rules: bool, scale: int) -> TableValues:
    table: TableValues = {}
    for row, max_made in (("regulations", 2 if issues_rules else 0), ("normative_documents", 8)):
        made = rng.randint(0, max_made)
        published = max(0, made - rng.randint(0, 1))
        state.total_published[row] += published
        table[row] = {
            "new_made": made,
            "new_published": published,
            "total_published": state.total_published[row],
        }
    for row in ("licensing", "other_services", "penalty", "coercion", "fees"):
        prev = state.items[row]
        change = rng.randint(-min(3, prev), 4)
        state.items[row] = prev + change
        table[row] = {"prev_items": prev, "change": change}
        if row != "fees":
            table[row]["decisions"] = _zero_or(rng, 0.35, 1, 200 * scale)
    table["procurement"] = {"items": _zero_or(rng, 0.3, 1, 30), "amount": _amount(rng, 0.3, 5_000_000)}
    return table


def _organ_series(seed: int, organ: str, organ_index: int) -> dict[int, tuple[dict[str, TableValues], int]]:
    """Consistent figures for every year of one organ: year → (figures, items published)."""
    rng = random.Random(f"{seed}/{organ}")
    scale = _ORGAN_SCALE[organ_index]
    issues_rules = organ_index == 0
    state = _OrganState(
        carried_forward={
            c: _zero_or(rng, 0.8, 1, 2) if c == "natural_person" else 0 for c in APPLICANT_COLUMN_IDS
        },
        in_force={
            "regulations": rng.randint(0, 12) if issues_rules else 0,
            "normative_documents": rng.randint(0, 40),
        },
        total_published={
            "regulations": rng.randint(0, 20) if issues_rules else 0,
            "normative_documents": rng.randint(0, 60),
        },
        items={row: rng.randint(0, 40) for row in ("licensing", "other_services", "penalty", "coercion")}
        | {"fees": rng.randint(0, 6)},
    )
    series: dict[int, tuple[dict[str, TableValues], int]] = {}
    for year in YEARS:
        fmt = table_format(year)
        active = (_active_2019 if fmt == "2019" else _active_2021)(rng, state, issues_rules, scale)
        requests = _requests(rng, fmt, scale, state.carried_forward)
        state.carried_forward = {c: _int(requests["carried_forward"][c]) for c in APPLICANT_COLUMN_IDS}
        figures = {"active_disclosure": active, "requests": requests, "review_litigation": _review(rng)}
        series[year] = (figures, rng.randint(40, 900) * scale)
    return series


def _int(value: int | Decimal | str | None) -> int:
    if not isinstance(value, int):
        raise TypeError(f"expected an int figure, got {value!r}")
    return value


def _published(layout: str, figures: dict[str, TableValues]) -> Tables:
    if layout == "absent":
        return dict.fromkeys(TABLE_IDS)
    return {t: copy.deepcopy(figures[t]) for t in TABLE_IDS}


# ---------------------------------------------------------------------------------------------
# Deliberate inconsistencies and special cells
# ---------------------------------------------------------------------------------------------


def _bump(table: TableValues, row: str, col: str, by: int = 1) -> None:
    table[row][col] = _int(table[row][col]) + by


def _apply_defect(rng: random.Random, kind: str, figures: dict[str, TableValues]) -> str:
    requests = figures["requests"]
    if kind == "total_off_by_one":
        col = rng.choice(APPLICANT_COLUMN_IDS)
        _bump(requests, "total", col)
        return f"{kind}:{col}"
    if kind == "row_total_mismatch":
        row = rng.choice(("new_received", "granted", "unable_not_held"))
        _bump(requests, row, "total")
        return f"{kind}:{row}"
    if kind == "review_total_off":
        block = rng.choice(REVIEW_BLOCK_IDS)
        _bump(figures["review_litigation"], block, "total")
        return f"{kind}:{block}"
    if kind == "uncounted_result":
        extra = rng.randint(1, 2)
        _bump(requests, "unable_not_held", "natural_person", extra)
        _bump(requests, "unable_not_held", "total", extra)
        return f"{kind}:unable_not_held.natural_person"
    raise ValueError(f"unknown defect kind {kind!r}")


def _apply_blank(fmt: str, figures: dict[str, TableValues]) -> str:
    """Blank one cell where a real report would leave it empty (a zero nobody typed)."""
    carried_over = figures["requests"]["carried_over"]
    if carried_over["total"] == 0:
        # As in real reports: the natural-person and total cells of 上年结转 left empty.
        carried_over["natural_person"] = None
        carried_over["total"] = None
        return "blank:requests.carried_over"
    fees = figures["active_disclosure"]["fees"]
    fees["amount_10k_yuan" if fmt == "2021" else "change"] = None
    return "blank:active_disclosure.fees"


def _apply_not_applicable(figures: dict[str, TableValues]) -> str:
    figures["active_disclosure"]["coercion"]["decisions"] = "n/a"
    return "na:active_disclosure.coercion"


# ---------------------------------------------------------------------------------------------
# The reports of one region
# ---------------------------------------------------------------------------------------------


@dataclass
class _Draft:
    organ_index: int
    year: int
    layout: str
    figures: dict[str, TableValues]
    items_published: int
    defect: str = ""
    special_cell: str = ""
    correction: dict[str, TableValues] | None = None


def capacity() -> int:
    """How many distinct (organ, year) reports one region can have."""
    return len(ORGAN_SUFFIXES) * len(YEARS)


def generate_reports(region_code: str, region_name: str, count: int, seed: int) -> list[SyntheticReport]:
    """`count` reports of one region in publication order (doc ids 1001, 1002, …).

    Layouts are spread evenly (counts differ by at most one); count // 6 reports with tables are made
    inconsistent, and count // 10 get a blank cell and count // 10 an n/a cell.
    """
    if not 0 <= count <= capacity():
        raise ValueError(f"count must be between 0 and {capacity()} (organs × years), got {count}")
    rng = random.Random(seed)
    organs = [f"{region_name}{suffix}" for suffix in ORGAN_SUFFIXES]
    pairs = [(o, y) for o in range(len(organs)) for y in YEARS]
    rng.shuffle(pairs)
    chosen = sorted(pairs[:count])
    series = {o: _organ_series(seed, organs[o], o) for o in sorted({o for o, _ in chosen})}
    layouts = [LAYOUTS[i % len(LAYOUTS)] for i in range(count)]
    rng.shuffle(layouts)
    drafts = [
        _Draft(o, y, layout, copy.deepcopy(series[o][y][0]), series[o][y][1])
        for (o, y), layout in zip(chosen, layouts, strict=True)
    ]

    with_tables = [d for d in drafts if d.layout != "absent"]
    inconsistent = rng.sample(with_tables, min(count // 6, len(with_tables)))
    for n, draft in enumerate(inconsistent):
        draft.correction = copy.deepcopy(draft.figures)
        draft.defect = _apply_defect(rng, DEFECT_KINDS[n % len(DEFECT_KINDS)], draft.figures)
    consistent = [d for d in with_tables if not d.defect]
    # Blank cells only where cell positions survive the layout: a flattened one-cell-per-line page
    # drops empty cells, so a blank there would be unreadable even to a person.
    blank_ok = [d for d in consistent if d.layout in ("html-table", "text-pipe")]
    for draft in rng.sample(blank_ok, min(count // 10, len(blank_ok))):
        draft.special_cell = _apply_blank(table_format(draft.year), draft.figures)
    na_ok = [d for d in consistent if not d.special_cell]
    for draft in rng.sample(na_ok, min(count // 10, len(na_ok))):
        draft.special_cell = _apply_not_applicable(draft.figures)

    dated = []
    for draft in drafts:
        sign_date = dt.date(draft.year + 1, 1, rng.randint(6, 28))
        publish_date = sign_date + dt.timedelta(days=rng.randint(1, 45))
        dated.append((publish_date, draft.organ_index, draft.year, sign_date, draft, rng.randrange(1 << 30)))
    dated.sort(key=lambda t: (t[0], t[1], t[2]))

    reports = []
    for index, (publish_date, _, _, sign_date, draft, variant) in enumerate(dated):
        fmt = table_format(draft.year)
        tables = _published(draft.layout, draft.figures)
        reports.append(
            SyntheticReport(
                doc_id=1001 + index,
                region_code=region_code,
                region_name=region_name,
                organ=organs[draft.organ_index],
                year=draft.year,
                format=fmt,
                layout=draft.layout,
                publish_date=publish_date,
                sign_date=sign_date,
                tables=tables,
                failing_checks=rules.failing(fmt, tables),
                figures=draft.figures,
                items_published=draft.items_published,
                defect=draft.defect,
                special_cell=draft.special_cell,
                correction=draft.correction,
                variant=variant,
            )
        )
    return reports


def generate_pages(reports: list[SyntheticReport], count: int, seed: int) -> list[SyntheticPage]:
    """`count` 解读/图解 pages about some of the reports (doc ids 2001, …), in publication order."""
    if count > len(reports):
        raise ValueError(f"cannot make {count} pages about {len(reports)} reports")
    rng = random.Random(f"{seed}/pages")
    pages = []
    for n, report in enumerate(rng.sample(reports, count)):
        pages.append(
            SyntheticPage(
                doc_id=0,
                region_code=report.region_code,
                region_name=report.region_name,
                organ=report.organ,
                year=report.year,
                kind=("解读", "图解")[n % 2],
                publish_date=report.publish_date + dt.timedelta(days=rng.randint(0, 3)),
                report_title=report.title,
            )
        )
    pages.sort(key=lambda p: (p.publish_date, p.report_title, p.kind))
    return [replace(p, doc_id=2001 + i) for i, p in enumerate(pages)]
