"""Per-region cost estimates: region prices (cached) joined with the pure cost model."""

from __future__ import annotations

import csv
import hashlib
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
import pandas as pd

from geomap.costs import model as cost
from geomap.data.catalog import load_catalog
from geomap.errors import CatalogError
from geomap.tables import table_file

COST_COLUMNS = [
    "region_id", "name", "level", "parent_id",
    "price_usd_per_kwh", "price_year", "price_basis", "price_source", "price_is_fallback",
    "price_min_usd_per_kwh", "price_max_usd_per_kwh", "price_chosen_by",
    "usd_per_mtok_input", "usd_per_mtok_output", "kwh_per_mtok_input", "kwh_per_mtok_output",
    "capital_usd_per_mtok_output", "energy_usd_per_mtok_output", "capital_share", "energy_share",
    "usd_per_phs_day", "asic_j_per_th",
]


@lru_cache(maxsize=32)
def region_prices(year: int, basis: str | None = None, price_layer: str | None = None) -> pd.DataFrame:
    """Every region of the region set with its chosen price for ``year`` (no geometry).

    Cached per (year, basis, layer): changing the GPU, model or assumptions reuses it.
    """
    from geomap.data import store
    from geomap.regions import regionset as regions

    catalog = load_catalog()
    region_set = regions.load_regions(catalog)
    prices = store.load_kind("electricity_prices", catalog)
    chosen = regions.choose_prices(region_set, prices, year, basis=basis, layer=price_layer)
    table = pd.DataFrame(region_set.drop(columns="geometry")).merge(chosen, on="region_id", how="left")
    return table


#: What :func:`price_options` returns, in order.
OPTION_COLUMNS = ["key", "scope", "region_id", "usd_per_kwh", "year", "basis", "basis_detail",
                  "price_local", "currency", "fx_year", "taxes_included", "source", "layer"]


def option_key(row: pd.Series | dict) -> str:
    """A short, stable id for one sourced price (same row, same key, in any process)."""
    text = "|".join(str(row[k]) for k in ("layer", "region_id", "year", "basis", "source"))
    text += f"|{float(row['usd_per_kwh']):.8f}"
    return hashlib.sha1(text.encode()).hexdigest()[:10]


@lru_cache(maxsize=256)
def _price_options(region_id: str) -> pd.DataFrame:
    from geomap.data import store
    from geomap.regions import regionset as regions

    catalog = load_catalog()
    region_set = regions.load_regions(catalog)
    match = region_set.loc[region_set["region_id"] == region_id, "parent_id"]
    if match.empty:
        raise CatalogError(f"unknown region {region_id!r}")
    parent = match.iloc[0]
    prices = store.load_kind("electricity_prices", catalog)
    prices = prices.dropna(subset=["region_id", "usd_per_kwh", "year"])
    own = prices[prices["region_id"] == region_id].assign(scope="region")
    frames = [own]
    if isinstance(parent, str) and parent:
        frames.append(prices[prices["region_id"] == parent].assign(scope="country"))
    out = pd.DataFrame(pd.concat(frames, ignore_index=True).drop(columns="geometry", errors="ignore"))
    out["year"] = out["year"].astype(int)
    out["key"] = [option_key(r) for r in out.to_dict("records")]
    out = out.sort_values(["scope", "year", "usd_per_kwh"], ascending=[False, False, True],
                          kind="stable")
    return out.reindex(columns=OPTION_COLUMNS).reset_index(drop=True)


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


def apply_price_choices(prices: pd.DataFrame, choices: tuple[tuple[str, str], ...]) -> pd.DataFrame:
    """``prices`` (from :func:`region_prices`) with the user's own pick of a sourced price for
    some regions: ``choices`` holds ``(region_id, key)`` pairs, keys from :func:`price_options`.
    Those rows say ``price_chosen_by = "user"``; the spread columns stay as they were.
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
                  "price_is_fallback": o["scope"] == "country", "price_chosen_by": "user"}
        for column, value in values.items():
            out.loc[rows, column] = value
    return out


@dataclass(frozen=True)
class AsicEfficiency:
    year: int
    j_per_th: float
    models: str
    source: str


@lru_cache(maxsize=1)
def _asic_rows() -> list[dict[str, str]]:
    path = table_file("asic_efficiency.csv")
    with open(path, encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def asic_efficiency(year: int) -> AsicEfficiency:
    """Typical Bitcoin ASIC efficiency of ``year``: the median J/TH of the models of the latest
    year at or before it in ``layers/tables/asic_efficiency.csv`` (the earliest year if none)."""
    rows = _asic_rows()
    years = sorted({int(r["year"]) for r in rows})
    if not years:
        raise CatalogError("asic_efficiency.csv: no rows")
    chosen = max((y for y in years if y <= year), default=years[0])
    picked = [r for r in rows if int(r["year"]) == chosen]
    j = float(np.median([float(r["j_per_th"]) for r in picked]))
    return AsicEfficiency(
        chosen, j, "; ".join(r["model"] for r in picked), "; ".join(sorted({r["source"] for r in picked}))
    )


def cost_table(
    prices: pd.DataFrame,
    gpu: cost.Gpu,
    model: cost.Model,
    assumptions: cost.Assumptions,
    year: int,
) -> pd.DataFrame:
    """One row per region: price, $/Mtok input and output, kWh/Mtok, shares, Bitcoin metric.

    Pure given its inputs: recomputing after a GPU or model change touches no file.
    """
    tp = cost.throughput_for(gpu, model)
    costs = cost.region_costs(prices["price_usd_per_kwh"].to_numpy(dtype=float), tp, gpu, assumptions)
    out = pd.concat([prices.reset_index(drop=True), costs], axis=1)
    asic = asic_efficiency(year)
    out["asic_j_per_th"] = asic.j_per_th
    out["usd_per_phs_day"] = cost.bitcoin_kwh_per_phs_day(asic.j_per_th) * out["price_usd_per_kwh"]
    return out[COST_COLUMNS]


def describe_inputs(gpu: cost.Gpu, model: cost.Model, a: cost.Assumptions, year: int) -> dict:
    """Every input of an estimate with its source, for display next to the numbers."""
    tp = cost.throughput_for(gpu, model)
    asic = asic_efficiency(year)
    return {
        "gpu": {"name": gpu.name, "price_usd": gpu.price_usd, "board_power_w": gpu.board_power_w,
                "source": gpu.source},
        "model": {"name": model.name, "total_params_b": model.total_params_b,
                  "active_params_b": model.active_params_b, "source": model.source},
        "throughput": {"input_tok_s_per_gpu": round(tp.input_tok_s, 1),
                       "output_tok_s_per_gpu": round(tp.output_tok_s, 1),
                       "method": tp.method, "source": tp.source},
        "assumptions": {"pue": a.pue, "utilization": a.utilization,
                        "lifetime_years": a.lifetime_years,
                        "server_capex_overhead": a.server_capex_overhead,
                        "server_power_overhead": a.server_power_overhead,
                        "gpu_hour_usd": a.gpu_hour_usd, "sources": dict(a.sources)},
        "bitcoin": {"asic_year": asic.year, "j_per_th": asic.j_per_th, "models": asic.models,
                    "source": asic.source},
    }
