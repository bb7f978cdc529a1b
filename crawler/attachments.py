"""Attachments of report pages: which links are files, and what each fetched file is.

Recognition (before fetching, from the report page): anchors in the page's body container or in its 附件
block whose link text or address names a file (…pdf, …docx) or points at a download endpoint
(downfile.jsp, download.jsp, /attachment/…), and the images inside the body container (tables published as
pictures, 图片版).

Classification (after fetching): the Content-Disposition file name, the Content-Type, the link text, and
only then the bytes' magic numbers — never the URL's suffix: Boda VSB download URLs have none, gkmlpt's
`/attachment/0/a/b/{id}.pdf` names whatever the server stored, Hanweb's `downfile.jsp` answers 302.
Pure functions on strings and bytes: no Scrapy here.
"""

from __future__ import annotations

import email.header
import posixpath
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Final, Literal
from urllib.parse import parse_qsl, unquote, unquote_to_bytes, urljoin, urlsplit, urlunsplit

import lxml.etree
import lxml.html

from crawler.items import FileKind
from parsers.document import body_container

AttachmentSource = Literal["link", "image"]

# File name extension → kind, for the names servers and link texts give (not for URL suffixes).
EXTENSION_KINDS: Final[dict[str, FileKind]] = {
    "pdf": "pdf",
    "doc": "doc",
    "docx": "docx",
    "wps": "wps",
    "xls": "xls",
    "xlsx": "xlsx",
    "et": "xls",  # WPS spreadsheets
    "png": "image",
    "jpg": "image",
    "jpeg": "image",
    "gif": "image",
    "bmp": "image",
    "tif": "image",
    "tiff": "image",
    "webp": "image",
    "htm": "html",
    "html": "html",
    "shtml": "html",
}
# Extensions that make a link a file to download (a few kinds stored as "other": OFD, archives).
FILE_EXTENSIONS: Final[frozenset[str]] = frozenset(
    {k for k, v in EXTENSION_KINDS.items() if v != "html"} | {"ofd", "zip", "rar", "7z", "txt", "rtf"}
)
MIME_KINDS: Final[dict[str, FileKind]] = {
    "application/pdf": "pdf",
    "application/x-pdf": "pdf",
    "application/msword": "doc",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": "docx",
    "application/vnd.ms-excel": "xls",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": "xlsx",
    "application/kswps": "wps",
    "application/wps-office.wps": "wps",
    "application/vnd.ms-works": "wps",
    "application/wps-office.et": "xls",
    "text/html": "html",
    "application/xhtml+xml": "html",
}
# Content-Types that say nothing about the file (download servers use them for everything).
_GENERIC_MIMES: Final[frozenset[str]] = frozenset(
    {
        "application/octet-stream",
        "application/force-download",
        "application/x-download",
        "application/download",
        "binary/octet-stream",
        "application/unknown",
        "application/x-msdownload",
        "text/plain",
        "",
    }
)
_DOWNLOAD_ENDPOINT = re.compile(
    r"download|downfile|getfile|fileid|attach|/attachment/|/upload/|/uploadfile/|/P0\d{10,}", re.I
)
_PAGE_SUFFIX = re.compile(r"(?:/|\.(?:s?html?|jhtml|aspx?|php|jsp|do|action))$", re.I)
_NAME_EXTENSION = re.compile(r"\.([A-Za-z0-9]{2,5})\s*[)）\]】]?\s*$")
_BLOCK_LABEL = re.compile(r"^[\s【\[]*(?:相关)?附\s*件(?:下载)?")
_BLOCK_MARKER = re.compile(r"fujian|attach|xgfj|annex|enclosure|(?:^|[\s_-])fj(?:$|[\s_-])", re.I)
_CHROME_MARKER = re.compile(
    r"(?:^|[\s_-])(?:nav|menu|footer|foot|header|head|top|topbar|logo|banner|share|qrcode|ewm|wza|"
    r"breadcrumb|position|location|sidebar|toolbar|print)(?:$|[\s_-])",
    re.I,
)
_ICON_PIXELS = 40  # images declared smaller than this are icons (pdf.gif, bullets), not table pictures
_BLOCK_ANCESTORS = 3  # how far up from an anchor a 附件 label may stand
_NOT_A_TARGET = ("javascript:", "mailto:", "tel:", "#", "data:")
_WHITESPACE = re.compile(r"\s+")
_OLE2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


@dataclass(frozen=True)
class AttachmentLink:
    url: str  # absolute, fragment removed
    text: str  # link text (or the image's alt/title); "" when there is none
    source: AttachmentSource  # an <a> in the body or 附件 block, or an <img> in the body


# ---------------------------------------------------------------------------------------------
# Recognition
# ---------------------------------------------------------------------------------------------


