"""Hanweb's 信息公开 (xxgk) module (Zhejiang, e.g. 丽水): POST `/module/xxgk/search.jsp`, paged by `currpage`.

Two listing shapes, told apart by the URL the registry gives:

- a column page holding the module's `searchform` (hidden `infotypeId`, `jdid`, `area`, `divid`,
  `sortfield`, `currpage` …; its rows are loaded by script). Everything the POST needs is read from that
  form, never guessed. The reply is an HTML fragment: table rows (`tr`) and a pager calling
  `searchsubmit(N)`; the reply to `currpage=1` states the page count, and the rest are posted at once with
  the same form and `currpage=N`. Rows of replies are listed under the column page (their listing).
- the module's annual-report page `xxgkAnnualReport.jsp?fbtime=YYYY&area=…`: one page per year of
  publication, `li` rows, and links to the other years; the page the registry names requests the others.
"""

from __future__ import annotations

import re
from urllib.parse import parse_qsl, urljoin, urlsplit

from parsel import Selector
from scrapy import FormRequest, Request
from scrapy.http import Response
from w3lib.html import get_base_url

from crawler.families.base import FamilyAdapter, ListingError, ListingPage, listing_root, response_text
from crawler.families.pagers import form_fields

SEARCH_PATH = "/module/xxgk/search.jsp"
ANNUAL_PAGE = "xxgkAnnualReport.jsp"
# The fields the module needs to answer with the column's rows (the rest of the form is passed as it is).
REQUIRED_FIELDS = ("infotypeId", "jdid", "area", "divid")
REPLY_META = "xxgk_reply"  # set on search.jsp requests: the response is the module's HTML fragment
YEAR_META = "xxgk_year_page"  # set on annual-report pages requested from the registry's one
DEFAULT_REPLY_ROWS = "tr"

_SEARCHSUBMIT = re.compile(r"searchsubmit\s*\(\s*(\d+)\s*\)")
_PAGE_OF = re.compile(r"(\d+)\s*/\s*(\d+)\s*页")


class HanwebXxgk(FamilyAdapter):
    name = "hanweb_xxgk"

    def parse_listing(self, response: Response) -> ListingPage:
        html = response_text(response)
        if _meta(response, REPLY_META):
            return self._parse_reply(response, html)
        if urlsplit(response.url).path.endswith(ANNUAL_PAGE):
            return self._parse_annual(response, html)
        return self._parse_column(response, html)

    def _parse_column(self, response: Response, html: str) -> ListingPage:
        selector = Selector(text=html)
        base = get_base_url(html, response.url)
        for form in selector.css("form"):
            action = urljoin(base, form.attrib.get("action") or "")
            if urlsplit(action).path.endswith(SEARCH_PATH):
                fields = form_fields(form)
                break
        else:
            raise ListingError(
                f"{response.url}: no searchform posting to {SEARCH_PATH} (not a Hanweb xxgk column?)"
            )
        missing = [name for name in REQUIRED_FIELDS if not fields.get(name)]
        if missing:
            raise ListingError(f"{response.url}: the searchform has no {', '.join(missing)}")
        page = ListingPage()
        page.next_requests.append(_search(action, fields, 1, listing_root(response)))
        return page

    def _parse_reply(self, response: Response, html: str) -> ListingPage:
        root = listing_root(response)
        page = ListingPage(listing_url=root)
        rows = str(self.params.get("reply_item_selector") or DEFAULT_REPLY_ROWS)
        self.items_from_html(html, response.url, page, rows)
        form = _posted_form(response)
        if form.get("currpage") == "1":
            action = response.url.split("#", 1)[0]
            total = _page_count(html)
            page.next_requests.extend(_search(action, form, n, root) for n in range(2, total + 1))
        return page

    def _parse_annual(self, response: Response, html: str) -> ListingPage:
        page = ListingPage()
        self.items_from_html(html, response.url, page)
        if _meta(response, YEAR_META):
            return page
        own_year = dict(parse_qsl(urlsplit(response.url).query)).get("fbtime")
        base = get_base_url(html, response.url)
        seen = set()
        for href in Selector(text=html).css(f'a[href*="{ANNUAL_PAGE}"]::attr(href)').getall():
            url = urljoin(base, href.strip())
            year = dict(parse_qsl(urlsplit(url).query)).get("fbtime")
            if year and year != own_year and url not in seen:
                seen.add(url)
                page.next_requests.append(
                    Request(url, meta={"listing_root": listing_root(response), YEAR_META: True})
                )
        return page


def _search(action: str, fields: dict[str, str], currpage: int, root: str) -> FormRequest:
    return FormRequest(
        action,
        formdata={**fields, "currpage": str(currpage)},
        meta={REPLY_META: True, "listing_root": root},
        # One URL for every page: the form body tells them apart, and the scheduler's fingerprint sees it.
    )


def _page_count(html: str) -> int:
    """Pages of a search reply: the pager's "k/N页", else its highest searchsubmit(N); 1 without pager."""
    stated = _PAGE_OF.search(html)
    linked = [int(n) for n in _SEARCHSUBMIT.findall(html)]
    if stated:
        total = int(stated.group(2))
        if linked and max(linked) > total:
            raise ListingError(f"pager says {total} pages but links searchsubmit({max(linked)})")
        return total
    return max(linked, default=1)


def _posted_form(response: Response) -> dict[str, str]:
    body = response.request.body if response.request is not None else b""
    return dict(parse_qsl(body.decode("utf-8"), keep_blank_values=True))


def _meta(response: Response, key: str) -> object:
    try:
        return response.meta.get(key)
    except AttributeError:  # built without a request
        return None
