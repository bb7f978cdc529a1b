"""The units a document body is read into: text lines and table grids, in document order.

Every reader (HTML, plain text, PDF, DOCX, OCR) produces these, so one set of layers reads them all. Each
block says how it was read (`method`, the contract's provenance names) and where (`page`, 1-based, for paged
documents), so every table value can say where it came from.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

# How a block was read: the provenance methods of the contract.
METHODS: Final[tuple[str, ...]] = (
    "html-table",
    "text",
    "pdf-table",
    "pdf-text",
    "docx-table",
    "docx-text",
    "ocr",
)


@dataclass(frozen=True)
class Line:
    """One line of body text, normalised (normalize.normalize_text)."""

    text: str
    method: str = "text"
    page: int | None = None
    confidence: float | None = None  # OCR: the recogniser's confidence for the line, 0..1


@dataclass(frozen=True)
class Grid:
    """One table with rowspan/colspan expanded: every row has the same number of cells."""

    rows: list[list[str]]
    method: str = "html-table"
    page: int | None = None  # the page the table starts on
    # OCR: per-cell confidence (same shape as rows; None where a cell was empty or not recognised).
    confidence: list[list[float | None]] | None = None


Block = Line | Grid
