"""What a spider yields: one fetched document with its provenance.

A plain dataclass (Scrapy accepts dataclass items) so the store and tests use it without Scrapy.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass, field
from typing import Literal

DocumentRole = Literal["report", "attachment"]
# What the bytes are, by link text, Content-Type and Content-Disposition (crawler/attachments.py decides).
FileKind = Literal["pdf", "doc", "docx", "wps", "xls", "xlsx", "image", "html", "other"]


@dataclass
class FetchedDocument:
    region_code: str  # the registry region whose listing led here
    listing_url: str  # the listing page the link was found on
    url: str  # the link as found (absolute)
    final_url: str  # after redirects
    status: int  # HTTP status of the final response
    content_type: str | None  # Content-Type header as sent (None if absent)
    fetched_at: dt.datetime  # UTC, timezone-aware
    body: bytes
    listing_title: str = ""  # link text on the listing
    listing_date: dt.date | None = None  # publish date printed next to the link
    page_date: dt.date | None = None  # publish date seen on the page itself (meta or 发布日期 block)
    role: DocumentRole = "report"
    encoding: str | None = None  # the charset the crawler decoded the page with, if HTML
    parent_url: str | None = None  # for attachments: the report page that links them
    kind: FileKind = "html"
    file_name: str | None = None  # a file's own name (Content-Disposition, else link text), if it has one
    sha256: str = field(default="")
    # A report page's companions, fetched before the page is handed on: the pictures in its body and the
    # files it links, in page order, each a role "attachment" document of its own. The parse reads the
    # tables a page lacks from them; the pipelines keep and store them after the page.
    companions: list[FetchedDocument] = field(default_factory=list)
    # Companions that could not be fetched, "URL: reason" (each is a recorded failure too).
    companion_failures: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        if not self.sha256:
            self.sha256 = hashlib.sha256(self.body).hexdigest()
