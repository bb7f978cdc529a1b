"""The official report template as data: the only place that names an official label.

Sources: 国办公开办函〔2019〕60号 (trial format, fmt "2019") and 国办公开办函〔2021〕30号 (fmt "2021"),
as restated in the project's parse contract (docs: report-format.md §2–§5). Every other module looks
labels, ids and column orders up here; the contract ids are the names used by the JSON output, the
database columns and the tests.

Labels are written in normalised form (Simplified, half-width brackets, no whitespace), the form that
`parsers.normalize.label_key` produces, so matching is a plain comparison or substring test.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final, Literal

Format = Literal["2021", "2019", "legacy", "unknown"]
FORMATS: Final[tuple[str, ...]] = ("2021", "2019", "legacy", "unknown")
TABLE_FORMATS: Final[tuple[str, ...]] = ("2021", "2019")

# ---------------------------------------------------------------------------------------------
# Sections (§2)
# ---------------------------------------------------------------------------------------------

SECTION_IDS: Final[tuple[str, ...]] = (
    "overview",
    "active_disclosure",
    "requests",
    "review_litigation",
    "problems",
    "other",
)


@dataclass(frozen=True)
class SectionSpec:
    id: str
    number: str  # the Chinese ordinal of the official heading
    heading: str  # official wording, normalised
    variants: tuple[str, ...] = ()  # other wordings seen in real reports (normalised)
    # Wordings of pre-2019 ("legacy") outlines that mean the same thing, matched by substring.
    legacy_keywords: tuple[str, ...] = ()


SECTIONS: Final[tuple[SectionSpec, ...]] = (
    SectionSpec(
        "overview",
        "一",
        "总体情况",
        ("总体概况", "基本情况", "概述"),
        ("概述", "基本情况", "总体情况", "工作概况"),
    ),
    SectionSpec(
        "active_disclosure",
        "二",
        "主动公开政府信息情况",
        ("主动公开情况", "主动公开政府信息"),
        ("主动公开",),
    ),
    SectionSpec(
        "requests",
        "三",
        "收到和处理政府信息公开申请情况",
        ("收到和处理政府信息公开申请", "依申请公开情况"),
        ("依申请公开", "申请公开"),
    ),
    SectionSpec(
        "review_litigation",
        "四",
        "政府信息公开行政复议、行政诉讼情况",
        (
            "因政府信息公开工作被申请行政复议、提起行政诉讼情况",
            "政府信息公开被申请行政复议和提起行政诉讼情况",
            "政府信息公开行政复议行政诉讼情况",
            "政府信息公开行政复议、行政诉讼情况",
        ),
        ("复议", "诉讼"),
    ),
    SectionSpec(
        "problems",
        "五",
        "存在的主要问题及改进情况",
        (
            "政府信息公开工作存在的主要问题及改进情况",
            "存在问题及改进措施",
            "工作中存在的主要问题和改进情况",
            "存在的主要问题和改进情况",
        ),
        ("问题", "改进"),
    ),
    SectionSpec(
        "other",
        "六",
        "其他需要报告的事项",
        ("其他需要报告事项",),
        ("其他", "收费", "费用"),
    ),
)

SECTION_BY_ID: Final[dict[str, SectionSpec]] = {s.id: s for s in SECTIONS}

# ---------------------------------------------------------------------------------------------
# Table 二 — 主动公开 (§3)
# ---------------------------------------------------------------------------------------------

ValueKind = Literal["int", "decimal", "signed", "text"]


@dataclass(frozen=True)
class ColumnSpec:
    id: str
    label: str
    kind: ValueKind = "int"
    synonyms: tuple[str, ...] = ()


@dataclass(frozen=True)
class ActiveRowSpec:
    id: str
    label: str
    caption: str  # the sub-table caption (第二十条第（N）项), normalised
    columns: tuple[ColumnSpec, ...]
    synonyms: tuple[str, ...] = ()


_C21_DOCS = (
    ColumnSpec("issued", "本年制发件数"),
    ColumnSpec("repealed", "本年废止件数"),
    ColumnSpec("in_force", "现行有效件数"),
)
_C21_DECISIONS = (ColumnSpec("decisions", "本年处理决定数量"),)

ACTIVE_DISCLOSURE_2021: Final[tuple[ActiveRowSpec, ...]] = (
    ActiveRowSpec("regulations", "规章", "第二十条第(一)项", _C21_DOCS),
    ActiveRowSpec("normative_documents", "行政规范性文件", "第二十条第(一)项", _C21_DOCS, ("规范性文件",)),
    ActiveRowSpec("licensing", "行政许可", "第二十条第(五)项", _C21_DECISIONS),
    ActiveRowSpec("penalty", "行政处罚", "第二十条第(六)项", _C21_DECISIONS),
    ActiveRowSpec("coercion", "行政强制", "第二十条第(六)项", _C21_DECISIONS),
    ActiveRowSpec(
        "fees",
        "行政事业性收费",
        "第二十条第(八)项",
        (ColumnSpec("amount_10k_yuan", "本年收费金额(单位:万元)", "decimal", ("本年收费金额",)),),
    ),
)

_C19_DOCS = (
    ColumnSpec("new_made", "本年新制作数量"),
    ColumnSpec("new_published", "本年新公开数量"),
    ColumnSpec("total_published", "对外公开总数量"),
)
_C19_ITEMS = (
    ColumnSpec("prev_items", "上一年项目数量"),
    ColumnSpec("change", "本年增/减", "signed", ("本年增减",)),
    ColumnSpec("decisions", "处理决定数量"),
)

ACTIVE_DISCLOSURE_2019: Final[tuple[ActiveRowSpec, ...]] = (
    ActiveRowSpec("regulations", "规章", "第二十条第(一)项", _C19_DOCS),
    ActiveRowSpec("normative_documents", "规范性文件", "第二十条第(一)项", _C19_DOCS, ("行政规范性文件",)),
    ActiveRowSpec("licensing", "行政许可", "第二十条第(五)项", _C19_ITEMS),
    ActiveRowSpec("other_services", "其他对外管理服务事项", "第二十条第(五)项", _C19_ITEMS),
    ActiveRowSpec("penalty", "行政处罚", "第二十条第(六)项", _C19_ITEMS),
    ActiveRowSpec("coercion", "行政强制", "第二十条第(六)项", _C19_ITEMS),
    ActiveRowSpec("fees", "行政事业性收费", "第二十条第(八)项", _C19_ITEMS[:2]),
    ActiveRowSpec(
        "procurement",
        "政府集中采购",
        "第二十条第(九)项",
        (ColumnSpec("items", "采购项目数量"), ColumnSpec("amount", "采购总金额", "decimal")),
    ),
)

ACTIVE_DISCLOSURE: Final[dict[str, tuple[ActiveRowSpec, ...]]] = {
    "2021": ACTIVE_DISCLOSURE_2021,
    "2019": ACTIVE_DISCLOSURE_2019,
}

# ---------------------------------------------------------------------------------------------
# Table 三 — 收到和处理政府信息公开申请情况 (§4)
# ---------------------------------------------------------------------------------------------

REQUEST_COLUMNS: Final[tuple[ColumnSpec, ...]] = (
    ColumnSpec("natural_person", "自然人"),
    ColumnSpec("commercial_enterprise", "商业企业"),
    ColumnSpec("research_institution", "科研机构"),
    ColumnSpec("social_welfare_org", "社会公益组织"),
    ColumnSpec("legal_service_org", "法律服务机构"),
    ColumnSpec("other_org", "其他"),
    ColumnSpec("total", "总计"),
)
REQUEST_COLUMN_IDS: Final[tuple[str, ...]] = tuple(c.id for c in REQUEST_COLUMNS)
APPLICANT_COLUMN_IDS: Final[tuple[str, ...]] = REQUEST_COLUMN_IDS[:-1]
# The merged header over 商业企业…其他; it is a header, never a column of numbers.
REQUEST_GROUP_HEADER: Final[str] = "法人或其他组织"
REQUEST_TABLE_HEADER: Final[str] = "申请人情况"
# The note printed above the table's totals column in the 2021 format.
REQUEST_BALANCE_NOTE: Final[str] = "本列数据的勾稽关系为"


@dataclass(frozen=True)
class RequestRowSpec:
    id: str
    label: str  # the row's own label, normalised, without its group label
    group: str | None = None  # the group label it sits under, e.g. "(三)不予公开"
    synonyms: tuple[str, ...] = ()
    formats: tuple[str, ...] = TABLE_FORMATS
    # Which sum this row belongs to in requests.results_sum ("result") or neither.
    role: Literal["input", "result", "total", "output"] = "result"


REQUEST_ROWS: Final[tuple[RequestRowSpec, ...]] = (
    RequestRowSpec("new_received", "一、本年新收政府信息公开申请数量", role="input"),
    RequestRowSpec("carried_over", "二、上年结转政府信息公开申请数量", role="input"),
    RequestRowSpec("granted", "(一)予以公开", "三、本年度办理结果"),
    RequestRowSpec(
        "partially_granted",
        "(二)部分公开(区分处理的,只计这一情形,不计其他情形)",
        "三、本年度办理结果",
        ("(二)部分公开",),
    ),
    RequestRowSpec("denied_state_secret", "1.属于国家秘密", "(三)不予公开"),
    RequestRowSpec("denied_prohibited_by_law", "2.其他法律行政法规禁止公开", "(三)不予公开"),
    RequestRowSpec("denied_three_safeties", '3.危及"三安全一稳定"', "(三)不予公开", ("3.危及三安全一稳定",)),
    RequestRowSpec("denied_third_party_rights", "4.保护第三方合法权益", "(三)不予公开"),
    RequestRowSpec("denied_internal_affairs", "5.属于三类内部事务信息", "(三)不予公开"),
    RequestRowSpec("denied_process_info", "6.属于四类过程性信息", "(三)不予公开"),
    RequestRowSpec("denied_enforcement_files", "7.属于行政执法案卷", "(三)不予公开"),
    RequestRowSpec("denied_administrative_query", "8.属于行政查询事项", "(三)不予公开"),
    RequestRowSpec("unable_not_held", "1.本机关不掌握相关政府信息", "(四)无法提供"),
    RequestRowSpec("unable_needs_creation", "2.没有现成信息需要另行制作", "(四)无法提供"),
    RequestRowSpec("unable_unclear", "3.补正后申请内容仍不明确", "(四)无法提供"),
    RequestRowSpec("not_processed_complaint", "1.信访举报投诉类申请", "(五)不予处理"),
    RequestRowSpec("not_processed_duplicate", "2.重复申请", "(五)不予处理"),
    RequestRowSpec("not_processed_publication", "3.要求提供公开出版物", "(五)不予处理"),
    RequestRowSpec("not_processed_mass_repeated", "4.无正当理由大量反复申请", "(五)不予处理"),
    RequestRowSpec(
        "not_processed_confirm_info",
        "5.要求行政机关确认或重新出具已获取信息",
        "(五)不予处理",
    ),
    RequestRowSpec(
        "other_overdue_correction",
        "1.申请人无正当理由逾期不补正、行政机关不再处理其政府信息公开申请",
        "(六)其他处理",
        formats=("2021",),
    ),
    RequestRowSpec(
        "other_overdue_fee",
        "2.申请人逾期未按收费通知要求缴纳费用、行政机关不再处理其政府信息公开申请",
        "(六)其他处理",
        formats=("2021",),
    ),
    RequestRowSpec("other_misc", "3.其他", "(六)其他处理", formats=("2021",)),
    RequestRowSpec("other_handling", "(六)其他处理", "三、本年度办理结果", formats=("2019",)),
    RequestRowSpec("total", "(七)总计", "三、本年度办理结果", role="total"),
    RequestRowSpec("carried_forward", "四、结转下年度继续办理", role="output"),
)

REQUEST_GROUP_LABELS: Final[tuple[str, ...]] = (
    "三、本年度办理结果",
    "(三)不予公开",
    "(四)无法提供",
    "(五)不予处理",
    "(六)其他处理",
)


def request_rows(fmt: str) -> tuple[RequestRowSpec, ...]:
    """The rows of table 三 in official order for one table format ("2021" or "2019")."""
    return tuple(r for r in REQUEST_ROWS if fmt in r.formats)


# ---------------------------------------------------------------------------------------------
# Table 四 — 行政复议、行政诉讼 (§5)
# ---------------------------------------------------------------------------------------------

REVIEW_BLOCKS: Final[tuple[ColumnSpec, ...]] = (
    ColumnSpec("review", "行政复议"),
    ColumnSpec("litigation_direct", "未经复议直接起诉"),
    ColumnSpec("litigation_after_review", "复议后起诉"),
)
REVIEW_COLUMNS: Final[tuple[ColumnSpec, ...]] = (
    ColumnSpec("upheld", "结果维持"),
    ColumnSpec("corrected", "结果纠正"),
    ColumnSpec("other", "其他结果"),
    ColumnSpec("pending", "尚未审结"),
    ColumnSpec("total", "总计"),
)
REVIEW_BLOCK_IDS: Final[tuple[str, ...]] = tuple(b.id for b in REVIEW_BLOCKS)
REVIEW_COLUMN_IDS: Final[tuple[str, ...]] = tuple(c.id for c in REVIEW_COLUMNS)
REVIEW_HEADER_LABELS: Final[tuple[str, ...]] = ("行政复议", "行政诉讼")

# ---------------------------------------------------------------------------------------------
# Format detection (§1) and values (§6)
# ---------------------------------------------------------------------------------------------

# Labels that only one format's tables carry, normalised. Order matters: 2021 markers win.
FORMAT_MARKERS: Final[dict[str, tuple[str, ...]]] = {
    "2021": ("本年制发件数", "本年废止件数", "本年处理决定数量", "本年收费金额"),
    "2019": ("本年新制作数量", "本年新公开数量", "上一年项目数量", "第二十条第(九)项", "政府集中采购"),
}

# OCR'd table cells read with a confidence under this are flagged (Cell.source.low_confidence).
OCR_LOW_CONFIDENCE: Final[float] = 0.90
# Cell texts that mean "not applicable": stored as the string "n/a", never as zero.
NOT_APPLICABLE: Final[frozenset[str]] = frozenset({"/", "-", "—", "--", "——", "不适用", "无", "n/a"})
NA: Final[str] = "n/a"

TABLE_IDS: Final[tuple[str, ...]] = ("active_disclosure", "requests", "review_litigation")


REQUEST_ROW_BY_ID: Final[dict[str, RequestRowSpec]] = {r.id: r for r in REQUEST_ROWS}


def active_columns(fmt: str, row_id: str) -> tuple[ColumnSpec, ...]:
    """Column specs of one row of table 二 in the given format."""
    for row in ACTIVE_DISCLOSURE[fmt]:
        if row.id == row_id:
            return row.columns
    raise KeyError(f"{row_id!r} is not a row of table 二 in format {fmt}")


# Header cells and notes printed in the official tables (the sample portal renders them from here).
# The first header cell of every sub-table of table 二.
ACTIVE_HEADER_LABEL: Final[str] = "信息内容"
# The full note over table 三's totals column in fmt 2021; REQUEST_BALANCE_NOTE is its matching prefix.
REQUEST_BALANCE_NOTE_TEXT: Final[str] = "(本列数据的勾稽关系为:第一项加第二项之和,等于第三项加第四项之和)"


# ---------------------------------------------------------------------------------------------
# Report titles: how a listing link (or a page title) names the annual report, and its companion pages
# ---------------------------------------------------------------------------------------------

# A title naming the annual report says one of these (normalised) …
REPORT_TITLE_WORDS: Final[tuple[str, ...]] = ("年度报告", "年报", "工作报告", "工作汇报")
# … and, for the words other documents share (政府工作报告, 企业年报, 工作汇报), which subject it reports on.
DISCLOSURE_TITLE_WORDS: Final[tuple[str, ...]] = ("政府信息公开", "政务信息公开", "政务公开", "信息公开")
# Companion pages filed beside the report that are not the report itself.
INTERPRETATION_TITLE_WORDS: Final[tuple[str, ...]] = (
    "政策解读", "解读", "图解", "一图读懂", "一图看懂", "一图了解", "图说",
)
