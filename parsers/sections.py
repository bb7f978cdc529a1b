"""The report's six sections (contract §2), found by their headings, and legacy outlines mapped onto them.

A heading is a heading only where it starts a line or follows a sentence end inside a long line (some
captures put the whole body on one line); the preamble that names all six sections in one sentence is
text. Headings are matched on content, not on their ordinal (reports mis-number them): the official
wording and its variants from `parsers.template` first, then near-misses (typos), and, for pre-2019
outlines only, the template's legacy keywords on short numbered headings.
"""

from __future__ import annotations

import difflib
import itertools
import re
from collections import Counter
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Literal, NamedTuple

from parsers import template
from parsers.blocks import Block, Grid, Line
from parsers.metadata import find_signature
from parsers.normalize import label_key

Strength = Literal["exact", "fuzzy", "legacy"]
Outline = Literal["official", "legacy", "none"]

_CN_ORDINAL = "[一二三四五六七八九十]{1,2}"
_NUMBERING = re.compile(
    rf"^\s*(?:第\s*{_CN_ORDINAL}\s*部分\s*[、.．:：,，]?|{_CN_ORDINAL}\s*[、.．,，:：]|{_CN_ORDINAL}\s+|\d{{1,2}}\s*[、．])\s*"
)
# A numbered heading inside a long line: after a sentence end (or a space), the ordinal and 、
_INLINE_NUMBER = re.compile(rf"(?:(?<=[。；;！!？?:：|])|(?<=\s))\s*(?={_CN_ORDINAL}\s*[、.．])")
_TRAILING_PUNCT = " \t|:：。.,，;；"
# A Chinese ordinal prefix (一、 第二部分) starts with one of these; an Arabic one with a digit.
_CN_NUMBERING_START = frozenset("第一二三四五六七八九十")
_CJK = re.compile(r"[\u3400-\u9fff]")
_INLINE_WINDOW = 120  # enough to hold any heading wording after its ordinal
_FUZZY_MIN_RATIO = 0.8
_FUZZY_MAX_CHARS = 40
_LEGACY_MAX_CHARS = 30
# Below this many sections found by their official wording, the outline is taken to be a legacy one.
_OFFICIAL_MIN = 4
# Checked in this order: the specific meanings before the catch-alls (其他…, 收费…).
_LEGACY_ORDER = ("review_litigation", "problems", "requests", "active_disclosure", "overview", "other")


@dataclass(frozen=True)
class HeadingMatch:
    id: str
    heading: str  # the heading as written (normalised), ordinal included
    rest: str  # text after the heading on the same line
    strength: Strength
    numbered: bool


@dataclass
class Section:
    id: str
    heading: str | None = None
    blocks: list[Block] = field(default_factory=list)

    @property
    def text(self) -> str | None:
        """Its lines joined with newlines; "" when the heading stands alone; None when absent."""
        if self.heading is None:
            return None
        return _text_of(self.blocks)


@dataclass
class Sections:
    sections: dict[str, Section]  # one per template.SECTION_IDS, in that order
    preamble: list[Block] = field(default_factory=list)  # before the first heading (title, intro)
    # "legacy" when some section was recognised only by the legacy outline's keywords
    outline: Outline = "none"

    def heading(self, section_id: str) -> str | None:
        return self.sections[section_id].heading

    def blocks(self, section_id: str) -> list[Block]:
        return self.sections[section_id].blocks

    def text(self, section_id: str) -> str | None:
        return self.sections[section_id].text

    def texts(self) -> dict[str, str | None]:
        return {sid: s.text for sid, s in self.sections.items()}

    def found(self) -> list[str]:
        return [sid for sid, s in self.sections.items() if s.heading is not None]


def _text_of(blocks: list[Block]) -> str:
    """"\n".join(_block_lines(blocks)), in one pass: a line's cleaned text is never "" unless the line is
    dropped (all bars) or blank, and a grid's rows never join to "" unless it has none; when some part is
    "", the general path decides."""
    parts = [
        b.text.strip().rstrip("| ").strip()
        if isinstance(b, Line)
        else "\n".join([" | ".join(row) for row in b.rows if any(row)])
        for b in blocks
    ]
    if "" in parts:
        return "\n".join(_block_lines(blocks))
    return "\n".join(parts)


