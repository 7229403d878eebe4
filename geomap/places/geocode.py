"""Offline geocoding of free-text data-centre locations against the geonames gazetteer.

The text is split into parts (:func:`_pieces`), read from the end backwards, and matched
against the countries, regions (:mod:`geomap.places.subdivisions`) and cities
(:mod:`geomap.places.gazetteer`) it names; coordinates and plus codes in it come from
:mod:`geomap.places.coordinates`.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from geomap.geo import great_circle_km
from geomap.names import place_key, region_key
from geomap.places.coordinates import (
    decode_plus_code,
    find_plus_codes,
    parse_coordinates,
    recover_plus_code,
    strip_coordinates,
    strip_plus_codes,
)
from geomap.places.countries import country_iso2
from geomap.places.gazetteer import City, curated_points, largest_city_in, main_tier, small_tier
from geomap.places.subdivisions import (
    city_region_id,
    regions_by_code,
    regions_by_key,
    top_region,
    us_states,
)

__all__ = ["GeocodeResult", "geocode"]

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

#: Words marking a part of the text as a sub-city unit (ward, district): never a city.
_SUBCITY_WORDS = frozenset(
    {"ward", "district", "gu", "dong", "ku", "borough", "neighborhood", "neighbourhood"}
)
#: Words marking a part of the text as a region-like unit: never searched for city names.
_REGION_WORDS = frozenset(
    {
        "oblast", "county", "prefecture", "province", "state", "region", "krai", "kray", "okrug",
        "republic", "governorate", "emirate", "territory", "canton", "department", "municipality",
    }
)
#: Suffixes dropped from a city name when the full name is not found ("Ishikari City").
_CITY_SUFFIXES = (" city", " shi", " si", " gun", " town")
#: Direction words that qualify a country or region without naming a place.
_VAGUE_WORDS = frozenset(
    {
        "north", "south", "east", "west", "northern", "southern", "eastern", "western", "central",
        "northeast", "northwest", "southeast", "southwest", "northeastern", "northwestern",
        "southeastern", "southwestern", "mainland", "rural", "greater",
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


# ---------------------------------------------------------------- text pieces

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


# ---------------------------------------------------------------- matching


def _lookup_city(
    key: str,
    country: str | None,
    state: str | None,
    min_population: int = 0,
    allow_alternate: bool = True,
    region: str | None = None,
    small: bool = False,
) -> City | None:
    """Most populous city named ``key`` in the country (and US state), primary names first.

    ``small`` searches the small-place tier instead of the main gazetteer.

    With ``region`` (an ISO 3166-2 code named in the text), cities whose first-level unit is
    known and differs are left out.
    """
    cities, primary, alternate = small_tier() if small else main_tier()
    indexes = (primary, alternate) if allow_alternate else (primary,)
    top = top_region(region) if region else None
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
        place = curated_points().get((country, piece.key))
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


def _city_match(city: City) -> tuple[str, float, float, str, str | None]:
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
    regions = regions_by_key(country)
    for candidate in (piece.key, region_key(piece.text), _strip_vague(piece.key)):
        if candidate and candidate in regions:
            return regions[candidate]
    return None


def _code_region(piece: _Piece, country: str) -> str | None:
    """ISO 3166-2 code of a trailing code in a piece ("TX" in "TX 79601", "RJ")."""
    codes = regions_by_code(country)
    for code in reversed(piece.codes):
        if code in codes:
            return codes[code]
    return None


def _infer_us(pieces: list[_Piece]) -> bool:
    """True when the text reads as a US address: a state code with a ZIP, or a state name."""
    states = us_states()
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
    plus_codes = find_plus_codes(text)
    text_no_codes = strip_plus_codes(text) if plus_codes else text
    if coords is not None:
        text_no_codes = strip_coordinates(text_no_codes)
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
    states = us_states()
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
        city = largest_city_in(ctx)
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
                and float(great_circle_km(point[1], point[0], match[2], match[1]))
                <= PLUS_CODE_MAX_OFFSET_KM
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
