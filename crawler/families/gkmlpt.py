"""Guangdong's 政府信息公开目录平台 gkmlpt (深圳 and every Guangdong site).

The pages are JavaScript shells: the annual-report page `…/gkmlpt/annualreport` or a catalogue column
`…/gkmlpt/index#{cat}` sets `window._CONFIG = {SID: '755001', …}` and renders nothing itself. The list is
GET `…/gkmlpt/api/all/{cat}?page=N&sid={SID}` (pages from 1, the page size the server's), answering
`{"total": T, "articles": [{"id", "title", "url", "publisher", "display_publish_time", …}]}` with absolute
detail URLs (`…/gkmlpt/content/a/b/post_{id}.html`) and epoch-second times.

The SID is read from the page; the category from the registry param `cat`, else the listing URL's
fragment (`#2975`). A listing without `_CONFIG` is a column of the static portal beside gkmlpt (深圳's
`/cn/xxgk/ndxxgkbg/`): its rows are read from the markup and its pager's next-page link is followed.
A site may live under a path (`http://host/dept/gkmlpt/…`): the API sits beside the page's own `/gkmlpt/`.

Dates are Beijing dates: gkmlpt's epoch seconds stand for Beijing wall-clock times, and reading them as UTC
dates every document published before 08:00 a day early.
"""

from __future__ import annotations

import datetime as dt
import html as html_lib
import json
import math
import re
from typing import Any
from urllib.parse import urljoin, urlsplit

from parsel import Selector
from scrapy import Request
from scrapy.http import Response

from crawler.families.base import (
    FamilyAdapter,
    ListingError,
    ListingLink,
    ListingPage,
    listing_root,
    response_text,
)
from crawler.families.pagers import next_page_url

# China has kept UTC+8 without daylight saving since 1991: a fixed offset needs no tz database.
BEIJING = dt.timezone(dt.timedelta(hours=8), "Asia/Shanghai")
# Article time fields, most authoritative first (display_publish_time is what the site shows).
TIME_FIELDS = ("display_publish_time", "first_publish_time", "publish_time", "create_time")
_CONFIG = re.compile(r"_CONFIG\s*=\s*\{(.*?)\}\s*;?", re.S)
_SID = re.compile(r"""\bSID\s*:\s*['"]?(\d+)['"]?""")
_GKMLPT_DIR = "/gkmlpt/"
_WHITESPACE = re.compile(r"\s+")
_TAG = re.compile(r"<[^>]+>")
_MILLISECONDS = 10**11  # an epoch above this is in milliseconds (year 5138 in seconds)

REPLY_META = "gkmlpt_reply"  # set on API requests: the response is the API's JSON