def _block_lines(blocks: list[Block]) -> list[str]:
    out: list[str] = []
    for block in blocks:
        if isinstance(block, Line):
            text = block.text.strip().rstrip("| ").strip()
            if text.strip("|"):
                out.append(text)
        else:
            out.extend(" | ".join(row) for row in block.rows if any(row))
    return out


# ---------------------------------------------------------------------------------------------
# Heading matching
# ---------------------------------------------------------------------------------------------


@lru_cache(maxsize=1)
def _pattern_entries() -> tuple[tuple[str, str, re.Pattern[str]], ...]:
    """(section id, wording key, pattern) for every official wording and variant, longest first.

    Patterns allow whitespace between any two characters (headings split by stray spaces) and any of
    、,， or nothing where the template writes 、.
    """
    out: list[tuple[str, str, re.Pattern[str]]] = []
    for spec in template.SECTIONS:
        for wording in {spec.heading, *spec.variants}:
            key = label_key(wording)
            parts = [r"[、,，]?" if ch == "、" else re.escape(ch) for ch in key]
            out.append((spec.id, key, re.compile(r"\s*".join(parts))))
    out.sort(key=lambda item: -len(item[1]))
    return tuple(out)


@lru_cache(maxsize=1)
def _patterns() -> tuple[tuple[str, re.Pattern[str]], ...]:
    return tuple((sid, pat) for sid, _, pat in _pattern_entries())


@lru_cache(maxsize=1)
def _patterns_by_first() -> dict[str, tuple[tuple[str, re.Pattern[str]], ...]] | None:
    """The patterns grouped by the character a match must start with, in their order: most lines are
    rejected by one dict lookup. None when some wording has no fixed first character (a leading 、)."""
    by_first: dict[str, list[tuple[str, re.Pattern[str]]]] = {}
    for sid, key, pattern in _pattern_entries():
        if not key or key[0] == "、":
            return None
        by_first.setdefault(key[0], []).append((sid, pattern))
    return {first: tuple(group) for first, group in by_first.items()}


@lru_cache(maxsize=1)
def _wordings() -> tuple[tuple[str, str], ...]:
    return tuple(
        (spec.id, label_key(w)) for spec in template.SECTIONS for w in (spec.heading, *spec.variants)
    )


@lru_cache(maxsize=1)
def _wording_counts() -> tuple[tuple[str, str, Counter[str]], ...]:
    return tuple((sid, wording, Counter(wording)) for sid, wording in _wordings())


def _numbering(text: str) -> tuple[int, bool, bool]:
    """(end of the ordinal prefix, numbered at all, numbered with a Chinese ordinal)."""
    first = text.lstrip()[:1]  # _NUMBERING starts with 第, a Chinese ordinal or a decimal digit
    if not first or (first not in _CN_NUMBERING_START and not first.isdecimal()):
        return 0, False, False
    m = _NUMBERING.match(text)
    if not m:
        return 0, False, False
    chinese = not m.group(0).strip()[0].isdigit()
    return m.end(), True, chinese


# Lines and cells recur (table labels, numbers): their verdicts are cached; long lines are not (memory).
_CACHE_MAX_LEN = 256


def match_heading(text: str, allow_legacy: bool = True) -> HeadingMatch | None:
    """Whether a line (or a piece of one) starts with a section heading, and which."""
    if len(text) <= _CACHE_MAX_LEN:
        return _match_heading_cached(text, allow_legacy)
    return _match_heading(text, allow_legacy)


def _exact_candidates(body: str) -> tuple[tuple[str, re.Pattern[str]], ...]:
    by_first = _patterns_by_first()
    if by_first is None:
        return _patterns()
    return by_first.get(body[:1], ())


