"""Bytes -> Document: charset sniffing, HTML or plain text -> body blocks with page chrome removed.

The body is read into `Line`s and `Grid`s in document order (see parsers.blocks). Government pages put the
report inside a known container (.TRS_Editor, #zoom, …) surrounded by navigation, breadcrumbs, share
buttons and footers; the visible metadata block (发布时间…) often sits outside the container and is kept
apart in `header_text` for parsers.metadata. `load` never raises: unreadable input gives an empty
Document with a warning.
"""

from __future__ import annotations

import codecs
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from operator import itemgetter
from typing import Literal, cast

import charset_normalizer
import lxml.etree
import lxml.html

from parsers.blocks import Block, Grid, Line
from parsers.normalize import normalize_lines, normalize_text

__all__ = [
    "Block",
    "Document",
    "DocumentType",
    "Grid",
    "Line",
    "body_container",
    "decode_html",
    "from_html",
    "is_meta_line",
    "load",
    "sniff_type",
]

Element = lxml.etree._Element
DocumentType = Literal["html", "text", "pdf", "docx", "doc", "image", "binary", "empty"]


@dataclass
class Document:
    blocks: list[Block]  # the body, page chrome removed
    raw_text: str  # the body text before normalisation (for script detection)
    title: str | None  # ArticleTitle meta, <title>, or the first line; raw
    metas: dict[str, str]  # HTML meta name -> content (ArticleTitle, PubDate, SiteIDCode…)
    encoding: str | None  # the charset used to decode
    warnings: list[str] = field(default_factory=list)
    # The page's visible metadata lines (发布时间: …, 信息提供日期: …), normalised; kept out of `blocks`.
    header_text: str = ""
    type: DocumentType = "html"


def _empty(warning: str, doc_type: DocumentType, encoding: str | None = None) -> Document:
    return Document([], "", None, {}, encoding, [warning], "", doc_type)


# ---------------------------------------------------------------------------------------------
# Type sniffing
# ---------------------------------------------------------------------------------------------

_MAGIC: tuple[tuple[bytes, DocumentType], ...] = (
    (b"%PDF", "pdf"),
    (b"PK\x03\x04", "docx"),  # OOXML (and any zip); told apart later when DOCX support lands
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "doc"),  # OLE2: DOC, WPS, XLS
    (b"\x89PNG", "image"),
    (b"\xff\xd8\xff", "image"),
    (b"GIF8", "image"),
    (b"BM", "image"),
    (b"II*\x00", "image"),
    (b"MM\x00*", "image"),
)
_HTML_SNIFF = re.compile(rb"<\s*(!doctype\s+html|html|head|body|meta|title|div|p|table|br)\b", re.I)


def sniff_type(data: bytes, content_type: str | None = None) -> DocumentType:
    """What the bytes are: magic numbers (servers mislabel attachments), then Content-Type, then tags."""
    head = data[:1024].lstrip()
    if not head:
        return "empty"
    for magic, kind in _MAGIC:
        if head.startswith(magic):
            return kind
    if head.startswith(b"RIFF") and head[8:12] == b"WEBP":
        return "image"
    mime = (content_type or "").split(";")[0].strip().lower()
    if mime in ("text/html", "application/xhtml+xml"):
        return "html"
    if mime == "text/plain":
        return "text"
    if _HTML_SNIFF.search(data[:4096]):
        return "html"
    # NUL bytes do not occur in text in any of the charsets pages use (UTF-16 aside, which has a BOM).
    if b"\x00" in data[:4096] and not head.startswith((b"\xff\xfe", b"\xfe\xff")):
        return "binary"
    return "text"


# ---------------------------------------------------------------------------------------------
# Charset
# ---------------------------------------------------------------------------------------------

_CT_CHARSET = re.compile(r"charset\s*=\s*[\"']?([\w.:-]+)", re.I)
_META_CHARSET = re.compile(rb"<meta[^>]+?charset\s*=\s*[\"']?\s*([\w.:-]+)", re.I)
_BOMS: tuple[tuple[bytes, str], ...] = (
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)
_MAX_DAMAGE = 200  # at most one replaced character in this many
# GB2312 and GBK pages routinely contain characters only GB18030 (their superset) has.
_GB_FAMILY = frozenset({"gb2312", "gbk", "gb18030", "hz", "cp936", "euc_cn", "x-gbk"})


def _codec(name: str) -> str | None:
    try:
        codec = codecs.lookup(name).name
    except LookupError:
        return None
    return "gb18030" if codec in _GB_FAMILY or name.lower() in _GB_FAMILY else codec


def _single_byte(codec: str) -> bool:
    return codec in ("latin-1", "iso8859-1", "cp1252", "ascii") or codec.startswith(("iso8859", "cp125"))


def declared_charset(data: bytes, content_type: str | None) -> str | None:
    """The charset the server (Content-Type) or the page (<meta charset>, http-equiv) declares."""
    if content_type:
        m = _CT_CHARSET.search(content_type)
        if m:
            return m.group(1).lower()
    m2 = _META_CHARSET.search(data[:8192])
    if m2:
        return m2.group(1).decode("ascii", "replace").lower()
    return None


