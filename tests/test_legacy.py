"""parsers.legacy: headline figures and local 统计表 of pre-2019 reports.

Seed 004 is read from ../shared/seeds (the `seeds_dir` fixture); every other text here is invented in the
wording styles of 2008–2018 reports.
"""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from parsers import parse_report
from parsers.__main__ import main
from parsers.blocks import Block, Grid, Line
from parsers.legacy import FIGURE_IDS, chinese_number, legacy_checks, read_legacy, read_number
from parsers.legacy_tables import find_tables
from parsers.sections import split

SEED_004 = "004_86c46567876ff1e6"


def _text_report(year: int, *lines: str) -> bytes:
    return "\n".join((f"样本县人民政府{year}年政府信息公开工作年度报告", *lines)).encode()


def _figures(data: bytes) -> dict[str, Any]:
    report = parse_report(data)
    assert report.format == "legacy"
    assert report.legacy is not None
    figures: dict[str, Any] = report.legacy["figures"]
    return figures


def _values(figures: dict[str, Any]) -> dict[str, Any]:
    return {fid: f["value"] for fid, f in figures.items()}


def _legacy_warnings(data: bytes) -> list[str]:
    return [w for w in parse_report(data).warnings if w.startswith("legacy")]


# ---------------------------------------------------------------------------------------------
# Seed 004: a 2008-era report in Traditional script, figures in prose only
# ---------------------------------------------------------------------------------------------


def test_seed_004_headline_figures(seeds_dir: Path) -> None:
    report = parse_report((seeds_dir / f"{SEED_004}.txt").read_bytes())
    assert report.format == "legacy"
    assert report.legacy is not None
    figures = report.legacy["figures"]
    assert _values(figures) == {
        "active_disclosed": 167838,
        "requests_received": 20495,
        "consultations": 165695,
        "review_and_litigation": 4,
        "fees_yuan": 0,
    }
    assert [(figures[f]["unit"], figures[f]["section"]) for f in figures] == [
        ("条", "active_disclosure"),
        ("宗", "requests"),
        ("人次", "requests"),
        ("起", "review_litigation"),
        ("元", "other"),
    ]
    # the sentences they came from, normalised to Simplified
    assert figures["active_disclosed"]["source"].startswith("各行政机关门户网站政务信息167838条,其中")
    assert figures["requests_received"]["raw"] == "受理政务信息公开申请20495宗"
    assert figures["review_and_litigation"]["source"].startswith("全年,共发生4起因政务信息公开申请行政复议")
    assert figures["fees_yuan"]["raw"] == "没有收取申请人任何费用"
    assert report.legacy["tables"] == []
    assert not [w for w in report.warnings if w.startswith("legacy")]
    assert report.checks == []


def test_seed_004_parts_are_not_taken_for_totals(seeds_dir: Path) -> None:
    figures = _figures((seeds_dir / f"{SEED_004}.txt").read_bytes())
    # 其中市工商局…20032宗 is a part of 20495; 另外2起行政复议 is a part of the 4 cases
    assert figures["requests_received"]["value"] == 20495
    assert "reviews" not in figures and "lawsuits" not in figures


# ---------------------------------------------------------------------------------------------
# Numbers as written
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("零", 0),
        ("〇", 0),
        ("四", 4),
        ("两", 2),
        ("十", 10),
        ("十二", 12),
        ("二十三", 23),
        ("一百", 100),
        ("一百零五", 105),
        ("一百一十", 110),
        ("两千", 2000),
        ("三千零二十", 3020),
        ("一千二百", 1200),
        ("一万二千", 12000),
        ("一万零五", 10005),
        ("十二万三千四百五十六", 123456),
    ],
)
def test_chinese_numerals(text: str, value: int) -> None:
    assert chinese_number(text) == value


@pytest.mark.parametrize(
    "text", ["", "二三", "一百二", "一万五", "五零", "百十", "一百十", "二〇一二", "万", "件"]
)
def test_chinese_numerals_that_are_not_one_exact_number(text: str) -> None:
    assert chinese_number(text) is None


_DIGIT_WORDS = "零一二三四五六七八九"


