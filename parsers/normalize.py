"""Text normalisation (contract §6): one canonical form for labels, headings and cell text.

`normalize_text` keeps line breaks and inner spaces (cell boundaries in flattened tables depend on
them); `label_key` additionally drops all whitespace and is the form `parsers.template` writes
labels in, so label matching is a plain comparison.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Final, Literal

import opencc

from parsers.script_chars import OPENCC_VERSION, T2S_CHANGED_CLASS

# Full-width ASCII (U+FF01..U+FF5E) maps onto ASCII by a fixed offset. The ideographic comma 、 and
# full stop 。 live outside that block and stay as they are: they carry meaning in Chinese prose.
_WIDTH: Final[dict[int, str]] = {cp: chr(cp - 0xFEE0) for cp in range(0xFF01, 0xFF5F)}
_SPACES: Final[dict[int, str]] = {0x3000: " ", 0x00A0: " ", 0x2002: " ", 0x2003: " ", 0x2009: " "}
_QUOTES: Final[dict[int, str]] = {ord(q): '"' for q in "“”‘’「」『』＂〝〞"}
# Invisible characters copied out of web pages and Word documents: never text.
_INVISIBLE: Final[dict[int, None]] = {0x200B: None, 0x200C: None, 0x200D: None, 0xFEFF: None, 0x00AD: None}
_TRANSLATE: Final[dict[int, str | None]] = {**_WIDTH, **_SPACES, **_QUOTES, **_INVISIBLE}
# str.translate looks every character of non-ASCII text up in the table, several times slower than
# finding the few characters it maps by a regex and replacing each (str.replace) — however many there
# are. No replacement is itself a key of the table, so the order of replacement does not matter.
_TRANSLATED: Final[re.Pattern[str]] = re.compile(
    "[" + "".join(re.escape(chr(cp)) for cp in sorted(_TRANSLATE)) + "]"
)
_REPLACEMENT: Final[dict[str, str]] = {chr(cp): to or "" for cp, to in _TRANSLATE.items()}


def _translate(s: str) -> str:
    """s.translate(_TRANSLATE)."""
    for ch in set(_TRANSLATED.findall(s)):
        s = s.replace(ch, _REPLACEMENT[ch])
    return s

# opencc's "tw2sp" rewrites mainland words too (文件 → 文档, 建立 → 创建, 查询 → 查找), which would
# corrupt labels such as 规范性文件; so the project converts characters with "t2s" and applies only
# the Taiwan-phrasing words below, and only to text that actually was Traditional.
_TAIWAN_PHRASES: Final[tuple[tuple[str, str], ...]] = (
    ("网际网路", "互联网"),
    ("资讯", "信息"),
    ("网路", "网络"),
    ("软体", "软件"),
    ("硬体", "硬件"),
    ("资料库", "数据库"),
    ("伺服器", "服务器"),
    ("部落格", "博客"),
    ("视讯", "视频"),
    ("列印", "打印"),
    ("数位化", "数字化"),
    # t2s keeps 著 (a valid Simplified character); in these words mainland writing uses 着.
    ("著力", "着力"),
    ("著重", "着重"),
    ("随著", "随着"),
    ("有著", "有着"),
    ("为著", "为着"),
    ("著手", "着手"),
)

_TONED: Final[str] = "āáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜ"
_PINYIN_LETTERS: Final[str] = "a-zü" + _TONED
# A CJK character followed by its bracketed pinyin, e.g. 规(guī) or 数(shu4): the pinyin needs a
# tone mark or a tone digit, so (一), (2019) and (单位:万元) never match.
_PINYIN: Final[re.Pattern[str]] = re.compile(
    rf"(?<=[\u3400-\u9fff])\((?=[{_PINYIN_LETTERS}\d ]*(?:[{_TONED}]|[a-zü][1-5]))"
    rf"[{_PINYIN_LETTERS}]+[1-5]?(?: [{_PINYIN_LETTERS}]+[1-5]?)*\)"
)
_WHITESPACE: Final[re.Pattern[str]] = re.compile(r"\s+")
_CJK: Final[re.Pattern[str]] = re.compile(r"[\u3400-\u9fff]")


@lru_cache(maxsize=1)
def _t2s() -> opencc.OpenCC:
    return opencc.OpenCC("t2s")


def to_simplified(s: str) -> str:
    """Traditional → Simplified characters, with mainland wording for the common Taiwan phrases."""
    if s.isascii():
        return s
    converted: str = _t2s().convert(s)
    if converted != s:
        for taiwan, mainland in _TAIWAN_PHRASES:
            if taiwan in converted:
                converted = converted.replace(taiwan, mainland)
    return converted


# Lines, cells and labels recur across reports and are cached; whole documents are not (memory).
_CACHE_MAX_LEN: Final[int] = 512


def _normalize(s: str) -> str:
    s = s.replace("\r\n", "\n").replace("\r", "\n").replace("&nbsp;", " ")
    s = _translate(s)
    s = to_simplified(s)
    if "(" in s:
        s = _PINYIN.sub("", s)
    return s


_normalize_cached = lru_cache(maxsize=65536)(_normalize)


def normalize_text(s: str) -> str:
    """The canonical form of document text (contract §6); line breaks are kept."""
    return _normalize_cached(s) if len(s) <= _CACHE_MAX_LEN else _normalize(s)


def normalize_lines(lines: list[str]) -> list[str]:
    """[normalize_text(line) for line in lines] for lines without line breaks, normalised as one text.

    Every step of _normalize acts within a line (the replacements character by character or on strings
    without a line break; no t2s dictionary key and no pinyin match holds one), so the lines joined by "\n"
    normalise to the normalised lines joined. The one step that depends on the line as a whole, the Taiwan
    phrasing applied to text t2s changed, is left to the per-line path: any change by t2s sends the lines
    there, as do line breaks inside a line."""
    if len(lines) < 2:
        return [normalize_text(line) for line in lines]
    joined = "\n".join(lines)
    if "\r" in joined or joined.count("\n") != len(lines) - 1:
        return [normalize_text(line) for line in lines]
    s = _translate(joined.replace("&nbsp;", " "))
    if not s.isascii() and _t2s().convert(s) != s:
        return [normalize_text(line) for line in lines]
    if "(" in s:
        s = _PINYIN.sub("", s)
    return s.split("\n")


@lru_cache(maxsize=65536)
def _label_key(s: str) -> str:
    return _WHITESPACE.sub("", normalize_text(s))


def label_key(s: str) -> str:
    """The form labels are compared in: normalised text with all whitespace removed."""
    return _label_key(s) if len(s) <= _CACHE_MAX_LEN else _WHITESPACE.sub("", _normalize(s))


@lru_cache(maxsize=1)
def _t2s_changed() -> re.Pattern[str] | None:
    """The characters at which t2s can change a text (parsers.script_chars), or None when the installed
    OpenCC is not the one that list was generated from: then every text takes the general path."""
    if opencc.__version__ != OPENCC_VERSION:
        return None
    return re.compile(f"[{T2S_CHANGED_CLASS}]")


def detect_script(raw: str) -> Literal["simplified", "traditional"]:
    """Script of the source text before normalisation.

    Traditional when a clear share of its CJK characters are ones t2s changes: a Simplified report
    may quote the odd Traditional character (a name, a seal), a Traditional one changes hundreds.
    """
    if raw.isascii():
        return "simplified"
    changed_at = _t2s_changed()
    # t2s maps every character and phrase to one of the same length, so a position it changes holds one
    # of the listed characters: fewer than two of them cannot make the two changes "traditional" needs.
    # One C-level scan instead of converting the whole text. The list covers the BMP only: a text beyond
    # it (a surrogate pair in UTF-16) takes the general path, and so does one that cannot be encoded
    # (a lone surrogate), which the general path reports as it always has.
    if changed_at is not None:
        try:
            in_bmp = len(raw.encode("utf-16-le")) == 2 * len(raw)
        except UnicodeEncodeError:
            in_bmp = False
        if in_bmp:
            first = changed_at.search(raw)
            if first is None or changed_at.search(raw, first.end()) is None:
                return "simplified"
    return _detect_script_converted(raw)


def _detect_script_converted(raw: str) -> Literal["simplified", "traditional"]:
    """detect_script by converting the whole text (the general path)."""
    if raw.isascii():
        return "simplified"
    converted: str = _t2s().convert(raw)
    if converted == raw:  # the common case: nothing to convert, so nothing to count
        return "simplified"
    cjk = len(_CJK.findall(raw))
    if cjk == 0:
        return "simplified"
    # t2s is character-for-character in practice, so a positional comparison counts the changes.
    changed = sum(1 for a, b in zip(raw, converted, strict=False) if a != b)
    return "traditional" if changed >= 2 and changed * 50 >= cjk else "simplified"
