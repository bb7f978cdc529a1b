"""Blocks → one stream of table tokens: labels, values (blank cells included) and row breaks.

Every layout a table arrives in — HTML grids, one cell per line, `|`-separated cells, Markdown rows,
space-separated rows — becomes the same stream, so one reader per table serves them all. The
readers walk the template's rows in order and take the values that follow each row label.

Breaks are emitted only where the layout marks a row's end for certain (a grid row, a line holding
several cells, a line of `||` separators); one-cell-per-line text has none.

Every value token carries where it was read (`source`: the block's method and page, the OCR confidence
of its grid cell or line), so every Cell of a table can say so.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import lru_cache
from typing import Final, Literal, NamedTuple

from parsers.blocks import Block, Grid, Line
from parsers.model import CellSource
from parsers.normalize import label_key
from parsers.tables.cells import looks_like_value
from parsers.template import OCR_LOW_CONFIDENCE

TokenKind = Literal["label", "value", "break"]

# A Markdown header rule: |---|:---:| (three dashes at least, so a "-" 不适用 mark never matches).
_MD_RULE: Final[re.Pattern[str]] = re.compile(r"^\|?\s*:?-{3,}:?\s*(\|\s*:?-{3,}:?\s*)*\|?$")
_PIPES_ONLY: Final[re.Pattern[str]] = re.compile(r"^[|\s]+$")
# Prose is never a label of a table: a full stop, or a length no template label comes near.
MAX_LABEL_LEN: Final[int] = 90


class Token(NamedTuple):
    """A tuple, not a dataclass: a report's tables make a few thousand, and tuples are built fastest."""

    kind: TokenKind
    text: str = ""  # cell text as read, stripped; "" for a blank cell and for breaks
    key: str = ""  # label_key(text) for labels
    source: CellSource | None = None  # where a value was read; None for breaks
    is_prose: bool = False  # a label that is prose (see MAX_LABEL_LEN), never a row of a table


BREAK: Final[Token] = Token("break")


@lru_cache(maxsize=1024)
def source_of(method: str, page: int | None, confidence: float | None) -> CellSource:
    """One CellSource per distinct (method, page, confidence): sources are immutable, and sharing them
    lets the tokens and cells read from them be memoised by source."""
    low = confidence is not None and confidence < OCR_LOW_CONFIDENCE
    return CellSource(method, page, confidence, low)


def _value(text: str, source: CellSource | None = None) -> Token:
    return Token("value", text, "", source)


def _label(text: str, source: CellSource | None = None) -> Token:
    key = label_key(text)
    return Token("label", text, key, source, "。" in key or len(key) > MAX_LABEL_LEN)


# The same cell texts recur in every table (0, small counts, header labels): one token per (source,
# text) serves them all. Per source, like build's Cell memo, so a row of cells looks its memo up once;
# each dict is emptied when full, and the lru_cache (emptied with the others) drops them all.
_TOKEN_MEMO_ENTRIES: Final[int] = 16384
_TOKEN_MEMO_MAX_LEN: Final[int] = 256


@lru_cache(maxsize=256)
def _token_memo(source: CellSource | None) -> dict[str, Token]:
    return {}


def _cell_token(text: str, source: CellSource | None, memo: dict[str, Token]) -> Token:
    """`_cell(text, source)` (not in values), memoised in `memo` (the source's)."""
    token = memo.get(text)
    if token is None:
        token = _cell(text, source)
        if len(text) <= _TOKEN_MEMO_MAX_LEN:
            if len(memo) >= _TOKEN_MEMO_ENTRIES:
                memo.clear()
            memo[text] = token
    return token


def _words(text: str, source: CellSource | None) -> list[Token]:
    """A run of text: value words stand alone, consecutive label words join into one label."""
    out: list[Token] = []
    pending: list[str] = []
    for word in text.split():
        # A word of prose (a full stop: normalisation keeps 。, opencc's t2s tables hold none) is never
        # a value; its verdict is known without normalising it.
        if "。" not in word and looks_like_value(word):
            if pending:
                out.append(_label(" ".join(pending), source))
                pending = []
            out.append(_value(word, source))
        else:
            pending.append(word)
    if pending:
        out.append(_label(" ".join(pending), source))
    return out


