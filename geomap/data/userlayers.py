"""User layers: a user's own CSV or GeoJSON, validated, stored in the cache and loaded like a layer.

``geomap import PATH --kind data_centers|electricity_prices|mining [--name NAME]`` (and the
app's upload box) call :func:`import_layer`. Every row with a problem is reported with its
row number and field and left out; the good rows are normalized and stored under
``cache_dir()/user/<name>/`` as ``<name>.csv`` beside a record ``<name>.toml`` shaped like the
records in ``layers/`` (``format = "table"``, ``loader = "user_layer"``, ``path`` absolute).
:func:`user_records` returns those records so the catalog can list them with the built-in
layers; the ``user_layer`` loader below reads the stored file into the kind's schema.

Input columns (header names are matched case-insensitively, ``Power (MW)`` reads as
``power_mw``; ``latitude``/``longitude``/``lng`` read as ``lat``/``lon``):

data_centers
    ``name`` and a location: ``lat`` + ``lon``, ``region_id`` (ISO 3166-1 alpha-2 or current
    ISO 3166-2) or ``country`` (name or code). Optional: ``operator``, ``status`` (existing,
    planned, decommissioned; default existing), ``year_in_service``, ``power_mw``,
    ``h100_equivalents``, ``location``, ``source``.
electricity_prices
    ``region_id``, ``year``, ``basis`` (one of :data:`geomap.loaders.PRICE_BASES`), ``source``
    and a price with its unit: ``usd_per_kwh``, or ``price`` with ``currency`` (ISO 4217, or
    ``USc`` for US cents) and ``unit`` (``kWh`` or ``MWh``, optionally ``EUR/MWh``).
    Optional: ``taxes_included`` (true/false), ``notes``.
mining
    ``name``, a location (``lat`` + ``lon`` or ``region_id``) and ``share_pct`` (0-100) or
    ``hashrate_avg`` (``hashrate``). Optional: ``country``, ``date`` (YYYY or YYYY-MM),
    ``share_of``, ``source``.

GeoJSON features carry the same fields as properties; their geometry (Point, or Polygon /
MultiPolygon reduced to a representative point) replaces ``lat``/``lon``. Price layers ignore
geometry (prices join by ``region_id``).
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import math
import os
import re
import shutil
import sys
import tempfile
import tomllib
import warnings
from collections.abc import Collection, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from functools import cache
from pathlib import Path
from typing import Any

import pandas as pd
import shapely
from shapely.geometry import Point, shape
from shapely.validation import explain_validity

from geomap.data.catalog import Source, load_catalog
from geomap.errors import DataFormatError, GeomapError
from geomap.names import lookup_key
from geomap.places.countries import all_iso2, country_iso2
from geomap.places.subdivisions import is_current_code
from geomap.quality import Rejection, RejectLog
from geomap.schema import GEOMETRY_KINDS, MAX_US_CENTS_PER_KWH, PRICE_BASES, SCHEMAS
from geomap.settings import cache_dir
from geomap.sources.base import LoadContext
from geomap.sources.registry import LOADERS
from geomap.tables import FX_FALLBACK_YEARS, fx_rate, table_file
from geomap.tables import fx_rates as read_fx_table

#: Kinds a user may import.
USER_KINDS = ("data_centers", "electricity_prices", "mining")
#: Largest file accepted, in bytes (20 MB); a larger file is refused as a whole.
MAX_FILE_BYTES = 20_000_000
#: Longest layer name, in characters (after ``user-``).
MAX_NAME_CHARS = 60
#: Prices above this (US$/kWh) are rejected as a unit mistake (cents or MWh).
MAX_USD_PER_KWH = MAX_US_CENTS_PER_KWH / 100
#: Years accepted for ``year`` / ``year_in_service``.
MIN_YEAR, MAX_YEAR = 1850, 2100
#: A point this close to its stated country (degrees) counts as inside (coastal sites).
COUNTRY_TOLERANCE_DEG = 0.1
#: Loader name in the stored records.
LOADER_NAME = "user_layer"

_STATUSES = ("existing", "planned", "decommissioned")
_GEOMETRY_TYPES = ("Point", "Polygon", "MultiPolygon")
_ALIASES = {
    "latitude": "lat",
    "y": "lat",
    "longitude": "lon",
    "lng": "lon",
    "long": "lon",
    "x": "lon",
    "country_id": "country",
    "country_code": "country",
    "iso2": "country",
    "hashrate": "hashrate_avg",
    "location_text": "location",
    "share": "share_pct",
}
_KIND_TITLES = {
    "data_centers": "data centers",
    "electricity_prices": "electricity prices",
    "mining": "mining",
}


class UserLayerError(DataFormatError):
    """A whole file (or a request) cannot be used: nothing is imported; the CLI exits 2."""


@dataclass
class ImportReport:
    """What :func:`import_layer` did with one file.

    Attributes
    ----------
    name : str
        Layer name (``user-...``).
    kind : str
        Layer kind.
    file : str
        The input file's name, as shown in rejections.
    path : Path or None
        The stored normalized file; None when nothing was imported.
    n_good, n_rejected : int
        Rows kept and rows rejected.
    rejections : list of Rejection
        The rejected rows (the first :attr:`RejectLog.keep` of them).
    replaced : bool
        True when an earlier user layer of the same name was replaced.
    """

    name: str
    kind: str
    file: str
    path: Path | None
    n_good: int
    n_rejected: int
    rejections: list[Rejection] = field(default_factory=list)
    replaced: bool = False

    @property
    def imported(self) -> bool:
        """True when at least one row was stored."""
        return self.path is not None and self.n_good > 0

    def to_text(self) -> str:
        """One line per rejection: ``FILE: row N: field 'X': reason``."""
        lines = [str(r) for r in self.rejections]
        hidden = self.n_rejected - len(self.rejections)
        if hidden > 0:
            lines.append(f"{self.file}: ... and {hidden} more rejected rows")
        return "\n".join(lines)

    def summary(self) -> str:
        """One line: what was imported, and where it is stored."""
        if not self.imported:
            return (f"nothing imported from {self.file}: {self.n_rejected} rows rejected, "
                    f"none usable")
        verb = "replaced" if self.replaced else "imported"
        return (f"{verb} {self.name} ({self.kind}): {self.n_good} rows kept, "
                f"{self.n_rejected} rejected; stored in {self.path}")


@dataclass(frozen=True)
class UserLayer:
    """One stored user layer, as :func:`list_layers` reports it."""

    name: str
    kind: str
    title: str
    file: str
    rows: int
    rejected: int
    imported_at: str
    path: Path


# ---------------------------------------------------------------- names and places


def user_dir() -> Path:
    """Folder of the stored user layers: ``cache_dir()/user``."""
    return cache_dir() / "user"


def layer_name_for(text: str) -> str:
    """The layer name for a file stem or a requested name: ``user-<slug>``.

    >>> layer_name_for("My Data Centers (2024)")
    'user-my-data-centers-2024'
    >>> layer_name_for("user-prices")
    'user-prices'
    """
    slug = re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")
    slug = re.sub(r"^user(-|$)", "", slug).strip("-")
    slug = slug[:MAX_NAME_CHARS].strip("-") or "layer"
    return f"user-{slug}"


def _builtin_names() -> dict[str, str]:
    """Built-in layer names by their forgiving key (:func:`lookup_key`)."""
    return {
        lookup_key(s.name): s.name
        for s in load_catalog().values()
        if s.loader != LOADER_NAME
    }


def _safe_text(text: str) -> str:
    """Text that can be written as UTF-8 (lone surrogates of undecodable file names replaced)."""
    return text.encode("utf-8", "replace").decode("utf-8")


# ---------------------------------------------------------------- reading the file


def _read_text(path: Path) -> str:
    """The file as text: size limit, readable, UTF-8 (a BOM is allowed)."""
    shown = _safe_text(path.name) or _safe_text(str(path))
    try:
        if not path.is_file():
            raise UserLayerError(f"{shown}: not a file (or it does not exist)")
        size = path.stat().st_size
        if size > MAX_FILE_BYTES:
            raise UserLayerError(
                f"{shown}: {size / 1e6:.1f} MB is over the {MAX_FILE_BYTES / 1e6:.0f} MB limit "
                "for imported files"
            )
        with open(path, "rb") as fh:
            data = fh.read(MAX_FILE_BYTES + 1)
    except OSError as exc:
        raise UserLayerError(f"{shown}: cannot read: {exc.strerror or exc}") from exc
    if len(data) > MAX_FILE_BYTES:
        raise UserLayerError(f"{shown}: over the {MAX_FILE_BYTES / 1e6:.0f} MB limit")
    if not data.strip():
        raise UserLayerError(f"{shown}: the file is empty")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    try:
        data.decode("utf-8")
    except UnicodeDecodeError as exc:
        offset = exc.start
    else:  # pragma: no cover - utf-8-sig only adds BOM handling
        offset = 0
    line = data[:offset].count(b"\n") + 1
    hint = (" (it looks like UTF-16)" if data[:2] in (b"\xff\xfe", b"\xfe\xff")
            else "; save it as UTF-8")
    raise UserLayerError(
        f"{shown}: not UTF-8 text: byte 0x{data[offset]:02x} at offset {offset} (line {line}) "
        f"cannot be decoded{hint}"
    )


def _column_key(header: str) -> str:
    """``' Power (MW) '`` -> ``'power_mw'``; aliases (``latitude`` -> ``lat``) applied."""
    key = re.sub(r"[^a-z0-9%]+", "_", header.strip().lower()).strip("_").replace("%", "pct")
    return _ALIASES.get(key, key)


def _cell(value: Any) -> str:
    """A GeoJSON property as the text a CSV cell would hold."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value) if isinstance(value, float) else str(value)
    if isinstance(value, str):
        return value.strip()
    return json.dumps(value, ensure_ascii=False)


