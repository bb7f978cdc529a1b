"""Headline figures of pre-2019 ("legacy") reports, where the report states them, and their local tables.

Reports under the 2007 条例 had no national table: the figures are sentences in a free outline
(全年共受理政府信息公开申请123件…) or rows of a local 统计表. `read_legacy` reads both into
`ParsedReport.legacy`, a flat dict:

    {
      "figures": {                     # only figures the report states; absent ids were not stated
        FIGURE_ID: {
          "value": int | Decimal,      # exactly as written (Chinese numerals converted: 四起 -> 4);
                                       # fees_yuan is in yuan (0.5万元 -> 5000), a Decimal only if fractional
          "unit": str,                 # the counting word as written (条, 件, 宗, 人次…); 元 for fees_yuan
          "raw": str,                  # the words stating it, as written (20495宗, 四起, 未收取任何费用)
          "source": str,               # the sentence (or the table row, cells joined by " | ") it came from
          "section": str | None,       # the section id the sentence sits in; None for a table row
          "table": int | None,         # index into "tables" for a table row; None for prose
        }, ...
      },
      "tables": [                      # every local 统计表/附表, kept as read (parsers.legacy_tables)
        {"caption": str | None, "layout": "html" | "text", "rows": [[str, ...], ...]}, ...
      ],
    }

FIGURE_IDS lists the figure ids (their wordings: docs/legacy.md). Rules: a figure is taken only
from a sentence whose own words say what it counts (the section is used only where a sentence leaves
the subject implicit: "…门户网站政务信息N条" under the 主动公开 heading); a part (其中…), a comparison
(比上年…), a cumulative count (截至…累计, …以来) or an approximate number (约…, …余件) is never taken
for the figure; "未收取任何费用" and "未发生…行政复议" state zero. A figure stated twice with different
values keeps the first (prose in document order, then the tables) and the other statement becomes a
warning. `legacy` is None when nothing is found.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any, Final

from parsers.blocks import Block, Grid, Line
from parsers.legacy_tables import LegacyTable, find_tables, is_unit_cell
from parsers.model import Check
from parsers.normalize import label_key
from parsers.sections import Sections
from parsers.template import NOT_APPLICABLE, SECTION_IDS

FIGURE_IDS: Final[tuple[str, ...]] = (
    "active_disclosed",
    "requests_received",
    "requests_granted",
    "requests_partially_granted",
    "requests_denied",
    "requests_not_held",
    "requests_wrong_organ",
    "requests_out_of_scope",
    "requests_unclear",
    "consultations",
    "reviews",
    "lawsuits",
    "review_and_litigation",
    "complaints",
    "fees_yuan",
)

# ---------------------------------------------------------------------------------------------
# Numbers as written
# ---------------------------------------------------------------------------------------------

_CN_DIGITS: Final[dict[str, int]] = {
    "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9,
}
_CN_ZERO: Final[str] = "零〇"
_CN_SMALL: Final[dict[str, int]] = {"十": 10, "百": 100, "千": 1000}
_CN_BIG: Final[dict[str, int]] = {"万": 10_000, "亿": 100_000_000}
CN_NUMERAL_CHARS: Final[str] = "".join(_CN_DIGITS) + _CN_ZERO + "".join(_CN_SMALL) + "".join(_CN_BIG)


def chinese_number(text: str) -> int | None:
    """The integer a Chinese numeral writes (四 4, 二十三 23, 一百零五 105, 两千 2000, 一万二千 12000).

    None for anything that is not one exact number: digit runs (二三 is "two or three"), clipped forms
    (一百二 is colloquial and ambiguous in writing), units out of order.
    """
    if not text:
        return None
    if all(ch in _CN_ZERO for ch in text):
        return 0 if len(text) == 1 else None
    total = 0
    section = 0  # the part below the current 万/亿
    digit: int | None = None
    last_small: int | None = None  # the 十/百/千 just applied within this section
    last_big: int | None = None
    zero_seen = False
    for ch in text:
        if ch in _CN_DIGITS:
            if digit is not None:
                return None
            digit = _CN_DIGITS[ch]
        elif ch in _CN_ZERO:
            if digit is not None:
                return None
            zero_seen = True
        elif ch in _CN_SMALL:
            unit = _CN_SMALL[ch]
            if last_small is not None and unit >= last_small:
                return None
            if digit is None and (section or total or zero_seen):
                return None  # 一百十 is not written; 十 alone only opens a number
            section += (1 if digit is None else digit) * unit
            digit, last_small, zero_seen = None, unit, False
        elif ch in _CN_BIG:
            unit = _CN_BIG[ch]
            if last_big is not None and unit >= last_big:
                return None
            part = section + (digit or 0)
            if part == 0:
                return None
            total += part * unit
            section, digit, last_small, last_big, zero_seen = 0, None, None, unit, False
        else:
            return None
    # a trailing digit right after 百/千/万 is a clipped form (一百二 = 120?), not an exact number
    clipped = last_small not in (None, 10) or (last_small is None and last_big is not None)
    if digit is not None and not zero_seen and clipped:
        return None
    return total + section + (digit or 0)


_ARABIC: Final[re.Pattern[str]] = re.compile(r"^(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?$")


def read_number(num: str, wan: str | None = None) -> int | Decimal | None:
    """Arabic (1,234 / 12.5, times 万/亿 when written so) or Chinese numerals; None when not a number."""
    multiplier = _CN_BIG.get(wan or "", 1)
    if _ARABIC.match(num):
        try:
            value = Decimal(num.replace(",", "")) * multiplier
        except InvalidOperation:
            return None
    else:
        whole = chinese_number(num)
        if whole is None:
            return None
        value = Decimal(whole) * multiplier
    return int(value) if value == value.to_integral_value() else value


# ---------------------------------------------------------------------------------------------
# Figures in prose
# ---------------------------------------------------------------------------------------------

_NUM: Final[str] = rf"\d{{1,3}}(?:,\d{{3}})+(?:\.\d+)?|\d+(?:\.\d+)?|[{CN_NUMERAL_CHARS}]+"
# Words between a subject and its number: 共计, 总数为, 达到, 的 …
_FILL: Final[str] = r"[共计合总累为达到是了的数量]{0,5}"
_ABOUT: Final[str] = r"(?P<about>大约|约|近|将近|逾|超过)?"
_CLAUSE_END: Final[str] = r"(?=[,。;!?]|$)"
_GAP: Final[str] = r"[^,。;!?:\d]"

_U_ITEMS: Final[str] = "条|件|份|项|篇"
_U_REQUESTS: Final[str] = "件次|人次|件|宗|份|条|个|项|次|批"
_U_PEOPLE: Final[str] = "人次|批次|次|人|件|个|批"
_U_CASES: Final[str] = "件|起|宗|个|次|例"
_U_MONEY: Final[str] = "万元|元"
# The unit of a zero stated without one (未收取任何费用, 行政复议为0); counts of cases and requests: 件.
_ZERO_UNIT: Final[dict[str, str]] = {"fees_yuan": "元", "active_disclosed": "条", "consultations": "人次"}


def _count(units: str) -> str:
    """A number and its unit, or a unit-less zero closing the clause (…为0。)."""
    return (
        rf"{_ABOUT}(?:(?P<num>{_NUM})(?P<wan>万|亿)?(?P<approx>余|多)?(?P<unit>{units})"
        rf"|(?P<zero>0|零){_CLAUSE_END})"
    )


# A comparison with another year (比上年增加12件, 同比下降): the figure is not this year's.
_NOT_THIS_YEAR: Final[tuple[str, ...]] = (
    "上年", "去年", "上一年", "同比", "环比", "相比", "较前", "增长", "下降", "减少", "增加", "持平",
)
# A count since the 条例 took effect (…以来累计, 截至…累计): words anywhere before it in the sentence.
_SINCE: Final[tuple[str, ...]] = ("以来", "历年")
_AS_OF: Final[tuple[str, ...]] = ("截至", "截止")
_IN_ALL: Final[tuple[str, ...]] = ("累计", "总计")
_PART: Final[tuple[str, ...]] = ("其中", "含", "包括")
_CHANNELS: Final[tuple[str, ...]] = (
    "当面", "网上", "网络", "在线", "信函", "传真", "电子邮件", "邮件", "电话", "来信", "现场",
    "自然人", "法人", "企业",
)


@dataclass(frozen=True)
class _Rule:
    figure: str
    pattern: re.Pattern[str]
    # words that, in the clause up to the match's end, make it about something else (a part, last year)
    forbidden: tuple[str, ...] = ()
    section: str | None = None  # the rule applies only inside this section
    zero: bool = False  # the match states zero (未收取任何费用): no number in it
    # a zero statement that may name reviews, lawsuits or both (未发生行政复议和行政诉讼): each named is 0
    each: bool = False


def _rule(figure: str, subject: str, units: str, forbidden: tuple[str, ...] = (), **kw: Any) -> _Rule:
    pattern = re.compile(rf"(?:{subject}){_FILL}{_count(units)}")
    return _Rule(figure, pattern, forbidden, **kw)


_REVIEW: Final[str] = r"(?:被申请|提起|申请)?行政复议"
_LAWSUIT: Final[str] = r"(?:被提起|提起|被起诉)?行政诉讼"
_AND: Final[str] = r"(?:、|和|及|与|或|以及|或者)"
_NEGATION: Final[str] = r"(?:没有|未有|并未|均未|从未|未|无)(?!论|经|正当)"
# A negation of a happening: 未发生/未收到/未因…被申请…, or 无 right before the subject (无行政复议…).
_NOT_HAPPENED: Final[str] = rf"{_NEGATION}(?:(?:发生|出现|收到|接到|产生|有|因|被)|(?=行政|申诉|投诉|举报))"
_FEE_NEGATION: Final[str] = r"(?:没有|并未|均未|从未|未|不(?!得)|无)"

# In this order; a later rule never takes words an earlier one matched (部分公开 before 公开, the sum
# of reviews and lawsuits before either, 咨询投诉 before 投诉).
_RULES: Final[tuple[_Rule, ...]] = (
    _Rule(
        "review_and_litigation",
        re.compile(
            rf"{_ABOUT}(?P<num>{_NUM})(?P<approx>余|多)?(?P<unit>{_U_CASES})"
            rf"[^,。;!?\d]{{0,30}}?{_REVIEW}{_AND}{{1,2}}{_LAWSUIT}"
        ),
        (*_NOT_THIS_YEAR, "另", "其中"),
    ),
    _Rule(
        "review_and_litigation",
        re.compile(
            rf"(?:{_REVIEW}{_AND}{_LAWSUIT}|{_LAWSUIT}{_AND}{_REVIEW})(?:的)?(?:案件|案)?"
            rf"(?P<each>均|都|各)?{_FILL}{_count(_U_CASES)}"
        ),
        _NOT_THIS_YEAR,
    ),
    _rule("reviews", rf"{_REVIEW}(?:案件|申请|案)?", _U_CASES, _NOT_THIS_YEAR),
    _rule("lawsuits", rf"{_LAWSUIT}(?:案件|案)?", _U_CASES, _NOT_THIS_YEAR),
    _rule(
        "consultations",
        rf"(?:接待|受理|解答|答复|提供|接受|处理)(?:了)?{_GAP}{{0,10}}?咨询{_GAP}{{0,6}}?",
        _U_PEOPLE,
        _NOT_THIS_YEAR + _PART + _CHANNELS,
    ),
    _rule(
        "complaints",
        r"(?:申诉|投诉|举报)(?:案件|事项)?",
        _U_CASES,
        _NOT_THIS_YEAR + _PART + ("咨询",),
    ),
    _rule(
        "requests_partially_granted",
        r"(?:同意部分公开|部分同意公开|部分予以公开|予以部分公开|部分公开)(?:的)?(?:答复)?",
        _U_REQUESTS,
        _NOT_THIS_YEAR,
    ),
    _rule(
        "requests_denied",
        r"(?:不同意公开|不予公开|不予以公开|不公开)(?:的)?(?:答复)?",
        _U_REQUESTS,
        _NOT_THIS_YEAR,
    ),
    _rule(
        "requests_not_held",
        r"(?:(?:申请的?)?信息不存在|本(?:行政)?机关不掌握|非本(?:行政)?(?:机关|单位|部门)掌握)(?:的)?",
        _U_REQUESTS,
        _NOT_THIS_YEAR,
    ),
    _rule(
        "requests_wrong_organ",
        r"(?:不属于本(?:行政)?(?:机关|单位|部门)(?:公开|职责|职能)(?:范围)?|非本(?:行政)?(?:机关|单位|部门)"
        r"(?:公开|职责)(?:范围)?)(?:的)?",
        _U_REQUESTS,
        _NOT_THIS_YEAR,
    ),
    _rule(
        "requests_out_of_scope",
        r"(?:不属于政府信息(?:公开)?(?:范围)?|不(?:是|属于)《条例》所指(?:的)?政府信息)(?:的)?",
        _U_REQUESTS,
        _NOT_THIS_YEAR,
    ),
    _rule("requests_unclear", r"申请内容不(?:明确|清楚|清)(?:的)?", _U_REQUESTS, _NOT_THIS_YEAR),
    _rule(
        "requests_granted",
        r"(?<![不分])(?:同意公开|予以公开|准予公开|全部公开|同意提供|予以提供)(?:的)?(?:答复)?",
        _U_REQUESTS,
        (*_NOT_THIS_YEAR, "主动"),
    ),
    _rule(
        "requests_received",
        rf"(?:受理|收到|接到|接收|共有|办理)(?:了)?{_GAP}{{0,16}}?申请(?:公开)?(?:(?:政府|政务)?信息)?"
        r"(?:事项|件数|业务)?",
        _U_REQUESTS,
        (*_NOT_THIS_YEAR, *_PART, *_CHANNELS, "结转"),
    ),
    _rule(
        "active_disclosed",
        r"主动公开(?:了)?(?:各类|各种|本机关|本部门)?(?:政府|政务)?信息(?:条目)?",
        _U_ITEMS,
        _NOT_THIS_YEAR + _PART,
    ),
    # The subject left to the heading: "…门户网站政务信息N条" under the 主动公开 section.
    _rule(
        "active_disclosed",
        r"(?:政府|政务)信息",
        _U_ITEMS,
        _NOT_THIS_YEAR + _PART + ("类", "新闻", "申请"),
        section="active_disclosure",
    ),
    _rule(
        "fees_yuan",
        rf"(?:收取|收费|收缴){_GAP}{{0,12}}?(?:费用|费|金额|总额)?",
        _U_MONEY,
        _NOT_THIS_YEAR,
    ),
    # Zero statements.
    _Rule(
        "fees_yuan",
        re.compile(
            rf"{_FEE_NEGATION}(?:向申请人)?(?:收取|收)(?:过)?{_GAP}{{0,12}}?费(?:用)?|免收{_GAP}{{0,10}}?费(?:用)?"
        ),
        ("不得",),
        zero=True,
    ),
    _Rule(
        "requests_received",
        re.compile(
            rf"{_NEGATION}(?:收到|受理|接到|发生)?(?:过)?(?:任何)?(?:(?:政府|政务)信息公开)?(?:依)?申请(?:公开)?"
            rf"(?:(?:政府|政务)?信息)?(?:事项|的情况|情况)?{_CLAUSE_END}"
        ),
        zero=True,
    ),
    _Rule(
        "review_and_litigation",
        re.compile(
            rf"{_NOT_HAPPENED}[^,。;!?\d]{{0,40}}?(?:行政复议|行政诉讼)"
            rf"[^,。;!?\d]*?{_CLAUSE_END}"
        ),
        zero=True,
        each=True,
    ),
    _Rule(
        "complaints",
        re.compile(
            rf"{_NOT_HAPPENED}(?:过)?(?:任何)?[^,。;!?\d]{{0,20}}?(?:申诉|投诉|举报)"
            rf"[^,。;!?\d]*?{_CLAUSE_END}"
        ),
        ("咨询",),
        zero=True,
    ),
)

_SENTENCE_END: Final[str] = "。!?"
_CLAUSE_SEPARATORS: Final[str] = ",;。!?"
_SOURCE_MAX_CHARS: Final[int] = 300
# Long 《…》 titles are names of documents: 《关于…收取费用…的通知》 states nothing about this report.
_LONG_TITLE: Final[re.Pattern[str]] = re.compile(r"《([^》]{9,})》")
_CN_COUNT: Final[re.Pattern[str]] = re.compile(rf"[{CN_NUMERAL_CHARS}]+(?:{_U_CASES})")


def _mask_titles(line: str) -> str:
    return _LONG_TITLE.sub(lambda m: "《" + "□" * len(m.group(1)) + "》", line)


def _clause_prefix(line: str, start: int) -> str:
    """The clause before a match: from the last clause separator; a bare "其中," before it counts too."""
    begin = max((line.rfind(sep, 0, start) for sep in _CLAUSE_SEPARATORS), default=-1) + 1
    prefix = line[begin:start]
    before = line[:begin].rstrip(_CLAUSE_SEPARATORS + ": ")
    if before.endswith("其中"):
        prefix = "其中" + prefix
    return prefix


def _sentence(line: str, start: int, end: int) -> str:
    begin = max((line.rfind(sep, 0, start) for sep in _SENTENCE_END), default=-1) + 1
    stops = [i for i in (line.find(sep, end) for sep in _SENTENCE_END) if i >= 0]
    stop = min(stops) + 1 if stops else len(line)
    if stop - begin > _SOURCE_MAX_CHARS:  # a body captured as one line without full stops
        half = _SOURCE_MAX_CHARS // 2
        begin, stop = max(begin, start - half), min(stop, end + half)
    return line[begin:stop].strip()


@dataclass(frozen=True)
class Figure:
    value: int | Decimal
    unit: str
    raw: str
    source: str
    section: str | None = None
    table: int | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "value": self.value,
            "unit": self.unit,
            "raw": self.raw,
            "source": self.source,
            "section": self.section,
            "table": self.table,
        }


@dataclass
class _Collector:
    figures: dict[str, Figure] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)

    def add(self, figure_id: str, figure: Figure) -> None:
        kept = self.figures.get(figure_id)
        if kept is None:
            self.figures[figure_id] = figure
        elif kept.value != figure.value:
            self.warnings.append(
                f"legacy figure {figure_id} stated twice: kept {kept.value} ({kept.raw}), "
                f"not {figure.value} ({figure.raw}) from: {figure.source}"
            )


def _overlaps(span: tuple[int, int], taken: list[tuple[int, int]]) -> bool:
    return any(span[0] < b and a < span[1] for a, b in taken)


def _cumulative(masked: str, start: int, end: int) -> bool:
    """Whether the sentence makes the count one since some past date (截至…累计, …以来), not this year's."""
    begin = max((masked.rfind(sep, 0, start) for sep in _SENTENCE_END), default=-1) + 1
    before = masked[begin:end]
    return any(w in before for w in _SINCE) or (
        any(w in before for w in _AS_OF) and any(w in before for w in _IN_ALL)
    )


