"""Land for terrestrial hops: landmasses joined across straits, land neighbours, allowed hops.

A terrestrial hop joins two points of one metro area (any country), or of one landmass in the
same or land-neighbouring countries up to ``terrestrial_max_km``; its length is the
great-circle distance times ``terrestrial_route_factor``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd
import shapely
from networkx.utils import UnionFind

from geomap import geo
from geomap.routes.constants import RouteConstants

__all__ = ["Land", "build_land", "terrestrial_allowed", "terrestrial_edges"]

#: Countries whose admin-0 polygons come this close (degrees, ~1 km) share a land border.
_NEIGHBOUR_DEG = 0.01
#: Kilometres per degree of latitude (a degree of longitude at the equator), for search radii.
_KM_PER_DEG = 111.32


@dataclass(frozen=True)
class Land:
    """Landmasses (land polygons joined across narrow straits) and land-neighbouring countries."""

    parts: np.ndarray  # shapely polygons
    landmass: np.ndarray  # component id of each part
    tree: shapely.STRtree
    neighbours: frozenset[tuple[str, str]]

    def landmass_of(self, lon: np.ndarray, lat: np.ndarray, snap_km: float) -> np.ndarray:
        """Landmass id of each point (-1 when no land is within ``snap_km``)."""
        pts = shapely.points(lon, lat)
        out = np.full(len(pts), -1, dtype=int)
        snap_deg = snap_km / _KM_PER_DEG
        idx = self.tree.query_nearest(pts, max_distance=snap_deg * 3)
        if idx.size:
            near: dict[int, list[int]] = {}
            for p, g in zip(idx[0], idx[1], strict=True):
                near.setdefault(int(p), []).append(int(g))
            for p, gs in near.items():
                for g in gs:
                    line = shapely.shortest_line(self.parts[g], pts[p])
                    (x0, y0), (x1, y1) = line.coords
                    if float(geo.geodesic_km(x0, y0, x1, y1)) <= snap_km:
                        out[p] = self.landmass[g]
                        break
        return out

    def related(self, a: str | None, b: str | None) -> bool:
        """Same country, or countries sharing a land border.

        >>> Land(np.array([]), np.array([]), shapely.STRtree([]), frozenset({("FR", "ES")})).related("FR", "ES")
        True
        """
        if not a or not b:
            return False
        return a == b or (a, b) in self.neighbours


def build_land(admin0, constants: RouteConstants) -> Land:
    """Landmasses from Natural Earth admin-0 polygons, joined across straits < ``strait_km``.

    A landmass id is the index of the landmass's first polygon part.
    """
    geoms = admin0.geometry.to_numpy()
    ids = admin0["region_id"].astype(object).where(admin0["region_id"].notna(), None).to_numpy()
    parts = shapely.get_parts(geoms[~shapely.is_missing(geoms)])
    parts = parts[shapely.area(parts) > 0]
    tree = shapely.STRtree(parts)
    # Parts closer than strait_km are one landmass.
    joined = UnionFind(range(len(parts)))
    reach_deg = constants.strait_km / _KM_PER_DEG / math.cos(math.radians(75.0))
    left, right = tree.query(parts, predicate="dwithin", distance=reach_deg)
    for i, j in zip(left.tolist(), right.tolist(), strict=True):
        if i >= j or joined[i] == joined[j]:
            continue
        line = shapely.shortest_line(parts[i], parts[j])
        (x0, y0), (x1, y1) = line.coords
        if float(geo.geodesic_km(x0, y0, x1, y1)) <= constants.strait_km:
            joined.union(i, j)
    landmass = np.empty(len(parts), dtype=int)
    for members in joined.to_sets():
        landmass[list(members)] = min(members)
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
    same_land = (np.asarray(landmass_a) == landmass_b) & (landmass_b >= 0)
    return (km <= constants.metro_km) | (same_land & related & (km <= constants.terrestrial_max_km))


def terrestrial_edges(
    nodes: pd.DataFrame, land: Land, constants: RouteConstants
) -> list[tuple[str, str, float]]:
    """Every allowed terrestrial hop between two landing points, weighted with the route factor.

    ``nodes`` is indexed by landing point id, with ``lon``, ``lat``, ``landmass`` and
    ``country_id``.
    """
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
        km = geo.great_circle_km(lon[i], lat[i], lon[j], lat[j], constants.earth_mean_radius_km)
        near = (km <= constants.terrestrial_max_km) & (lm[j] == lm[i]) & (lm[i] >= 0)
        near |= km <= constants.metro_km
        for k in np.flatnonzero(near):
            jj = j[k]
            if km[k] <= constants.metro_km or land.related(cc[i], cc[jj]):
                edges.append((ids[i], ids[jj], float(km[k]) * constants.terrestrial_route_factor))
    return edges
