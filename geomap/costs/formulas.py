"""The token-cost model: pure functions from GPU, model, assumptions and power price to $/Mtok.

Per GPU-hour, a GPU costs its capital (GPU price plus the server's share, straight-line over
its lifetime) and its electricity (board power plus the server's share, times PUE, times
the region's price). Dividing by the tokens it makes in an hour at a utilization gives the
cost per million tokens; input tokens use prefill throughput, output tokens decode
throughput. A rented GPU replaces both with its all-in hourly rate.

Throughput comes from published measurements where they exist and otherwise from a roofline
estimate whose two efficiency constants are calibrated on DeepSeek's published H800 figures
(see :func:`calibrate_roofline`); the sourced figures live in :mod:`geomap.costs.catalogs`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from geomap.errors import CatalogError

HOURS_PER_YEAR = 8766.0  # 365.25 days
JOULES_PER_KWH = 3.6e6
TOKENS_PER_MTOK = 1e6


# ---------------------------------------------------------------- catalog records


@dataclass(frozen=True)
class Gpu:
    """A GPU's price and specs (dense TFLOPS)."""

    name: str
    price_usd: float | None
    board_power_w: float
    mem_bw_gb_s: float | None
    bf16_tflops: float
    fp8_tflops: float | None = None
    int8_tops: float | None = None
    memory_gb: float | None = None
    price_year: int | None = None
    source: str = ""

    def require(self, *fields: str) -> None:
        """Raise a clear error when a value the estimate needs was not sourced."""
        missing = [f for f in fields if getattr(self, f) is None]
        if missing:
            raise CatalogError(
                f"GPU {self.name!r}: {', '.join(missing)} not sourced in layers/tables/gpus.csv; "
                "add a sourced value"
                + (" or pass --gpu-hour-usd" if missing == ["price_usd"] else "")
            )

    @property
    def uses_fp8(self) -> bool:
        return bool(self.fp8_tflops)

    @property
    def peak_tflops(self) -> float:
        """Peak dense TFLOPS at the precision geomap assumes (FP8 where the GPU has it)."""
        return float(self.fp8_tflops or self.bf16_tflops)


@dataclass(frozen=True)
class Model:
    """An LLM's size (billions of parameters) and public API price."""

    name: str
    total_params_b: float
    active_params_b: float
    architecture: str = "dense"
    usd_per_mtok_input: float | None = None
    usd_per_mtok_output: float | None = None
    price_date: str = ""
    source: str = ""


@dataclass(frozen=True)
class Assumptions:
    """Overridable defaults (``layers/tables/cost_defaults.csv`` says where each comes from)."""

    pue: float = 1.3
    utilization: float = 0.8
    lifetime_years: float = 5.0
    server_capex_overhead: float = 0.5
    server_power_overhead: float = 0.5
    gpu_hour_usd: float | None = None
    sources: dict[str, str] = field(default_factory=dict, compare=False, hash=False)

    def __post_init__(self) -> None:
        checks = {
            "pue": self.pue >= 1.0,
            "utilization": 0 < self.utilization <= 1,
            "lifetime_years": self.lifetime_years > 0,
            "server_capex_overhead": self.server_capex_overhead >= 0,
            "server_power_overhead": self.server_power_overhead >= 0,
            "gpu_hour_usd": self.gpu_hour_usd is None or self.gpu_hour_usd > 0,
        }
        bad = [k for k, ok in checks.items() if not ok]
        if bad:
            raise ValueError(f"invalid assumption(s): {', '.join(f'{k}={getattr(self, k)}' for k in bad)}")


@dataclass(frozen=True)
class Throughput:
    """Tokens per second per GPU at full load, and where the figure comes from."""

    input_tok_s: float
    output_tok_s: float
    method: str  # "measured" | "roofline"
    source: str = ""


@dataclass(frozen=True)
class Roofline:
    """Efficiency constants of the roofline estimate.

    ``prefill_mfu``: share of peak FLOP/s that prefill achieves. ``decode_batch``: tokens
    generated per read of the active weights (the effective decode batch), which makes
    decode memory-bandwidth bound: tokens/s = bandwidth x batch / (active params x bytes).
    """

    prefill_mfu: float
    decode_batch: float
    source: str = ""


# ---------------------------------------------------------------- throughput


def roofline_throughput(gpu: Gpu, model: Model, roof: Roofline) -> Throughput:
    """Throughput from active parameters, bytes per weight, memory bandwidth and FLOP/s.

    Prefill is compute bound: ``peak x mfu / (2 x active)``. Decode is the slower of
    compute and memory: ``min(peak x mfu / (2 x active), bw x batch / (active x bytes))``.
    Cost per token therefore scales with *active* parameters: an MoE model with 10B active
    parameters is cheaper than one with 37B, and both far cheaper than a dense 70B model.

    >>> h100 = Gpu("h100", 30000, 700, 3350, 989, 1979)
    >>> roof = Roofline(prefill_mfu=0.35, decode_batch=20)
    >>> small = roofline_throughput(h100, Model("moe", 230, 10), roof)
    >>> dense = roofline_throughput(h100, Model("dense", 70, 70), roof)
    >>> small.output_tok_s > 5 * dense.output_tok_s
    True
    """
    gpu.require("mem_bw_gb_s")
    active = model.active_params_b * 1e9
    bytes_per_weight = 1.0 if gpu.uses_fp8 else 2.0
    flops = gpu.peak_tflops * 1e12
    prefill = flops * roof.prefill_mfu / (2 * active)
    memory_bound = gpu.mem_bw_gb_s * 1e9 * roof.decode_batch / (active * bytes_per_weight)
    decode = min(prefill, memory_bound)
    return Throughput(prefill, decode, "roofline", roof.source)