def _prose_matches(line: str, section: str | None) -> list[tuple[_Rule, re.Match[str]]]:
    """The rules' matches in a line, in reading order; earlier rules win overlapping words."""
    masked = _mask_titles(line)
    taken: list[tuple[int, int]] = []
    found: list[tuple[_Rule, re.Match[str]]] = []
    for rule in _RULES:
        if rule.section is not None and rule.section != section:
            continue
        for m in rule.pattern.finditer(masked):
            if _overlaps(m.span(), taken):
                continue
            prefix = _clause_prefix(masked, m.start())
            if any(word in prefix + m.group(0) for word in rule.forbidden):
                continue
            if rule.zero and _CN_COUNT.search(m.group(0)):
                continue  # "未经复议…诉讼一起": a count, not a zero statement
            if _cumulative(masked, m.start(), m.end()):
                continue
            taken.append(m.span())
            found.append((rule, m))
    return sorted(found, key=lambda item: item[1].start())


def _read_prose(line: str, section: str | None, out: _Collector) -> None:
    for rule, m in _prose_matches(line, section):
        raw = line[m.start() : m.end()]  # the words as written: m matched the line with titles masked
        source = _sentence(line, m.start(), m.end())
        if rule.zero:
            _add_zero(rule, raw, source, section, out)
            continue
        groups = m.groupdict()
        if groups.get("about") or groups.get("approx"):
            out.warnings.append(f"legacy figure {rule.figure} not exact, not taken: {raw}")
            continue
        if groups.get("zero"):
            value: int | Decimal | None = 0
            unit = _ZERO_UNIT.get(rule.figure, "件")
        else:
            value = read_number(groups["num"], groups.get("wan"))
            unit = groups["unit"]
        if value is None:
            out.warnings.append(f"legacy figure {rule.figure}: unreadable number in: {raw}")
            continue
        value, unit, ok = _in_figure_unit(rule.figure, value, unit)
        if not ok:
            out.warnings.append(f"legacy figure {rule.figure}: not a whole count: {raw}")
            continue
        figure = Figure(value, unit, raw.lstrip(), source, section)
        if groups.get("each"):  # 行政复议和行政诉讼均为0件: each of them, not the sum
            out.add("reviews", figure)
            out.add("lawsuits", figure)
        else:
            out.add(rule.figure, figure)


