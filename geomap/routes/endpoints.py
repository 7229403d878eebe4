"""Route endpoints: a text resolved to a city, a data center, a region or coordinates.

:func:`resolve_place` tries, in order, ``"lat, lon"`` coordinates, a region id in capitals, a
data center's name or provider code, and a city (geomap's geocoder, then geonames' cities of
15,000 people or more by primary or alternate name).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np
import pandas as pd
import shapely

from geomap import names
from geomap.data import store
from geomap.errors import GeomapError
from geomap.places import gazetteer
from geomap.places.coordinates import parse_coordinates
from geomap.places.geocode import geocode

__all__ = ["Place", "PlaceNotFoundError", "resolve_place"]

#: A region id: ISO 3166-1 alpha-2, optionally with an ISO 3166-2 subdivision (``CN-SH``).
_REGION_ID_RE = re.compile(r"^[A-Z]{2}(?:-[A-Z0-9]{1,3})?$")
#: A provider's region code at the end of a data center's name: ``"... (cn-shanghai)"``.
_TRAILING_CODE_RE = r"\(([^()]+)\)\s*$"
#: Population floor of the geonames cities of the fallback city lookup and of region points.
_BIG_CITY_MIN_POPULATION = 15000


class PlaceNotFoundError(GeomapError):
    """A place given to ``geomap route`` is not a known city, data center, region or point."""


@dataclass(frozen=True)
class Place:
    """A route endpoint.

    Attributes
    ----------
    query : str
        What the user typed.
    name : str
        What it was resolved to (e.g. "San Francisco, US-CA").
    kind : str
        "city", "data center", "region" or "coordinates".
    lon, lat : float
        WGS84 degrees.
    country_iso2 : str or None
        Country of the point, when known.
    """

    query: str
    name: str
    kind: str
    lon: float
    lat: float
    country_iso2: str | None

    def to_json(self) -> dict:
        """The place as JSON (lon/lat rounded to 5 decimals, ~1 m).

        >>> Place("x", "X", "coordinates", 1.234567, 2.0, None).to_json()["lon"]
        1.23457
        """
        return {
            "query": self.query,
            "name": self.name,
            "kind": self.kind,
            "lon": round(self.lon, 5),
            "lat": round(self.lat, 5),
            "country_id": self.country_iso2,
        }


def _name_key(text: str) -> str:
    """The key names are compared by here: ASCII words (accents folded) joined by spaces.

    >>> _name_key("São Paulo (sa-east-1)")
    'sao paulo sa east 1'
    """
    return names.key(text, ascii_only=True)


# ---------------------------------------------------------------- cities


def _city_by_name(text: str) -> tuple[str, float, float, str] | None:
    """(name, lat, lon, country_iso2) of the most populous gazetteer city of
    :data:`_BIG_CITY_MIN_POPULATION` people or more named ``text``, else None."""
    return gazetteer.largest_city_named(text, _BIG_CITY_MIN_POPULATION)


def _resolve_city(text: str) -> Place | None:
    res = geocode(text)
    if res.has_point and res.precision in ("city", "site"):
        assert res.lat is not None and res.lon is not None
        return Place(text, res.matched or text, "city", res.lon, res.lat, res.country_iso2)
    hit = _city_by_name(text)
    if hit is not None:
        name, lat, lon, cc = hit
        return Place(text, f"{name}, {cc}", "city", lon, lat, cc)
    return None


# ---------------------------------------------------------------- regions


def _resolve_region(text: str) -> Place | None:
    if not _REGION_ID_RE.match(text):
        return None
    for layer in ("ne-admin1", "ne-admin0"):
        frame = store.load(layer)
        rows = frame[frame["region_id"] == text]
        if len(rows):
            geom = rows.geometry.iloc[0]
            name = str(rows["name"].iloc[0]) if "name" in rows.columns else text
            return _region_point(text, name, geom)
    return None


def _region_point(region_id: str, region_name: str, geom) -> Place:
    """The most populous gazetteer city inside the region, else a point inside it."""
    country = region_id[:2]
    cities = [c for c in gazetteer.cities()
              if c.country_iso2 == country and c.population >= _BIG_CITY_MIN_POPULATION]
    best = None
    if cities:
        pts = shapely.points([c.lon_deg for c in cities], [c.lat_deg for c in cities])
        inside = shapely.contains(geom, pts) if geom is not None else np.zeros(len(cities), bool)
        for ok, c in zip(inside, cities, strict=True):
            if ok and (best is None or c.population > best.population):
                best = c
    if best is not None:
        return Place(region_id, f"{region_id} {region_name} ({best.name})", "region",
                     best.lon_deg, best.lat_deg, country)
    point = geom.representative_point()
    return Place(region_id, f"{region_id} {region_name}", "region", point.x, point.y, country)


# ---------------------------------------------------------------- data centers


def _resolve_data_center(text: str) -> Place | None:
    frame = store.load_kind("data_centers")
    key = _name_key(text)
    dc_names = frame["name"].fillna("").astype(str)
    name_keys = dc_names.map(_name_key)
    codes = dc_names.str.extract(_TRAILING_CODE_RE, expand=False).fillna("").map(_name_key)
    ids = frame["dc_id"].fillna("").astype(str).map(_name_key) if "dc_id" in frame.columns else None
    hit = name_keys == key
    if not hit.any():
        hit = codes == key
    if not hit.any() and ids is not None:
        hit = ids == key
    if not hit.any():
        return None
    rows = frame[hit.to_numpy()]
    located = rows[rows.geometry.notna() & ~rows.geometry.is_empty]
    if not len(located):
        precision = rows["location_precision"].iloc[0]
        raise PlaceNotFoundError(
            f"data center {rows['name'].iloc[0]!r} has no known point (located to {precision} only)"
        )
    row = located.iloc[0]
    country = row.get("country_id")
    return Place(
        text,
        str(row["name"]),
        "data center",
        float(row.geometry.x),
        float(row.geometry.y),
        None if pd.isna(country) else str(country),
    )


# ---------------------------------------------------------------- any


def resolve_place(text: str) -> Place:
    """Resolve a route endpoint, trying in order: coordinates, region id, data center, city.

    Parameters
    ----------
    text : str
        ``"37.775, -122.419"`` (three or more decimals); a region id in capitals (``"CN-SH"``,
        ``"SG"``, from Natural Earth admin-1 / admin-0, reached at the region's most populous
        city); a data center's name or provider code (``"cn-shanghai"``); or a city (offline
        geonames gazetteer; the most populous city of that name).

    Returns
    -------
    Place

    Raises
    ------
    PlaceNotFoundError
        When nothing matches, or a data center has no known point.

    Examples
    --------
    >>> resolve_place("37.775, -122.419").kind
    'coordinates'
    """
    text = (text or "").strip()
    if not text:
        raise PlaceNotFoundError("empty place name")
    coords = parse_coordinates(text)
    if coords is not None:
        return Place(text, f"{coords[0]:.4f}, {coords[1]:.4f}", "coordinates", coords[1], coords[0], None)
    for resolver in (_resolve_region, _resolve_data_center, _resolve_city):
        place = resolver(text)
        if place is not None:
            return place
    raise PlaceNotFoundError(
        f"unknown place {text!r}: not a city in the offline gazetteer, a data center name, "
        "a region id (e.g. CN-SH) or 'lat, lon' with 3+ decimals"
    )
