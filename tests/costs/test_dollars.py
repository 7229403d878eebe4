"""Constant dollars: the CPI-U table, the deflator, and prices and costs deflated on real data."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from geomap import dollars
from geomap.costs import catalogs, estimate
from geomap.errors import GeomapError
from geomap.regions import yearly


def test_cpi_table_covers_every_price_year_and_rises_over_decades():
    cpi = dollars.cpi_u()
    assert set(range(1990, 2026)) <= set(cpi)
    # BLS annual averages as published: 1990 130.7, 2019 255.657, 2024 313.689.
    assert cpi[1990] == pytest.approx(130.7) and cpi[2024] == pytest.approx(313.689)
    assert all(cpi[y + 5] > cpi[y] for y in range(1990, 2021))


def test_factor_is_the_ratio_of_indexes_and_later_years_use_the_last_index():
    cpi = dollars.cpi_u()
    assert dollars.factor(2015, 2024) == pytest.approx(cpi[2024] / cpi[2015])
    assert dollars.factor(2024, 2024) == 1.0
    last = max(cpi)
    assert dollars.cpi_year(last + 1) == last  # a 2026 price is taken as of the last index
    with pytest.raises(GeomapError, match="covers"):
        dollars.factor(2015, last + 5)
    with pytest.raises(GeomapError, match="no CPI-U for 1900"):
        dollars.cpi_year(1900)


def test_costs_in_constant_dollars_deflate_each_price_from_its_own_year(prepared):
    del prepared
    gpu, model = catalogs.get_gpu("h100"), catalogs.get_model("deepseek-v3")
    a = catalogs.default_assumptions()
    prices = yearly.region_prices(2018)
    nominal = estimate.cost_table(prices, gpu, model, a, 2018).set_index("region_id")
    real = estimate.cost_table(prices, gpu, model, a, 2018, dollars=2024).set_index("region_id")
    assert (nominal["dollars"] == "nominal US$").all()
    assert (real["dollars"] == "US$ of 2024 (CPI-U)").all()
    tx_n, tx_r = nominal.loc["US-TX"], real.loc["US-TX"]
    assert tx_n["price_year"] == 2018  # EIA's 2018 industrial average
    f = dollars.factor(2018, 2024)
    assert tx_r["price_usd_per_kwh"] == pytest.approx(tx_n["price_usd_per_kwh"] * f)
    assert tx_r["energy_usd_per_mtok_output"] == pytest.approx(tx_n["energy_usd_per_mtok_output"] * f)
    # The GPU's price (of its own price year) is deflated too; kWh per token do not change.
    g = dollars.factor(gpu.price_year, 2024)
    assert tx_r["capital_usd_per_mtok_output"] == pytest.approx(tx_n["capital_usd_per_mtok_output"] * g)
    assert tx_r["kwh_per_mtok_output"] == tx_n["kwh_per_mtok_output"]
    # Regions whose price is of another year get their own year's factor.
    years = nominal["price_year"].dropna().astype(int)
    assert years.nunique() > 1
    for region in years.index[:40]:
        want = nominal.loc[region, "price_usd_per_kwh"] * dollars.factor(years[region], 2024)
        assert real.loc[region, "price_usd_per_kwh"] == pytest.approx(want)


def test_cli_prints_constant_dollars_and_rejects_an_unmeasured_base_year(prepared):
    del prepared
    run = [sys.executable, "-m", "geomap.cli"]
    out = subprocess.run([*run, "prices", "US-VA", "--history", "--dollars", "2024",
                          "--format", "json"], capture_output=True, text=True, check=True)
    rows = json.loads(out.stdout)
    nominal = json.loads(subprocess.run([*run, "prices", "US-VA", "--history", "--format", "json"],
                                        capture_output=True, text=True, check=True).stdout)
    first, first_nominal = rows[0], nominal[0]
    assert first["dollars"] == "US$ of 2024 (CPI-U)" and first_nominal["dollars"] == "nominal US$"
    assert first["usd_per_kwh"] == pytest.approx(
        first_nominal["usd_per_kwh"] * dollars.factor(first["year"], 2024), abs=2e-6)
    bad = subprocess.run([*run, "regions", "--dollars", "2099", "--quiet"], capture_output=True,
                         text=True)
    assert bad.returncode != 0 and "us_cpi.csv covers 1990-" in bad.stderr
