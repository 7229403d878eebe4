"""The region set: every country, split into admin-1 units where sub-national prices exist."""

from __future__ import annotations

import geopandas as gpd
import pandas as pd

from geomap.data import store
from geomap.data.catalog import Catalog
from geomap.regions.prices import load_prices, subnational_countries
from geomap.schema import CRS


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


def load_regions(catalog: Catalog | None = None) -> gpd.GeoDataFrame:
    """The region set from the prepared layers (a copy of a table built once per layer state).

    Built from the region geometries and the countries that have sub-national prices.
    """
    return _region_set(catalog=catalog).copy()


@store.cached_on_layers(maxsize=2)
def _region_set(*, catalog: Catalog) -> gpd.GeoDataFrame:
    split = subnational_countries(load_prices(catalog))
    return build_region_set(store.load("ne-admin0", catalog), store.load("ne-admin1", catalog), split)
