"""The units a document body is read into: text lines and table grids, in document order."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Line:
    """One line of body text, normalised (normalize.normalize_text)."""

    text: str


@dataclass(frozen=True)
class Grid:
    """One HTML table with rowspan/colspan expanded: every row has the same number of cells."""

    rows: list[list[str]]


Block = Line | Grid