@dataclass
class _Row:
    """One input row: its 1-based number, its fields, and (GeoJSON) its geometry."""

    number: int
    fields: dict[str, str]
    geometry: Any = None
    has_geometry: bool = False


def _read_csv(text: str, fname: str, log: RejectLog) -> tuple[list[str], Iterator[_Row]]:
    first = text.split("\n", 1)[0]
    delimiter = max((",", ";", "\t"), key=first.count) if any(d in first for d in ",;\t") else ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        header = next(reader)
    except StopIteration:
        raise UserLayerError(f"{fname}: the file is empty") from None
    except csv.Error as exc:
        raise UserLayerError(f"{fname}: line 1: not CSV: {exc}") from exc
    columns = [_column_key(h) or f"column_{i}" for i, h in enumerate(header, start=1)]
    seen: dict[str, str] = {}
    for raw, col in zip(header, columns, strict=True):
        if col in seen:
            raise UserLayerError(
                f"{fname}: header: columns {seen[col]!r} and {raw.strip()!r} both mean {col!r}"
            )
        seen[col] = raw.strip()

    def rows() -> Iterator[_Row]:
        number = 0
        while True:
            try:
                rec = next(reader)
            except StopIteration:
                return
            except csv.Error as exc:
                raise UserLayerError(f"{fname}: line {reader.line_num}: not CSV: {exc}") from exc
            number += 1
            if not any(c.strip() for c in rec):
                continue
            if len(rec) != len(columns):
                log.add(fname, number, "*",
                        f"{len(rec)} fields where the header has {len(columns)}")
                continue
            yield _Row(number, {c: v.strip() for c, v in zip(columns, rec, strict=True)})

    return columns, rows()


