"""The one reader of geomap's curated tables (``layers/tables/*.csv``) and of the cells in them.

A curated table is UTF-8 CSV with a header row; every cell is read as text and parsed here:
numbers (:func:`number`), yes/no flags (:func:`flag`), the default row of each name
(:func:`default_rows`), and annual exchange rates (:func:`fx_rates`, :func:`fx_rate`).
"""

from __future__ import annotations

import csv
import math
import re
from pathlib import Path

import numpy as np
import pandas as pd

from geomap import settings
from geomap.errors import CatalogError, DataFormatError
from geomap.names import lookup_key

#: A curated price whose year has no annual-average exchange rate yet uses the latest earlier
#: year's rate, at most this many years back; the year used is kept in ``fx_year``.
FX_FALLBACK_YEARS = 3

_STRICT_NUMBER_RE = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?")
_THOUSANDS_RE = re.compile(r"[+-]?\d{1,3}(?:,\d{3})+(?:\.\d+)?")
_FIRST_NUMBER_RE = re.compile(r"-?\d[\d,]*\.?\d*")


def table_file(name: str) -> Path:
    """A curated table: the one under ``GEOMAP_LAYERS_DIR`` when it has it, else the shipped one."""
    candidate = settings.layers_dir() / "tables" / name
    if candidate.is_file():
        return candidate
    return settings.SHIPPED_LAYERS_DIR / "tables" / name


def read_rows(name_or_path: str | Path, *, required: bool = True) -> list[dict[str, str]]:
    """Rows of a curated table as dicts of text (``[]`` for a missing optional table).

    ``name_or_path`` is a table name in ``layers/tables/`` or a path.

    >>> read_rows("fx_rates.csv")[0]["currency"]
    'USD'
    """
    path = Path(name_or_path) if isinstance(name_or_path, Path) else table_file(name_or_path)
    if not path.is_file():
        if required:
            raise CatalogError(f"{path}: curated table missing")
        return []
    try:
        with open(path, encoding="utf-8", newline="") as fh:
            return list(csv.DictReader(fh))
    except (OSError, UnicodeDecodeError, csv.Error) as exc:
        raise DataFormatError(f"{path}: cannot read curated table: {exc}") from exc


def read_frame(path: Path) -> pd.DataFrame:
    """A curated table as a DataFrame of text (empty cells as ``""``), for loaders."""
    try:
        return pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8")
    except (OSError, UnicodeDecodeError, pd.errors.ParserError) as exc:
        raise DataFormatError(f"{path}: cannot read curated table: {exc}") from exc


def number(value: object, *, strict: bool = False) -> float | None:
    """A finite float from a cell, else None.

    Lenient (the default): the first number in the text, so ``'1,234'``, ``'45 km'`` and
    ``'~2019'`` read as numbers. ``strict``: the whole cell must be one number (``1234.5``,
    ``1,234.5``, ``1e3``).

    >>> number("45 km"), number("1,234.5"), number("NA"), number(None)
    (45.0, 1234.5, None, None)
    >>> number("45 km", strict=True), number("1e3", strict=True)
    (None, 1000.0)
    """
    if value is None or value is pd.NA:
        return None
    if isinstance(value, int | float | np.number):  # NaN and inf are not numbers here
        out = float(value)
        return out if math.isfinite(out) else None
    text = str(value).strip()
    if strict:
        if _STRICT_NUMBER_RE.fullmatch(text):
            out = float(text)
        elif _THOUSANDS_RE.fullmatch(text):
            out = float(text.replace(",", ""))
        else:
            return None
    else:
        match = _FIRST_NUMBER_RE.search(text)
        if not match:
            return None
        out = float(match.group(0).replace(",", ""))
    return out if math.isfinite(out) else None


def required_number(row: dict[str, str], key: str, where: str, *, required: bool = True) -> float | None:
    """The number in ``row[key]``; an empty cell is None, or an error naming ``where`` and the
    field when ``required``; a cell that is not a number is always an error."""
    text = (row.get(key) or "").strip()
    if not text:
        if required:
            raise CatalogError(f"{where}: field {key!r} is empty")
        return None
    value = number(text, strict=True)
    if value is None:
        raise CatalogError(f"{where}: field {key!r} is not a number: {text!r}")
    return value


def text(value: object) -> str | None:
    """A cell's stripped text, or None when it is empty or missing."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    out = str(value).strip()
    return out or None


def flag(value: object) -> bool | None:
    """``true/yes/1`` -> True, ``false/no/0`` -> False, anything else (not stated) -> None.

    >>> flag("Yes"), flag("0"), flag("")
    (True, False, None)
    """
    v = str(value if value is not None else "").strip().lower()
    if v in ("true", "yes", "1"):
        return True
    if v in ("false", "no", "0"):
        return False
    return None


def default_rows(rows: list[dict[str, str]], key: str) -> list[dict[str, str]]:
    """The default row of each name in column ``key`` (names compared forgivingly).

    The row whose ``is_default`` says true; where no row of a name does, its first row not
    marked false (a table without the column: each name's first row).

    >>> rows = [{"gpu": "h100", "is_default": "false"}, {"gpu": "H100", "is_default": "true"}]
    >>> default_rows(rows, "gpu")[0]["gpu"]
    'H100'
    """
    chosen: dict[str, dict[str, str]] = {}
    explicit: set[str] = set()
    for row in rows:
        k = lookup_key(row[key])
        marked = flag(row.get("is_default"))
        if marked is True and k not in explicit:
            chosen[k] = row
            explicit.add(k)
        elif k not in chosen and marked is not False:
            chosen[k] = row
    for row in rows:  # a name whose every row is marked false still has its first
        chosen.setdefault(lookup_key(row[key]), row)
    return list(chosen.values())


def fx_rates(name_or_path: str | Path = "fx_rates.csv") -> dict[tuple[str, int], float]:
    """Annual-average units per US$ by (currency, year) from an ``fx_rates.csv``-shaped table."""
    return {
        (r["currency"].strip().upper(), int(r["year"])): float(r["units_per_usd"])
        for r in read_rows(name_or_path, required=False)
    }


def fx_rate(fx: dict[tuple[str, int], float], currency: str, year: int) -> tuple[float | None, int | None]:
    """Units per USD for ``year``, else the latest of the :data:`FX_FALLBACK_YEARS` years before.

    >>> fx_rate({("CNY", 2023): 7.08}, "CNY", 2025)
    (7.08, 2023)
    >>> fx_rate({("CNY", 2020): 6.9}, "CNY", 2025)
    (None, None)
    """
    for y in range(year, year - FX_FALLBACK_YEARS - 1, -1):
        if (currency, y) in fx:
            return fx[(currency, y)], y
    return None, None
