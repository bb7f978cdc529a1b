"""Reading tables 二/三/四 from section blocks (HTML grids and flattened text) into the contract's ids."""

from parsers.tables.cells import is_unreadable, looks_like_value, parse_cell
from parsers.tables.read import SectionsLike, TablesResult, read_tables

__all__ = ["SectionsLike", "TablesResult", "is_unreadable", "looks_like_value", "parse_cell", "read_tables"]