def _match_heading(text: str, allow_legacy: bool) -> HeadingMatch | None:
    stripped = text.strip().strip("|").strip()
    if not stripped:
        return None
    start, numbered, chinese = _numbering(stripped)
    body = stripped[start:]
    for sid, pattern in _exact_candidates(body):
        m = pattern.match(body)
        if m is None:
            continue
        rest = body[m.end() :]
        if not numbered and rest.strip(_TRAILING_PUNCT):
            continue  # an unnumbered heading must stand alone: otherwise it is prose
        if rest and _CJK.match(rest):
            continue  # the wording goes on (主动公开政府信息的情况): not this variant
        heading = stripped[: start + m.end()].strip()
        return HeadingMatch(sid, heading, rest.lstrip(_TRAILING_PUNCT).rstrip(" |"), "exact", numbered)
    if not chinese or len(body) > 2 * _FUZZY_MAX_CHARS:
        return None  # near-misses and legacy headings are short lines of their own
    key = label_key(body).strip(_TRAILING_PUNCT)
    if not key or "。" in key:
        return None
    if len(key) <= _FUZZY_MAX_CHARS:
        fuzzy = _fuzzy_section(key)
        if fuzzy is not None:
            return HeadingMatch(fuzzy, stripped.strip(_TRAILING_PUNCT), "", "fuzzy", True)
    if allow_legacy and len(key) <= _LEGACY_MAX_CHARS and _legacy_keyword().search(key) is not None:
        for sid in _LEGACY_ORDER:
            spec = template.SECTION_BY_ID[sid]
            if any(word in key for word in spec.legacy_keywords):
                return HeadingMatch(sid, stripped.strip(_TRAILING_PUNCT), "", "legacy", True)
    return None


_match_heading_cached = lru_cache(maxsize=16384)(_match_heading)


@lru_cache(maxsize=1)
def _legacy_keyword() -> re.Pattern[str]:
    """Any legacy keyword of any section: a key without one is no legacy heading (one C-level search
    before the keywords are tried section by section, in order)."""
    words = sorted({w for sid in _LEGACY_ORDER for w in template.SECTION_BY_ID[sid].legacy_keywords}, key=len)
    return re.compile("|".join(re.escape(w) for w in reversed(words)) or "(?!)")


@lru_cache(maxsize=1)
def _wording_chars() -> frozenset[str]:
    """Every character some section wording has."""
    return frozenset("".join(wording for _, wording in _wordings()))


@lru_cache(maxsize=1)
def _wording_sets() -> tuple[tuple[int, frozenset[str]], ...]:
    """Each wording's length and set of characters."""
    return tuple((len(wording), frozenset(wording)) for _, wording in _wordings())


def _fuzzy_section(key: str) -> str | None:
    """The section whose wording `key` is a near-miss of (difflib ratio ≥ _FUZZY_MIN_RATIO), best first.

    difflib's ratio is 2·M/T with M at most the shorter length (its real_quick_ratio) and at most the
    characters the two strings share as multisets (its quick_ratio), so a wording that cannot reach the
    threshold by either bound is skipped unmatched.
    """
    # The same bounds for all wordings at once: no wording shares more of key's characters than key has
    # in the wordings' alphabet (c), and 2·min(c, W)/(len(key)+W) is largest at W = c, so a key with
    # 2c/(len(key)+c) below the threshold matches none: one C-level count. (Ratios of such short lengths
    # below the threshold are below it by far more than the margin, which keeps a tie for the general path.)
    shared_at_most = sum(map(_wording_chars().__contains__, key))
    if key and 2.0 * shared_at_most / (len(key) + shared_at_most) < _FUZZY_MIN_RATIO - 1e-9:
        return None
    # Then wording by wording, counting key's characters in the wording's set (at least the multiset
    # count): when no wording can reach the threshold, the general path would match none.
    for length, chars in _wording_sets():
        shared_at_most = min(sum(map(chars.__contains__, key)), length)
        if 2.0 * shared_at_most / (len(key) + length) >= _FUZZY_MIN_RATIO - 1e-9:
            return _fuzzy_section_general(key)
    return None


