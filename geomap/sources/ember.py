"""Ember: European day-ahead wholesale electricity prices, monthly, by country (wholesale, not a tariff)."""

from __future__ import annotations

import pandas as pd

from geomap.data.catalog import Source
from geomap.places.countries import country_iso2
from geomap.sources.base import LoadContext, check_columns
from geomap.tables import fx_rate, fx_rates, number


def load_ember_wholesale(source: Source, ctx: LoadContext) -> pd.DataFrame:
    """One row per country and year: the mean of the year's monthly day-ahead prices (EUR/MWh).

    The basis is always ``wholesale``: network charges, levies and taxes come on top, so these
    prices never stand in for a tariff. A year with fewer than 12 months says so in
    ``basis_detail``.
    """
    path = ctx.file(0)
    frame = pd.read_csv(path, dtype=str, keep_default_na=False)
    price_col = "Price (EUR/MWhe)"
    check_columns(frame, ["Country", "ISO3 Code", "Date", price_col], str(path))
    fx = fx_rates()
    good = []
    for line, rec in enumerate(frame.to_dict("records"), start=2):
        label = f"{line} ({rec['Country']} {rec['Date']})"
        country = country_iso2(rec["ISO3 Code"]) or country_iso2(rec["Country"])
        if country is None:
            ctx.log.add(path.name, label, "ISO3 Code", f"unknown country {rec['ISO3 Code']!r}")
            continue
        price = number(rec[price_col], strict=True)
        if price is None:
            ctx.log.add(path.name, label, price_col, f"not a price: {rec[price_col]!r}")
            continue
        good.append((country, rec["Date"][:4], rec["Date"][:7], price))
    months = pd.DataFrame(good, columns=["region_id", "year", "month", "eur_per_mwh"])
    rows = []
    for (region, year), g in months.groupby(["region_id", "year"]):
        year_i = int(year)
        rate, fx_year = fx_rate(fx, "EUR", year_i)
        if not rate:
            ctx.log.add(path.name, f"{len(g)} rows ({region} {year})", "Date",
                        f"no EUR rate for {year} (nor the years just before)")
            continue
        mean = float(g["eur_per_mwh"].mean())
        n = g["month"].nunique()
        span = "12 months" if n == 12 else f"{n} months ({g['month'].min()}..{g['month'].max()})"
        rows.append(
            {
                "region_id": region,
                "usd_per_kwh": mean / 1000 / rate,
                "year": year_i,
                "basis": "wholesale",
                "basis_detail": f"day-ahead market average of {span}",
                "taxes_included": False,
                "price_local": mean,
                "currency": "EUR/MWh",
                "fx_year": fx_year,
            }
        )
    out = pd.DataFrame(rows)
    out["source"] = source.citation
    return out
