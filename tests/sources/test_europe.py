"""Eurostat's band prices and Ember's wholesale prices on the real mirror copies."""

from __future__ import annotations

import pandas as pd
import pytest

from geomap.data import download, store
from geomap.data.catalog import load_catalog
from geomap.regions import yearly

EUROSTAT = "eurostat-nonhousehold-prices"
EMBER = "ember-wholesale-prices"


def _raw(layer: str):
    return download.raw_path(load_catalog()[layer].urls[0])


def test_a_band_price_is_the_mean_of_the_years_semesters_as_published(prepared):
    raw = pd.read_csv(_raw(EUROSTAT), sep="\t", dtype=str)
    key = "S,E7000,MWH20000-69999,KWH,X_VAT,EUR,DE"
    row = raw[raw.iloc[:, 0] == key].iloc[0]
    cells = [float(row[c].split()[0]) for c in raw.columns if c.strip() in ("2023-S1", "2023-S2")]
    ours = prepared[EUROSTAT]
    de = ours[(ours["region_id"] == "DE") & (ours["year"] == 2023)
              & ours["basis_detail"].str.contains("MWH20000-69999")]
    assert len(de) == 1 and len(cells) == 2
    assert float(de["price_local"].iloc[0]) == pytest.approx(sum(cells) / 2)
    assert de["currency"].iloc[0] == "EUR" and bool(de["taxes_included"].iloc[0]) is True
    assert int(de["fx_year"].iloc[0]) == 2023
    assert (ours["basis"] == "non_household_band").all()


def test_eurostat_codes_become_iso_and_aggregates_are_rejected_with_a_reason(prepared):
    ours = prepared[EUROSTAT]
    assert {"GR", "GB"} <= set(ours["region_id"]) and not {"EL", "UK"} & set(ours["region_id"])
    reasons = [r["reason"] for r in store.rejections(EUROSTAT)]
    assert any("EU27_2020" in r and "aggregate" in r for r in reasons)


def test_thirty_european_countries_have_a_band_price_for_2024(prepared):
    prices = yearly.region_prices(2024).set_index("region_id")
    band = prices[prices["price_basis"] == "non_household_band"]
    assert (band["price_year"] == 2024).sum() >= 30
    assert (band["price_year"] <= 2024).all()  # never a later year


def test_wholesale_is_a_yearly_mean_kept_apart_from_tariffs(prepared):
    raw = pd.read_csv(_raw(EMBER))
    months = raw[(raw["ISO3 Code"] == "DEU") & raw["Date"].str.startswith("2023")]
    ours = prepared[EMBER]
    de = ours[(ours["region_id"] == "DE") & (ours["year"] == 2023)].iloc[0]
    assert len(months) == 12
    assert de["price_local"] == pytest.approx(months["Price (EUR/MWhe)"].mean())
    assert de["basis"] == "wholesale" and bool(de["taxes_included"]) is False
    partial = ours[(ours["region_id"] == "DE") & (ours["year"] == 2026)].iloc[0]
    assert "3 months" in partial["basis_detail"]
    # Where a tariff or band price exists, the wholesale price never stands in for it.
    chosen = yearly.region_prices(2024).set_index("region_id")
    for country in sorted(set(ours["region_id"])):
        if country in chosen.index:
            assert chosen.loc[country, "price_basis"] != "wholesale", country
