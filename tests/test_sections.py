"""parsers.sections on invented report bodies; headings are built from parsers.template."""

from __future__ import annotations

from parsers import template
from parsers.blocks import Block, Grid, Line
from parsers.sections import match_heading, split

H = {spec.id: spec.heading for spec in template.SECTIONS}
N = {spec.id: spec.number for spec in template.SECTIONS}


def _heading(sid: str, number: str | None = None) -> str:
    return f"{number or N[sid]}、{H[sid]}"


def _lines(*texts: str) -> list[Block]:
    return [Line(t) for t in texts]


PREAMBLE = (
    "本报告由" + "、".join(H[sid] for sid in template.SECTION_IDS) + "六部分组成。"
)


def test_official_outline_with_preamble_naming_every_section() -> None:
    blocks = _lines(
        "样本县2023年政府信息公开工作年度报告",
        PREAMBLE,
        _heading("overview"),
        "全年主动公开信息一千条。",
        _heading("active_disclosure"),
        _heading("requests"),
        _heading("review_litigation"),
        _heading("problems"),
        "一是公开深度不够。",
        "二是解读形式单一。",
        _heading("other"),
        "无。",
    )
    result = split(blocks)
    assert result.outline == "official"
    assert result.preamble == _lines("样本县2023年政府信息公开工作年度报告", PREAMBLE)
    assert result.texts() == {
        "overview": "全年主动公开信息一千条。",
        "active_disclosure": "",
        "requests": "",
        "review_litigation": "",
        "problems": "一是公开深度不够。\n二是解读形式单一。",
        "other": "无。",
    }
    assert result.heading("requests") == _heading("requests")


def test_absent_section_is_none() -> None:
    result = split(_lines(_heading("overview"), "正文。", _heading("problems"), "问题。", _heading("other"),
                          "无。", _heading("requests"), "申请。"))
    assert result.text("active_disclosure") is None
    assert result.text("review_litigation") is None
    assert result.found() == ["overview", "requests", "problems", "other"]


def test_one_line_body_split_before_numbered_headings_after_sentence_ends() -> None:
    body = (
        f"{PREAMBLE}如有疑问请联系本机关。 {_heading('overview')} (一)夯实基础。全年公开一千条。 "
        f"{_heading('active_disclosure')}"
    )
    rest = f"{_heading('problems')} 一是公开深度不够。 {_heading('other')} 无 样本县人民政府 2024年1月29日 |"
    result = split(_lines(body, _heading("requests"), _heading("review_litigation"), rest))
    assert result.preamble == _lines(f"{PREAMBLE}如有疑问请联系本机关。")
    assert result.texts() == {
        "overview": "(一)夯实基础。全年公开一千条。",
        "active_disclosure": "",
        "requests": "",
        "review_litigation": "",
        "problems": "一是公开深度不够。",
        "other": "无",
    }


def test_misnumbered_typo_spaced_and_variant_headings() -> None:
    spaced = " ".join(H["requests"][:4]) + "  " + H["requests"][4:]
    typo = H["active_disclosure"].replace("政府", "正府")
    variant = template.SECTION_BY_ID["review_litigation"].variants[0]
    blocks = _lines(
        _heading("overview", "一"),
        "正文一。",
        f"三、{typo}",  # wrong number and a typo
        "正文二。",
        f"三、{spaced}",
        "正文三。",
        f"四、{variant}",
        "正文四。",
        f"四、{H['problems']}",  # mis-numbered
        "正文五。",
        H["other"],  # unnumbered but standing alone
        "正文六。",
    )
    result = split(blocks)
    assert result.outline == "official"
    assert result.texts() == {
        "overview": "正文一。",
        "active_disclosure": "正文二。",
        "requests": "正文三。",
        "review_litigation": "正文四。",
        "problems": "正文五。",
        "other": "正文六。",
    }


def test_unnumbered_heading_words_inside_prose_are_not_headings() -> None:
    result = split(_lines(_heading("overview"), H["problems"] + "有以下几点,一是不够深入。"))
    assert result.found() == ["overview"]
    assert result.text("overview") == H["problems"] + "有以下几点,一是不够深入。"


def test_table_labels_numbered_like_headings_are_not_headings() -> None:
    rows = [r for r in template.REQUEST_ROWS if r.group is None]  # 一、本年新收… 二、上年结转… 四、结转…
    blocks = _lines(_heading("overview"), "正文。", _heading("requests"))
    for row in rows:
        blocks += _lines(f"{row.label} |", "0 |")
    blocks += _lines(_heading("review_litigation"), "0 |", _heading("problems"), "无。")
    blocks += _lines(_heading("other"), "无。")
    result = split(blocks)
    assert result.found() == ["overview", "requests", "review_litigation", "problems", "other"]
    assert result.text("requests") == "\n".join(f"{row.label}\n0" for row in rows)
    # the tables reader gets the lines untouched, '|' included
    assert result.blocks("requests")[0] == Line(f"{rows[0].label} |")


