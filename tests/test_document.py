"""parsers.document: charset sniffing, HTML/plain text -> blocks, chrome removal, table expansion.

Every page here is invented for the test; official labels come from parsers.template.
"""

from __future__ import annotations

from parsers import template
from parsers.blocks import Grid, Line
from parsers.document import decode_html, from_html, load, sniff_type

BODY_LINES = ("样本县2023年政府信息公开工作年度报告", "一、总体情况", "本年度样本县持续推进政务公开。")


def _page(body: str, head: str = "", outside: str = "") -> str:
    return f"<html><head>{head}</head><body>{outside}<div class='TRS_Editor'>{body}</div></body></html>"


def _paragraphs(lines: tuple[str, ...] = BODY_LINES) -> str:
    return "".join(f"<p>{line}</p>" for line in lines)


def _texts(blocks: list[Line | Grid]) -> list[str]:
    return [b.text for b in blocks if isinstance(b, Line)]


# ---------------------------------------------------------------------------------------------
# Charsets
# ---------------------------------------------------------------------------------------------


def test_gbk_page_without_any_charset_declaration_decodes() -> None:
    data = _page(_paragraphs()).encode("gbk")
    doc = load(data, "text/html")
    assert doc.encoding == "gb18030"
    assert _texts(doc.blocks) == list(BODY_LINES)
    assert doc.warnings == []


def test_page_declaring_utf8_but_encoded_gbk_decodes_as_gbk() -> None:
    html = _page(_paragraphs(), head='<meta charset="utf-8">')
    doc = load(html.encode("gbk"), "text/html; charset=utf-8")
    assert doc.encoding == "gb18030"
    assert _texts(doc.blocks) == list(BODY_LINES)
    assert doc.warnings == ["declared charset utf-8 is wrong; decoded as gb18030"]


def test_page_declaring_latin1_but_encoded_utf8_decodes_as_utf8() -> None:
    text, encoding = decode_html(_page(_paragraphs()).encode("utf-8"), "text/html; charset=iso-8859-1")
    assert encoding == "utf-8"
    assert BODY_LINES[0] in text


def test_meta_http_equiv_gb2312_is_read_as_gb18030() -> None:
    # 镕 is outside GB2312 but in GBK: pages declaring gb2312 routinely contain such characters.
    head = '<meta http-equiv="Content-Type" content="text/html; charset=gb2312">'
    html = _page("<p>朱镕基同志视察样本县</p>", head=head)
    text, encoding = decode_html(html.encode("gbk"), None)
    assert encoding == "gb18030"
    assert "朱镕基同志视察样本县" in text


def test_ascii_page_keeps_its_declared_charset() -> None:
    assert decode_html(b"<html><body>2023</body></html>", "text/html; charset=GBK") == (
        "<html><body>2023</body></html>",
        "gb18030",
    )
    assert decode_html(b"plain", None) == ("plain", "utf-8")


def test_bom_wins() -> None:
    text, encoding = decode_html(b"\xef\xbb\xbf" + "样本".encode(), "text/html; charset=gbk")
    assert (text, encoding) == ("样本", "utf-8")


def test_undecodable_bytes_are_replaced_with_a_warning_not_an_error() -> None:
    paragraph = "样本县全年主动公开政府信息。" * 40
    data = _page(f"<p>{paragraph}</p>").encode("utf-8") + b"\xff\xfe\xfa"
    doc = load(data, "text/html")
    assert _texts(doc.blocks) == [paragraph]
    assert doc.encoding == "utf-8"
    assert doc.warnings == ["undecodable bytes replaced while decoding as utf-8"]


# ---------------------------------------------------------------------------------------------
# Types
# ---------------------------------------------------------------------------------------------


