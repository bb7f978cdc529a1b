"""Boda VSB static columns (红河州 sites): reverse-numbered `.htm` pages.

The first page is `xxx.htm`; the others sit in the folder `xxx/` and are numbered from the OLDEST page:
with N pages, page 2 is `xxx/{N-1}.htm` and the last is `xxx/1.htm`. The pager (`pb_sys_style1`) prints
`span.p_t` "k/N", page links in `span.p_pages`, and the next-page link as `span.p_next a` (or `a.p_next`).

The first page fans out: its next-page link names page 2's file, number M = N-1, so the pages to fetch are
`M.htm`, `M-1.htm` … `1.htm` in that link's folder. The pager's "k/N" must agree (N = M + 1): a pager that
does not is not this family's and is reported rather than guessed at. Later pages request nothing.
Rows are `li` elements (link, title attribute, date beside it).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import urljoin

from parsel import Selector
from scrapy import Request
from scrapy.http import Response
from w3lib.html import get_base_url

from crawler.families.base import FamilyAdapter, ListingError, ListingPage, listing_root, response_text

_PAGE_OF = re.compile(r"^\s*(\d+)\s*/\s*(\d+)\s*$")  # span.p_t "1/11"
_NUMBERED = re.compile(r"^(.*/)(\d+)\.(s?html?)$")  # …/xxx/10.htm


@dataclass(frozen=True)
class VsbPager:
    current: int | None  # 1-based, from "k/N"; None when the pager does not print it
    total: int | None
    next_url: str | None  # absolute URL of the 下页 link

    def following_pages(self) -> list[str]:
        """Every page after the first, in reading order: `M.htm` … `1.htm` beside the next-page file."""
        if self.next_url is None:
            return []
        m = _NUMBERED.match(self.next_url)
        if m is None:
            raise ListingError(f"next-page link {self.next_url} is not a numbered VSB page (…/N.htm)")
        folder, number, suffix = m.group(1), int(m.group(2)), m.group(3)
        if self.total is not None and self.total != number + 1:
            raise ListingError(
                f"pager says {self.total} pages but page 2 is file {number}.{suffix} "
                f"(VSB numbers page 2 as N-1 = {self.total - 1})"
            )
        return [f"{folder}{n}.{suffix}" for n in range(number, 0, -1)]


def parse_pager(html: str, base_url: str) -> VsbPager | None:
    """The VSB pager of a listing page, or None when the page has none (a single page)."""
    selector = Selector(text=html)
    current = total = None
    for text in selector.css("span.p_t::text").getall():
        m = _PAGE_OF.match(text)
        if m:
            current, total = int(m.group(1)), int(m.group(2))
    hrefs = selector.css("span.p_next a::attr(href), a.p_next::attr(href)").getall()
    next_url = urljoin(get_base_url(html, base_url), hrefs[0].strip()) if hrefs else None
    if current is None and next_url is None and not selector.css("span.p_pages"):
        return None
    return VsbPager(current, total, next_url)


class BodaVsb(FamilyAdapter):
    name = "boda_vsb"

    def parse_listing(self, response: Response) -> ListingPage:
        html = response_text(response)
        page = ListingPage()
        self.items_from_html(html, response.url, page)
        pager = parse_pager(html, response.url)
        if pager is None:
            return page
        root = listing_root(response)
        first = pager.current == 1 if pager.current is not None else response.url == root
        if first:
            for url in pager.following_pages():
                page.next_requests.append(Request(url, meta={"listing_root": root}))
        return page