def _in_figure_unit(figure_id: str, value: int | Decimal, unit: str) -> tuple[int | Decimal, str, bool]:
    """Fees in yuan (万元 × 10000, exactly); counts must be whole."""
    if figure_id == "fees_yuan":
        if unit == "万元":
            value = Decimal(value) * 10_000
            value = int(value) if value == value.to_integral_value() else value
        return value, "元", True
    return value, unit, isinstance(value, int)


def _add_zero(rule: _Rule, raw: str, source: str, section: str | None, out: _Collector) -> None:
    figure = Figure(0, _ZERO_UNIT.get(rule.figure, "件"), raw, source, section)
    if not rule.each:
        out.add(rule.figure, figure)
        return
    # one negation may cover both kinds of case: 未发生…行政复议和行政诉讼
    if "行政复议" in raw:
        out.add("reviews", figure)
    if "行政诉讼" in raw:
        out.add("lawsuits", figure)


# ---------------------------------------------------------------------------------------------
# Figures in local tables
# ---------------------------------------------------------------------------------------------

# Row labels of local tables (label_key form, ordinal stripped), anchored at the start so that a part
# (其中:…) never matches.
_ROW_LABELS: Final[tuple[tuple[str, re.Pattern[str]], ...]] = tuple(
    (figure, re.compile(pattern))
    for figure, pattern in (
        ("active_disclosed", r"^(?:本年)?主动公开(?:政府|政务)?信息(?:总)?(?:数|条数|数量)"),
        (
            "requests_received",
            r"^(?:本年)?(?:收到|受理)(?:政府信息公开|依)?申请(?:公开)?(?:总)?(?:数|件数|数量)|^申请(?:总数|总量)",
        ),
        ("requests_partially_granted", r"^(?:同意部分公开|部分公开)(?:答复)?(?:数|件数)"),
        ("requests_denied", r"^(?:不同意公开|不予公开)(?:答复)?(?:数|件数)"),
        ("requests_granted", r"^(?:同意公开|予以公开)(?:答复)?(?:数|件数)"),
        (
            "requests_not_held",
            r"^(?:申请)?信息不存在(?:数|件数)|^(?:本(?:行政)?机关不掌握|非本(?:行政)?机关掌握)(?:数|件数)",
        ),
        ("requests_wrong_organ", r"^不属于本(?:行政)?机关(?:公开|职责)(?:范围)?(?:数|件数)"),
        (
            "requests_out_of_scope",
            r"^(?:不属于政府信息|不是《条例》所指(?:的)?政府信息)(?:数|件数)?$",
        ),
        ("requests_unclear", r"^(?:告知)?申请内容不(?:明确|清楚)(?:数|件数)?$"),
        ("consultations", r"^(?:接待)?(?:公众)?咨询(?:数|人次|次数|量)"),
        ("reviews", r"^(?:被申请)?行政复议(?:案件)?(?:数|数量|件数)"),
        ("lawsuits", r"^(?:被提起)?行政诉讼(?:案件)?(?:数|数量|件数)"),
        ("complaints", r"^(?:被)?(?:举报投诉|申诉|投诉)(?:案件)?(?:数|数量|件数)"),
        ("fees_yuan", r"^(?:依申请(?:公开)?(?:政府)?信息)?收取(?:的)?费用|^收费(?:金额|总额|数额)"),
    )
)
_ORDINAL: Final[re.Pattern[str]] = re.compile(
    r"^(?:[一二三四五六七八九十]{1,2}[、.]|\([一二三四五六七八九十\d]{1,2}\)|\d{1,2}[、.])"
)
_LABEL_UNIT: Final[re.Pattern[str]] = re.compile(r"\((?:单位[:]?)?(万元|元|人次|件次|条|件|个|次|宗|起)\)")
_CELL_VALUE: Final[re.Pattern[str]] = re.compile(
    rf"^(?P<num>{_NUM})(?P<wan>万)?(?P<unit>万元|元|人次|件次|条|件|个|次|宗|起|份|项)?$"
)