class Gkmlpt(FamilyAdapter):
    name = "gkmlpt"

    def parse_listing(self, response: Response) -> ListingPage:
        if _meta(response, REPLY_META):
            return self._parse_reply(response)
        return self._parse_shell(response)

    def _parse_shell(self, response: Response) -> ListingPage:
        text = response_text(response)
        config = _CONFIG.search(text)
        sid = _SID.search(config.group(1)) if config else None
        if sid is None:
            return self._parse_static(response, text)
        root = listing_root(response)
        cat = self._category(root)
        return ListingPage(next_requests=[api_request(api_url(response.url, cat, 1, sid.group(1)), root)])

    def _parse_static(self, response: Response, text: str) -> ListingPage:
        """A column of the static portal beside gkmlpt (深圳's /cn/xxgk/ndxxgkbg/): rows in the markup, and
        the pager's own next-page link."""
        page = ListingPage()
        self.items_from_html(text, response.url, page)
        following = next_page_url(Selector(text=text), response.url)
        if following is not None:
            page.next_requests.append(Request(following, meta={"listing_root": listing_root(response)}))
        if not page.links and following is None:
            raise ListingError(
                f"{response.url}: no window._CONFIG with a SID and no listed links "
                "(neither a gkmlpt page nor a static column)"
            )
        return page

    def _category(self, listing: str) -> str:
        configured = self.params.get("cat")
        if configured is not None and str(configured).strip().isdigit():
            return str(configured).strip()
        fragment = urlsplit(listing).fragment
        if fragment.isdigit():
            return fragment
        raise ListingError(
            f"{listing}: which gkmlpt category lists the reports is not known: set params.cat in the "
            "region's registry row, or list the column as …/gkmlpt/index#<category id>"
        )

    def _parse_reply(self, response: Response) -> ListingPage:
        try:
            payload = json.loads(response.body)
        except ValueError as exc:
            raise ListingError(f"{response.url}: the gkmlpt API answered something other than JSON") from exc
        articles = payload.get("articles") if isinstance(payload, dict) else None
        if not isinstance(articles, list):
            raise ListingError(f"{response.url}: the gkmlpt API's JSON has no articles list")
        root = listing_root(response)
        page = ListingPage(listing_url=root)
        for article in articles:
            link = _link(article, response.url)
            if link is None:
                raise ListingError(f"{response.url}: an article without url or title: {str(article)[:200]}")
            if all(link.url != seen.url for seen in page.links):
                page.links.append(link)
        total = payload.get("total")
        if _page_number(response.url) == 1 and isinstance(total, int) and total > len(articles):
            if not articles:
                raise ListingError(f"{response.url}: total {total} but the first page lists no article")
            # The server fixes the page size: the first page shows it.
            pages = math.ceil(total / len(articles))
            sid = _query_value(response.url, "sid")
            path = urlsplit(response.url).path
            page.next_requests.extend(
                api_request(urljoin(response.url, f"{path}?page={n}&sid={sid}"), root)
                for n in range(2, pages + 1)
            )
        return page


def api_url(page_url: str, cat: str, page: int, sid: str) -> str:
    """The API URL beside the page's own `/gkmlpt/` (sites may live under a path)."""
    path = urlsplit(page_url).path
    prefix = path[: path.index(_GKMLPT_DIR)] if _GKMLPT_DIR in path else ""
    return urljoin(page_url, f"{prefix}/gkmlpt/api/all/{cat}?page={page}&sid={sid}")


def api_request(url: str, root: str | None) -> Request:
    return Request(
        url,
        headers={"Accept": "application/json, text/javascript, */*; q=0.01"},
        meta={REPLY_META: True, "listing_root": root},
    )


def publish_date(article: dict[str, Any]) -> dt.date | None:
    """The article's Beijing publication date from its epoch time."""
    for name in TIME_FIELDS:
        value = article.get(name)
        if isinstance(value, str) and value.strip().isdigit():
            value = int(value.strip())
        if isinstance(value, int) and not isinstance(value, bool) and value > 0:
            seconds = value / 1000 if value > _MILLISECONDS else value
            return dt.datetime.fromtimestamp(seconds, BEIJING).date()
    return None


def _link(article: object, base: str) -> ListingLink | None:
    if not isinstance(article, dict):
        return None
    url, title = article.get("url"), article.get("title")
    if not isinstance(url, str) or not url.strip() or not isinstance(title, str):
        return None
    # Titles may carry highlighting markup and entities.
    clean = _WHITESPACE.sub(" ", html_lib.unescape(_TAG.sub("", title))).strip()
    return ListingLink(urljoin(base, url.strip()), clean, publish_date(article))


def _page_number(url: str) -> int:
    value = _query_value(url, "page")
    return int(value) if value.isdigit() else 1


def _query_value(url: str, name: str) -> str:
    for part in urlsplit(url).query.split("&"):
        key, _, value = part.partition("=")
        if key == name:
            return value
    return ""


def _meta(response: Response, key: str) -> object:
    try:
        return response.meta.get(key)
    except AttributeError:  # built without a request
        return None
