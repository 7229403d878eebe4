"""Per-region cost estimates: a year's chosen prices run through the pure cost model."""

from __future__ import annotations

import dataclasses

import pandas as pd

from geomap import dollars as constant
from geomap.costs.catalogs import asic_efficiency, throughput_for
from geomap.costs.formulas import Assumptions, Gpu, Model, bitcoin_kwh_per_phs_day, region_costs

COST_COLUMNS = [
    "region_id", "name", "level", "parent_id",
    "price_usd_per_kwh", "price_year", "price_basis", "price_source", "price_is_fallback",
    "price_min_usd_per_kwh", "price_max_usd_per_kwh", "price_chosen_by",
    "price_comparable", "price_not_comparable_reason", "price_key",
    "usd_per_mtok_input", "usd_per_mtok_output", "kwh_per_mtok_input", "kwh_per_mtok_output",
    "capital_usd_per_mtok_output", "energy_usd_per_mtok_output", "capital_share", "energy_share",
    "usd_per_phs_day", "asic_j_per_th", "dollars",
]


def cost_table(
    prices: pd.DataFrame,
    gpu: Gpu,
    model: Model,
    assumptions: Assumptions,
    year: int,
    dollars: int | None = None,
) -> pd.DataFrame:
    """One row per region: price, $/Mtok input and output, kWh/Mtok, shares, Bitcoin metric.

    ``dollars``: a base year for constant dollars (CPI-U) - each price is deflated from its own
    year and the GPU's price from its price year; None keeps every amount nominal. The GPU-hour
    rent assumption, when set, is taken as given. Pure given its inputs: recomputing after a
    GPU or model change touches no file.
    """
    if dollars is not None:
        prices = constant.in_dollars(prices, dollars)
        if gpu.price_usd and gpu.price_year:
            gpu = dataclasses.replace(
                gpu, price_usd=gpu.price_usd * constant.factor(gpu.price_year, dollars))
    tp = throughput_for(gpu, model)
    costs = region_costs(prices["price_usd_per_kwh"].to_numpy(dtype=float), tp, gpu, assumptions)
    out = pd.concat([prices.reset_index(drop=True), costs], axis=1)
    asic = asic_efficiency(year)
    out["asic_j_per_th"] = asic.j_per_th
    out["usd_per_phs_day"] = bitcoin_kwh_per_phs_day(asic.j_per_th) * out["price_usd_per_kwh"]
    out["dollars"] = constant.label(dollars)
    return out[COST_COLUMNS]


def describe_inputs(gpu: Gpu, model: Model, a: Assumptions, year: int) -> dict:
    """Every input of an estimate with its source, for display next to the numbers."""
    tp = throughput_for(gpu, model)
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
