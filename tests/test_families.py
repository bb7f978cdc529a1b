"""Family adapters on hand-written listing pages in each family's shape: exact links, dates, next requests."""

from __future__ import annotations

import datetime as dt
from urllib.parse import parse_qsl, urlsplit

import pytest
from scrapy import FormRequest, Request
from scrapy.http import HtmlResponse, Response, XmlResponse

from crawler.families import (
    FAMILIES,
    ListingError,
    ListingLink,
    NoAdapterError,
    adapter_class,
    adapter_for,
)
from crawler.families.hanweb_jpage import DISCOVER_META, REPLY_META, HanwebJpage
from crawler.families.trs_classic import Pager, TrsClassic, parse_pager
from crawler.registry import Region

TRS_REGION = Region(
    code="990101",
    name="样本市",
    family="trs_classic",
    listings=("http://127.0.0.11:8800/zfxxgk/ndbg/index.htm",),
)
HANWEB_REGION = Region(
    code="990102",
    name="样本县",
    family="hanweb_jpage",
    listings=("http://127.0.0.12:8800/col/col1229000001/index.html",),
)


def html_response(
    url: str, body: str | bytes, content_type: str = "text/html; charset=utf-8", **meta: object
) -> Response:
    data = body.encode("utf-8") if isinstance(body, str) else body
    return HtmlResponse(
        url, body=data, headers={"Content-Type": content_type}, request=Request(url, meta=meta)
    )


# ---------------------------------------------------------------------------------------------------------
# TRS classic
# ---------------------------------------------------------------------------------------------------------

TRS_FIRST_PAGE = """<html><head><meta charset="utf-8"><title>年度报告 - 样本市</title></head><body>
<div class="nav"><ul>
  <li><a href="/">首页</a></li>
  <li><a href="/zfxxgk/ndbg/index.htm">政府信息公开年度报告</a></li>
</ul></div>
<ul class="list">
  <li><a href="./202402/t20240205_1001.html"
         title="样本市2023年政府信息公开工作年度报告">样本市2023年政府信息公开…</a>
      <span>2024-02-05</span></li>
  <li><span class="date">[2023-01-30]</span>
      <a href="../jd/202301/t20230130_2002.html">关于样本市2022年政府信息公开工作年度报告的解读</a></li>
  <li><a href="http://www.example.gov.cn/art/2022/1/20/art_1_3.html">外站 2021年度报告</a> 2022年1月20日</li>
  <li><a href="javascript:void(0)">打印</a></li>
  <li>没有链接的一行 2024-01-01</li>
  <li><a href="./202402/t20240205_1001.html#top">样本市2023年政府信息公开工作年度报告</a>
      <span>2024-02-05</span></li>
</ul>
<div id="page_div"></div>
<script type="text/javascript">createPageHTML(3, 0, "index", "htm", 25);</script>
</body></html>"""


def test_trs_first_page_links_and_dates() -> None:
    page = TrsClassic(TRS_REGION).parse_listing(html_response(TRS_REGION.listings[0], TRS_FIRST_PAGE))
    assert page.links == [
        ListingLink(
            "http://127.0.0.11:8800/zfxxgk/ndbg/202402/t20240205_1001.html",
            "样本市2023年政府信息公开工作年度报告",
            dt.date(2024, 2, 5),
        ),
        ListingLink(
            "http://127.0.0.11:8800/zfxxgk/jd/202301/t20230130_2002.html",
            "关于样本市2022年政府信息公开工作年度报告的解读",
            dt.date(2023, 1, 30),
        ),
        ListingLink(
            "http://www.example.gov.cn/art/2022/1/20/art_1_3.html", "外站 2021年度报告", dt.date(2022, 1, 20)
        ),
    ]
    # 首页 and the column's own nav link lead to listings, not documents.
    assert page.column_links == 2
    assert page.listing_url is None


