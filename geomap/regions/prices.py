"""Electricity prices per region: every sourced row, the rule that picks one, and the spread."""

from __future__ import annotations

import hashlib

import pandas as pd

from geomap.data import store
from geomap.data.catalog import Catalog, load_catalog

#: Order in which price bases are preferred when a region has several (the user can choose).
BASIS_PREFERENCE = ("large_industry_tariff", "industrial_average", "non_household_band",
                    "data_center_rate", "small_business_tariff", "commercial_average", "contract",
                    "wholesale")

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
    "price_comparable",  # a large consumer's price from the comparability window
    "price_not_comparable_reason",  # why not, when it is not ("stale: 2019", "no price", ...)
    "price_currency",  # the currency (or unit) the chosen price was published in
    "price_fx_rate",  # units of that currency per US$ it was converted at (1 for US$)
    "price_fx_year",  # the year of the annual-average exchange rate it was converted at
    "price_taxes_included",  # True, False, or <NA> where the source does not say
    "price_key",  # the chosen row's key among the region's sourced prices (option_key)
]

#: Bases of a price that a large consumer (a data center) pays: these compare with each other.
LARGE_CONSUMER_BASES = ("large_industry_tariff", "industrial_average", "non_household_band",
                        "data_center_rate")
#: A large consumer's price compares for a year when it is at most this many years older.
COMPARABLE_WINDOW_YEARS = 3

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
    """One price per region for ``year``, with where it came from, whether it compares with the
    others, and the spread of every sourced value.

    Rule, in order:

    1. A **comparable** price: a large consumer's (a basis in :data:`LARGE_CONSUMER_BASES`) of at
       most :data:`COMPARABLE_WINDOW_YEARS` years before ``year`` and not after it — the
       region's own, else its country's (``price_is_fallback``). Skipped when a ``basis`` is
       asked for, which then comes first in step 2.
    2. Otherwise the region's own prices at or before ``year``; its country's at or before
       ``year``; the region's later prices; the country's.

    Within the first of these that has any, the preferred basis (default order
    :data:`BASIS_PREFERENCE`) wins, then the latest year (the earliest, for later prices), then
    the value nearest the median of that year's values. ``price_comparable`` says whether the
    pick is a large consumer's price from the window; when it is not,
    ``price_not_comparable_reason`` says why (``no price``, ``stale: 2019``, ``later year: 2023``,
    ``small-business tariff only``, ``wholesale only``, ...). No source is picked silently:
    ``price_n_options``, ``price_min_usd_per_kwh`` and ``price_max_usd_per_kwh`` show every
    sourced value for the region.
    """
    p = prices.dropna(subset=["region_id", "usd_per_kwh", "year"]).copy()
    if layer:
        p = p[p["layer"] == layer]
    prefer = (basis, *[b for b in BASIS_PREFERENCE if b != basis]) if basis else BASIS_PREFERENCE
    if basis:
        p = p[p["basis"] == basis] if (p["basis"] == basis).any() else p
    p["rank_basis"] = _basis_rank(p["basis"], prefer)
    p["year"] = p["year"].astype(int)
    p["large"] = p["basis"].isin(LARGE_CONSUMER_BASES)
    by_region = {rid: g for rid, g in p.groupby("region_id")}
    first = year - COMPARABLE_WINDOW_YEARS

    rows = []
    for rid, parent in zip(regions["region_id"], regions["parent_id"], strict=True):
        own = by_region.get(rid)
        par = by_region.get(parent) if isinstance(parent, str) else None
        pick, fallback = None, False
        steps = [] if basis else [(own, False, "window"), (par, True, "window")]
        steps += [(own, False, "before"), (par, True, "before"), (own, False, "after"), (par, True, "after")]
        for cand, is_fb, when in steps:
            if cand is None:
                continue
            if when == "window":
                sel = cand[cand["large"] & cand["year"].between(first, year)]
            else:
                sel = cand[cand["year"] <= year] if when == "before" else cand[cand["year"] > year]
            if len(sel):
                sel = sel[sel["rank_basis"] == sel["rank_basis"].min()]
                target = sel["year"].min() if when == "after" else sel["year"].max()
                pick, fallback = _pick(sel[sel["year"] == target]), is_fb
                break
        spread = own if own is not None else par
        if pick is None:
            rows.append({"region_id": rid, "price_n_options": 0, "price_comparable": False,
                         "price_not_comparable_reason": "no price"})
            continue
        reason = not_comparable_reason(pick["basis"], int(pick["year"]), year)
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
                "price_comparable": reason is None,
                "price_not_comparable_reason": reason,
                "price_currency": pick.get("currency"),
                "price_fx_rate": fx_rate_used(pick),
                "price_fx_year": pick.get("fx_year"),
                "price_taxes_included": pick.get("taxes_included"),
                "price_key": option_key(pick),
            }
        )
    out = pd.DataFrame(rows, columns=["region_id", *PRICE_COLUMNS])
    out["price_is_fallback"] = out["price_is_fallback"].astype("boolean")
    out["price_comparable"] = out["price_comparable"].astype("boolean")
    out["price_taxes_included"] = out["price_taxes_included"].astype("boolean")
    out["price_year"] = out["price_year"].astype("Int64")
    out["price_fx_year"] = pd.to_numeric(out["price_fx_year"], errors="coerce").astype("Int64")
    return out


def fx_rate_used(row: pd.Series | dict) -> float | None:
    """Units of the published currency per US$ that a price row was converted at.

    >>> fx_rate_used({"currency": "CNY", "price_local": 0.72, "usd_per_kwh": 0.1})
    7.2
    >>> fx_rate_used({"currency": "EUR/MWh", "price_local": 90.0, "usd_per_kwh": 0.1})
    0.9
    >>> fx_rate_used({"currency": "USD/MMBtu", "price_local": 20.0, "usd_per_kwh": 0.07})
    1.0
    """
    currency, local, usd = row.get("currency"), row.get("price_local"), row.get("usd_per_kwh")
    if not isinstance(currency, str) or pd.isna(local) or pd.isna(usd) or not usd:
        return None
    if currency.startswith("USD") or currency == "USc":
        return 1.0
    per_kwh = {"EUR/MWh": 1e-3}.get(currency, 1.0)
    return round(float(local) * per_kwh / float(usd), 6)


#: Why a price of each basis does not compare with a large consumer's.
_BASIS_REASONS = {
    "small_business_tariff": "small-business tariff only",
    "commercial_average": "commercial average only",
    "contract": "one buyer's contract only",
    "wholesale": "wholesale only",
}


def not_comparable_reason(basis: str, price_year: int, year: int) -> str | None:
    """Why a price of ``basis`` from ``price_year`` does not compare with a large consumer's
    current price in ``year``, or None when it does.

    >>> not_comparable_reason("industrial_average", 2024, 2026) is None
    True
    >>> not_comparable_reason("industrial_average", 2019, 2026)
    'stale: 2019'
    >>> not_comparable_reason("small_business_tariff", 2019, 2019)
    'small-business tariff only'
    """
    if basis not in LARGE_CONSUMER_BASES:
        return _BASIS_REASONS.get(basis, f"{basis} only")
    if price_year > year:
        return f"later year: {price_year}"
    if price_year < year - COMPARABLE_WINDOW_YEARS:
        return f"stale: {price_year}"
    return None


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
