"""Tests of the gazetteer: the curated place table, and the largest city of a name."""

from __future__ import annotations

import csv
from pathlib import Path

import pycountry

from geomap.places.countries import all_iso2

TABLES = Path(__file__).resolve().parents[2] / "layers" / "tables"


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