def test_trs_first_page_requests_every_following_page() -> None:
    page = TrsClassic(TRS_REGION).parse_listing(html_response(TRS_REGION.listings[0], TRS_FIRST_PAGE))
    assert [(r.method, r.url) for r in page.next_requests] == [
        ("GET", "http://127.0.0.11:8800/zfxxgk/ndbg/index_1.htm"),
        ("GET", "http://127.0.0.11:8800/zfxxgk/ndbg/index_2.htm"),
    ]
    assert all(r.meta["listing_root"] == TRS_REGION.listings[0] for r in page.next_requests)


def test_trs_later_page_requests_nothing_more() -> None:
    body = TRS_FIRST_PAGE.replace(
        'createPageHTML(3, 0, "index", "htm", 25)', 'createPageHTML(3, 2, "index", "htm", 25)'
    )
    url = "http://127.0.0.11:8800/zfxxgk/ndbg/index_2.htm"
    page = TrsClassic(TRS_REGION).parse_listing(html_response(url, body, listing_root=TRS_REGION.listings[0]))
    assert page.next_requests == []
    assert len(page.links) == 3


def test_trs_page_without_pager_is_a_single_page() -> None:
    body = TRS_FIRST_PAGE.replace('createPageHTML(3, 0, "index", "htm", 25);', "")
    page = TrsClassic(TRS_REGION).parse_listing(html_response(TRS_REGION.listings[0], body))
    assert page.next_requests == []


def test_trs_directory_listing_url_pages_inside_the_directory() -> None:
    region = Region(
        code="620302",
        name="金川区",
        family="trs_classic",
        listings=("http://www.jinchuan.gov.cn/zfxxgk/zfxxgknb/qzfgknb/",),
    )
    body = (
        '<ul><li><a href="./202201/t20220125_1.html">2021年度报告</a><span>2022-01-25</span></li></ul>'
        "<script>createPageHTML(2, 0, 'index', 'html');</script>"
    )
    page = TrsClassic(region).parse_listing(html_response(region.listings[0], body))
    assert [r.url for r in page.next_requests] == [
        "http://www.jinchuan.gov.cn/zfxxgk/zfxxgknb/qzfgknb/index_1.html"
    ]
    assert [link.url for link in page.links] == [
        "http://www.jinchuan.gov.cn/zfxxgk/zfxxgknb/qzfgknb/202201/t20220125_1.html"
    ]


def test_trs_six_argument_variant_is_one_based() -> None:
    url = "http://www.example.gov.cn/xxgk/ndbg/list.shtml"
    body = (
        "<ul><li><a href='/a/1.shtml'>2023年政务公开年报</a><span>2024/1/31</span></li></ul>"
        "<script>createPageHTML('page_div', 4, 1, 'list', 'shtml', 189);</script>"
    )
    page = TrsClassic(Region(code="110000", name="x", family="trs_classic", listings=(url,))).parse_listing(
        html_response(url, body)
    )
    assert [r.url for r in page.next_requests] == [
        "http://www.example.gov.cn/xxgk/ndbg/list_2.shtml",
        "http://www.example.gov.cn/xxgk/ndbg/list_3.shtml",
        "http://www.example.gov.cn/xxgk/ndbg/list_4.shtml",
    ]
    assert page.links == [
        ListingLink("http://www.example.gov.cn/a/1.shtml", "2023年政务公开年报", dt.date(2024, 1, 31))
    ]


@pytest.mark.parametrize(
    ("script", "pager"),
    [
        ('createPageHTML(50, 0, "index", "htm", 500)', Pager(50, 0, "index", "htm", one_based=False)),
        ("createPageHTML(7,3,'index','html')", Pager(7, 3, "index", "html", one_based=False)),
        (
            "createPageHTML('page_div', 10, 1, 'list', 'shtml', 189)",
            Pager(10, 0, "list", "shtml", one_based=True),
        ),
        ("createPageHTML('page_div',10,4,'list','shtml',189)", Pager(10, 3, "list", "shtml", one_based=True)),
        ("var x = 1;", None),
        # The pager's own definition, inlined by many sites before the call: only the call counts.
        (
            "function createPageHTML(_nPageCount, _nCurrIndex, _sPageName, _sPageExt, _nRecordCount) {}\n"
            "createPageHTML(3, 1, 'index', 'htm', 25);",
            Pager(3, 1, "index", "htm", one_based=False),
        ),
        ("function createPageHTML(_nPageCount, _nCurrIndex, _sPageName, _sPageExt) {}", None),
    ],
)
def test_trs_pager_signatures(script: str, pager: Pager | None) -> None:
    assert parse_pager(f"<script>{script}</script>") == pager


