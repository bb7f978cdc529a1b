"""The portal families: every family name the registry may use, and the adapters written so far.

A family is code (listing markup and pager mechanics); a region names its family in crawler/regions/*.toml.
A family listed here without an adapter is known (portal-families.md) but cannot be crawled yet.
"""

from __future__ import annotations

import importlib
import inspect
import pkgutil
from typing import TYPE_CHECKING, Final

from crawler.families.base import FamilyAdapter, ListingError, ListingLink, ListingPage

if TYPE_CHECKING:
    from crawler.registry import Region

# Every family the registry may name (../shared/docs/portal-families.md), with or without an adapter.
KNOWN_FAMILIES: Final[dict[str, str]] = {
    "trs_classic": "TRS WCM static columns, both createPageHTML signatures",
    "hanweb_jpage": "Hanweb jcms /col/colNNN/ + jpage dataproxy.jsp",
    "hanweb_xxgk": "Hanweb xxgk module: POST /module/xxgk/search.jsp",
    "jpaas": "jpaas publish server: /api-gateway/jpaas-publish-server/front/page/build/unit",
    "gkmlpt": "Guangdong gkmlpt: /gkmlpt/api/all/{cat}?page=N&sid=…",
    "boda_vsb": "Boda VSB .htm columns, reverse-numbered pages",
    "public_column": "/public/column/{unit}?…&action=list&pageIndex=N, rendered by JavaScript",
    "liaoning_datepath": "Liaoning date-path CMS: /{YYYY_MM}/{DD_HH}/content-{id}.html",
    "legacy": "ASP.NET lists, JS-redirect stubs, iframes, year folders",
}


def _discover() -> dict[str, type[FamilyAdapter]]:
    """Adapters are the FamilyAdapter subclasses of this package's modules, keyed by their `name`."""
    found: dict[str, type[FamilyAdapter]] = {}
    for info in pkgutil.iter_modules(__path__):
        module = importlib.import_module(f"{__name__}.{info.name}")
        for _, cls in inspect.getmembers(module, inspect.isclass):
            if (
                not issubclass(cls, FamilyAdapter)
                or inspect.isabstract(cls)
                or cls.__module__ != module.__name__
            ):
                continue
            if cls.name not in KNOWN_FAMILIES:
                raise RuntimeError(f"adapter {cls.__qualname__} names unknown family {cls.name!r}")
            if cls.name in found:
                raise RuntimeError(f"two adapters for family {cls.name!r}")
            found[cls.name] = cls
    return found


_ADAPTERS: Final[dict[str, type[FamilyAdapter]]] = _discover()
# Family name -> adapter (None: known family, no adapter yet).
FAMILIES: Final[dict[str, type[FamilyAdapter] | None]] = {
    name: _ADAPTERS.get(name) for name in KNOWN_FAMILIES
}
FAMILY_NAMES: Final[tuple[str, ...]] = tuple(FAMILIES)


class NoAdapterError(LookupError):
    """The region's family has no adapter (yet), or the name is not a family at all."""


def adapter_class(family: str) -> type[FamilyAdapter]:
    if family not in FAMILIES:
        raise NoAdapterError(f"unknown family {family!r}; known families: {', '.join(FAMILY_NAMES)}")
    adapter = FAMILIES[family]
    if adapter is None:
        written = ", ".join(name for name, cls in FAMILIES.items() if cls is not None)
        raise NoAdapterError(f"family {family} has no adapter yet (adapters exist for: {written})")
    return adapter


def adapter_for(region: Region) -> FamilyAdapter:
    if region.family is None:
        raise NoAdapterError(f"region {region.label} names no portal family")
    return adapter_class(region.family)(region)


__all__ = [
    "FAMILIES",
    "FAMILY_NAMES",
    "KNOWN_FAMILIES",
    "FamilyAdapter",
    "ListingError",
    "ListingLink",
    "ListingPage",
    "NoAdapterError",
    "adapter_class",
    "adapter_for",
]
