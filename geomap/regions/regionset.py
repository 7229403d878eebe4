"""The region set, each region's electricity price, and spatial joins of every layer into it."""

from __future__ import annotations

from dataclasses import dataclass, field

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from geomap.data.catalog import Catalog, load_catalog
from geomap.schema import CRS

#: Order in which price bases are preferred when a region has several (the user can choose).
BASIS_PREFERENCE = ("industrial", "data center", "business tariff", "commercial", "contract",
                    "wholesale")
#: Points up to this far (degrees, ~55 km at the equator) outside every region join the nearest.
NEAREST_MAX_DEG = 0.5

PRICE_COLUMNS = [
    "price_usd_per_kwh",
    "price_year",
    "price_basis",
    "price_basis_detail",
    "price_source",
    "price_layer",
    "price_is_fallback",
    "price_n_options",
    "price_min_usd_per_kwh",
    "price_max_usd_per_kwh",
    "price_chosen_by",  # "rule" here; "user" where someone picked a sourced value
]


def build_region_set(
    countries: gpd.GeoDataFrame, subdivisions: gpd.GeoDataFrame, split: set[str]
) -> gpd.GeoDataFrame:
    """Every country, with the countries in ``split`` replaced by their admin-1 units.

    >>> # regions = build_region_set(admin0, admin1, {"US", "CN"})
    """
    have_subs = set(subdivisions["parent_id"].dropna())
    split = split & have_subs
    kept = countries[~countries["region_id"].isin(split)]
    subs = subdivisions[subdivisions["parent_id"].isin(split)]
    out = pd.concat([kept, subs], ignore_index=True)
    out = gpd.GeoDataFrame(out, geometry="geometry", crs=CRS)
    return out[["region_id", "name", "level", "parent_id", "geometry"]].reset_index(drop=True)


def split_countries(prices: pd.DataFrame) -> set[str]:
    """Countries with at least one sub-national price (these get admin-1 regions)."""
    ids = prices["region_id"].dropna()
    return set(ids[ids.str.contains("-")].str[:2])


def _basis_rank(basis: pd.Series, prefer: tuple[str, ...]) -> pd.Series:
    order = {b: i for i, b in enumerate(prefer)}
    return basis.map(lambda b: order.get(b, len(order))).astype(int)


def choose_prices(
    regions: pd.DataFrame,
    prices: pd.DataFrame,
    year: int,
    *,
    basis: str | None = None,
    layer: str | None = None,
) -> pd.DataFrame:
    """One price per region for ``year``, with where it came from and the spread of the others.

    Rule, in order: the region's own prices at or before ``year``; its country's at or
    before ``year`` (``price_is_fallback``); the region's later prices; the country's. Within
    the first of these that has any, the preferred ``basis`` (default order
    :data:`BASIS_PREFERENCE`) wins, then the latest year (the earliest, for later prices), then
    the value nearest the median of that year's values. No source is picked silently: ``price_n_options``, ``price_min_usd_per_kwh`` and
    ``price_max_usd_per_kwh`` show every sourced value for the region.
    """
    p = prices.dropna(subset=["region_id", "usd_per_kwh", "year"]).copy()
    if layer:
        p = p[p["layer"] == layer]
    prefer = (basis, *[b for b in BASIS_PREFERENCE if b != basis]) if basis else BASIS_PREFERENCE
    if basis:
        p = p[p["basis"] == basis] if (p["basis"] == basis).any() else p
    p["rank_basis"] = _basis_rank(p["basis"], prefer)
    p["year"] = p["year"].astype(int)
    by_region = {rid: g for rid, g in p.groupby("region_id")}

    rows = []
    for rid, parent in zip(regions["region_id"], regions["parent_id"], strict=True):
        own = by_region.get(rid)
        par = by_region.get(parent) if isinstance(parent, str) else None
        pick, fallback = None, False
        for cand, is_fb, before in ((own, False, True), (par, True, True), (own, False, False), (par, True, False)):
            if cand is None:
                continue
            sel = cand[cand["year"] <= year] if before else cand[cand["year"] > year]
            if len(sel):
                sel = sel[sel["rank_basis"] == sel["rank_basis"].min()]
                target = sel["year"].max() if before else sel["year"].min()
                pick, fallback = _pick(sel[sel["year"] == target]), is_fb
                break
        spread = own if own is not None else par
        if pick is None:
            rows.append({"region_id": rid, "price_n_options": 0})
            continue
        rows.append(
            {
                "region_id": rid,
                "price_usd_per_kwh": float(pick["usd_per_kwh"]),
                "price_year": int(pick["year"]),
                "price_basis": pick["basis"],
                "price_basis_detail": pick.get("basis_detail"),
                "price_source": pick["source"],
                "price_layer": pick["layer"],
                "price_is_fallback": fallback,
                "price_n_options": len(spread),
                "price_min_usd_per_kwh": float(spread["usd_per_kwh"].min()),
                "price_max_usd_per_kwh": float(spread["usd_per_kwh"].max()),
                "price_chosen_by": "rule",
            }
        )
    out = pd.DataFrame(rows, columns=["region_id", *PRICE_COLUMNS])
    out["price_is_fallback"] = out["price_is_fallback"].astype("boolean")
    out["price_year"] = out["price_year"].astype("Int64")
    return out


def _pick(candidates: pd.DataFrame) -> pd.Series:
    best = candidates[candidates["rank_basis"] == candidates["rank_basis"].min()]
    median = best["usd_per_kwh"].median()
    order = (best["usd_per_kwh"] - median).abs().argsort(kind="stable")
    return best.iloc[int(order.iloc[0])]


# ---------------------------------------------------------------- joins


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


