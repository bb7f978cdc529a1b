"""The jpaas publish server family: the adapter on the sample portal's own pages, and a crawl end to end.

Site 990113 (样本新区) serves a column page declaring two page-build units (the list and a sidebar), the
unit endpoint answering JSON pages of 10 (403 without User-Agent or a same-site Referer), and detail pages
`/art/YYYY/art_<32 hex>.html` dated by meta, by a visible line, or both.
"""

from __future__ import annotations

import datetime as dt
import json
import subprocess
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import parse_qsl, urljoin, urlsplit

import pytest
from scrapy import Request
from scrapy.http import HtmlResponse, Response, TextResponse
from sqlalchemy import Engine, create_engine

from crawler.families import ListingError, ListingLink, adapter_for
from crawler.families.jpaas import CHAIN_META, REPLY_META, Jpaas
from crawler.registry import Region, load_registry
from crawler.sampleportal import SamplePortal
from crawler.sampleportal.chrome import Entry
from crawler.sampleportal.families import jpaas as portal_jpaas
from crawler.sampleportal.render import image_src
from tests.pg_fixtures import PgServer
from tests.test_crawl_e2e import rows, run_crawl, scalar

CODE = "990113"
UA = "xxgk-tests/1.0"


def region(port: int) -> Region:
    found = load_registry(sample_port=port).get(CODE)
    assert found is not None
    return found


def fetch(request: Request, user_agent: str | None = UA) -> Response:
    """The portal's answer to `request` (its headers included) as a Scrapy response."""
    headers = {k.decode(): b", ".join(v).decode("latin-1") for k, v in request.headers.items()}
    if user_agent is not None:
        headers["User-Agent"] = user_agent
    opener = urllib.request.Request(request.url, headers=headers)
    try:
        with urllib.request.urlopen(opener, timeout=10) as reply:
            status, body, content_type = reply.status, reply.read(), reply.headers["Content-Type"]
    except urllib.error.HTTPError as error:
        status, body, content_type = error.code, error.read(), error.headers["Content-Type"]
    cls = HtmlResponse if content_type.startswith("text/html") else TextResponse
    return cls(
        request.url,
        status=status,
        body=body,
        headers={"Content-Type": content_type},
        request=request,
    )


def column_url(portal: SamplePortal) -> str:
    return portal.base_url(CODE) + portal_jpaas.COLUMN_PATH


def expected_links(portal: SamplePortal, entries: list[Entry]) -> list[ListingLink]:
    base = portal.base_url(CODE)
    return [ListingLink(base + portal_jpaas.detail_path(e), e.title, e.listing_date) for e in entries]


def unit_page(request: Request) -> tuple[dict[str, str], dict[str, int]]:
    fields = dict(parse_qsl(urlsplit(request.url).query))
    return fields, json.loads(fields.pop("paramJson"))


# ---------------------------------------------------------------------------------------------------------
# The adapter on the portal's pages
# ---------------------------------------------------------------------------------------------------------


def test_column_page_asks_the_list_unit_for_page_one_with_the_column_as_referer(
    portal: SamplePortal,
) -> None:
    adapter = adapter_for(region(portal.port))
    assert isinstance(adapter, Jpaas)
    [start] = adapter.first_requests()
    assert start.url == column_url(portal)
    page = adapter.parse_listing(fetch(start))
    assert page.links == []
    [unit] = page.next_requests
    assert unit.url.startswith(portal.base_url(CODE) + portal_jpaas.UNIT_PATH + "?parseType=bulidstatic&")
    fields, param = unit_page(unit)
    # The list unit, not the sidebar's 热点 unit declared on the same page.
    assert fields == {"parseType": "bulidstatic", **portal_jpaas.UNIT}
    assert param == {"pageNo": 1, "pageSize": 10}
    assert unit.headers.get("Referer") == column_url(portal).encode()
    assert unit.meta == {REPLY_META: True, "listing_root": column_url(portal)}


def test_unit_pages_give_every_item_with_its_date_and_plan_the_rest(portal: SamplePortal) -> None:
    adapter = adapter_for(region(portal.port))
    [unit] = adapter.parse_listing(fetch(adapter.first_requests()[0])).next_requests
    first = adapter.parse_listing(fetch(unit))
    entries = portal.site(CODE).entries()
    assert len(entries) == 29  # 25 reports, 4 解读/图解 pages: pages of 10, 10 and 9
    assert first.links == expected_links(portal, entries[:10])
    assert first.listing_url == column_url(portal)
    assert [unit_page(r)[1] for r in first.next_requests] == [
        {"pageNo": 2, "pageSize": 10},
        {"pageNo": 3, "pageSize": 10},
    ]
    assert all(r.headers.get("Referer") == column_url(portal).encode() for r in first.next_requests)
    second, third = (adapter.parse_listing(fetch(r)) for r in first.next_requests)
    assert second.links == expected_links(portal, entries[10:20])
    assert third.links == expected_links(portal, entries[20:])
    assert second.next_requests == third.next_requests == []
    assert third.listing_url == column_url(portal)