def decode_html(data: bytes, content_type: str | None = None) -> tuple[str, str]:
    """(text, encoding): decode a page whatever its (mis)declaration says.

    Order: a BOM; the bytes being valid UTF-8 (a GBK page is practically never valid UTF-8, while UTF-8 bytes
    often also decode "successfully" as GBK, so a strict UTF-8 success outranks a declaration); the declared
    charset, strictly (single-byte declarations such as iso-8859-1 are ignored: they decode anything and on
    these sites are always wrong); GB18030 (superset of GBK/GB2312); charset-normalizer; UTF-8 with
    replacement characters as the last resort.
    """
    return _decode(data, declared_charset(data, content_type))


def _decode(data: bytes, declared: str | None) -> tuple[str, str]:
    """decode_html, given what declared_charset says (load needs it too: read once)."""
    for bom, name in _BOMS:
        if data.startswith(bom):
            try:
                return data.decode(name), name.replace("-sig", "")
            except UnicodeDecodeError:
                break
    codec = _codec(declared) if declared else None
    if data.isascii():  # every charset pages use reads ASCII alike: keep the declared name
        return data.decode("ascii"), codec if codec and not codec.startswith("utf-16") else "utf-8"
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    if codec and codec != "utf-8" and not _single_byte(codec):
        try:
            return data.decode(codec), codec
        except UnicodeDecodeError:
            pass
    try:
        return data.decode("gb18030"), "gb18030"
    except UnicodeDecodeError:
        pass
    # A page of one charset with a few broken bytes (truncated downloads, pasted fragments): the
    # charset that leaves the fewest replacement characters, if they are rare.
    damaged = min(
        ((data.decode(name, errors="replace"), name) for name in ("utf-8", "gb18030")),
        key=lambda pair: pair[0].count("\ufffd"),
    )
    if damaged[0].count("\ufffd") * _MAX_DAMAGE <= len(damaged[0]):
        return damaged
    best = charset_normalizer.from_bytes(data).best()
    if best is not None:
        return str(best), best.encoding
    return data.decode("utf-8", errors="replace"), "utf-8"


# ---------------------------------------------------------------------------------------------
# Page chrome and the visible metadata block
# ---------------------------------------------------------------------------------------------

# Labels of the visible metadata block printed above or beside the body (normalised forms).
META_LABELS: tuple[str, ...] = (
    "发布时间", "发布日期", "信息提供日期", "发文日期", "成文日期", "生成日期", "更新时间", "公开日期",
    "索引号", "发布机构", "发文机关", "信息来源", "来源", "时效性", "主题分类", "文号", "发文字号",
    "浏览次数", "点击数", "访问量", "阅读次数", "作者", "时间", "日期",
)
_META_LINE = re.compile(
    r"^\s*[\[【(]?\s*(?:" + "|".join(META_LABELS) + r")\s*[:：]\s*\S", re.I
)
_META_LINE_MAX = 160

# Whole lines that are page furniture (after removing | separators and brackets).
_CHROME_TOKENS = frozenset({
    "打印此页", "关闭窗口", "打印本页", "关闭本页", "打印", "关闭", "打印页面", "关闭页面", "返回顶部",
    "扫一扫在手机打开当前页", "扫一扫在手机上打开当前页", "分享到", "分享", "收藏", "繁體版", "繁体版",
    "简体版", "无障碍", "长者版", "网站地图", "字体", "字号", "大", "中", "小", "默认", "保存", "上一篇",
    "下一篇", "微信", "微博", "QQ空间", "QQ", "[]", "【】", "返回", "顶部", "纠错", "我要纠错", "相关链接",
    "视力保护色",
})
_CHROME_TOKEN_SPLIT = re.compile(r"[\s|｜:：\[\]【】()（）,，/·>＞]+")
# Text made only of the characters of chrome tokens and separators: a line with any other character
# has a token that is not chrome, so most lines are told apart without splitting them.
_CHROME_ONLY = re.compile(
    "(?:[" + "".join(sorted({re.escape(ch) for t in _CHROME_TOKENS for ch in t})) + "]|"
    + _CHROME_TOKEN_SPLIT.pattern + ")+"
)
_BREADCRUMB = re.compile(r"^\s*(当前位置|您的位置|您现在的位置|你的位置|你现在的位置|所在位置)\s*[:：]?")
_FOOTER = re.compile(r"主办单位|承办单位|版权所有|ICP备|网站标识码|公网安备|技术支持\s*[:：]")
_META_BLOCK_WITHIN = 300  # body characters before which a 发布时间: line is the page's metadata block
_FOOTER_AFTER = 20  # body characters before a footer line means the page's end, not a site banner
_PIPE_RUN = re.compile(r"\s*\|(?:\s*\|){9,}\s*")  # layout-table residue; a real table row has ≤ 10 cells


def is_meta_line(text: str) -> bool:
    """A short line of the visible metadata block (发布时间: …), not report text."""
    return len(text) <= _META_LINE_MAX and bool(_META_LINE.match(text))


def _is_chrome(text: str) -> bool:
    stripped = text.strip(" |")
    if not stripped:
        return False
    if _BREADCRUMB.match(stripped) and len(stripped) <= 120:
        return True
    if len(stripped) <= 60 and _CHROME_ONLY.fullmatch(stripped):
        tokens = [t for t in _CHROME_TOKEN_SPLIT.split(stripped) if t]
        if tokens and all(t in _CHROME_TOKENS for t in tokens):
            return True
    return False


def _is_footer(text: str) -> bool:
    return len(text) <= 200 and bool(_FOOTER.search(text))


