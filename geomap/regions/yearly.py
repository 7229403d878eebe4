"""The per-year tables every consumer shares: chosen prices, joined layers, the region summary.

Each is computed once per year (and price choice) for a state of the layers and reused by the
costs, the map, the panel and the CLI; a changed layer invalidates them by itself
(:func:`geomap.data.store.cached_on_layers`).
"""

from __future__ import annotations

import geopandas as gpd
import pandas as pd

from geomap.data import store
from geomap.data.catalog import Catalog, load_catalog
from geomap.regions.joins import JoinReport, join_records
from geomap.regions.prices import PRICE_COLUMNS, choose_prices, load_prices
from geomap.regions.regionset import load_regions
from geomap.schema import CRS, rows_in_service

SUMMARY_COLUMNS = [
    "region_id", "name", "level", "parent_id", *PRICE_COLUMNS,
    "n_data_centers", "data_center_mw", "frontier_mw", "h100_equivalents",
    "n_cable_landings", "cables", "mining_share_pct",
]


def region_prices(year: int, basis: str | None = None, price_layer: str | None = None, *,
                  catalog: Catalog | None = None) -> pd.DataFrame:
    """Every region of the region set with its chosen price for ``year`` (no geometry).

    Chosen once per (year, basis, layer): changing the GPU, model or assumptions reuses it.
    """
    return _region_prices(year, basis, price_layer, catalog=catalog)


@store.cached_on_layers(maxsize=32)
def _region_prices(year: int, basis: str | None, price_layer: str | None, *,
                   catalog: Catalog) -> pd.DataFrame:
    regions = load_regions(catalog)
    chosen = choose_prices(regions, load_prices(catalog), year, basis=basis, layer=price_layer)
    return pd.DataFrame(regions.drop(columns="geometry")).merge(chosen, on="region_id", how="left")


@store.cached_on_layers(maxsize=64)
def joined_data_centers_of(layer: str, year: int, *, catalog: Catalog) -> pd.DataFrame:
    """The data centers of one layer in service in ``year``, with ``region_id`` and
    ``join_method`` (no geometry)."""
    source = catalog.get_source(layer)
    dc = store.load(layer, catalog)
    dc = dc[rows_in_service(dc, "data_centers", year, source.year)]
    joined = join_records(dc, load_regions(catalog))
    return pd.DataFrame(dc.drop(columns="geometry")).assign(
        region_id=joined["region_id"], join_method=joined["join_method"])


def joined_data_centers(year: int, *, catalog: Catalog | None = None) -> pd.DataFrame:
    """Every data center in service in ``year`` with the region it joined (no geometry)."""
    catalog = catalog or load_catalog()
    frames = [joined_data_centers_of(src.name, year, catalog=catalog)
              for src in catalog.by_kind("data_centers")]
    return pd.concat(frames, ignore_index=True)


def summarize(year: int, catalog: Catalog | None = None, *, basis: str | None = None,
              price_layer: str | None = None) -> tuple[gpd.GeoDataFrame, JoinReport]:
    """One row per region with its price and what sits in it in ``year`` (see SUMMARY_COLUMNS)."""
    table, report = _summary(year, basis, price_layer, catalog=catalog)
    return table.copy(), report


@store.cached_on_layers(maxsize=8)
def _summary(year: int, basis: str | None, price_layer: str | None, *,
             catalog: Catalog) -> tuple[gpd.GeoDataFrame, JoinReport]:
    regions = load_regions(catalog)
    prices = region_prices(year, basis, price_layer, catalog=catalog)
    table = regions.merge(prices[["region_id", *PRICE_COLUMNS]], on="region_id", how="left")
    report = JoinReport()

    # Data centers (all three sources counted; MW from Epoch's GPU clusters, frontier apart).
    n_dc = pd.Series(0, index=table["region_id"], dtype=int)
    mw = pd.Series(0.0, index=table["region_id"])
    frontier = pd.Series(0.0, index=table["region_id"])
    h100 = pd.Series(0.0, index=table["region_id"])
    for src in catalog.by_kind("data_centers"):
        dc = joined_data_centers_of(src.name, year, catalog=catalog)
        report.add(src.name, dc["join_method"], dc["name"])
        inside = dc[dc["region_id"].isin(n_dc.index)]
        n_dc = n_dc.add(inside.groupby("region_id").size(), fill_value=0)
        if src.name == "epoch-frontier-data-centers":
            frontier = frontier.add(inside.groupby("region_id")["power_mw"].sum(), fill_value=0)
        elif src.name == "epoch-gpu-clusters":
            mw = mw.add(inside.groupby("region_id")["power_mw"].sum(), fill_value=0)
            h100 = h100.add(inside.groupby("region_id")["h100_equivalents"].sum(), fill_value=0)

    # Cable landings: landing points with at least one cable in service in `year`.
    cables = store.load_kind("cables", catalog)
    live = cables[rows_in_service(cables, "cables", year)]
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
