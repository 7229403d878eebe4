"""Checks of one row of a user's file: each field's value, and one validator per kind.

A validator takes a :class:`Row` read by :mod:`geomap.sources.user` and returns the row in
the kind's schema, or raises :class:`RowProblem` naming the field and the reason.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import cache
from typing import Any

import shapely
from shapely.geometry import Point, shape
from shapely.validation import explain_validity

from geomap.places.countries import all_iso2, country_iso2
from geomap.places.subdivisions import is_current_code
from geomap.schema import GEOMETRY_KINDS, MAX_US_CENTS_PER_KWH, PRICE_BASES, price_basis
from geomap.tables import FX_FALLBACK_YEARS, flag, fx_rate, fx_rates, number

#: Prices above this (US$/kWh) are rejected as a unit mistake (cents or MWh).
MAX_USD_PER_KWH = MAX_US_CENTS_PER_KWH / 100
#: Years accepted for ``year`` / ``year_in_service``.
MIN_YEAR, MAX_YEAR = 1850, 2100
#: A point this close to its stated country (degrees) counts as inside (coastal sites).
COUNTRY_TOLERANCE_DEG = 0.1
#: How each kind a user may import is named in messages.
KIND_TITLES = {
    "data_centers": "data centers",
    "electricity_prices": "electricity prices",
    "mining": "mining",
}

#: Country polygons by ISO 3166-1 alpha-2 code (prepared shapely geometries).
CountryShapes = Mapping[str, Any]

_STATUSES = ("existing", "planned", "decommissioned")
_GEOMETRY_TYPES = ("Point", "Polygon", "MultiPolygon")


@dataclass
class Row:
    """One input row: its 1-based number, its fields, and (GeoJSON) its geometry."""

    number: int
    fields: dict[str, str]
    geometry: Any = None
    has_geometry: bool = False


# ---------------------------------------------------------------- checking values


class RowProblem(Exception):
    """A row problem: the field and the reason (the row is rejected, the others kept)."""

    def __init__(self, field_name: str, reason: str):
        super().__init__(reason)
        self.field = field_name
        self.reason = reason


def _num_field(fields: dict[str, str], col: str, *, low: float | None = None,
               high: float | None = None, required: bool = False) -> float | None:
    text = fields.get(col, "")
    if not text:
        if required:
            raise RowProblem(col, "missing")
        return None
    value = number(text, strict=True)
    if value is None:
        raise RowProblem(col, f"not a number: {text!r}")
    if (low is not None and value < low) or (high is not None and value > high):
        bounds = f"[{low if low is not None else '-inf'}, {high if high is not None else 'inf'}]"
        raise RowProblem(col, f"{value:g} is out of range {bounds}")
    return value


def _year_field(fields: dict[str, str], col: str, *, required: bool = False) -> int | None:
    value = _num_field(fields, col, required=required)
    if value is None:
        return None
    if value != int(value) or not MIN_YEAR <= value <= MAX_YEAR:
        raise RowProblem(col, f"not a year between {MIN_YEAR} and {MAX_YEAR}: {fields[col]!r}")
    return int(value)


def _text_field(fields: dict[str, str], col: str, *, required: bool = False) -> str | None:
    text = fields.get(col, "")
    if not text and required:
        raise RowProblem(col, "missing")
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
    raise RowProblem("region_id", f"not a known ISO 3166-1 alpha-2 or current ISO 3166-2 code: {raw!r}")


def _country_field(fields: dict[str, str], region: str | None) -> str | None:
    raw = _text_field(fields, "country")
    if raw is None:
        return region[:2] if region else None
    code = country_iso2(raw)
    if code is None:
        raise RowProblem("country", f"unknown country {raw!r}")
    if region and region[:2] != code:
        raise RowProblem("region_id", f"{region} is not in the row's country {code} ({raw!r})")
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
        raise RowProblem("lat", "lon is given without lat")
    if not lon_text:
        raise RowProblem("lon", "lat is given without lon")
    lat, lon = number(lat_text, strict=True), number(lon_text, strict=True)
    if lat is None:
        raise RowProblem("lat", f"not a number: {lat_text!r}")
    if lon is None:
        raise RowProblem("lon", f"not a number: {lon_text!r}")
    problem = _lat_lon_problem(lat, lon)
    if problem:
        raise RowProblem(*problem)
    return Point(lon, lat)


def _point_from_geometry(geom: Any, kind: str) -> Point | None:
    """A GeoJSON geometry checked for the kind, as a point (polygons: a representative point)."""
    if geom is None:
        return None
    try:
        shp = shape(geom)
    except Exception as exc:  # shapely raises many kinds for malformed GeoJSON
        raise RowProblem("geometry", f"not a GeoJSON geometry: {type(exc).__name__}: {exc}") from None
    if shp.geom_type not in _GEOMETRY_TYPES:
        raise RowProblem("geometry", f"a {shp.geom_type} is not allowed for {KIND_TITLES[kind]} "
                                      f"(use {', '.join(_GEOMETRY_TYPES)})")
    if shp.is_empty:
        raise RowProblem("geometry", "empty geometry")
    coords = shapely.get_coordinates(shp)
    if not all(math.isfinite(v) for v in coords.ravel()):
        raise RowProblem("geometry", "coordinates are not finite numbers")
    for lon, lat in coords:
        problem = _lat_lon_problem(float(lat), float(lon))
        if problem:
            raise RowProblem("geometry", f"coordinate [{lon:g}, {lat:g}]: {problem[1]}")
    if not shp.is_valid:
        raise RowProblem("geometry", f"invalid geometry: {explain_validity(shp)}")
    return shp if isinstance(shp, Point) else shp.representative_point()


def _check_in_country(point: Point, country: str | None, shapes: CountryShapes | None) -> None:
    """Reject a point outside its stated country whose swapped twin falls inside it."""
    if country is None:
        return
    geom = (shapes or {}).get(country)
    if geom is None:
        return
    if geom.contains(point) or geom.distance(point) <= COUNTRY_TOLERANCE_DEG:
        return
    swapped = Point(point.y, point.x)
    if abs(point.x) <= 90 and (geom.contains(swapped)
                               or geom.distance(swapped) <= COUNTRY_TOLERANCE_DEG):
        raise RowProblem("lat/lon", f"({point.y:g}, {point.x:g}) lies outside {country} but "
                         f"({point.x:g}, {point.y:g}) is inside it: lat and lon swapped?")


# ---------------------------------------------------------------- one validator per kind


def _location(row: Row, kind: str) -> tuple[Point | None, str]:
    """The row's point, and the field it came from."""
    if row.has_geometry and row.geometry is not None and kind in GEOMETRY_KINDS:
        return _point_from_geometry(row.geometry, kind), "geometry"
    return _point_from_fields(row.fields), "lat/lon"


