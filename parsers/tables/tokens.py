"""Blocks → one stream of table tokens: labels, values (blank cells included) and row breaks.

Every layout a table arrives in — HTML grids, one cell per line, `|`-separated cells, Markdown rows,
space-separated rows — becomes the same stream, so one reader per table serves them all. The
readers walk the template's rows in order and take the values that follow each row label.

Breaks are emitted only where the layout marks a row's end for certain (a grid row, a line holding
several cells, a line of `||` separators); one-cell-per-line text has none.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Final, Literal

from parsers.blocks import Block, Grid, Line
from parsers.normalize import label_key
from parsers.tables.cells import looks_like_value

TokenKind = Literal["label", "value", "break"]

# A Markdown header rule: |---|:---:| (three dashes at least, so a "-" 不适用 mark never matches).
_MD_RULE: Final[re.Pattern[str]] = re.compile(r"^\|?\s*:?-{3,}:?\s*(\|\s*:?-{3,}:?\s*)*\|?$")
_PIPES_ONLY: Final[re.Pattern[str]] = re.compile(r"^[|\s]+$")
# Prose is never a label of a table: a full stop, or a length no template label comes near.
_MAX_LABEL_LEN: Final[int] = 90


@dataclass(frozen=True)
class Token:
    kind: TokenKind
    text: str = ""  # cell text as read, stripped; "" for a blank cell and for breaks
    key: str = ""  # label_key(text) for labels

    @property
    def is_prose(self) -> bool:
        return self.kind == "label" and ("。" in self.key or len(self.key) > _MAX_LABEL_LEN)


BREAK: Final[Token] = Token("break")


def _value(text: str) -> Token:
    return Token("value", text)


def _label(text: str) -> Token:
    return Token("label", text, label_key(text))


def _words(text: str) -> list[Token]:
    """A run of text: value words stand alone, consecutive label words join into one label."""
    out: list[Token] = []
    pending: list[str] = []
    for word in text.split():
        if looks_like_value(word):
            if pending:
                out.append(_label(" ".join(pending)))
                pending = []
            out.append(_value(word))
        else:
            pending.append(word)
    if pending:
        out.append(_label(" ".join(pending)))
    return out


def _cell(text: str, in_values: bool = False) -> Token:
    """One delimited cell (grid or `|`): the whole cell is a value, a blank, or one label.

    `in_values`: the cell follows a value in the same row, so it is a value however it reads
    (an unreadable value must be reported as such, not end the row as if it were a label).
    """
    text = " ".join(text.split())
    if in_values or not text or looks_like_value(text):
        return _value(text)
    return _label(text)


def _row(cells: Iterable[str]) -> list[Token]:
    out: list[Token] = []
    in_values = False
    for cell in cells:
        token = _cell(cell, in_values)
        in_values = in_values or (token.kind == "value" and token.text != "")
        out.append(token)
    return out


def _pipe_line(line: str) -> list[Token]:
    """A line with `|` separators.

    A line that is a single `|` is one blank cell (flattened pages write every cell as `text |`, so an
    empty cell is a bare `|`); a line of two or more pipes only separates rows.
    """
    if _PIPES_ONLY.match(line):
        return [_value("")] if line.count("|") == 1 else [BREAK]
    if _MD_RULE.match(line):
        return [BREAK]
    body = line
    if body.startswith("|"):
        body = body[1:]
    if body.endswith("|"):
        body = body[:-1]
    cells = body.split("|")
    out = _row(cells)
    if len(cells) > 1:
        out.append(BREAK)
    return out


def _line(text: str) -> list[Token]:
    line = text.strip()
    if not line:
        return []
    if "|" in line:
        return _pipe_line(line)
    tokens = _words(line)
    if len(tokens) > 1:
        tokens.append(BREAK)
    return tokens


def _grid(grid: Grid) -> Iterator[Token]:
    for row in grid.rows:
        if not any(cell.strip() for cell in row):
            continue
        yield from _row(row)
        yield BREAK


def tokenize(blocks: Iterable[Block]) -> list[Token]:
    out: list[Token] = []
    for block in blocks:
        if isinstance(block, Grid):
            out.extend(_grid(block))
        elif isinstance(block, Line):
            for physical in block.text.split("\n"):
                out.extend(_line(physical))
    return out
