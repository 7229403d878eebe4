"""Tests of country-name resolution, on real source files."""

from __future__ import annotations

import collections
import csv
import json
from pathlib import Path

import pandas as pd
import pytest

from geomap.places.countries import (
    all_iso2,
    country_iso2,
    country_iso2s,
    country_key,
    country_name,
)
from tests.places.mirror_files import MIRROR
from tests.places.mirror_files import need as _need

TABLES = Path(__file__).resolve().parents[2] / "layers" / "tables"
WB_JSON = MIRROR / "api.worldbank.org/v2/country/all/indicator/IC.ELC.PRI.KH.DB1619"
TG_DIR = MIRROR / "www.submarinecablemap.com/api/v3"
CLOUD_JSON = MIRROR / "www.cloudinfrastructuremap.com/api/service/cloud-regions.js"
BTC_CSV = (
    MIRROR
    / "raw.githubusercontent.com/jricb/bitcoin_mining_spatial_analysis/main"
    / "data_for_paper_final_version/Aggregated harsh rate by unique address(201806-201905).csv"
)
NE_ADMIN0 = (
    MIRROR
    / "raw.githubusercontent.com/nvkelso/natural-earth-vector/master/geojson"
    / "ne_50m_admin_0_countries.geojson"
)





# ------------------------------------------------------------------------------------------
# countries
# ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "iso2"),
    [
        ("CN", "CN"),
        ("CHN", "CN"),
        ("United States of America", "US"),
        ("Korea (Republic of)", "KR"),
        ("Philippines (the)", "PH"),
        ("United Kingdom of Great Britain and Northern Ireland", "GB"),
        ("Russia", "RU"),
        ("Taiwan", "TW"),
        ("Hong Kong", "HK"),
        ("Viet Nam", "VN"),
        ("Iran (Islamic Republic of)", "IR"),
        ("Netherlands (Kingdom of the)", "NL"),
        ("Türkiye", "TR"),
        ("Egypt, Arab Rep.", "EG"),
        ("Korea, Rep.", "KR"),
        ("Hong Kong SAR, China", "HK"),
        ("Taiwan, China", "TW"),
        ("Congo, Dem. Rep.", "CD"),
        ("Congo, Rep.", "CG"),
        ("Micronesia, Fed. Sts.", "FM"),
        ("Lao PDR", "LA"),
        ("Kyrgyz Republic", "KG"),
        ("Slovak Republic", "SK"),
        ("St. Lucia", "LC"),
        ("Gambia, The", "GM"),
        ("Bahamas, The", "BS"),
        ("Yemen, Rep.", "YE"),
        ("Venezuela, RB", "VE"),
        ("West Bank and Gaza", "PS"),
        ("Kosovo", "XK"),
        ("United States", "US"),
        ("China", "CN"),
        ("Côte d'Ivoire", "CI"),
        ("cote d ivoire", "CI"),
        ("Curaçao", "CW"),
        ("Virgin Islands (U.S.)", "VI"),
        ("Saint Helena, Ascension and Tristan da Cunha", "SH"),
        ("Micronesia", "FM"),
        ("Dem. Rep. Congo", "CD"),
        ("KOS", "XK"),
        ("  usa ", "US"),
        ("SOUTH KOREA", "KR"),
    ],
)
def test_country_spellings(text: str, iso2: str) -> None:
    assert country_iso2(text) == iso2


def test_country_unknown_and_multi() -> None:
    assert country_iso2(None) is None
    assert country_iso2("") is None
    assert country_iso2("Europe") is None
    assert country_iso2("Atlantis") is None
    # A field naming two countries is not one country ...
    assert country_iso2("United States of America,China") is None
    # ... but both are available.
    assert country_iso2s("United States of America,China") == ("US", "CN")
    assert country_iso2s("Korea, Rep.") == ("KR",)
    assert country_iso2s("Narnia, China") == ()


def test_country_key_and_names() -> None:
    assert country_key("Korea (the Republic of)") == "korea republic of"
    assert country_key("St. Kitts & Nevis") == "saint kitts and nevis"
    assert country_name("KR") == "South Korea"
    assert country_name("nl") == "Netherlands"
    assert country_name("XK") == "Kosovo"
    assert country_name("ZZ") is None
    codes = all_iso2()
    assert {"US", "CN", "XK", "TW", "HK"} <= set(codes)
    assert "AN" not in codes and "CS" not in codes  # withdrawn codes are never returned
    assert all(len(c) == 2 and c.isupper() for c in codes)
    from geomap.places import countries

    assert countries.ALL_ISO2 == codes


