"""What a portal-family adapter is: listing response in, report links and further listing requests out.

An adapter knows one family's listing markup and pager; it never fetches anything itself, never decides
whether a link is a report (crawler/links.py does), and never touches the store. The spider wires callbacks.
"""

from __future__ import annotations

import datetime as dt
import re
from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, ClassVar
from urllib.parse import urljoin, urlsplit, urlunsplit

from parsel import Selector
from scrapy import Request
from scrapy.http import Response
from w3lib.html import get_base_url

from parsers.document import decode_html
from parsers.metadata import parse_date
from parsers.normalize import normalize_text

if TYPE_CHECKING:
    from crawler.registry import Region

DEFAULT_ITEM_SELECTOR = "li"
_WHITESPACE = re.compile(r"\s+")
# Links that lead to another listing (a column's index, a pager page), never to a document.
_COLUMN_PAGE = re.compile(r"(?:/|/(?:index|list|default)(?:_\d+)?\.(?:s?html?|jsp|aspx?|php))$", re.I)
_NOT_A_TARGET = ("javascript:", "mailto:", "tel:", "#")


class ListingError(ValueError):
    """A listing page is not in the shape its family promises (redesigned site, error page, wrong family)."""


@dataclass(frozen=True)
class ListingLink:
    url: str  # absolute
    title: str  # the link's title attribute, else its text; whitespace collapsed
    date: dt.date | None  # the date printed beside the link


@dataclass
class ListingPage:
    links: list[ListingLink] = field(default_factory=list)
    next_requests: list[Request] = field(default_factory=list)
    # The human-visible listing these links belong to (for data replies, the column page that asked for them).
    listing_url: str | None = None
    # Links on the page that lead to other listings (nav, pager): counted, not followed as documents.
    column_links: int = 0


class FamilyAdapter(ABC):
    """One portal family's listing mechanics. Subclasses set `name` and implement `parse_listing`."""

    name: ClassVar[str]

    def __init__(self, region: Region) -> None:
        self.region = region
        self.params: dict[str, Any] = dict(region.params)

    def first_requests(self) -> list[Request]:
        """The region's listing URLs as plain GETs (dont_filter: a crawl may list a listing twice)."""
        return [Request(url, dont_filter=True, meta={"listing_root": url}) for url in self.region.listings]

    @abstractmethod
    def parse_listing(self, response: Response) -> ListingPage:
        """Report-candidate links on this listing page and requests for the pages that follow it."""

    # ---- helpers shared by the families ---------------------------------------------------------------

    @property
    def item_selector(self) -> str:
        return str(self.params.get("item_selector") or DEFAULT_ITEM_SELECTOR)

    def is_listing_url(self, url: str) -> bool:
        """A link to a listing page (a column index, a pager page) rather than to a document."""
        if _strip_fragment(url) in {_strip_fragment(u) for u in self.region.listings}:
            return True
        return bool(_COLUMN_PAGE.search(urlsplit(url).path or "/"))

    def items_from_html(self, html: str, base_url: str, page: ListingPage, rows: str | None = None) -> None:
        """Add the links of the listing rows in `html` (each row a `rows` element, by default
        `item_selector`) to `page`."""
        selector = Selector(text=html)
        base = get_base_url(html, base_url)
        for row in selector.css(rows or self.item_selector):
            link = _row_link(row, base)
            if link is None:
                continue
            if self.is_listing_url(link.url):
                page.column_links += 1
            elif all(link.url != seen.url for seen in page.links):
                # A row may be listed twice (a pinned item and its dated row): the first one counts.
                page.links.append(link)


def listing_root(response: Response) -> str:
    """The registry listing URL this page descends from (the page itself when it is one)."""
    try:
        meta = response.meta
    except AttributeError:  # a response built without a request (tests, shell)
        return response.url
    return str(meta.get("listing_root") or response.url)


def response_text(response: Response) -> str:
    """The page decoded by the parser's charset rules (Scrapy's guess misreads GBK without a charset)."""
    content_type = response.headers.get(b"Content-Type")
    text, _encoding = decode_html(response.body, content_type.decode("latin-1") if content_type else None)
    return text


def _row_link(row: Selector, base: str) -> ListingLink | None:
    for anchor in row.css("a[href]"):
        href = (anchor.attrib.get("href") or "").strip()
        if not href or href.lower().startswith(_NOT_A_TARGET):
            continue
        text = _collapse(" ".join(anchor.css("::text").getall()))
        title = _collapse(anchor.attrib.get("title") or "") or text
        # The date stands beside the link (a <span>, or bare text); the link's own text may hold a year.
        rest = _collapse(" ".join(row.css("::text").getall())).replace(text, " ", 1)
        return ListingLink(
            url=_strip_fragment(urljoin(base, href)), title=title, date=parse_date(normalize_text(rest))
        )
    return None


def _collapse(text: str) -> str:
    return _WHITESPACE.sub(" ", text).strip()


def _strip_fragment(url: str) -> str:
    parts = urlsplit(url)
    return urlunsplit(parts._replace(fragment=""))