def test_grids_stay_in_their_section_and_count_as_text() -> None:
    grid = Grid([["行政许可", "3"], ["行政处罚", ""]])
    result = split([Line(_heading("active_disclosure")), grid, Line(_heading("requests"))])
    assert result.blocks("active_disclosure") == [grid]
    assert result.text("active_disclosure") == "行政许可 | 3\n行政处罚 | "
    assert result.text("requests") == ""


def test_heading_broken_over_two_lines() -> None:
    head = _heading("review_litigation")
    cut = head.index("、", 2) + 1
    result = split(_lines(_heading("overview"), "正文。", _heading("requests"), "申请。",
                          head[:cut], head[cut:], "复议。", _heading("problems"), "问题。"))
    assert result.text("review_litigation") == "复议。"


def test_signature_is_not_part_of_the_last_section() -> None:
    result = split(_lines(_heading("overview"), "正文。", _heading("problems"), "问题。", _heading("other"),
                          "无。", "样本县人民政府办公室", "二〇二四年一月十五日"))
    assert result.text("other") == "无。"


def test_legacy_outline_mapped_by_meaning() -> None:
    blocks = _lines(
        "样本市政府信息公开工作报告",
        "一、概述",
        "概述正文。",
        "二、主动公开政府信息的情况",
        "主动公开正文。",
        "三、依申请公开政府信息受理情况",
        "申请正文。",
        "四、政府信息公开收费及减免情况",
        "收费正文。",
        "五、因政府信息公开申请行政复议、提起行政诉讼的情况",
        "复议正文。",
        "六、政府信息公开工作存在的不足和改进措施",
        "不足正文。",
        "七、其他",
        "其他正文。",
    )
    result = split(blocks)
    assert result.outline == "legacy"
    assert result.texts() == {
        "overview": "概述正文。",
        "active_disclosure": "主动公开正文。",
        "requests": "申请正文。",
        "review_litigation": "复议正文。",
        "problems": "不足正文。",
        "other": "收费正文。\n其他正文。",
    }
    assert result.heading("other") == "四、政府信息公开收费及减免情况"


def test_no_headings_at_all() -> None:
    result = split(_lines("关于公布政府信息公开指南的通知", "各有关单位:现将指南印发给你们。"))
    assert result.outline == "none"
    assert result.found() == []
    assert result.texts() == dict.fromkeys(template.SECTION_IDS)
    assert len(result.preamble) == 2


def test_match_heading_strengths() -> None:
    exact = match_heading(_heading("overview") + " 正文")
    assert exact is not None
    assert (exact.id, exact.heading, exact.rest) == ("overview", _heading("overview"), "正文")
    assert exact.strength == "exact"
    colon = match_heading(_heading("overview") + ":2023年,本机关……")
    assert colon is not None and (colon.heading, colon.rest) == (_heading("overview"), "2023年,本机关……")
    fuzzy = match_heading("五、" + H["problems"].replace("改进", "改近"))
    assert fuzzy is not None and (fuzzy.id, fuzzy.strength) == ("problems", "fuzzy")
    legacy = match_heading("三、依申请公开政府信息受理情况")
    assert legacy is not None and (legacy.id, legacy.strength) == ("requests", "legacy")
    assert match_heading("三、依申请公开政府信息受理情况", allow_legacy=False) is None
    assert match_heading("(一)" + H["overview"] + "如下:") is None


def test_a_legacy_worded_heading_fills_its_gap_in_an_official_outline() -> None:
    text = "\n".join(
        [
            "一、总体情况",
            "本年度工作平稳。",
            "二、主动公开政府信息情况",
            "全年主动公开信息120条。",
            "三、收到和处理政府信息公开申请情况",
            "全年受理申请5件。",
            "四、复议、诉讼情况",
            "全年发生行政复议1件。",
            "五、存在的主要问题及改进情况",
            "问题一则。",
            "六、其他需要报告的事项",
            "无。",
        ]
    )
    found = split([Line(line) for line in text.split("\n")])
    assert found.heading("review_litigation") == "四、复议、诉讼情况"
    assert found.text("review_litigation") == "全年发生行政复议1件。"
    assert found.text("requests") == "全年受理申请5件。"


def test_a_legacy_worded_line_out_of_outline_order_stays_prose() -> None:
    text = "\n".join(
        [
            "一、总体情况",
            "二、复议诉讼工作",  # stands before 主动公开: not where section 四 goes
            "本年度工作平稳。",
            "二、主动公开政府信息情况",
            "全年主动公开信息120条。",
            "三、收到和处理政府信息公开申请情况",
            "全年受理申请5件。",
            "五、存在的主要问题及改进情况",
            "问题一则。",
        ]
    )
    found = split([Line(line) for line in text.split("\n")])
    assert found.heading("review_litigation") is None
    assert found.text("overview") == "二、复议诉讼工作\n本年度工作平稳。"
