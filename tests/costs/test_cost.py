"""The token-cost model against hand-computed cases and DeepSeek's published figures."""

from __future__ import annotations

import io
import json
from dataclasses import replace

import numpy as np
import pandas as pd
import pytest

from geomap import cli, tables
from geomap.costs import catalogs, estimate, formulas
from geomap.errors import CatalogError
from geomap.regions import yearly

GPU = formulas.Gpu("test-gpu", price_usd=30_000, board_power_w=700, mem_bw_gb_s=3350,
               bf16_tflops=989, fp8_tflops=1979)
A = formulas.Assumptions(pue=1.3, utilization=0.5, lifetime_years=5, server_capex_overhead=0.5,
                     server_power_overhead=0.5)


def test_hand_computed_owned_gpu():
    got = formulas.cost_per_mtok(1000, GPU, A, usd_per_kwh=0.10)
    busy_h = 1e6 / (1000 * 3600)                      # 0.27778 GPU-hours busy per Mtok
    paid_h = busy_h / 0.5                              # capital runs every hour
    capital = 30_000 * 1.5 / (5 * 8766) * paid_h       # $1.0267 per GPU-hour
    kwh = 0.700 * 1.5 * 1.3 * busy_h                   # 1.365 kW while busy
    assert got.gpu_hours_per_mtok == pytest.approx(paid_h)
    assert got.capital_usd_per_mtok == pytest.approx(capital)
    assert got.kwh_per_mtok == pytest.approx(kwh)
    assert got.energy_usd_per_mtok == pytest.approx(kwh * 0.10)
    assert got.usd_per_mtok == pytest.approx(0.5704 + 0.0379, abs=1e-4)
    assert got.capital_share + got.energy_share == pytest.approx(1)


def test_energy_scales_with_price_and_pue_but_capital_does_not():
    cheap = formulas.cost_per_mtok(1000, GPU, A, 0.03)
    dear = formulas.cost_per_mtok(1000, GPU, A, 0.09)
    assert dear.energy_usd_per_mtok == pytest.approx(3 * cheap.energy_usd_per_mtok)
    assert dear.capital_usd_per_mtok == pytest.approx(cheap.capital_usd_per_mtok)
    hot = formulas.cost_per_mtok(1000, GPU, catalogs.with_overrides(A, pue=2.6), 0.03)
    assert hot.kwh_per_mtok == pytest.approx(2 * cheap.kwh_per_mtok)


def test_deepseek_published_cost_is_reproduced(prepared):
    """DeepSeek (2025-03-01): 73.7k input / 14.8k output tok/s per 8-GPU H800 node, $2/GPU-hour."""
    h800, v3 = catalogs.get_gpu("h800"), catalogs.get_model("deepseek-v3")
    tp = catalogs.throughput_for(h800, v3)
    assert tp.method == "measured" and "DeepSeek" in tp.source
    assert tp.input_tok_s == pytest.approx(73_700 / 8)
    assert tp.output_tok_s == pytest.approx(14_800 / 8)
    rented = formulas.Assumptions(utilization=1.0, gpu_hour_usd=2.0)
    out = formulas.cost_per_mtok(tp.output_tok_s, h800, rented, 0.0)
    inp = formulas.cost_per_mtok(tp.input_tok_s, h800, rented, 0.0)
    assert out.usd_per_mtok == pytest.approx(2 / (1850 * 3600) * 1e6)   # $0.300 per Mtok
    assert out.usd_per_mtok == pytest.approx(0.3003, abs=1e-4)
    assert inp.usd_per_mtok == pytest.approx(0.0603, abs=1e-4)
    # Their stated daily cost: 226.75 nodes x 8 GPUs x 24 h x $2 = $87,072.
    assert 226.75 * 8 * 24 * 2.0 == pytest.approx(87_072)
    # Both sit far below the list price DeepSeek charged for V3 output tokens.
    assert out.usd_per_mtok < v3.usd_per_mtok_output


