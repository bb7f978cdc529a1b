"""The region registry: every division of the national code table, overlaid with crawler/regions/*.toml.

Every county-level and higher division (parsers/data/divisions.tsv, the table the parser resolves names with)
is a region with its code, name, parent and level; the TOML rows add what the crawler needs (portal, listing
URLs, portal family and its parameters, notes) and the sample portal's 99xxxx regions. A TOML row for a
national code overlays that division: fields it leaves out (name, parent, level) come from the table.

The registry refuses a malformed file at load time (bad code, unknown family, unknown `${…}` variable), and a
query that names no region or several regions with a message that lists the candidates.
"""

from __future__ import annotations

import difflib
import os
import re
import tomllib
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from crawler.families import FAMILY_NAMES
from parsers import divisions

# A directory of TOML files (one per concern: seed regions, each sample family's regions, …), or one file.
DEFAULT_PATH = Path(__file__).with_name("regions")
SAMPLE_PORT_SETTING = "SAMPLE_PORTAL_PORT"  # the Scrapy setting and the environment variable
DEFAULT_SAMPLE_PORT = 8800
LEVELS = ("province", "prefecture", "county")

_CODE = re.compile(r"^\d{6}$")
_VARIABLE = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}")
# Separators people put between a parent and a name (云南省 红河州/开远市); never part of a name.
_SEPARATORS = re.compile(r"[\s\u3000/·・>＞\-—_,，、]+")
_MAX_CANDIDATES = 8
_LEVEL_SUFFIX = re.compile(r"(?:自治县|自治州|自治旗|地区|省|市|县|区|旗|州|盟)$")
_FIELDS = frozenset(
    {"name", "parent", "parent_name", "level", "portal", "listings", "family", "params", "sample", "notes"}
)


class RegistryError(ValueError):
    """The registry file itself is wrong (the message names the file and the row)."""


class RegionLookupError(LookupError):
    """A `region=` query naming no region or several; `candidates` are the rows it may have meant."""

    def __init__(self, message: str, query: str, candidates: list[Region]) -> None:
        super().__init__(message)
        self.query = query
        self.candidates = candidates

    def __str__(self) -> str:
        return str(self.args[0])


class UnknownRegionError(RegionLookupError):
    pass


class AmbiguousRegionError(RegionLookupError):
    pass


@dataclass(frozen=True)
class Region:
    code: str  # 6-digit 行政区划代码 (99xxxx for the sample portal)
    name: str
    parent: str | None = None
    parent_name: str | None = None
    level: str | None = None
    portal: str | None = None
    listings: tuple[str, ...] = ()
    family: str | None = None
    params: dict[str, Any] = field(default_factory=dict)
    sample: bool = False
    notes: str | None = None

    @property
    def label(self) -> str:
        """`开远市 (532502, 红河哈尼族彝族自治州)`: how messages name a region."""
        parent = f", {self.parent_name}" if self.parent_name else ""
        return f"{self.name} ({self.code}{parent})"


