"""Hanweb jcms columns paged by the jpage plug-in (Jiangsu, Zhejiang, Gansu, Shandong).

The column page `/col/colNNN/index.html` embeds its first page of rows in
`<script type="text/xml"><datastore><nextgroup><![CDATA[<a href="/module/web/jpage/dataproxy.jsp?page=1&
appid=…&webid=…&path=…&columnid=…&unitid=…&webname=…&permissiontype=…"></a>]]></nextgroup><recordset>
<record><![CDATA[<li>…</li>]]></record>…</recordset></datastore></script>`, and its jpage init script
states `perPage` and `totalRecord`. Later rows come from POST
`dataproxy.jsp?startrecord=S&endrecord=E&perpage=P` with the form fields `col=1` and the nextgroup link's
parameters; the reply is the same `<datastore>` XML with `<totalrecord>` and `<totalpage>`.

Everything the requests need is read from the page's own nextgroup link, never guessed: the proxy path, the
column and unit ids, the site name.
"""

from __future__ import annotations

import html as html_lib
import re
from urllib.parse import parse_qsl, urlencode, urljoin, urlsplit

from scrapy import FormRequest
from scrapy.http import Response

from crawler.families.base import FamilyAdapter, ListingError, ListingPage, listing_root, response_text

# The form fields dataproxy.jsp reads, in the order the jpage script posts them.
FORM_FIELDS = ("col", "appid", "webid", "path", "columnid", "unitid", "webname", "permissiontype")
DEFAULT_PER_PAGE = 15  # jpage's own default when the init script does not say

_XML_SCRIPT = re.compile(r"<script[^>]*type\s*=\s*[\"']text/xml[\"'][^>]*>(.*?)</script>", re.I | re.S)
_DATASTORE = re.compile(r"<datastore>(.*?)</datastore>", re.I | re.S)
_NEXTGROUP = re.compile(r"<nextgroup>\s*<!\[CDATA\[(.*?)\]\]>\s*</nextgroup>", re.I | re.S)
_RECORD = re.compile(r"<record>\s*<!\[CDATA\[(.*?)\]\]>\s*</record>", re.I | re.S)
_HREF = re.compile(r"""href\s*=\s*["']([^"']+)["']""", re.I)
_PER_PAGE = re.compile(r"""perPage\s*:\s*['"]?(\d+)""")
_TOTAL_RECORD = re.compile(r"""totalRecord\s*:\s*['"]?(\d+)""")
_REPLY_TOTAL = re.compile(r"<totalrecord>\s*(\d+)\s*</totalrecord>", re.I)

REPLY_META = "jpage_reply"  # set on dataproxy requests: the response is datastore XML
DISCOVER_META = "jpage_discover"  # the column page did not state totalRecord: this reply fans out the rest


class HanwebJpage(FamilyAdapter):
    name = "hanweb_jpage"

    def parse_listing(self, response: Response) -> ListingPage:
        text = response_text(response)
        if _meta(response, REPLY_META):
            return self._parse_reply(response, text)
        return self._parse_column(response, text)

    def _parse_column(self, response: Response, text: str) -> ListingPage:
        script = _XML_SCRIPT.search(text)
        store = _DATASTORE.search(script.group(1) if script else text)
        if store is None:
            raise ListingError(
                f"{response.url}: no <datastore> in the column page (not a Hanweb jpage column?)"
            )
        page = ListingPage()
        records = _RECORD.findall(store.group(1))
        self.items_from_html("".join(records), response.url, page)
        nextgroup = _NEXTGROUP.search(store.group(1))
        per_page_match = _PER_PAGE.search(text)
        per_page = int(per_page_match.group(1)) if per_page_match else DEFAULT_PER_PAGE
        total_match = _TOTAL_RECORD.search(text)
        if nextgroup is None:
            if total_match and int(total_match.group(1)) > len(records):
                raise ListingError(
                    f"{response.url}: {total_match.group(1)} records but no <nextgroup> link to page on"
                )
            return page
        proxy = _proxy(response.url, nextgroup.group(1))
        root = listing_root(response)
        if total_match is None:
            # Ask for the second group; its reply states the total and requests the rest.
            page.next_requests.append(
                proxy.request(per_page + 1, 2 * per_page, per_page, root, {DISCOVER_META: True})
            )
            return page
        total = int(total_match.group(1))
        # Some columns embed a whole group (several pages) of rows: continue after the last one shown.
        done = max(per_page, len(records))
        page.next_requests.extend(proxy.requests_after(done, total, per_page, root))
        return page

    def _parse_reply(self, response: Response, text: str) -> ListingPage:
        store = _DATASTORE.search(text)
        if store is None:
            raise ListingError(f"{response.url}: dataproxy reply has no <datastore>")
        page = ListingPage(listing_url=listing_root(response))
        self.items_from_html("".join(_RECORD.findall(store.group(1))), response.url, page)
        if _meta(response, DISCOVER_META):
            total_match = _REPLY_TOTAL.search(store.group(1))
            if total_match is None:
                raise ListingError(f"{response.url}: dataproxy reply has no <totalrecord>")
            params = dict(parse_qsl(urlsplit(response.url).query))
            per_page = int(params.get("perpage") or DEFAULT_PER_PAGE)
            done = int(params.get("endrecord") or per_page)
            proxy = _Proxy(response.url.split("?", 1)[0], _form_of(response))
            page.next_requests.extend(
                proxy.requests_after(done, int(total_match.group(1)), per_page, page.listing_url)
            )
        return page


class _Proxy:
    """dataproxy.jsp at one address with the column's form fields."""

    def __init__(self, url: str, form: dict[str, str]) -> None:
        self.url = url
        self.form = form

    def request(
        self, start: int, end: int, per_page: int, root: str | None, extra: dict[str, object]
    ) -> FormRequest:
        query = urlencode({"startrecord": start, "endrecord": end, "perpage": per_page})
        return FormRequest(
            f"{self.url}?{query}",
            formdata=self.form,
            meta={REPLY_META: True, "listing_root": root, **extra},
        )

    def requests_after(self, done: int, total: int, per_page: int, root: str | None) -> list[FormRequest]:
        """One request per page of `per_page` records, from record `done + 1` to `total`."""
        return [
            self.request(start, min(start + per_page - 1, total), per_page, root, {})
            for start in range(done + 1, total + 1, per_page)
        ]


def _proxy(page_url: str, nextgroup_html: str) -> _Proxy:
    href = _HREF.search(nextgroup_html)
    if href is None:
        raise ListingError(f"{page_url}: <nextgroup> holds no link: {nextgroup_html[:200]!r}")
    link = urljoin(page_url, html_lib.unescape(href.group(1)))
    params = dict(parse_qsl(urlsplit(link).query, keep_blank_values=True))
    if not params.get("columnid"):
        raise ListingError(f"{page_url}: the nextgroup link names no columnid: {link}")
    form = {"col": "1", **{name: params.get(name, "") for name in FORM_FIELDS[1:]}}
    return _Proxy(link.split("?", 1)[0], form)


def _form_of(response: Response) -> dict[str, str]:
    body = response.request.body.decode("utf-8") if response.request is not None else ""
    return dict(parse_qsl(body, keep_blank_values=True))


def _meta(response: Response, key: str) -> object:
    try:
        return response.meta.get(key)
    except AttributeError:  # built without a request
        return None