def _written(n: int) -> str:
    """n in formal Chinese numerals (一万零一十, 三亿零五百万…), to check the reader against."""
    if n == 0:
        return "零"
    groups = []
    while n:
        groups.append(n % 10_000)
        n //= 10_000
    out = ""
    zero_pending = False
    for index in range(len(groups) - 1, -1, -1):
        group = groups[index]
        if group == 0:
            zero_pending = bool(out)
            continue
        if out and (zero_pending or group < 1000):
            out += "零"
        zero_pending = False
        part = ""
        gap = False
        for digit, unit in zip(f"{group:04d}", ("千", "百", "十", ""), strict=True):
            if digit == "0":
                gap = bool(part)
                continue
            if gap:
                part += "零"
                gap = False
            part += _DIGIT_WORDS[int(digit)] + unit
        out += part + ("", "万", "亿")[index]
    return out


@settings(max_examples=300, deadline=None)
@given(st.integers(min_value=0, max_value=999_999_999_999))
def test_chinese_numerals_read_every_formally_written_number(n: int) -> None:
    assert chinese_number(_written(n)) == n


def test_read_number() -> None:
    assert read_number("1,234") == 1234
    assert read_number("1.2", "万") == 12000
    assert read_number("12.5") == Decimal("12.5")
    assert read_number("二十三") == 23
    assert read_number("一百二") is None


# ---------------------------------------------------------------------------------------------
# Prose styles
# ---------------------------------------------------------------------------------------------

STYLE_2011 = _text_report(
    2011,
    "一、概述",
    "2011年，我县认真贯彻《条例》，全年主动公开政府信息2,345条，比上年增加300条。",
    "二、主动公开政府信息的情况",
    "通过县政府门户网站主动公开政府信息2345条，其中规范性文件46条。",
    "三、依申请公开政府信息情况",
    "全年共受理政府信息公开申请123件，其中已答复123件，同意公开98件，部分公开12件，不予公开5件，"
    "信息不存在的4件，不属于政府信息的3件，申请内容不明确1件。另接待群众咨询一千二百人次。",
    "四、政府信息公开的收费及减免情况",
    "本年度未收取任何费用。",
    "五、因政府信息公开申请行政复议、提起行政诉讼的情况",
    "因政府信息公开申请提起行政复议2件、行政诉讼1件，未收到有关政府信息公开的申诉。",
    "六、存在的主要问题和改进措施",
    "个别部门信息更新不及时。",
    "样本县人民政府办公室",
    "2012年3月20日",
)


def test_received_and_answered_style() -> None:
    figures = _figures(STYLE_2011)
    assert _values(figures) == {
        "active_disclosed": 2345,
        "requests_received": 123,
        "requests_granted": 98,
        "requests_partially_granted": 12,
        "requests_denied": 5,
        "requests_not_held": 4,
        "requests_out_of_scope": 3,
        "requests_unclear": 1,
        "consultations": 1200,
        "reviews": 2,
        "lawsuits": 1,
        "complaints": 0,
        "fees_yuan": 0,
    }
    assert list(figures) == [f for f in FIGURE_IDS if f in figures]
    assert figures["active_disclosed"] == {
        "value": 2345,
        "unit": "条",
        "raw": "主动公开政府信息2,345条",
        "source": "2011年,我县认真贯彻《条例》,全年主动公开政府信息2,345条,比上年增加300条。",
        "section": "overview",
        "table": None,
    }
    assert figures["consultations"]["raw"] == "接待群众咨询一千二百人次"
    assert figures["reviews"]["source"] == figures["lawsuits"]["source"] == (
        "因政府信息公开申请提起行政复议2件、行政诉讼1件,未收到有关政府信息公开的申诉。"
    )
    complaints = figures["complaints"]
    assert (complaints["raw"], complaints["unit"]) == ("未收到有关政府信息公开的申诉", "件")
    assert (figures["fees_yuan"]["raw"], figures["fees_yuan"]["section"]) == ("未收取任何费用", "other")
    assert _legacy_warnings(STYLE_2011) == []


STYLE_2009_NUMERALS = _text_report(
    2009,
    "一、概述",
    "本局高度重视政府信息公开工作。",
    "二、主动公开政府信息情况",
    "本年度通过门户网站主动公开信息共计五百六十七条。",
    "三、依申请公开政府信息情况",
    "全年收到依申请公开政府信息的申请二十三件，均已按时答复。其中同意公开的十八件，同意部分公开的两件，"
    "不同意公开的一件，非本机关掌握的二件。",
    "四、收费情况",
    "依申请公开收取检索、复制费用共计0.05万元。",
    "五、行政复议和行政诉讼情况",
    "全年共发生四起因政府信息公开申请行政复议、提起行政诉讼的案件，其中行政复议三起、行政诉讼一起。",
    "六、存在的问题和改进措施",
    "一是信息更新不够及时。",
)