def _row_figure(row: Sequence[str]) -> tuple[str, int] | None:
    """(figure id, index of the label cell) for a table row whose label names a figure.

    Every text cell is tried: a grid's rowspan repeats a group label (三、依申请公开情况) before the row's.
    """
    for i, cell in enumerate(row):
        key = label_key(cell)
        if not key or _CELL_VALUE.match(key) or is_unit_cell(cell) or key in NOT_APPLICABLE:
            continue
        bare = _ORDINAL.sub("", key)
        for figure, pattern in _ROW_LABELS:
            if pattern.search(bare):
                return figure, i
    return None


def _read_table(index: int, table: LegacyTable, out: _Collector) -> None:
    money_unit = "万元" if table.caption and "万元" in label_key(table.caption) else None
    for row in table.rows:
        found = _row_figure(row)
        if found is None:
            continue
        figure_id, at = found
        label = label_key(row[at])
        unit_match = _LABEL_UNIT.search(label)
        unit = unit_match.group(1) if unit_match else None
        values: list[tuple[int | Decimal, str]] = []
        for cell in row[at + 1 :]:
            key = label_key(cell)
            if not key or key == label or key in NOT_APPLICABLE:
                continue  # blank, a merged label cell repeated, or 不适用
            if is_unit_cell(cell):
                unit = unit or key.removeprefix("单位").strip(":()")
                continue
            m = _CELL_VALUE.match(key)
            value = None if m is None else read_number(m["num"], m["wan"])
            if m is None or value is None:
                continue
            unit = unit or m["unit"]
            if (value, key) not in values:  # a merged value cell repeats; one value
                values.append((value, key))
        source = " | ".join(c for c in row if c.strip())
        if len({v for v, _ in values}) != 1:
            if values:
                out.warnings.append(f"legacy table row with several numbers, not taken: {source}")
            continue
        value, raw = values[0]
        if figure_id == "fees_yuan":
            unit = unit or money_unit
            if unit is None:
                out.warnings.append(f"legacy table row without a unit (元 or 万元?), not taken: {source}")
                continue
        converted, unit_out, ok = _in_figure_unit(figure_id, value, unit or "")
        if not ok:
            out.warnings.append(f"legacy figure {figure_id}: not a whole count: {source}")
            continue
        out.add(figure_id, Figure(converted, unit_out, raw, source, None, index))


