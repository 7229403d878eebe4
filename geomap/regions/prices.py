"""Electricity prices per region: every sourced row, the rule that picks one, and the spread."""

from __future__ import annotations

import hashlib

import pandas as pd

from geomap.data import store
from geomap.data.catalog import Catalog, load_catalog

#: Order in which price bases are preferred when a region has several (the user can choose).
BASIS_PREFERENCE = ("industrial", "non-household band", "data center", "business tariff",
                    "commercial", "contract", "wholesale")

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

#: What :func:`options_for` returns, in order.
OPTION_COLUMNS = ["key", "scope", "region_id", "usd_per_kwh", "year", "basis", "basis_detail",
                  "price_local", "currency", "fx_year", "taxes_included", "source", "layer"]


def load_prices(catalog: Catalog | None = None) -> pd.DataFrame:
    """Every sourced price row of every price layer (each keeps its ``layer`` and ``source``)."""
    return store.load_kind("electricity_prices", catalog or load_catalog())


def subnational_countries(prices: pd.DataFrame) -> set[str]:
    """Countries with at least one sub-national price (these get admin-1 regions).

    >>> sorted(subnational_countries(pd.DataFrame({"region_id": ["US-TX", "CN-SC", "DE"]})))
    ['CN', 'US']
    """
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


def option_key(row: pd.Series | dict) -> str:
    """A short, stable id for one sourced price (same row, same key, in any process)."""
    text = "|".join(str(row[k]) for k in ("layer", "region_id", "year", "basis", "source"))
    text += f"|{float(row['usd_per_kwh']):.8f}"
    return hashlib.sha1(text.encode()).hexdigest()[:10]


def options_for(region_id: str, parent_id: str | None, prices: pd.DataFrame) -> pd.DataFrame:
    """Every sourced price of a region (``scope`` ``region``) and of its country (``country``),
    region rows first, newest first, each with its :func:`option_key`."""
    prices = prices.dropna(subset=["region_id", "usd_per_kwh", "year"])
    frames = [prices[prices["region_id"] == region_id].assign(scope="region")]
    if isinstance(parent_id, str) and parent_id:
        frames.append(prices[prices["region_id"] == parent_id].assign(scope="country"))
    out = pd.DataFrame(pd.concat(frames, ignore_index=True).drop(columns="geometry", errors="ignore"))
    out["year"] = out["year"].astype(int)
    out["key"] = [option_key(r) for r in out.to_dict("records")]
    out = out.sort_values(["scope", "year", "usd_per_kwh"], ascending=[False, False, True],
                          kind="stable")
    return out.reindex(columns=OPTION_COLUMNS).reset_index(drop=True)
