"""Spatial joins of points and records into the region set, with a report of how each joined."""

from __future__ import annotations

from dataclasses import dataclass, field

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

#: Points up to this far (degrees, ~55 km at the equator) outside every region join the nearest.
NEAREST_MAX_DEG = 0.5


@dataclass
class JoinReport:
    """How each layer's features found their region: nothing is dropped silently."""

    counts: dict[str, dict[str, int]] = field(default_factory=dict)
    unjoined: dict[str, list[str]] = field(default_factory=dict)

    def add(self, layer: str, method: pd.Series, labels: pd.Series) -> None:
        self.counts[layer] = {str(k): int(v) for k, v in method.value_counts().items()}
        self.unjoined[layer] = list(labels[method == "unjoined"].astype(str))[:50]


def join_points(
    points: gpd.GeoDataFrame,
    regions: gpd.GeoDataFrame,
    *,
    nearest_max_deg: float = NEAREST_MAX_DEG,
    country_ids: pd.Series | None = None,
) -> pd.DataFrame:
    """``region_id`` and ``join_method`` for each point: ``within``, ``nearest`` or ``unjoined``.

    Points inside a region join with ``predicate="within"``; points just offshore (up to
    ``nearest_max_deg``) join the region whose border is nearest — found through a tree of
    short border pieces, so a point near Russia does not measure all of Russia's coastline.
    A nearest region in another country than ``country_ids`` says is no match. Rows without
    a point get ``no point`` (see :func:`join_records`).
    """
    n = len(points)
    region_ids = regions["region_id"].to_numpy(dtype=object)
    # Integer codes all the way; categoricals at the end (cheap for a million points).
    code = np.full(n, -1, dtype=np.int32)  # index into region_ids, -1 = none
    method = np.full(n, _METHODS.index("no point"), dtype=np.int8)
    geoms = points.geometry.values
    has_point = ~(shapely.is_missing(geoms) | shapely.is_empty(geoms))
    pos = np.flatnonzero(has_point)
    if len(pos):
        # As geopandas' sjoin does for "within": the points' spatial index (built once and kept
        # by geopandas on the frame), queried by each region with "contains" (the region's
        # geometry is prepared once, not once per point). Positions index ``geoms``.
        reg, pt = points.geometry.sindex.query(regions.geometry.values, predicate="contains")
        hit = np.zeros(n, dtype=bool)
        hit[pt] = True
        code[pt[::-1]] = reg[::-1]  # reversed: the first region listed wins
        method[pos] = _METHODS.index("unjoined")
        method[hit] = _METHODS.index("within")
        missing = pos[~hit[pos]]
        if len(missing):
            piece_tree, piece_region = _border_pieces(regions)
            src, dst = _nearest_within(piece_tree, geoms[missing], nearest_max_deg)
            found, near = missing[src], piece_region[dst]
            if country_ids is not None:
                parents = regions["parent_id"].to_numpy(dtype=object)[near]
                near_country = np.where(pd.isna(parents), region_ids[near], parents)
                claimed = country_ids.to_numpy(dtype=object)[found]
                ok = pd.isna(claimed) | (near_country == claimed)
                found, near = found[ok], near[ok]
            code[found] = near
            method[found] = _METHODS.index("nearest")
    return pd.DataFrame(
        {
            "region_id": pd.Categorical.from_codes(code, categories=pd.Index(region_ids)),
            "join_method": pd.Categorical.from_codes(method, categories=_METHODS),
        },
        index=points.index,
    )


_METHODS = ["within", "nearest", "unjoined", "no point"]


