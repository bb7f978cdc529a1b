"""The report parser library: bytes of one annual report in, a ParsedReport (the parse contract) out.

`parse_report` is imported lazily so that `import parsers.model` (the store, the crawler) does not load
the whole parser (lxml, opencc, the division table).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from parsers.model import ParsedReport

if TYPE_CHECKING:
    from parsers.report import parse_report

__all__ = ["ParsedReport", "parse_report"]


def __getattr__(name: str) -> Any:
    if name == "parse_report":
        from parsers.report import parse_report

        return parse_report
    raise AttributeError(f"module 'parsers' has no attribute {name!r}")