def test_country_alias_table_is_sourced() -> None:
    with open(TABLES / "country_aliases.csv", encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert rows and set(rows[0]) == {"alias", "iso2", "source", "notes"}
    codes = set(all_iso2())
    keys: dict[str, str] = {}
    for row in rows:
        assert row["source"].strip(), row
        assert row["iso2"] in codes, row
        assert country_iso2(row["alias"]) == row["iso2"], row
        key = country_key(row["alias"])
        assert keys.setdefault(key, row["iso2"]) == row["iso2"], f"conflicting alias {row}"


@pytest.mark.mirror  # reads the mirror's files directly
def test_world_bank_names_resolve_to_their_ids() -> None:
    header, records = json.loads(_need(WB_JSON).read_text(encoding="utf-8"))
    pairs = {(r["country"]["value"], r["country"]["id"]) for r in records}
    assert len(pairs) > 150
    wrong = {name: (code, country_iso2(name)) for name, code in pairs if country_iso2(name) != code}
    assert wrong == {}


@pytest.mark.mirror  # reads the mirror's files directly
def test_epoch_countries_resolve(epoch: pd.DataFrame) -> None:
    values = set(epoch["Country"].dropna())
    assert values
    # Multi-country values ("A,B") are not in this file today; they would resolve to several.
    unresolved = {v for v in values if not country_iso2s(v)}
    assert unresolved == set()
    multi = {v for v in values if len(country_iso2s(v)) > 1}
    assert all(country_iso2(v) is None for v in multi)


@pytest.mark.mirror  # reads the mirror's files directly
def test_telegeography_countries_resolve() -> None:
    lp_dir = _need(TG_DIR / "landing-point")
    names: collections.Counter[str] = collections.Counter()
    for path in lp_dir.glob("*.json"):
        data = json.loads(path.read_text(encoding="utf-8"))
        if path.name == "landing-point-geo.json":  # the GeoJSON index, not a landing point
            continue
        names[data["country"]] += 1
    for path in _need(TG_DIR / "cable").glob("*.json"):
        data = json.loads(path.read_text(encoding="utf-8"))
        for lp in data.get("landing_points") or []:
            if lp.get("country"):
                names[lp["country"]] += 1
    assert len(names) > 150
    assert sorted(n for n in names if country_iso2(n) is None) == []


@pytest.mark.mirror  # reads the mirror's files directly
def test_cloud_region_countries_resolve() -> None:
    data = json.loads(_need(CLOUD_JSON).read_text(encoding="utf-8"))
    names = {r["country"] for r in data["cloud_regions"] if r.get("country")}
    assert len(names) > 30
    assert sorted(n for n in names if country_iso2(n) is None) == []


@pytest.mark.mirror  # reads the mirror's files directly
def test_bitcoin_codes_and_names_agree() -> None:
    df = pd.read_csv(_need(BTC_CSV), usecols=["CRCode", "CRName"]).drop_duplicates()
    assert len(df) > 100
    bad = [
        (code, name, country_iso2(code), country_iso2(name))
        for code, name in zip(df["CRCode"], df["CRName"], strict=True)
        if country_iso2(code) is None or country_iso2(code) != country_iso2(name)
    ]
    assert bad == []


#: Natural Earth units without an ISO code (ISO_A2_EH = -99) and what they resolve to.
NE_NO_ISO = {
    "Siachen Glacier": None,  # disputed between India and Pakistan: no country
    "KAS": None,  # ADM0_A3 of Siachen Glacier
    "N. Cyprus": "CY",  # de jure part of Cyprus (ISO 3166-1)
    "Northern Cyprus": "CY",
    "CYN": "CY",
    "Somaliland": "SO",  # de jure part of Somalia (ISO 3166-1)
    "SOL": "SO",
}


@pytest.mark.mirror  # reads the mirror's files directly
def test_natural_earth_names_and_codes_resolve() -> None:
    data = json.loads(_need(NE_ADMIN0).read_text(encoding="utf-8"))
    checked = 0
    for feature in data["features"]:
        props = feature["properties"]
        code = props["ISO_A2_EH"]
        for value in (props["NAME"], props["NAME_LONG"], props["ADM0_A3"]):
            expected = NE_NO_ISO[value] if code == "-99" else code
            assert country_iso2(value) == expected, (value, code)
            checked += 1
    assert checked > 600


