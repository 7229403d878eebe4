"""Name keys for forgiving lookups: one folding of text, and the keys built on it.

Every lookup by name in geomap (layers, GPUs, countries, subdivisions, places, columns)
compares keys made here, so "Wrocław", "WROCLAW" and "wroclaw" meet, and so does every
caller's idea of what "the same name" is.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Collection

#: Letters NFKD does not decompose, spelled in ASCII; and dashes, quotes, plus signs unified.
_TRANSLITERATE = str.maketrans(
    {
        "ł": "l", "Ł": "L", "ø": "o", "Ø": "O", "æ": "ae", "Æ": "AE", "ß": "ss", "đ": "d",
        "Đ": "D", "ı": "i", "þ": "th", "Þ": "Th", "ð": "d", "Ð": "D", "œ": "oe", "Œ": "OE",
        "−": "-", "–": "-", "—": "-", "’": "'", "‘": "'", "＋": "+",
    }
)
_WORD_SPLIT_RE = re.compile(r"[\W_]+")
_ASCII_SPLIT_RE = re.compile(r"[^a-z0-9]+")


def fold(text: str) -> str:
    """Lower case with accents dropped (other scripts kept); the base of every key.

    >>> fold("Wrocław Łódź")
    'wroclaw lodz'
    >>> fold("São Paulo")
    'sao paulo'
    """
    if text.isascii():
        return text.lower()
    decomposed = unicodedata.normalize("NFKD", text.translate(_TRANSLITERATE))
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch)).casefold()


def words(text: str, *, ascii_only: bool = False) -> list[str]:
    """The words of ``text`` after :func:`fold`: ``&`` reads "and", apostrophes join.

    ``ascii_only`` splits on anything outside ``a-z0-9`` (so other scripts drop out).

    >>> words("Bosnia & Herzegovina")
    ['bosnia', 'and', 'herzegovina']
    >>> words("Côte d'Ivoire")
    ['cote', 'divoire']
    """
    folded = fold(text).replace("'", "").replace("&", " and ")
    split = _ASCII_SPLIT_RE if ascii_only else _WORD_SPLIT_RE
    return [w for w in split.split(folded) if w]


def key(text: str, *, drop: Collection[str] = (), replace: dict[str, str] | None = None,
        sep: str = " ", ascii_only: bool = False) -> str:
    """The words of ``text`` with ``drop`` removed and ``replace`` applied, joined by ``sep``.

    >>> key("St. Lucia", replace={"st": "saint"})
    'saint lucia'
    >>> key("Guangxi Zhuangzu Zizhiqu", drop={"zhuangzu", "zizhiqu"}, sep="")
    'guangxi'
    """
    replace = replace or {}
    out = (replace.get(w, w) for w in words(text, ascii_only=ascii_only))
    return sep.join(w for w in out if w not in drop)


def lookup_key(name: str) -> str:
    """Forgiving key of an identifier: lower case, with ``. , - _ / space`` removed.

    >>> lookup_key("Epoch-GPU_Clusters")
    'epochgpuclusters'
    """
    return re.sub(r"[\s.,\-_/]+", "", name.lower())


def slug(text: str, sep: str = "-") -> str:
    """ASCII lower-case words joined by ``sep`` (``%`` kept as ``pct``).

    >>> slug("My Data Centers (2024)")
    'my-data-centers-2024'
    >>> slug(" Power (MW) ", sep="_")
    'power_mw'
    >>> slug("Share %", sep="_")
    'share_pct'
    """
    text = text.strip().lower().replace("%", " pct ")
    return re.sub(r"[^a-z0-9]+", sep, text).strip(sep)


# ---------------------------------------------------------------- place, country and region keys

#: Abbreviations spelled out in place names ("Mt. Pleasant" ~ "Mount Pleasant").
PLACE_ABBREVIATIONS = {"mt": "mount", "st": "saint", "ste": "sainte", "ft": "fort", "pt": "point"}
#: Type words dropped from region names ("Gyeonggi-do" ~ "Gyeonggi", "Moscow Oblast" ~ "Moscow").
REGION_TYPE_WORDS = frozenset(
    {
        "sheng", "shi", "zizhiqu", "zhuangzu", "huizu", "uygur", "weiwuer", "province", "state",
        "of", "oblast", "oblast'", "respublika", "kray", "krai", "okrug", "do", "gwangyeoksi",
        "teukbyeolsi", "teukbyeoljachisi", "teukbyeoljachido", "prefecture", "region", "the",
        "avtonomnyy", "avtonomnaya", "autonomous",
    }
)
#: Apostrophes read as word breaks (country names: "Côte d'Ivoire" ~ "cote d ivoire").
_APOSTROPHE_AS_SPACE = str.maketrans({"'": " ", "’": " ", "‘": " "})


def transliterate(text: str) -> str:
    """``text`` with the letters NFKD does not decompose spelled in ASCII, and dashes, quotes
    and plus signs unified (case and accents kept), e.g. before parsing coordinates.

    >>> transliterate("Łódź 52°13′ − 19°28’")
    "Lódź 52°13′ - 19°28'"
    """
    return text.translate(_TRANSLITERATE)


def place_key(text: str) -> str:
    """Key of a place name: the words of :func:`key` with "Mt"/"St"/"Ft" spelled out.

    >>> place_key("Mt. Pleasant")
    'mount pleasant'
    >>> place_key("Wrocław")
    'wroclaw'
    """
    return key(text, replace=PLACE_ABBREVIATIONS)


def region_key(text: str) -> str:
    """Key of a region name: :func:`place_key` without type words ("Oblast", "-do", "Sheng").

    >>> region_key("Gyeonggi-do")
    'gyeonggi'
    >>> region_key("Guangxi Zhuangzu Zizhiqu")
    'guangxi'
    """
    return key(text, replace=PLACE_ABBREVIATIONS, drop=REGION_TYPE_WORDS)


def country_key(text: str) -> str:
    """Key of a country name: ASCII words (apostrophes split them), "the" dropped, "St" read
    as "Saint" and ``&`` as "and".

    >>> country_key("Korea (the Republic of)")
    'korea republic of'
    >>> country_key("St. Lucia")
    'saint lucia'
    >>> country_key("Côte d'Ivoire")
    'cote d ivoire'
    """
    return key(text.translate(_APOSTROPHE_AS_SPACE), drop={"the"}, replace={"st": "saint"},
               ascii_only=True)