def _read_geojson(text: str, fname: str, log: RejectLog) -> Iterator[_Row]:
    try:
        data = json.loads(text)
    except ValueError as exc:
        where = f"line {exc.lineno} column {exc.colno}: {exc.msg}" if hasattr(exc, "lineno") else exc
        raise UserLayerError(f"{fname}: not valid JSON: {where}") from exc
    if isinstance(data, dict) and data.get("type") == "Feature":
        features = [data]
    elif isinstance(data, dict) and isinstance(data.get("features"), list):
        features = data["features"]
    else:
        raise UserLayerError(f"{fname}: expected a GeoJSON FeatureCollection (or one Feature)")
    for i, feat in enumerate(features, start=1):
        if not isinstance(feat, dict) or feat.get("type") != "Feature":
            log.add(fname, i, "type", "not a GeoJSON Feature")
            continue
        props = feat.get("properties") or {}
        if not isinstance(props, dict):
            log.add(fname, i, "properties", "properties must be an object")
            continue
        fields: dict[str, str] = {}
        for key, value in props.items():
            fields[_column_key(str(key)) or str(key)] = _cell(value)
        yield _Row(i, fields, feat.get("geometry"), "geometry" in feat)


# ---------------------------------------------------------------- checking values

_NUMBER_RE = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?")
_THOUSANDS_RE = re.compile(r"[+-]?\d{1,3}(?:,\d{3})+(?:\.\d+)?")


def _number(text: str) -> float | None:
    """A finite number from a cell (``1234.5``, ``1,234.5``, ``1e3``), else None."""
    text = text.strip()
    if _NUMBER_RE.fullmatch(text):
        value = float(text)
    elif _THOUSANDS_RE.fullmatch(text):
        value = float(text.replace(",", ""))
    else:
        return None
    return value if math.isfinite(value) else None


class _Reject(Exception):
    """A row problem: the field and the reason."""

    def __init__(self, field_name: str, reason: str):
        super().__init__(reason)
        self.field = field_name
        self.reason = reason


def _num_field(fields: dict[str, str], col: str, *, low: float | None = None,
               high: float | None = None, required: bool = False) -> float | None:
    text = fields.get(col, "")
    if not text:
        if required:
            raise _Reject(col, "missing")
        return None
    value = _number(text)
    if value is None:
        raise _Reject(col, f"not a number: {text!r}")
    if (low is not None and value < low) or (high is not None and value > high):
        bounds = f"[{low if low is not None else '-inf'}, {high if high is not None else 'inf'}]"
        raise _Reject(col, f"{value:g} is out of range {bounds}")
    return value


def _year_field(fields: dict[str, str], col: str, *, required: bool = False) -> int | None:
    value = _num_field(fields, col, required=required)
    if value is None:
        return None
    if value != int(value) or not MIN_YEAR <= value <= MAX_YEAR:
        raise _Reject(col, f"not a year between {MIN_YEAR} and {MAX_YEAR}: {fields[col]!r}")
    return int(value)


def _text_field(fields: dict[str, str], col: str, *, required: bool = False) -> str | None:
    text = fields.get(col, "")
    if not text and required:
        raise _Reject(col, "missing")
    return text or None


def _region_field(fields: dict[str, str], *, required: bool = False) -> str | None:
    raw = _text_field(fields, "region_id", required=required)
    if raw is None:
        return None
    code = raw.upper()
    if re.fullmatch(r"[A-Z]{2}", code) and code in all_iso2():
        return code
    if is_current_code(code):
        return code
    raise _Reject("region_id", f"not a known ISO 3166-1 alpha-2 or current ISO 3166-2 code: {raw!r}")


def _country_field(fields: dict[str, str], region: str | None) -> str | None:
    raw = _text_field(fields, "country")
    if raw is None:
        return region[:2] if region else None
    code = country_iso2(raw)
    if code is None:
        raise _Reject("country", f"unknown country {raw!r}")
    if region and region[:2] != code:
        raise _Reject("region_id", f"{region} is not in the row's country {code} ({raw!r})")
    return code


def _lat_lon_problem(lat: float, lon: float) -> tuple[str, str] | None:
    """(field, reason) when a coordinate pair is impossible; says when it looks swapped."""
    if not (math.isfinite(lat) and math.isfinite(lon)):
        return "lat/lon", f"not finite ({lat}, {lon})"
    if abs(lat) > 90 and abs(lon) <= 90 and abs(lat) <= 180:
        return "lat", (f"{lat:g} is out of range [-90, 90] while lon is {lon:g}: "
                       "lat and lon swapped?")
    if abs(lat) > 90:
        return "lat", f"{lat:g} is out of range [-90, 90]"
    if abs(lon) > 180:
        return "lon", f"{lon:g} is out of range [-180, 180]"
    return None


def _point_from_fields(fields: dict[str, str]) -> Point | None:
    lat_text, lon_text = fields.get("lat", ""), fields.get("lon", "")
    if not lat_text and not lon_text:
        return None
    if not lat_text:
        raise _Reject("lat", "lon is given without lat")
    if not lon_text:
        raise _Reject("lon", "lat is given without lon")
    lat, lon = _number(lat_text), _number(lon_text)
    if lat is None:
        raise _Reject("lat", f"not a number: {lat_text!r}")
    if lon is None:
        raise _Reject("lon", f"not a number: {lon_text!r}")
    problem = _lat_lon_problem(lat, lon)
    if problem:
        raise _Reject(*problem)
    return Point(lon, lat)


