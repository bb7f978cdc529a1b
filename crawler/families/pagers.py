"""Pager links and forms shared by the HTML families: the "next page" link a listing page prints
(下一页 / 下页 / 后页), and the fields a browser would submit with a form (search modules, ASP.NET postbacks).

Following the pager's own link is preferred to computing page URLs (portal-families.md): it survives
renumbering, odd file names and query-string pagers alike. Not an adapter module: nothing here registers.
"""

from __future__ import annotations

import re
from urllib.parse import urljoin

from parsel import Selector

from parsers.normalize import normalize_text

# Link texts of the next-page control, after normalisation (下一頁 → 下一页); '>' and '»' as drawn by themes.
NEXT_TEXTS = frozenset({"下一页", "下页", "后页", "后一页", "下一页>", "下一页>>", "next", ">", "»", ">>"})
_BRACKETS = re.compile(r"^[\[【(（<\s]+|[\]】)）\s]+$")
_NOT_A_TARGET = ("javascript:", "mailto:", "#")


def link_text(anchor: Selector) -> str:
    text = normalize_text(" ".join(anchor.css("::text").getall())).strip()
    return _BRACKETS.sub("", text).strip().lower()


def next_page_url(selector: Selector, base_url: str) -> str | None:
    """The absolute URL of the page's next-page link, or None on the last page (or a page without pager).

    A javascript: link (a postback, an ajax pager) is not a URL: such pagers are read by their family.
    """
    for anchor in selector.css("a[href]"):
        if link_text(anchor) not in NEXT_TEXTS:
            continue
        href = (anchor.attrib.get("href") or "").strip()
        if href and not href.lower().startswith(_NOT_A_TARGET):
            return urljoin(base_url, href)
    return None


def form_fields(form: Selector) -> dict[str, str]:
    """The values a browser submits with `form` when no button is pressed: its inputs other than buttons
    (checkboxes and radios only when checked), in document order."""
    fields: dict[str, str] = {}
    for field in form.css("input[name]"):
        kind = (field.attrib.get("type") or "text").lower()
        if kind in ("button", "submit", "reset", "image", "file"):
            continue
        if kind in ("checkbox", "radio") and "checked" not in field.attrib:
            continue
        fields[field.attrib["name"]] = field.attrib.get("value") or ""
    return fields
