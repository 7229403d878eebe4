"""The route graph: landing points linked by cable segments and terrestrial hops; shortest routes.

The network is a :mod:`networkx` graph whose nodes are cable landing points (TeleGeography's
modern ones and geomap's curated historic ones) and whose edges are

* **cable segments** between landing points that follow each other along a cable's drawn route,
  weighted by the geodesic length of the route between them
  (:func:`geomap.routes.cables.cable_segments`);
* **terrestrial hops** between landing points of one metro area (any country), or of one
  landmass in the same or land-neighbouring countries, weighted by great-circle distance times a
  route factor (:func:`geomap.routes.land.terrestrial_allowed`).

A query adds its two endpoints (a city, a data center or a region's main city, see
:mod:`geomap.routes.endpoints`) with terrestrial hops to the landing points they may reach, and
runs A* on the graph of the cables in service in the chosen year. Every constant is in
``layers/tables/route_constants.csv`` with its source. RTT is twice the path length over the
speed of light in fibre, plus a per-hop allowance for each landing point passed.
"""

from __future__ import annotations

import math
import threading
from dataclasses import dataclass
from datetime import date

import networkx as nx
import numpy as np
import pandas as pd

from geomap import geo
from geomap.data import store
from geomap.data.catalog import load_catalog
from geomap.errors import GeomapError
from geomap.routes.cables import Segment, cable_length_scale, cable_segments
from geomap.routes.constants import CONSTANTS_TABLE, RouteConstants, route_constants
from geomap.routes.endpoints import Place, PlaceNotFoundError, resolve_place
from geomap.routes.land import Land, build_land, terrestrial_allowed, terrestrial_edges
from geomap.schema import in_service
from geomap.tables import number, read_rows

__all__ = [
    "Route",
    "RouteGraph",
    "NoRouteError",
    "build_graph",
    "get_graph",
    "find_route",
    # from the modules they live in, for callers of ``geomap.routes.graph``
    "Place",
    "PlaceNotFoundError",
    "resolve_place",
    "RouteConstants",
    "route_constants",
]

#: Spacing of the points drawn along a terrestrial hop in the output path.
_DRAW_STEP_KM = 200.0
#: The prepared layers the graph is built from.
_GRAPH_LAYERS = ("telegeography-cables", "historic-cables", "telegeography-landing-points", "ne-admin0")


class NoRouteError(GeomapError):
    """Two places are not connected by the cables in service in the chosen year."""


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
                "table": f"layers/tables/{CONSTANTS_TABLE}",
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
        """Mask of cables in service in ``year`` (the rule of :func:`geomap.schema.in_service`)."""
        return in_service(self._rfs, year, end_year=self._end)

    def graph(self, year: int) -> nx.Graph:
        """The graph of ``year``: cables in service then, and every terrestrial hop."""
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
        c = self.constants
        lm = int(self.land.landmass_of(np.array([place.lon]), np.array([place.lat]), c.land_snap_km)[0])
        km = geo.great_circle_km(place.lon, place.lat, self._lon, self._lat, c.earth_mean_radius_km)
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
        c = self.constants
        a_idx, a_km, a_lm = self._access(origin)
        b_idx, b_km, b_lm = self._access(destination)
        gc_km = float(geo.great_circle_km(origin.lon, origin.lat, destination.lon, destination.lat,
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
                xy = geo.geodesic_points(self._point(u, origin, destination),
                                         self._point(v, origin, destination), _DRAW_STEP_KM)
            legs.append(leg)
            coords.append(xy)
        hops = [self._name(n, origin, destination) for n in nodes[1:-1]]
        line = np.concatenate(coords) if coords else np.empty((0, 2))
        rtt = self.constants.rtt_ms(km, len(hops))
        return Route(origin, destination, year, km, rtt, cables, hops, legs, geo.geojson_line(line),
                     gc_km, self.constants)


def _historic_points() -> dict[str, tuple[str, str | None, float, float]]:
    """Historic landing points ``cable:seq`` -> (name, country, lon, lat), from the curated table.

    Rows without a number for ``lon`` or ``lat`` are left out.
    """
    source = load_catalog().get_source("historic-cables")
    path = source.table_path().parent / str(source.options.get("points_table", "historic_cable_points.csv"))
    out = {}
    for row in read_rows(path):
        lon, lat = number(row.get("lon"), strict=True), number(row.get("lat"), strict=True)
        if lon is None or lat is None:
            continue
        out[f"{row['cable_id']}:{row['seq']}"] = (row["name"], row.get("country_id") or None, lon, lat)
    return out


def build_graph(constants: RouteConstants | None = None) -> RouteGraph:
    """Build the route graph from the prepared layers (cables, landing points, admin-0 land).

    Returns
    -------
    RouteGraph
    """
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
    terrestrial = terrestrial_edges(nodes, land, constants)
    return RouteGraph(nodes, cables, segments, terrestrial, land, constants, unattached)


_GRAPHS: dict[tuple, RouteGraph] = {}


def get_graph() -> RouteGraph:
    """The route graph of the current prepared layers and constants (built once, then cached)."""
    c = route_constants()
    key = tuple((str(p), p.stat().st_mtime) for p in map(store.get_path, _GRAPH_LAYERS)) + (c,)
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