_SITE_ID_CODE = re.compile(r"网站标识码\s*[:：]?\s*([0-9A-Za-z]{10})")
_SITE_ID_LABEL = "网站标识码"
_PIPE_RUN_MIN = 10  # _PIPE_RUN needs this many '|'

# What a line is, by its text alone (the sink's state decides the rest).
_BODY, _FOOTER_LINE, _CHROME_LINE, _META = range(4)


# What a line of text is, by its text alone: (raw, line, site_id, kind, plain, length) — the raw text
# as kept; the body Line (normalised text; Lines are immutable, so one per distinct text serves every
# document); the 网站标识码 found in it; its kind; whether it is a body line with no 网站标识码
# (appended as it is, whatever else the sink holds); len(line.text). A plain tuple: built in C, read by
# unpacking and itemgetter (a NamedTuple's constructor is Python code, run for every new line).
_Judged = tuple[str, Line, str | None, int, bool, int]


# None for a line with no text.
_Verdict = _Judged | None
# Page lines and cells recur (navigation, table labels, figures): what is read from them is memoised.
# Long texts are prose, which does not recur: they are not (the bounds keep the memos to a few MB).
_MEMO_MAX_LEN = 256
_MEMO_ENTRIES = 16384


def _line_verdict(raw_text: str) -> _Verdict:
    if raw_text.count("|") >= _PIPE_RUN_MIN:
        raw_text = _PIPE_RUN.sub(" ", raw_text)
    raw_text = raw_text.strip()
    if not raw_text:
        return None
    return _judge(raw_text, normalize_text(raw_text))


_line_verdict_cached = lru_cache(maxsize=_MEMO_ENTRIES)(_line_verdict)


def _markup_verdict(text: str) -> _Verdict:
    """The verdict on text gathered from markup, whose whitespace runs count as one space (split() and
    _WS agree on what whitespace is: str.isspace())."""
    return _line_verdict(" ".join(text.split()))


def _judge(raw_text: str, normalised: str) -> _Verdict:
    """_line_verdict's verdict on raw_text (pipe runs removed and stripped) given its normalised text."""
    text = normalised.strip()
    if not raw_text or not text:
        return None
    site_id = _SITE_ID_CODE.search(text) if _SITE_ID_LABEL in text else None
    if _is_footer(text):
        kind = _FOOTER_LINE
    elif _is_chrome(text):
        kind = _CHROME_LINE
    elif is_meta_line(text):
        kind = _META
    else:
        kind = _BODY
    code = site_id.group(1) if site_id else None
    return raw_text, Line(text), code, kind, kind == _BODY and code is None, len(text)


def _markup_verdicts(texts: list[str]) -> list[_Verdict]:
    """[_markup_verdict(text) for text in texts], the texts normalised together (normalize_lines): one call
    into OpenCC and one translation pass for a page's new lines instead of one per line."""
    raws = [" ".join(text.split()) for text in texts]
    raws = [
        (_PIPE_RUN.sub(" ", raw) if raw.count("|") >= _PIPE_RUN_MIN else raw).strip() for raw in raws
    ]
    return list(map(_judge, raws, normalize_lines(raws)))


# In the memo a text run without text has this verdict (not None), so that every verdict is a tuple to
# read fields from by itemgetter; `add` ignores it.
_NO_TEXT: _Judged = ("", Line(""), None, -1, False, 0)
_VERDICT = itemgetter(0)
_RAW, _LINE, _SITE_ID, _PLAIN, _LENGTH = (itemgetter(n) for n in (0, 1, 2, 4, 5))


def _new_slot(text: str) -> list[_Judged]:
    """An empty place for the verdict on `text`, filled by the page that first meets the text."""
    return []


# The memo of verdicts on text runs from markup: a page's runs not met before are judged together.
_verdict_slot = lru_cache(maxsize=_MEMO_ENTRIES)(_new_slot)


