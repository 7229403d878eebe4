"""EIA's SEDS price file on the real mirror copy: the unit conversion and the 2024 coverage."""

from __future__ import annotations

import pytest

from geomap.regions import yearly
from geomap.tables import read_rows


def test_seds_prices_match_eias_own_2023_state_figures_to_the_cent(prepared):
    seds = prepared["eia-seds-prices"]
    # EIA's Electric Power Annual 2023 figures, typed (with their source) into national_prices.csv.
    published = [r for r in read_rows("national_prices.csv")
                 if r["region_id"].startswith("US-") and r["year"] == "2023"
                 and "Electric Power Annual" in r["source"]]
    assert len(published) >= 6
    for row in published:
        ours = seds[(seds["region_id"] == row["region_id"]) & (seds["year"] == 2023)
                    & (seds["basis"] == row["basis_class"])]
        assert len(ours) == 1, row
        assert round(float(ours["usd_per_kwh"].iloc[0]) * 100, 2) == pytest.approx(
            float(row["price"]) * 100, abs=0.005), row["region_id"]
        # The figure as published stays beside the converted one.
        assert ours["currency"].iloc[0] == "USD/MMBtu"
        assert float(ours["price_local"].iloc[0]) * 3412.14 / 1e6 == pytest.approx(
            float(ours["usd_per_kwh"].iloc[0]))


def test_every_us_state_has_an_industrial_price_for_2024(prepared):
    prices = yearly.region_prices(2024).set_index("region_id")
    states = prices[prices.index.str.startswith("US-")]
    assert len(states) == 51  # 50 states and DC
    assert (states["price_year"] == 2024).all()
    assert (states["price_basis"] == "industrial_average").all()
    assert (states["price_layer"] == "eia-seds-prices").all()
    assert states["price_usd_per_kwh"].between(0.03, 0.40).all()
