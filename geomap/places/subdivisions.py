"""ISO 3166-2 codes of first-level units: from names, Natural Earth and geonames codes, in text.

Natural Earth admin-1 units get their current code (their own codes are often dated) from
:func:`region_id_for`; geonames cities get theirs from :func:`city_region_id`; the geocoder
reads region names and code suffixes in a country through :func:`regions_by_key` and
:func:`regions_by_code`.
"""

from __future__ import annotations

import difflib
import re
from functools import cache

import pycountry

from geomap.names import key, place_key, region_key
from geomap.places.gazetteer import curated_places
from geomap.tables import read_rows

__all__ = [
    "GEONAMES_ADMIN1_NAMES",
    "normalize_place",
    "is_current_code",
    "subdivision_name",
    "region_id_for",
    "us_states",
    "regions_by_key",
    "regions_by_code",
    "admin1_iso",
    "city_region_id",
    "top_region",
]

#: Words that name a unit's type rather than the unit; dropped before names are compared.
_TYPE_WORDS = {
    "sheng", "shi", "zizhiqu", "zhuangzu", "huizu", "uygur", "weiwuer", "province", "state",
    "territory", "oblast", "oblys", "oblysy", "kray", "krai", "respublika", "republic",
    "avtonomnyy", "avtonomnaya", "okrug", "autonomous", "county", "fylke", "land", "the",
    "of", "and", "city", "region", "federal", "district", "capital", "gorod", "qalasy",
    "mintaqasy", "lan", "de", "do", "da", "das", "dos",
}


def normalize_place(name: str) -> str:
    """Lower-case ASCII key of a place name with type words and punctuation removed, the
    words joined (:func:`geomap.names.key` with ``sep=""``).

    >>> normalize_place("Guangxi Zhuangzu Zizhiqu")
    'guangxi'
    """
    return key(name, drop=_TYPE_WORDS, sep="", ascii_only=True)


@cache
def _subdivisions(country_iso2: str) -> dict[str, str]:
    """Current ISO 3166-2 codes of a country's top-level subdivisions: code -> name."""
    subs = pycountry.subdivisions.get(country_code=country_iso2) or []
    return {s.code: s.name for s in subs}


@cache
def _aliases() -> dict[tuple[str, str], str]:
    """Curated name -> code overrides (``layers/tables/subdivision_aliases.csv``)."""
    return {
        (row["country_iso2"], normalize_place(row["ne_name"])): row["region_id"]
        for row in read_rows("subdivision_aliases.csv", required=False)
    }


def is_current_code(code: str) -> bool:
    """True when ``code`` is a current ISO 3166-2 code (per pycountry)."""
    if not re.fullmatch(r"[A-Z]{2}-[A-Z0-9]{1,3}", code or ""):
        return False
    return code in _subdivisions(code[:2])


def subdivision_name(code: str) -> str | None:
    """ISO 3166-2 name of a current code, or None."""
    return _subdivisions(code[:2]).get(code) if code else None


def region_id_for(
    country_iso2: str, name: str | None, iso_code: str | None = None, hasc: str | None = None
) -> str | None:
    """The current ISO 3166-2 code of an admin-1 unit, or None when it has none.

    Tried in order: a curated alias for the name; the given ISO code when it is current
    *and* its ISO name agrees with ``name`` (Natural Earth's numeric ``CN-51`` is not current;
    HASC ``CN.HA`` is Hainan while ISO ``CN-HA`` is Henan, so codes are never trusted alone);
    the name against ISO names; the HASC suffix read as an ISO code when the names share
    their first four letters.

    >>> region_id_for("CN", "Sichuan", "CN-51", "CN.SC")
    'CN-SC'
    >>> region_id_for("CN", "Hainan", "CN-46", "CN.HA")
    'CN-HI'
    """
    name, iso_code, hasc = (v if isinstance(v, str) else None for v in (name, iso_code, hasc))
    key = normalize_place(name or "")
    alias = _aliases().get((country_iso2, key))
    if alias:
        return alias
    subs = _subdivisions(country_iso2)
    by_name = {normalize_place(n): c for c, n in subs.items()}
    if iso_code and iso_code in subs and _names_agree(key, normalize_place(subs[iso_code])):
        return iso_code
    if key and key in by_name:
        return by_name[key]
    if hasc and "." in hasc:
        guess = f"{country_iso2}-{hasc.split('.', 1)[1]}"
        if guess in subs and _names_agree(key, normalize_place(subs[guess])):
            return guess
    if iso_code and iso_code in subs and not key:
        return iso_code
    if len(key) >= 4:
        close = [c for n, c in by_name.items() if n[:5] == key[:5] or n.startswith(key)]
        if len(close) == 1:
            return close[0]
        near = difflib.get_close_matches(key, list(by_name), n=2, cutoff=0.85)
        if len(near) == 1:
            return by_name[near[0]]
    return None


