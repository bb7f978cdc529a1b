"""Walking a token stream: each recognised row label opens a row, the values after it are its run.

A run ends at the next label or at a row break (once it holds a value: some layouts put the label and
its values in different grid rows). A label that is not a row keeps an empty row open — it is the
second half of a label cut over two lines, or a note — and up to three consecutive labels are tried
joined, for labels cut into pieces.
"""

from __future__ import annotations

import operator
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


_KIND: Final = operator.itemgetter(0)
_KEY: Final = operator.itemgetter(2)
_IS_PROSE: Final = operator.itemgetter(4)

# A walk depends only on the stream's skeleton — each token's kind and label key (prose is excluded
# below) — never on the value texts: reports of one layout repeat it with other figures. So the row
# positions it finds are memoised per finder and skeleton. Only streams without prose are kept: the
# skeleton is then a table's labels, not document text. Emptied with the other lru_caches.
_RUNS_MEMO_ENTRIES: Final[int] = 256
# A walk's rows: {row id: the positions of its run's value tokens}.
Walked = dict[str, list[int]]
_RunsMemo = dict[tuple[tuple[str, ...], tuple[str, ...]], Walked]


@lru_cache(maxsize=64)
def _runs_memo(finder: str) -> _RunsMemo:
    return {}


def _walk(tokens: Sequence[Token], find: Finder) -> Walked:
    """{row id: the positions of the value tokens after its label}."""
    runs: dict[str, list[int]] = {}
    current: str | None = None
    run: list[int] = []
    pieces: tuple[str, ...] = ()

    def close() -> None:
        nonlocal current, run
        if current is not None and run and current not in runs:
            runs[current] = run
        current, run = None, []

    for at, token in enumerate(tokens):
        kind = token.kind
        if kind == "value":
            pieces = ()
            if current is not None:
                run.append(at)
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


def collect_walk(tokens: Sequence[Token], find: Finder, finder: str | None = None) -> Walked:
    """The walk of `tokens` (see collect_runs), memoised by skeleton when `finder` names `find`.

    Its rows may be shared with the walk memo: callers must not change them."""
    if finder is None:
        return _walk(tokens, find)
    memo = _runs_memo(finder)
    skeleton = (tuple(map(_KIND, tokens)), tuple(map(_KEY, tokens)))
    found = memo.get(skeleton)
    if found is not None:
        # Only prose-free streams are stored, and a label's prose verdict follows from its key
        # (tokens._label): a stream of the same kinds and keys is prose-free too.
        return found
    walked = _walk(tokens, find)
    if not any(map(_IS_PROSE, tokens)):
        if len(memo) >= _RUNS_MEMO_ENTRIES:
            memo.clear()
        memo[skeleton] = walked
    return walked


def collect_runs(tokens: Sequence[Token], find: Finder, finder: str | None = None) -> dict[str, list[Token]]:
    """{row id: the value tokens after its label}; `find` gets candidate label keys, longest-joined last.

    `finder` names `find` (what it matches and how) when its answers depend only on the candidates it is
    given, in order: the walk is then memoised by the stream's skeleton (see _RUNS_MEMO_ENTRIES)."""
    at = tokens.__getitem__
    return {
        row: list(map(at, positions)) for row, positions in collect_walk(tokens, find, finder).items()
    }
