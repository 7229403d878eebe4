"""Tests of first-level unit codes: geonames admin-1 codes mapped to ISO 3166-2."""

from __future__ import annotations

from geomap.places import gazetteer, subdivisions
from geomap.places.subdivisions import city_region_id


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
    cities = gazetteer.cities()
    for (country, name), code in expected.items():
        found = [c for c in cities if c.country_iso2 == country and c.name == name]
        assert found, (country, name)
        biggest = max(found, key=lambda c: c.population)
        assert city_region_id(country, biggest.admin1) == code, (country, name)
    for country, names in subdivisions.GEONAMES_ADMIN1_NAMES.items():
        assert len(subdivisions.admin1_iso(country)) == len(names), country


