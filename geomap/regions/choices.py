"""Choosing among sourced prices: every value behind a region's number, and a user's pick of one."""

from __future__ import annotations

import pandas as pd

from geomap.data import store
from geomap.data.catalog import Catalog
from geomap.errors import CatalogError
from geomap.regions.prices import (
    LARGE_CONSUMER_BASES,
    fx_rate_used,
    load_prices,
    not_comparable_reason,
    options_for,
)
from geomap.regions.regionset import load_regions


@store.cached_on_layers(maxsize=256)
def _price_options(region_id: str, *, catalog: Catalog) -> pd.DataFrame:
    regions = load_regions(catalog)
    match = regions.loc[regions["region_id"] == region_id, "parent_id"]
    if match.empty:
        raise CatalogError(f"unknown region {region_id!r}")
    return options_for(region_id, match.iloc[0], load_prices(catalog))


def price_options(region_id: str, year: int | None = None) -> pd.DataFrame:
    """Every sourced price for a region and for its country: the spread behind its one number.

    Region rows come first (``scope`` ``region``, then ``country``), newest first. With ``year``,
    ``after_year`` flags prices published later than it. Each row's ``key`` lets a user pick it
    (:func:`apply_price_choices`).
    """
    out = _price_options(region_id).copy()
    if year is not None:
        out["after_year"] = out["year"] > year
    return out


def apply_price_choices(prices: pd.DataFrame, choices: tuple[tuple[str, str], ...],
                        year: int | None = None) -> pd.DataFrame:
    """``prices`` (from :func:`geomap.regions.yearly.region_prices`) with the user's own pick of a
    sourced price for some regions: ``choices`` holds ``(region_id, key)`` pairs, keys from
    :func:`price_options`. Those rows say ``price_chosen_by = "user"``; the spread columns stay.
    With the ``year`` shown, a pick also says whether it is comparable (else <NA>).
    """
    if not choices:
        return prices
    out = prices.copy()
    for region_id, key in choices:
        rows = out.index[out["region_id"] == region_id]
        if rows.empty:
            raise CatalogError(f"unknown region {region_id!r}")
        options = _price_options(region_id)
        hit = options[options["key"] == key]
        if hit.empty:
            valid = ", ".join(options["key"]) or "none"
            raise CatalogError(f"{region_id}: no sourced price with key {key!r} (valid keys: {valid})")
        o = hit.iloc[0]
        values = {"price_usd_per_kwh": float(o["usd_per_kwh"]), "price_year": int(o["year"]),
                  "price_basis": o["basis"], "price_basis_detail": o["basis_detail"],
                  "price_source": o["source"], "price_layer": o["layer"],
                  "price_is_fallback": o["scope"] == "country", "price_chosen_by": "user",
                  "price_currency": o["currency"], "price_fx_rate": fx_rate_used(o),
                  "price_fx_year": o["fx_year"], "price_taxes_included": o["taxes_included"],
                  "price_key": key}
        reason = not_comparable_reason(o["basis"], int(o["year"]), year) if year is not None else None
        values["price_comparable"] = (reason is None) if year is not None else pd.NA
        values["price_not_comparable_reason"] = reason
        for column, value in values.items():
            out.loc[rows, column] = value
    return out


def price_history(region_id: str, chosen_key: str | None = None) -> pd.DataFrame:
    """Every sourced price of a region and its country by year, oldest first: one line per
    source and basis. ``large_consumer`` marks the bases that compare; ``chosen`` the row whose
    key is ``chosen_key`` (the ``price_key`` of the region's chosen price)."""
    out = _price_options(region_id).copy()
    out["large_consumer"] = out["basis"].isin(LARGE_CONSUMER_BASES)
    band = out["basis_detail"].astype("string").str.extract(r"band (\S+)", expand=False)
    out["series"] = (out["layer"] + " · " + out["basis"] + band.map(lambda b: f" {b}" if isinstance(b, str) else "")
                     + " · " + out["scope"]
                     + out["large_consumer"].map(lambda ok: "" if ok else " (does not compare)"))
    out["chosen"] = out["key"] == chosen_key if chosen_key else False
    return out.sort_values(["year", "scope", "basis"], kind="stable").reset_index(drop=True)