def test_roofline_is_calibrated_on_the_measurement(prepared):
    roof = catalogs.default_roofline()
    h800, v3 = catalogs.get_gpu("h800"), catalogs.get_model("deepseek-v3")
    est = formulas.roofline_throughput(h800, v3, roof)
    assert est.input_tok_s == pytest.approx(73_700 / 8)
    assert est.output_tok_s == pytest.approx(14_800 / 8)
    assert 0.1 < roof.prefill_mfu < 0.6


@pytest.mark.parametrize("gpu", ["h100", "h800", "a100", "b200", "h20"])
def test_active_parameters_drive_cost(prepared, gpu):
    g = catalogs.get_gpu(gpu)
    roof = catalogs.default_roofline()
    a = catalogs.default_assumptions()

    def usd(model: str) -> float:
        tp = formulas.roofline_throughput(g, catalogs.get_model(model), roof)
        return formulas.cost_per_mtok(tp.output_tok_s, g, a, 0.07).usd_per_mtok

    moe10, moe37, dense70 = usd("minimax-m2.5"), usd("deepseek-v3"), usd("llama-3.1-70b")
    assert catalogs.get_model("minimax-m2.5").active_params_b == 10
    assert moe10 < moe37 < dense70
    assert dense70 > 1.8 * moe37 and dense70 > 5 * moe10


def test_names_match_forgivingly_and_unknowns_list_the_valid_ones(prepared):
    assert catalogs.get_model("DeepSeek_V3").name == "deepseek-v3"
    assert catalogs.get_model("GLM 5").name == "glm-5"
    assert catalogs.get_model("Kimi-K2.5").name == "kimi-k2.5"
    assert catalogs.get_gpu("H100").name == "h100"
    for name in ("deepseek-v4-pro", "deepseek-v4-flash", "minimax-m2.5", "llama-3.1-70b"):
        assert catalogs.get_model(name).active_params_b > 0
    with pytest.raises(CatalogError, match="valid models: .*deepseek-v3.*glm-5"):
        catalogs.get_model("gpt-99")
    with pytest.raises(CatalogError, match="valid GPUs: a100, ascend-910b, b200, h100, h20, h800"):
        catalogs.get_gpu("tpu")


def test_every_required_gpu_is_fully_sourced(prepared):
    """The issue's six GPUs each have a price, board power, bandwidth and BF16 rate."""
    for name in ("h100", "h800", "h20", "a100", "b200", "ascend-910b"):
        gpu = catalogs.get_gpu(name)
        gpu.require("price_usd", "mem_bw_gb_s")
        assert gpu.board_power_w > 0 and gpu.bf16_tflops > 0 and gpu.source
    # Where sources disagree, every sourced row is kept (one is the default).
    ascend_rows = [r for r in tables.read_rows("gpus.csv") if r["gpu"] == "ascend-910b"]
    assert len(ascend_rows) > 3
    assert len({r["mem_bw_gb_s"] for r in ascend_rows if r["mem_bw_gb_s"]}) >= 3
    assert sum(r["is_default"] == "true" for r in ascend_rows) == 1


def test_unsourced_values_are_a_clear_error_not_a_guess(prepared):
    ascend = replace(catalogs.get_gpu("ascend-910b"), mem_bw_gb_s=None)
    with pytest.raises(CatalogError, match="ascend-910b.*mem_bw_gb_s not sourced"):
        catalogs.throughput_for(ascend, catalogs.get_model("deepseek-v3"))
    unpriced = replace(catalogs.get_gpu("h20"), price_usd=None)
    with pytest.raises(CatalogError, match="h20.*price_usd not sourced.*--gpu-hour-usd"):
        formulas.capital_usd_per_gpu_hour(unpriced, catalogs.default_assumptions())


