"""Text as document readers extract it: compatibility characters folded, wrapped lines joined.

PDF text layers often name a glyph by a CJK compatibility code point: a Kangxi radical (⼀ U+2F00 for 一,
⽇ for 日), a radical-supplement form (⻓ for 长, ⻔ for 门) or a compatibility ideograph (U+F900–U+FAFF)
that looks exactly like the ordinary character. Labels would then never match. Only those ranges are
folded (NFKC, plus a table for the radical forms NFKC leaves alone); NFKC on the whole text would also
rewrite full-width punctuation and numbering that `parsers.normalize` deals with on its own terms.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Final

from parsers.normalize import normalize_text

# CJK Radicals Supplement forms that stand for a whole character; NFKC maps only ⺟ and ⻳ of them.
_RADICAL_FORMS: Final[dict[int, str]] = {
    0x2E81: "厂", 0x2E8E: "兀", 0x2E9F: "母", 0x2EA0: "民", 0x2EC4: "西", 0x2EC5: "见", 0x2EC6: "角",
    0x2EC9: "贝", 0x2ECB: "车", 0x2ED1: "長", 0x2ED3: "长", 0x2ED4: "门", 0x2ED8: "青", 0x2ED9: "韦",
    0x2EDA: "页", 0x2EDB: "风", 0x2EDC: "飞", 0x2EDD: "食", 0x2EE2: "马", 0x2EE3: "骨", 0x2EE4: "鬼",
    0x2EE5: "鱼", 0x2EE6: "鸟", 0x2EE7: "卤", 0x2EE8: "麦", 0x2EE9: "黄", 0x2EEA: "黾", 0x2EEC: "齐",
    0x2EEE: "齿", 0x2EF0: "龙", 0x2EF3: "龟",
}  # fmt: skip
# Kangxi radicals, compatibility ideographs and their supplement: NFKC maps each to one ideograph.
_COMPAT: Final[re.Pattern[str]] = re.compile("[\u2e80-\u2eff\u2f00-\u2fdf\uf900-\ufaff\U0002f800-\U0002fa1f]")


def _fold(match: re.Match[str]) -> str:
    ch = match.group(0)
    mapped = _RADICAL_FORMS.get(ord(ch))
    return mapped if mapped is not None else unicodedata.normalize("NFKC", ch)


def fold_compat(text: str) -> str:
    """Compatibility forms of CJK characters → the ordinary characters; nothing else changes."""
    return _COMPAT.sub(_fold, text) if _COMPAT.search(text) else text


def clean(text: str) -> str:
    """Extracted text in the form every reader hands on: compatibility forms folded, then normalised."""
    return normalize_text(fold_compat(text))


def _needs_space(left: str, right: str) -> bool:
    """Words of Latin script are broken at spaces; CJK text and numbers are broken anywhere."""
    return (
        left.isascii()
        and right.isascii()
        and left.isalnum()
        and right.isalnum()
        and not (left.isdigit() and right.isdigit())
    )


def join_wrapped(parts: list[str]) -> str:
    """Lines of one wrapped cell or paragraph as one text: no space where CJK text or a number was broken."""
    out = ""
    for part in (p.strip() for p in parts):
        if not part:
            continue
        if out and _needs_space(out[-1], part[0]):
            out += " "
        out += part
    return out
