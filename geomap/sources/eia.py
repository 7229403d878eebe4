"""U.S. EIA: average electricity price by state and sector (EIA-861 workbook, SEDS price file)."""

from __future__ import annotations

import pandas as pd

from geomap.data.catalog import Source
from geomap.errors import DataFormatError
from geomap.places.subdivisions import is_current_code
from geomap.schema import MAX_US_CENTS_PER_KWH
from geomap.sources.base import LoadContext, check_columns
from geomap.tables import number


def load_eia_state_prices(source: Source, ctx: LoadContext) -> pd.DataFrame:
    """EIA average retail price by state and sector (US cents/kWh) -> one row per state-year-sector."""
    path = ctx.file(0)
    opts = source.options
    try:
        frame = pd.read_excel(path, sheet_name=opts.get("sheet", 0), header=int(opts.get("header_row", 1)))
    except Exception as exc:  # openpyxl raises many kinds
        raise DataFormatError(f"{path}: cannot read workbook: {exc}") from exc
    check_columns(frame, ["Year", "State", "Industry Sector Category", *opts["sectors"]], str(path))
    frame = frame[frame["Industry Sector Category"] == opts.get("category", "Total Electric Industry")]
    rows = []
    for idx, rec in frame.iterrows():
        state = str(rec["State"]).strip().upper()
        label = f"{int(idx) + int(opts.get('header_row', 1)) + 2} ({state} {rec['Year']})"
        region = "US" if state == "US" else f"US-{state}"
        if region != "US" and not is_current_code(region):
            ctx.log.add(path.name, label, "State", f"not a US state code: {state!r}")
            continue
        for sector, basis in opts["sectors"].items():
            cents = number(rec[sector]) if str(rec[sector]).strip().upper() != "NA" else None
            if cents is None or not 0 < cents <= MAX_US_CENTS_PER_KWH:
                ctx.log.add(path.name, label, sector, f"no usable price ({rec[sector]!r})")
                continue
            rows.append(
                {
                    "region_id": region,
                    "usd_per_kwh": cents / 100,
                    "year": int(rec["Year"]),
                    "basis": basis,
                    "price_local": cents,
                    "currency": "USc",
                }
            )
    out = pd.DataFrame(rows)
    out["source"] = source.citation
    return out


#: Btu in one kWh: SEDS prices in $/MMBtu times BTU_PER_KWH / 1e6 are $/kWh (EIA's own factor,
#: 1 ¢/kWh = 2.93071 $/MMBtu).
BTU_PER_KWH = 3412.14


def load_eia_seds_prices(source: Source, ctx: LoadContext) -> pd.DataFrame:
    """EIA State Energy Data System prices ($/MMBtu) -> one row per state, year and sector.

    ``options.series`` maps each SEDS series (MSN, e.g. ``ESICD`` industrial) to its price basis;
    years before ``options.first_year`` are not kept. The figure as published stays in
    ``price_local`` (``currency`` ``USD/MMBtu``).
    """
    path = ctx.file(0)
    frame = pd.read_csv(path, dtype=str, keep_default_na=False)
    check_columns(frame, ["State", "MSN"], str(path))
    series = dict(source.options["series"])
    first = int(source.options.get("first_year", 0))
    years = [c for c in frame.columns if c.strip().isdigit() and int(c) >= first]
    if not years:
        raise DataFormatError(f"{path}: no year columns")
    rows = []
    wanted = frame[frame["MSN"].isin(series)]
    for idx, rec in wanted.iterrows():
        state = rec["State"].strip().upper()
        label = f"{int(idx) + 2} ({state} {rec['MSN']})"
        region = "US" if state == "US" else f"US-{state}"
        if region != "US" and not is_current_code(region):
            ctx.log.add(path.name, label, "State", f"not a US state code: {state!r}")
            continue
        for year in years:
            usd_per_mmbtu = number(rec[year], strict=True)
            usd_per_kwh = usd_per_mmbtu * BTU_PER_KWH / 1e6 if usd_per_mmbtu else None
            if usd_per_kwh is None or not 0 < usd_per_kwh * 100 <= MAX_US_CENTS_PER_KWH:
                ctx.log.add(path.name, label, year, f"no usable price ({rec[year]!r} $/MMBtu)")
                continue
            rows.append(
                {
                    "region_id": region,
                    "usd_per_kwh": usd_per_kwh,
                    "year": int(year),
                    "basis": series[rec["MSN"]],
                    "basis_detail": f"SEDS {rec['MSN']}: average price to the sector",
                    "price_local": usd_per_mmbtu,
                    "currency": "USD/MMBtu",
                    "fx_year": int(year),
                }
            )
    out = pd.DataFrame(rows)
    out["source"] = source.citation
    return out
