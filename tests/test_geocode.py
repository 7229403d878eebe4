"""Tests of country-name resolution and offline geocoding, on real source files."""

from __future__ import annotations

import collections
import csv
import json
import math
import os
import time
from pathlib import Path

import pandas as pd
import pycountry
import pytest

from geomap.places import geocode as gc_mod
from geomap.places.countries import (
    all_iso2,
    country_iso2,
    country_iso2s,
    country_key,
    country_name,
)
from geomap.places.geocode import (
    GeocodeResult,
    city_region_id,
    decode_plus_code,
    geocode,
    parse_coordinates,
    parse_dms,
    recover_plus_code,
)

TABLES = Path(__file__).resolve().parents[1] / "layers" / "tables"
MIRROR = Path(
    os.environ.get("GEOMAP_MIRROR_DIR", Path(__file__).resolve().parents[2] / "shared/data/mirror")
)
EPOCH_CSV = MIRROR / "epoch.ai/data/gpu_clusters.csv"
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


def _need(path: Path) -> Path:
    if not path.exists():
        pytest.skip(f"mirror file not found: {path} (set GEOMAP_MIRROR_DIR to the mirror root)")
    return path


@pytest.fixture(scope="module")
def epoch() -> pd.DataFrame:
    return pd.read_csv(_need(EPOCH_CSV))


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


def test_world_bank_names_resolve_to_their_ids() -> None:
    header, records = json.loads(_need(WB_JSON).read_text(encoding="utf-8"))
    pairs = {(r["country"]["value"], r["country"]["id"]) for r in records}
    assert len(pairs) > 150
    wrong = {name: (code, country_iso2(name)) for name, code in pairs if country_iso2(name) != code}
    assert wrong == {}


def test_epoch_countries_resolve(epoch: pd.DataFrame) -> None:
    values = set(epoch["Country"].dropna())
    assert values
    # Multi-country values ("A,B") are not in this file today; they would resolve to several.
    unresolved = {v for v in values if not country_iso2s(v)}
    assert unresolved == set()
    multi = {v for v in values if len(country_iso2s(v)) > 1}
    assert all(country_iso2(v) is None for v in multi)


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


def test_cloud_region_countries_resolve() -> None:
    data = json.loads(_need(CLOUD_JSON).read_text(encoding="utf-8"))
    names = {r["country"] for r in data["cloud_regions"] if r.get("country")}
    assert len(names) > 30
    assert sorted(n for n in names if country_iso2(n) is None) == []


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


# ------------------------------------------------------------------------------------------
# coordinates and plus codes
# ------------------------------------------------------------------------------------------


def test_parse_dms() -> None:
    assert parse_dms("32°35'25\"N") == pytest.approx(32.5903, abs=1e-4)
    assert parse_dms("112°21'54.3\"W") == pytest.approx(-112.365083, abs=1e-6)
    assert parse_dms("33°24′28.7″S") == pytest.approx(-33.407972, abs=1e-6)
    assert parse_dms("N 27° 33.36'") == pytest.approx(27.556, abs=1e-6)
    assert parse_dms("35.5°E") == pytest.approx(35.5)
    assert parse_dms("95°00'00\"N") is None  # latitude out of range
    assert parse_dms("12°75'00\"N") is None  # minutes out of range
    assert parse_dms("Texas") is None
    assert parse_dms("") is None