STYLE_2010_CITY = _text_report(
    2010,
    "一、概述",
    "2010年，全市各级行政机关共主动公开政府信息38456条，同比增长12.5%。其中，市政府门户网站发布信息"
    "12000条。全市共设立政府信息公开查阅点56个，接待查阅群众3200人次。",
    "二、主动公开政府信息情况",
    "(一)公开数量。全市主动公开政府信息38456条，其中规范性文件312条。",
    "三、依申请公开政府信息办理情况",
    "全市共受理政府信息公开申请1,024件（其中当面申请612件、网上申请300件、信函申请112件）。已答复1,010件，"
    "其中：属于已主动公开范围的215件，同意公开的603件，同意部分公开的88件，不同意公开的37件，"
    "信息不存在的45件，不属于本行政机关公开的22件，申请内容不明确的14件；另有14件正在办理中。",
    "四、政府信息公开的收费及减免情况",
    "全市依申请提供政府信息共收取检索、复制、邮寄等费用3280元，对符合条件的申请人减免费用420元。",
    "五、因政府信息公开申请行政复议、提起行政诉讼的情况",
    "全年共发生因政府信息公开引起的行政复议案件6件、行政诉讼案件3件。行政复议中维持原具体行政行为的4件，"
    "纠正2件；行政诉讼中维持2件，尚在审理中1件。",
)


def test_city_report_with_parts_in_brackets_and_outcomes() -> None:
    figures = _figures(STYLE_2010_CITY)
    assert _values(figures) == {
        "active_disclosed": 38456,
        "requests_received": 1024,
        "requests_granted": 603,
        "requests_partially_granted": 88,
        "requests_denied": 37,
        "requests_not_held": 45,
        "requests_wrong_organ": 22,
        "requests_unclear": 14,
        "reviews": 6,
        "lawsuits": 3,
        "fees_yuan": 3280,
    }
    assert figures["requests_received"]["raw"] == "受理政府信息公开申请1,024件"
    assert figures["fees_yuan"]["raw"] == "收取检索、复制、邮寄等费用3280元"
    assert _legacy_warnings(STYLE_2010_CITY) == []


def test_chinese_numerals_in_prose_and_the_stated_sum() -> None:
    report = parse_report(STYLE_2009_NUMERALS)
    assert report.legacy is not None
    figures = report.legacy["figures"]
    assert _values(figures) == {
        "active_disclosed": 567,
        "requests_received": 23,
        "requests_granted": 18,
        "requests_partially_granted": 2,
        "requests_denied": 1,
        "requests_not_held": 2,
        "reviews": 3,
        "lawsuits": 1,
        "review_and_litigation": 4,
        "fees_yuan": 500,
    }
    raws = [figures[f]["raw"] for f in ("requests_partially_granted", "review_and_litigation", "fees_yuan")]
    assert raws == [
        "同意部分公开的两件",
        "四起因政府信息公开申请行政复议、提起行政诉讼",
        "收取检索、复制费用共计0.05万元",
    ]
    assert [c.to_contract() for c in report.checks] == [
        {
            "id": "legacy.review_and_litigation",
            "ok": True,
            "detail": "reviews 3 + lawsuits 1 = 4; review_and_litigation 4",
        }
    ]


def test_stated_sum_that_does_not_add_up_fails_its_check() -> None:
    data = STYLE_2009_NUMERALS.replace("行政诉讼一起".encode(), "行政诉讼两起".encode())
    report = parse_report(data)
    assert report.failing_checks() == ["legacy.review_and_litigation"]
    assert report.checks[0].detail == "reviews 3 + lawsuits 2 = 5; review_and_litigation 4"


def test_zero_statements() -> None:
    data = _text_report(
        2014,
        "一、概述",
        "本年度未收到政府信息公开申请。",
        "二、复议诉讼情况",
        "本年度未发生因政府信息公开引起的行政复议和行政诉讼案件。",
        "三、收费情况",
        "根据《关于政府信息公开收取费用有关问题的通知》要求，本机关没有向申请人收取任何费用。",
    )
    figures = _figures(data)
    assert _values(figures) == {"requests_received": 0, "reviews": 0, "lawsuits": 0, "fees_yuan": 0}
    assert figures["reviews"]["raw"] == "未发生因政府信息公开引起的行政复议和行政诉讼案件"
    assert figures["fees_yuan"]["raw"] == "没有向申请人收取任何费用"


