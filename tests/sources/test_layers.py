"""Every layer loads from the mirror through the real download path and matches its record."""

from __future__ import annotations

import json

import geopandas as gpd
import pandas as pd
import pytest
from shapely.geometry import Point

from geomap import cli
from geomap.data import store
from geomap.data.catalog import load_catalog
from geomap.regions import yearly
from geomap.schema import CRS, GEOMETRY_KINDS, PRICE_BASES, SCHEMAS


def test_each_layer_matches_its_record(prepared):
    """As geodatasets' test_data: count range, geometry types, schema, CRS."""
    for source in load_catalog().values():
        frame = prepared[source.name]
        assert list(frame.columns[: len(SCHEMAS[source.kind])]) == list(SCHEMAS[source.kind])
        assert len(frame) >= source.check.min_features, source.name
        if source.check.max_features:
            assert len(frame) <= source.check.max_features, source.name
        if source.kind in GEOMETRY_KINDS:
            assert isinstance(frame, gpd.GeoDataFrame)
            assert frame.crs == CRS
            types = set(frame.geometry.dropna().geom_type)
            if source.check.geometry_types:
                assert types <= set(source.check.geometry_types), (source.name, types)
        for col in source.check.required_fields:
            assert frame[col].notna().any(), (source.name, col)


def test_layers_json_reports_the_issue_minimums(prepared, capsys):
    assert cli.main(["layers", "--json"]) == 0
    layers = {d["name"]: d for d in json.loads(capsys.readouterr().out)}
    for entry in layers.values():
        assert set(entry) >= {"name", "kind", "features", "license", "attribution", "years", "sources"}
        assert entry["sources"], entry["name"]
    by_kind: dict[str, list[dict]] = {}
    for entry in layers.values():
        by_kind.setdefault(entry["kind"], []).append(entry)
    assert layers["telegeography-cables"]["features"] >= 500
    assert sum(e["features"] for e in by_kind["landing_points"]) >= 1500
    assert sum(e["located"] for e in by_kind["data_centers"]) >= 600
    assert layers["historic-cables"]["years"][0] == 1851
    assert layers["sun-bitcoin-hashrate"]["features"] >= 1000
    assert layers["sun-bitcoin-hashrate"]["years"] == [2018, 2019]
    assert layers["worldbank-electricity-price"]["rejected"] > 0  # nulls are counted, not dropped


# ---------------------------------------------------------------- regions


def test_country_codes_are_iso_including_natural_earth_minus_99s(prepared):
    regions = prepared["ne-admin0"]
    assert regions["region_id"].is_unique
    assert regions["region_id"].str.fullmatch(r"[A-Z]{2}").all()
    names = dict(zip(regions["region_id"], regions["name"], strict=True))
    assert names["FR"] == "France" and names["NO"] == "Norway" and names["XK"] == "Kosovo"
    assert {"CN", "US", "IE", "KZ", "TW", "HK"} <= set(names)
    france = regions.set_index("region_id").geometry["FR"]
    assert france.contains(Point(2.35, 48.86))  # Paris
    assert regions.geometry.is_valid.all()


def test_subnational_codes_are_current_iso_3166_2(prepared):
    sub = prepared["ne-admin1"].set_index("region_id")
    assert sub.index.is_unique
    cn = sub[sub["parent_id"] == "CN"]
    assert len(cn) == 31
    assert not cn.index.str.fullmatch(r"CN-\d+").any()  # NE's numeric CN-51 is gone
    assert cn.loc["CN-SC", "name"] == "Sichuan"
    assert cn.loc["CN-NM", "name"] == "Inner Mongol"
    assert cn.loc["CN-HI", "name"] == "Hainan"  # HASC CN.HA is Hainan; ISO CN-HA is Henan
    assert cn.loc["CN-HA", "name"] == "Henan"
    us = sub[sub["parent_id"] == "US"]
    assert len(us) == 51 and "US-DC" in us.index
    assert sub.loc["US-VA"].geometry.contains(Point(-77.49, 39.04))  # Ashburn
    assert sub.loc["CN-GZ"].geometry.contains(Point(106.63, 26.65))  # Guiyang
    assert sub.loc["CN-NM"].geometry.contains(Point(111.75, 40.84))  # Hohhot
    assert sub.loc["IN-OD", "name"] == "Orissa"
    assert sub.loc["RU-SA", "name"].startswith("Sakha")
    # Three old Norwegian counties dissolve into the one current code.
    assert sub.loc["NO-30", "name"] == "Viken"


def test_prepared_geometry_is_rounded_and_small(prepared):
    coords = prepared["ne-admin0"].geometry.get_coordinates()
    assert (coords.round(5) == coords).all().all()
    assert len(coords) < 60_000  # simplified once at preparation (the raw file has ~99k)


# ---------------------------------------------------------------- data centers


