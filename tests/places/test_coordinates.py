"""Tests of coordinates and plus codes written in text."""

from __future__ import annotations

import pytest

from geomap.places.coordinates import (
    decode_plus_code,
    parse_coordinates,
    parse_dms,
    recover_plus_code,
)

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