def _cell(text: str, source: CellSource | None, in_values: bool = False) -> Token:
    """One delimited cell (grid or `|`): the whole cell is a value, a blank, or one label.

    `in_values`: the cell follows a value in the same row, so it is a value however it reads
    (an unreadable value must be reported as such, not end the row as if it were a label).
    """
    text = " ".join(text.split())
    if in_values or not text or looks_like_value(text):
        return _value(text, source)
    return _label(text, source)


def _row_of(cells: Iterable[str], source: CellSource | None) -> list[Token]:
    """`_row` for cells that share one source (every row but an OCR grid's)."""
    memo = _token_memo(source)
    out: list[Token] = []
    in_values = False
    for cell in cells:
        token = _cell_token(cell, source, memo)
        if in_values:
            if token.kind == "label":  # _cell with in_values: a value however it reads
                token = Token("value", token.text, "", source)
        elif token.kind == "value" and token.text:
            in_values = True
        out.append(token)
    return out


def _row(cells: Iterable[tuple[str, CellSource | None]]) -> list[Token]:
    out: list[Token] = []
    in_values = False
    for cell, source in cells:
        token = _cell(cell, source, in_values)
        in_values = in_values or (token.kind == "value" and token.text != "")
        out.append(token)
    return out


def _pipe_line(line: str, source: CellSource | None) -> list[Token]:
    """A line with `|` separators.

    A line that is a single `|` is one blank cell (flattened pages write every cell as `text |`, so an
    empty cell is a bare `|`); a line of two or more pipes only separates rows.
    """
    if _PIPES_ONLY.match(line):
        return [_value("", source)] if line.count("|") == 1 else [BREAK]
    if _MD_RULE.match(line):
        return [BREAK]
    body = line
    if body.startswith("|"):
        body = body[1:]
    if body.endswith("|"):
        body = body[:-1]
    cells = body.split("|")
    out = _row_of(cells, source)
    if len(cells) > 1:
        out.append(BREAK)
    return out


def _line(text: str, source: CellSource | None) -> list[Token]:
    line = text.strip()
    if not line:
        return []
    if "|" in line:
        return _pipe_line(line, source)
    tokens = _words(line, source)
    if len(tokens) > 1:
        tokens.append(BREAK)
    return tokens


# Lines and grid rows recur across reports (labels, headers, rows of zeros): their tokens are memoised
# by text and source (tokens are immutable). Long lines are prose, which does not recur: not memoised.
_MEMO_MAX_LEN: Final[int] = 512
_MEMO_ENTRIES: Final[int] = 16384


def _text_tokens(text: str, method: str, page: int | None, confidence: float | None) -> tuple[Token, ...]:
    """The tokens of a Line's text (physical lines split at newlines). Keyed by the source's parts, which
    hash faster than the source."""
    source = source_of(method, page, confidence)
    if "\n" not in text:
        return tuple(_line(text, source))
    out: list[Token] = []
    for physical in text.split("\n"):
        out.extend(_line(physical, source))
    return tuple(out)


_text_tokens_cached = lru_cache(maxsize=_MEMO_ENTRIES)(_text_tokens)


def _row_tokens(row: tuple[str, ...], method: str, page: int | None) -> tuple[Token, ...]:
    """A grid row read without confidences: its tokens and the row break (nothing for an empty row)."""
    if not any(cell.strip() for cell in row):
        return ()
    source = source_of(method, page, None)
    return (*_row_of(row, source), BREAK)


_row_tokens_cached = lru_cache(maxsize=_MEMO_ENTRIES)(_row_tokens)


def _grid(grid: Grid) -> list[Token]:
    confidence = grid.confidence
    out: list[Token] = []
    for r, row in enumerate(grid.rows):
        if confidence is None or r >= len(confidence):
            out.extend(_row_tokens_cached(tuple(row), grid.method, grid.page))
            continue
        if not any(cell.strip() for cell in row):
            continue
        row_conf = confidence[r]
        sources = [
            source_of(grid.method, grid.page, row_conf[c] if c < len(row_conf) else None)
            for c in range(len(row))
        ]
        out.extend(_row(zip(row, sources, strict=True)))
        out.append(BREAK)
    return out


def tokenize(blocks: Iterable[Block]) -> list[Token]:
    out: list[Token] = []
    for block in blocks:
        if isinstance(block, Grid):
            out.extend(_grid(block))
        elif isinstance(block, Line):
            text = block.text
            if len(text) <= _MEMO_MAX_LEN:
                out.extend(_text_tokens_cached(text, block.method, block.page, block.confidence))
            else:
                out.extend(_text_tokens(text, block.method, block.page, block.confidence))
    return out
