"""The Liaoning date-path CMS (盘锦, 盘山): detail pages under their publication date and hour.

Details are `/{YYYY_MM}/{DD_HH}/content-{id}.html`, older ones `/html/{col}/{date}/content-{id}.html`; the
column is a plain static list of `li` rows (link, title attribute, date beside it). Its paging is not
documented, so nothing is computed: each page follows its own 下一页 link (the sample portal's imitation
writes `index.html`, `list-2.html` …, but any file names work). Listing requests are de-duplicated by the
scheduler, so a pager that links back never loops.
"""

from __future__ import annotations

from parsel import Selector
from scrapy import Request
from scrapy.http import Response
from w3lib.html import get_base_url

from crawler.families.base import FamilyAdapter, ListingPage, listing_root, response_text
from crawler.families.pagers import next_page_url


class LiaoningDatepath(FamilyAdapter):
    name = "liaoning_datepath"

    def parse_listing(self, response: Response) -> ListingPage:
        html = response_text(response)
        page = ListingPage()
        self.items_from_html(html, response.url, page)
        following = next_page_url(Selector(text=html), get_base_url(html, response.url))
        if following is not None and following != response.url:
            page.next_requests.append(Request(following, meta={"listing_root": listing_root(response)}))
        return page
