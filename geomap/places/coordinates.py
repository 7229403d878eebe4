"""Coordinates written in text: degrees-minutes-seconds, decimal pairs, and plus codes.

Plus codes are Open Location Codes; :func:`recover_plus_code` follows the reference
``recoverNearest`` algorithm (the ``openlocationcode`` package is not a dependency).
"""

from __future__ import annotations

import re

from geomap.names import transliterate

__all__ = [
    "parse_dms",
    "parse_coordinates",
    "decode_plus_code",
    "recover_plus_code",
    "find_plus_codes",
    "strip_plus_codes",
    "strip_coordinates",
]

_OLC_ALPHABET = "23456789CFGHJMPQRVWX"
_OLC_PAIR_RESOLUTIONS_DEG = (20.0, 1.0, 0.05, 0.0025, 0.000125)

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
    cleaned = transliterate(text).strip()
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
    cleaned = transliterate(text)
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


def strip_coordinates(text: str) -> str:
    """``text`` with its decimal pairs and hemisphere-marked DMS values replaced by spaces.

    >>> strip_coordinates("Muskogee, Oklahoma 35.693709, -95.386957").strip()
    'Muskogee, Oklahoma'
    """
    text = _DECIMAL_PAIR_RE.sub(" ", text)
    return _DMS_RE.sub(lambda m: " " if m.group("hem1") or m.group("hem2") else m.group(0), text)


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


def find_plus_codes(text: str) -> list[str]:
    """The plus codes written in ``text``, full or short, in order.

    A code needs a letter before its ``+`` (so "2345+67" is not one).

    >>> find_plus_codes("M39X+XG, Mt Pleasant, WI 53177")
    ['M39X+XG']
    """
    codes = [m.group(0) for m in _PLUS_CODE_RE.finditer(text) if "+" in m.group(0)]
    return [c for c in codes if re.search(r"[A-Z]", c.upper().split("+")[0])]


def strip_plus_codes(text: str) -> str:
    """``text`` with everything shaped like a plus code replaced by a space.

    >>> strip_plus_codes("M39X+XG, Mt Pleasant")
    ' , Mt Pleasant'
    """
    return _PLUS_CODE_RE.sub(" ", text)
