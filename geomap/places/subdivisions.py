"""Current ISO 3166-2 codes for Natural Earth admin-1 units (whose own codes are often dated)."""

from __future__ import annotations

import csv
import difflib
import re
import unicodedata
from functools import cache

import pycountry

from geomap.tables import table_file

#: Words that name a unit's type rather than the unit; dropped before names are compared.
_TYPE_WORDS = {
    "sheng", "shi", "zizhiqu", "zhuangzu", "huizu", "uygur", "weiwuer", "province", "state",
    "territory", "oblast", "oblys", "oblysy", "kray", "krai", "respublika", "republic",
    "avtonomnyy", "avtonomnaya", "okrug", "autonomous", "county", "fylke", "land", "the",
    "of", "and", "city", "region", "federal", "district", "capital", "gorod", "qalasy",
    "mintaqasy", "lan", "de", "do", "da", "das", "dos",
}


def normalize_place(name: str) -> str:
    """Lower-case ASCII key of a place name with type words and punctuation removed.

    >>> normalize_place("Guangxi Zhuangzu Zizhiqu")
    'guangxi'
    """
    text = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode().lower()
    words = [w for w in re.split(r"[^a-z0-9]+", text) if w and w not in _TYPE_WORDS]
    return "".join(words)


@cache
def _subdivisions(country_iso2: str) -> dict[str, str]:
    """Current ISO 3166-2 codes of a country's top-level subdivisions: code -> name."""
    subs = pycountry.subdivisions.get(country_code=country_iso2) or []
    return {s.code: s.name for s in subs}


@cache
def _aliases() -> dict[tuple[str, str], str]:
    """Curated name -> code overrides (``layers/tables/subdivision_aliases.csv``)."""
    path = table_file("subdivision_aliases.csv")
    out: dict[tuple[str, str], str] = {}
    if path.is_file():
        with open(path, encoding="utf-8", newline="") as fh:
            for row in csv.DictReader(fh):
                out[(row["country_iso2"], normalize_place(row["ne_name"]))] = row["region_id"]
    return out


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