def find_attachments(html: str, page_url: str) -> list[AttachmentLink]:
    """The files a report page links (body container or 附件 block), then the images in its body; each URL
    once, in page order."""
    try:
        root = lxml.html.document_fromstring(html)
    except (lxml.etree.ParserError, ValueError):
        return []  # an empty or undecodable page links nothing
    base = _base_url(root, page_url)
    container = body_container(root)
    found: dict[str, AttachmentLink] = {}
    page = _strip_fragment(page_url)
    for anchor in root.iter("a"):
        href = (anchor.get("href") or "").strip()
        if not href or href.lower().startswith(_NOT_A_TARGET):
            continue
        in_body = _within(anchor, container)
        in_block = _in_attachment_block(anchor)
        if not (in_body or in_block):
            continue
        url = _strip_fragment(urljoin(base, href))
        text = _collapse(anchor.text_content()) or _collapse(anchor.get("title") or "")
        if url == page or not url.startswith(("http://", "https://")):
            continue
        if looks_like_file(url, text) or (in_block and not _looks_like_page(url)):
            found.setdefault(url, AttachmentLink(url, text, "link"))
    for image in container.iter("img"):
        src = (image.get("src") or image.get("data-src") or "").strip()
        if not src or src.lower().startswith(_NOT_A_TARGET) or _is_icon(image) or _in_chrome(image):
            continue
        url = _strip_fragment(urljoin(base, src))
        if url.startswith(("http://", "https://")):
            text = _collapse(image.get("alt") or image.get("title") or "")
            found.setdefault(url, AttachmentLink(url, text, "image"))
    return list(found.values())


def looks_like_file(url: str, text: str) -> bool:
    """A link to a file: its text or address names a file extension, or it points at a download endpoint."""
    parts = urlsplit(url)
    if _extension(text) in FILE_EXTENSIONS or _extension(unquote(parts.path)) in FILE_EXTENSIONS:
        return True
    if any(_extension(value) in FILE_EXTENSIONS for _, value in parse_qsl(parts.query)):
        return True
    return bool(_DOWNLOAD_ENDPOINT.search(parts.path + "?" + parts.query))


def _looks_like_page(url: str) -> bool:
    parts = urlsplit(url)
    return bool(_PAGE_SUFFIX.search(parts.path or "/")) and not _DOWNLOAD_ENDPOINT.search(
        parts.path + "?" + parts.query
    )


def _within(element: lxml.html.HtmlElement, container: lxml.html.HtmlElement) -> bool:
    return element is container or any(a is container for a in element.iterancestors())


def _in_attachment_block(anchor: lxml.html.HtmlElement) -> bool:
    """Inside a 附件 block: an ancestor marked as one (class/id fujian, attach…), or whose text opens with the
    label 附件, or a block right after a 附件 label of its own."""
    for depth, ancestor in enumerate(anchor.iterancestors()):
        if depth >= _BLOCK_ANCESTORS or ancestor.tag in ("body", "html"):
            break
        marker = f"{ancestor.get('class', '')} {ancestor.get('id', '')}"
        if _BLOCK_MARKER.search(marker) or _BLOCK_LABEL.match(ancestor.text_content()):
            return True
        previous = ancestor.getprevious()
        if previous is not None and isinstance(previous.tag, str):
            label = _collapse(previous.text_content())
            if _BLOCK_LABEL.match(label) and len(label) <= 8:
                return True
    return False


def _is_icon(image: lxml.html.HtmlElement) -> bool:
    for attr in ("width", "height"):
        value = (image.get(attr) or "").strip().removesuffix("px")
        if value.isdigit() and int(value) < _ICON_PIXELS:
            return True
    return False


def _in_chrome(element: lxml.html.HtmlElement) -> bool:
    for ancestor in element.iterancestors():
        marker = f"{ancestor.get('class', '')} {ancestor.get('id', '')}"
        if marker.strip() and _CHROME_MARKER.search(marker):
            return True
    return False


def _base_url(root: lxml.html.HtmlElement, page_url: str) -> str:
    for base in root.iter("base"):
        href = (base.get("href") or "").strip()
        if href:
            return urljoin(page_url, href)
    return page_url


# ---------------------------------------------------------------------------------------------
# Classification
# ---------------------------------------------------------------------------------------------


def identify(
    *,
    content_type: str | None,
    content_disposition: bytes | None,
    link_text: str,
    urls: Sequence[str],
    body: bytes,
) -> tuple[FileKind, str | None]:
    """(kind, file name) of a fetched file. The name: Content-Disposition's, else the link text when it
    names a file, else a `showname`/`filename` query value or the last segment of one of `urls` (the link,
    then where it redirected) when they do."""
    disposed = content_disposition_filename(content_disposition) if content_disposition else None
    name = disposed or next(filter(None, (_file_name_from(link_text, url) for url in urls)), None)
    return classify(content_type, disposed, link_text, body), name


def classify(content_type: str | None, disposition_name: str | None, link_text: str, body: bytes) -> FileKind:
    """What a file is: the server's file name, then its Content-Type, then the link text, then the magic
    numbers of the bytes. A binary kind whose bytes are an HTML page is "html" (an error page served 200)."""
    kind = _kind_of_name(disposition_name) or _kind_of_mime(content_type) or _kind_of_name(link_text)
    sniffed = _sniff(body)
    if kind is None:
        return sniffed or "other"
    if kind != "html" and sniffed == "html":
        return "html"
    return kind


