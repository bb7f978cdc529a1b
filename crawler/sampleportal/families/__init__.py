"""The portal families the sample portal imitates: one module each, found by name.

A family module defines `FAMILY` (the name used in the registry and by crawler/families/), `SITES` (the sample
sites it serves), and the functions of `PortalFamily`. Adding a family is adding a module here; nothing else
in the portal changes.
"""

from __future__ import annotations

import importlib
import pkgutil
from types import ModuleType
from typing import TYPE_CHECKING, Protocol, cast

if TYPE_CHECKING:
    from ..chrome import Entry, PortalRequest, Response, SiteSpec
    from ..sites import Site


class PortalFamily(Protocol):
    FAMILY: str
    SITES: tuple[SiteSpec, ...]

    def handle(self, site: Site, request: PortalRequest) -> Response | None: ...
    def listing_urls(self, site: Site, base_url: str) -> list[str]: ...
    def detail_path(self, entry: Entry) -> str: ...
    def home_column_path(self) -> str: ...


def _discover() -> dict[str, PortalFamily]:
    found: dict[str, PortalFamily] = {}
    for info in pkgutil.iter_modules(__path__):
        module: ModuleType = importlib.import_module(f"{__name__}.{info.name}")
        family = getattr(module, "FAMILY", None)
        if family is None:
            continue  # a helper module shared by families
        if family in found:
            raise RuntimeError(f"two sample-portal modules serve family {family!r}")
        found[family] = cast(PortalFamily, module)
    return found


FAMILIES: dict[str, PortalFamily] = _discover()


def family(name: str) -> PortalFamily:
    try:
        return FAMILIES[name]
    except KeyError:
        raise KeyError(
            f"the sample portal has no family {name!r} (has: {', '.join(sorted(FAMILIES))})"
        ) from None