def test_parse_coordinates() -> None:
    lat, lon = parse_coordinates("27°33'21.6\"N 35°32'18.4\"E")
    assert (lat, lon) == pytest.approx((27.556, 35.538444), abs=1e-5)
    lat, lon = parse_coordinates("33°24'28.7\"N 112°21'54.3\"W\nGoodyear, Arizona, USA")
    assert (lat, lon) == pytest.approx((33.407972, -112.365083), abs=1e-5)
    assert parse_coordinates("35°32'18.4\"E 27°33'21.6\"N") == pytest.approx(
        (27.556, 35.538444), abs=1e-5
    )
    assert parse_coordinates("Muskogee, Oklahoma 35.693709, -95.386957") == (35.693709, -95.386957)
    assert parse_coordinates(
        "81000 Kulai, Johor, Malaysia\n1.6230215444990799, 103.52989382701362"
    ) == pytest.approx((1.62302154, 103.52989383))
    # House numbers, postcodes and plain numbers are not coordinates.
    for text in (
        "5502 Spinks Rd, Abilene, TX 79601",
        "Via Piero Gobetti, 101, 40129 Bologna BO, Italy",
        "Plot No 7, 34/B/1, 1.5, 2.5",
        "Japan, 〒277-0882 Chiba, Kashiwa, 5 Chome−１−5",
        "",
    ):
        assert parse_coordinates(text) is None, text
    assert parse_coordinates("95.123456, 10.123456") is None  # latitude out of range


def test_plus_codes_match_reference_implementation() -> None:
    # Expected values from Google's reference implementation (openlocationcode 1.0.1).
    assert decode_plus_code("8FVC9G8F+6W") == pytest.approx((47.3655625, 8.5248125))
    assert recover_plus_code("9G8F+6W", 47.4, 8.6) == pytest.approx((47.3655625, 8.5248125))
    assert recover_plus_code("M39X+XG", 42.7, -87.88) == pytest.approx((42.6699375, -87.9011875))
    assert recover_plus_code("W933+CH4", 40.8, -96.7) == pytest.approx((40.9035125, -96.646046875))
    assert recover_plus_code("J3P7+8P", 32.65, 35.1) == pytest.approx((32.6358125, 35.0643125))
    assert decode_plus_code("M39X+XG") is None  # short codes need a reference
    assert decode_plus_code("8FVC9G8F6W") is None


# ------------------------------------------------------------------------------------------
# geocode: single cases
# ------------------------------------------------------------------------------------------


def test_us_street_address() -> None:
    res = geocode("5502 Spinks Rd, Abilene, TX 79601")
    assert res.precision == "city"
    assert res.country_iso2 == "US" and res.region_id == "US-TX"
    assert (res.lat, res.lon) == pytest.approx((32.45, -99.73), abs=0.02)
    assert res.matched == "Abilene, US-TX"
    assert geocode("5502 Spinks Rd, Abilene, TX 79601", "United States of America") == res


def test_dms_site() -> None:
    res = geocode("27°33'21.6\"N 35°32'18.4\"E", "Saudi Arabia")
    assert res.precision == "site" and res.country_iso2 == "SA"
    assert (res.lat, res.lon) == pytest.approx((27.556, 35.539), abs=1e-3)


def test_region_and_country_have_no_point() -> None:
    texas = geocode("Texas", "United States of America")
    assert (texas.precision, texas.region_id, texas.country_iso2) == ("region", "US-TX", "US")
    assert texas.lat is None and texas.lon is None and not texas.has_point
    assert geocode("Texas").region_id == "US-TX"
    china = geocode("China", "China")
    assert (china.precision, china.country_iso2, china.lat, china.lon) == (
        "country",
        "CN",
        None,
        None,
    )
    assert geocode("China").country_iso2 == "CN"
    assert geocode(None, "Japan") == GeocodeResult(
        None, None, "country", "JP", None, "country field: JP"
    )