def _nearest_within(tree: shapely.STRtree, points: np.ndarray, max_deg: float) -> tuple[np.ndarray, np.ndarray]:
    """For each point, the nearest tree geometry within ``max_deg`` (points with none are left out).

    Candidates come from a ``dwithin`` query, first in a small radius that settles most
    coastal points cheaply, then in the full radius for the rest; the closest candidate wins.
    """
    srcs, dsts = [], []
    todo = np.arange(len(points))
    for radius in sorted({min(0.1, max_deg), max_deg}):
        if not len(todo):
            break
        src, dst = tree.query(points[todo], predicate="dwithin", distance=radius)
        if len(src):
            dist = shapely.distance(points[todo][src], tree.geometries[dst])
            order = np.lexsort((dist, src))
            src, dst = src[order], dst[order]
            first = np.r_[True, src[1:] != src[:-1]]
            srcs.append(todo[src[first]])
            dsts.append(dst[first])
            done = np.zeros(len(todo), dtype=bool)
            done[src[first]] = True
            todo = todo[~done]
    if not srcs:
        return np.array([], dtype=int), np.array([], dtype=int)
    return np.concatenate(srcs), np.concatenate(dsts)


_PIECES: dict[tuple, tuple[shapely.STRtree, np.ndarray]] = {}
#: Border pieces for nearest look-ups hold at most this many vertices.
PIECE_VERTICES = 8


def _border_pieces(regions: gpd.GeoDataFrame) -> tuple[shapely.STRtree, np.ndarray]:
    """A tree of short pieces of every region's border, and the region of each piece."""
    key = (tuple(regions["region_id"]), int(shapely.get_num_coordinates(regions.geometry.values).sum()))
    if key not in _PIECES:
        rings, owner = shapely.get_parts(shapely.boundary(regions.geometry.values), return_index=True)
        coords, ring_of = shapely.get_coordinates(rings, return_index=True)
        starts = np.r_[0, np.flatnonzero(np.diff(ring_of)) + 1]
        pieces, piece_owner = [], []
        for s, e, r in zip(starts, np.r_[starts[1:], len(coords)], ring_of[starts], strict=True):
            for a in range(s, e - 1, PIECE_VERTICES - 1):
                b = min(a + PIECE_VERTICES, e)
                if b - a >= 2:
                    pieces.append(coords[a:b])
                    piece_owner.append(owner[r])
        lines = shapely.linestrings(np.concatenate(pieces),
                                    indices=np.repeat(np.arange(len(pieces)), [len(p) for p in pieces]))
        _PIECES.clear()
        _PIECES[key] = (shapely.STRtree(lines), np.asarray(piece_owner))
    return _PIECES[key]


def join_records(frame: gpd.GeoDataFrame, regions: gpd.GeoDataFrame) -> pd.DataFrame:
    """Join features with a point spatially; those without, by ``region_id`` then ``country_id``.

    A record known only by a country that the region set splits into provinces (e.g. an
    Epoch cluster located only as "China") stays with the country: ``join_method`` is
    ``country`` and ``region_id`` the country code, which has no polygon of its own.
    """
    countries = frame["country_id"] if "country_id" in frame.columns else None
    out = join_points(frame, regions, country_ids=countries).astype(object)
    known = set(regions["region_id"])
    split = set(regions.loc[regions["level"] == "subnational", "parent_id"])
    out = out.where(out.notna(), None)
    no_point = out["join_method"].isin(["no point", "unjoined"])
    for idx in out.index[no_point]:
        rid = frame.at[idx, "region_id"] if "region_id" in frame.columns else None
        cid = frame.at[idx, "country_id"] if "country_id" in frame.columns else None
        had_point = out.at[idx, "join_method"] == "unjoined"
        if isinstance(rid, str) and rid in known:
            out.loc[idx, ["region_id", "join_method"]] = [rid, "region"]
        elif isinstance(cid, str) and cid in known:
            how = "country (point outside)" if had_point else "country"
            out.loc[idx, ["region_id", "join_method"]] = [cid, how]
        elif isinstance(cid, str) and cid in split:
            out.loc[idx, ["region_id", "join_method"]] = [cid, "country (split)"]
        else:
            out.loc[idx, "join_method"] = "unjoined"
    return out