@dataclass
class _LineSink:
    """Collects body lines and, separately, metadata lines and the raw text."""

    lines: list[Block] = field(default_factory=list)
    raw: list[str] = field(default_factory=list)
    header: list[str] = field(default_factory=list)
    footer_codes: list[str] = field(default_factory=list)
    in_footer: bool = False
    body_chars: int = 0

    def add_line(self, raw_text: str) -> None:
        short = len(raw_text) <= _MEMO_MAX_LEN
        self.add(_line_verdict_cached(raw_text) if short else _line_verdict(raw_text))

    def add_markup_texts(self, texts: list[str]) -> None:
        """Text runs gathered from HTML, in order: whitespace runs collapse to one space, ends are stripped.
        The runs met before have their verdict in the memo, the others are judged together; then each
        stretch of plain body lines (most of a page) is added at once, by itemgetter over the verdicts, and
        only the lines between them go through `add`."""
        slot_of = _verdict_slot
        # Long texts are prose, which does not recur: not memoised (the bound keeps the memo to a few MB).
        slots = [slot_of(text) if len(text) <= _MEMO_MAX_LEN else [] for text in texts]
        new = [(text, slot) for text, slot in zip(texts, slots, strict=True) if not slot]
        if new:
            for (_, slot), verdict in zip(new, _markup_verdicts([text for text, _ in new]), strict=True):
                if not slot:  # a text twice on the page has one slot
                    slot.append(_NO_TEXT if verdict is None else verdict)
        verdicts: list[_Judged] = list(map(_VERDICT, slots))
        plain: list[bool] = list(map(_PLAIN, verdicts))
        at, end = 0, len(verdicts)
        while at < end:
            if self.in_footer:  # only the footer's site codes are still read
                self.footer_codes.extend(filter(None, map(_SITE_ID, verdicts[at:])))
                return
            try:
                stop = plain.index(False, at)
            except ValueError:
                stop = end
            if stop > at:
                stretch = verdicts[at:stop]
                self.lines.extend(map(_LINE, stretch))
                self.raw.extend(map(_RAW, stretch))
                self.body_chars += sum(map(_LENGTH, stretch))
            if stop < end:
                self.add(verdicts[stop])
            at = stop + 1

    def add(self, verdict: _Verdict) -> None:
        if verdict is None or verdict is _NO_TEXT:
            return
        raw, line, site_id, kind, _, _ = verdict
        if site_id:
            self.footer_codes.append(site_id)
        if self.in_footer:
            return
        if kind == _FOOTER_LINE:
            # Past the first footer line at the end of a page only more footer follows (contact lines).
            self.in_footer = self.body_chars > _FOOTER_AFTER
            return
        if kind == _CHROME_LINE:
            return
        if kind == _META and not self._has_body_text():
            self.header.append(line.text)
            return
        self.lines.append(line)
        self.raw.append(raw)
        self.body_chars += len(line.text)

    def add_grid(self, rows: list[list[str]], raw_cells: list[str]) -> None:
        if self.in_footer or not rows:
            return
        self.lines.append(Grid(rows))
        self.raw.extend(raw_cells)

    def _has_body_text(self) -> bool:
        # The metadata block precedes the report text; a 时间: line deep in the body is text.
        return self.body_chars > _META_BLOCK_WITHIN


# ---------------------------------------------------------------------------------------------
# Plain text
# ---------------------------------------------------------------------------------------------


def _load_text(text: str, encoding: str | None, warnings: list[str]) -> Document:
    sink = _LineSink()
    for raw_line in text.splitlines():
        sink.add_line(raw_line)
    blocks = sink.lines
    title = next((b.text for b in blocks if isinstance(b, Line) and b.text.strip(" |")), None)
    metas: dict[str, str] = {}
    if sink.footer_codes:
        metas["SiteIDCode"] = sink.footer_codes[0]
    if not blocks:
        warnings.append("empty document: no text found")
    header = "\n".join(sink.header)
    return Document(blocks, "\n".join(sink.raw), title, metas, encoding, warnings, header, "text")


# ---------------------------------------------------------------------------------------------
# HTML
# ---------------------------------------------------------------------------------------------

_BODY_CONTAINERS: tuple[tuple[str, str], ...] = (
    ("class", "TRS_Editor"),
    ("id", "zoom"),
    ("id", "ivs_content"),
    ("class", "xxgk_content"),
    ("class", "zw-content"),
    ("class", "article-content"),
    ("id", "zoomcon"),
    ("class", "v_news_content"),  # Boda VSB, inside #vsb_content
    ("class", "j-fontContent"),  # the public/column platform (Anhui, Hunan, …)
    ("class", "article"),
)
_DROP_TAGS = frozenset({
    "script", "style", "noscript", "template", "iframe", "object", "embed", "svg", "canvas", "nav",
    "select", "option", "button", "input", "textarea", "head", "map", "audio", "video",
})  # not <form>: ASP.NET pages wrap the whole page in one
_CHROME_ATTR = re.compile(
    r"(^|[\s_-])(nav|navbar|menu|breadcrumb|crumbs?|position|location|share|bdshare|footer|foot|"
    r"copyright|print|toolbar|sidebar|topbar|header-top|wza|fontsize|font-size|qrcode|ewm)($|[\s_-])",
    re.I,
)
_BLOCK_TAGS = frozenset({
    "p", "div", "h1", "h2", "h3", "h4", "h5", "h6", "li", "ul", "ol", "dl", "dt", "dd", "section",
    "article", "header", "footer", "aside", "blockquote", "pre", "center", "tr", "td", "th", "caption",
    "table", "tbody", "thead", "tfoot", "hr", "address", "figure", "figcaption", "main", "body",
})
_WORD_CONDITIONALS = (
    # downlevel-hidden Word blocks (<xml>, VML): wholly invisible
    re.compile(r"<!--\[if [^\]]*\]>.*?<!\[endif\]-->", re.S | re.I),
    # downlevel-revealed markers: drop the markers, keep what they wrap (list numbers are visible text)
    re.compile(r"<!--\[if [^\]]*\]-->|<!--\[endif\]-->|<!\[if [^\]]*\]>|<!\[endif\]>", re.I),
)
_XML_DECL = re.compile(r"^\s*<\?xml[^>]*\?>", re.I)
_WS = re.compile(r"[\s\u00a0\u3000]+")
_NUMERIC_CELL = re.compile(r"^[+-]?\d+(?:[.,]\d+)?%?$")
_LAYOUT_CELL_CHARS = 100  # a data table's cells are labels and numbers, never paragraphs
_PARAGRAPH_CELL_CHARS = 300  # …so a cell this long is page layout even beside a number (浏览次数: 12)
_CHROME_WIDGET_CHARS = 400  # a class that says "share"/"footer" on more text than this is not a widget


