"""Walk a region's listings with its family adapter, in-process: the adapter unit tests' driver.

`walk(region)` fetches the registry's listing URLs from the sample portal with urllib, hands each response to
the adapter, and follows the requests it returns (GET or POST, de-duplicated by Scrapy's own request
fingerprint, as the scheduler does), exactly as the spider would but without a reactor. It returns every
link found with the listing it was found on, and every listing request made, in order.
"""

from __future__ import annotations

import urllib.error
import urllib.request
from collections import deque
from dataclasses import dataclass, field

from scrapy import Request
from scrapy.http import HtmlResponse
from scrapy.utils.request import fingerprint

from crawler.families import FamilyAdapter, ListingLink, adapter_for
from crawler.registry import Region

MAX_LISTINGS = 60  # a runaway pager fails the test instead of hanging it


@dataclass
class Walk:
    links: list[tuple[ListingLink, str]] = field(default_factory=list)  # (link, its listing URL)
    requests: list[tuple[str, str]] = field(default_factory=list)  # (method, URL) of each listing fetched
    column_links: int = 0

    @property
    def urls(self) -> list[str]:
        return [link.url for link, _ in self.links]


def fetch(request: Request) -> HtmlResponse:
    headers = {k.decode(): b", ".join(v).decode() for k, v in request.headers.items()}
    body = request.body if request.method == "POST" else None
    plain = urllib.request.Request(request.url, data=body, headers=headers, method=request.method)
    try:
        with urllib.request.urlopen(plain, timeout=10) as reply:
            status, final_url, data = reply.status, reply.geturl(), reply.read()
            reply_headers = dict(reply.headers.items())
    except urllib.error.HTTPError as error:
        raise AssertionError(f"{request.method} {request.url} answered HTTP {error.code}") from error
    return HtmlResponse(final_url, status=status, body=data, headers=reply_headers, request=request)


def walk(region: Region, adapter: FamilyAdapter | None = None) -> Walk:
    adapter = adapter or adapter_for(region)
    result = Walk()
    queue: deque[Request] = deque(adapter.first_requests())
    seen: set[bytes] = set()
    while queue:
        request = queue.popleft()
        key = fingerprint(request)
        if not request.dont_filter and key in seen:
            continue
        seen.add(key)
        if len(result.requests) >= MAX_LISTINGS:
            raise AssertionError(f"more than {MAX_LISTINGS} listing requests: a pager loops")
        result.requests.append((request.method, request.url))
        response = fetch(request)
        page = adapter.parse_listing(response)
        listing = page.listing_url or response.url
        result.links.extend((link, listing) for link in page.links)
        result.column_links += page.column_links
        queue.extend(page.next_requests)
    return result