def _data_center(row: Row, layer: str, shapes: CountryShapes | None) -> dict:
    f = row.fields
    name = _text_field(f, "name", required=True)
    point, _ = _location(row, "data_centers")
    region = _region_field(f)
    country = _country_field(f, region)
    if point is None and region is None and country is None:
        raise RowProblem("lat/lon", "no location: give lat and lon, region_id or country")
    if point is not None:
        _check_in_country(point, country, shapes)
    status = (f.get("status") or "existing").lower()
    if status not in _STATUSES:
        raise RowProblem("status", f"{f['status']!r} is not one of {', '.join(_STATUSES)}")
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


def _mining(row: Row, layer: str, shapes: CountryShapes | None) -> dict:
    f = row.fields
    name = _text_field(f, "name", required=True)
    point, _ = _location(row, "mining")
    region = _region_field(f)
    country = _country_field(f, region)
    if point is None and region is None:
        raise RowProblem("lat/lon", "no location: give lat and lon, or region_id")
    if point is not None:
        _check_in_country(point, country, shapes)
    share = _num_field(f, "share_pct", low=0, high=100)
    hashrate = _num_field(f, "hashrate_avg", low=0)
    if share is None and hashrate is None:
        raise RowProblem("share_pct", "neither share_pct nor hashrate is given")
    when = _text_field(f, "date") or _text_field(f, "year")
    if when is not None and not re.fullmatch(r"\d{4}(-\d{2})?", when):
        raise RowProblem("date", f"expected YYYY or YYYY-MM, got {when!r}")
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
    return fx_rates()


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
            raise RowProblem("usd_per_kwh", f"{usd:g} US$/kWh is implausible (cents or MWh?)")
        return {"usd_per_kwh": usd, "price_local": usd, "currency": "USD", "fx_year": None}
    if not f.get("price"):
        raise RowProblem("price" if "price" in f else "usd_per_kwh", "no price")
    price = _num_field(f, "price", low=0)
    assert price is not None
    if not f.get("unit"):
        raise RowProblem("unit", f"the price {f['price']!r} has no unit (kWh or MWh)")
    unit = _UNIT_RE.fullmatch(f["unit"].strip())
    if unit is None:
        raise RowProblem("unit", f"{f['unit']!r} is not a unit of energy price (kWh, MWh, EUR/MWh)")
    if not f.get("currency"):
        raise RowProblem("currency", f"the price {f['price']!r} has no currency")
    currency = _currency(f["currency"])
    if currency is None:
        raise RowProblem("currency", f"not a currency code: {f['currency']!r}")
    if unit.group("cur") and _currency(unit.group("cur")) != currency:
        raise RowProblem("unit", f"unit {f['unit']!r} disagrees with currency {f['currency']!r}")
    local = price / _KWH_PER_UNIT[unit.group("energy").lower()]
    fx_year: int | None = None
    if currency == "USD":
        rate = 1.0
    elif currency == "USc":
        rate = 100.0
    else:
        rate, fx_year = fx_rate(_fx_rates(), currency, year)
        if rate is None:
            raise RowProblem("currency", f"no {currency} exchange rate for {year} (nor the "
                                          f"{FX_FALLBACK_YEARS} years before) in fx_rates.csv; "
                                          "give usd_per_kwh instead")
    usd = local / rate
    if not 0 < usd <= MAX_USD_PER_KWH:
        raise RowProblem("price", f"{usd:.4g} US$/kWh is implausible (check the unit)")
    return {"usd_per_kwh": usd, "price_local": local, "currency": currency, "fx_year": fx_year}


def _electricity_price(row: Row, layer: str, shapes: CountryShapes | None) -> dict:
    del layer, shapes  # prices join by region_id: no point to check
    f = row.fields
    region = _region_field(f, required=True)
    year = _year_field(f, "year", required=True)
    assert year is not None
    price = _price(f, year)
    basis = price_basis(_text_field(f, "basis", required=True))
    if basis is None:
        raise RowProblem("basis", f"{f['basis']!r} is not one of {', '.join(PRICE_BASES)}")
    taxes: bool | None = None
    if f.get("taxes_included"):
        taxes = flag(f["taxes_included"])
        if taxes is None:
            raise RowProblem("taxes_included", f"expected true or false, got {f['taxes_included']!r}")
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


#: The validator of each kind a user may import.
VALIDATORS: dict[str, Callable[[Row, str, CountryShapes | None], dict]] = {
    "data_centers": _data_center,
    "electricity_prices": _electricity_price,
    "mining": _mining,
}