class Registry:
    def __init__(
        self,
        regions: Mapping[str, Region],
        path: Path | None = None,
        sources: Mapping[str, Path] | None = None,
    ) -> None:
        self.regions: dict[str, Region] = dict(regions)
        self.path = path
        # code -> the TOML file that defines or overlays the row (rows only in the national table: absent)
        self.sources: dict[str, Path] = dict(sources or {})
        self._forms: dict[str, list[Region]] | None = None

    def __iter__(self) -> Iterator[Region]:
        return iter(self.regions.values())

    def __len__(self) -> int:
        return len(self.regions)

    def get(self, code: str) -> Region | None:
        return self.regions.get(code)

    def source(self, code: str) -> Path | None:
        """The registry file holding the code's row; None when only the national table has it."""
        return self.sources.get(code)

    def sample_regions(self) -> list[Region]:
        """The sample portal's crawlable regions (those with a listing), in code order."""
        return [r for r in self if r.sample and r.listings]

    def counts(self) -> RegistryCounts:
        national = {d.code for d in divisions.all_divisions()}
        return RegistryCounts(
            regions=len(self),
            national=sum(1 for code in self.regions if code in national),
            sample=sum(1 for r in self if r.sample),
            with_portal=sum(1 for r in self if r.portal),
            with_listing=sum(1 for r in self if r.listings),
            from_files=len(self.sources),
        )

    def resolve(self, query: str) -> Region:
        """The one region `query` names: a code (532502), a name (开远市) or parent name(s) + name.

        Raises UnknownRegionError or AmbiguousRegionError, whose message lists the candidates.
        """
        text = query.strip()
        if _CODE.match(text):
            region = self.regions.get(text)
            if region is None:
                raise UnknownRegionError(self._unknown_code_message(text), text, self._code_neighbours(text))
            return region
        key = _name_key(text)
        if not key:
            raise UnknownRegionError("empty region name: give a 6-digit code or a name", text, [])
        matches = _collapse_same_named(self._by_form().get(key, []))
        if len(matches) == 1:
            return matches[0]
        if matches:
            listed = "; ".join(_describe(r) for r in matches)
            raise AmbiguousRegionError(
                f"region {text!r} is ambiguous: {len(matches)} registry rows are named so: {listed}. "
                "Give the code, or the parent's name before the name (e.g. "
                f"{matches[0].parent_name or '上级'}{matches[0].name}).",
                text,
                matches,
            )
        close = self._name_candidates(key)
        raise UnknownRegionError(self._unknown_name_message(text, close), text, close)

    def resolve_many(self, query: str) -> list[Region]:
        """Comma-separated queries (990101,990102 or 开远市，泰顺县), each resolved, duplicates dropped."""
        found: dict[str, Region] = {}
        for part in re.split(r"[,，、]", query):
            if part.strip():
                region = self.resolve(part)
                found.setdefault(region.code, region)
        if not found:
            raise UnknownRegionError("no region given: pass a code or a name", query, [])
        return list(found.values())

    def search(self, query: str) -> list[Region]:
        """Rows whose code starts with `query` or whose name forms contain it (for listing)."""
        text = query.strip()
        key = _name_key(text)
        return [
            r
            for r in self
            if r.code.startswith(text) or any(key and key in form for form in self._name_forms(r))
        ]

    def ancestors(self, region: Region) -> list[Region]:
        """Parent, grandparent, … as far as the registry has rows (nearest first)."""
        chain: list[Region] = []
        seen = {region.code}
        current = region
        while current.parent and current.parent not in seen:
            parent = self.regions.get(current.parent)
            if parent is None:
                break
            chain.append(parent)
            seen.add(parent.code)
            current = parent
        return chain

    def _name_forms(self, region: Region) -> set[str]:
        """name; parent name + name; each longer chain of ancestor names + name."""
        forms = {_name_key(region.name)}
        if region.parent_name:
            forms.add(_name_key(region.parent_name + region.name))
        prefix = region.name
        for ancestor in self.ancestors(region):
            prefix = ancestor.name + prefix
            forms.add(_name_key(prefix))
        return forms

    def _by_form(self) -> dict[str, list[Region]]:
        """Name form -> rows, built once: resolution runs against ~3,400 rows."""
        if self._forms is None:
            forms: dict[str, list[Region]] = {}
            for region in self:
                for form in self._name_forms(region):
                    forms.setdefault(form, []).append(region)
            self._forms = forms
        return self._forms

    def _code_neighbours(self, code: str) -> list[Region]:
        """Rows sharing the longest code prefix (at least the province's two digits)."""
        for length in (4, 2):
            near = [r for r in self if r.code[:length] == code[:length]]
            if near:
                return near[:_MAX_CANDIDATES]
        return []

    def _name_candidates(self, key: str) -> list[Region]:
        """Rows the national table says `key` means (开远 → 开远市), then rows with similar names."""
        meant: list[Region] = []
        # 开远县 for 开远市: the stem without the level word is what the writer meant.
        stem = _LEVEL_SUFFIX.sub("", key)
        for form in dict.fromkeys((key, stem)):
            for division in divisions.resolve(form) if len(form) >= 2 else []:
                region = self.regions.get(division.code)
                if region is not None and region not in meant:
                    meant.append(region)
        return (meant + [r for r in self._close_names(key) if r not in meant])[:_MAX_CANDIDATES]

    def _close_names(self, key: str) -> list[Region]:
        scored: list[tuple[float, str, Region]] = []
        for region in self:
            name = _name_key(region.name)
            shared = len(set(key) & set(name))
            # Cheap filters first: difflib over every row of the national table is the slow part.
            if not (key in name or name in key or shared >= 2):
                continue
            ratio = difflib.SequenceMatcher(None, key, name).ratio()
            scored.append((-(ratio + shared), region.code, region))
        scored.sort(key=lambda item: (item[0], item[1]))
        return [region for _, _, region in scored[:_MAX_CANDIDATES]]

    def _unknown_code_message(self, code: str) -> str:
        parts = [f"unknown region {code!r}: no registry row has this code."]
        division = divisions.lookup(code)
        if division is not None:
            parts.append(f"It is {division.name} in the national code table: {_HOW_TO_ADD}")
        near = self._code_neighbours(code)
        if near:
            parts.append("Registry rows with nearby codes: " + "; ".join(r.label for r in near) + ".")
        parts.append(_HOW_TO_LIST)
        return " ".join(parts)

    def _unknown_name_message(self, text: str, close: list[Region]) -> str:
        parts = [f"unknown region {text!r}: no registry row has this name."]
        # The national table knows short forms too (开远 → 开远市): registry rows are candidates (see
        # _name_candidates); a real place without a row (a registry loaded without the national table)
        # gets told how to add one.
        known = divisions.resolve(_name_key(text))
        absent = [d for d in known if d.code not in self.regions]
        if absent:
            named = "; ".join(f"{d.name} ({d.code})" for d in absent[:_MAX_CANDIDATES])
            parts.append(f"The national code table knows {named}: {_HOW_TO_ADD}")
        if close:
            parts.append("Close candidates: " + "; ".join(r.label for r in close) + ".")
        parts.append(_HOW_TO_LIST)
        return " ".join(parts)