# ---------------------------------------------------------------------------------------------
# Entry points
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class LegacyRead:
    legacy: dict[str, Any] | None  # the ParsedReport.legacy dict (module doc), None when nothing was found
    warnings: list[str]


def _prose_lines(blocks: Sequence[Block], split: Sections) -> Iterator[tuple[str | None, str]]:
    """(section id, line) for every prose line, sections in the order the document has them."""
    whole = "\n".join(b.text for b in blocks if isinstance(b, Line))

    def position(section_id: str) -> int:
        heading = split.heading(section_id)
        found = whole.find(heading) if heading else -1
        return found if found >= 0 else len(whole) + SECTION_IDS.index(section_id)

    order = sorted((sid for sid in SECTION_IDS if split.heading(sid) is not None), key=position)
    parts: list[tuple[str | None, list[Block]]] = [(None, split.preamble)]
    parts.extend((sid, split.blocks(sid)) for sid in order)
    for section, section_blocks in parts:
        for block in section_blocks:
            if isinstance(block, Grid) or "|" in block.text:
                continue  # table rows are read as tables
            yield section, block.text


def read_legacy(blocks: Sequence[Block], split: Sections) -> LegacyRead:
    """The legacy dict of one report: figures from its prose and local tables, and the tables.

    `blocks` is the whole body (tables printed after the signature are outside `split`'s sections);
    `split` gives the sections the prose sits in.
    """
    out = _Collector()
    for section, line in _prose_lines(blocks, split):
        _read_prose(line, section, out)
    tables = find_tables(blocks)
    for index, table in enumerate(tables):
        _read_table(index, table, out)
    if not out.figures and not tables:
        return LegacyRead(None, out.warnings)
    figures = {fid: out.figures[fid].to_dict() for fid in FIGURE_IDS if fid in out.figures}
    return LegacyRead({"figures": figures, "tables": [t.to_dict() for t in tables]}, out.warnings)