# The page is parsed with lxml's plain HTML parser: the same libxml2 tree lxml.html builds, without
# lxml.html's per-element class lookup in Python (a measurable share of the parse on every page).
_HTML_PARSER = lxml.etree.HTMLParser()
_CELL_TAGS = ("td", "th")
_XML_NAME = re.compile(r"^[A-Za-z_][\w.-]*$")


def _parse_html(text: str) -> Element:
    """lxml.html.document_fromstring without the lxml.html element classes."""
    root = lxml.etree.fromstring(text, _HTML_PARSER)
    if root is None:
        raise lxml.etree.ParserError("Document is empty")
    # Markup out of place before <body> (a <meta> after </head>, say) can make libxml2 close the page's
    # <html> and open a second one beside it, holding the body. Everything reads from the first: the
    # others are moved into it, so no part of the page is out of reach.
    for extra in list(root.itersiblings()):
        if isinstance(extra.tag, str):
            root.append(extra)
    return root


def _holds_visible_chars(el: Element, n: int) -> bool:
    """Whether the element's text (XPath string(), what text_content() gives) has at least n characters that
    are not whitespace (str.isspace()'s): counted over its text nodes as they come, stopping at n, instead of
    building the whole text (a container's is the whole report)."""
    count = 0
    # An HTML tree's text is str (the stubs allow bytes for trees parsed from bytes without a decoder).
    for chunk in cast(Iterator[str], el.itertext()):
        count += len("".join(chunk.split()))
        if count >= n:
            return True
    return False


def _attr_has(el: Element, attr: str, value: str) -> bool:
    got = el.get(attr)
    if not got:
        return False
    return value in got.split() if attr == "class" else got == value


@lru_cache(maxsize=1024)
def _chrome_marker(marker: str) -> bool:
    """Whether an element's "class id" names a page widget (nav, share, footer…)."""
    return bool(marker.strip()) and _CHROME_ATTR.search(marker) is not None


@lru_cache(maxsize=1024)
def _hidden_style(style: str) -> bool:
    style = style.replace(" ", "").lower()
    return "display:none" in style or "visibility:hidden" in style


def _is_chrome_element(el: Element) -> bool:
    if el.tag in _DROP_TAGS:
        return True
    cls = el.get("class")
    ident = el.get("id")
    if (
        (cls is not None or ident is not None)
        and _chrome_marker(f"{cls or ''} {ident or ''}")
        and not _holds_visible_chars(el, _CHROME_WIDGET_CHARS + 1)
    ):
        return True
    style = el.get("style")
    return bool(style) and _hidden_style(style)


@lru_cache(maxsize=8)
def _container_query(attrs: tuple[str, ...]) -> lxml.etree.XPath | None:
    """The values, in document order, of the attributes containers are known by: libxml2 lists attribute
    nodes far faster than it tests attribute predicates on every element. None for a name XPath cannot
    spell."""
    if not all(_XML_NAME.match(attr) for attr in attrs):
        return None
    return lxml.etree.XPath("|".join(f"descendant-or-self::*/@{attr}" for attr in attrs))


def _attributed_elements(root: Element, attrs: tuple[str, ...]) -> list[Element]:
    """Every element carrying one of `attrs`, in document order (root included)."""
    query = _container_query(attrs)
    if query is None:
        return [el for el in root.iter() if isinstance(el.tag, str) and any(el.get(a) for a in attrs)]
    found = query(root)
    assert isinstance(found, list)
    out: list[Element] = []
    for value in found:
        parent = value.getparent() if isinstance(value, lxml.etree._ElementUnicodeResult) else None
        if parent is not None and (not out or out[-1] is not parent):  # an element's attributes adjoin
            out.append(parent)
    return out


def _find_container(root: Element) -> Element:
    """The first element of the first container kind (in _BODY_CONTAINERS order) that holds text."""
    containers = _BODY_CONTAINERS
    found: Element | None = None
    found_rank = len(containers)
    for el in _attributed_elements(root, tuple(sorted({attr for attr, _ in containers}))):
        rank = next(
            (n for n, (attr, value) in enumerate(containers[:found_rank]) if _attr_has(el, attr, value)),
            None,
        )
        if rank is not None and _holds_visible_chars(el, 20):
            found, found_rank = el, rank
            if rank == 0:
                break
    if found is not None:
        return found
    body = root.find(".//body")
    return body if body is not None else root


# Character references could spell a container's name in markup that does not contain it: numeric ones,
# and the named ones for "_" (no named reference stands for an ASCII letter, digit or "-").
# (One regex pass: sre finds the "&"s by a fast literal search, several times faster than three `in` tests.)
_SPELLED_REFS = re.compile("&(?:#|lowbar|UnderBar)")
_ID_QUERIES = {value: lxml.etree.XPath(f"id('{value}')") for attr, value in _BODY_CONTAINERS if attr == "id"}