def _point_from_geometry(geom: Any, kind: str) -> Point | None:
    """A GeoJSON geometry checked for the kind, as a point (polygons: a representative point)."""
    if geom is None:
        return None
    try:
        shp = shape(geom)
    except Exception as exc:  # shapely raises many kinds for malformed GeoJSON
        raise _Reject("geometry", f"not a GeoJSON geometry: {type(exc).__name__}: {exc}") from None
    if shp.geom_type not in _GEOMETRY_TYPES:
        raise _Reject("geometry", f"a {shp.geom_type} is not allowed for {_KIND_TITLES[kind]} "
                                  f"(use {', '.join(_GEOMETRY_TYPES)})")
    if shp.is_empty:
        raise _Reject("geometry", "empty geometry")
    coords = shapely.get_coordinates(shp)
    if not all(math.isfinite(v) for v in coords.ravel()):
        raise _Reject("geometry", "coordinates are not finite numbers")
    for lon, lat in coords:
        problem = _lat_lon_problem(float(lat), float(lon))
        if problem:
            raise _Reject("geometry", f"coordinate [{lon:g}, {lat:g}]: {problem[1]}")
    if not shp.is_valid:
        raise _Reject("geometry", f"invalid geometry: {explain_validity(shp)}")
    return shp if isinstance(shp, Point) else shp.representative_point()


@cache
def _country_shapes(cache_root: str) -> dict[str, Any] | None:
    """Country polygons of the prepared ``ne-admin0`` layer, or None when it is not prepared.

    Never downloads: the swap check against the stated country is skipped without it.
    """
    del cache_root  # the cache key: another cache may hold another (or no) ne-admin0
    from geomap.data import store

    try:
        frame = store.load("ne-admin0", offline=True)
    except (GeomapError, OSError, ValueError):
        return None
    shapes = {}
    for rid, geom in zip(frame["region_id"], frame.geometry, strict=True):
        if isinstance(rid, str) and geom is not None:
            shapely.prepare(geom)
            shapes[rid] = geom
    return shapes


def _country_polygons() -> dict[str, Any] | None:
    return _country_shapes(str(cache_dir().resolve()))


def _check_in_country(point: Point, country: str | None) -> None:
    """Reject a point outside its stated country whose swapped twin falls inside it."""
    if country is None:
        return
    shapes = _country_polygons()
    geom = (shapes or {}).get(country)
    if geom is None:
        return
    if geom.contains(point) or geom.distance(point) <= COUNTRY_TOLERANCE_DEG:
        return
    swapped = Point(point.y, point.x)
    if abs(point.x) <= 90 and (geom.contains(swapped)
                               or geom.distance(swapped) <= COUNTRY_TOLERANCE_DEG):
        raise _Reject("lat/lon", f"({point.y:g}, {point.x:g}) lies outside {country} but "
                                 f"({point.x:g}, {point.y:g}) is inside it: lat and lon swapped?")


# ---------------------------------------------------------------- one validator per kind


def _location(row: _Row, kind: str) -> tuple[Point | None, str]:
    """The row's point, and the field it came from."""
    if row.has_geometry and row.geometry is not None and kind in GEOMETRY_KINDS:
        return _point_from_geometry(row.geometry, kind), "geometry"
    return _point_from_fields(row.fields), "lat/lon"


def _data_center(row: _Row, layer: str) -> dict:
    f = row.fields
    name = _text_field(f, "name", required=True)
    point, _ = _location(row, "data_centers")
    region = _region_field(f)
    country = _country_field(f, region)
    if point is None and region is None and country is None:
        raise _Reject("lat/lon", "no location: give lat and lon, region_id or country")
    if point is not None:
        _check_in_country(point, country)
    status = (f.get("status") or "existing").lower()
    if status not in _STATUSES:
        raise _Reject("status", f"{f['status']!r} is not one of {', '.join(_STATUSES)}")
    year = _year_field(f, "year_in_service")
    if year is None and f.get("year"):
        year = _year_field(f, "year")
    if point is not None:
        precision = "site"
    elif region is not None and "-" in region:
        precision = "region"
    else:
        precision = "country"
    return {
        "dc_id": f"{layer}:{row.number}",
        "name": name,
        "operator": _text_field(f, "operator"),
        "status": status,
        "year_in_service": year,
        "power_mw": _num_field(f, "power_mw", low=0),
        "h100_equivalents": _num_field(f, "h100_equivalents", low=0),
        "location_precision": precision,
        "location_text": _text_field(f, "location"),
        "country_id": country,
        "region_id": region,
        "source": _text_field(f, "source") or layer,
        "geometry": point,
    }


def _mining(row: _Row, layer: str) -> dict:
    f = row.fields
    name = _text_field(f, "name", required=True)
    point, _ = _location(row, "mining")
    region = _region_field(f)
    country = _country_field(f, region)
    if point is None and region is None:
        raise _Reject("lat/lon", "no location: give lat and lon, or region_id")
    if point is not None:
        _check_in_country(point, country)
    share = _num_field(f, "share_pct", low=0, high=100)
    hashrate = _num_field(f, "hashrate_avg", low=0)
    if share is None and hashrate is None:
        raise _Reject("share_pct", "neither share_pct nor hashrate is given")
    when = _text_field(f, "date") or _text_field(f, "year")
    if when is not None and not re.fullmatch(r"\d{4}(-\d{2})?", when):
        raise _Reject("date", f"expected YYYY or YYYY-MM, got {when!r}")
    return {
        "area_id": f"{layer}:{row.number}",
        "name": name,
        "country_id": country,
        "region_id": region,
        "hashrate_avg": hashrate,
        "share_pct": share,
        "date": when,
        "share_of": _text_field(f, "share_of"),
        "season": _text_field(f, "season"),
        "event": _text_field(f, "event"),
        "source": _text_field(f, "source") or layer,
        "geometry": point,
    }


