"""Constant dollars: US CPI-U deflators, so that a 2015 price and a 2025 price compare.

Every price in geomap is in the US dollars of its own year (converted at that year's
annual-average exchange rate). In constant dollars of a base year ``B`` a value of year ``Y``
is multiplied by ``CPI-U(B) / CPI-U(Y)`` (BLS, U.S. city average, all items; the table is
``layers/tables/us_cpi.csv``, every row sourced). A year after the table's last one uses the
last year's index, and says so (``cpi_year``).
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np
import pandas as pd

from geomap.errors import GeomapError
from geomap.tables import number, read_rows

CPI_TABLE = "us_cpi.csv"
#: Columns of a price table that are US$ amounts of the row's ``price_year``.
PRICE_AMOUNTS = ("price_usd_per_kwh", "price_min_usd_per_kwh", "price_max_usd_per_kwh")


@lru_cache(maxsize=1)
def cpi_u() -> dict[int, float]:
    """CPI-U annual averages by year."""
    out = {}
    for row in read_rows(CPI_TABLE):
        value = number(row["cpi_u"])
        if value:
            out[int(row["year"])] = value
    return out


def cpi_year(year: int) -> int:
    """The year whose index stands for ``year``: itself, or the table's last year after it."""
    table = cpi_u()
    if year in table:
        return year
    if year > max(table):
        return max(table)
    raise GeomapError(f"{CPI_TABLE}: no CPI-U for {year} (the table covers "
                      f"{min(table)}-{max(table)})")


def check_base_year(base: int) -> int:
    """``base`` if the CPI table has it, else a clear error (a base year must be measured)."""
    table = cpi_u()
    if base not in table:
        raise GeomapError(f"constant dollars of {base}: {CPI_TABLE} covers {min(table)}-{max(table)}")
    return base


def factor(year: int, base: int) -> float:
    """What one US$ of ``year`` is worth in US$ of ``base``.

    >>> round(factor(2015, 2024), 4)
    1.3235
    """
    table = cpi_u()
    return table[check_base_year(base)] / table[cpi_year(year)]


def label(base: int | None) -> str:
    """How amounts are expressed: ``nominal US$`` or ``US$ of 2024 (CPI-U)``."""
    return "nominal US$" if base is None else f"US$ of {base} (CPI-U)"


def factors(years: pd.Series, base: int) -> np.ndarray:
    """:func:`factor` for each year (NaN where the year is missing)."""
    return np.array([np.nan if pd.isna(y) else factor(int(y), base) for y in years], dtype=float)


def in_dollars(table: pd.DataFrame, base: int | None, *, amounts: tuple[str, ...] = PRICE_AMOUNTS,
               year: str = "price_year") -> pd.DataFrame:
    """``table`` with its US$ ``amounts`` (of each row's ``year``) in dollars of ``base``.

    ``None`` leaves them nominal. Either way the copy says which in a ``dollars`` column.
    """
    out = table.copy()
    out["dollars"] = label(base)
    if base is not None:
        f = factors(out[year], base)
        for col in amounts:
            if col in out.columns:
                out[col] = out[col].astype(float) * f
    return out