def test_a_reply_without_total_pages_on_while_pages_are_full() -> None:
    column = "http://127.0.0.23:8800/col/col1/index.html"
    adapter = Jpaas(Region(code=CODE, name="样本新区", family="jpaas", listings=(column,)))
    endpoint = "http://127.0.0.23:8800" + portal_jpaas.UNIT_PATH
    items = "".join(
        f"<li><a href='/art/2024/art_{n:032x}.html'>年度报告{n}</a>2024-02-0{n}</li>" for n in (1, 2)
    )

    def reply(page_no: int, html: str) -> Response:
        request = Request(
            f"{endpoint}?parseType=bulidstatic&webId=w&paramJson=%7B%22pageNo%22%3A{page_no}%2C%22pageSize%22%3A2%7D",
            headers={"Referer": column},
            meta={REPLY_META: True},
        )
        body = json.dumps({"success": True, "data": {"html": html}}).encode()
        return TextResponse(request.url, body=body, request=request)

    page = adapter.parse_listing(reply(1, f"<ul>{items}</ul>"))
    assert [link.date for link in page.links] == [dt.date(2024, 2, 1), dt.date(2024, 2, 2)]
    assert page.links[0].url == "http://127.0.0.23:8800/art/2024/art_" + f"{1:032x}.html"
    [nxt] = page.next_requests
    assert unit_page(nxt) == ({"parseType": "bulidstatic", "webId": "w"}, {"pageNo": 2, "pageSize": 2})
    assert nxt.meta[CHAIN_META] is True
    short = adapter.parse_listing(reply(2, "<ul><li><a href='/art/2024/art_x.html'>年度报告</a></li></ul>"))
    assert short.next_requests == []


def test_a_failed_or_forbidden_unit_reply_is_a_listing_error(portal: SamplePortal) -> None:
    adapter = adapter_for(region(portal.port))
    [unit] = adapter.parse_listing(fetch(adapter.first_requests()[0])).next_requests
    forbidden = fetch(unit.replace(headers={}))
    assert forbidden.status == 403
    with pytest.raises(ListingError, match="answered something other than JSON"):
        adapter.parse_listing(forbidden)
    wrong = unit.replace(url=unit.url.replace("bulidstatic", "buildstatic"))
    with pytest.raises(ListingError, match="the unit reported failure: unsupported parseType: buildstatic"):
        adapter.parse_listing(fetch(wrong))


def test_the_unit_endpoint_wants_a_user_agent_and_a_referer_from_the_site(portal: SamplePortal) -> None:
    adapter = adapter_for(region(portal.port))
    [unit] = adapter.parse_listing(fetch(adapter.first_requests()[0])).next_requests
    assert fetch(unit).status == 200
    assert fetch(unit, user_agent="").status == 403
    assert fetch(unit.replace(headers={})).status == 403
    other_site = unit.replace(headers={"Referer": portal.base_url("990101") + "/"})
    assert fetch(other_site).status == 403
    # Pages 2 and 3 must name the column page too: Scrapy's own Referer would be the previous unit reply.
    assert fetch(unit.replace(headers={"Referer": unit.url})).status == 403
    page = fetch(unit, user_agent=None)  # urllib's own User-Agent is a User-Agent
    assert page.status == 200 and json.loads(page.body)["success"] is True


COLUMN_TWO_LISTS = """<html><body>
<script src="/module/jpaas/unitbuild.js" url="/api-gateway/jpaas-publish-server/front/page/build/unit"
 queryData="{'webId':'w','tplSetId':'t','pageType':'column','tagId':'当前栏目list','pageId':'p'}"></script>
<script src="/module/jpaas/unitbuild.js" url="/api-gateway/jpaas-publish-server/front/page/build/unit"
 queryData="{'webId':'w','tplSetId':'t','pageType':'column','tagId':'栏目列表2','pageId':'p'}"></script>
</body></html>"""


def test_two_list_units_need_the_registry_to_name_one() -> None:
    url = "http://127.0.0.23:8800/col/col1/index.html"
    response = HtmlResponse(url, body=COLUMN_TWO_LISTS.encode(), encoding="utf-8", request=Request(url))
    plain = Region(code=CODE, name="样本新区", family="jpaas", listings=(url,))
    with pytest.raises(
        ListingError, match=r"cannot tell the list unit .*'当前栏目list', '栏目列表2'.*tag_id"
    ):
        Jpaas(plain).parse_listing(response)
    named = Region(
        code=CODE, name="样本新区", family="jpaas", listings=(url,), params={"tag_id": "栏目列表2"}
    )
    [unit] = Jpaas(named).parse_listing(response).next_requests
    fields, param = unit_page(unit)
    assert fields == {
        "parseType": "bulidstatic",
        "webId": "w",
        "tplSetId": "t",
        "pageType": "column",
        "tagId": "栏目列表2",
        "pageId": "p",
        "editType": "null",
    }
    assert param == {"pageNo": 1, "pageSize": 10}


