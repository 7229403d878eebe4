"""Regions, prices and spatial joins on real places from the mirror data."""

from __future__ import annotations

import io

import pandas as pd
import pytest

from geomap import cli
from geomap.costs import catalogs, estimate
from geomap.data import store
from geomap.errors import CatalogError
from geomap.regions import choices, yearly
from geomap.regions.joins import join_records
from geomap.regions.prices import choose_prices
from geomap.regions.regionset import load_regions
from geomap.regions.yearly import summarize


@pytest.fixture(scope="module")
def regions(prepared):
    return load_regions()


def _joined(layer: str, regions):
    frame = store.load(layer)
    return frame.assign(**join_records(frame, regions))


def test_region_set_splits_countries_with_subnational_prices(regions):
    ids = set(regions["region_id"])
    assert regions["region_id"].is_unique
    assert {"US-VA", "US-TX", "CN-SC", "CN-GZ", "CN-NM", "IE", "DE", "KZ", "IN"} <= ids
    assert "US" not in ids and "CN" not in ids  # replaced by their states and provinces
    assert (regions.loc[regions["region_id"].str.startswith("CN-"), "level"] == "subnational").all()
    assert len(regions[regions["parent_id"] == "CN"]) == 31
    assert len(regions[regions["parent_id"] == "US"]) == 51


def test_real_data_centers_land_in_the_right_province_or_state(regions):
    dc = pd.concat([_joined(n, regions) for n in
                    ("epoch-gpu-clusters", "telegeography-cloud-regions", "epoch-frontier-data-centers")])
    where = dict(zip(dc["name"], dc["region_id"], strict=False))
    assert where["NFDG Andromeda Phase 1"] == "US-VA"  # Ashburn
    assert where["Huawei Cloud CN Southwest Guiyang (cn-southwest-2)"] == "CN-GZ"
    assert where["Alibaba Cloud China North 5 (Hohhot) (cn-huhehaote)"] == "CN-NM"
    assert where["Alibaba Zhangbei"] == "CN-HE"
    assert where["Voltage Park Virginia"] == "US-VA"  # known only by state: joins by region_id


def test_landing_points_land_in_their_own_country(regions):
    lp = _joined("telegeography-landing-points", regions)
    region_country = lp["region_id"].str[:2]
    spatial = lp["join_method"].isin(["within", "nearest"])
    mismatch = lp[spatial & (region_country != lp["country_id"])]
    # Overseas territories that ISO codes apart but Natural Earth draws inside their state
    # (e.g. Guernsey in GB's polygon) are the only allowed mismatches.
    assert len(mismatch) <= 0.02 * spatial.sum(), mismatch[["name", "country_id", "region_id"]]
    named = dict(zip(lp["name"], lp["region_id"], strict=False))
    assert named["Marseille, France"] == "FR"
    assert named["Fortaleza, Brazil"] == "BR"
    assert named["Shanghai, China"] == "CN-SH"
    assert named["Virginia Beach, VA, United States"] == "US-VA"


def test_no_feature_is_lost_without_being_counted(prepared):
    table, report = summarize(2026)
    for layer, counts in report.counts.items():
        frame = store.load(layer)
        assert sum(counts.values()) <= len(frame)
        assert set(counts) <= {"within", "nearest", "region", "country", "country (split)",
                               "country (point outside)", "unjoined"}
    # Every landing point with a cable in service in 2026 is counted once.
    lp_counts = report.counts["telegeography-landing-points"]
    live = store.load("telegeography-landing-points")["cable_ids"].fillna("").ne("")
    assert sum(lp_counts.values()) <= live.sum()
    assert lp_counts.get("unjoined", 0) == len(report.unjoined["telegeography-landing-points"])
    bitcoin = report.counts["sun-bitcoin-hashrate"]
    assert sum(bitcoin.values()) == len(store.load("sun-bitcoin-hashrate"))
    assert table["mining_share_pct"].sum() == pytest.approx(100, abs=0.5)


