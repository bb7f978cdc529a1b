"""Matching the labels found in a document to the template's rows.

Real tables renumber rows ("1、" for "1.", "(1)" for "(一)"), drop the numbering, put the group label
in front of the row label, cut long labels over two cells or lines, and keep notes in brackets.
Matching therefore compares "cores" — the label without numbering, quotes and trailing colon —
and accepts a bracketed or digit-free tail after the core, or a long enough truncated core.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from typing import Final, Literal

from parsers import template
from parsers.normalize import label_key

_CN_NUM: Final[str] = "一二三四五六七八九十"
_NUMBERING: Final[re.Pattern[str]] = re.compile(
    rf"^(?:[{_CN_NUM}]+[、.,:]|\([{_CN_NUM}]+\)[、.]?|\d{{1,2}}[.、,:](?!\d)|\(\d{{1,2}}\)[、.]?|[①-⑳]"
    rf"|第[{_CN_NUM}]+(?:项|部分)[、.:]?)"
)
# Shorter cores (其他, 总计) are too common to be trusted far from where the reader expects them.
SHORT_CORE: Final[int] = 4
# A truncated label (cut over two lines) is accepted when at least this much of the core is there.
_TRUNCATED_MIN: Final[int] = 6
_TAIL_MAX: Final[int] = 30
_MARKER_LEN: Final[int] = 12

# "label": the whole label as the template writes it; "core": the label without numbering;
# "tolerant": a core with a note after it, or a core cut short.
Strength = Literal["label", "core", "tolerant"]


@lru_cache(maxsize=8192)
def core(key: str) -> str:
    """A label key without leading numbering (repeated: "三、(一)"), quotes and trailing colons."""
    key = key.replace('"', "")
    while True:
        match = _NUMBERING.match(key)
        if match is None or match.end() == len(key):
            break
        key = key[match.end() :]
    return key.rstrip(":")


@dataclass(frozen=True)
class RowKeys:
    id: str
    keys: frozenset[str]  # full label keys, numbering included
    cores: tuple[str, ...]

    @property
    def short(self) -> bool:
        return all(len(c) < SHORT_CORE for c in self.cores)


def row_keys(row_id: str, labels: Iterable[str]) -> RowKeys:
    keys = frozenset(label_key(label).replace('"', "") for label in labels)
    cores = tuple(sorted({core(k) for k in keys}, key=len, reverse=True))
    return RowKeys(row_id, keys, cores)


def _tail_ok(tail: str) -> bool:
    """What may follow a row's core in the same cell: a note, never a figure or a sentence."""
    return len(tail) <= _TAIL_MAX and not any(ch.isdigit() for ch in tail) and "。" not in tail


def match(key: str, row: RowKeys) -> Strength | None:
    """How a label key (already stripped of group labels) matches one template row."""
    bare = key.replace('"', "")
    if bare in row.keys:
        return "label"
    token_core = core(bare)
    if not token_core:
        return None
    for row_core in row.cores:
        if token_core == row_core:
            return "core"
        if len(row_core) < SHORT_CORE:
            continue
        if token_core.startswith(row_core) and _tail_ok(token_core[len(row_core) :]):
            return "tolerant"
        if len(token_core) >= _TRUNCATED_MIN and row_core.startswith(token_core):
            return "tolerant"
    return None


@lru_cache(maxsize=1)
def _group_prefixes() -> tuple[str, ...]:
    prefixes = {label_key(g) for g in template.REQUEST_GROUP_LABELS}
    prefixes |= {core(p) for p in prefixes}
    return tuple(sorted(prefixes, key=len, reverse=True))


@lru_cache(maxsize=8192)
def strip_groups(key: str) -> str:
    """Drop group labels written in front of a row label ("(三)不予公开1.属于国家秘密")."""
    changed = True
    while changed:
        changed = False
        for prefix in _group_prefixes():
            if key.startswith(prefix) and len(key) > len(prefix):
                key = key[len(prefix) :]
                changed = True
                break
    return key


@lru_cache(maxsize=4)
def request_row_keys(fmt: str) -> tuple[RowKeys, ...]:
    return tuple(row_keys(r.id, (r.label, *r.synonyms)) for r in template.request_rows(fmt))


@lru_cache(maxsize=4)
def active_row_keys(fmt: str) -> tuple[RowKeys, ...]:
    return tuple(row_keys(r.id, (r.label, *r.synonyms)) for r in template.ACTIVE_DISCLOSURE[fmt])


@lru_cache(maxsize=4)
def _row_index(table: str, fmt: str) -> tuple[dict[str, tuple[int, ...]], dict[str, tuple[int, ...]]]:
    """({full key: rows}, {first character of a core: rows}) of a table's rows (see `candidate_rows`)."""
    rows = request_row_keys(fmt) if table == "requests" else active_row_keys(fmt)
    by_key: dict[str, list[int]] = {}
    by_first: dict[str, list[int]] = {}
    for idx, row in enumerate(rows):
        for key in row.keys:
            by_key.setdefault(key, []).append(idx)
        for first in {c[0] for c in row.cores if c}:
            by_first.setdefault(first, []).append(idx)
    return (
        {k: tuple(v) for k, v in by_key.items()},
        {k: tuple(v) for k, v in by_first.items()},
    )


def candidate_rows(table: str, fmt: str, key: str) -> list[int]:
    """The rows of table `table` ("requests" or "active") that `match(key, row)` may match, in order:
    a full key of theirs, or a core starting as the key's core does (every core match and tolerant
    match shares the first character) — the others are not tried."""
    by_key, by_first = _row_index(table, fmt)
    bare = key.replace('"', "")
    token_core = core(bare)
    found = set(by_key.get(bare, ()))
    if token_core:
        found.update(by_first.get(token_core[0], ()))
    return sorted(found)


@lru_cache(maxsize=1)
def review_block_keys() -> tuple[RowKeys, ...]:
    return tuple(row_keys(b.id, (b.label, *b.synonyms)) for b in template.REVIEW_BLOCKS)


@lru_cache(maxsize=1)
def review_header_keys() -> frozenset[str]:
    labels = (*template.REVIEW_HEADER_LABELS, *(c.label for c in template.REVIEW_COLUMNS))
    return frozenset(label_key(label) for label in labels)


@lru_cache(maxsize=1)
def format_markers() -> tuple[tuple[str, tuple[str, ...]], ...]:
    """Label fragments only one format's tables carry: template.FORMAT_MARKERS plus the cores of the
    rows of table 三 that exist in one format only (so a report without table 二 still tells)."""
    out: list[tuple[str, tuple[str, ...]]] = []
    for fmt in template.TABLE_FORMATS:
        own = [label_key(m) for m in template.FORMAT_MARKERS.get(fmt, ())]
        for row in template.REQUEST_ROWS:
            if row.formats == (fmt,):
                row_core = core(label_key(row.label))
                # The head of the label only: long labels are often cut over two cells or lines.
                if len(row_core) >= _MARKER_LEN:
                    own.append(row_core[:_MARKER_LEN])
        out.append((fmt, tuple(own)))
    return tuple(out)