def test_cities() -> None:
    paris = geocode("Paris, France")
    assert paris.precision == "city" and paris.country_iso2 == "FR"
    assert (paris.lat, paris.lon) == pytest.approx((48.85, 2.35), abs=0.05)
    riyadh = geocode("Riyadh", "Saudi Arabia")
    assert riyadh.precision == "city" and riyadh.country_iso2 == "SA"
    assert (riyadh.lat, riyadh.lon) == pytest.approx((24.69, 46.72), abs=0.05)
    # The state decides between same-named US cities.
    assert geocode("Kansas City, KS").region_id == "US-KS"
    assert geocode("Kansas City, USA").region_id == "US-MO"  # the more populous
    assert geocode("Portland, ME").region_id == "US-ME"
    assert geocode("Portland, Oregon").region_id == "US-OR"
    # Region names read as regions in the US and Canada, as cities elsewhere when alone.
    assert geocode("Washington", "United States of America").precision == "region"
    assert geocode("Washington, DC").matched == "Washington, US-DC"
    assert geocode("Quebec, Canada").region_id == "CA-QC"
    assert geocode("Osaka, Japan").precision == "city"
    # Country codes after a city: US state or country, whichever has the city.
    assert geocode("Munich, DE").country_iso2 == "DE"
    assert geocode("Dover, DE").region_id == "US-DE"
    assert geocode("Atlanta, Georgia").country_iso2 == "US"
    assert geocode("Tbilisi, Georgia").country_iso2 == "GE"


def test_small_towns() -> None:
    # Below the main gazetteer's population floor: found in the small-place tier only
    # with the state given; a town not in geonames at all stays at region precision.
    ellendale = geocode("9685 87th Ave SE, Ellendale, ND 58436", "United States of America")
    assert ellendale.precision == "city" and ellendale.region_id == "US-ND"
    assert (ellendale.lat, ellendale.lon) == pytest.approx((46.00, -98.53), abs=0.05)
    lockbourne = geocode("5076 S High St, Lockbourne, OH 43137", "United States of America")
    assert (lockbourne.precision, lockbourne.region_id, lockbourne.lat) == ("region", "US-OH", None)


def test_plus_code_site() -> None:
    res = geocode("M39X+XG, Mt Pleasant, WI 53177", "United States of America")
    assert res.precision == "site" and res.region_id == "US-WI"
    assert (res.lat, res.lon) == pytest.approx((42.6699375, -87.9011875), abs=1e-5)
    # No locality to recover a short code against: no point.
    eliakim = geocode("J3P7+8P Eliakim, Israel", "Israel")
    assert eliakim.precision == "country" and eliakim.lat is None


def test_unknown_text() -> None:
    for text in (
        'Undisclosed, could be anywhere "across the globe world"',
        "Europe",
        "The Nordics",
        "",
        None,
    ):
        res = geocode(text)
        assert res.precision == "unknown" and not res.has_point and res.country_iso2 is None


def test_country_conflict_keeps_record_country() -> None:
    res = geocode("Netherlands", "Iceland")
    assert (res.precision, res.country_iso2, res.lat) == ("country", "IS", None)
    assert "NL" in res.matched


def test_geonames_admin1_mapping_matches_capitals() -> None:
    expected = {
        ("AU", "Perth"): "AU-WA",
        ("AU", "Melbourne"): "AU-VIC",
        ("AU", "Brisbane"): "AU-QLD",
        ("AU", "Adelaide"): "AU-SA",
        ("AU", "Hobart"): "AU-TAS",
        ("AU", "Darwin"): "AU-NT",
        ("AU", "Canberra"): "AU-ACT",
        ("AU", "Sydney"): "AU-NSW",
        ("CA", "Toronto"): "CA-ON",
        ("CA", "Montréal"): "CA-QC",
        ("CA", "Vancouver"): "CA-BC",
        ("CA", "Calgary"): "CA-AB",
        ("CA", "Winnipeg"): "CA-MB",
        ("CA", "Halifax"): "CA-NS",
        ("CA", "Regina"): "CA-SK",
        ("CA", "Fredericton"): "CA-NB",
        ("CA", "St. John's"): "CA-NL",
        ("CA", "Charlottetown"): "CA-PE",
        ("CA", "Whitehorse"): "CA-YT",
        ("CA", "Yellowknife"): "CA-NT",
        ("CA", "Iqaluit"): "CA-NU",
        ("JP", "Sapporo"): "JP-01",
        ("JP", "Sendai"): "JP-04",
        ("JP", "Mito"): "JP-08",
        ("JP", "Chiba"): "JP-12",
        ("JP", "Tokyo"): "JP-13",
        ("JP", "Yokohama"): "JP-14",
        ("JP", "Nagoya"): "JP-23",
        ("JP", "Kyoto"): "JP-26",
        ("JP", "Osaka"): "JP-27",
        ("JP", "Kobe"): "JP-28",
        ("JP", "Hiroshima"): "JP-34",
        ("JP", "Fukuoka"): "JP-40",
        ("JP", "Naha"): "JP-47",
        ("JP", "Kofu"): "JP-19",
        ("GB", "Edinburgh"): "GB-SCT",
        ("GB", "Cardiff"): "GB-WLS",
        ("GB", "Belfast"): "GB-NIR",
        ("GB", "Manchester"): "GB-ENG",
    }
    cities = gc_mod._cities()
    for (country, name), code in expected.items():
        found = [c for c in cities if c.country_iso2 == country and c.name == name]
        assert found, (country, name)
        biggest = max(found, key=lambda c: c.population)
        assert city_region_id(country, biggest.admin1) == code, (country, name)
    for country, names in gc_mod.GEONAMES_ADMIN1_NAMES.items():
        assert len(gc_mod._admin1_iso(country)) == len(names), country


