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
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Final, Literal

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
_MAX_LABEL_LEN: Final[int] = 90


@dataclass(frozen=True)
class Token:
    kind: TokenKind
    text: str = ""  # cell text as read, stripped; "" for a blank cell and for breaks
    key: str = ""  # label_key(text) for labels
    source: CellSource | None = None  # where a value was read; None for breaks

    @property
    def is_prose(self) -> bool:
        return self.kind == "label" and ("。" in self.key or len(self.key) > _MAX_LABEL_LEN)


BREAK: Final[Token] = Token("break")


def source_of(method: str, page: int | None, confidence: float | None) -> CellSource:
    low = confidence is not None and confidence < OCR_LOW_CONFIDENCE
    return CellSource(method, page, confidence, low)


def _value(text: str, source: CellSource | None = None) -> Token:
    return Token("value", text, source=source)


def _label(text: str, source: CellSource | None = None) -> Token:
    return Token("label", text, label_key(text), source)


def _words(text: str, source: CellSource | None) -> list[Token]:
    """A run of text: value words stand alone, consecutive label words join into one label."""
    out: list[Token] = []
    pending: list[str] = []
    for word in text.split():
        if looks_like_value(word):
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
    out = _row((cell, source) for cell in cells)
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


def _grid(grid: Grid) -> Iterator[Token]:
    plain = source_of(grid.method, grid.page, None)
    confidence = grid.confidence
    for r, row in enumerate(grid.rows):
        if not any(cell.strip() for cell in row):
            continue
        if confidence is None or r >= len(confidence):
            sources: list[CellSource] = [plain] * len(row)
        else:
            row_conf = confidence[r]
            sources = [
                source_of(grid.method, grid.page, row_conf[c] if c < len(row_conf) else None)
                for c in range(len(row))
            ]
        yield from _row(zip(row, sources, strict=True))
        yield BREAK


def tokenize(blocks: Iterable[Block]) -> list[Token]:
    out: list[Token] = []
    for block in blocks:
        if isinstance(block, Grid):
            out.extend(_grid(block))
        elif isinstance(block, Line):
            source = source_of(block.method, block.page, block.confidence)
            for physical in block.text.split("\n"):
                out.extend(_line(physical, source))
    return out