def _figure_value(legacy: Mapping[str, Any], figure_id: str) -> int | Decimal | None:
    figure = legacy.get("figures", {}).get(figure_id)
    if figure is None:
        return None
    value: int | Decimal = figure["value"]
    return value


Checker = Callable[[Mapping[str, Any]], Check | None]


def _review_and_litigation_sum(legacy: Mapping[str, Any]) -> Check | None:
    """Where a report states the sum and both parts, the parts add up to the sum."""
    total = _figure_value(legacy, "review_and_litigation")
    reviews = _figure_value(legacy, "reviews")
    lawsuits = _figure_value(legacy, "lawsuits")
    if total is None or reviews is None or lawsuits is None:
        return None
    return Check(
        "legacy.review_and_litigation",
        reviews + lawsuits == total,
        f"reviews {reviews} + lawsuits {lawsuits} = {reviews + lawsuits}; review_and_litigation {total}",
    )


_CHECKERS: Final[tuple[Checker, ...]] = (_review_and_litigation_sum,)


def legacy_checks(legacy: Mapping[str, Any] | None) -> list[Check]:
    """Checks among a legacy report's own figures; only where every figure a check needs is stated."""
    if legacy is None:
        return []
    return [check for checker in _CHECKERS if (check := checker(legacy)) is not None]
