"""parsers.metadata and parsers.divisions on invented pages and names."""

from __future__ import annotations

import datetime as dt

import pytest

from parsers import divisions
from parsers.document import from_html, load
from parsers.metadata import (
    extract,
    extract_organ,
    extract_year,
    find_signature,
    page_publish_date,
    parse_date,
)
from parsers.model import RegionRef


def _html(title: str, body: list[str], head: str = "", outside: str = "") -> bytes:
    paragraphs = "".join(f"<p>{line}</p>" for line in body)
    return (
        f"<html><head><title>{title}_政府门户网站</title>{head}</head><body>{outside}"
        f"<div class='TRS_Editor'><p>{title}</p>{paragraphs}</div></body></html>"
    ).encode()


BODY = [
    "一、总体情况",
    "本年度本机关认真贯彻《条例》,全年主动公开政府信息一千二百条。",
    "六、其他需要报告的事项",
    "本年度未收取信息处理费。",
]


# ---------------------------------------------------------------------------------------------
# Dates
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2023年1月29日", dt.date(2023, 1, 29)),
        ("2023 年 12 月 3 日", dt.date(2023, 12, 3)),
        ("2023-02-14 09:50", dt.date(2023, 2, 14)),
        ("2023/2/4", dt.date(2023, 2, 4)),
        ("2023.02.04", dt.date(2023, 2, 4)),
        ("二〇二三年一月二十九日", dt.date(2023, 1, 29)),
        ("二○一三年十二月三十一日", dt.date(2013, 12, 31)),
        ("二〇二〇年十月十日", dt.date(2020, 10, 10)),
        ("2023年2月30日", None),
        ("没有日期", None),
    ],
)
def test_parse_date(text: str, expected: dt.date | None) -> None:
    assert parse_date(text) == expected


def test_signature_date_on_its_own_line_with_organ_above() -> None:
    lines = ["六、其他需要报告的事项",
             "本年度未收取信息处理费。", "样本县人民政府办公室", "二〇二四年一月十五日"]
    sig = find_signature(lines)
    assert sig is not None
    assert (sig.line, sig.start, sig.date) == (2, 0, dt.date(2024, 1, 15))


def test_signature_with_the_other_zero() -> None:
    sig = find_signature(["本年度未收取信息处理费。", "二○一三年三月一日"])
    assert sig is not None and sig.date == dt.date(2013, 3, 1)


def test_signature_at_the_end_of_a_one_line_body() -> None:
    line = "……工作夯实基础。 六、其他需要报告的事项 无 样本县人民政府 2024年1月29日 |"
    sig = find_signature([line])
    assert sig is not None
    assert sig.date == dt.date(2024, 1, 29)
    assert line[sig.start :].startswith("样本县人民政府 2024年1月29日")


def test_dates_inside_sentences_are_not_signatures() -> None:
    assert find_signature(["统计期限自2023年1月1日起至2023年12月31日止。"]) is None
    assert find_signature(["截至2023年12月31日", "本年度未收取信息处理费。"]) is None
    # a date far above the end is body text, not the signature
    assert find_signature(["2024年1月5日", "第一段。", "第二段。", "第三段。"]) is None


# ---------------------------------------------------------------------------------------------
# Title, organ, year
# ---------------------------------------------------------------------------------------------


def test_title_from_article_title_meta_and_page_title_suffix_removed() -> None:
    head = '<meta name="ArticleTitle" content="样本县 2023年政府信息公开工作年度报告">'
    doc = load(_html("样本县2023年政府信息公开工作年度报告", BODY, head=head), "text/html")
    assert extract(doc).title == "样本县2023年政府信息公开工作年度报告"
    doc2 = load(_html("样本县2023年政府信息公开工作年度报告", BODY), "text/html")
    assert doc2.title == "样本县2023年政府信息公开工作年度报告_政府门户网站"
    assert extract(doc2).title == "样本县2023年政府信息公开工作年度报告"


def test_traditional_title_is_normalised() -> None:
    doc = load("樣本縣2023年政府資訊公開工作年度報告\n一、總體情況\n正文。".encode(), "text/plain")
    assert extract(doc).title == "样本县2023年政府信息公开工作年度报告"