def test_gpu_clusters_never_get_invented_points(prepared):
    dc = prepared["epoch-gpu-clusters"]
    counts = dc["location_precision"].value_counts()
    assert counts.get("city", 0) + counts.get("site", 0) >= 200
    no_point = dc["location_precision"].isin(["country", "region", "unknown"])
    assert dc.loc[no_point].geometry.isna().all()
    assert dc.loc[~no_point].geometry.notna().all()
    china_only = dc[(dc["location_text"] == "China")]
    assert len(china_only) > 50
    assert (china_only["location_precision"] == "country").all()
    assert (china_only["country_id"] == "CN").all()
    abilene = dc[dc["location_text"] == "5502 Spinks Rd, Abilene, TX 79601"].iloc[0]
    assert abilene["location_precision"] == "city" and abilene["region_id"] == "US-TX"
    assert abs(abilene.geometry.y - 32.45) < 0.1 and abs(abilene.geometry.x + 99.73) < 0.1
    assert set(dc["status"]) == {"existing", "planned", "decommissioned"}


def test_geocoded_points_fall_inside_their_country(prepared):
    dc = prepared["epoch-gpu-clusters"]
    pts = dc[dc.geometry.notna()]
    countries = prepared["ne-admin0"][["region_id", "geometry"]].rename(columns={"region_id": "in_country"})
    joined = gpd.sjoin(pts, countries, predicate="within", how="left")
    wrong = joined[joined["in_country"].notna() & (joined["in_country"] != joined["country_id"])]
    assert wrong.empty, wrong[["name", "location_text", "country_id", "in_country"]]


def test_frontier_data_centers_have_exact_sites(prepared):
    dc = prepared["epoch-frontier-data-centers"]
    assert len(dc) == 17
    assert (dc["location_precision"] == "site").all()
    assert dc["power_mw"].max() > 500
    assert dc["year_in_service"].dropna().between(2015, 2035).all()
    rainier = dc[dc["name"] == "Anthropic-Amazon New Carlisle"].iloc[0]
    assert abs(rainier.geometry.y - 41.693) < 0.01 and abs(rainier.geometry.x + 86.461) < 0.01
    assert "#" not in "".join(dc["operator"].dropna())


def test_cloud_regions(prepared):
    dc = prepared["telegeography-cloud-regions"]
    assert len(dc) == 357
    assert dc["operator"].value_counts()["Microsoft Azure"] == 90
    assert dc.geometry.notna().all()


# ---------------------------------------------------------------- prices


def test_price_rows_carry_year_basis_and_source(prepared):
    prices = store.load_kind("electricity_prices")
    assert prices["usd_per_kwh"].between(0.005, 1.0).all()
    assert prices["year"].notna().all() and prices["basis"].notna().all()
    assert prices["source"].str.len().gt(5).all()
    wb = prepared["worldbank-electricity-price"]
    assert wb["region_id"].nunique() >= 180
    eia = prepared["eia-state-prices"]
    states = eia[eia["region_id"].str.startswith("US-")]["region_id"].nunique()
    assert states == 51
    va = eia[(eia["region_id"] == "US-VA") & (eia["year"] == 2019) & (eia["basis"] == "industrial_average")]
    assert va["usd_per_kwh"].iloc[0] == pytest.approx(0.0695, abs=0.01)


def test_chinese_province_prices_convert_with_their_stated_rate(prepared):
    cn = prepared["cn-province-prices"]
    raw = pd.read_csv(load_catalog()["cn-province-prices"].table_path())
    assert len(cn) == len(raw)
    row = raw.iloc[0]
    got = cn[(cn["region_id"] == row["region_id"])]["usd_per_kwh"].iloc[0]
    assert got == pytest.approx(row["price_cny_per_kwh"] / row["cny_per_usd"])
    # From a Sichuan miner's wet-season hydro deal (0.08 CNY) to Beijing's agency-purchase price.
    assert cn["usd_per_kwh"].between(0.01, 0.15).all()
    assert cn["region_id"].nunique() >= 29


def test_all_31_chinese_provinces_have_a_price(prepared):
    cn = prepared["cn-province-prices"]
    assert cn["region_id"].nunique() == 31
    provinces = prepared["ne-admin1"]
    assert set(cn["region_id"]) == set(provinces.loc[provinces["parent_id"] == "CN", "region_id"])
    # Every province has a price of its own; in 2026 a province falls back to the national
    # figure only where its own latest large-consumer price is older than the comparability
    # window (then the national one is current and flagged), and every province compares.
    chosen = yearly.region_prices(2026).set_index("region_id")
    in_china = chosen[chosen["parent_id"] == "CN"]
    assert len(in_china) == 31 and in_china["price_comparable"].all()
    large = cn[cn["basis"].isin(["large_industry_tariff", "industrial_average", "data_center_rate"])]
    latest = large.groupby("region_id")["year"].max()
    old = set(latest[latest < 2026 - 3].index)
    assert set(in_china.index[in_china["price_is_fallback"].astype(bool)]) <= old