def _fuzzy_section_general(key: str) -> str | None:
    """_fuzzy_section, wording by wording."""
    best: tuple[float, str] | None = None
    key_counts = Counter(key)
    for sid, wording, counts in _wording_counts():
        total = len(key) + len(wording)
        if 2.0 * min(len(key), len(wording)) / total < _FUZZY_MIN_RATIO:
            continue
        shared = sum(min(n, counts[ch]) for ch, n in key_counts.items())
        if 2.0 * shared / total < _FUZZY_MIN_RATIO:
            continue
        ratio = difflib.SequenceMatcher(None, key, wording).ratio()
        if ratio >= _FUZZY_MIN_RATIO and (best is None or ratio > best[0]):
            best = (ratio, sid)
    return best[1] if best is not None else None


# A numbered heading can follow a sentence end inside a line only where an ordinal and 、 stand.
# (_CN_ORDINAL's [一…十]{1,2} written out as [一…十][一…十]?: the same matches, and the engine then skips
# ahead to the numeral's class, twice as fast on prose.)
_NUMERAL = "[一二三四五六七八九十]"
_INLINE_ORDINAL = re.compile(rf"{_NUMERAL}{_NUMERAL}?\s*[、.．]")


# What may stand right before an inline heading's ordinal (besides whitespace): _INLINE_NUMBER's lookbehind.
_SENTENCE_END = "。；;！!？?:：|"


def _split_inline(text: str) -> list[str]:
    """Cut a line before every numbered official heading that follows a sentence end inside it.

    _INLINE_NUMBER ends its matches where an ordinal starts whose previous character is whitespace or a
    sentence end (its lookbehind, or the whitespace it consumed); those are the starts of _INLINE_ORDINAL
    matches so preceded (an ordinal inside another match follows a numeral, never such a character), found
    here without trying the lookbehinds at every position (_split_inline_general: the pattern itself).
    """
    cuts = [0]
    for m in _INLINE_ORDINAL.finditer(text):
        pos = m.start()
        if pos == 0 or pos in cuts:
            continue
        before = text[pos - 1]
        if not before.isspace() and before not in _SENTENCE_END:
            continue
        found = match_heading(text[pos : pos + _INLINE_WINDOW], allow_legacy=False)
        if found is not None and found.strength == "exact" and found.numbered:
            cuts.append(pos)
    return _cut(text, cuts)


def _cut(text: str, cuts: list[int]) -> list[str]:
    """The text's pieces between the cut positions (cuts[0] == 0), stripped, empty ones left out."""
    if len(cuts) == 1:
        return [text]
    ends = [*cuts[1:], len(text)]
    return [piece for a, b in zip(cuts, ends, strict=True) if (piece := text[a:b].strip())]


def _split_inline_general(text: str) -> list[str]:
    """_split_inline by _INLINE_NUMBER."""
    if _INLINE_ORDINAL.search(text) is None:
        return [text]
    cuts = [0]
    for m in _INLINE_NUMBER.finditer(text):
        pos = m.end()
        if pos == 0 or pos in cuts:
            continue
        found = match_heading(text[pos : pos + _INLINE_WINDOW], allow_legacy=False)
        if found is not None and found.strength == "exact" and found.numbered:
            cuts.append(pos)
    return _cut(text, cuts)


# ---------------------------------------------------------------------------------------------
# Splitting
# ---------------------------------------------------------------------------------------------


class _Items:
    """The body as split sees it: blocks (lines cut at inline headings, heading lines as headings), the
    heading each starts with (None for most), and for a match the outline may refuse, the line as it was.
    Parallel lists: a report has a hundred blocks and a handful of headings."""

    def __init__(self) -> None:
        self.blocks: list[Block] = []
        self.matches: list[HeadingMatch | None] = []
        self.originals: list[Block | None] = []
        self.heads: list[int] = []  # positions whose match is not None, in order
        self.joinable: list[int] = []  # positions of lines that may start a heading broken over two

    def add(self, block: Block, match: HeadingMatch | None = None, original: Block | None = None) -> None:
        if match is not None:
            self.heads.append(len(self.blocks))
        self.blocks.append(block)
        self.matches.append(match)
        self.originals.append(original)