def test_place_alias_table_is_sourced() -> None:
    with open(TABLES / "place_aliases.csv", encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert rows and set(rows[0]) == {"alias", "lat", "lon", "country_iso2", "region_id", "source"}
    assert len(rows) <= 30, "keep the curated place table small"
    for row in rows:
        assert row["source"].strip(), row
        assert row["country_iso2"] in all_iso2(), row
        assert bool(row["lat"]) == bool(row["lon"]), row
        if row["lat"]:
            assert -90 <= float(row["lat"]) <= 90 and -180 <= float(row["lon"]) <= 180, row
        else:
            assert row["region_id"], f"a region-only row needs region_id: {row}"
        if row["region_id"]:
            assert pycountry.subdivisions.get(code=row["region_id"]) is not None, row


# ------------------------------------------------------------------------------------------
# geocode: the whole Epoch AI file
# ------------------------------------------------------------------------------------------


#: Precision counts over the 786 Epoch rows (gpu_clusters.csv as mirrored); update them when
#: the data or the geocoder changes, after checking the differences by hand.
EPOCH_MIN_WITH_POINT = 250


def _haversine_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    p1, p2 = math.radians(lat1), math.radians(lat2)
    h = (
        math.sin((p2 - p1) / 2) ** 2
        + math.cos(p1) * math.cos(p2) * math.sin(math.radians(lon2 - lon1) / 2) ** 2
    )
    return 2 * 6371.0088 * math.asin(math.sqrt(h))


def test_epoch_file(epoch: pd.DataFrame) -> None:
    geocode("warm-up", "US")  # build or load the gazetteer before timing
    start = time.perf_counter()
    results = [
        geocode(loc if isinstance(loc, str) else None, cty if isinstance(cty, str) else None)
        for loc, cty in zip(epoch["Location"], epoch["Country"], strict=True)
    ]
    elapsed_s = time.perf_counter() - start
    counts = collections.Counter(r.precision for r in results)
    print(f"\nEpoch precision counts: {dict(counts)}; {elapsed_s:.2f} s for {len(results)} rows")
    assert len(results) == len(epoch)
    assert set(counts) <= {"site", "city", "region", "country", "unknown"}
    assert counts["site"] + counts["city"] >= EPOCH_MIN_WITH_POINT
    assert elapsed_s < 5.0

    cities = gc_mod._cities()
    by_country: dict[str, list] = collections.defaultdict(list)
    for city in cities:
        by_country[city.country_iso2].append(city)
    for (loc, cty), res in zip(
        zip(epoch["Location"], epoch["Country"], strict=True), results, strict=True
    ):
        row_country = country_iso2(cty) if isinstance(cty, str) else None
        if res.has_point:
            assert res.precision in ("site", "city")
            assert res.matched
            # Never a point in another country than the record's ...
            if row_country is not None:
                assert res.country_iso2 == row_country, (loc, cty, res)
                # ... and every point lies within 60 km of a gazetteer place of that country.
                nearest_km = min(
                    _haversine_km(res.lat, res.lon, c.lat_deg, c.lon_deg)
                    for c in by_country[row_country]
                )
                assert nearest_km < 60, (loc, cty, res, nearest_km)
        else:
            assert res.precision in ("region", "country", "unknown")
            assert res.lat is None and res.lon is None
        if row_country is not None:
            assert res.country_iso2 == row_country, (loc, cty, res)
        if res.precision == "region":
            assert res.region_id and res.region_id.startswith(f"{res.country_iso2}-")
            assert pycountry.subdivisions.get(code=res.region_id) is not None, res
        if res.country_iso2 == "US" and res.precision in ("site", "city", "region"):
            assert res.region_id and res.region_id.startswith("US-"), (loc, res)


@pytest.mark.parametrize(
    ("location", "country", "precision", "expect"),
    [
        (
            "Lawrence Livermore National Laboratory\n7000 East Ave, Livermore, CA 94550",
            "United States of America",
            "city",
            "Livermore, US-CA",
        ),
        (
            "１番地 Takumicho, Sakai Ward, Sakai, Osaka 590-0908, Japan",
            "Japan",
            "city",
            "Sakai, JP-27",
        ),
        (
            "4259 Nagatsutacho, Midori Ward, Yokohama, Kanagawa 226-0026, Japan",
            "Japan",
            "city",
            "Yokohama, JP-14",
        ),
        (
            "AIST Tsukuba\n1 Chome Higashi, Tsukuba, Ibaraki 305-0046, Japan",
            "Japan",
            "city",
            "Tsukuba, JP-08",
        ),
        ("7 Chome-3-1 Hongo, Bunkyo City, Tokyo 113-8654, Japan", "Japan", "city", "Tokyo, JP-13"),
        ("Buk-gu Ulsan South Korea", "Korea (Republic of)", "city", "Ulsan"),
        (
            "1100 Notre-Dame St W, Montreal, Quebec H3C 1K3, Canada",
            "Canada",
            "city",
            "Montréal, CA-QC",
        ),
        ("1 Bryce Ave, Kensington WA 6151, Australia", "Australia", "region", "region: AU-WA"),
        ("Science Park 120, 1098 XG Amsterdam, Netherlands", "Netherlands", "city", "Amsterdam"),
        (
            "London Rd, Harlow CM17 9NA, United Kingdom",
            "United Kingdom of Great Britain and Northern Ireland",
            "city",
            "Harlow, GB-ENG",
        ),
        (
            "Loughton, England",
            "United Kingdom of Great Britain and Northern Ireland",
            "city",
            "Loughton, GB-ESS",
        ),
        (
            "Bom Retiro, Eldorado do Sul - State of Rio Grande do Sul, 92990-000, Brazil",
            "Brazil",
            "city",
            "Eldorado do Sul, BR-RS",
        ),
        (
            "Homer City, Indiana County, Pennsylvania",
            "United States of America",
            "city",
            "Homer City, US-PA (small place)",
        ),
        ("Shackelford County, Texas", "United States of America", "region", "region: US-TX"),
        (
            "Skolkovo Innovation Center\nИнновационный центр Сколково\nMoscow Oblast\nRussia",
            "Russia",
            "region",
            "region: RU-MOS",
        ),
        ("Singapore", "Singapore", "city", "Singapore"),
        ("Southern France", "France", "country", "country: FR"),
        ("Silicon Valley", "United States of America", "country", "country: US"),
        (
            "Muskogee, Oklahoma 35.693709, -95.386957",
            "United States of America",
            "site",
            "coordinates in text (Muskogee, US-OK)",
        ),
    ],
)
def test_epoch_examples(location: str, country: str, precision: str, expect: str) -> None:
    res = geocode(location, country)
    assert (res.precision, res.matched) == (precision, expect)
