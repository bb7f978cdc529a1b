"""Readers of documents that are not HTML: PDF, DOCX, DOC/WPS and images.

Each reader turns its bytes into the same `Document` of Lines and Grids the HTML reader produces
(`parsers.document`), marking every block with how it was read (`method`) and on which page, so the
later layers (metadata, sections, tables, checks) are shared. `READERS` maps a sniffed document type to
its reader; `parsers.report` adds them to its own. Readers never raise: bad input gives a Document
with the reason in its warnings, within the bounds of `parsers.readers.limits`.

The reader modules (pdfplumber, python-docx, the OCR engine) load on first use: parsing HTML pays
nothing for them.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import Final

from parsers.document import Document, DocumentType

Reader = Callable[[bytes, str | None], Document]

# Sniffed type → (module, function) of its reader.
_READERS: Final[dict[DocumentType, tuple[str, str]]] = {
    "pdf": ("parsers.readers.pdf", "read_pdf"),
    "docx": ("parsers.readers.docx", "read_docx"),
    "doc": ("parsers.readers.office", "read_office"),
    "image": ("parsers.readers.image", "read_image"),
}


def _lazy(doc_type: DocumentType, module: str, name: str) -> Reader:
    def read(data: bytes, content_type: str | None = None) -> Document:
        try:
            reader: Reader = getattr(importlib.import_module(module), name)
        except (ImportError, AttributeError) as exc:  # an optional reader's dependencies are missing
            return Document([], "", None, {}, None, [f"{doc_type} reader not available: {exc}"], "", doc_type)
        return reader(data, content_type)

    read.__name__ = name
    read.__qualname__ = name
    return read


READERS: Final[dict[DocumentType, Reader]] = {
    doc_type: _lazy(doc_type, module, name) for doc_type, (module, name) in _READERS.items()
}

__all__ = ["READERS", "Reader"]