class _Pieces(NamedTuple):
    pieces: tuple[tuple[str, HeadingMatch | None], ...]  # empty: the line is one piece, itself, no heading
    joinable: bool  # short and numbered with a Chinese ordinal (see _join_split_headings)


def _line_pieces(text: str) -> _Pieces:
    """A line cut before inline headings, each piece with the heading it starts with (if any)."""
    pieces = tuple((piece, match_heading(piece)) for piece in _split_inline(text))
    joinable = len(text) <= _JOIN_FIRST_MAX and _chinese_numbered(text)
    if len(pieces) == 1 and pieces[0][1] is None and pieces[0][0] == text:  # most lines: text, whole
        return _Pieces((), joinable)
    return _Pieces(pieces, joinable)


_line_pieces_cached = lru_cache(maxsize=16384)(_line_pieces)
# A heading broken over two lines: at most this long before the break, and this long after it.
_JOIN_FIRST_MAX = 24
_JOIN_SECOND_MAX = 16


def _with_text(block: Line, text: str) -> Line:
    """A line cut out of `block`: where it was read (method, page, confidence) stays with it."""
    if text == block.text:
        return block
    return Line(text, block.method, block.page, block.confidence)


def _items_general(blocks: list[Block]) -> _Items:
    """_items, one line at a time: the general form (for wordings without a fixed first character)."""
    items = _Items()
    out_blocks, matches, originals, joinable = items.blocks, items.matches, items.originals, items.joinable
    for block in blocks:
        if isinstance(block, Grid):
            out_blocks.append(block)
            matches.append(None)
            originals.append(None)
            continue
        text = block.text
        line = _line_pieces_cached(text) if len(text) <= _CACHE_MAX_LEN else _line_pieces(text)
        if not line.pieces:
            if line.joinable:
                joinable.append(len(out_blocks))
            out_blocks.append(block)
            matches.append(None)
            originals.append(None)
            continue
        for piece, found in line.pieces:
            if found is None:
                cut = _with_text(block, piece)
                if len(piece) <= _JOIN_FIRST_MAX and _chinese_numbered(piece):
                    joinable.append(len(out_blocks))
                items.add(cut)
                continue
            heading = _with_text(block, found.heading)
            if found.strength == "exact":
                items.add(heading, found)
                if found.rest:
                    rest = _with_text(block, found.rest)
                    if len(found.rest) <= _JOIN_FIRST_MAX and _chinese_numbered(found.rest):
                        joinable.append(len(out_blocks))
                    items.add(rest)
            else:
                if len(heading.text) <= _JOIN_FIRST_MAX and _chinese_numbered(heading.text):
                    joinable.append(len(out_blocks))
                items.add(heading, found, _with_text(block, piece))
    return _join_split_headings(items)


@lru_cache(maxsize=1)
def _candidate() -> re.Pattern[str] | None:
    """What a line must start with for _line_pieces to find anything in it, unless it holds an
    _INLINE_ORDINAL (None: no such test, when some wording has no fixed first character).

    A heading match needs the line, past spaces and bars, to start with an ordinal (第, a Chinese
    numeral, or digits with 、．: only these make _numbering's prefix; a Chinese numeral may also start
    a wording-less legacy or fuzzy heading) or with a wording's first character; a cut needs
    _INLINE_ORDINAL; a joinable line starts with a Chinese ordinal. Anything else is a plain line.
    """
    by_first = _patterns_by_first()
    if by_first is None:
        return None
    firsts = "".join(re.escape(ch) for ch in sorted(by_first))
    numerals = "".join(sorted(_CN_NUMBERING_START))
    return re.compile(rf"[\s|]*(?:[{firsts}{numerals}]|\d{{1,2}}\s*[、．])")


