"""Normalized schemas of each layer kind (all geometry in EPSG:4326)."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd

CRS = "EPSG:4326"

#: The price bases geomap compares (the README's table says what each is); a table's own wording
#: goes to ``basis_detail``. ``large_industry_tariff`` a published tariff for large or high-voltage
#: users (Chinese grid agency-purchase prices included); ``industrial_average`` the industrial
#: sector's average revenue per kWh (EIA); ``non_household_band`` Eurostat's price for one
#: annual-consumption band (the band in ``basis_detail``); ``data_center_rate`` a published rate for
#: data centers; ``small_business_tariff`` the World Bank *Doing Business* small-warehouse bill;
#: ``commercial_average`` the commercial sector's average; ``contract`` one buyer's negotiated deal;
#: ``wholesale`` a market price without network charges, levies or taxes.
PRICE_BASES = ("large_industry_tariff", "industrial_average", "non_household_band", "data_center_rate",
               "small_business_tariff", "commercial_average", "contract", "wholesale")
#: Names of bases before they were split and renamed (still read from user files and URLs).
LEGACY_PRICE_BASES = {"industrial": "industrial_average", "commercial": "commercial_average",
                      "business tariff": "small_business_tariff", "data center": "data_center_rate",
                      "non-household band": "non_household_band"}


def price_basis(name: object) -> str | None:
    """The basis called ``name`` (any case; spaces or hyphens for underscores; an older name), or None.

    >>> price_basis("Large industry tariff"), price_basis("business tariff"), price_basis("retail")
    ('large_industry_tariff', 'small_business_tariff', None)
    """
    text = " ".join(str(name or "").lower().split())
    if text in LEGACY_PRICE_BASES:
        return LEGACY_PRICE_BASES[text]
    key = text.replace(" ", "_").replace("-", "_")
    return key if key in PRICE_BASES else None
#: Prices above this (US cents/kWh) are rejected as artefacts (e.g. Venezuela's 2014-2019
#: Doing Business values of 124-1,038 cents, converted at an official exchange rate).
MAX_US_CENTS_PER_KWH = 100.0

#: Columns of each kind, in order, with their pandas dtypes.
#:
#: regions
#:     ``region_id`` ISO 3166-1 alpha-2 (countries) or current ISO 3166-2 (subnational);
#:     ``level`` "country" | "subnational"; ``parent_id`` the country's alpha-2 for subnational.
#: data_centers
#:     ``status`` "existing" | "planned" | "decommissioned"; ``location_precision`` "site" |
#:     "city" | "region" | "country" | "unknown" (only site and city have a point);
#:     ``country_id``/``region_id`` what the source says about where it is (for records
#:     without a point); ``year_in_service`` first year operational.
#: electricity_prices (no geometry)
#:     ``usd_per_kwh`` in US dollars; ``basis`` one of :data:`PRICE_BASES` (``basis_detail`` the source's own wording); ``taxes_included`` True/False/<NA> (not stated);
#:     ``price_local``/``currency`` the figure as published; ``fx_year`` the year of the
#:     annual-average exchange rate used to convert it; ``layer`` the catalog record.
#: cables
#:     ``rfs_year`` ready-for-service year; ``end_year`` out of service (historic);
#:     ``era`` "modern" | "historic"; ``landing_point_ids`` "; "-joined.
#: landing_points
#:     ``cable_ids`` "; "-joined; ``first_rfs_year`` earliest cable at that point.
#: mining
#:     areas: ``hashrate_avg`` mean monthly average hashrate of the sample, ``share_pct`` share of
#:     the sample; eras: ``date`` "YYYY-MM", ``share_pct``, ``share_of`` "global" | "china".
SCHEMAS: dict[str, dict[str, str]] = {
    "regions": {
        "region_id": "string",
        "name": "string",
        "level": "string",
        "parent_id": "string",
        "iso_a3": "string",
        "source": "string",
    },
    "data_centers": {
        "dc_id": "string",
        "name": "string",
        "operator": "string",
        "status": "string",
        "year_in_service": "Int64",
        "power_mw": "Float64",
        "h100_equivalents": "Float64",
        "location_precision": "string",
        "location_text": "string",
        "country_id": "string",
        "region_id": "string",
        "source": "string",
    },
    "electricity_prices": {
        "region_id": "string",
        "usd_per_kwh": "Float64",
        "year": "Int64",
        "basis": "string",
        "basis_detail": "string",
        "taxes_included": "boolean",
        "price_local": "Float64",
        "currency": "string",
        "fx_year": "Int64",
        "source": "string",
        "layer": "string",
    },
    "cables": {
        "cable_id": "string",
        "name": "string",
        "rfs_year": "Int64",
        "end_year": "Int64",
        "is_planned": "boolean",
        "length_km": "Float64",
        "owners": "string",
        "landing_point_ids": "string",
        "era": "string",
        "kind": "string",
        "source": "string",
    },
    "landing_points": {
        "lp_id": "string",
        "name": "string",
        "country_id": "string",
        "cable_ids": "string",
        "first_rfs_year": "Int64",
        "era": "string",
        "source": "string",
    },
    "mining": {
        "area_id": "string",
        "name": "string",
        "country_id": "string",
        "region_id": "string",
        "hashrate_avg": "Float64",
        "share_pct": "Float64",
        "date": "string",
        "share_of": "string",
        "season": "string",
        "event": "string",
        "source": "string",
    },
}

#: Kinds whose layers carry geometry.
GEOMETRY_KINDS = {"regions", "data_centers", "cables", "landing_points", "mining"}


def conform(kind: str, frame: pd.DataFrame) -> pd.DataFrame | gpd.GeoDataFrame:
    """Return ``frame`` with exactly the schema's columns (missing ones filled with NA), typed.

    Geometry kinds keep a ``geometry`` column in EPSG:4326.
    """
    cols = SCHEMAS[kind]
    out = pd.DataFrame(index=frame.index)
    for col, dtype in cols.items():
        values = frame[col] if col in frame.columns else pd.Series(pd.NA, index=frame.index)
        out[col] = values.astype(dtype)
    out = out.reset_index(drop=True)
    if kind in GEOMETRY_KINDS:
        geometry = (
            frame.geometry.values if isinstance(frame, gpd.GeoDataFrame) else frame["geometry"]
        )
        return gpd.GeoDataFrame(out, geometry=gpd.GeoSeries(list(geometry), crs=CRS), crs=CRS)
    return out


#: The column that says when a feature of each kind starts to be in service, and when it ends.
START_COLUMNS = {"data_centers": "year_in_service", "cables": "rfs_year",
                 "landing_points": "first_rfs_year"}


def in_service(start_year, year: int, *, end_year=None, status=None,
               default_year: int | None = None) -> np.ndarray:
    """The one rule for "in service in ``year``", over arrays of years (NaN or NA = unknown).

    In service: a known start at or before ``year`` and no end before it. A row whose start is
    unknown counts only when its ``status`` is ``existing`` (rows without a status count as
    existing) and ``default_year`` (the source's year) is at or before ``year``; a planned row
    with no year is never in service.

    >>> in_service([2000, None, 2030], 2026, default_year=2024).tolist()
    [True, True, False]
    >>> in_service([1858, 1866], 1900, end_year=[1858, None]).tolist()
    [False, True]
    """
    start = pd.to_numeric(pd.Series(np.asarray(start_year, dtype=object)), errors="coerce").to_numpy(float)
    known = ~np.isnan(start)
    ok = known & (np.where(known, start, np.inf) <= year)
    if end_year is not None:
        end = pd.to_numeric(pd.Series(np.asarray(end_year, dtype=object)), errors="coerce").to_numpy(float)
        ok &= np.isnan(end) | (end >= year)
    if default_year is not None and year >= default_year:
        existing = (np.ones(len(start), dtype=bool) if status is None
                    else (pd.Series(np.asarray(status, dtype=object)) == "existing").to_numpy(bool))
        ok |= ~known & existing
    return ok


def rows_in_service(frame: pd.DataFrame, kind: str, year: int,
                    default_year: int | None = None) -> pd.Series:
    """:func:`in_service` for a layer's frame of ``kind``, by that kind's year columns."""
    start = frame[START_COLUMNS[kind]]
    end = frame["end_year"] if "end_year" in frame.columns else None
    status = frame["status"] if "status" in frame.columns else None
    mask = in_service(start, year, end_year=end, status=status, default_year=default_year)
    return pd.Series(mask, index=frame.index)
