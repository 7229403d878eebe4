"""The layer catalog: every data source is a validated record read from ``layers/*.toml``."""

from __future__ import annotations

import hashlib
import re
import tomllib
import warnings
from collections.abc import Collection, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import Any

from geomap import settings
from geomap.errors import CatalogError, GeomapError
from geomap.names import lookup_key

#: The kinds of layer geomap knows, each with its normalized schema (see ``geomap.schema``).
KINDS = (
    "regions",
    "data_centers",
    "electricity_prices",
    "cables",
    "landing_points",
    "mining",
)

#: Kinds a user may import as a layer (``geomap import``).
USER_KINDS = ("data_centers", "electricity_prices", "mining")
#: The loader of every user layer's record.
USER_LOADER = "user_layer"
#: Largest user file accepted, in bytes (20 MB); a larger file is refused as a whole.
MAX_FILE_BYTES = 20_000_000

#: Formats a record may declare for its files.
FORMATS = ("geojson", "json", "csv", "tsv", "xlsx", "zip", "table")

_REQUIRED = ("name", "kind", "title", "license", "attribution", "citation", "format", "loader")
_OPTIONAL = (
    "urls",
    "item_url_template",
    "path",
    "license_url",
    "homepage",
    "year",
    "years",
    "description",
    "notes",
    "sha256",
    "fields",
    "check",
    "options",
)


def _freeze(value: Any) -> Any:
    if isinstance(value, dict):
        return MappingProxyType({k: _freeze(v) for k, v in value.items()})
    if isinstance(value, list):
        return tuple(_freeze(v) for v in value)
    return value


@dataclass(frozen=True)
class Check:
    """What the loaded data must look like (as geodatasets' ``nrows``/``geometry_type``)."""

    min_features: int = 1
    max_features: int | None = None
    geometry_types: tuple[str, ...] = ()
    required_fields: tuple[str, ...] = ()
    #: Fields the raw file must carry, checked on download (before the file enters the cache);
    #: this and the raw counts apply to the record's first URL.
    raw_fields: tuple[str, ...] = ()
    #: Minimum and maximum number of raw records (features / rows) accepted on download.
    raw_min: int | None = None
    raw_max: int | None = None


@dataclass(frozen=True)
class Source:
    """One data source of one layer, as declared in a ``layers/*.toml`` record.

    Built only through :meth:`from_mapping`, which checks the keys; instances are immutable.
    """

    name: str
    kind: str
    title: str
    license: str
    attribution: str
    citation: str
    format: str
    loader: str
    urls: tuple[str, ...] = ()
    item_url_template: str | None = None
    path: str | None = None
    license_url: str | None = None
    homepage: str | None = None
    year: int | None = None
    years: tuple[int, int] | None = None
    description: str = ""
    notes: str = ""
    sha256: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}))
    fields: Mapping[str, Any] = field(default_factory=lambda: MappingProxyType({}))
    options: Mapping[str, Any] = field(default_factory=lambda: MappingProxyType({}))
    check: Check = field(default_factory=Check)
    record_file: str = ""
    digest: str = ""

    @classmethod
    def from_mapping(cls, data: Mapping[str, Any], record_file: str = "<memory>") -> Source:
        """Validate a raw record and build a :class:`Source`.

        Raises
        ------
        CatalogError
            Naming the record file and the offending key.
        """
        where = f"{record_file}"
        missing = [k for k in _REQUIRED if not data.get(k)]
        if missing:
            raise CatalogError(f"{where}: missing required key(s) {', '.join(missing)}")
        unknown = sorted(set(data) - set(_REQUIRED) - set(_OPTIONAL))
        if unknown:
            raise CatalogError(f"{where}: unknown key(s) {', '.join(unknown)}")
        if data["kind"] not in KINDS:
            raise CatalogError(f"{where}: kind {data['kind']!r} is not one of {', '.join(KINDS)}")
        if data["format"] not in FORMATS:
            raise CatalogError(
                f"{where}: format {data['format']!r} is not one of {', '.join(FORMATS)}"
            )
        urls = tuple(data.get("urls", ()))
        if data["format"] == "table":
            if not data.get("path"):
                raise CatalogError(f"{where}: a curated table needs 'path'")
        elif not urls:
            raise CatalogError(f"{where}: a downloaded source needs 'urls'")
        for url in urls:
            if not re.match(r"^https?://[^/\s]+/\S*$", url):
                raise CatalogError(f"{where}: url {url!r} is not an absolute http(s) URL")
        template = data.get("item_url_template")
        if template is not None and "{id}" not in template:
            raise CatalogError(f"{where}: item_url_template must contain '{{id}}'")
        years = data.get("years")
        if years is not None:
            if len(years) != 2 or int(years[0]) > int(years[1]):
                raise CatalogError(f"{where}: years must be [first, last], got {years!r}")
            years = (int(years[0]), int(years[1]))
        check_data = dict(data.get("check", {}))
        try:
            check = Check(
                min_features=int(check_data.pop("min_features", 1)),
                max_features=check_data.pop("max_features", None),
                geometry_types=tuple(check_data.pop("geometry_types", ())),
                required_fields=tuple(check_data.pop("required_fields", ())),
                raw_fields=tuple(check_data.pop("raw_fields", ())),
                raw_min=check_data.pop("raw_min", None),
                raw_max=check_data.pop("raw_max", None),
            )
        except (TypeError, ValueError) as exc:
            raise CatalogError(f"{where}: bad [check] table: {exc}") from exc
        if check_data:
            raise CatalogError(f"{where}: unknown [check] key(s) {', '.join(sorted(check_data))}")
        digest = hashlib.sha256(repr(sorted(data.items())).encode()).hexdigest()[:16]
        return cls(
            name=str(data["name"]),
            kind=str(data["kind"]),
            title=str(data["title"]),
            license=str(data["license"]),
            attribution=str(data["attribution"]),
            citation=str(data["citation"]),
            format=str(data["format"]),
            loader=str(data["loader"]),
            urls=urls,
            item_url_template=template,
            path=data.get("path"),
            license_url=data.get("license_url"),
            homepage=data.get("homepage"),
            year=int(data["year"]) if data.get("year") is not None else None,
            years=years,
            description=str(data.get("description", "")),
            notes=str(data.get("notes", "")),
            sha256=_freeze(dict(data.get("sha256", {}))),
            fields=_freeze(dict(data.get("fields", {}))),
            options=_freeze(dict(data.get("options", {}))),
            check=check,
            record_file=record_file,
            digest=digest,
        )

    @property
    def is_curated(self) -> bool:
        """True for tables geomap ships itself (``format = "table"``)."""
        return self.format == "table"

    def table_path(self) -> Path:
        """Absolute path of a curated table."""
        if not self.path:
            raise CatalogError(f"{self.record_file}: source {self.name!r} has no 'path'")
        return settings.layers_dir() / self.path