def content_disposition_filename(value: bytes) -> str | None:
    """The file name a Content-Disposition header gives: RFC 5987 `filename*=charset''…` first, then
    `filename=` whether percent-encoded, RFC 2047-encoded, or raw UTF-8 or GBK bytes (all seen on portals)."""
    params = _header_params(value.decode("latin-1"))
    extended = params.get("filename*")
    if extended:
        charset, _, rest = extended.partition("'")
        _language, _, encoded = rest.partition("'")
        if encoded:
            name = _decode_bytes(unquote_to_bytes(encoded), charset or "utf-8")
            if name:
                return _basename(name)
    plain = params.get("filename")
    if not plain:
        return None
    if plain.startswith("=?") and plain.endswith("?="):
        parts = email.header.decode_header(plain)
        return _basename(
            "".join(_decode_bytes(b, c or "utf-8") if isinstance(b, bytes) else b for b, c in parts)
        )
    raw = plain.encode("latin-1")
    if re.search(rb"%[0-9A-Fa-f]{2}", raw):
        raw = unquote_to_bytes(raw)
    return _basename(_decode_bytes(raw, None))


def _decode_bytes(raw: bytes, charset: str | None) -> str:
    """Bytes of a file name: the named charset, else UTF-8, else GB18030 (GBK's superset), else Latin-1."""
    for codec in (charset, "utf-8", "gb18030"):
        if not codec:
            continue
        try:
            return raw.decode(codec)
        except (UnicodeDecodeError, LookupError):
            continue
    return raw.decode("latin-1")


def _header_params(value: str) -> dict[str, str]:
    """`attachment; filename="a;b.pdf"; filename*=UTF-8''…` → {"filename": "a;b.pdf", "filename*": …}."""
    params: dict[str, str] = {}
    for m in re.finditer(r';\s*([^\s=;]+)\s*=\s*("(?:[^"\\]|\\.)*"|[^;]*)', ";" + value.split(";", 1)[-1]):
        name, raw = m.group(1).lower(), m.group(2).strip()
        if raw.startswith('"') and raw.endswith('"') and len(raw) >= 2:
            raw = re.sub(r"\\(.)", r"\1", raw[1:-1])
        params.setdefault(name, raw)
    return params


def _basename(name: str) -> str | None:
    name = name.replace("\\", "/").rsplit("/", 1)[-1].strip().strip('"')
    return name or None


def _file_name_from(link_text: str, url: str) -> str | None:
    if _extension(link_text) in FILE_EXTENSIONS:
        return _basename(link_text)
    parts = urlsplit(url)
    query = {key.lower(): value for key, value in parse_qsl(parts.query)}
    # Hanweb's downfile.jsp carries the stored name (hex) in filename= and the real one in showname=.
    for key in ("showname", "filename", "name", "fname"):
        if _extension(query.get(key, "")) in FILE_EXTENSIONS:
            return _basename(query[key])
    last = unquote(posixpath.basename(parts.path))
    return last if _extension(last) in FILE_EXTENSIONS else None


def _extension(name: str) -> str | None:
    m = _NAME_EXTENSION.search(name or "")
    return m.group(1).lower() if m else None


def _kind_of_name(name: str | None) -> FileKind | None:
    return EXTENSION_KINDS.get(_extension(name or "") or "")


def _kind_of_mime(content_type: str | None) -> FileKind | None:
    mime = (content_type or "").split(";")[0].strip().lower()
    if mime in _GENERIC_MIMES:
        return None
    if mime.startswith("image/"):
        return "image"
    return MIME_KINDS.get(mime)


def _sniff(body: bytes) -> FileKind | None:
    head = body[:2048].lstrip()
    if head.startswith(b"%PDF"):
        return "pdf"
    if head.startswith((b"\x89PNG", b"\xff\xd8\xff", b"GIF8", b"BM", b"II*\x00", b"MM\x00*")) or (
        head.startswith(b"RIFF") and head[8:12] == b"WEBP"
    ):
        return "image"
    if head.startswith(b"PK\x03\x04"):
        # OOXML names its parts near the start: word/… or xl/…
        window = body[:65536]
        if b"word/" in window:
            return "docx"
        if b"xl/" in window:
            return "xlsx"
        return "other"
    if head.startswith(_OLE2):
        if "WordDocument".encode("utf-16-le") in body:
            return "doc"
        if "Workbook".encode("utf-16-le") in body or "Book".encode("utf-16-le") in body:
            return "xls"
        return "other"
    if re.match(rb"<(?:!doctype\s+html|html|head|body)\b", head, re.I):
        return "html"
    return None


# ---------------------------------------------------------------------------------------------
# Helpers
# ---------------------------------------------------------------------------------------------


def _collapse(text: str) -> str:
    return _WHITESPACE.sub(" ", text).strip()


def _strip_fragment(url: str) -> str:
    return urlunsplit(urlsplit(url)._replace(fragment=""))