@cache
def _fx_rates() -> dict[tuple[str, int], float]:
    """Annual-average units per US$ from ``layers/tables/fx_rates.csv``: (currency, year)."""
    path = table_file("fx_rates.csv")
    return read_fx_table(path) if path.is_file() else {}


def _currency(text: str) -> str | None:
    """ISO 4217 code, or ``USc`` for US cents; None when not a currency."""
    t = text.strip()
    if t.lower() in ("usc", "us cents", "cents", "cent", "¢", "us¢", "c"):
        return "USc"
    if t in ("$", "US$"):
        return "USD"
    return t.upper() if re.fullmatch(r"[A-Za-z]{3}", t) else None


_UNIT_RE = re.compile(r"(?:(?P<cur>[^/\s]+)?\s*(?:/|\bper\b)\s*)?(?P<energy>kwh|mwh|gwh)",
                      re.IGNORECASE)
_KWH_PER_UNIT = {"kwh": 1.0, "mwh": 1e3, "gwh": 1e6}


def _price(f: dict[str, str], year: int) -> dict:
    """US$/kWh from ``usd_per_kwh``, or from ``price`` + ``currency`` + ``unit``."""
    if f.get("usd_per_kwh"):
        usd = _num_field(f, "usd_per_kwh", low=0)
        assert usd is not None
        if not 0 < usd <= MAX_USD_PER_KWH:
            raise _Reject("usd_per_kwh", f"{usd:g} US$/kWh is implausible (cents or MWh?)")
        return {"usd_per_kwh": usd, "price_local": usd, "currency": "USD", "fx_year": None}
    if not f.get("price"):
        raise _Reject("price" if "price" in f else "usd_per_kwh", "no price")
    price = _num_field(f, "price", low=0)
    assert price is not None
    if not f.get("unit"):
        raise _Reject("unit", f"the price {f['price']!r} has no unit (kWh or MWh)")
    unit = _UNIT_RE.fullmatch(f["unit"].strip())
    if unit is None:
        raise _Reject("unit", f"{f['unit']!r} is not a unit of energy price (kWh, MWh, EUR/MWh)")
    if not f.get("currency"):
        raise _Reject("currency", f"the price {f['price']!r} has no currency")
    currency = _currency(f["currency"])
    if currency is None:
        raise _Reject("currency", f"not a currency code: {f['currency']!r}")
    if unit.group("cur") and _currency(unit.group("cur")) != currency:
        raise _Reject("unit", f"unit {f['unit']!r} disagrees with currency {f['currency']!r}")
    local = price / _KWH_PER_UNIT[unit.group("energy").lower()]
    fx_year: int | None = None
    if currency == "USD":
        rate = 1.0
    elif currency == "USc":
        rate = 100.0
    else:
        rate, fx_year = fx_rate(_fx_rates(), currency, year)
        if rate is None:
            raise _Reject("currency", f"no {currency} exchange rate for {year} (nor the "
                                      f"{FX_FALLBACK_YEARS} years before) in fx_rates.csv; "
                                      "give usd_per_kwh instead")
    usd = local / rate
    if not 0 < usd <= MAX_USD_PER_KWH:
        raise _Reject("price", f"{usd:.4g} US$/kWh is implausible (check the unit)")
    return {"usd_per_kwh": usd, "price_local": local, "currency": currency, "fx_year": fx_year}


def _electricity_price(row: _Row, layer: str) -> dict:
    del layer
    f = row.fields
    region = _region_field(f, required=True)
    year = _year_field(f, "year", required=True)
    assert year is not None
    price = _price(f, year)
    basis = (_text_field(f, "basis", required=True) or "").lower()
    if basis not in PRICE_BASES:
        raise _Reject("basis", f"{f['basis']!r} is not one of {', '.join(PRICE_BASES)}")
    taxes: bool | None = None
    if f.get("taxes_included"):
        taxes = {"true": True, "yes": True, "1": True,
                 "false": False, "no": False, "0": False}.get(f["taxes_included"].lower())
        if taxes is None:
            raise _Reject("taxes_included", f"expected true or false, got {f['taxes_included']!r}")
    source = _text_field(f, "source", required=True)
    return {
        "region_id": region,
        "year": year,
        "basis": basis,
        "basis_detail": _text_field(f, "notes"),
        "taxes_included": taxes,
        **price,
        "source": source,
    }


_VALIDATORS = {
    "data_centers": _data_center,
    "electricity_prices": _electricity_price,
    "mining": _mining,
}


def _check_columns(kind: str, columns: Collection[str], fname: str) -> None:
    """Refuse a CSV whose header lacks what every row of ``kind`` needs."""
    cols = set(columns)
    has_point = {"lat", "lon"} <= cols
    missing: list[str] = []
    if kind in ("data_centers", "mining") and "name" not in cols:
        missing.append("name")
    if kind == "data_centers" and not (has_point or "region_id" in cols or "country" in cols):
        missing.append("a location: lat and lon, region_id or country")
    if kind == "mining":
        if not (has_point or "region_id" in cols):
            missing.append("a location: lat and lon, or region_id")
        if not ({"share_pct", "hashrate_avg"} & cols):
            missing.append("share_pct or hashrate")
    if kind == "electricity_prices":
        missing += [c for c in ("region_id", "year", "basis", "source") if c not in cols]
        if "usd_per_kwh" not in cols:
            if "price" not in cols:
                missing.append("a price: usd_per_kwh, or price with currency and unit")
            else:
                if "unit" not in cols:
                    missing.append("unit (the price has no unit: kWh or MWh)")
                if "currency" not in cols:
                    missing.append("currency (the price has no currency)")
    if missing:
        found = ", ".join(sorted(cols)) or "none"
        raise UserLayerError(f"{fname}: header: missing column(s): {'; '.join(missing)} "
                             f"(found: {found})")