def test_each_of_reviews_and_lawsuits() -> None:
    data = _text_report(
        2015, "一、概述", "全年行政复议和行政诉讼案件均为0件。", "发生行政复议、行政诉讼案件各1件。"
    )
    figures = _figures(data)
    assert _values(figures) == {"reviews": 0, "lawsuits": 0}
    assert _legacy_warnings(data) == [
        "legacy figure reviews stated twice: kept 0 (行政复议和行政诉讼案件均为0件), "
        "not 1 (行政复议、行政诉讼案件各1件) from: 发生行政复议、行政诉讼案件各1件。",
        "legacy figure lawsuits stated twice: kept 0 (行政复议和行政诉讼案件均为0件), "
        "not 1 (行政复议、行政诉讼案件各1件) from: 发生行政复议、行政诉讼案件各1件。",
    ]


def test_document_titles_parts_comparisons_and_cumulative_counts_are_not_figures() -> None:
    data = _text_report(
        2012,
        "一、概述",
        "认真执行《关于政府信息依申请公开不收取费用的通知》。",
        "截至2012年底，累计主动公开政府信息5000条。",
        "自《条例》施行以来，共受理政府信息公开申请321件。",
        "三、依申请公开情况",
        "其中，网上申请30件，当面申请10件。",
        "受理申请数比上年增加12件。",
        "通过网上受理申请30件。",
    )
    assert parse_report(data).legacy is None


def test_approximate_and_unreadable_figures_are_not_taken_but_named() -> None:
    data = _text_report(
        2013,
        "一、概述",
        "全年主动公开政府信息约3000条，接待咨询500余人次。",
        "受理政府信息公开申请一百二件。",
    )
    assert parse_report(data).legacy is None
    assert _legacy_warnings(data) == [
        "legacy figure active_disclosed not exact, not taken: 主动公开政府信息约3000条",
        "legacy figure consultations not exact, not taken: 接待咨询500余人次",
        "legacy figure requests_received: unreadable number in: 受理政府信息公开申请一百二件",
    ]


_PROSE_ALPHABET = (
    "受理收到申请政府信息公开同意部分不予行政复议诉讼咨询投诉费用未没有其中约余件条起元万人次"
    "0123456789,。;、《》一二三十百千零两"
)


@settings(max_examples=150, deadline=None)
@given(st.lists(st.text(_PROSE_ALPHABET, max_size=60), max_size=6))
def test_any_prose_reads_without_error(lines: list[str]) -> None:
    blocks: list[Block] = [Line("一、概述"), *(Line(t) for t in lines if t)]
    read = read_legacy(blocks, split(blocks))
    if read.legacy is not None:
        for figure in read.legacy["figures"].values():
            assert figure["raw"] in figure["source"]
            assert isinstance(figure["value"], int | Decimal) and figure["value"] >= 0


def test_a_figure_stated_twice_keeps_the_first_and_warns() -> None:
    data = _text_report(
        2010,
        "一、概述",
        "全年共受理政府信息公开申请45件。",
        "二、依申请公开情况",
        "本年度收到政府信息公开申请45件。",
        "全年受理申请47件。",
    )
    figures = _figures(data)
    assert figures["requests_received"]["value"] == 45
    assert figures["requests_received"]["section"] == "overview"
    assert _legacy_warnings(data) == [
        "legacy figure requests_received stated twice: kept 45 (受理政府信息公开申请45件), "
        "not 47 (受理申请47件) from: 全年受理申请47件。"
    ]


def test_traditional_script_reads_after_normalisation() -> None:
    data = "\n".join(
        (
            "樣本縣2010年政府資訊公開工作年度報告",
            "一、概述",
            "全年受理政府資訊公開申請三十件，同意公開二十八件。",
        )
    ).encode()
    assert _values(_figures(data)) == {"requests_received": 30, "requests_granted": 28}


def test_nothing_found_is_none_and_other_formats_are_left_alone() -> None:
    assert parse_report(_text_report(2012, "一、概述", "本机关认真做好各项工作。")).legacy is None
    page = _text_report(2020, "一、总体情况", "全年受理政府信息公开申请123件。")
    report = parse_report(page)
    assert report.format == "2019"
    assert report.legacy is None


# ---------------------------------------------------------------------------------------------
# Local 统计表
# ---------------------------------------------------------------------------------------------

