"""Scrapy's downloader, holding CONCURRENT_REQUESTS_PER_DOMAIN under the asyncio reactor.

Scrapy 2.19 hands each request leaving a slot's queue to an asyncio task and counts it as transferring only
once that task runs. Requests reaching the same slot in one turn of the event loop (a listing's report
links, after the async downloader middlewares) therefore all see free transfer slots and all start: a
host got six requests at once with a limit of two (tests/test_politeness.py measures it). Here a request
counts as transferring from the moment the queue hands it over.
"""

from __future__ import annotations

from collections.abc import Coroutine
from typing import Any

from scrapy.core.downloader import Downloader, Slot
from scrapy.http import Request
from twisted.internet.defer import Deferred


class PoliteDownloader(Downloader):
    def _wait_for_download(  # type: ignore[override]
        self, slot: Slot, request: Request, queue_dfd: Deferred[Any]
    ) -> Coroutine[Any, Any, None]:
        # Not a coroutine function: this runs inside the slot's queue loop, before the loop looks at
        # the free transfer slots again. The download itself adds the request once more (a set) and
        # removes it when done.
        slot.transferring.add(request)
        return super()._wait_for_download(slot, request, queue_dfd)