def _names_agree(a: str, b: str) -> bool:
    if not a or not b:
        return False
    return a == b or a[:4] == b[:4] or a in b or b in a


# ---------------------------------------------------------------- geonames admin-1 codes and names in text

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


@cache
def us_states() -> dict[str, str]:
    """Key (:func:`geomap.names.place_key`) of a US state/territory name or postal code ->
    ISO 3166-2 code.

    >>> us_states()["texas"], us_states()["tx"]
    ('US-TX', 'US-TX')
    """
    out: dict[str, str] = {}
    for sub in pycountry.subdivisions.get(country_code="US") or ():
        out[place_key(sub.name)] = sub.code
        out[place_key(sub.code.split("-", 1)[1])] = sub.code
    out["washington dc"] = "US-DC"
    out["dc"] = "US-DC"
    return out


@cache
def regions_by_key(country: str) -> dict[str, str]:
    """Region-name key -> ISO 3166-2 code for one country (ISO names, with and without type
    words, plus the curated region aliases of ``place_aliases.csv``).

    >>> regions_by_key("KR")["gyeonggi"]
    'KR-41'
    """
    out: dict[str, str] = {}
    subs = pycountry.subdivisions.get(country_code=country) or ()
    for sub in sorted(subs, key=lambda s: (getattr(s, "parent_code", None) is not None, s.code)):
        for k in (place_key(sub.name), region_key(sub.name)):
            if k and k not in out:
                out[k] = sub.code
    if country == "US":
        out.update(us_states())
    for place in curated_places().get(country, ()):
        if place.region_id and place.lat_deg is None:
            out[place_key(place.alias)] = place.region_id
    return out


@cache
def regions_by_code(country: str) -> dict[str, str]:
    """Upper-case code suffix ("TX", "QC", "ACT") -> ISO 3166-2 code for one country.

    >>> regions_by_code("AU")["ACT"]
    'AU-ACT'
    """
    subs = pycountry.subdivisions.get(country_code=country) or ()
    return {sub.code.split("-", 1)[1]: sub.code for sub in subs}


@cache
def admin1_iso(country: str) -> dict[str, str]:
    """Geonames admin1 code -> ISO 3166-2 code, for the countries in
    :data:`GEONAMES_ADMIN1_NAMES` (and the US, whose admin1 codes are postal codes)."""
    if country == "US":
        return {code.split("-", 1)[1]: code for code in us_states().values()}
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

    Examples
    --------
    >>> city_region_id("JP", "40"), city_region_id("FR", "11")
    ('JP-13', None)
    """
    return admin1_iso(country_iso2).get(admin1)


def top_region(code: str) -> str:
    """The first-level ancestor of an ISO 3166-2 code.

    >>> top_region("GB-WRT")
    'GB-ENG'
    """
    seen = 0
    while seen < 5:
        sub = pycountry.subdivisions.get(code=code)
        parent = getattr(sub, "parent_code", None) if sub is not None else None
        if not parent:
            return code
        code = parent
        seen += 1
    return code