# ---------------------------------------------------------------- importing


def _is_geojson(path: Path, text: str) -> bool:
    suffix = path.suffix.lower()
    if suffix in (".geojson", ".json"):
        return True
    if suffix in (".csv", ".tsv", ".txt"):
        return False
    return text.lstrip().startswith("{")


def validate_file(path: Path, kind: str, layer: str) -> tuple[list[dict], RejectLog]:
    """The good rows of a file in the kind's schema, and the log of the rejected ones.

    Raises
    ------
    UserLayerError
        When the file as a whole cannot be used (size, encoding, format, missing columns).
    """
    if kind not in USER_KINDS:
        raise UserLayerError(f"kind {kind!r} cannot be imported; use one of {', '.join(USER_KINDS)}")
    path = Path(path)
    fname = _safe_text(path.name)
    text = _read_text(path)
    log = RejectLog()
    if _is_geojson(path, text):
        rows = _read_geojson(text, fname, log)
        dedupe_key = "geojson"
    else:
        columns, rows = _read_csv(text, fname, log)
        _check_columns(kind, columns, fname)
        dedupe_key = "csv"
    validate = _VALIDATORS[kind]
    seen: dict[str, int] = {}
    good: list[dict] = []
    for row in rows:
        key = json.dumps([row.fields, row.geometry] if dedupe_key == "geojson" else row.fields,
                         sort_keys=True, default=str)
        if key in seen:
            log.add(fname, row.number, "*", f"duplicate of row {seen[key]}")
            continue
        seen[key] = row.number
        try:
            good.append(validate(row, layer))
        except _Reject as rej:
            log.add(fname, row.number, rej.field, rej.reason)
    return good, log


def _toml_str(text: str) -> str:
    """A TOML basic string (every control character escaped)."""
    out = ['"']
    short = {'"': '\\"', "\\": "\\\\", "\b": "\\b", "\t": "\\t", "\n": "\\n", "\f": "\\f",
             "\r": "\\r"}
    for ch in _safe_text(text):
        if ch in short:
            out.append(short[ch])
        elif ord(ch) < 0x20 or ord(ch) == 0x7F:
            out.append(f"\\u{ord(ch):04X}")
        else:
            out.append(ch)
    out.append('"')
    return "".join(out)


def _record_text(name: str, kind: str, title: str, fname: str, data_path: Path) -> str:
    today = date.today()
    pairs = {
        "name": name,
        "kind": kind,
        "title": title,
        "description": f"User data ({_KIND_TITLES[kind]}) imported with geomap import.",
        "license": "user data",
        "attribution": f"user data: {fname}",
        "citation": f"user data imported from {fname} on {today.isoformat()}",
        "format": "table",
        "loader": LOADER_NAME,
        "path": str(data_path),
    }
    lines = [f"{k} = {_toml_str(v)}" for k, v in pairs.items()]
    lines += [f"year = {today.year}", "", "[check]", "min_features = 1", ""]
    return "\n".join(lines)


def _cell_out(value: Any) -> str:
    if value is None or value is pd.NA or (isinstance(value, float) and math.isnan(value)):
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return repr(value)
    if isinstance(value, shapely.Geometry):
        return shapely.to_wkt(value, rounding_precision=-1)
    return str(value)


def _stored_columns(kind: str) -> list[str]:
    cols = [c for c in SCHEMAS[kind] if c != "layer"]
    return [*cols, "geometry_wkt"] if kind in GEOMETRY_KINDS else cols