@pytest.mark.parametrize(
    ("title", "organ"),
    [
        ("盘锦市大洼区人民政府办公室2023年政府信息公开工作年度报告", "盘锦市大洼区人民政府办公室"),
        ("样本市2023年政府信息公开工作年度报告", "样本市"),
        ("样本市人民政府关于2023年政府信息公开工作年度报告", "样本市人民政府"),
        ("样本县人民政府办公室关于印发2023年政府信息公开工作年度报告的通知", "样本县人民政府办公室"),
        ("二〇二三年样本县人民政府信息公开工作年度报告", "样本县人民政府"),
        ("政府信息公开工作汇报", None),
        (None, None),
    ],
)
def test_organ_is_the_title_prefix_before_the_year(title: str | None, organ: str | None) -> None:
    assert extract_organ(title) == organ


def test_year_from_title_then_period_sentence_never_publication_year() -> None:
    assert extract_year("样本县2023年政府信息公开工作年度报告", ["2024年1月发布。"]) == 2023
    period = ["本报告中所列数据的统计期限自2022年1月1日起至2022年12月31日止。"]
    assert extract_year("样本县政府信息公开工作年度报告", ["2023年2月发布。", *period]) == 2022
    assert extract_year(None, ["现公布样本县人民政府2021年政府信息公开工作年度报告。"]) == 2021
    assert extract_year("政府信息公开工作汇报", ["起止时间为年1月1日至12月31日。"]) is None
    assert extract_year("样本县二〇一九年政府信息公开工作年度报告", []) == 2019


# ---------------------------------------------------------------------------------------------
# Publication date
# ---------------------------------------------------------------------------------------------


def test_publish_date_from_meta_then_visible_block_then_caller() -> None:
    head = '<meta name="PubDate" content="2024-01-20 10:19">'
    outside = "<div class='info'>信息提供日期:2024-01-22</div>"
    title = "样本县2023年政府信息公开工作年度报告"
    with_meta = load(_html(title, BODY, head=head, outside=outside), None)
    assert extract(with_meta).publish_date == dt.date(2024, 1, 20)
    assert extract(load(_html(title, BODY, outside=outside), None)).publish_date == dt.date(2024, 1, 22)
    doc = load(_html(title, BODY), None)
    assert extract(doc).publish_date is None
    assert extract(doc, published="2024-01-25").publish_date == dt.date(2024, 1, 25)
    assert extract(doc, published=dt.date(2024, 1, 26)).publish_date == dt.date(2024, 1, 26)
    # the page's own date wins over the listing's
    assert extract(load(_html(title, BODY, outside=outside), None), published="2024-01-25").publish_date == (
        dt.date(2024, 1, 22)
    )


def test_page_publish_date_for_the_crawler() -> None:
    html = _html("样本县2023年政府信息公开工作年度报告", BODY, outside="<span>发布时间：2024年3月5日</span>")
    assert page_publish_date(html.decode()) == dt.date(2024, 3, 5)
    assert page_publish_date("<html><body><p>无日期</p></body></html>") is None
    assert page_publish_date("") is None


def test_sign_date_of_a_page() -> None:
    body = [*BODY, "样本县人民政府", "二〇二四年一月十五日"]
    meta = extract(load(_html("样本县2023年政府信息公开工作年度报告", body), None))
    assert meta.sign_date == dt.date(2024, 1, 15)
    assert meta.year == 2023
    assert meta.organ == "样本县人民政府"  # a bare place in the title, the body's name in the signature


def test_signature_does_not_replace_an_organ_the_title_names_in_full() -> None:
    body = [*BODY, "样本县人民政府", "二〇二四年一月十五日"]
    meta = extract(load(_html("样本县教育局2023年政府信息公开工作年度报告", body), None))
    assert meta.organ == "样本县教育局"


# ---------------------------------------------------------------------------------------------
# Region
# ---------------------------------------------------------------------------------------------


def test_region_resolved_from_the_organ() -> None:
    meta = extract(load(_html("盘锦市大洼区人民政府2023年政府信息公开工作年度报告", BODY), None))
    assert meta.organ == "盘锦市大洼区人民政府"
    assert meta.region == RegionRef("大洼区", "211104")


def test_site_id_code_stands_in_for_regions_outside_the_national_table() -> None:
    head = '<meta name="SiteIDCode" content="9901010001">'
    meta = extract(load(_html("样本市2023年政府信息公开工作年度报告", BODY, head=head), None))
    assert meta.region == RegionRef("样本市", "990101")
    without = load(_html("样本市2023年政府信息公开工作年度报告", BODY), None)
    assert extract(without).region == RegionRef("样本市", None)