def test_a_page_without_units_is_a_listing_error() -> None:
    url = "http://127.0.0.23:8800/col/col1/index.html"
    response = HtmlResponse(url, body=b"<html><body><ul><li>x</li></ul></body></html>", request=Request(url))
    with pytest.raises(ListingError, match="no jpaas page-build unit"):
        Jpaas(Region(code=CODE, name="样本新区", family="jpaas", listings=(url,))).parse_listing(response)


# ---------------------------------------------------------------------------------------------------------
# End to end: scrapy crawl reports -a region=990113 into Postgres
# ---------------------------------------------------------------------------------------------------------


@dataclass
class Crawl:
    engine: Engine
    portal: SamplePortal
    done: subprocess.CompletedProcess[str]
    served: list[tuple[str, str]]


@pytest.fixture(scope="module")
def crawl(
    pg_server: PgServer,
    pg_template: str,
    sample_portal: SamplePortal,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[Crawl]:
    sample_portal.reset()
    sample_portal.clear_requests()
    name = pg_server.new_name("jpaas")
    url = pg_server.create_database(name, template=pg_template)
    raw: Path = tmp_path_factory.mktemp("jpaas") / "raw"
    engine = create_engine(url)
    try:
        done = run_crawl(url, raw, sample_portal.port, f"region={CODE}")
        assert done.returncode == 0, done.stderr[-4000:]
        yield Crawl(engine, sample_portal, done, sample_portal.site_requests(CODE))
    finally:
        engine.dispose()
        pg_server.drop_database(name)


def report_urls(portal: SamplePortal) -> dict[str, Entry]:
    site = portal.site(CODE)
    reports = {r.doc_id for r in site.reports}
    return {
        portal.base_url(CODE) + portal_jpaas.detail_path(e): e for e in site.entries() if e.doc_id in reports
    }


@pytest.mark.postgres
def test_crawl_stores_exactly_the_reports_with_their_dates(crawl: Crawl) -> None:
    expected = report_urls(crawl.portal)
    assert len(expected) == 25
    stored = rows(
        crawl.engine,
        "SELECT d.url, v.listing_url, v.listing_date, v.page_date, r.publish_date, v.http_status "
        "FROM documents d JOIN document_versions v ON v.id = d.current_version_id "
        "JOIN reports r ON r.document_id = d.id WHERE d.role = 'report'",
    )
    reports = {r.doc_id: r for r in crawl.portal.site(CODE).reports}
    assert {
        row.url: (row.listing_url, row.listing_date, row.page_date, row.publish_date, row.http_status)
        for row in stored
    } == {
        url: (
            column_url(crawl.portal),
            entry.listing_date,  # from the unit's JSON
            entry.published.date() if entry.published else None,  # from the page's meta or date line
            reports[entry.doc_id].publish_date,
            200,
        )
        for url, entry in expected.items()
    }
    assert scalar(crawl.engine, "SELECT count(*) FROM crawl_failures") == 0


@pytest.mark.postgres
def test_crawl_reads_the_unit_pages_and_skips_the_interpretations(crawl: Crawl) -> None:
    base = crawl.portal.base_url(CODE)
    listings = [u.removeprefix(base) for u in crawl.portal.listing_urls(CODE)]
    assert len(listings) == 4  # the column page and three unit pages
    gets = [path for method, path in crawl.served if method == "GET"]
    asked = [p for p in gets if p == portal_jpaas.COLUMN_PATH or p.startswith(portal_jpaas.UNIT_PATH)]
    # The column page, then the first unit page, whose total plans the other two (fetched in any order).
    assert asked[:2] == listings[:2]
    assert sorted(asked[2:]) == sorted(listings[2:])
    site = crawl.portal.site(CODE)
    interpretations = {portal_jpaas.detail_path(e) for e in site.entries() if e.doc_id >= 2001}
    assert len(interpretations) == 4
    details = {p for p in gets if p.startswith("/art/") and p.endswith(".html")}
    assert details == {u.removeprefix(base) for u in report_urls(crawl.portal)}
    assert not details & interpretations
    [run] = rows(crawl.engine, "SELECT stats FROM crawl_runs")
    assert run.stats["listing/skipped/interpretation"] == 4
    assert run.stats["listing/pages"] == 4


@pytest.mark.postgres
def test_crawl_keeps_the_table_images_as_attachments(crawl: Crawl) -> None:
    """Reports published with their tables as pictures (图片版): the pictures are the report's attachments."""
    base = crawl.portal.base_url(CODE)
    expected = set()
    for report in crawl.portal.site(CODE).reports:
        if report.layout == "absent":
            entry = crawl.portal.site(CODE).entry(report.doc_id)
            assert entry is not None
            page = base + portal_jpaas.detail_path(entry)
            expected |= {
                (urljoin(page, image_src(report.publish_date, report.doc_id, n)), page) for n in (1, 2, 3)
            }
    assert len(expected) == 3 * sum(1 for r in crawl.portal.site(CODE).reports if r.layout == "absent") > 0
    stored = rows(crawl.engine, "SELECT url, parent_url, kind FROM documents WHERE role = 'attachment'")
    assert {(r.url, r.parent_url) for r in stored} == expected
    assert {r.kind for r in stored} == {"image"}
