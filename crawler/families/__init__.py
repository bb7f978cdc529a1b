"""The portal families: every family name the registry may use, and the adapters written so far.

A family is code (listing markup and pager mechanics); a region names its family in crawler/regions.toml.
A family listed here without an adapter is known (portal-families.md) but cannot be crawled yet.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Final

from crawler.families.base import FamilyAdapter, ListingError, ListingLink, ListingPage
from crawler.families.hanweb_jpage import HanwebJpage
from crawler.families.trs_classic import TrsClassic

if TYPE_CHECKING:
    from crawler.registry import Region

# Family name -> adapter (None: known family, no adapter yet). Names follow ../shared/docs/portal-families.md.
FAMILIES: Final[dict[str, type[FamilyAdapter] | None]] = {
    "trs_classic": TrsClassic,  # TRS WCM static columns, both createPageHTML signatures
    "hanweb_jpage": HanwebJpage,  # Hanweb jcms /col/colNNN/ + jpage dataproxy.jsp
    "hanweb_xxgk": None,  # Hanweb xxgk module: POST /module/xxgk/search.jsp
    "jpaas": None,  # jpaas publish server: /api-gateway/jpaas-publish-server/front/page/build/unit
    "gkmlpt": None,  # Guangdong gkmlpt: /gkmlpt/api/all/{cat}?page=N&sid=…
    "boda_vsb": None,  # Boda VSB .htm columns, reverse-numbered pages
    "public_column": None,  # /public/column/{unit}?…&action=list&pageIndex=N
    "liaoning_datepath": None,  # Liaoning date-path CMS: /{YYYY_MM}/{DD_HH}/content-{id}.html
    "legacy": None,  # ASP.NET lists, JS-redirect stubs, iframes, year folders
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
    "FamilyAdapter",
    "HanwebJpage",
    "ListingError",
    "ListingLink",
    "ListingPage",
    "NoAdapterError",
    "TrsClassic",
    "adapter_class",
    "adapter_for",
]