def test_sniffing_document_types() -> None:
    assert sniff_type(b"%PDF-1.7\n...", "text/html") == "pdf"
    assert sniff_type(b"PK\x03\x04rest", None) == "docx"
    assert sniff_type(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1rest", "application/octet-stream") == "doc"
    assert sniff_type(b"\x89PNG\r\n\x1a\n", None) == "image"
    assert sniff_type(b"", None) == "empty"
    assert sniff_type("样本县年度报告\n一、总体情况".encode(), None) == "text"
    assert sniff_type(b"  <!DOCTYPE html><html></html>", None) == "html"
    assert sniff_type("<p>样本</p>".encode(), "text/plain") == "text"


def test_unsupported_type_gives_an_empty_document_with_a_warning() -> None:
    doc = load(b"%PDF-1.4 binary", "application/pdf")
    assert doc.blocks == []
    assert doc.type == "pdf"
    assert doc.warnings == ["unsupported document type: pdf"]


def test_empty_and_garbage_input_never_raise() -> None:
    assert load(b"", None).warnings == ["empty document: no bytes"]
    assert load(b"\x00\x01\x02garbage\x00", None).warnings == ["unsupported document type: binary"]
    doc = load(b"<html><body></body></html>", "text/html")
    assert doc.blocks == []
    assert doc.warnings == ["empty document: no body text found"]


# ---------------------------------------------------------------------------------------------
# HTML body
# ---------------------------------------------------------------------------------------------


def test_traditional_page_is_normalised_but_raw_text_keeps_the_script() -> None:
    doc = load(_page("<p>樣本縣政務資訊公開</p><p>本機關規範辦理</p>").encode("utf-8"), "text/html")
    assert _texts(doc.blocks) == ["样本县政务信息公开", "本机关规范办理"]
    assert doc.raw_text == "樣本縣政務資訊公開\n本機關規範辦理"


def test_chrome_is_removed_and_metadata_block_kept_apart() -> None:
    outside = (
        "<div class='nav'><a>首页</a><a>政务公开</a></div>"
        "<div class='top'><a>繁體版</a> <a>无障碍</a></div>"
        "<div class='location'>当前位置：首页 &gt; 政府信息公开 &gt; 年度报告</div>"
        "<h1>样本县2023年政府信息公开工作年度报告</h1>"
        "<div class='info'><span>发布日期：2024-01-20</span> <span>来源：样本县政府办公室</span></div>"
    )
    body = _paragraphs() + "<p>【打印此页】 【关闭窗口】</p><div>扫一扫在手机打开当前页</div>"
    footer = (
        "<div id='footer'><a>网站地图</a> | 主办单位：样本县人民政府 ICP备00000000号"
        " 网站标识码：9901020001</div>"
    )
    doc = load((_page(body, outside=outside) + footer).encode("utf-8"), "text/html")
    assert _texts(doc.blocks) == list(BODY_LINES)
    assert doc.header_text == "发布日期:2024-01-20\n来源:样本县政府办公室"
    assert doc.metas == {}


def test_chrome_lines_inside_the_body_container_are_dropped() -> None:
    body = (
        "<p>当前位置：首页 &gt; 信息公开</p>"
        + _paragraphs()
        + "<p>打印此页 关闭窗口</p><p>分享到：</p><p>主办单位：样本县人民政府 版权所有 网站地图</p>"
        + "<p>联系电话：0000-0000000</p>"
    )
    doc = load(_page(body).encode("utf-8"), "text/html")
    assert _texts(doc.blocks) == list(BODY_LINES)


def test_metas_and_title() -> None:
    head = (
        "<title>样本县2023年政府信息公开工作年度报告_样本县人民政府</title>"
        '<meta name="ArticleTitle" content="样本县2023年政府信息公开工作年度报告">'
        '<meta name="PubDate" content="2024-01-20 10:19">'
        '<meta name="SiteIDCode" content="9901020001">'
        '<meta name="ColumnName" content="年度报告">'
    )
    doc = load(_page(_paragraphs(), head=head).encode("utf-8"), "text/html")
    assert doc.title == "样本县2023年政府信息公开工作年度报告"
    assert doc.metas == {
        "ArticleTitle": "样本县2023年政府信息公开工作年度报告",
        "PubDate": "2024-01-20 10:19",
        "SiteIDCode": "9901020001",
        "ColumnName": "年度报告",
    }


def test_word_conditional_comments_are_dropped_and_their_visible_text_kept() -> None:
    body = (
        "<!--[if gte mso 9]><xml><w:WordDocument><w:View>Normal</w:View></w:WordDocument></xml><![endif]-->"
        "<p><!--[if !supportLists]--><span>1.<span>&nbsp;&nbsp;</span></span><!--[endif]-->完善公开目录</p>"
        "<p><![if !supportLists]>2.<![endif]>规范依申请公开</p>"
    )
    doc = load(_page(body).encode("utf-8"), "text/html")
    assert _texts(doc.blocks) == ["1. 完善公开目录", "2.规范依申请公开"]
    assert "WordDocument" not in doc.raw_text and "Normal" not in doc.raw_text


def test_br_and_divs_make_lines() -> None:
    doc = load(_page("<div>第一行<br>第二行<br/><span>第三</span>行</div>").encode("utf-8"), "text/html")
    assert _texts(doc.blocks) == ["第一行", "第二行", "第三行"]


def test_hidden_elements_and_scripts_are_not_text() -> None:
    body = "<p>可见</p><script>var x='脚本';</script><p style='display: none'>隐藏</p><style>p{}</style>"
    doc = load(_page(body).encode("utf-8"), "text/html")
    assert _texts(doc.blocks) == ["可见"]


def test_aspnet_form_wrapping_the_page_is_not_dropped() -> None:
    form = f"<form id='form1' method='post'><div id='zoom'>{_paragraphs()}</div></form>"
    html = f"<html><body>{form}</body></html>"
    assert _texts(from_html(html).blocks) == list(BODY_LINES)


def test_no_known_container_falls_back_to_body() -> None:
    html = "<html><body><p>样本区2023年政府信息公开工作年度报告</p><p>一、总体情况</p></body></html>"
    doc = from_html(html)
    assert _texts(doc.blocks) == ["样本区2023年政府信息公开工作年度报告", "一、总体情况"]


# ---------------------------------------------------------------------------------------------
# Tables
# ---------------------------------------------------------------------------------------------


def _requests_table_2021() -> tuple[str, list[list[str]]]:
    """Table 三 laid out as the 2021 template prints it (rowspan 22/8/3/5), and its expected grid."""
    rows = template.request_rows("2021")
    cols = template.REQUEST_COLUMNS
    html = ["<table border='1'>"]
    # header: 申请人情况 over 7 columns; 法人或其他组织 over 5 of them
    html.append(
        "<tr><td colspan='3' rowspan='3'>&nbsp;</td>"
        f"<td colspan='7'>{template.REQUEST_TABLE_HEADER}</td></tr>"
    )
    html.append(
        f"<tr><td rowspan='2'>{cols[0].label}</td><td colspan='5'>{template.REQUEST_GROUP_HEADER}</td>"
        f"<td rowspan='2'>{cols[6].label}</td></tr>"
    )
    html.append("<tr>" + "".join(f"<td>{c.label}</td>" for c in cols[1:6]) + "</tr>")
    expected: list[list[str]] = [
        ["", "", "", *[template.REQUEST_TABLE_HEADER] * 7],
        ["", "", "", cols[0].label, *[template.REQUEST_GROUP_HEADER] * 5, cols[6].label],
        ["", "", "", cols[0].label, *[c.label for c in cols[1:6]], cols[6].label],
    ]
    result_rows = [r for r in rows if r.group is not None and r.id != "carried_forward"]
    spans = {"三、本年度办理结果": len(result_rows), "(三)不予公开": 8, "(四)无法提供": 3, "(五)不予处理": 5,
             "(六)其他处理": 3}
    assert spans["三、本年度办理结果"] == 22
    opened: set[str] = set()
    for n, row in enumerate(rows):
        values = [str((n * 7 + k) % 10) for k in range(7)]
        cells = "".join(f"<td>{v}</td>" for v in values)
        if row.group is None:  # 一、二、四、: label over three columns
            html.append(f"<tr><td colspan='3'>{row.label}</td>{cells}</tr>")
            expected.append([row.label] * 3 + values)
        elif row.group == "三、本年度办理结果":  # (一)(二)(七): label over two columns
            lead = "" if row.group in opened else f"<td rowspan='{spans[row.group]}'>{row.group}</td>"
            opened.add(row.group)
            html.append(f"<tr>{lead}<td colspan='2'>{row.label}</td>{cells}</tr>")
            expected.append([row.group, row.label, row.label, *values])
        else:
            lead = ""
            if "三、本年度办理结果" not in opened:
                raise AssertionError("template order changed")
            if row.group not in opened:
                lead = f"<td rowspan='{spans[row.group]}'>{row.group}</td>"
                opened.add(row.group)
            html.append(f"<tr>{lead}<td>{row.label}</td>{cells}</tr>")
            expected.append(["三、本年度办理结果", row.group, row.label, *values])
    html.append("</table>")
    return "".join(html), expected


def test_rowspan_colspan_expand_into_a_full_grid() -> None:
    table, expected = _requests_table_2021()
    doc = load(_page("<p>三、收到和处理政府信息公开申请情况</p>" + table).encode("utf-8"), "text/html")
    assert _texts(doc.blocks) == ["三、收到和处理政府信息公开申请情况"]
    grids = [b for b in doc.blocks if isinstance(b, Grid)]
    assert len(grids) == 1
    assert len(grids[0].rows) == 3 + 25
    assert all(len(row) == 10 for row in grids[0].rows)
    assert grids[0].rows == expected


def test_cells_br_becomes_space_and_nbsp_becomes_empty() -> None:
    table = (
        "<table><tr><td>结果<br>纠正</td><td>&nbsp;</td><td>３</td></tr>"
        "<tr><td colspan='2'>合计</td><td>4</td></tr></table>"
    )
    doc = load(_page(table).encode("utf-8"), "text/html")
    assert doc.blocks == [Grid([["结果 纠正", "", "3"], ["合计", "合计", "4"]])]


def test_layout_table_wrapping_the_page_is_descended_into() -> None:
    prose = "样本县坚持以公开为常态、不公开为例外，全年主动公开政府信息一千余条，办理依申请公开事项。" * 2
    inner = "<table><tr><td>行政许可</td><td>12</td></tr><tr><td>行政处罚</td><td>3</td></tr></table>"
    page = (
        "<html><body><table width='100%'><tr><td>"
        f"<p>二、主动公开政府信息情况</p><p>{prose}</p>{inner}<p>三、收到和处理政府信息公开申请情况</p>"
        "</td></tr></table></body></html>"
    )
    doc = load(page.encode("utf-8"), "text/html")
    assert doc.blocks == [
        Line("二、主动公开政府信息情况"),
        Line(prose.replace("，", ",")),
        Grid([["行政许可", "12"], ["行政处罚", "3"]]),
        Line("三、收到和处理政府信息公开申请情况"),
    ]


def test_layout_table_with_a_counter_cell_is_still_layout() -> None:
    prose = "本机关全年主动公开政府信息,持续规范依申请公开办理流程,按时答复各类申请。" * 10
    rows = f"<tr><td>浏览次数</td><td>123</td></tr><tr><td colspan='2'>{prose}</td></tr>"
    page = _page(f"<table>{rows}</table>")
    doc = load(page.encode("utf-8"), "text/html")
    assert doc.blocks == [Line("浏览次数"), Line("123"), Line(prose)]


def test_content_in_a_chrome_looking_class_is_kept_when_it_is_long() -> None:
    prose = "本机关全年主动公开政府信息,持续规范依申请公开办理流程,按时答复各类申请。" * 12
    page = _page(f"<div class='share'>分享到</div><div class='position-relative'><p>{prose}</p></div>")
    doc = load(page.encode("utf-8"), "text/html")
    assert doc.blocks == [Line(prose)]


def test_text_only_table_with_long_cells_is_layout() -> None:
    long_cell = "这是一段很长的正文，说明本机关的政府信息公开工作情况，不是数据表格中的单元格内容。" * 3
    page = _page(f"<table><tr><td>{long_cell}</td><td>附注</td></tr></table>")
    doc = load(page.encode("utf-8"), "text/html")
    assert all(isinstance(b, Line) for b in doc.blocks)
    assert _texts(doc.blocks) == [long_cell.replace("，", ","), "附注"]


# ---------------------------------------------------------------------------------------------
# Plain text
# ---------------------------------------------------------------------------------------------


def test_plain_text_lines_chrome_and_pipe_runs() -> None:
    text = "\n".join(
        [
            "当前位置 :首页 > |",
            "样本县2023年政府信息公开工作年度报告 | " + "|" * 120,
            "发布时间：2024-01-20 09:50 字体:[大 中 小]",
            "|" * 200,
            "一、总体情况",
            "   ",
            "全年公开信息一千条。",
            "行政许可 |",
            "12 |",
            "|",
            "打印此页 关闭窗口",
            "扫一扫在手机打开当前页",
        ]
    )
    doc = load(text.encode("utf-8"), None)
    assert doc.type == "text"
    assert _texts(doc.blocks) == [
        "样本县2023年政府信息公开工作年度报告",
        "一、总体情况",
        "全年公开信息一千条。",
        "行政许可 |",
        "12 |",
        "|",
    ]
    assert doc.header_text == "发布时间:2024-01-20 09:50 字体:[大 中 小]"
    assert doc.title == "样本县2023年政府信息公开工作年度报告"


def test_plain_text_footer_is_cut_and_its_site_code_kept() -> None:
    body = ["样本县2023年政府信息公开工作年度报告", "一、总体情况", "样本县全年主动公开政府信息。" * 20]
    footer = [
        "主办单位:样本县人民政府 版权所有:样本市人民政府办公室 网站地图",
        "网站标识码:9901020001 ICP备案序号:00000000号",
        "联系电话:0000-0000000",
    ]
    doc = load("\n".join(body + footer).encode("utf-8"), "text/plain")
    assert _texts(doc.blocks) == body
    assert doc.metas == {"SiteIDCode": "9901020001"}


def test_a_stray_html_end_tag_before_the_body_loses_nothing() -> None:
    # libxml2 closes the page at the stray </html> and opens a second <html> beside it for the body.
    page = (
        '<html><head><title>样本县2024年政府信息公开工作年度报告</title>'
        '<meta name="PubDate" content="2025-01-20"></head></html>\n'
        '<body><div class="nav">首页</div><div id="zoom"><p>一、总体情况</p><p>本年新收申请12件。</p>'
        "</div><div>发布日期：2025-01-21</div></body>"
    )
    doc = from_html(page)
    assert [b.text for b in doc.blocks if isinstance(b, Line)] == ["一、总体情况", "本年新收申请12件。"]
    assert doc.metas["PubDate"] == "2025-01-20"
    assert doc.header_text == "发布日期:2025-01-21"
