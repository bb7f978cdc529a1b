"""The `public/column` 政务公开 platform (Anhui, Hunan, Qinghai, Gansu): lists written by JavaScript.

The column `/public/column/{unit}?type=4&catId=…&action=list` (page N: `&pageIndex=N`) arrives as a shell;
its script fetches the rows and writes them in as `li.clearfix` items (link, `span.date`) followed by a
pager whose links carry `pageIndex`. So listing requests go through the browser (crawler/browser.py) and
are judged once a row — or the platform's 暂无信息 marker — is on the page. The first page reads the
page count from its pager (the largest `pageIndex` linked, or 共…页/第1/N页) and asks for every later page;
later pages ask for nothing. The detail pages are ordinary HTML, fetched plainly.

Registry params: `render` ("browser", the default; "none" reads the pages as served, for a portal that
renders on the server), `item_selector` (default `li.clearfix`).
"""

from __future__ import annotations

import re
from urllib.parse import parse_qsl, urlencode, urljoin, urlsplit, urlunsplit

from parsel import Selector
from scrapy import Request
from scrapy.http import Response

from crawler.browser import render_meta
from crawler.families.base import FamilyAdapter, ListingError, ListingPage, listing_root, response_text

ITEM_SELECTOR = "li.clearfix"
EMPTY_SELECTOR = ".xxgk_empty"  # the platform's 暂无信息: a rendered column without rows
PAGE_PARAM = "pageIndex"
_PAGES_IN_TEXT = re.compile(r"(?:共\s*(\d+)\s*页|第\s*\d+\s*/\s*(\d+)\s*页)")


def page_index(url: str) -> int:
    """The page a column URL shows (1 when it names none)."""
    for name, value in parse_qsl(urlsplit(url).query):
        if name == PAGE_PARAM and value.isdigit():
            return max(1, int(value))
    return 1


def with_page_index(url: str, page: int) -> str:
    """The column URL of page `page`: `pageIndex` replaced or added, the other parameters kept in order."""
    parts = urlsplit(url)
    query = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if k != PAGE_PARAM]
    query.append((PAGE_PARAM, str(page)))
    return urlunsplit(parts._replace(query=urlencode(query), fragment=""))


def pager_pages(html: str, base_url: str) -> int:
    """Pages of the column, as its rendered pager tells: the largest pageIndex it links, or its 共N页."""
    selector = Selector(text=html)
    pages = 1
    for href in selector.css("a[href]::attr(href)").getall():
        url = urljoin(base_url, href.strip())
        if urlsplit(url).path == urlsplit(base_url).path and PAGE_PARAM in url:
            pages = max(pages, page_index(url))
    for m in _PAGES_IN_TEXT.finditer(" ".join(selector.css("body *::text").getall())):
        pages = max(pages, int(m.group(1) or m.group(2)))
    return pages


class PublicColumn(FamilyAdapter):
    name = "public_column"

    @property
    def item_selector(self) -> str:
        return str(self.params.get("item_selector") or ITEM_SELECTOR)

    @property
    def renders(self) -> bool:
        return str(self.params.get("render") or "browser") == "browser"

    def _meta(self) -> dict[str, object]:
        return render_meta(f"{self.item_selector}, {EMPTY_SELECTOR}") if self.renders else {}

    def first_requests(self) -> list[Request]:
        return [
            request.replace(meta={**request.meta, **self._meta()}) for request in super().first_requests()
        ]

    def parse_listing(self, response: Response) -> ListingPage:
        html = response_text(response)
        page = ListingPage()
        self.items_from_html(html, response.url, page)
        selector = Selector(text=html)
        if not page.links and not selector.css(f"{self.item_selector}, {EMPTY_SELECTOR}"):
            raise ListingError(
                f"{response.url}: no {self.item_selector} rows and no 暂无信息 marker: the column's list is "
                "written by JavaScript and this page was not rendered (registry param render = \"browser\")"
            )
        if page_index(response.url) == 1:
            root = listing_root(response)
            for number in range(2, pager_pages(html, response.url) + 1):
                page.next_requests.append(
                    Request(with_page_index(root, number), meta={"listing_root": root, **self._meta()})
                )
        return page