def _container_by_source(root: Element, source: str) -> Element | None:
    """_find_container's answer read off the page's markup where that is certain, else None.

    An attribute value is markup text (character references aside), so a name the markup does not contain
    is no element's: its kind is skipped by a substring test in C. A name that occurs once is one element's
    at most: libxml2's ID index (XPath id()) finds it. Class names are looked for on <div>s only, and only
    when their occurrences in the <div>s' classes are all its occurrences in the markup; by kind, the first
    element holding text wins, as in _find_container."""
    if _SPELLED_REFS.search(source):
        return None
    for attr, value in _BODY_CONTAINERS:
        occurrences = source.count(value)
        if not occurrences:
            continue
        if attr == "id":
            found = _ID_QUERIES[value](root)
            assert isinstance(found, list)
            if occurrences != 1 or len(found) != 1:
                return None
            el = found[0]
            if not isinstance(el, lxml.etree._Element) or el.get("id") != value:
                return None  # id() also names <a name=…>
            if _holds_visible_chars(el, 20):
                return el
            continue
        if attr != "class":
            return None
        divs = [el for el in root.iter("div") if value in (el.get("class") or "")]
        if sum((el.get("class") or "").count(value) for el in divs) != occurrences:
            return None  # the name occurs elsewhere too (another tag, a style sheet, text)
        for el in divs:
            if _attr_has(el, attr, value) and _holds_visible_chars(el, 20):
                return el
    body = root.find(".//body")
    return body if body is not None else root


def body_container(root: lxml.html.HtmlElement) -> lxml.html.HtmlElement:
    """The element holding a page's report body (the crawler looks for attachments and table images in
    it); the <body> when no known container holds text."""
    return cast(lxml.html.HtmlElement, _find_container(root))


# Inline elements that carry runs of text (Word's <span lang="EN-US">, <b>, <o:p>, <font>…): neither
# blocks, line breaks nor dropped tags, so a childless one adds its text and its tail to the line it is in.
_RUN_TAGS = frozenset({"span", "b", "strong", "i", "em", "u", "font", "o:p", "a", "sub", "sup", "small"})


def _collect_cell_text(el: Element, cell: Element, parts: list[str]) -> None:
    tag = el.tag
    if tag in ("script", "style"):
        if el.tail:
            parts.append(el.tail)
        return
    if tag == "br" or (tag in _BLOCK_TAGS and el is not cell):
        parts.append(" ")
    if isinstance(tag, str) and el.text:
        parts.append(el.text)
    for child in el:
        if child.tag in _RUN_TAGS and not len(child):  # a run of text (Word's <span>): text, then tail
            if child.text:
                parts.append(child.text)
            if child.tail:
                parts.append(child.tail)
        else:
            _collect_cell_text(child, cell, parts)
    if el is not cell and el.tail:
        parts.append(el.tail)


def _collapse_ws(text: str) -> str:
    return _WS.sub(" ", text).strip()


_collapse_ws_cached = lru_cache(maxsize=_MEMO_ENTRIES)(_collapse_ws)


def _cell_text(cell: Element) -> str:
    if len(cell) == 0:  # most cells: only their own text (which recurs: labels, figures)
        text = cell.text
        if not text:
            return ""
        return _collapse_ws_cached(text) if len(text) <= _MEMO_MAX_LEN else _collapse_ws(text)
    parts: list[str] = []
    _collect_cell_text(cell, cell, parts)
    return _WS.sub(" ", "".join(parts)).strip()


def _own_rows(table: Element) -> list[Element]:
    """The table's rows, not those of tables nested in its cells."""
    if table.tag == "table" and table.find(".//table") is None:
        return list(table.iter("tr"))
    return [tr for tr in table.iter("tr") if next(tr.iterancestors("table"), None) is table]


def _span(value: str | None, limit: int) -> int:
    if value is None:
        return 1
    try:
        n = int((value or "1").strip())
    except ValueError:
        return 1
    return max(1, min(n, limit))


def _row_cells(rows: list[Element]) -> list[list[Element]]:
    return [[cell for cell in tr if cell.tag in _CELL_TAGS] for tr in rows]


def expand_table(table: lxml.html.HtmlElement) -> tuple[list[list[str]], list[str]]:
    """(rows, raw cell texts): rowspan/colspan expanded so a merged cell's text fills every slot it covers."""
    row_cells = _row_cells(_own_rows(table))
    texts = [_cell_text(cell) for cells in row_cells for cell in cells]
    return _expand_cells(row_cells, [normalize_text(text).strip() for text in texts]), texts


def _cell_reading(text: str) -> tuple[str, str]:
    """A cell's raw text (whitespace collapsed, as _cell_text) and its normalised, stripped text."""
    raw = _collapse_ws(text)
    return raw, normalize_text(raw).strip()


# Cell texts recur (labels, small figures): both readings of one come from one memo lookup.
_cell_reading_cached = lru_cache(maxsize=_MEMO_ENTRIES)(_cell_reading)
_EMPTY_CELL = ("", "")


def _data_table(table: Element) -> tuple[list[list[str]], list[str]] | None:
    """A data table's expanded (rows, raw cell texts); None for a table that lays out the page."""
    for _ in table.iterdescendants("table"):  # a table holding a table lays out the page
        return None
    # Without nested tables every row is the table's own (_own_rows); iterchildren picks td/th in C.
    row_cells = [list(tr.iterchildren("td", "th")) for tr in table.iter("tr")]
    cells = [cell for row in row_cells for cell in row]
    if len(cells) <= 1:
        return None
    # Most cells hold only their own text: read it directly (_cell_text's shortcut), with its normalised
    # form from the same memo.
    readings = [
        (_EMPTY_CELL if not (text := cell.text) else (
            _cell_reading_cached(text) if len(text) <= _MEMO_MAX_LEN else _cell_reading(text)
        )) if not len(cell) else _cell_reading(_cell_text(cell))
        for cell in cells
    ]
    texts = [raw for raw, _ in readings]
    longest = max(map(len, texts))
    if longest > _PARAGRAPH_CELL_CHARS:
        return None
    if longest > _LAYOUT_CELL_CHARS and not any(_NUMERIC_CELL.match(t.replace(" ", "")) for t in texts):
        return None
    return _expand_cells(row_cells, [value for _, value in readings]), texts


