"""Per-region cost estimates: region prices (cached) joined with the pure cost model."""

from __future__ import annotations

import csv
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
import pandas as pd

from geomap import cost
from geomap.catalog import layers_dir, load_catalog
from geomap.errors import CatalogError

COST_COLUMNS = [
    "region_id", "name", "level", "parent_id",
    "price_usd_per_kwh", "price_year", "price_basis", "price_source", "price_is_fallback",
    "price_min_usd_per_kwh", "price_max_usd_per_kwh",
    "usd_per_mtok_input", "usd_per_mtok_output", "kwh_per_mtok_input", "kwh_per_mtok_output",
    "capital_usd_per_mtok_output", "energy_usd_per_mtok_output", "capital_share", "energy_share",
    "usd_per_phs_day", "asic_j_per_th",
]


@lru_cache(maxsize=32)
def region_prices(year: int, basis: str | None = None, price_layer: str | None = None) -> pd.DataFrame:
    """Every region of the region set with its chosen price for ``year`` (no geometry).

    Cached per (year, basis, layer): changing the GPU, model or assumptions reuses it.
    """
    from geomap import regions, store

    catalog = load_catalog()
    region_set = regions.load_regions(catalog)
    prices = store.load_kind("electricity_prices", catalog)
    chosen = regions.choose_prices(region_set, prices, year, basis=basis, layer=price_layer)
    table = pd.DataFrame(region_set.drop(columns="geometry")).merge(chosen, on="region_id", how="left")
    return table


@dataclass(frozen=True)
class AsicEfficiency:
    year: int
    j_per_th: float
    models: str
    source: str


@lru_cache(maxsize=1)
def _asic_rows() -> list[dict[str, str]]:
    path = layers_dir() / "tables" / "asic_efficiency.csv"
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
