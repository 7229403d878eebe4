"""Tests of offline geocoding, single cases and the whole Epoch AI file."""

from __future__ import annotations

import collections
import math
import time

import pandas as pd
import pycountry
import pytest

from geomap.places import gazetteer
from geomap.places.countries import country_iso2
from geomap.places.geocode import GeocodeResult, geocode

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


@pytest.mark.mirror  # reads the mirror's files directly
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

    cities = gazetteer.cities()
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