def _expand_cells(row_cells: list[list[Element]], normalised: list[str]) -> list[list[str]]:
    """The rows with rowspan/colspan expanded (a merged cell's text fills every slot it covers; rows left
    empty dropped), given the cells' normalised texts in one list (row after row)."""
    n_rows = len(row_cells)
    grid: list[dict[int, str]] = [{} for _ in range(n_rows)]  # per row: column -> text
    width = 0
    at = 0
    for r, cells in enumerate(row_cells):
        slots = grid[r]
        c = 0
        for cell in cells:
            while c in slots:
                c += 1
            text = normalised[at]
            at += 1
            if not cell.keys():  # most cells: no attributes, so no span
                slots[c] = text
                c += 1
                continue
            rowspan_attr = cell.get("rowspan")
            colspan_attr = cell.get("colspan")
            if rowspan_attr is None and colspan_attr is None:
                slots[c] = text
                c += 1
            else:
                rowspan = n_rows - r if rowspan_attr is not None and rowspan_attr.strip() == "0" else _span(
                    rowspan_attr, n_rows - r
                )
                colspan = _span(colspan_attr, 1000)
                for dr in range(rowspan):
                    covered = grid[r + dr]
                    for dc in range(colspan):
                        covered.setdefault(c + dc, text)
                c += colspan
        if c > width:  # c only grows along a row: its last value is the row's widest
            width = c
    blanks = [""] * width
    out: list[list[str]] = []
    for slots in grid:
        row = list(map(slots.get, range(width), blanks))
        if any(row):
            out.append(row)
    return out


class _HtmlWalker:
    """Gathers the text runs between block boundaries; the sink reads them a page (or a stretch between
    two tables) at a time, after the walk."""

    def __init__(self, sink: _LineSink) -> None:
        self.sink = sink
        self.buffer: list[str] = []
        self.texts: list[str] = []  # text runs not yet handed to the sink

    def flush(self) -> None:
        if not self.buffer:
            return
        text = "".join(self.buffer)
        self.buffer.clear()
        if text and not text.isspace():  # _WS covers exactly what isspace() calls whitespace
            self.texts.append(text)

    def finish(self) -> None:
        """Hands the text runs gathered so far to the sink."""
        self.flush()
        if self.texts:
            self.sink.add_markup_texts(self.texts)
            self.texts = []

    def add_tail(self, tail: str | None) -> None:
        # Whitespace before any text is stripped at the flush anyway: not buffered at all.
        if tail and (self.buffer or not tail.isspace()):
            self.buffer.append(tail)

    def walk(self, el: Element, top: bool = False) -> None:
        tag = el.tag
        buffer = self.buffer
        if not isinstance(tag, str):  # comments, processing instructions: only their tail is text
            if not top:
                self.add_tail(el.tail)
            return
        if not top and _is_chrome_element(el):
            self.add_tail(el.tail)
            return
        grid = _data_table(el) if tag == "table" else None
        if grid is not None:
            self.finish()  # the lines before the table reach the sink first (its footer state)
            self.sink.add_grid(*grid)
        else:
            block = tag in _BLOCK_TAGS
            if buffer and (block or tag == "br"):
                self.flush()
            if tag != "br":
                text = el.text
                if text:
                    buffer.append(text)
            texts = self.texts
            for child in el:
                if child.tag in _LEAF_LINE_TAGS and not len(child):
                    keys = child.keys()
                    # an element without attributes is no widget (and the leaf tags are not dropped)
                    if keys and _leaf_is_chrome(child, keys):
                        self.walk(child)
                        continue
                    # A block element holding only text (<p>…</p>, most of a page): its own line.
                    if buffer:  # flush, inlined (what the buffer holds is never empty text)
                        joined = "".join(buffer)
                        buffer.clear()
                        if not joined.isspace():
                            texts.append(joined)
                    text = child.text
                    if text and not text.isspace():
                        texts.append(text)
                    tail = child.tail
                    if tail and (buffer or not tail.isspace()):
                        buffer.append(tail)
                elif child.tag in _RUN_TAGS and not len(child):
                    # A run of text inside a line (Word's <span lang="EN-US">2023</span>): its text, unless
                    # it is a widget or hidden, and its tail, as walk() reads it.
                    keys = child.keys()
                    if not keys or not _leaf_is_chrome(child, keys):
                        text = child.text
                        if text:
                            buffer.append(text)
                    tail = child.tail
                    if tail and (buffer or not tail.isspace()):
                        buffer.append(tail)
                else:
                    self.walk(child)
                    texts = self.texts  # a table inside hands the runs over and starts a new list
            if block and buffer:
                self.flush()
        if not top:
            self.add_tail(el.tail)


