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
