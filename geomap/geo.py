"""Distances and lines on the globe: haversine and geodesic km, geodesic points, antimeridian splits.

Lon/lat in degrees (EPSG:4326) throughout; every function broadcasts over numpy arrays where it
takes coordinates.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from functools import cache

import numpy as np
from pyproj import Geod
from shapely.geometry import LineString

#: The IUGG mean Earth radius (km), for great-circle (haversine) distances.
EARTH_MEAN_RADIUS_KM = 6371.0088


@cache
def _geod() -> Geod:
    """The WGS84 ellipsoid, for geodesic lengths and points."""
    return Geod(ellps="WGS84")


def great_circle_km(lon1_deg, lat1_deg, lon2_deg, lat2_deg,
                    radius_km: float = EARTH_MEAN_RADIUS_KM) -> np.ndarray:
    """Haversine distance (km) on a sphere of ``radius_km``; broadcasts over arrays.

    >>> round(float(great_circle_km(-0.1276, 51.5072, 2.3522, 48.8566)))   # London -> Paris
    344
    """
    lon1, lat1, lon2, lat2 = (
        np.radians(np.asarray(v, dtype=float)) for v in (lon1_deg, lat1_deg, lon2_deg, lat2_deg)
    )
    a = np.sin((lat2 - lat1) / 2) ** 2 + np.cos(lat1) * np.cos(lat2) * np.sin((lon2 - lon1) / 2) ** 2
    return 2.0 * radius_km * np.arcsin(np.sqrt(np.clip(a, 0.0, 1.0)))


def geodesic_km(lon1, lat1, lon2, lat2) -> np.ndarray:
    """Geodesic distance (km) on the WGS84 ellipsoid; broadcasts over arrays.

    >>> round(float(geodesic_km(-0.1276, 51.5072, 2.3522, 48.8566)))
    344
    """
    _, _, m = _geod().inv(np.asarray(lon1, float), np.asarray(lat1, float),
                          np.asarray(lon2, float), np.asarray(lat2, float))
    return np.asarray(m, dtype=float) / 1000.0


def geodesic_length_km(geometry) -> float:
    """Geodesic length (km) of a lon/lat LineString or MultiLineString on the WGS84 ellipsoid.

    >>> round(geodesic_length_km(LineString([(0, 0), (1, 0), (2, 0)])), 1)
    222.6
    """
    return float(_geod().geometry_length(geometry)) / 1000.0


def geodesic_points(a: Sequence[float], b: Sequence[float], step_km: float) -> np.ndarray:
    """``(n, 2)`` lon/lat points along the geodesic from ``a`` to ``b``, ends included,
    about ``step_km`` apart.

    >>> geodesic_points((0.0, 0.0), (1.0, 0.0), 50.0).shape
    (4, 2)
    """
    km = float(geodesic_km(a[0], a[1], b[0], b[1]))
    n = int(km // step_km) if step_km > 0 else 0
    middle = _geod().npts(a[0], a[1], b[0], b[1], n) if n > 0 else []
    return np.array([tuple(a), *middle, tuple(b)], dtype=float)


def split_antimeridian(coords: Iterable[Sequence[float]],
                       decimals: int | None = None) -> list[list[list[float]]]:
    """Split a lon/lat polyline into parts that never jump across ±180°.

    Longitudes beyond ±180 are wrapped; where a segment crosses the antimeridian the crossing
    latitude is interpolated on the unwrapped segment and both parts end on the edge.
    Repeated points are dropped; parts of fewer than two points are left out. ``decimals``
    rounds the output.

    >>> split_antimeridian([(170, 0), (179, 1), (-179, 3), (-170, 4)])[0][-1]
    [180.0, 2.0]
    >>> len(split_antimeridian([(0, 0), (10, 1)]))
    1
    """
    def out(value: float) -> float:
        return round(float(value), decimals) if decimals is not None else float(value)

    parts: list[list[list[float]]] = [[]]
    prev: tuple[float, float] | None = None
    for lon, lat in coords:
        lon = ((lon + 180.0) % 360.0) - 180.0 if abs(lon) > 180.0 else lon
        if prev is not None:
            plon, plat = prev
            if (lon, lat) == (plon, plat):
                continue
            if abs(lon - plon) > 180.0:
                lon_u = lon + 360.0 if lon < plon else lon - 360.0
                edge = 180.0 if lon_u > plon else -180.0
                t = (edge - plon) / (lon_u - plon) if lon_u != plon else 0.0
                lat_x = plat + t * (lat - plat)
                if abs(plon) != 180.0:
                    parts[-1].append([edge, out(lat_x)])
                parts.append([] if abs(lon) == 180.0 else [[-edge, out(lat_x)]])
        parts[-1].append([out(lon), out(lat)])
        prev = (lon, lat)
    return [p for p in parts if len(p) >= 2]


def geojson_line(coords: Iterable[Sequence[float]], decimals: int = 5) -> dict:
    """A GeoJSON LineString, or a MultiLineString where the path crosses the antimeridian.

    >>> geojson_line([(0, 0), (10, 1)])["type"]
    'LineString'
    """
    parts = split_antimeridian(coords, decimals)
    if len(parts) == 1:
        return {"type": "LineString", "coordinates": parts[0]}
    return {"type": "MultiLineString", "coordinates": parts}


def great_circle_lines(lon1: float, lat1: float, lon2: float, lat2: float,
                       step_km: float = 100.0) -> list[LineString]:
    """The geodesic between two points as LineStrings, split at the antimeridian.

    >>> len(great_circle_lines(178.4, -18.1, -159.4, 3.9))   # Fiji -> Fanning Island
    2
    """
    points = geodesic_points((lon1, lat1), (lon2, lat2), step_km)
    return [LineString(p) for p in split_antimeridian(points)]