def test_site_id_code_decides_between_same_named_places() -> None:
    title = "朝阳区人民政府2023年政府信息公开工作年度报告"
    assert extract(load(_html(title, BODY), None)).region == RegionRef("朝阳区", None)
    head = '<meta name="SiteIDCode" content="2201040001">'
    assert extract(load(_html(title, BODY, head=head), None)).region == RegionRef("朝阳区", "220104")


def test_same_named_places_disambiguated_by_parent() -> None:
    assert divisions.find_in_text("北京市朝阳区人民政府") == RegionRef("朝阳区", "110105")
    assert divisions.find_in_text("长春市朝阳区人民政府") == RegionRef("朝阳区", "220104")
    assert divisions.find_in_text("朝阳区人民政府") == RegionRef("朝阳区", None)
    in_context = divisions.find_in_text("朝阳区人民政府", context="本区位于长春市南部。")
    assert in_context == RegionRef("朝阳区", "220104")
    assert divisions.find_in_text("金川县人民政府") == RegionRef("金川县", "513226")
    assert divisions.find_in_text("金昌市金川区人民政府") == RegionRef("金川区", "620302")
    assert divisions.find_in_text("城区人民政府") == RegionRef("城区", None)
    assert divisions.find_in_text("晋城市城区人民政府") == RegionRef("城区", "140502")
    assert divisions.find_in_text("政府信息公开工作汇报") == RegionRef()


def test_short_names_inside_prose_are_not_places() -> None:
    # 和县 is a county of 安徽, but in 市和县两级 it is two words.
    assert divisions.find_in_text("本市和县两级政府") == RegionRef()
    assert divisions.find_in_text("和县人民政府") == RegionRef("和县", "340523")


def test_resolve_candidates() -> None:
    assert [d.code for d in divisions.resolve("朝阳区")] == ["110105", "220104"]
    assert [d.code for d in divisions.resolve("朝阳区", parent_hint="长春市")] == ["220104"]
    assert [d.code for d in divisions.resolve("朝阳区", parent_hint="220100")] == ["220104"]
    assert [d.code for d in divisions.resolve("朝阳区", text="长春市朝阳区")] == ["220104", "110105"]
    assert [d.code for d in divisions.resolve("红河州")] == ["532500"]
    assert [d.code for d in divisions.resolve("嘉峪关市")] == ["620200"]
    assert divisions.resolve("样本市") == []


def test_division_table_has_the_seed_regions() -> None:
    expected = {
        "532502": ("开远市", "county", "532500"),
        "532500": ("红河哈尼族彝族自治州", "prefecture", "530000"),
        "330329": ("泰顺县", "county", "330300"),
        "211122": ("盘山县", "county", "211100"),
        "620302": ("金川区", "county", "620300"),
        "620300": ("金昌市", "prefecture", "620000"),
        "440300": ("深圳市", "prefecture", "440000"),
        "110000": ("北京市", "province", None),
        "110105": ("朝阳区", "county", "110000"),
    }
    for code, (name, level, parent) in expected.items():
        found = divisions.lookup(code)
        assert found is not None, code
        assert (found.name, found.level, found.parent) == (name, level, parent)
    table = divisions.all_divisions()
    assert len(table) == 3339
    assert sum(1 for d in table if d.level == "province") == 31
    assert all(d.parent is None or divisions.lookup(d.parent) is not None for d in table)


def test_visible_metadata_block_outside_the_container_reaches_metadata() -> None:
    html = (
        "<html><body><div class='xxgk_info'>索引号:000/2024-00001 发布日期:2024-01-20"
        " 成文日期:2024-01-15</div>"
        "<div id='zoom'><p>样本县2023年政府信息公开工作年度报告</p><p>一、总体情况</p><p>正文内容。</p></div>"
        "</body></html>"
    )
    doc = from_html(html)
    assert doc.header_text == "索引号:000/2024-00001\n发布日期:2024-01-20\n成文日期:2024-01-15"
    meta = extract(doc)
    assert (meta.publish_date, meta.sign_date) == (dt.date(2024, 1, 20), dt.date(2024, 1, 15))
