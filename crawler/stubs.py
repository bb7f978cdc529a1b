"""Stub pages: a report URL answering only a meta refresh or a JavaScript redirect.

Portals withdraw a report by replacing its page with such a stub that sends the reader back to the column
(and move pages the same way). A stub has (almost) no text of its own; a real report page that happens to
carry a refresh tag keeps its text and is no stub.
"""

from __future__ import annotations

import re
from typing import Final
from urllib.parse import urljoin

import lxml.etree
import lxml.html
from w3lib.html import get_meta_refresh

# Visible characters a stub may have beside its redirect ("该信息已删除，3秒后返回…" and some chrome).
STUB_TEXT_CHARS: Final[int] = 500
# A refresh slower than this is a page that reloads itself now and then, not a redirect.
MAX_REFRESH_SECONDS: Final[float] = 10.0
_JS_REDIRECT = re.compile(
    r"""(?:(?:window|document|top|self|parent)\s*\.\s*)?location(?:\s*\.\s*href)?\s*=\s*(["'])([^"']+)\1"""
    r"""|location\s*\.\s*(?:replace|assign)\s*\(\s*(["'])([^"']+)\3\s*\)""",
)
_MAY_REDIRECT = re.compile(r"refresh|location", re.I)
_INVISIBLE = ("script", "style", "noscript", "head", "template")
_WHITESPACE = re.compile(r"[\s\u00a0\u3000]+")


def redirect_target(html: str, page_url: str) -> str | None:
    """Where a stub page sends the reader (absolute), or None when the page is not a stub."""
    if not _MAY_REDIRECT.search(html):
        return None  # no refresh, no script redirect: no need to parse the page
    try:
        root = lxml.html.document_fromstring(html)
    except (lxml.etree.ParserError, ValueError):
        return None
    target = _refresh_target(html, page_url) or _script_target(root, page_url)
    if target is None or _visible_chars(root) > STUB_TEXT_CHARS:
        return None
    return target


def _refresh_target(html: str, page_url: str) -> str | None:
    interval, url = get_meta_refresh(html, page_url)
    if url is None or interval is None or interval > MAX_REFRESH_SECONDS:
        return None
    return str(url)


def _script_target(root: lxml.html.HtmlElement, page_url: str) -> str | None:
    for script in root.iter("script"):
        m = _JS_REDIRECT.search(script.text or "")
        if m:
            return urljoin(page_url, (m.group(2) or m.group(4)).strip())
    return None


def _visible_chars(root: lxml.html.HtmlElement) -> int:
    """Characters a reader would see (whitespace aside); mutates `root`, which is ours alone."""
    for element in list(root.iter(*_INVISIBLE)):
        if element.getparent() is not None:
            element.drop_tree()  # keeps the tail: text after a <script> is visible
    return len(_WHITESPACE.sub("", root.text_content()))
