"""Cable segments: one cable's drawn route cut into the stretches between its landing points.

A segment links two landing points that follow each other along the cable; its length is the
geodesic length of the route between them, times the cable's stated over drawn length
(:func:`cable_length_scale`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import networkx as nx
import numpy as np
import pandas as pd
import shapely

from geomap import geo
from geomap.routes.constants import RouteConstants

__all__ = ["Segment", "cable_segments", "cable_length_scale"]

#: Vertices of different parts of one cable closer than this (1e-4 deg ~ 11 m) are one point.
_VERTEX_DECIMALS = 4
#: Route vertices at least this far east or west (~100 m from 180) lie on the antimeridian.
_ANTIMERIDIAN_DEG = 179.999


@dataclass(frozen=True)
class Segment:
    """One cable's route between two landing points that follow each other along it."""

    cable: int
    u: str
    v: str
    km: float
    coords: np.ndarray  # (n, 2) lon/lat from u to v


def _vertex_key(lon: float, lat: float) -> tuple[float, float]:
    """The route point a vertex is (rounded; both sides of the antimeridian are one point).

    >>> _vertex_key(-179.99995, 10.00001)
    (180.0, 10.0)
    """
    lon_r = round(lon, _VERTEX_DECIMALS)
    if abs(lon_r) >= _ANTIMERIDIAN_DEG:
        lon_r = 180.0  # the two sides of the antimeridian are one point
    return (lon_r, round(lat, _VERTEX_DECIMALS))


def _vertex_keys(xy: np.ndarray) -> list[tuple[float, float]]:
    """:func:`_vertex_key` of each row of an ``(n, 2)`` lon/lat array (numpy's rounding).

    >>> _vertex_keys(np.array([[179.99995, 1.00004], [10.00006, 0.0]]))
    [(180.0, 1.0), (10.0001, 0.0)]
    """
    lon_r = np.round(xy[:, 0], _VERTEX_DECIMALS)
    lon_r[np.abs(lon_r) >= _ANTIMERIDIAN_DEG] = 180.0
    lat_r = np.round(xy[:, 1], _VERTEX_DECIMALS)
    return list(zip(lon_r.tolist(), lat_r.tolist(), strict=True))