@dataclass(frozen=True)
class RegistryCounts:
    regions: int
    national: int  # rows of the national code table
    sample: int  # the sample portal's rows
    with_portal: int
    with_listing: int
    from_files: int  # rows defined or overlaid by crawler/regions/*.toml


def no_listing_message(region: Region) -> str:
    """What to do about a region the crawler cannot start on: discover its column, add the printed row."""
    portal = region.portal or "<its portal home URL>"
    return (
        f"no listing URL for {region.name} ({region.code}): run scrapy crawl discover -a portal={portal} "
        "and add the printed row to a file in crawler/regions/"
    )


def _collapse_same_named(matches: list[Region]) -> list[Region]:
    """嘉峪关市 is a prefecture and its own single county: one place, the higher level answers for it."""
    codes = {r.code: r for r in matches}
    return [r for r in matches if not (r.parent in codes and codes[r.parent].name == r.name)]


_HOW_TO_ADD = "add a row for it to a file in crawler/regions/ (code, name, portal, listings, family)."
_HOW_TO_LIST = "List the registry with `python -m crawler regions`."


def _name_key(text: str) -> str:
    return _SEPARATORS.sub("", text)


def _describe(region: Region) -> str:
    parent = f"parent {region.parent_name} {region.parent}" if region.parent else "no parent"
    return f"{region.name} (code {region.code}, {parent})"


def sample_port_from_env() -> int:
    value = os.environ.get(SAMPLE_PORT_SETTING, "").strip()
    if not value:
        return DEFAULT_SAMPLE_PORT
    try:
        return int(value)
    except ValueError:
        raise RegistryError(f"{SAMPLE_PORT_SETTING}={value!r} is not a port number") from None


def load_registry(
    path: Path | str | None = None, sample_port: int | str | None = None, *, national: bool = True
) -> Registry:
    """Every division of the national code table, overlaid with the registry files (default
    crawler/regions/*.toml), `${SAMPLE_PORTAL_PORT}` expanded.

    `sample_port` comes from the Scrapy setting when a crawl runs; None means the environment variable
    SAMPLE_PORTAL_PORT, else 8800. `national=False` reads the files alone (a registry for a test).
    """
    source = Path(path) if path is not None else DEFAULT_PATH
    port = sample_port_from_env() if sample_port in (None, "") else int(str(sample_port))
    variables = {SAMPLE_PORT_SETTING: str(port)}
    files = sorted(source.glob("*.toml")) if source.is_dir() else [source]
    if not files:
        raise RegistryError(f"{source}: no *.toml registry files")
    base = _national_regions() if national else {}
    regions: dict[str, Region] = dict(base)
    defined_in: dict[str, Path] = {}
    for file in files:
        for code, row in _read_file(file).items():
            if code in defined_in:
                raise RegistryError(f"{file}: region {code} is already defined in {defined_in[code]}")
            regions[code] = _region(file, code, row, variables, base.get(code))
            defined_in[code] = file
    regions = dict(sorted(regions.items()))
    for code, file in defined_in.items():
        region = regions[code]
        parent = regions.get(region.parent) if region.parent else None
        if parent is not None and region.parent_name and parent.name != region.parent_name:
            raise RegistryError(
                f"{file}: region {region.code}: parent_name {region.parent_name!r} but row {parent.code} "
                f"is named {parent.name!r}"
            )
    return Registry(regions, source, defined_in)


