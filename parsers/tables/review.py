"""Table 四 — 行政复议、行政诉讼: one data row of 15 cells under a two- or three-row header.

The header is all labels, so the data is the first run of values after it. Some reports instead
write one row per block (行政复议 | 5 cells); that layout is read when the 15-cell row is not there.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache
from typing import Final

from parsers import template
from parsers.model import Table
from parsers.tables.build import RowShape, build
from parsers.tables.fit import fit, fit_positions
from parsers.tables.labels import core, review_block_keys, review_header_keys
from parsers.tables.tokens import Token
from parsers.tables.walk import collect_runs

NAME: Final[str] = "四"
_COLS: Final[int] = len(template.REVIEW_COLUMNS)
_CELLS: Final[int] = len(template.REVIEW_BLOCKS) * _COLS


# A header row written as one line joins its cells ("行政复议 行政诉讼"); longer text is prose.
_HEADER_LINE_MAX: Final[int] = 40


def _start(tokens: Sequence[Token]) -> int | None:
    headers = review_header_keys()
    for idx, token in enumerate(tokens):
        if token.kind != "label" or token.is_prose:
            continue
        if token.key in headers or (
            len(token.key) <= _HEADER_LINE_MAX and any(token.key.startswith(h) for h in headers)
        ):
            return idx
    return None


def _value_runs(tokens: Sequence[Token]) -> list[list[Token]]:
    """Runs of values between labels; row breaks do not split them (15 cells may wrap over lines)."""
    runs: list[list[Token]] = [[]]
    for token in tokens:
        if token.kind == "value":
            runs[-1].append(token)
        elif token.kind == "label" and runs[-1]:
            runs.append([])
    return [r for r in runs if any(t.text for t in r)]


def _texts(run: Sequence[Token]) -> list[str]:
    return [t.text for t in run]


@lru_cache(maxsize=1)
def _shapes() -> tuple[RowShape, ...]:
    return tuple(RowShape(b.id, template.REVIEW_COLUMNS) for b in template.REVIEW_BLOCKS)


def _by_block(tokens: Sequence[Token]) -> dict[str, list[Token]]:
    blocks = review_block_keys()

    def find(candidates: Sequence[str]) -> str | None:
        for candidate in candidates[:1]:
            key = core(candidate)
            for block in blocks:
                # "行政诉讼 未经复议直接起诉": the block label may follow its group label.
                if any(key.endswith(c) for c in block.cores):
                    return block.id
        return None

    runs = collect_runs(tokens, find, "review blocks")
    return {block: run for block, run in runs.items() if fit(_texts(run), _COLS)[0] is not None}


def read_review(tokens: Sequence[Token]) -> tuple[Table | None, list[str]]:
    start = _start(tokens)
    if start is None:
        return None, []
    rest = tokens[start:]
    runs = _value_runs(rest)
    for run in runs:
        positions, _ = fit_positions(_texts(run), _CELLS)
        if positions is not None:
            cells = [run[i] for i in positions]
            split = {b.id: cells[i * _COLS : (i + 1) * _COLS] for i, b in enumerate(template.REVIEW_BLOCKS)}
            return build(NAME, _shapes(), split)
    per_block = _by_block(rest)
    if len(per_block) == len(template.REVIEW_BLOCKS):
        return build(NAME, _shapes(), per_block)
    if runs:
        _, problem = fit(_texts(runs[0]), _CELLS)
        return None, [f"table {NAME}: {problem} ({' | '.join(_texts(runs[0]))!r}); table not read"]
    return None, []