def test_trs_pager_file_names() -> None:
    assert [Pager(3, 0, "index", "htm", False).file_name(i) for i in range(3)] == [
        "index.htm",
        "index_1.htm",
        "index_2.htm",
    ]
    assert [Pager(3, 0, "list", "shtml", True).file_name(i) for i in range(3)] == [
        "list.shtml",
        "list_2.shtml",
        "list_3.shtml",
    ]


def test_trs_unknown_pager_call_is_a_listing_error() -> None:
    with pytest.raises(ListingError, match="is not a pager call"):
        parse_pager("createPageHTML(a, b)")


def test_trs_gbk_listing_without_charset_reads_right() -> None:
    body = (
        "<html><body><ul><li><a href='./202402/t20240205_1.htm'>样本区2023年政府信息公开工作年度报告</a>"
        "<span>2024-02-05</span></li></ul></body></html>"
    ).encode("gbk")
    url = "http://127.0.0.13:8800/zfxxgk/ndbg/index.htm"
    region = Region(code="990103", name="样本区", family="trs_classic", listings=(url,))
    page = TrsClassic(region).parse_listing(html_response(url, body, content_type="text/html"))
    assert page.links == [
        ListingLink(
            "http://127.0.0.13:8800/zfxxgk/ndbg/202402/t20240205_1.htm",
            "样本区2023年政府信息公开工作年度报告",
            dt.date(2024, 2, 5),
        )
    ]


def test_item_selector_param_narrows_the_rows() -> None:
    region = Region(
        code="990101",
        name="样本市",
        family="trs_classic",
        listings=TRS_REGION.listings,
        params={"item_selector": "ul.list > li"},
    )
    body = TRS_FIRST_PAGE.replace(
        '<li><a href="/">首页</a></li>', '<li><a href="/x/1.html">导航 年度报告</a></li>'
    )
    page = TrsClassic(region).parse_listing(html_response(TRS_REGION.listings[0], body))
    assert [link.url.rsplit("/", 1)[1] for link in page.links] == [
        "t20240205_1001.html",
        "t20230130_2002.html",
        "art_1_3.html",
    ]
    assert page.column_links == 0


# ---------------------------------------------------------------------------------------------------------
# Hanweb jpage
# ---------------------------------------------------------------------------------------------------------

NEXTGROUP = (
    '<a href="/module/web/jpage/dataproxy.jsp?page=1&appid=1&webid=3&path=/&columnid=1229000001'
    '&unitid=7001&webname=样本县&permissiontype=0"></a>'
)


def hanweb_column(
    records: list[str], init: str = "perPage:10,totalRecord:25,", nextgroup: str = NEXTGROUP
) -> str:
    recordset = "".join(f"<record><![CDATA[{r}]]></record>" for r in records)
    return f"""<html><head><meta charset="utf-8"><title>年度报告</title></head><body>
<div id="7001"><script type="text/xml"><datastore><nextgroup><![CDATA[{nextgroup}]]></nextgroup>
<recordset>{recordset}</recordset></datastore></script></div>
<script>$(document).ready(function(){{ $('#7001').jpage({{dataStore:dataStore,
proxyUrl:'/module/web/jpage/dataproxy.jsp',{init}objId:'7001',ajaxParam:{{}}}}); }});</script>
<ul class="nav"><li><a href="/col/col1229000002/index.html">政务公开</a></li></ul>
</body></html>"""


def record(n: int, title: str, day: str) -> str:
    y, m, d = (int(x) for x in day.split("-"))
    href = f"/art/{y}/{m}/{d}/art_1229000001_{n}.html"
    return f'<li><a href="{href}" title="{title}">{title[:12]}…</a><span>{day}</span></li>'


FIRST_RECORDS = [
    record(1001, "样本县2023年政府信息公开工作年度报告", "2024-02-05"),
    record(1002, "图解：样本县2023年政府信息公开工作年度报告", "2024-02-06"),
]