def _line_verdict(text: str) -> _Pieces | HeadingMatch | None:
    """_line_pieces(text) for _items: None for a plain line (one piece, no heading, not joinable), the match
    alone for a line that is an exact heading and nothing else (most heading lines), skipping the
    matching for lines that cannot be anything but plain (_candidate; _INLINE_ORDINAL, which starts with
    a numeral, is only searched for in lines with one of the marks that must follow it)."""
    candidate = _candidate()
    if candidate is not None and candidate.match(text) is None:
        # _has_inline_ordinal, inline: most lines end here
        if "、" not in text and "." not in text and "．" not in text:
            return None
        if _INLINE_ORDINAL.search(text) is None:
            return None
    line = _line_pieces(text)
    if not line.pieces:
        return line if line.joinable else None
    if len(line.pieces) == 1:
        found = line.pieces[0][1]
        if found is not None and found.strength == "exact" and found.heading == text and not found.rest:
            return found
    return line


def _has_inline_ordinal(text: str) -> bool:
    """_INLINE_ORDINAL.search(text), asked only of lines with one of the marks that must follow the numeral
    (str's own search is far cheaper than the pattern's)."""
    if "、" not in text and "." not in text and "．" not in text:
        return False
    return _INLINE_ORDINAL.search(text) is not None


_line_verdict_cached = lru_cache(maxsize=16384)(_line_verdict)


def _items(blocks: list[Block]) -> _Items:
    """The body as split sees it (see _Items), as _items_general makes it. Most lines are plain: each
    takes one memo lookup, and only the others are looked at one by one."""
    if _candidate() is None:
        return _items_general(blocks)
    verdicts = [
        None  # a grid is plain
        if isinstance(b, Grid)
        else (_line_verdict_cached(t) if len(t := b.text) <= _CACHE_MAX_LEN else _line_verdict(t))
        for b in blocks
    ]
    out_blocks: list[Block] = []
    heads: list[int] = []
    head_matches: list[HeadingMatch] = []
    originals: dict[int, Block] = {}
    joinable: list[int] = []
    start = 0
    for i in itertools.compress(range(len(verdicts)), verdicts):
        line = verdicts[i]
        block = blocks[i]
        assert line is not None and isinstance(block, Line)
        out_blocks.extend(blocks[start:i])
        start = i + 1
        if isinstance(line, HeadingMatch):  # the whole line is the heading
            heads.append(len(out_blocks))
            head_matches.append(line)
            out_blocks.append(block)
            continue
        if not line.pieces:  # joinable, whole
            joinable.append(len(out_blocks))
            out_blocks.append(block)
            continue
        for piece, found in line.pieces:  # as _items_general adds them
            if found is None:
                if len(piece) <= _JOIN_FIRST_MAX and _chinese_numbered(piece):
                    joinable.append(len(out_blocks))
                out_blocks.append(_with_text(block, piece))
                continue
            heads.append(len(out_blocks))
            head_matches.append(found)
            heading = _with_text(block, found.heading)
            if found.strength == "exact":
                out_blocks.append(heading)
                if found.rest:
                    if len(found.rest) <= _JOIN_FIRST_MAX and _chinese_numbered(found.rest):
                        joinable.append(len(out_blocks))
                    out_blocks.append(_with_text(block, found.rest))
            else:
                if len(heading.text) <= _JOIN_FIRST_MAX and _chinese_numbered(heading.text):
                    joinable.append(len(out_blocks))
                originals[len(out_blocks)] = _with_text(block, piece)
                out_blocks.append(heading)
    out_blocks.extend(blocks[start:])
    matches: list[HeadingMatch | None] = [None] * len(out_blocks)
    for pos, match in zip(heads, head_matches, strict=True):
        matches[pos] = match
    at: list[Block | None] = [None] * len(out_blocks)
    for pos, original in originals.items():
        at[pos] = original
    items = _Items()
    items.blocks, items.matches, items.originals, items.heads = out_blocks, matches, at, heads
    items.joinable = joinable
    return _join_split_headings(items)


