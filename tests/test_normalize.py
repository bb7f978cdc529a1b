"""parsers.normalize: the canonical text form (contract §6)."""

from __future__ import annotations

from pathlib import Path

import pytest

from parsers import template
from parsers.normalize import detect_script, label_key, normalize_text


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        # Traditional → Simplified, with mainland wording for Taiwan phrasing.
        ("政務資訊公開", "政务信息公开"),
        ("規範", "规范"),
        ("網路與軟體", "网络与软件"),
        ("著力推進", "着力推进"),
        # Width: digits, brackets, colons, commas; 、 and 。 stay.
        ("（一）予以公开", "(一)予以公开"),
        ("本年收费金额（单位：万元）", "本年收费金额(单位:万元)"),
        ("１２，３４５。甲、乙", "12,345。甲、乙"),
        # Quotes.
        ("“三安全一稳定”", '"三安全一稳定"'),
        ("「公开」‘甲’", '"公开""甲"'),
        # Spaces: ideographic and no-break become plain spaces (inner spacing is kept).
        ("甲\u3000乙\u00a0丙", "甲 乙 丙"),
        ("甲&nbsp;乙", "甲 乙"),
        # Line breaks kept (CRLF folded).
        ("第一行\r\n第二行\n第三行", "第一行\n第二行\n第三行"),
    ],
)
def test_normalize_text(raw: str, expected: str) -> None:
    assert normalize_text(raw) == expected


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("規(guī)范", "规范"),
        ("網(wǎng)站", "网站"),
        ("發(fā)布", "发布"),
        ("數(shù)", "数"),
        ("業(yè)", "业"),
        ("行(háng)政(zhèng)", "行政"),
        ("規（guī）范", "规范"),  # full-width brackets around the pinyin
        ("规(gui1)范", "规范"),  # tone digits instead of marks
        ("事(shì xiàng)项", "事项"),
    ],
)
def test_pinyin_annotations_are_stripped(raw: str, expected: str) -> None:
    assert normalize_text(raw) == expected


@pytest.mark.parametrize(
    "text",
    ["(一)予以公开", "收费(单位:万元)", "截至(2019)年", "附件(a)", "方案(试行)", "(abc)", "ABC(de)"],
)
def test_ordinary_brackets_are_kept(text: str) -> None:
    assert normalize_text(text) == text


def test_mainland_words_are_not_rewritten() -> None:
    # opencc's tw2sp would turn 文件 into 文档 and 建立 into 创建, corrupting labels.
    assert normalize_text("行政規範性文件") == "行政规范性文件"
    assert normalize_text("建立健全查詢機制") == "建立健全查询机制"
    simplified = "建立规范性文件查询程序,整合资源"
    assert normalize_text(simplified) == simplified


def test_taiwan_phrases_apply_only_to_traditional_text() -> None:
    # A Simplified line that happens to contain 资讯 is left as written.
    assert normalize_text("资讯中心") == "资讯中心"
    assert normalize_text("資訊中心") == "信息中心"


def test_label_key_removes_all_whitespace() -> None:
    assert label_key(" 商业\n企业 ") == "商业企业"
    assert label_key("（二）部分公开\u3000（区分处理的）") == "(二)部分公开(区分处理的)"
    assert label_key("本年制發件數") == "本年制发件数"


def test_template_labels_are_in_label_key_form() -> None:
    labels = [r.label for r in template.REQUEST_ROWS]
    labels += [c.label for rows in template.ACTIVE_DISCLOSURE.values() for r in rows for c in r.columns]
    labels += [r.label for rows in template.ACTIVE_DISCLOSURE.values() for r in rows]
    assert labels
    for label in labels:
        assert label_key(label) == label


def test_detect_script_on_invented_text() -> None:
    assert detect_script("本年度政府信息公开工作取得明显成效。") == "simplified"
    assert detect_script("本年度政府資訊公開工作取得明顯成效。") == "traditional"
    assert detect_script("") == "simplified"
    assert detect_script("2022 ABC") == "simplified"
    # One Traditional character in a long Simplified text (a name) does not make it Traditional.
    assert detect_script("本年度政府信息公开工作取得明显成效,主要做法如下:" * 5 + "鄭") == "simplified"


@pytest.mark.parametrize(
    ("name", "script"),
    [
        ("000_98145941d0088452", "simplified"),
        ("001_e501d39fb7faf04c", "simplified"),
        ("002_497c134688cf5754", "traditional"),
        ("003_d1ed69b8ea7b905a", "simplified"),
        ("004_86c46567876ff1e6", "traditional"),
    ],
)
def test_detect_script_on_seeds(seeds_dir: Path, name: str, script: str) -> None:
    assert detect_script((seeds_dir / f"{name}.txt").read_text(encoding="utf-8")) == script


def test_normalised_seed_002_reads_as_simplified_without_pinyin(seeds_dir: Path) -> None:
    raw = (seeds_dir / "002_497c134688cf5754.txt").read_text(encoding="utf-8")
    text = normalize_text(raw)
    assert detect_script(text) == "simplified"
    assert "(ā" not in text and "(ǎ" not in text and "(ù" not in text
    assert text.count("\n") == raw.count("\n")
    assert label_key("行政規(guī)范性文件") in label_key(text)
