"""Notices about the reports are not reports; organs and regions taken from quoted titles lose the quotes."""

from __future__ import annotations

import pytest

from parsers import parse_report
from parsers.metadata import extract_organ

NOTICE_TITLE = "样本县人民政府办公室关于做好2022年政府信息公开工作年度报告编制发布工作的通知"


def _page(title: str, body: list[str]) -> bytes:
    paragraphs = "".join(f"<p>{line}</p>" for line in body)
    return (
        f"<html><head><meta charset='utf-8'><title>{title}_样本县人民政府</title>"
        f"<meta name='ArticleTitle' content='{title}'></head><body>"
        f"<div class='TRS_Editor'><h1>{title}</h1>{paragraphs}</div></body></html>"
    ).encode()


NOTICE_BODY = [
    "各乡镇人民政府，县人民政府各部门：",
    "年度报告应当包括总体情况、主动公开政府信息情况、收到和处理政府信息公开申请情况、"
    "政府信息公开行政复议、行政诉讼情况、存在的主要问题及改进情况、其他需要报告的事项等内容。",
    "一、编制要求",
    "各单位须于2023年1月31日前发布年度报告。",
    "样本县人民政府办公室",
    "2023年1月6日",
]


@pytest.mark.parametrize("ending", ["的通知", "的函", "的公告", "的通报"])
def test_a_notice_about_the_reports_is_not_a_report(ending: str) -> None:
    title = NOTICE_TITLE.removesuffix("的通知") + ending
    parsed = parse_report(_page(title, NOTICE_BODY), content_type="text/html; charset=utf-8")
    assert parsed.title == title
    assert parsed.kind == "not_report"
    assert parsed.organ == "样本县人民政府办公室"
    assert parsed.sections == dict.fromkeys(parsed.sections)


def test_a_report_forwarded_by_a_notice_is_a_report() -> None:
    title = "样本县人民政府办公室关于公布2022年政府信息公开工作年度报告的通知"
    body = [
        "一、总体情况",
        "本年度主动公开政府信息。",
        "二、主动公开政府信息情况",
        "三、收到和处理政府信息公开申请情况",
        "四、政府信息公开行政复议、行政诉讼情况",
        "五、存在的主要问题及改进情况",
        "六、其他需要报告的事项",
        "本机关无其他需要报告的事项。",
    ]
    parsed = parse_report(_page(title, body), content_type="text/html; charset=utf-8")
    assert parsed.kind == "report"
    assert parsed.organ == "样本县人民政府办公室"
    assert parsed.sections["other"] == "本机关无其他需要报告的事项。"


@pytest.mark.parametrize(
    ("title", "organ"),
    [
        (NOTICE_TITLE, "样本县人民政府办公室"),
        ("《样本市人民政府2020年政府信息公开工作年度报告》解读", "样本市人民政府"),
        ('"样本市"2020年政府信息公开工作年度报告', "样本市"),
        ("《2020年样本县人民政府信息公开工作年度报告》解读", "样本县人民政府"),
        ("关于做好2022年政府信息公开工作年度报告编制发布工作的通知", None),
    ],
)
def test_organ_from_a_title_drops_quotation_marks_and_the_subject(title: str, organ: str | None) -> None:
    assert extract_organ(title) == organ


def test_a_jiedu_page_names_its_region_without_the_book_title_mark() -> None:
    title = "《样本市人民政府2020年政府信息公开工作年度报告》解读"
    page = _page(title, ["近日，样本市人民政府发布了2020年政府信息公开工作年度报告。", "一图读懂年报要点。"])
    parsed = parse_report(page, content_type="text/html; charset=utf-8")
    assert parsed.kind == "not_report"
    assert parsed.organ == "样本市人民政府"
    assert parsed.region.name == "样本市"