def test_prices_fall_back_to_the_country_and_say_so(regions):
    prices = store.load_kind("electricity_prices")
    chosen = choose_prices(regions, prices, 2026).set_index("region_id")
    assert not chosen.loc["CN-SC", "price_is_fallback"]
    # Yunnan's aluminium-smelter contract price never stands in for a tariff. Its own tariff
    # (2014) is older than the comparability window, so 2026 uses the country's current
    # industrial price, flagged as a fallback; in 2016 its own tariff is chosen.
    assert chosen.loc["CN-YN", "price_basis"] == "industrial_average"
    assert chosen.loc["CN-YN", "price_is_fallback"] and chosen.loc["CN-YN", "price_comparable"]
    assert chosen.loc["CN-YN", "price_n_options"] >= 2
    in_2016 = choose_prices(regions, prices, 2016).set_index("region_id")
    assert in_2016.loc["CN-YN", "price_basis"] == "industrial_average"
    assert not in_2016.loc["CN-YN", "price_is_fallback"] and in_2016.loc["CN-YN", "price_year"] == 2014
    assert chosen.loc["US-VA", "price_basis"] == "industrial_average"
    assert chosen.loc["IE", "price_n_options"] >= 6
    assert chosen.loc["CN-GS", "price_min_usd_per_kwh"] < chosen.loc["CN-GS", "price_max_usd_per_kwh"]
    in_2018 = choose_prices(regions, prices, 2018).set_index("region_id")
    assert in_2018.loc["US-VA", "price_year"] == 2018
    assert in_2018.loc["CN-SC", "price_is_fallback"]  # the provincial table starts later
    assert in_2018.loc["CN-SC", "price_year"] <= 2018
    # A chosen basis is honoured where it exists.
    commercial = choose_prices(regions, prices, 2018, basis="commercial_average").set_index("region_id")
    eia = prices[(prices["region_id"] == "US-VA") & (prices["year"] == 2018) & (prices["basis"] == "commercial_average")]
    # (EIA publishes it twice, in the EIA-861 workbook and in SEDS: either sourced value.)
    assert len(eia) >= 1
    assert any(commercial.loc["US-VA", "price_usd_per_kwh"] == pytest.approx(v) for v in eia["usd_per_kwh"])


def test_geomap_regions_cli_csv(prepared, capsys):
    assert cli.main(["regions", "--year", "2026", "--quiet"]) == 0
    table = pd.read_csv(io.StringIO(capsys.readouterr().out))
    need = {"region_id", "name", "level", "parent_id", "price_usd_per_kwh", "price_year",
            "price_basis", "price_source", "price_is_fallback", "n_data_centers",
            "data_center_mw", "n_cable_landings", "mining_share_pct"}
    assert need <= set(table.columns)
    va = table.set_index("region_id").loc["US-VA"]
    assert va["n_data_centers"] >= 3 and va["n_cable_landings"] >= 1
    assert table.set_index("region_id").loc["CN-SC", "mining_share_pct"] > 10


def test_cables_laid_after_the_year_are_not_counted(prepared):
    before, _ = summarize(1990)
    now, _ = summarize(2026)
    assert before["n_cable_landings"].sum() < now["n_cable_landings"].sum()
    assert before.set_index("region_id").loc["IE", "cables"] != now.set_index("region_id").loc["IE", "cables"]


def test_bench_prints_its_figures(prepared, capsys):
    """No timing thresholds here: the figures are for the issue notes, not for pass/fail."""
    assert cli.main(["bench", "--json", "--points", "20000", "--no-routes"]) == 0
    import json

    figures = json.loads(capsys.readouterr().out)
    join = figures["join"]
    assert join["points"] == 20000 and join["ratio_vs_bare"] > 0
    # The join resolves every point the bare sjoin leaves offshore (within ~50 km) or says so.
    assert join["join_methods"]["within"] == 20000 - join["bare_unmatched"]
    assert figures["costs"]["regions"] == join["regions"]
    app = figures["app"]  # the whole Streamlit script, rerun
    assert app["runs"] == 5 and 0 < app["rerun_s_median"] <= app["rerun_s_max"]


