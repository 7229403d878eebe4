"""The cost model's sourced catalogs: GPUs, models, measured throughputs, default assumptions,
Bitcoin ASIC efficiency — each a table in ``layers/tables/`` with a source on every row."""

from __future__ import annotations

from dataclasses import dataclass, replace
from functools import cache

import numpy as np

from geomap.costs.formulas import (
    Assumptions,
    Gpu,
    Model,
    Roofline,
    Throughput,
    calibrate_roofline,
    roofline_throughput,
)
from geomap.errors import CatalogError
from geomap.names import lookup_key
from geomap.tables import default_rows, read_rows, required_number


def _f(row: dict[str, str], key: str, where: str, required: bool = True) -> float | None:
    return required_number(row, key, where, required=required)


@cache
def gpu_catalog() -> dict[str, Gpu]:
    """GPUs from ``layers/tables/gpus.csv``, keyed by forgiving name."""
    out = {}
    for row in default_rows(read_rows("gpus.csv"), "gpu"):
        where = f"gpus.csv row {row['gpu']}"
        out[lookup_key(row["gpu"])] = Gpu(
            name=row["gpu"],
            price_usd=_f(row, "price_usd", where, required=False),
            board_power_w=_f(row, "board_power_w", where),
            mem_bw_gb_s=_f(row, "mem_bw_gb_s", where, required=False),
            bf16_tflops=_f(row, "bf16_tflops", where),
            fp8_tflops=_f(row, "fp8_tflops", where, required=False),
            int8_tops=_f(row, "int8_tops", where, required=False),
            memory_gb=_f(row, "memory_gb", where, required=False),
            price_year=int(_f(row, "price_year", where, required=False) or 0) or None,
            source=f"price: {row.get('price_source', '')}; specs: {row.get('spec_source', '')}",
        )
    return out


@cache
def model_catalog() -> dict[str, Model]:
    """Models from ``layers/tables/models.csv``, keyed by forgiving name."""
    out = {}
    for row in default_rows(read_rows("models.csv"), "model"):
        where = f"models.csv row {row['model']}"
        total = _f(row, "total_params_b", where, required=False)
        active = _f(row, "active_params_b", where, required=False)
        if active is None:
            continue  # a model without a sourced size cannot be costed; it is not offered
        out[lookup_key(row["model"])] = Model(
            name=row["model"],
            total_params_b=total or active,
            active_params_b=active,
            architecture=(row.get("architecture") or "").strip() or "dense",
            usd_per_mtok_input=_f(row, "usd_per_mtok_input", where, required=False),
            usd_per_mtok_output=_f(row, "usd_per_mtok_output", where, required=False),
            price_date=row.get("price_date", ""),
            source=f"specs: {row.get('spec_source', '')}; price: {row.get('price_source', '')}",
        )
    return out


def _lookup(catalog: dict, name: str, what: str):
    try:
        return catalog[lookup_key(name)]
    except KeyError:
        valid = ", ".join(sorted(item.name for item in catalog.values()))
        raise CatalogError(f"unknown {what} {name!r}; valid {what}s: {valid}") from None


def get_gpu(name: str) -> Gpu:
    """A GPU by forgiving name; an unknown name lists the valid ones."""
    return _lookup(gpu_catalog(), name, "GPU")


def get_model(name: str) -> Model:
    """A model by forgiving name (case, '-', '_', '.' ignored); unknown names list valid ones."""
    return _lookup(model_catalog(), name, "model")


@cache
def measured_throughputs() -> dict[tuple[str, str], Throughput]:
    """Published per-GPU throughputs from ``layers/tables/throughput.csv``."""
    out = {}
    for row in read_rows("throughput.csv"):
        where = f"throughput.csv row {row['gpu']} x {row['model']}"
        per_gpu = _f(row, "gpus_per_node", where, required=False) or 1.0
        tin = _f(row, "input_tok_s_per_gpu", where, required=False)
        tout = _f(row, "output_tok_s_per_gpu", where, required=False)
        if tin is None and (node := _f(row, "node_input_tok_s", where, required=False)):
            tin = node / per_gpu
        if tout is None and (node := _f(row, "node_output_tok_s", where, required=False)):
            tout = node / per_gpu
        if tin and tout:
            key = (lookup_key(row["gpu"]), lookup_key(row["model"]))
            out.setdefault(key, Throughput(tin, tout, "measured", row.get("source", "")))
    return out


#: The measurement the roofline is calibrated on.
CALIBRATION = ("h800", "deepseek-v3")


@cache
def default_roofline() -> Roofline:
    """Roofline constants calibrated on DeepSeek's published H800 serving figures."""
    key = tuple(lookup_key(k) for k in CALIBRATION)
    measured = measured_throughputs().get(key)  # type: ignore[arg-type]
    if measured is None:
        raise CatalogError(f"throughput.csv: no measurement for {CALIBRATION} to calibrate on")
    return calibrate_roofline(get_gpu(CALIBRATION[0]), get_model(CALIBRATION[1]), measured)


def throughput_for(gpu: Gpu, model: Model) -> Throughput:
    """The published measurement for this pair if there is one, else the roofline estimate."""
    measured = measured_throughputs().get((lookup_key(gpu.name), lookup_key(model.name)))
    return measured or roofline_throughput(gpu, model, default_roofline())


@cache
def default_assumptions() -> Assumptions:
    """Defaults from ``layers/tables/cost_defaults.csv`` (each with its source)."""
    values, sources = {}, {}
    names = {f for f in Assumptions.__dataclass_fields__ if f not in ("gpu_hour_usd", "sources")}
    for row in default_rows(read_rows("cost_defaults.csv"), "parameter"):
        key = row["parameter"].strip()
        if key in names:
            values[key] = _f(row, "value", f"cost_defaults.csv row {key}")
            sources[key] = row.get("source", "")
    return Assumptions(**values, sources=sources)


def with_overrides(base: Assumptions, **overrides: float | None) -> Assumptions:
    """``base`` with every override that is not None applied."""
    return replace(base, **{k: v for k, v in overrides.items() if v is not None})


@dataclass(frozen=True)
class AsicEfficiency:
    year: int
    j_per_th: float
    models: str
    source: str


@cache
def _asic_rows() -> list[dict[str, str]]:
    return read_rows("asic_efficiency.csv")


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