def _write_layer(folder: Path, name: str, kind: str, rows: list[dict]) -> Path:
    data_path = folder / f"{name}.csv"
    cols = _stored_columns(kind)
    with open(data_path, "w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(cols)
        for rec in rows:
            rec = {**rec, "geometry_wkt": rec.get("geometry")}
            writer.writerow([_cell_out(rec.get(c)) for c in cols])
    return data_path


def _forget_prepared(name: str) -> None:
    """Drop the prepared GeoParquet of a user layer (it is rebuilt from the stored file)."""
    from geomap.data import store

    base = store.prepared_dir() / name
    for suffix in (".parquet", ".meta.json"):
        Path(f"{base}{suffix}").unlink(missing_ok=True)


def import_layer(path: Path, kind: str, name: str | None = None) -> ImportReport:
    """Validate a CSV or GeoJSON file and store its good rows as user layer ``user-<name>``.

    Parameters
    ----------
    path : Path
        The file (at most :data:`MAX_FILE_BYTES` bytes, UTF-8).
    kind : str
        One of :data:`USER_KINDS`.
    name : str, optional
        Layer name; default: the file's stem. Normalized with :func:`layer_name_for`.

    Returns
    -------
    ImportReport
        ``imported`` is True when at least one row was stored; a new import of the same name
        replaces the earlier layer. When no row is usable nothing is stored or replaced.

    Raises
    ------
    UserLayerError
        The file or the request is unusable as a whole (size, encoding, format, header,
        kind, a name that is a built-in layer's).
    """
    path = Path(path)
    layer = layer_name_for(name if name else path.stem)
    builtin = _builtin_names().get(lookup_key(layer))
    if builtin:
        raise UserLayerError(f"layer name {layer!r} is taken by the built-in layer {builtin!r}")
    fname = _safe_text(path.name)
    rows, log = validate_file(path, kind, layer)
    report = ImportReport(layer, kind, fname, None, len(rows), log.count, list(log.items))
    if not rows:
        return report
    root = user_dir().resolve()
    root.mkdir(parents=True, exist_ok=True)
    final = root / layer
    tmp = Path(tempfile.mkdtemp(dir=root, prefix=f".{layer}.new-"))
    try:
        _write_layer(tmp, layer, kind, rows)
        record = _record_text(layer, kind, _safe_text(name or path.stem), fname,
                              final / f"{layer}.csv")
        Source.from_mapping(tomllib.loads(record), record_file=str(final / f"{layer}.toml"))
        (tmp / f"{layer}.toml").write_text(record, encoding="utf-8")
        meta = {
            "file": fname,
            "kind": kind,
            "imported_at": datetime.now(UTC).isoformat(timespec="seconds"),
            "rows": len(rows),
            "rejected": log.count,
            "rejections": log.to_json(),
        }
        (tmp / "import.json").write_text(json.dumps(meta, indent=1), encoding="utf-8")
        report.replaced = final.exists()
        old = None
        if report.replaced:
            old = root / f".{layer}.old-{os.getpid()}-{id(report)}"
            os.replace(final, old)
        os.replace(tmp, final)
        if old is not None:
            shutil.rmtree(old, ignore_errors=True)
    finally:
        if tmp.exists():
            shutil.rmtree(tmp, ignore_errors=True)
    _forget_prepared(layer)
    report.path = final / f"{layer}.csv"
    return report


# ---------------------------------------------------------------- the stored layers


def user_records(taken: Collection[str] = ()) -> list[Source]:
    """Every stored user layer's record, for the catalog to list with the built-in ones.

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
    root = user_dir()
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
        if src.loader != LOADER_NAME or src.name != folder.name or src.kind not in USER_KINDS:
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


def _import_meta(src: Source) -> dict:
    try:
        return json.loads((src.table_path().parent / "import.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}


def list_layers() -> list[UserLayer]:
    """The stored user layers, in name order."""
    out = []
    for src in user_records():
        meta = _import_meta(src)
        out.append(UserLayer(
            name=src.name, kind=src.kind, title=src.title, file=str(meta.get("file", "")),
            rows=int(meta.get("rows", 0)), rejected=int(meta.get("rejected", 0)),
            imported_at=str(meta.get("imported_at", "")), path=src.table_path(),
        ))
    return out


def remove_layer(name: str) -> str:
    """Delete a stored user layer (and its prepared copy); returns the name removed.

    Raises
    ------
    UserLayerError
        When ``name`` is a built-in layer or no user layer of that name exists.
    """
    builtin = _builtin_names().get(lookup_key(name))
    if builtin:
        raise UserLayerError(f"{builtin!r} is a built-in layer; only user layers can be removed")
    stored = {lookup_key(s.name): s for s in user_records()}
    src = stored.get(lookup_key(name)) or stored.get(lookup_key(layer_name_for(name)))
    if src is None:
        known = ", ".join(sorted(s.name for s in stored.values())) or "none"
        raise UserLayerError(f"no user layer named {name!r}; user layers: {known}")
    shutil.rmtree(user_dir() / src.name)
    _forget_prepared(src.name)
    return src.name


# ---------------------------------------------------------------- the loader

_INT_COLUMNS = {c for k in USER_KINDS for c, t in SCHEMAS[k].items() if t == "Int64"}
_FLOAT_COLUMNS = {c for k in USER_KINDS for c, t in SCHEMAS[k].items() if t == "Float64"}
_BOOL_COLUMNS = {c for k in USER_KINDS for c, t in SCHEMAS[k].items() if t == "boolean"}


def load_user_layer(source: Source, ctx: LoadContext) -> pd.DataFrame:
    """A stored user layer (normalized CSV) in the kind's schema.

    The import's own rejections are logged again, so ``geomap layers`` counts them.
    """
    path = source.table_path()
    meta = _import_meta(source)
    for rej in meta.get("rejections", []):
        ctx.log.add(rej.get("file", ""), rej.get("row", ""), rej.get("field", ""),
                    rej.get("reason", ""))
    hidden = int(meta.get("rejected", 0)) - len(meta.get("rejections", []))
    if hidden > 0:
        ctx.log.count += hidden
    cols = _stored_columns(source.kind)
    try:
        with open(path, encoding="utf-8", newline="") as fh:
            records = list(csv.DictReader(fh))
    except (OSError, UnicodeDecodeError, csv.Error) as exc:
        raise DataFormatError(f"{path}: cannot read user layer: {exc}") from exc
    if records and set(cols) - set(records[0]):
        raise DataFormatError(f"{path}: missing column(s) {', '.join(sorted(set(cols) - set(records[0])))}")
    rows = []
    for i, rec in enumerate(records, start=1):
        out: dict[str, Any] = {}
        try:
            for col in cols:
                text = rec.get(col) or ""
                if col == "geometry_wkt":
                    out["geometry"] = shapely.from_wkt(text) if text else None
                elif not text:
                    out[col] = None
                elif col in _INT_COLUMNS:
                    out[col] = int(text)
                elif col in _FLOAT_COLUMNS:
                    out[col] = float(text)
                elif col in _BOOL_COLUMNS:
                    out[col] = text == "true"
                else:
                    out[col] = text
        except (ValueError, shapely.errors.GEOSException) as exc:
            ctx.log.add(path.name, i, col, f"cannot read the stored value {text!r}: {exc}")
            continue
        rows.append(out)
    return pd.DataFrame(rows, columns=[c if c != "geometry_wkt" else "geometry" for c in cols])


# ---------------------------------------------------------------- command line


def _cmd_import(args: argparse.Namespace) -> int:
    if args.list:
        if args.path is not None:
            raise UserLayerError("give either PATH or --list, not both")
        layers = list_layers()
        if not layers:
            print("no user layers (add one with: geomap import PATH --kind KIND)")
        for lay in layers:
            print(f"{lay.name}\t{lay.kind}\t{lay.rows} rows\t{lay.rejected} rejected\t"
                  f"{lay.imported_at}\t{lay.file}")
        return 0
    if args.remove:
        if args.path is not None:
            raise UserLayerError("give either PATH or --remove NAME, not both")
        print(f"removed {remove_layer(args.remove)}")
        return 0
    if args.path is None:
        raise UserLayerError("give PATH and --kind to import, or --list, or --remove NAME")
    if args.kind is None:
        raise UserLayerError(f"--kind is required: one of {', '.join(USER_KINDS)}")
    report = import_layer(args.path, args.kind, args.name)
    text = report.to_text()
    if text:
        print(text, file=sys.stderr)
    print(report.summary())
    return 0 if report.imported else 1


def add_parser(subparsers) -> argparse.ArgumentParser:
    """Register ``geomap import`` on the CLI's subparsers (its handler is set as ``func``)."""
    p = subparsers.add_parser(
        "import",
        help="add your own data centers, electricity prices or mining data as a layer",
        description="Validate a CSV (lat/lon, region_id or country) or GeoJSON file and store "
        "its good rows as a user layer; every rejected row is reported with its row and field. "
        f"Files over {MAX_FILE_BYTES / 1e6:.0f} MB are refused. Exit status: 0 imported, "
        "1 nothing imported, 2 unusable input.",
    )
    p.add_argument("path", nargs="?", type=Path, metavar="PATH", help="CSV or GeoJSON file")
    p.add_argument("--kind", choices=USER_KINDS, help="what the file holds")
    p.add_argument("--name", help="layer name (default: the file name), stored as user-<name>")
    group = p.add_mutually_exclusive_group()
    group.add_argument("--list", action="store_true", help="list the user layers")
    group.add_argument("--remove", metavar="NAME", help="delete a user layer")
    p.set_defaults(func=_cmd_import)
    return p


def main_for_tests(argv: Sequence[str]) -> int:
    """Run ``geomap import ARGV`` as the CLI would and return its exit status."""
    parser = argparse.ArgumentParser(prog="geomap")
    add_parser(parser.add_subparsers(dest="command", required=True))
    try:
        args = parser.parse_args(["import", *argv])
        return int(args.func(args))
    except SystemExit as exc:  # argparse's own usage errors
        return int(exc.code or 0)
    except GeomapError as exc:
        print(f"geomap: error: {exc}", file=sys.stderr)
        return 2


# ---------------------------------------------------------------- app


def _clear_caches(st) -> None:
    """Forget the app's cached frames so the map, joins and costs include the changed user
    layers (the library's own per-year tables are keyed by the layers' state already)."""
    st.cache_data.clear()
    st.cache_resource.clear()  # the app shares its tables across sessions as resources


def upload_widget(st) -> ImportReport | None:
    """Sidebar box to import a file as a user layer and to remove user layers.

    Text from the data (file names, rejected values) is shown with ``st.text`` / ``st.code``,
    never as Markdown or HTML.

    Parameters
    ----------
    st : module
        ``streamlit``.

    Returns
    -------
    ImportReport or None
        The report of an import made in this run.
    """
    report = None
    box = st.sidebar.expander("Add your own data")
    with box:
        st.caption(f"CSV with lat/lon, region_id or country, or GeoJSON; at most "
                   f"{MAX_FILE_BYTES / 1e6:.0f} MB. Rows with problems are listed and left out.")
        uploaded = st.file_uploader("File", type=["csv", "geojson", "json"], key="userlayer_file")
        kind = st.selectbox("Kind", USER_KINDS, key="userlayer_kind",
                            format_func=lambda k: _KIND_TITLES[k])
        name = st.text_input("Layer name (optional)", key="userlayer_name")
        if st.button("Import", key="userlayer_import", disabled=uploaded is None):
            report = _import_upload(st, uploaded, kind, name or None)
        layers = list_layers()
        if layers:
            pick = st.selectbox("Your layers", [lay.name for lay in layers], key="userlayer_pick")
            if st.button("Remove layer", key="userlayer_remove"):
                try:
                    removed = remove_layer(pick)
                except GeomapError as exc:
                    st.error("Could not remove the layer:")
                    st.text(str(exc))
                else:
                    _clear_caches(st)
                    st.text(f"removed {removed}")
    return report


def _import_upload(st, uploaded, kind: str, name: str | None) -> ImportReport | None:
    size = getattr(uploaded, "size", None)
    if size is not None and size > MAX_FILE_BYTES:
        st.error(f"The file is over the {MAX_FILE_BYTES / 1e6:.0f} MB limit.")
        return None
    filename = Path(str(uploaded.name)).name or "upload.csv"
    with tempfile.TemporaryDirectory(prefix="geomap-upload-") as tmp:
        path = Path(tmp) / filename
        path.write_bytes(uploaded.getvalue())
        try:
            report = import_layer(path, kind, name)
        except GeomapError as exc:
            st.error("Nothing imported: the file cannot be used.")
            st.text(str(exc))
            return None
    if report.imported:
        _clear_caches(st)
        st.success(f"Imported {report.n_good} rows as layer {report.name}.")
    else:
        st.warning("Nothing imported: every row was rejected.")
    if report.rejections:
        st.text(f"{report.n_rejected} rows rejected:")
        st.code(report.to_text(), language=None)
    return report


LOADERS[LOADER_NAME] = load_user_layer  # temporary until the registry lists it
