"""jpaas publish server: Hanweb's newer platform (newer Zhejiang counties, some ministries).

The column page holds no list. A page-build unit script declares where it comes from:
`<script src="…/unitbuild.js" url="/api-gateway/jpaas-publish-server/front/page/build/unit"
queryData="{'webId':'…','tplSetId':'…','pageType':'column','tagId':'…','editType':'null','pageId':'…',
'parseType':'bulidstatic'}">` (single-quoted JSON; the misspelling `bulidstatic` is the platform's own and is
sent back as written). Pages of the list are GET `<url>?<queryData fields>&paramJson={"pageNo":N,
"pageSize":S}`, answering JSON `{"success":true,"data":{"html":"<ul><li><a href=…>…</a><span>date</span>
</li>…</ul>…pager…","total":T}}`. The unit endpoint answers 403 unless the request has a User-Agent and a
Referer from the site: every unit request carries the column page as its Referer.

A page may declare several units (a sidebar's 热点 list beside the column's own): the column's list unit is
the one named by the registry param `tag_id`, else the only `column` unit whose tagId says list/列表/栏目.
Registry params: `tag_id`, `page_size` (default 10), `item_selector` (rows of `data.html`, default `li`).
"""

from __future__ import annotations

import html as html_lib
import json
import math
import re
from typing import Any
from urllib.parse import parse_qsl, quote, urlencode, urljoin, urlsplit

from parsel import Selector
from scrapy import Request
from scrapy.http import Response

from crawler.families.base import FamilyAdapter, ListingError, ListingPage, listing_root, response_text

UNIT_PATH = "/api-gateway/jpaas-publish-server/front/page/build/unit"
DEFAULT_PAGE_SIZE = 10
# The fields a browser sends besides the unit's own, when queryData leaves them out.
UNIT_DEFAULTS = {"parseType": "bulidstatic", "pageType": "column", "editType": "null"}
REQUIRED_FIELDS = ("webId", "tplSetId", "pageId", "tagId")
LIST_TAG = re.compile(r"list|列表|栏目|分页", re.I)
_TOTAL_IN_PAGER = re.compile(r"共\s*(\d+)\s*条")

REPLY_META = "jpaas_reply"  # set on unit requests: the response is the unit's JSON
CHAIN_META = "jpaas_chain"  # no total known: each full page asks for the next


class Jpaas(FamilyAdapter):
    name = "jpaas"

    @property
    def page_size(self) -> int:
        return int(self.params.get("page_size") or DEFAULT_PAGE_SIZE)

    def parse_listing(self, response: Response) -> ListingPage:
        if _meta(response, REPLY_META) or urlsplit(response.url).path.endswith(UNIT_PATH):
            return self._parse_reply(response)
        return self._parse_column(response)

    # ---- the column page ------------------------------------------------------------------------------

    def _parse_column(self, response: Response) -> ListingPage:
        text = response_text(response)
        units = _units(text, response.url)
        if not units:
            raise ListingError(
                f"{response.url}: no jpaas page-build unit (a <script url=… queryData=…>) on the page "
                "(not a jpaas column?)"
            )
        endpoint, fields = self._list_unit(units, response.url)
        request = unit_request(endpoint, fields, 1, self.page_size, response.url, listing_root(response))
        return ListingPage(next_requests=[request])

    def _list_unit(
        self, units: list[tuple[str, dict[str, str]]], page_url: str
    ) -> tuple[str, dict[str, str]]:
        wanted = self.params.get("tag_id")
        if wanted is not None:
            chosen = [u for u in units if u[1].get("tagId") == str(wanted)]
        elif len(units) == 1:
            chosen = units
        else:
            chosen = [
                u
                for u in units
                if u[1].get("pageType") == "column" and LIST_TAG.search(u[1].get("tagId", ""))
            ]
        if len(chosen) != 1:
            tags = ", ".join(repr(u[1].get("tagId")) for u in units)
            which = f"no unit has tagId {wanted!r}" if wanted is not None else "cannot tell the list unit"
            raise ListingError(
                f"{page_url}: {which} among the page's units (tagIds: {tags}); "
                "set params.tag_id in the region's registry row"
            )
        endpoint, fields = chosen[0]
        missing = [name for name in REQUIRED_FIELDS if not fields.get(name)]
        if missing:
            raise ListingError(f"{page_url}: the list unit's queryData lacks {', '.join(missing)}: {fields}")
        return endpoint, fields

    # ---- a unit reply ---------------------------------------------------------------------------------

    def _parse_reply(self, response: Response) -> ListingPage:
        column_url = _referer(response) or listing_root(response)
        try:
            payload = json.loads(response.body)
        except ValueError as exc:
            raise ListingError(f"{response.url}: the unit answered something other than JSON: {exc}") from exc
        data = payload.get("data") if isinstance(payload, dict) else None
        if not isinstance(payload, dict) or payload.get("success") is not True or not isinstance(data, dict):
            message = payload.get("message") if isinstance(payload, dict) else None
            raise ListingError(f"{response.url}: the unit reported failure: {message or str(payload)[:200]}")
        fragment = data.get("html")
        if not isinstance(fragment, str):
            raise ListingError(f"{response.url}: the unit's JSON has no data.html")

        page = ListingPage(listing_url=column_url)
        # The fragment is inserted into the column page: its relative links resolve against that page.
        self.items_from_html(fragment, column_url, page)
        endpoint, fields, page_no, page_size = _unit_of(response.url, self.page_size)
        rows = len(Selector(text=fragment or "<html/>").css(self.item_selector))
        total = _total(data, fragment)
        root = listing_root(response)
        if _meta(response, CHAIN_META) or (page_no == 1 and total is None):
            # No total to plan with: a full page suggests another one.
            if rows >= page_size:
                nxt = unit_request(endpoint, fields, page_no + 1, page_size, column_url, root)
                nxt.meta[CHAIN_META] = True
                page.next_requests.append(nxt)
        elif page_no == 1 and total is not None:
            pages = math.ceil(total / page_size)
            page.next_requests.extend(
                unit_request(endpoint, fields, n, page_size, column_url, root) for n in range(2, pages + 1)
            )
        return page