def test_chinese_provinces_priced_and_contract_prices_classed_apart(prepared):
    cn = prepared["cn-province-prices"]
    assert cn["region_id"].nunique() >= 30 and "CN-YN" in set(cn["region_id"])
    assert set(cn["basis"]) <= {"large_industry_tariff", "industrial_average", "contract", "data_center_rate"}
    # Yunnan's aluminium-smelter deal is a negotiated price, not the province's tariff.
    yunnan = cn[cn["region_id"] == "CN-YN"].set_index("basis")
    assert "contract" in yunnan.index and "industrial_average" in yunnan.index
    assert (cn["fx_year"] >= 2014).all() and cn["source"].str.len().gt(20).all()


def test_disagreeing_sources_are_all_kept(prepared):
    """China's data-center power price: several sourced values, none picked silently."""
    national = prepared["national-prices"]
    china = national[national["region_id"].str.startswith("CN")]
    assert china["source"].nunique() >= 3
    assert china["usd_per_kwh"].max() / china["usd_per_kwh"].min() > 1.5


# ---------------------------------------------------------------- cables


def _max_lon_jump(geom) -> float:
    worst = 0.0
    for part in geom.geoms:
        xs = [c[0] for c in part.coords]
        worst = max([worst, *(abs(b - a) for a, b in zip(xs, xs[1:], strict=False))])
    return worst


def test_cables_and_landing_points(prepared):
    cables = prepared["telegeography-cables"]
    assert cables["cable_id"].is_unique
    assert cables["rfs_year"].dropna().between(1980, 2035).all()
    assert cables["is_planned"].any()
    assert max(_max_lon_jump(g) for g in cables.geometry) < 180
    lps = prepared["telegeography-landing-points"]
    assert lps["country_id"].notna().all()
    valentia = lps[lps["name"].str.contains("Changi South")].iloc[0]
    assert valentia["country_id"] == "SG"


def test_historic_cables_draw_across_the_antimeridian(prepared):
    hist = prepared["historic-cables"].set_index("cable_id")
    atlantic = hist.loc["atlantic-telegraph-1858"]
    assert atlantic["rfs_year"] == 1858 and atlantic["era"] == "historic"
    start = atlantic.geometry.geoms[0].coords[0]
    assert abs(start[0] + 10.3) < 0.2 and abs(start[1] - 51.9) < 0.2  # Valentia Island
    assert hist.loc["atlantic-telegraph-1866", "rfs_year"] == 1866
    pacific = hist.loc["pacific-cable-1902"].geometry
    xs = [c[0] for part in pacific.geoms for c in part.coords]
    assert min(xs) < -150 and max(xs) > 160 and _max_lon_jump(pacific) < 180
    assert all(-180 <= x <= 180 for x in xs)


# ---------------------------------------------------------------- mining


def test_bitcoin_areas_and_eras(prepared):
    areas = prepared["sun-bitcoin-hashrate"]
    assert areas["share_pct"].sum() == pytest.approx(100)
    assert areas["country_id"].notna().all()
    china = areas[areas["country_id"] == "CN"]
    assert china["share_pct"].sum() > 30
    top_cn = set(china.nlargest(4, "share_pct")["name"])
    assert top_cn & {"Sichuan", "Xinjiang", "Nei Mongol", "Yunnan"}
    eras = prepared["mining-eras"]
    assert {"CN", "US", "KZ"} <= set(eras["region_id"])
    assert eras["source"].str.len().gt(5).all()
    assert (eras["event"].dropna() != "").any()


def test_curated_industrial_prices_convert_each_currency_at_its_years_rate(prepared):
    from geomap.tables import fx_rate, fx_rates

    ours = prepared["industrial-prices"]
    raw = pd.read_csv(load_catalog()["industrial-prices"].table_path())
    assert len(ours) >= 100 and ours["region_id"].nunique() >= 40
    assert set(ours["basis"]) <= set(PRICE_BASES)
    fx = fx_rates()
    rate = [1.0 if r["currency"] == "USD" else fx_rate(fx, r["currency"], int(r["year"]))[0]
            for _, r in raw.iterrows()]
    raw = raw.assign(rate=rate)
    # A row whose currency has no sourced rate for its year is rejected and reported, not dropped.
    no_rate = raw[raw["rate"].isna()]
    rejected = [r for r in store.rejections("industrial-prices") if r["field"] == "currency"]
    assert len(rejected) == len(no_rate) and len(ours) == len(raw) - len(no_rate)
    for _, row in raw.dropna(subset=["rate"]).sample(40, random_state=1).iterrows():
        got = ours[(ours["region_id"] == row["region_id"]) & (ours["year"] == row["year"])
                   & ((ours["price_local"] - row["price"]).abs() < 1e-9)]
        assert len(got), (row["region_id"], row["year"])
        assert got["usd_per_kwh"].iloc[0] == pytest.approx(row["price"] / row["rate"])
    # Korea's Industrial (B) rate after the 24 Oct 2024 rise: 182.7 won/kWh.
    kr = ours[(ours["region_id"] == "KR") & ((ours["price_local"] - 182.7).abs() < 1e-9)]
    assert len(kr) and kr["basis_detail"].str.contains("Industrial").all()
