"""TRS WCM classic static columns: `index.htm`, `index_1.htm`, … paged by an inline `createPageHTML(…)`.

Two pager signatures are in use:

- classic `createPageHTML(total, current, "index", "htm"[, records])`: `current` is 0-based and page k
  (0-based) is `index_k.htm`, the first page being `index.htm`;
- the 6-argument variant `createPageHTML('page_div', total, current, 'list', 'shtml', records)`: `current` is
  1-based and page k (1-based) is `list_k.shtml`, the first page being `list.shtml`.

Rows are `li` elements holding the link and, beside it, the publish date. The first page knows the page
count, so it requests every following page; later pages request nothing (each page is fetched once).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import urljoin

from scrapy import Request
from scrapy.http import Response

from crawler.families.base import FamilyAdapter, ListingError, ListingPage, listing_root, response_text

_CREATE_PAGE_HTML = re.compile(r"createPageHTML\s*\(([^)]*)\)")
_ARG = re.compile(r"""\s*(?:'([^']*)'|"([^"]*)"|([^,]*?))\s*(?:,|$)""")


@dataclass(frozen=True)
class Pager:
    total: int  # number of pages
    current: int  # 0-based index of this page
    stem: str  # "index", "list"
    suffix: str  # "htm", "html", "shtml"
    one_based: bool  # the 6-argument variant numbers its files from 1

    def file_name(self, index: int) -> str:
        """The file of page `index` (0-based): the first page has no number."""
        if index == 0:
            return f"{self.stem}.{self.suffix}"
        return f"{self.stem}_{index + 1 if self.one_based else index}.{self.suffix}"


def parse_pager(script: str) -> Pager | None:
    """The pager announced by the page's `createPageHTML(…)` call, or None when the page has none.

    Pages often inline the pager's own definition (`function createPageHTML(_nPageCount, …)`) too: only a
    call with numbers counts.
    """
    calls = [m for m in _CREATE_PAGE_HTML.finditer(script) if not _is_definition(script, m.start())]
    for m in calls:
        pager = _pager_of(_split_args(m.group(1)))
        if pager is not None:
            return pager
    if calls:
        raise ListingError(f"createPageHTML({calls[0].group(1)}) is not a pager call this adapter knows")
    return None


def _is_definition(script: str, start: int) -> bool:
    return script[max(0, start - 20) : start].rstrip().endswith("function")


def _pager_of(args: list[str]) -> Pager | None:
    try:
        if len(args) >= 5 and not args[0].isdigit():
            # ('page_div', total, current, 'list', 'shtml', records): 1-based
            return Pager(int(args[1]), int(args[2]) - 1, args[3], args[4], one_based=True)
        if len(args) >= 4:
            return Pager(int(args[0]), int(args[1]), args[2], args[3], one_based=False)
    except ValueError:
        return None
    return None


def _split_args(text: str) -> list[str]:
    args: list[str] = []
    for m in _ARG.finditer(text):
        if m.end() == m.start():
            break
        args.append(next(g for g in m.groups() if g is not None).strip())
    return args


class TrsClassic(FamilyAdapter):
    name = "trs_classic"

    def parse_listing(self, response: Response) -> ListingPage:
        html = response_text(response)
        page = ListingPage()
        self.items_from_html(html, response.url, page)
        pager = parse_pager(html)
        if pager is not None and pager.current == 0:
            for index in range(1, pager.total):
                url = urljoin(response.url, pager.file_name(index))
                page.next_requests.append(Request(url, meta={"listing_root": listing_root(response)}))
        return page
