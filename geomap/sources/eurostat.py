"""Eurostat: electricity prices for non-household consumers by consumption band (nrg_pc_205).

The file is Eurostat's TSV layout: a first column of comma-joined dimensions
(``freq,siec,nrg_cons,unit,tax,currency,geo``) and one column per semester (``2024-S1``); a
cell is a number with optional flag letters (``0.1248 e``) or ``:`` for missing.
"""

from __future__ import annotations

import re

import pandas as pd

from geomap.data.catalog import Source
from geomap.errors import DataFormatError
from geomap.places.countries import country_iso2
from geomap.sources.base import LoadContext
from geomap.tables import fx_rate, fx_rates, number

#: Eurostat's own geo codes that differ from ISO 3166-1 alpha-2.
EUROSTAT_GEO = {"EL": "GR", "UK": "GB"}
_SEMESTER_RE = re.compile(r"^(\d{4})-S([12])$")
_CELL_RE = re.compile(r"^\s*([0-9.]+)\s*([a-z]*)\s*$")


def load_eurostat_band_prices(source: Source, ctx: LoadContext) -> pd.DataFrame:
    """One row per country, consumption band and year: the mean of the year's semesters.

    ``options``: ``bands`` (nrg_cons codes to keep, e.g. ``MWH20000-69999``), ``tax``
    (``X_VAT``: excluding VAT and other recoverable taxes; ``X_TAX``: excluding all taxes;
    ``I_TAX``: all taxes), ``currency`` (``EUR``, converted to US$ at the year's rate).
    """
    path = ctx.file(0)
    opts = source.options
    frame = pd.read_csv(path, sep="\t", dtype=str, keep_default_na=False)
    key_col = frame.columns[0]
    dims = key_col.split("\\")[0].split(",")
    if dims != ["freq", "siec", "nrg_cons", "unit", "tax", "currency", "geo"]:
        raise DataFormatError(f"{path}: unexpected dimensions {key_col!r}")
    semesters = {c: _SEMESTER_RE.match(c.strip()) for c in frame.columns[1:]}
    if not any(semesters.values()):
        raise DataFormatError(f"{path}: no semester columns")
    bands, tax, currency = set(opts["bands"]), str(opts["tax"]), str(opts["currency"])
    fx = fx_rates()
    taxes_included = {"I_TAX": True, "X_TAX": False, "X_VAT": True}[tax]
    rows = []
    for line, (key, rec) in enumerate(zip(frame[key_col], frame.to_dict("records"), strict=True), start=2):
        d = dict(zip(dims, key.split(","), strict=False))
        if d.get("nrg_cons") not in bands or d.get("tax") != tax or d.get("currency") != currency:
            continue  # another band, tax treatment or currency of the same table
        label = f"{line} ({d['geo']} {d['nrg_cons']})"
        geo = EUROSTAT_GEO.get(d["geo"], d["geo"])
        if not re.fullmatch(r"[A-Z]{2}", geo) or country_iso2(geo) != geo:
            ctx.log.add(path.name, label, "geo", f"{d['geo']!r} is an aggregate, not a country")
            continue
        by_year: dict[int, list[tuple[str, float]]] = {}
        for col, match in semesters.items():
            if match is None:
                continue
            cell = _CELL_RE.match(rec[col])
            value = number(cell.group(1), strict=True) if cell else None
            if value is None or value <= 0:
                continue  # ':' is Eurostat's "not available"
            by_year.setdefault(int(match.group(1)), []).append((col.strip(), value))
        for year, values in sorted(by_year.items()):
            rate, fx_year = fx_rate(fx, currency, year)
            if not rate:
                ctx.log.add(path.name, label, str(year),
                            f"no {currency} rate for {year} (nor the years just before)")
                continue
            mean = sum(v for _, v in values) / len(values)
            which = " and ".join(s for s, _ in values)
            rows.append(
                {
                    "region_id": geo,
                    "usd_per_kwh": mean / rate,
                    "year": year,
                    "basis": opts.get("basis", "non_household_band"),
                    "basis_detail": f"Eurostat band {d['nrg_cons']} MWh a year, {tax}, mean of {which}",
                    "taxes_included": taxes_included,
                    "price_local": mean,
                    "currency": currency,
                    "fx_year": fx_year,
                }
            )
    out = pd.DataFrame(rows)
    out["source"] = source.citation
    return out
