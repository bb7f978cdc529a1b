"""Fitting the run of cells that follows a row label to the row's columns.

A run may be longer than the row: flattened pages end rows with a stray empty cell (`|`), HTML grids
repeat a value across its colspan, and Markdown writes merged label cells as empty cells before the
values. It may be shorter: a blank cell lost in one-cell-per-line text, or cells glued together
(`640020470` for 64|0|0|2|0|4|70). Nothing is guessed: what cannot be fitted for certain is left
blank with a reason.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterator, Sequence
from typing import Final

# Enumerating splits is exponential in the number of digits; longer glued strings stay unread.
_MAX_GLUED_DIGITS: Final[int] = 24


def fit_positions(run: Sequence[str], n: int) -> tuple[list[int] | None, str | None]:
    """Which n cells of the run of cell texts after a row label are the row's, or (None, reason)."""
    cells = list(range(len(run)))
    if len(cells) == n:
        return cells, None
    if len(cells) < n:
        return None, f"{len(cells)} of {n} cells"
    while len(cells) > n and run[cells[-1]] == "":
        cells.pop()
    while len(cells) > n and run[cells[0]] == "":
        cells.pop(0)
    if len(cells) > n and all(run[extra] == run[cells[n - 1]] for extra in cells[n:]):
        # A merged last cell, expanded over its colspan.
        cells = cells[:n]
    if len(cells) == n:
        return cells, None
    return None, f"{len(run)} cells for {n} columns"


def fit(run: Sequence[str], n: int) -> tuple[list[str] | None, str | None]:
    """The n cell texts of a row from the run of cell texts after its label, or (None, reason)."""
    positions, problem = fit_positions(run, n)
    if positions is None:
        return None, problem
    return [run[i] for i in positions], None


def _splits(digits: str, parts: int) -> Iterator[list[str]]:
    """Ways to cut a digit string into `parts` numbers, none with a leading zero."""
    for cuts in itertools.combinations(range(1, len(digits)), parts - 1):
        bounds = (0, *cuts, len(digits))
        pieces = [digits[a:b] for a, b in itertools.pairwise(bounds)]
        if all(p == "0" or not p.startswith("0") for p in pieces):
            yield pieces


def _compositions(total: int, slots: int) -> Iterator[tuple[int, ...]]:
    """Ways to give each of `slots` tokens at least one of `total` parts."""
    for cuts in itertools.combinations(range(1, total), slots - 1):
        bounds = (0, *cuts, total)
        yield tuple(b - a for a, b in itertools.pairwise(bounds))


def unglue(run: Sequence[str], n: int, consistent: Callable[[list[int]], bool]) -> list[str] | None:
    """Split glued digit cells into n numbers when exactly one split passes `consistent`.

    `consistent` is the table's own arithmetic (e.g. the six applicant columns sum to the total);
    with more than one passing split the cells stay unread.
    """
    tokens = [t.replace(",", "") for t in run]
    if not tokens or len(tokens) >= n or not all(t.isdigit() for t in tokens):
        return None
    if sum(len(t) for t in tokens) > _MAX_GLUED_DIGITS or sum(len(t) for t in tokens) < n:
        return None
    found: set[tuple[str, ...]] = set()
    for shape in _compositions(n, len(tokens)):
        if any(k > len(t) for k, t in zip(shape, tokens, strict=True)):
            continue
        options = [list(_splits(t, k)) for k, t in zip(shape, tokens, strict=True)]
        for combo in itertools.product(*options):
            pieces = [p for part in combo for p in part]
            if consistent([int(p) for p in pieces]):
                found.add(tuple(pieces))
                if len(found) > 1:
                    return None
    if len(found) == 1:
        return list(found.pop())
    return None