# ---------------------------------------------------------------- choosing among sourced prices


def test_price_options_list_every_sourced_value_with_stable_keys(prepared):
    options = choices.price_options("CN-SC", 2026)
    assert list(options["scope"].unique()) == ["region", "country"]  # own rows first
    assert options["key"].is_unique
    assert options["source"].str.len().gt(10).all()
    # China's data-center prices (several sources, $0.03 to $0.06) are all offered.
    dc = options[(options["scope"] == "country") & (options["basis"] == "data_center_rate")]
    assert dc["usd_per_kwh"].min() == pytest.approx(0.03) and dc["usd_per_kwh"].max() >= 0.055
    again = choices.price_options("CN-SC", 2018)
    assert list(again["key"]) == list(options["key"])
    assert again.loc[again["year"] > 2018, "after_year"].all()


def test_a_picked_price_replaces_the_rule_for_that_region_only(prepared):
    prices = yearly.region_prices(2026)
    rule = prices.set_index("region_id")
    assert rule.loc["CN-YN", "price_basis"] == "industrial_average"  # not the smelter's contract
    assert rule.loc["CN-SC", "price_chosen_by"] == "rule"
    options = choices.price_options("CN-SC", 2026)
    cheapest = options.loc[options["usd_per_kwh"].idxmin()]
    picked = choices.apply_price_choices(prices, (("CN-SC", cheapest["key"]),)).set_index("region_id")
    assert picked.loc["CN-SC", "price_usd_per_kwh"] == pytest.approx(cheapest["usd_per_kwh"])
    assert picked.loc["CN-SC", "price_chosen_by"] == "user"
    assert picked.loc["CN-SC", "price_is_fallback"] == (cheapest["scope"] == "country")
    others = picked.drop(index="CN-SC")["price_usd_per_kwh"]
    assert others.equals(rule.drop(index="CN-SC")["price_usd_per_kwh"])
    a = catalogs.default_assumptions()
    gpu, model = catalogs.get_gpu("h800"), catalogs.get_model("deepseek-v3")
    before = estimate.cost_table(prices, gpu, model, a, 2026).set_index("region_id")
    after = estimate.cost_table(picked.reset_index(), gpu, model, a, 2026).set_index("region_id")
    assert after.loc["CN-SC", "usd_per_mtok_output"] < before.loc["CN-SC", "usd_per_mtok_output"]
    with pytest.raises(CatalogError, match="CN-SC: no sourced price with key 'nope'"):
        choices.apply_price_choices(prices, (("CN-SC", "nope"),))


def test_cli_lists_prices_and_costs_use_a_picked_one(prepared, capsys):
    import json

    assert cli.main(["prices", "cn-sc", "--year", "2026", "--format", "json"]) == 0
    captured = capsys.readouterr()
    options = json.loads(captured.out)
    assert "CN-SC in 2026" in captured.err and "sourced prices" in captured.err
    cheapest = min(options, key=lambda o: o["usd_per_kwh"])
    assert cli.main(["costs", "--gpu", "h800", "--model", "deepseek-v3", "--year", "2026",
                     "--price", f"CN-SC={cheapest['key']}", "--format", "json", "--quiet"]) == 0
    row = next(r for r in json.loads(capsys.readouterr().out) if r["region_id"] == "CN-SC")
    assert row["price_usd_per_kwh"] == pytest.approx(cheapest["usd_per_kwh"], abs=1e-6)
    assert row["price_chosen_by"] == "user"
    assert cli.main(["costs", "--gpu", "h800", "--model", "deepseek-v3",
                     "--price", "CN-SC"]) == 2
    assert "expected REGION=KEY" in capsys.readouterr().err