HTML_TABLE_PAGE = (
    "<html><head><title>样本市教育局2009年政府信息公开工作年度报告</title></head><body>"
    "<div class='TRS_Editor'>"
    "<p>样本市教育局2009年政府信息公开工作年度报告</p>"
    "<p>一、概述</p><p>全年共受理政府信息公开申请23件。</p>"
    "<p>二、存在的问题和改进措施</p><p>公开深度不够。</p>"
    "<p>样本市教育局</p><p>2010年3月1日</p>"
    "<p>附表：样本市教育局2009年政府信息公开情况统计表</p>"
    "<table>"
    "<tr><td>统计指标</td><td>单位</td><td>统计数</td></tr>"
    "<tr><td colspan='3'>一、主动公开情况</td></tr>"
    "<tr><td>（一）主动公开政府信息数</td><td>条</td><td>567</td></tr>"
    "<tr><td>其中：主动公开规范性文件数</td><td>条</td><td>12</td></tr>"
    "<tr><td rowspan='2'>二、依申请公开情况</td><td>收到申请数（件）</td><td>25</td></tr>"
    "<tr><td>同意公开答复数（件）</td><td>20</td></tr>"
    "<tr><td>三、行政复议数量</td><td>件</td><td>3</td></tr>"
    "<tr><td>四、行政诉讼数量</td><td>件</td><td>—</td></tr>"
    "<tr><td>五、依申请公开信息收取的费用</td><td>万元</td><td>0.05</td></tr>"
    "</table>"
    "</div></body></html>"
).encode()


def test_html_table_kept_as_read_and_its_figures() -> None:
    report = parse_report(HTML_TABLE_PAGE)
    assert report.format == "legacy"
    assert report.legacy is not None
    assert report.legacy["tables"] == [
        {
            "caption": "附表:样本市教育局2009年政府信息公开情况统计表",
            "layout": "html",
            "rows": [
                ["统计指标", "单位", "统计数"],
                ["一、主动公开情况", "一、主动公开情况", "一、主动公开情况"],
                ["(一)主动公开政府信息数", "条", "567"],
                ["其中:主动公开规范性文件数", "条", "12"],
                ["二、依申请公开情况", "收到申请数(件)", "25"],
                ["二、依申请公开情况", "同意公开答复数(件)", "20"],
                ["三、行政复议数量", "件", "3"],
                ["四、行政诉讼数量", "件", "—"],
                ["五、依申请公开信息收取的费用", "万元", "0.05"],
            ],
        }
    ]
    figures = report.legacy["figures"]
    assert _values(figures) == {
        "active_disclosed": 567,
        "requests_received": 23,  # the prose comes first; the table's 25 is a warning
        "requests_granted": 20,
        "reviews": 3,
        "fees_yuan": 500,
    }
    assert figures["requests_granted"] == {
        "value": 20,
        "unit": "件",
        "raw": "20",
        "source": "二、依申请公开情况 | 同意公开答复数(件) | 20",
        "section": None,
        "table": 0,
    }
    assert (figures["fees_yuan"]["raw"], figures["fees_yuan"]["unit"]) == ("0.05", "元")
    assert [w for w in report.warnings if w.startswith("legacy")] == [
        "legacy figure requests_received stated twice: kept 23 (受理政府信息公开申请23件), "
        "not 25 (25) from: 二、依申请公开情况 | 收到申请数(件) | 25"
    ]


FLAT_PIPES = _text_report(
    2014,
    "一、概述",
    "本区继续推进政府信息公开工作。",
    "二、复议诉讼情况",
    "本年度未发生行政复议和行政诉讼案件。",
    "样本县人民政府办公室",
    "2015年3月1日",
    "附件：样本县2014年政府信息公开工作情况统计表",
    "| 指标名称 | 单位 | 数量 |",
    "|---|---|---|",
    "| (一)主动公开政府信息数 | 条 | 3012 |",
    "| (二)收到申请数 | 件 | 7 |",
    "| 行政复议数量 | 件 | 0 |",
    "| 被举报投诉数量 | 件 | 0 |",
    "| 依申请公开信息收取的费用 | 万元 | 0 |",
)