def unit_request(
    endpoint: str, fields: dict[str, str], page_no: int, page_size: int, column_url: str, root: str | None
) -> Request:
    """GET one page of a unit, with the column page as Referer (the endpoint refuses requests without)."""
    param_json = json.dumps({"pageNo": page_no, "pageSize": page_size}, separators=(",", ":"))
    query = urlencode({**fields, "paramJson": param_json}, quote_via=quote)
    return Request(
        f"{endpoint}?{query}",
        headers={"Referer": column_url, "Accept": "application/json, text/javascript, */*; q=0.01"},
        meta={REPLY_META: True, "listing_root": root},
    )


def _units(text: str, page_url: str) -> list[tuple[str, dict[str, str]]]:
    """(endpoint URL, request fields) of every page-build unit script on the page."""
    units: list[tuple[str, dict[str, str]]] = []
    for script in Selector(text=text).xpath("//script[@querydata]"):
        raw = html_lib.unescape(script.attrib.get("querydata", ""))
        try:
            declared = json.loads(raw.replace("'", '"'))
        except ValueError as exc:
            raise ListingError(f"{page_url}: a unit's queryData is not readable: {raw[:200]!r}") from exc
        if not isinstance(declared, dict):
            raise ListingError(f"{page_url}: a unit's queryData is not an object: {raw[:200]!r}")
        fields = {str(k): _text(v) for k, v in declared.items()}
        fields |= {k: v for k, v in UNIT_DEFAULTS.items() if k not in fields}
        # The page's own order, parseType first, as the unit script sends them.
        ordered = {"parseType": fields.pop("parseType"), **fields}
        endpoint = urljoin(page_url, script.attrib.get("url") or UNIT_PATH)
        units.append((endpoint, ordered))
    return units


def _unit_of(url: str, default_size: int) -> tuple[str, dict[str, str], int, int]:
    """(endpoint, unit fields, pageNo, pageSize) of a unit request URL."""
    endpoint, _, query = url.partition("?")
    fields = dict(parse_qsl(query, keep_blank_values=True))
    try:
        params: Any = json.loads(fields.pop("paramJson", "") or "{}")
        page_no = int(params.get("pageNo", 1))
        page_size = int(params.get("pageSize", default_size))
    except (ValueError, TypeError, AttributeError) as exc:
        raise ListingError(f"{url}: the unit request's paramJson is not readable") from exc
    return endpoint, fields, page_no, page_size


def _total(data: dict[str, Any], fragment: str) -> int | None:
    total = data.get("total")
    if isinstance(total, int) and not isinstance(total, bool):
        return total
    if isinstance(total, str) and total.isdigit():
        return int(total)
    found = _TOTAL_IN_PAGER.search(fragment)
    return int(found.group(1)) if found else None


def _text(value: object) -> str:
    return "null" if value is None else str(value)


def _referer(response: Response) -> str | None:
    request = getattr(response, "request", None)
    if request is None:
        return None
    value = request.headers.get(b"Referer")
    return value.decode("latin-1") if value else None


def _meta(response: Response, key: str) -> object:
    try:
        return response.meta.get(key)
    except AttributeError:  # built without a request
        return None