class Catalog(Mapping[str, Source]):
    """All source records, looked up forgivingly by name."""

    def __init__(self, sources: list[Source]):
        self._sources: dict[str, Source] = {}
        self._keys: dict[str, str] = {}
        for src in sources:
            key = lookup_key(src.name)
            if key in self._keys:
                raise CatalogError(
                    f"{src.record_file}: layer name {src.name!r} is already used by "
                    f"{self._sources[self._keys[key]].record_file}"
                )
            self._sources[src.name] = src
            self._keys[key] = src.name

    def __getitem__(self, name: str) -> Source:
        real = self._keys.get(lookup_key(name))
        if real is None:
            raise KeyError(name)
        return self._sources[real]

    def get_source(self, name: str) -> Source:
        """Like ``catalog[name]`` but with an error that lists the valid names."""
        try:
            return self[name]
        except KeyError:
            raise CatalogError(
                f"unknown layer {name!r}; known layers: {', '.join(sorted(self._sources))}"
            ) from None

    def __iter__(self) -> Iterator[str]:
        return iter(self._sources)

    def __len__(self) -> int:
        return len(self._sources)

    def by_kind(self, kind: str) -> list[Source]:
        """Sources of one kind, in name order."""
        if kind not in KINDS:
            raise CatalogError(f"unknown kind {kind!r}; kinds are {', '.join(KINDS)}")
        return [s for s in self._sources.values() if s.kind == kind]


def load_catalog(directory: Path | None = None) -> Catalog:
    """Read and validate every ``*.toml`` record in ``directory`` (default: ``settings.layers_dir()``).

    >>> cat = load_catalog()
    >>> cat["NE admin0"].kind
    'regions'
    """
    directory = directory or settings.layers_dir()
    files = sorted(directory.glob("*.toml"))
    if not files:
        raise CatalogError(f"{directory}: no layer records (*.toml) found")
    user_dir = settings.user_layers_dir()
    user_files = sorted(user_dir.glob("*/*.toml")) if user_dir.is_dir() else []
    key = tuple((str(p), p.stat().st_mtime_ns) for p in [*files, *user_files])
    hit = _CATALOGS.get(key)
    if hit is not None:
        return hit
    _CATALOGS.clear()
    _CATALOGS[key] = catalog = _read_catalog(files)
    return catalog


#: The last catalog read, keyed by its record files and their modification times.
_CATALOGS: dict[tuple, Catalog] = {}


def _read_catalog(files: list[Path]) -> Catalog:
    sources = []
    for path in files:
        try:
            data = tomllib.loads(path.read_text(encoding="utf-8"))
        except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
            raise CatalogError(f"{path}: not valid TOML: {exc}") from exc
        sources.append(Source.from_mapping(data, record_file=str(path)))
    return Catalog([*sources, *user_records(taken=[s.name for s in sources])])


def user_records(taken: Collection[str] = ()) -> list[Source]:
    """Every stored user layer's record (``settings.user_layers_dir()/<name>/<name>.toml``).

    These are the layers added with ``geomap import``; the catalog lists them with the
    built-in ones.

    Parameters
    ----------
    taken : collection of str
        Names already in the catalog; a user record with one of them is skipped.

    Returns
    -------
    list of Source
        In name order. A damaged record is skipped with a warning, never raised: one bad
        file in the cache must not break the catalog.
    """
    root = settings.user_layers_dir()
    if not root.is_dir():
        return []
    keys = {lookup_key(n) for n in taken}
    out = []
    for folder in sorted(root.iterdir()):
        if folder.name.startswith(".") or not folder.is_dir():
            continue
        record = folder / f"{folder.name}.toml"
        if not record.is_file():
            continue
        try:
            src = Source.from_mapping(tomllib.loads(record.read_text(encoding="utf-8")),
                                      record_file=str(record))
        except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError, GeomapError) as exc:
            warnings.warn(f"skipping user layer record {record}: {exc}", stacklevel=2)
            continue
        if src.loader != USER_LOADER or src.name != folder.name or src.kind not in USER_KINDS:
            warnings.warn(f"skipping user layer record {record}: not a user layer", stacklevel=2)
            continue
        if not src.table_path().is_file():
            warnings.warn(f"skipping user layer {src.name}: {src.table_path()} is missing",
                          stacklevel=2)
            continue
        if lookup_key(src.name) in keys:
            warnings.warn(f"skipping user layer {src.name}: the name is taken", stacklevel=2)
            continue
        keys.add(lookup_key(src.name))
        out.append(src)
    return out
