"""Word's automatic numbering, rendered: the "一、" or "（一）" or "1." Word draws before a paragraph.

Headings and table labels of many reports are numbered by Word, not typed: the numbers live in
numbering.xml and the paragraph only points at a list and a level. Without them "一、总体情况" reads
"总体情况". Counters follow Word: each use of a level counts it on and resets the deeper levels.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Final

W: Final[str] = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
_CN_DIGITS: Final[str] = "零一二三四五六七八九"
_CN_TRADITIONAL: Final[str] = "〇壹贰叁肆伍陆柒捌玖"
_CIRCLED: Final[str] = "①②③④⑤⑥⑦⑧⑨⑩⑪⑫⑬⑭⑮⑯⑰⑱⑲⑳"
_ROMAN: Final[tuple[tuple[int, str], ...]] = (
    (1000, "m"), (900, "cm"), (500, "d"), (400, "cd"), (100, "c"), (90, "xc"),
    (50, "l"), (40, "xl"), (10, "x"), (9, "ix"), (5, "v"), (4, "iv"), (1, "i"),
)  # fmt: skip


def chinese_number(n: int, digits: str = _CN_DIGITS) -> str:
    """1 → 一, 10 → 十, 12 → 十二, 20 → 二十, 105 → 一百零五 (as Word's chineseCounting writes)."""
    if n <= 0:
        return digits[0]
    if n < 10:
        return digits[n]
    if n < 20:
        return "十" + (digits[n % 10] if n % 10 else "")
    if n < 100:
        return digits[n // 10] + "十" + (digits[n % 10] if n % 10 else "")
    rest = n % 100
    tail = "" if rest == 0 else ("零" if rest < 10 else "") + chinese_number(rest, digits)
    return digits[n // 100] + "百" + tail if n < 1000 else str(n)


def _letters(n: int) -> str:
    return chr(ord("a") + (n - 1) % 26) * ((n - 1) // 26 + 1)


def _roman(n: int) -> str:
    out = ""
    for value, text in _ROMAN:
        while n >= value:
            out += text
            n -= value
    return out


_FORMATS: Final[dict[str, Callable[[int], str]]] = {
    "decimal": str,
    "decimalZero": lambda n: f"{n:02d}",
    "decimalFullWidth": lambda n: "".join(chr(ord(d) + 0xFEE0) for d in str(n)),
    "decimalHalfWidth": str,
    "chineseCounting": chinese_number,
    "chineseCountingThousand": chinese_number,
    "japaneseCounting": chinese_number,
    "ideographTraditional": lambda n: "甲乙丙丁戊己庚辛壬癸"[(n - 1) % 10],
    "chineseLegalSimplified": lambda n: chinese_number(n, _CN_TRADITIONAL),
    "decimalEnclosedCircle": lambda n: _CIRCLED[n - 1] if 1 <= n <= len(_CIRCLED) else str(n),
    "decimalEnclosedCircleChinese": lambda n: _CIRCLED[n - 1] if 1 <= n <= len(_CIRCLED) else str(n),
    "decimalEnclosedParen": lambda n: f"({n})",
    "lowerLetter": _letters,
    "upperLetter": lambda n: _letters(n).upper(),
    "lowerRoman": _roman,
    "upperRoman": lambda n: _roman(n).upper(),
}


@dataclass(frozen=True)
class Level:
    start: int
    fmt: str
    text: str  # lvlText, e.g. "%1、" or "（%2）"
    suffix: str  # "tab" | "space" | "nothing"


def _val(el: Any, tag: str, default: str | None = None) -> str | None:
    child = el.find(W + tag) if el is not None else None
    return child.get(W + "val", default) if child is not None else default


@dataclass
class Numbering:
    """numbering.xml and the numbered paragraph styles, with the counters of the document so far."""

    lists: dict[str, dict[int, Level]] = field(default_factory=dict)  # numId → levels
    abstract_of: dict[str, str] = field(default_factory=dict)  # numId → abstractNumId (counters are shared)
    style_num: dict[str, tuple[str, int]] = field(default_factory=dict)  # styleId → (numId, ilvl)
    counters: dict[str, dict[int, int]] = field(default_factory=dict)

    @classmethod
    def load(cls, numbering_xml: Any | None, styles_xml: Any | None) -> Numbering:
        out = cls()
        if numbering_xml is not None:
            abstract: dict[str, dict[int, Level]] = {}
            for an in numbering_xml.iter(W + "abstractNum"):
                levels: dict[int, Level] = {}
                for lvl in an.iter(W + "lvl"):
                    ilvl = int(lvl.get(W + "ilvl", "0"))
                    levels[ilvl] = Level(
                        int(_val(lvl, "start", "1") or "1"),
                        _val(lvl, "numFmt", "decimal") or "decimal",
                        _val(lvl, "lvlText", "") or "",
                        _val(lvl, "suff", "tab") or "tab",
                    )
                abstract[an.get(W + "abstractNumId", "")] = levels
            for num in numbering_xml.iter(W + "num"):
                num_id = num.get(W + "numId", "")
                abstract_id = _val(num, "abstractNumId", "") or ""
                levels = dict(abstract.get(abstract_id, {}))
                for override in num.iter(W + "lvlOverride"):
                    ilvl = int(override.get(W + "ilvl", "0"))
                    start = _val(override, "startOverride")
                    if start is not None and ilvl in levels:
                        levels[ilvl] = Level(
                            int(start), *[getattr(levels[ilvl], f) for f in ("fmt", "text", "suffix")]
                        )
                out.lists[num_id] = levels
                out.abstract_of[num_id] = abstract_id
        if styles_xml is not None:
            for style in styles_xml.iter(W + "style"):
                num_pr = style.find(f"{W}pPr/{W}numPr")
                if num_pr is not None:
                    num_id = _val(num_pr, "numId")
                    if num_id:
                        out.style_num[style.get(W + "styleId", "")] = (
                            num_id,
                            int(_val(num_pr, "ilvl", "0") or "0"),
                        )
        return out

    def label(self, p: Any) -> str:
        """The number Word draws before paragraph `p` (counting it), or ""."""
        ppr = p.find(W + "pPr")
        num_pr = ppr.find(W + "numPr") if ppr is not None else None
        num_id: str | None = None
        ilvl = 0
        if num_pr is not None:
            num_id = _val(num_pr, "numId")
            ilvl = int(_val(num_pr, "ilvl", "0") or "0")
        elif ppr is not None:
            style = _val(ppr, "pStyle")
            if style in self.style_num:
                num_id, ilvl = self.style_num[style]
        if not num_id or num_id == "0" or num_id not in self.lists:
            return ""
        levels = self.lists[num_id]
        level = levels.get(ilvl)
        if level is None or level.fmt in ("bullet", "none"):
            return ""
        counters = self.counters.setdefault(self.abstract_of.get(num_id, num_id), {})
        counters[ilvl] = counters.get(ilvl, level.start - 1) + 1
        for deeper in [k for k in counters if k > ilvl]:
            del counters[deeper]
        text = level.text
        for n in range(ilvl + 1):
            fmt = levels.get(n)
            value = counters.get(n, fmt.start if fmt else 1)
            render = _FORMATS.get(fmt.fmt if fmt else "decimal", str)
            text = text.replace(f"%{n + 1}", render(value))
        if not text:
            return ""
        return text if level.suffix == "nothing" or not text[-1].isalnum() else text + " "