def _link(g: nx.Graph, a: Any, b: Any, km: float) -> None:
    """Add the edge ``a - b`` of ``km``; of two edges between the same points the shorter stays."""
    if a == b:
        return  # a loop never shortens a way
    known = g.get_edge_data(a, b)
    if known is None or km < known["km"]:
        g.add_edge(a, b, km=km)


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
    if geometry is None or geometry.is_empty:
        return [], list(landing_points)
    parts = [p for p in getattr(geometry, "geoms", [geometry]) if p.length > 0]
    if not parts:
        return [], list(landing_points)
    part_array = np.array(parts, dtype=object)
    coords = [np.asarray(p.coords)[:, :2] for p in parts]
    keys = [_vertex_keys(xy) for xy in coords]
    # insertions[part] = list of (position along part in degrees, node key, lon, lat)
    insertions: list[list[tuple[float, object, float, float]]] = [[] for _ in parts]
    key_parts: dict[tuple[float, float], set[int]] = {}
    for i, part_keys in enumerate(keys):
        for key in part_keys:
            key_parts.setdefault(key, set()).add(i)
    extra_edges: list[tuple[object, object, float]] = []

    def attach(point_lon: float, point_lat: float, skip: int | None) -> tuple[object, float] | None:
        """Node on the nearest part (other than ``skip``) and the geodesic offset to it."""
        pt = shapely.Point(point_lon, point_lat)
        d = shapely.distance(part_array, pt)
        d[np.isnan(d)] = math.inf
        if skip is not None:
            d[skip] = math.inf
        best_i = int(np.argmin(d))  # the first of equally near parts
        if not d[best_i] < math.inf:
            return None
        part = parts[best_i]
        pos = part.project(pt)
        on = part.interpolate(pos)
        key = _vertex_key(on.x, on.y)
        insertions[best_i].append((pos, key, on.x, on.y))
        return key, float(geo.geodesic_km(point_lon, point_lat, on.x, on.y))

    # Loose ends of parts joined to a nearby part of the same cable (branching units).
    if len(parts) > 1:
        for i, xy in enumerate(coords):
            for (lon, lat), key in ((xy[0], keys[i][0]), (xy[-1], keys[i][-1])):
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
    g = nx.Graph()
    where: dict[object, tuple[float, float]] = {n: landing_points[lp] for n, lp in lp_nodes.items()}
    for i, xy in enumerate(coords):
        seg_len = np.hypot(np.diff(xy[:, 0]), np.diff(xy[:, 1]))
        pos = np.concatenate([[0.0], np.cumsum(seg_len)])
        pts = [(p, k, x, y) for p, k, (x, y) in zip(pos.tolist(), keys[i], xy.tolist(), strict=True)]
        pts.extend(insertions[i])
        pts.sort(key=lambda t: t[0])
        lons = np.array([p[2] for p in pts])
        lats = np.array([p[3] for p in pts])
        km = geo.geodesic_km(lons[:-1], lats[:-1], lons[1:], lats[1:])
        for (_, ka, xa, ya), (_, kb, xb, yb), d in zip(pts[:-1], pts[1:], km, strict=True):
            where.setdefault(ka, (xa, ya))
            where.setdefault(kb, (xb, yb))
            _link(g, ka, kb, float(d))
    for a, b, d in extra_edges:
        _link(g, a, b, d)

    segments: list[Segment] = []
    done: set[tuple[str, str]] = set()
    for start, start_lp in lp_nodes.items():
        if start not in g:
            continue

        def km_along(u: object, v: object, edge: dict, start: str = start) -> float | None:
            """The edge's km, or None (hidden) where the way from ``start`` must stop."""
            if u != start and u in lp_nodes:
                return None  # another landing point: the segment ends here
            here = attached_at.get(u)
            if here is not None and start not in here and v not in here:
                return None  # the route passes another landing point: go no farther
            return edge["km"]

        pred, dist = nx.dijkstra_predecessor_and_distance(g, start, weight=km_along)
        for end, end_lp in lp_nodes.items():
            if end == start or end not in dist or end_lp == start_lp:
                continue
            pair = (min(start_lp, end_lp), max(start_lp, end_lp))
            if pair in done:
                continue
            done.add(pair)
            chain = [end]
            while chain[-1] != start:
                chain.append(pred[chain[-1]][0])
            chain.reverse()
            xy = np.array([where[n] for n in chain], dtype=float)
            segments.append(Segment(cable, start_lp, end_lp, float(dist[end]) * length_scale, xy))
    return segments, unattached


def cable_length_scale(cables: pd.DataFrame, constants: RouteConstants) -> np.ndarray:
    """Per cable, its stated length (``length_km``) over the geodesic length of its drawn route.

    Drawn routes are generalised, so a cable is usually a few percent longer than its drawing
    (TeleGeography: median 1.055). A ratio outside ``[length_ratio_min, length_ratio_max]`` is
    taken to describe something else than the drawing (e.g. only one segment) and, like a
    missing length, is replaced by the median of the accepted ratios.
    """
    drawn_km = np.array([
        geo.geodesic_length_km(g) if g is not None and not g.is_empty else np.nan
        for g in cables.geometry
    ])
    stated_km = pd.to_numeric(cables["length_km"], errors="coerce").astype(float).to_numpy()
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = stated_km / drawn_km
    ok = np.isfinite(ratio) & (ratio >= constants.length_ratio_min) & (ratio <= constants.length_ratio_max)
    fallback = float(np.median(ratio[ok])) if ok.any() else 1.0
    return np.where(ok, ratio, fallback)