def jpage_form_body() -> str:
    return (
        "col=1&appid=1&webid=3&path=%2F&columnid=1229000001&unitid=7001"
        "&webname=%E6%A0%B7%E6%9C%AC%E5%8E%BF&permissiontype=0"
    )


def test_hanweb_column_page_records() -> None:
    page = HanwebJpage(HANWEB_REGION).parse_listing(
        html_response(HANWEB_REGION.listings[0], hanweb_column(FIRST_RECORDS))
    )
    assert page.links == [
        ListingLink(
            "http://127.0.0.12:8800/art/2024/2/5/art_1229000001_1001.html",
            "样本县2023年政府信息公开工作年度报告",
            dt.date(2024, 2, 5),
        ),
        ListingLink(
            "http://127.0.0.12:8800/art/2024/2/6/art_1229000001_1002.html",
            "图解：样本县2023年政府信息公开工作年度报告",
            dt.date(2024, 2, 6),
        ),
    ]
    # Only the records are rows: the page's nav list is not read.
    assert page.column_links == 0


def test_hanweb_column_page_posts_for_the_remaining_records() -> None:
    page = HanwebJpage(HANWEB_REGION).parse_listing(
        html_response(HANWEB_REGION.listings[0], hanweb_column(FIRST_RECORDS))
    )
    requests = page.next_requests
    assert [(r.method, r.url) for r in requests] == [
        (
            "POST",
            "http://127.0.0.12:8800/module/web/jpage/dataproxy.jsp?startrecord=11&endrecord=20&perpage=10",
        ),
        (
            "POST",
            "http://127.0.0.12:8800/module/web/jpage/dataproxy.jsp?startrecord=21&endrecord=25&perpage=10",
        ),
    ]
    assert all(isinstance(r, FormRequest) for r in requests)
    assert [r.body.decode("ascii") for r in requests] == [jpage_form_body()] * 2
    assert all(r.headers[b"Content-Type"] == b"application/x-www-form-urlencoded" for r in requests)
    assert all(
        r.meta[REPLY_META] is True and r.meta["listing_root"] == HANWEB_REGION.listings[0] for r in requests
    )
    assert all(DISCOVER_META not in r.meta for r in requests)


def test_hanweb_column_embedding_a_whole_group_continues_after_it() -> None:
    records = [
        record(1000 + i, f"样本县{2000 + i}年政府信息公开工作年度报告", "2024-02-05") for i in range(30)
    ]
    page = HanwebJpage(HANWEB_REGION).parse_listing(
        html_response(HANWEB_REGION.listings[0], hanweb_column(records, init="perPage:10,totalRecord:45,"))
    )
    assert len(page.links) == 30
    assert [dict(parse_qsl(urlsplit(r.url).query)) for r in page.next_requests] == [
        {"startrecord": "31", "endrecord": "40", "perpage": "10"},
        {"startrecord": "41", "endrecord": "45", "perpage": "10"},
    ]


def test_hanweb_reply_records_belong_to_the_column_page() -> None:
    url = "http://127.0.0.12:8800/module/web/jpage/dataproxy.jsp?startrecord=11&endrecord=20&perpage=10"
    body = (
        "<?xml version='1.0' encoding='UTF-8'?>"
        "<datastore><totalrecord>25</totalrecord><totalpage>3</totalpage>"
        "<recordset>"
        + "".join(
            f"<record><![CDATA[{r}]]></record>"
            for r in [record(990, "样本县2012年政府信息公开工作年度报告", "2013-03-29")]
        )
        + "</recordset></datastore>"
    ).encode("utf-8")
    request = FormRequest(
        url, formdata={"col": "1"}, meta={REPLY_META: True, "listing_root": HANWEB_REGION.listings[0]}
    )
    response = XmlResponse(
        url, body=body, headers={"Content-Type": "text/xml;charset=UTF-8"}, request=request
    )
    page = HanwebJpage(HANWEB_REGION).parse_listing(response)
    assert page.links == [
        ListingLink(
            "http://127.0.0.12:8800/art/2013/3/29/art_1229000001_990.html",
            "样本县2012年政府信息公开工作年度报告",
            dt.date(2013, 3, 29),
        )
    ]
    assert page.listing_url == HANWEB_REGION.listings[0]
    assert page.next_requests == []