def _join_split_headings(items: _Items) -> _Items:
    """A numbered heading broken over two lines (四、政府信息公开行政复议、 / 行政诉讼情况)."""
    if not items.joinable:
        return items
    blocks, matches = items.blocks, items.matches
    joined: dict[int, HeadingMatch] = {}  # first line's position -> the heading the two lines make
    last = len(blocks) - 1
    skip_to = -1
    for i in items.joinable:
        if i < skip_to or i >= last:
            continue
        block, nxt_block = blocks[i], blocks[i + 1]
        match = matches[i]
        if (
            isinstance(block, Line)
            and isinstance(nxt_block, Line)
            and matches[i + 1] is None
            and len(nxt_block.text) <= _JOIN_SECOND_MAX
            and (match is None or match.strength != "exact")
        ):
            found = match_heading(block.text + nxt_block.text, allow_legacy=False)
            if found is not None and found.strength == "exact" and not found.rest:
                joined[i] = found
                skip_to = i + 2
    if not joined:
        return items
    out = _Items()
    i = 0
    while i < len(blocks):
        found = joined.get(i)
        if found is not None:
            block = blocks[i]
            assert isinstance(block, Line)
            out.add(_with_text(block, found.heading), found)
            i += 2
            continue
        out.add(blocks[i], matches[i], items.originals[i])
        i += 1
    return out


def _chinese_numbered(text: str) -> bool:
    """Numbered with a Chinese ordinal (_numbering's third answer), rejecting most lines by their first
    character."""
    return text.lstrip()[:1] in _CN_NUMBERING_START and _numbering(text)[2]


def _strip_signature(blocks: list[Block]) -> list[Block]:
    """Drop the signature (organ, date) that closes the report from the last section's text."""
    lines = [(i, b.text) for i, b in enumerate(blocks) if isinstance(b, Line)]
    if not lines:
        return blocks
    line_positions = [i for i, _ in lines]
    texts = [text for _, text in lines]
    signature = find_signature(texts)
    if signature is None:
        return blocks
    first = line_positions[signature.line]
    kept = blocks[:first]
    before = texts[signature.line][: signature.start].strip() if signature.start else ""
    signed = blocks[first]
    if before and isinstance(signed, Line):
        kept.append(_with_text(signed, before))
    return kept


def _fills_a_gap(section_id: str, pos: int, exact_at: dict[str, int]) -> bool:
    """In an official outline, a heading known only by legacy wording (四、复议、诉讼情况) still counts
    when its section has no official heading and it stands where the outline's order puts that section."""
    if section_id in exact_at:
        return False
    order = template.SECTION_IDS.index(section_id)
    for other, at in exact_at.items():
        other_order = template.SECTION_IDS.index(other)
        if (other_order < order and at > pos) or (other_order > order and at < pos):
            return False
    return True


def split(blocks: list[Block]) -> Sections:
    """The six sections of a report body (see the module doc for what counts as a heading)."""
    items = _items(blocks)
    body, matches, heads = items.blocks, items.matches, items.heads
    exact_at: dict[str, int] = {}
    for pos in heads:
        head = matches[pos]
        if head is not None and head.strength == "exact":
            exact_at.setdefault(head.id, pos)
    legacy = len(exact_at) < _OFFICIAL_MIN
    sections = {sid: Section(sid) for sid in template.SECTION_IDS}
    preamble: list[Block] = []
    current: Section | None = None
    used_legacy = False
    # The blocks between two headings taken go, as a slice, to the section the first one opened; a match
    # not taken stays in its slice as the line it was.
    start = 0
    for pos in heads:
        match = matches[pos]
        assert match is not None
        if legacy or match.strength != "legacy" or _fills_a_gap(match.id, pos, exact_at):
            target = sections[match.id]
            if target.heading is None or legacy:
                (preamble if current is None else current.blocks).extend(body[start:pos])
                start = pos + 1
                if target.heading is None:
                    target.heading = match.heading
                    used_legacy = used_legacy or match.strength == "legacy"
                # a legacy outline may split one meaning over two parts (收费…, 其他…)
                current = target
                continue
        original = items.originals[pos]
        if original is not None:
            body[pos] = original
    (preamble if current is None else current.blocks).extend(body[start:])
    if current is not None:
        current.blocks = _strip_signature(current.blocks)
    found = [s for s in sections.values() if s.heading is not None]
    outline: Outline = "none" if not found else ("legacy" if used_legacy else "official")
    return Sections(sections, preamble, outline)