def _national_regions() -> dict[str, Region]:
    """One row per division of the national code table: code, name, parent, level, nothing to crawl yet."""
    rows: dict[str, Region] = {}
    for division in divisions.all_divisions():
        parent = divisions.lookup(division.parent) if division.parent else None
        rows[division.code] = Region(
            code=division.code,
            name=division.name,
            parent=division.parent,
            parent_name=parent.name if parent else None,
            level=division.level,
        )
    return rows


def _read_file(file: Path) -> dict[str, dict[str, Any]]:
    try:
        data = tomllib.loads(file.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise RegistryError(f"{file}: not valid TOML: {exc}") from exc
    rows = data.get("regions")
    if not isinstance(rows, dict) or not rows:
        raise RegistryError(f'{file}: no [regions."CODE"] tables')
    for code, row in rows.items():
        if not isinstance(row, dict):
            raise RegistryError(f"{file}: region {code!r}: not a table")
    return rows


def _region(
    file: Path, code: str, row: dict[str, Any], variables: dict[str, str], base: Region | None
) -> Region:
    """A TOML row as a Region; `base` is the national table's row it overlays (its defaults), if any."""
    where = f"{file}: region {code!r}"
    if not _CODE.match(code):
        raise RegistryError(f"{where}: a code is 6 digits (行政区划代码)")
    unknown = sorted(set(row) - _FIELDS)
    if unknown:
        raise RegistryError(
            f"{where}: unknown field(s) {', '.join(unknown)}; known: {', '.join(sorted(_FIELDS))}"
        )
    name = row.get("name", base.name if base else None)
    if not isinstance(name, str) or not name.strip():
        raise RegistryError(f"{where}: no name (only codes of the national table may leave it out)")
    parent = _optional_str(where, row, "parent") if "parent" in row else (base.parent if base else None)
    if parent is not None and not _CODE.match(parent):
        raise RegistryError(f"{where}: parent {parent!r} is not a 6-digit code")
    level = _optional_str(where, row, "level") if "level" in row else (base.level if base else None)
    if level is not None and level not in LEVELS:
        raise RegistryError(f"{where}: level {level!r} is not one of {', '.join(LEVELS)}")
    family = _optional_str(where, row, "family")
    if family is not None and family not in FAMILY_NAMES:
        raise RegistryError(f"{where}: unknown family {family!r}; known: {', '.join(FAMILY_NAMES)}")
    listings = row.get("listings", [])
    if not isinstance(listings, list) or not all(isinstance(u, str) for u in listings):
        raise RegistryError(f"{where}: listings is a list of URLs")
    if listings and family is None:
        raise RegistryError(f"{where}: has listings but no family (which adapter reads them?)")
    params = row.get("params", {})
    if not isinstance(params, dict):
        raise RegistryError(f"{where}: params is a table")
    sample = row.get("sample", False)
    if not isinstance(sample, bool):
        raise RegistryError(f"{where}: sample is true or false")
    portal = _optional_str(where, row, "portal")
    if "parent_name" in row:
        parent_name = _optional_str(where, row, "parent_name")
    else:
        parent_name = base.parent_name if base and base.parent == parent else None
    return Region(
        code=code,
        name=name.strip(),
        parent=parent,
        parent_name=parent_name,
        level=level,
        portal=_expand(where, portal, variables) if portal else None,
        listings=tuple(_expand(where, u, variables) for u in listings),
        family=family,
        params={k: _expand(where, v, variables) if isinstance(v, str) else v for k, v in params.items()},
        sample=sample,
        notes=_optional_str(where, row, "notes"),
    )


def _optional_str(where: str, row: dict[str, Any], key: str) -> str | None:
    value = row.get(key)
    if value is None:
        return None
    if not isinstance(value, str):
        raise RegistryError(f"{where}: {key} is a string")
    return value.strip() or None


def _expand(where: str, text: str, variables: dict[str, str]) -> str:
    def replace(m: re.Match[str]) -> str:
        name = m.group(1)
        if name not in variables:
            raise RegistryError(
                f"{where}: unknown variable ${{{name}}}; known: {', '.join(sorted(variables))}"
            )
        return variables[name]

    return _VARIABLE.sub(replace, text)