def calibrate_roofline(gpu: Gpu, model: Model, measured: Throughput) -> Roofline:
    """The roofline constants that reproduce one published measurement exactly."""
    active = model.active_params_b * 1e9
    bytes_per_weight = 1.0 if gpu.uses_fp8 else 2.0
    mfu = measured.input_tok_s * 2 * active / (gpu.peak_tflops * 1e12)
    batch = measured.output_tok_s * active * bytes_per_weight / (gpu.mem_bw_gb_s * 1e9)
    return Roofline(mfu, batch, f"calibrated on {gpu.name} x {model.name}: {measured.source}")


# ---------------------------------------------------------------- cost


@dataclass(frozen=True)
class CostBreakdown:
    """Cost to produce one million tokens, split into capital and electricity."""

    usd_per_mtok: float
    capital_usd_per_mtok: float
    energy_usd_per_mtok: float
    kwh_per_mtok: float
    gpu_hours_per_mtok: float

    @property
    def capital_share(self) -> float:
        return self.capital_usd_per_mtok / self.usd_per_mtok if self.usd_per_mtok else math.nan

    @property
    def energy_share(self) -> float:
        return self.energy_usd_per_mtok / self.usd_per_mtok if self.usd_per_mtok else math.nan


def capital_usd_per_gpu_hour(gpu: Gpu, a: Assumptions) -> float:
    """GPU plus server share, straight-line over the lifetime (every hour, busy or not)."""
    gpu.require("price_usd")
    return gpu.price_usd * (1 + a.server_capex_overhead) / (a.lifetime_years * HOURS_PER_YEAR)


def kw_per_gpu(gpu: Gpu, a: Assumptions) -> float:
    """Facility power per busy GPU: board power plus the server's share, times PUE."""
    return gpu.board_power_w * (1 + a.server_power_overhead) * a.pue / 1000


def cost_per_mtok(tok_s: float, gpu: Gpu, a: Assumptions, usd_per_kwh: float) -> CostBreakdown:
    """Cost of one million tokens at ``tok_s`` tokens/s per GPU and a power price.

    Busy time per Mtok is ``1e6 / (tok_s x 3600)`` GPU-hours and draws power; capital accrues
    over all hours, so it is divided by the utilization too. With ``a.gpu_hour_usd`` the
    rented rate replaces capital and power: ``usd_per_mtok`` is rate x hours, of which the
    electricity at ``usd_per_kwh`` is shown as the energy part.

    >>> h800 = Gpu("h800", 30000, 700, 3350, 989, 1979)
    >>> rented = Assumptions(utilization=1.0, gpu_hour_usd=2.0)
    >>> round(cost_per_mtok(1850, h800, rented, 0.07).usd_per_mtok, 4)
    0.3003
    """
    busy_hours = TOKENS_PER_MTOK / (tok_s * 3600)
    paid_hours = busy_hours / a.utilization
    kwh = kw_per_gpu(gpu, a) * busy_hours
    energy = kwh * usd_per_kwh
    if a.gpu_hour_usd is not None:
        total = a.gpu_hour_usd * paid_hours
        return CostBreakdown(total, total - energy, energy, kwh, paid_hours)
    capital = capital_usd_per_gpu_hour(gpu, a) * paid_hours
    return CostBreakdown(capital + energy, capital, energy, kwh, paid_hours)


def region_costs(
    usd_per_kwh: np.ndarray, throughput: Throughput, gpu: Gpu, a: Assumptions
) -> pd.DataFrame:
    """Vectorized :func:`cost_per_mtok` for many regions' prices (NaN price -> NaN cost)."""
    prices = np.asarray(usd_per_kwh, dtype=float)
    out = {}
    for kind, tok_s in (("input", throughput.input_tok_s), ("output", throughput.output_tok_s)):
        base = cost_per_mtok(tok_s, gpu, a, 0.0)
        energy = base.kwh_per_mtok * prices
        if a.gpu_hour_usd is not None:
            total = np.where(np.isnan(prices), np.nan, base.usd_per_mtok)
            capital = total - energy
        else:
            capital = np.where(np.isnan(prices), np.nan, base.capital_usd_per_mtok)
            total = capital + energy
        out[f"usd_per_mtok_{kind}"] = total
        out[f"capital_usd_per_mtok_{kind}"] = capital
        out[f"energy_usd_per_mtok_{kind}"] = energy
        out[f"kwh_per_mtok_{kind}"] = np.full(len(prices), base.kwh_per_mtok)
    frame = pd.DataFrame(out)
    frame["capital_share"] = frame["capital_usd_per_mtok_output"] / frame["usd_per_mtok_output"]
    frame["energy_share"] = frame["energy_usd_per_mtok_output"] / frame["usd_per_mtok_output"]
    return frame


def embodied_kwh(tokens: float, kwh_per_mtok: float) -> float:
    """Electricity embodied in ``tokens`` tokens (kWh)."""
    return tokens / TOKENS_PER_MTOK * kwh_per_mtok


def bitcoin_kwh_per_phs_day(j_per_th: float) -> float:
    """Electricity to run one PH/s of miners for a day at ``j_per_th`` joules per terahash.

    >>> round(bitcoin_kwh_per_phs_day(98.0))   # Antminer S9 era
    2352
    """
    return j_per_th * 1000 * 86400 / JOULES_PER_KWH
