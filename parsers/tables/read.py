"""`read_tables`: tables 二, 三 and 四 from the blocks of the report's sections.

Each table is looked for under its own heading first, then under the other headings nearest to it
(a missing or misread heading leaves a table under its neighbour), then before the first heading.
The format is told by labels only one format has; without them, by the caller's hint (the report
year); without a hint, by which format's rows the tables match best.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from operator import itemgetter
from typing import Final, Protocol

from parsers import template
from parsers.blocks import Block, Line
from parsers.model import Table
from parsers.tables.active import read_active
from parsers.tables.labels import format_markers
from parsers.tables.requests import read_requests
from parsers.tables.review import read_review
from parsers.tables.tokens import MAX_LABEL_LEN as _MAX_LABEL_LEN
from parsers.tables.tokens import Token, tokenize

PREAMBLE: Final[str] = "preamble"
_SEPARATOR: Final[str] = "\x00"
_KIND: Final = itemgetter(0)
_KEY: Final = itemgetter(2)
_STOP: Final[str] = "。"
# Each table's id is also the id of the section it belongs under (its "home").


class SectionLike(Protocol):
    @property
    def heading(self) -> str | None: ...
    @property
    def blocks(self) -> list[Block]: ...


class SectionsLike(Protocol):
    """What `parsers.sections.split` returns (kept structural: tables does not import sections)."""

    @property
    def sections(self) -> Mapping[str, SectionLike]: ...
    @property
    def preamble(self) -> list[Block]: ...


@dataclass
class TablesResult:
    format: str | None  # "2021" | "2019"; None when no table was read and no format label seen
    tables: dict[str, Table | None]  # keys exactly template.TABLE_IDS; None = table absent
    warnings: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class _Place:
    name: str  # a section id, or PREAMBLE
    tokens: list[Token]


def _inert(blocks: Sequence[Block]) -> bool:
    """Whether the blocks are lines of prose only: every word holds a full stop and no line a `|`.

    Such a line tokenizes to one prose label per physical line (a word with 。 is never a value, and
    the label it joins keeps the 。), and prose labels open no row, start no table 四 and carry no
    format marker: a place of them reads exactly as a place of no tokens, so it is not tokenized."""
    for block in blocks:
        if not isinstance(block, Line):
            return False
        text = block.text
        if "。" not in text or "|" in text:
            return False
        words = text.split()
        # Prose lines rarely hold spaces: one word, and the text holds a full stop.
        if len(words) > 1 and not all(_STOP in word for word in words):
            return False
    return True


def _tokens(blocks: Sequence[Block]) -> list[Token]:
    return [] if _inert(blocks) else tokenize(blocks)


def _places(sections: Mapping[str, Sequence[Block]] | SectionsLike) -> list[_Place]:
    if isinstance(sections, Mapping):
        return [_Place(name, _tokens(blocks)) for name, blocks in sections.items()]
    places = [
        _Place(sid, _tokens(section.blocks))
        for sid, section in sections.sections.items()
        if section.heading is not None
    ]
    if sections.preamble:
        places.append(_Place(PREAMBLE, _tokens(sections.preamble)))
    return places


def _search_order(places: Sequence[_Place], home: str) -> list[_Place]:
    """Home first, then the nearest sections (the one before first: a lost heading merges a table
    into the section above it), then the preamble and anything unknown."""
    order = list(template.SECTION_IDS)
    at = order.index(home)

    def rank(place: _Place) -> tuple[int, int]:
        if place.name == home:
            return (0, 0)
        if place.name in order:
            j = order.index(place.name)
            return (abs(j - at), 0 if j < at else 1)
        return (len(order), 0)

    return sorted(places, key=rank)


def detect_format(places: Sequence[_Place]) -> str | None:
    """ "2021" or "2019" from labels only that format's tables carry (2021 wins), else None."""
    # The distinct keys are gathered at C speed (values and breaks have the key "", which holds no
    # marker); a label's prose verdict is a function of its key (`Token.is_prose`: a full stop, or
    # longer than any label), so dropping the prose keys from the set leaves exactly the keys of
    # labels that are not prose. They are joined into one string, and no marker holds the separator,
    # so a marker is in the string exactly when it is in one key.
    distinct: set[str] = set()
    for place in places:
        distinct.update(map(_KEY, place.tokens))
    keys = _SEPARATOR.join([key for key in distinct if _STOP not in key and len(key) <= _MAX_LABEL_LEN])
    for fmt, markers in format_markers():
        if any(marker in keys for marker in markers):
            return fmt
    return None


def _searched(places: Sequence[_Place]) -> list[_Place]:
    """The places a table is looked for in: a place without value tokens reads nothing (every run, of
    rows or of table 四, is of values) and gives no warning, so it is left out."""
    return [p for p in places if "value" in map(_KIND, p.tokens)]


@dataclass
class _Reading:
    fmt: str
    tables: dict[str, Table | None]
    where: dict[str, str]
    warnings: list[str]
    rows: int


def _read(places: Sequence[_Place], fmt: str) -> _Reading:
    reading = _Reading(fmt, dict.fromkeys(template.TABLE_IDS), {}, [], 0)
    for table_id in template.TABLE_IDS:
        for place in _search_order(places, table_id):
            if table_id == "active_disclosure":
                table, warnings, rows = read_active(place.tokens, fmt)
            elif table_id == "requests":
                table, warnings, rows = read_requests(place.tokens, fmt)
            else:
                table, warnings = read_review(place.tokens)
                rows = 0
            if table is None and not warnings:
                continue
            reading.warnings.extend(warnings)
            if table is not None:
                reading.tables[table_id] = table
                reading.where[table_id] = place.name
                reading.rows += rows
                break
    return reading


def _missing_warnings(reading: _Reading, places: Sequence[_Place]) -> list[str]:
    headed = {p.name for p in places}
    out: list[str] = []
    for table_id in template.TABLE_IDS:
        where = reading.where.get(table_id)
        number = template.SECTION_BY_ID[table_id].number
        if where is None:
            if table_id in headed:
                out.append(f"tables missing: section {number} has no table (image?)")
            else:
                out.append(f"tables missing: no section {number} heading and no table {number} found")
        elif where != table_id:
            place = template.SECTION_BY_ID[where].number if where in template.SECTION_BY_ID else where
            out.append(f"table {number} read under section {place}, not under its own heading")
    return out


def read_tables(
    sections: Mapping[str, Sequence[Block]] | SectionsLike, fmt_hint: str | None = None
) -> TablesResult:
    """Tables 二/三/四 from section blocks: a mapping {section id: blocks} of the headings found, or
    the result of `parsers.sections.split` (whose preamble is searched last)."""
    places = _places(sections)
    detected = detect_format(places)
    if detected is not None:
        candidates = [detected]
    elif fmt_hint in template.TABLE_FORMATS:
        candidates = [fmt_hint]
    else:
        candidates = list(template.TABLE_FORMATS)
    searched = _searched(places)
    readings = [_read(searched, fmt) for fmt in candidates]
    best = max(readings, key=lambda r: r.rows)  # max keeps the first on ties: 2021
    found = any(t is not None for t in best.tables.values())
    warnings = list(best.warnings)
    if found or detected is not None or fmt_hint in template.TABLE_FORMATS:
        warnings.extend(_missing_warnings(best, places))
    fmt = detected if detected is not None else (best.fmt if found else None)
    return TablesResult(fmt, best.tables, warnings)