def load_regions(catalog: Catalog | None = None) -> gpd.GeoDataFrame:
    """The region set from the prepared layers: countries, split where sub-national prices exist."""
    from geomap.data import store

    catalog = catalog or load_catalog()
    prices = store.load_kind("electricity_prices", catalog)
    return build_region_set(
        store.load("ne-admin0", catalog), store.load("ne-admin1", catalog), split_countries(prices)
    )


# ---------------------------------------------------------------- per-region summary

SUMMARY_COLUMNS = [
    "region_id", "name", "level", "parent_id", *PRICE_COLUMNS,
    "n_data_centers", "data_center_mw", "frontier_mw", "h100_equivalents",
    "n_cable_landings", "cables", "mining_share_pct",
]


def in_service(frame: pd.DataFrame, year: int, year_col: str, default_year: int | None) -> pd.Series:
    """Rows in service in ``year``: known year at or before it; unknown year -> the source's year.

    Decommissioned rows and rows still planned count only if their year says so; a planned
    row with no year is never in service.
    """
    years = frame[year_col].astype("Float64")
    known = years.notna()
    status = frame.get("status", pd.Series("existing", index=frame.index))
    unknown_ok = (status == "existing") & (default_year is not None and year >= (default_year or 0))
    ok = (known & (years <= year)).fillna(False) | (~known & unknown_ok)
    return ok.astype(bool)


def summarize(year: int, catalog: Catalog | None = None, *, basis: str | None = None,
              price_layer: str | None = None) -> tuple[gpd.GeoDataFrame, JoinReport]:
    """One row per region with its price and what sits in it in ``year`` (see SUMMARY_COLUMNS)."""
    from geomap.data import store

    catalog = catalog or load_catalog()
    regions = load_regions(catalog)
    prices = store.load_kind("electricity_prices", catalog)
    table = regions.merge(choose_prices(regions, prices, year, basis=basis, layer=price_layer),
                          on="region_id", how="left")
    report = JoinReport()

    # Data centers (all three sources counted; MW from Epoch's GPU clusters, frontier apart).
    n_dc = pd.Series(0, index=table["region_id"], dtype=int)
    mw = pd.Series(0.0, index=table["region_id"])
    frontier = pd.Series(0.0, index=table["region_id"])
    h100 = pd.Series(0.0, index=table["region_id"])
    for src in catalog.by_kind("data_centers"):
        dc = store.load(src.name, catalog)
        dc = dc[in_service(dc, year, "year_in_service", src.year)]
        joined = join_records(dc, regions)
        report.add(src.name, joined["join_method"], dc["name"])
        dc = dc.assign(region_id=joined["region_id"])
        inside = dc[dc["region_id"].isin(n_dc.index)]
        n_dc = n_dc.add(inside.groupby("region_id").size(), fill_value=0)
        if src.name == "epoch-frontier-data-centers":
            frontier = frontier.add(inside.groupby("region_id")["power_mw"].sum(), fill_value=0)
        elif src.kind == "data_centers" and src.name == "epoch-gpu-clusters":
            mw = mw.add(inside.groupby("region_id")["power_mw"].sum(), fill_value=0)
            h100 = h100.add(inside.groupby("region_id")["h100_equivalents"].sum(), fill_value=0)

    # Cable landings: landing points with at least one cable in service in `year`.
    cables = store.load_kind("cables", catalog)
    live = cables[
        (cables["rfs_year"].fillna(9999) <= year)
        & (cables["end_year"].isna() | (cables["end_year"].fillna(9999) >= year))
    ]
    cable_names = dict(zip(live["cable_id"], live["name"], strict=True))
    n_land = pd.Series(0, index=table["region_id"], dtype=int)
    names: dict[str, set[str]] = {}
    for src in catalog.by_kind("landing_points"):
        lp = store.load(src.name, catalog)
        lp_cables = lp["cable_ids"].fillna("").str.split("; ")
        live_here = lp_cables.map(lambda ids: [cable_names[i] for i in ids if i in cable_names])
        lp = lp[live_here.map(bool)]
        joined = join_records(lp, regions)
        report.add(src.name, joined["join_method"], lp["name"])
        for rid, cl in zip(joined["region_id"], live_here[lp.index], strict=True):
            if isinstance(rid, str):
                names.setdefault(rid, set()).update(cl)
        n_land = n_land.add(joined.groupby("region_id").size(), fill_value=0)

    # Mining: the 2018-19 sample's share per region.
    share = pd.Series(0.0, index=table["region_id"])
    for src in catalog.by_kind("mining"):
        mine = store.load(src.name, catalog)
        if mine.geometry.notna().sum() == 0:
            continue  # era tables have no points; they are per region already
        joined = join_records(mine, regions)
        report.add(src.name, joined["join_method"], mine["area_id"])
        share = share.add(mine.assign(region_id=joined["region_id"]).groupby("region_id")["share_pct"].sum(),
                          fill_value=0)

    ids = table["region_id"]
    table["n_data_centers"] = ids.map(n_dc).fillna(0).astype(int).to_numpy()
    table["data_center_mw"] = ids.map(mw).fillna(0.0).round(1).to_numpy()
    table["frontier_mw"] = ids.map(frontier).fillna(0.0).round(1).to_numpy()
    table["h100_equivalents"] = ids.map(h100).fillna(0.0).round(0).to_numpy()
    table["n_cable_landings"] = ids.map(n_land).fillna(0).astype(int).to_numpy()
    table["cables"] = ids.map(lambda r: "; ".join(sorted(names.get(r, ())))).to_numpy()
    table["mining_share_pct"] = ids.map(share).fillna(0.0).round(4).to_numpy()
    table = gpd.GeoDataFrame(table[[*SUMMARY_COLUMNS, "geometry"]], geometry="geometry", crs=CRS)
    return table, report
