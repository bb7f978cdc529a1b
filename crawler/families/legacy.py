"""Legacy shells: old columns whose list sits behind a shell instead of a known CMS pager.

A shell is one of these mechanics (portal-families.md, family 10); a page may show several:

- `redirect`: a stub page whose only job is a JavaScript redirect (`window.location.href='…'`,
  `location.replace('…')`) or a meta refresh to the real listing; followed when the stub has (almost) no
  text of its own (crawler/stubs.py decides, as it does for withdrawn report pages).
- `iframe`: the list is a same-host `<iframe src=…>` inside the column page; other hosts' iframes are
  widgets (statistics, 找错) and ignored.
- `year_folders`: an index linking one folder per year (`gknb2017/`, `2024n/`); each folder is a listing.
  The folder shape is the param `year_folder_pattern` (a regex on the URL path), by default names ending in
  a year with an optional `n`/`nd`.
- `aspnet`: an ASP.NET WebForms list (`xxgk_list.aspx?…&id=ndxxgkbg`) paged by postbacks: the 下一页 link is
  `javascript:__doPostBack('target','argument')`, i.e. a POST of the page's form (`__VIEWSTATE`,
  `__EVENTVALIDATION` …) with `__EVENTTARGET`/`__EVENTARGUMENT` set. Each page posts for the next one with
  its own view state, as a browser does.

Whatever the shell, each page's rows (`item_selector`, default `li`) are report candidates and a plain
下一页 link is followed. Region params: `shell` names the shells the column uses (a string or a list;
default: all, detected by markup); a declared shell missing from the registry's page is an error, since the
site has changed.
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import urljoin, urlsplit

from parsel import Selector
from scrapy import FormRequest, Request
from scrapy.http import Response
from w3lib.html import get_base_url

from crawler.families.base import FamilyAdapter, ListingError, ListingPage, listing_root, response_text
from crawler.families.pagers import NEXT_TEXTS, form_fields, link_text, next_page_url
from crawler.stubs import redirect_target

SHELLS = ("redirect", "iframe", "year_folders", "aspnet")
DEFAULT_YEAR_FOLDER = r"/[A-Za-z_]*(?:19|20)\d{2}(?:n|nd)?/(?:index(?:_\d+)?\.s?html?)?$"

_POSTBACK = re.compile(r"""__doPostBack\(\s*'([^']*)'\s*,\s*'([^']*)'\s*\)""")
_INDEX_FILE = re.compile(r"/index(?:_\d+)?\.s?html?$")


class Legacy(FamilyAdapter):
    name = "legacy"

    def __init__(self, region: Any) -> None:
        super().__init__(region)
        declared = self.params.get("shell")
        shells = [declared] if isinstance(declared, str) else list(declared or SHELLS)
        unknown = [s for s in shells if s not in SHELLS]
        if unknown:
            raise ValueError(f"region {region.label}: unknown legacy shell(s) {unknown}; known: {SHELLS}")
        self.shells: tuple[str, ...] = tuple(shells)
        self.declared = declared is not None
        self.year_folder = re.compile(str(self.params.get("year_folder_pattern") or DEFAULT_YEAR_FOLDER))

    def parse_listing(self, response: Response) -> ListingPage:
        html = response_text(response)
        selector = Selector(text=html)
        base = get_base_url(html, response.url)
        root = listing_root(response)
        page = ListingPage()
        found: set[str] = set()

        def follow(url: str) -> None:
            if url != response.url and all(url != r.url for r in page.next_requests):
                page.next_requests.append(Request(url, meta={"listing_root": root}))

        if "redirect" in self.shells:
            target = redirect_target(html, base)
            if target is not None:
                found.add("redirect")
                follow(target)
                return page  # a stub has nothing else
        self.items_from_html(html, response.url, page)
        if "iframe" in self.shells:
            for url in same_host_frames(selector, base, response.url):
                found.add("iframe")
                follow(url)
        if "year_folders" in self.shells:
            for url in self.year_folders(selector, base, response.url):
                found.add("year_folders")
                follow(url)
        if "aspnet" in self.shells and selector.css("input[name=__VIEWSTATE]"):
            found.add("aspnet")
            postback = next_postback(selector, base, response.url, root)
            if postback is not None:
                page.next_requests.append(postback)
        following = next_page_url(selector, base)
        if following is not None:
            follow(following)
        if self.declared and response.url == root and not found:
            raise ListingError(
                f"{response.url}: declared legacy shell(s) {', '.join(self.shells)} not found on the page"
            )
        return page

    def year_folders(self, selector: Selector, base: str, page_url: str) -> list[str]:
        """Links to other year folders of the same host (a folder's own pager and crumbs are not)."""
        host = urlsplit(page_url).netloc
        own = _folder_of(page_url)
        urls: dict[str, str] = {}  # folder -> the first link to it
        for href in selector.css("a[href]::attr(href)").getall():
            url = urljoin(base, href.strip()).split("#", 1)[0]
            parts = urlsplit(url)
            if parts.netloc == host and self.year_folder.search(parts.path) and _folder_of(url) != own:
                urls.setdefault(_folder_of(url), url)
        return list(urls.values())


def same_host_frames(selector: Selector, base: str, page_url: str) -> list[str]:
    host = urlsplit(page_url).netloc
    urls: list[str] = []
    for src in selector.css("iframe::attr(src), frame::attr(src)").getall():
        src = src.strip()
        if not src or src.lower().startswith(("javascript:", "about:")):
            continue
        url = urljoin(base, src)
        if urlsplit(url).netloc == host and url not in urls:
            urls.append(url)
    return urls


def next_postback(selector: Selector, base: str, page_url: str, root: str) -> FormRequest | None:
    """The POST a browser makes for the 下一页 postback link of an ASP.NET page, or None on the last page."""
    for anchor in selector.css("a[href]"):
        m = _POSTBACK.search(anchor.attrib.get("href") or "")
        if m is None or link_text(anchor) not in NEXT_TEXTS:
            continue
        form = selector.xpath("//form[.//input[@name='__VIEWSTATE']]")
        if not form:
            raise ListingError(f"{page_url}: a __doPostBack pager outside any form holding __VIEWSTATE")
        action = urljoin(base, form[0].attrib.get("action") or page_url)
        fields = form_fields(form[0]) | {"__EVENTTARGET": m.group(1), "__EVENTARGUMENT": m.group(2)}
        return FormRequest(action, formdata=fields, meta={"listing_root": root})
    return None


def _folder_of(url: str) -> str:
    """A listing URL without its page file: `…/2024n/index_1.html` and `…/2024n/` are one folder."""
    parts = urlsplit(url)
    return parts._replace(path=_INDEX_FILE.sub("/", parts.path), query="", fragment="").geturl()
