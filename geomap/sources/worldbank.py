"""World Bank API indicators: the Doing Business price of electricity, by country and year."""

from __future__ import annotations

import re

import pandas as pd

from geomap.data.catalog import Source
from geomap.errors import DataFormatError
from geomap.schema import MAX_US_CENTS_PER_KWH
from geomap.sources.base import LoadContext, read_json
from geomap.tables import number


def load_worldbank(source: Source, ctx: LoadContext) -> pd.DataFrame:
    """World Bank API indicator in US cents/kWh, one row per country and year with a value."""
    path = ctx.file(0)
    data = read_json(path, str(path))
    if not (isinstance(data, list) and len(data) == 2 and isinstance(data[1], list)):
        raise DataFormatError(f"{path}: expected the API envelope [header, records]")
    rows = []
    for i, rec in enumerate(data[1], start=1):
        country = (rec.get("country") or {}).get("id")
        label = f"record {i} ({(rec.get('country') or {}).get('value')}, {rec.get('date')})"
        if rec.get("value") is None:
            ctx.log.add(path.name, label, "value", "no value published")
            continue
        if not (isinstance(country, str) and re.fullmatch(r"[A-Z]{2}", country)):
            ctx.log.add(path.name, label, "country.id", f"not an ISO alpha-2 code: {country!r}")
            continue
        cents = number(rec["value"])
        if cents is None or not 0 < cents <= MAX_US_CENTS_PER_KWH:
            ctx.log.add(path.name, label, "value", f"implausible price {rec['value']!r} US cents/kWh")
            continue
        rows.append(
            {
                "region_id": country,
                "usd_per_kwh": cents / 100,
                "year": int(rec["date"]),
                "price_local": cents,
                "currency": "USc",
            }
        )
    out = pd.DataFrame(rows)
    out["basis"] = source.options.get("basis", "small_business_tariff")
    out["source"] = source.citation
    return out
