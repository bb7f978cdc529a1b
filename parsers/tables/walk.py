"""Walking a token stream: each recognised row label opens a row, the values after it are its run.

A run ends at the next label or at a row break (once it holds a value: some layouts put the label and
its values in different grid rows). A label that is not a row keeps an empty row open — it is the
second half of a label cut over two lines, or a note — and up to three consecutive labels are tried
joined, for labels cut into pieces.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from functools import lru_cache
from typing import Final

from parsers.tables.tokens import Token

# How many consecutive label tokens are tried joined as one label.
_MAX_PIECES: Final[int] = 3

Finder = Callable[[Sequence[str]], str | None]


@lru_cache(maxsize=4096)
def _candidates(pieces: tuple[str, ...]) -> tuple[str, ...]:
    """The label keys to try for consecutive label pieces: the last alone, then joined with those before."""
    return tuple("".join(pieces[i:]) for i in range(len(pieces) - 1, -1, -1))


def collect_runs(tokens: Sequence[Token], find: Finder) -> dict[str, list[Token]]:
    """{row id: the value tokens after its label}; `find` gets candidate label keys, longest-joined last."""
    runs: dict[str, list[Token]] = {}
    current: str | None = None
    run: list[Token] = []
    pieces: tuple[str, ...] = ()

    def close() -> None:
        nonlocal current, run
        if current is not None and run and current not in runs:
            runs[current] = run
        current, run = None, []

    for token in tokens:
        kind = token.kind
        if kind == "value":
            pieces = ()
            if current is not None:
                run.append(token)
            continue
        if kind == "break":
            pieces = ()
            if run:
                close()
            continue
        if run:
            close()
        if token.is_prose:
            pieces = ()
            continue
        pieces = (*pieces, token.key)[-_MAX_PIECES:] if pieces else (token.key,)
        row = find(_candidates(pieces))
        if row is not None:
            current, run = row, []
    close()
    return runs