def _leaf_is_chrome(el: Element, keys: Sequence[str | bytes]) -> bool:
    """_is_chrome_element for an element of _LEAF_LINE_TAGS or _RUN_TAGS (never a dropped tag) with these
    attributes: without a class or id only its style can hide it."""
    if keys != _STYLE_ONLY and ("class" in keys or "id" in keys):
        return _is_chrome_element(el)
    if "style" not in keys:
        return False
    style = el.get("style")
    return bool(style) and _hidden_style(style)


_STYLE_ONLY = ["style"]  # the attributes of most paragraphs (Word and the editors set their indent)


# Block tags whose childless elements the walker reads without recursing (a table has its own reading).
_LEAF_LINE_TAGS = _BLOCK_TAGS - {"table"} - _DROP_TAGS


def _walk_outside(el: Element, container: Element, walker: _HtmlWalker) -> None:
    tag = el.tag
    if el is container or not isinstance(tag, str) or tag in ("script", "style", "head"):
        return
    buffer = walker.buffer
    # A row's cells stay one line (索引号 tables: <th>发布日期：</th><td>2024-01-05</td>): label beside value.
    cell = tag in ("td", "th")
    block = tag in _BLOCK_TAGS and not cell
    if buffer and (block or tag == "br"):
        walker.flush()
    text = el.text
    if text:
        buffer.append(text)
    for child in el:
        _walk_outside(child, container, walker)
        tail = child.tail
        if tail:
            buffer.append(tail)
    if block:
        if buffer:
            walker.flush()
    elif cell:
        buffer.append(" ")


def _header_lines(root: Element, container: Element) -> list[str]:
    """Visible metadata lines outside the body container (发布日期 blocks beside the title)."""
    sink = _LineSink()
    walker = _HtmlWalker(sink)
    _walk_outside(root, container, walker)
    walker.finish()
    out: list[str] = []
    for text in [b.text for b in sink.lines if isinstance(b, Line)] + sink.header:
        out.extend(_split_meta_fields(text))
    return out


_META_FIELD_START = re.compile(r"(?<=[\s|,，;；])(?=(?:" + "|".join(META_LABELS) + r")\s*[:：])")


def _split_meta_fields(text: str) -> list[str]:
    """'索引号:… 发布日期:2023-02-14 来源:…' -> the fields that are metadata."""
    if len(text) > 400 or (":" not in text and "：" not in text):  # a field has a label and a colon
        return []
    return [f.strip() for f in _META_FIELD_START.split(text) if is_meta_line(f.strip())]


def _metas(root: Element) -> dict[str, str]:
    metas: dict[str, str] = {}
    for meta in root.iter("meta"):
        name = (meta.get("name") or meta.get("property") or "").strip()
        content = (meta.get("content") or "").strip()
        if name and content and name not in metas:
            metas[name] = content
    return metas


def from_html(text: str, encoding: str | None = None, warnings: list[str] | None = None) -> Document:
    """A Document from already decoded HTML (the crawler has decoded the page once already)."""
    warnings = [] if warnings is None else warnings
    if "<![" in text or "<!--[" in text:  # every Word conditional starts so
        for pattern in _WORD_CONDITIONALS:
            text = pattern.sub("", text)
    text = _XML_DECL.sub("", text)
    try:
        root = _parse_html(text)
    except (lxml.etree.ParserError, ValueError) as exc:
        warnings.append(f"unreadable HTML: {exc}")
        return Document([], "", None, {}, encoding, warnings, "", "html")
    metas = _metas(root)
    title_el = next(root.iter("title"), None)  # the first in document order, as .//title (but in C)
    page_title = _WS.sub(" ", title_el.text or "").strip() if title_el is not None else ""
    container = _container_by_source(root, text)
    if container is None:
        container = _find_container(root)
    sink = _LineSink()
    walker = _HtmlWalker(sink)
    walker.walk(container, top=True)
    walker.finish()
    header = [*_header_lines(root, container), *sink.header] if container is not root else sink.header
    if sink.footer_codes and "SiteIDCode" not in metas:
        metas["SiteIDCode"] = sink.footer_codes[0]
    title = metas.get("ArticleTitle") or page_title or next(
        (b.text for b in sink.lines if isinstance(b, Line)), None
    )
    if not sink.lines:
        warnings.append("empty document: no body text found")
    raw = "\n".join(sink.raw)
    return Document(sink.lines, raw, title, metas, encoding, warnings, "\n".join(header), "html")


# ---------------------------------------------------------------------------------------------
# Entry
# ---------------------------------------------------------------------------------------------


def load(data: bytes, content_type: str | None = None) -> Document:
    """Read a fetched document's body into blocks. Never raises: bad input yields warnings."""
    doc_type = sniff_type(data, content_type)
    if doc_type == "empty":
        return _empty("empty document: no bytes", "empty")
    if doc_type not in ("html", "text"):
        return _empty(f"unsupported document type: {doc_type}", doc_type)
    try:
        declared = declared_charset(data, content_type)
        text, encoding = _decode(data, declared)
    except Exception as exc:  # a codec bug must not lose the document
        return _empty(f"undecodable document: {exc}", doc_type)
    warnings: list[str] = []
    if declared and _codec(declared) not in (encoding, None):
        warnings.append(f"declared charset {declared} is wrong; decoded as {encoding}")
    if "\ufffd" in text:
        warnings.append(f"undecodable bytes replaced while decoding as {encoding}")
    if doc_type == "html":
        return from_html(text, encoding, warnings)
    return _load_text(text, encoding, warnings)