def test_assumptions_are_validated_and_sourced(prepared):
    with pytest.raises(ValueError, match="pue=0.9"):
        formulas.Assumptions(pue=0.9)
    with pytest.raises(ValueError, match="utilization=0"):
        formulas.Assumptions(utilization=0)
    defaults = catalogs.default_assumptions()
    assert set(defaults.sources) >= {"pue", "utilization", "lifetime_years",
                                     "server_capex_overhead", "server_power_overhead"}
    assert all(len(s) > 10 for s in defaults.sources.values())


def test_vectorized_region_costs_match_the_scalar_model(prepared):
    prices = np.array([0.03, 0.09, np.nan])
    tp = formulas.Throughput(9000, 1800, "test")
    frame = formulas.region_costs(prices, tp, GPU, A)
    for i, p in enumerate(prices[:2]):
        one = formulas.cost_per_mtok(1800, GPU, A, p)
        assert frame.loc[i, "usd_per_mtok_output"] == pytest.approx(one.usd_per_mtok)
        assert frame.loc[i, "energy_share"] == pytest.approx(one.energy_share)
    assert np.isnan(frame.loc[2, "usd_per_mtok_output"])


def test_geomap_costs_cli(prepared, capsys):
    assert cli.main(["costs", "--gpu", "H800", "--model", "deepseek_v3", "--year", "2026",
                     "--pue", "1.2", "--quiet"]) == 0
    table = pd.read_csv(io.StringIO(capsys.readouterr().out)).set_index("region_id")
    need = {"name", "price_usd_per_kwh", "price_year", "price_source", "usd_per_mtok_input",
            "usd_per_mtok_output", "kwh_per_mtok_output", "capital_share", "energy_share"}
    assert need <= set(table.columns)
    sc, ca = table.loc["CN-SC"], table.loc["US-CA"]
    assert sc["usd_per_mtok_output"] < ca["usd_per_mtok_output"]  # cheaper power, same GPUs
    assert sc["kwh_per_mtok_output"] == pytest.approx(ca["kwh_per_mtok_output"])
    one = formulas.cost_per_mtok(1850, catalogs.get_gpu("h800"),
                             catalogs.with_overrides(catalogs.default_assumptions(), pue=1.2),
                             sc["price_usd_per_kwh"])
    assert sc["usd_per_mtok_output"] == pytest.approx(one.usd_per_mtok, rel=1e-5)


def test_unknown_model_on_the_cli_is_one_line(prepared, capsys):
    assert cli.main(["costs", "--gpu", "h100", "--model", "nope"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "valid models:" in err[0]


def test_embodied_electricity_of_a_week_of_openrouter_tokens(prepared, capsys):
    assert cli.main(["embodied", "--tokens", "5.3e12", "--model", "deepseek-v3", "--gpu", "h800",
                     "--region", "CN-SC", "--format", "json"]) == 0
    result = json.loads(capsys.readouterr().out)
    per_mtok = formulas.cost_per_mtok(1850, catalogs.get_gpu("h800"), catalogs.default_assumptions(), 0).kwh_per_mtok
    assert result["kwh"] == pytest.approx(5.3e6 * per_mtok, rel=1e-6)
    assert result["mwh"] == pytest.approx(result["kwh"] / 1000, rel=1e-6)
    assert result["electricity_usd"] == pytest.approx(result["kwh"] * result["price_usd_per_kwh"], rel=1e-3)


def test_bitcoin_era_metric(prepared):
    assert formulas.bitcoin_kwh_per_phs_day(98.0) == pytest.approx(2352)
    assert catalogs.asic_efficiency(2017).j_per_th == pytest.approx(98.0)
    assert catalogs.asic_efficiency(2018).j_per_th == pytest.approx(74.63)
    prices = yearly.region_prices(2018)
    table = estimate.cost_table(prices, catalogs.get_gpu("h100"), catalogs.get_model("deepseek-v3"),
                                catalogs.default_assumptions(), 2018).set_index("region_id")
    sc = table.loc["CN-SC"]
    assert sc["usd_per_phs_day"] == pytest.approx(74.63 * 24 * sc["price_usd_per_kwh"], rel=1e-6)