def test_hanweb_without_total_discovers_it_from_the_second_group() -> None:
    column = hanweb_column(FIRST_RECORDS, init="perPage:10,")
    first = HanwebJpage(HANWEB_REGION).parse_listing(html_response(HANWEB_REGION.listings[0], column))
    assert [(r.url, r.meta[DISCOVER_META]) for r in first.next_requests] == [
        ("http://127.0.0.12:8800/module/web/jpage/dataproxy.jsp?startrecord=11&endrecord=20&perpage=10", True)
    ]
    discover = first.next_requests[0]
    reply = XmlResponse(
        discover.url,
        body=b"<datastore><totalrecord>35</totalrecord><totalpage>4</totalpage><recordset></recordset></datastore>",
        request=discover,
    )
    rest = HanwebJpage(HANWEB_REGION).parse_listing(reply)
    assert [dict(parse_qsl(urlsplit(r.url).query)) for r in rest.next_requests] == [
        {"startrecord": "21", "endrecord": "30", "perpage": "10"},
        {"startrecord": "31", "endrecord": "35", "perpage": "10"},
    ]
    assert [r.body.decode("ascii") for r in rest.next_requests] == [jpage_form_body()] * 2


def test_hanweb_single_page_column_requests_nothing() -> None:
    page = HanwebJpage(HANWEB_REGION).parse_listing(
        html_response(
            HANWEB_REGION.listings[0], hanweb_column(FIRST_RECORDS, init="perPage:10,totalRecord:2,")
        )
    )
    assert page.next_requests == []


def test_hanweb_page_without_datastore_is_a_listing_error() -> None:
    with pytest.raises(ListingError, match="no <datastore> in the column page"):
        HanwebJpage(HANWEB_REGION).parse_listing(
            html_response(HANWEB_REGION.listings[0], "<html><body>维护中</body></html>")
        )


def test_hanweb_nextgroup_without_column_id_is_a_listing_error() -> None:
    body = hanweb_column(
        FIRST_RECORDS, nextgroup='<a href="/module/web/jpage/dataproxy.jsp?page=1&webid=3"></a>'
    )
    with pytest.raises(ListingError, match="names no columnid"):
        HanwebJpage(HANWEB_REGION).parse_listing(html_response(HANWEB_REGION.listings[0], body))


# ---------------------------------------------------------------------------------------------------------
# The family registry
# ---------------------------------------------------------------------------------------------------------


def test_adapters_by_family_name() -> None:
    assert adapter_class("trs_classic") is TrsClassic
    assert adapter_class("hanweb_jpage") is HanwebJpage
    assert isinstance(adapter_for(HANWEB_REGION), HanwebJpage)
    # Every family of portal-families.md has its adapter, found by module, named as the family.
    assert [name for name, cls in FAMILIES.items() if cls is None] == []
    assert all(cls is not None and cls.name == name for name, cls in FAMILIES.items())


def test_family_without_adapter_is_a_clear_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(FAMILIES, "boda_vsb", None)
    with pytest.raises(NoAdapterError) as caught:
        adapter_class("boda_vsb")
    written = ", ".join(name for name, cls in FAMILIES.items() if cls is not None)
    assert str(caught.value) == f"family boda_vsb has no adapter yet (adapters exist for: {written})"
    assert "boda_vsb" not in written


def test_unknown_family_is_a_clear_error() -> None:
    with pytest.raises(
        NoAdapterError, match="unknown family 'nosuch'; known families: trs_classic, hanweb_jpage, "
    ):
        adapter_class("nosuch")


def test_first_requests_are_the_registry_listings() -> None:
    requests = TrsClassic(TRS_REGION).first_requests()
    assert [(r.method, r.url, r.meta["listing_root"], r.dont_filter) for r in requests] == [
        ("GET", TRS_REGION.listings[0], TRS_REGION.listings[0], True)
    ]