def test_flattened_pipe_table_after_the_signature() -> None:
    report = parse_report(FLAT_PIPES)
    assert report.legacy is not None
    assert report.legacy["tables"] == [
        {
            "caption": "附件:样本县2014年政府信息公开工作情况统计表",
            "layout": "text",
            "rows": [
                ["指标名称", "单位", "数量"],
                ["(一)主动公开政府信息数", "条", "3012"],
                ["(二)收到申请数", "件", "7"],
                ["行政复议数量", "件", "0"],
                ["被举报投诉数量", "件", "0"],
                ["依申请公开信息收取的费用", "万元", "0"],
            ],
        }
    ]
    figures = report.legacy["figures"]
    assert _values(figures) == {
        "active_disclosed": 3012,
        "requests_received": 7,
        "reviews": 0,
        "lawsuits": 0,
        "complaints": 0,
        "fees_yuan": 0,
    }
    assert [figures[f]["table"] for f in figures] == [0, 0, None, None, 0, 0]
    assert figures["reviews"]["section"] == "review_litigation"


def test_flattened_one_cell_per_line_and_spaced_tables() -> None:
    blocks: list[Block] = [
        Line("政府信息公开情况统计表"),
        *(Line(t) for t in ("统计指标", "主动公开政府信息数", "条", "456", "收到申请数", "件", "12")),
        *(Line(t) for t in ("接待咨询数", "人次", "三百", "样本镇人民政府", "2017年1月20日")),
        Line("附表2 依申请公开情况表"),
        Line("同意公开答复数  件  10"),
        Line("不同意公开答复数 件 2"),
        Line("以上数据截至12月31日。"),
    ]
    tables = find_tables(blocks)
    assert [(t.caption, t.layout, t.rows) for t in tables] == [
        (
            "政府信息公开情况统计表",
            "text",
            [
                ["统计指标"],
                ["主动公开政府信息数", "条", "456"],
                ["收到申请数", "件", "12"],
                ["接待咨询数", "人次", "三百"],
            ],
        ),
        ("附表2 依申请公开情况表", "text", [["同意公开答复数", "件", "10"], ["不同意公开答复数", "件", "2"]]),
    ]
    read = read_legacy(blocks, split(blocks))
    assert read.legacy is not None
    assert _values(read.legacy["figures"]) == {
        "active_disclosed": 456,
        "requests_received": 12,
        "requests_granted": 10,
        "requests_denied": 2,
        "consultations": 300,
    }
    assert [read.legacy["figures"][f]["table"] for f in read.legacy["figures"]] == [0, 0, 1, 1, 0]
    assert read.warnings == []


def test_table_rows_that_cannot_give_one_figure_are_named() -> None:
    grid = Grid([["项目", "2012年", "2011年"], ["收到申请数", "15", "9"], ["收取费用", "0.3", "0.3"]])
    blocks: list[Block] = [grid]
    read = read_legacy(blocks, split(blocks))
    assert read.legacy is not None
    assert read.legacy["figures"] == {}
    assert read.legacy["tables"] == [
        {"caption": None, "layout": "html", "rows": grid.rows}
    ]
    assert read.warnings == [
        "legacy table row with several numbers, not taken: 收到申请数 | 15 | 9",
        "legacy table row without a unit (元 or 万元?), not taken: 收取费用 | 0.3 | 0.3",
    ]


def test_a_lone_pipe_line_in_prose_is_not_a_table() -> None:
    blocks: list[Block] = [Line("一、概述"), Line("首页 | 政务公开"), Line("全年受理申请5件。")]
    assert find_tables(blocks) == []


# ---------------------------------------------------------------------------------------------
# Checks and the CLI
# ---------------------------------------------------------------------------------------------


def test_legacy_checks_need_every_figure_they_compare() -> None:
    def fig(value: int) -> dict[str, Any]:
        return {"value": value, "unit": "件", "raw": "", "source": "", "section": None, "table": None}

    assert legacy_checks(None) == []
    no_lawsuits = {"reviews": fig(1), "review_and_litigation": fig(1)}
    assert legacy_checks({"figures": no_lawsuits, "tables": []}) == []
    both = {"reviews": fig(1), "lawsuits": fig(0), "review_and_litigation": fig(1)}
    assert [c.ok for c in legacy_checks({"figures": both, "tables": []})] == [True]


def test_cli_prints_the_legacy_figures(tmp_path: Path, capsysbinary: pytest.CaptureFixture[bytes]) -> None:
    path = tmp_path / "legacy.txt"
    path.write_bytes(STYLE_2009_NUMERALS)
    assert main([str(path)]) == 0
    out = json.loads(capsysbinary.readouterr().out.decode("utf-8"))
    assert out["format"] == "legacy"
    assert out["legacy"]["figures"]["fees_yuan"]["value"] == 500
    assert out["legacy"]["figures"]["requests_received"]["raw"] == "收到依申请公开政府信息的申请二十三件"
    assert out["legacy"]["tables"] == []
