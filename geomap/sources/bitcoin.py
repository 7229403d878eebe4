"""Sun et al. (2022): monthly Bitcoin hashrate by sub-national area, 2018-06 .. 2019-05."""

from __future__ import annotations

import pandas as pd
from shapely.geometry import Point

from geomap.data.catalog import Source
from geomap.places.countries import country_iso2
from geomap.sources.base import LoadContext, check_columns, valid_lat_lon
from geomap.tables import number


def load_sun_bitcoin(source: Source, ctx: LoadContext) -> pd.DataFrame:
    """Monthly hashrate by sub-national area (2018-06..2019-05) -> one point per area.

    ``hashrate_avg`` is the mean over the sample's months of the monthly ``Avg Hashrate``;
    ``share_pct`` the area's share of the sum over all areas.
    """
    path = ctx.file(0)
    frame = pd.read_csv(path)
    cols = ["Month", "CRCode", "SDName", "latitude", "longitude", "Avg Hashrate"]
    check_columns(frame, cols, str(path))
    good = []
    for i, rec in enumerate(frame[cols].itertuples(index=False), start=2):
        label = f"{i} ({rec.CRCode} {rec.SDName} {rec.Month})"
        if not valid_lat_lon(rec.latitude, rec.longitude):
            ctx.log.add(path.name, label, "latitude/longitude",
                        f"impossible ({rec.latitude}, {rec.longitude})")
            continue
        rate = number(rec._5)
        if rate is None or rate < 0:
            ctx.log.add(path.name, label, "Avg Hashrate", f"not a hashrate: {rec._5!r}")
            continue
        good.append((rec.CRCode, rec.SDName, float(rec.latitude), float(rec.longitude), rate, rec.Month))
    df = pd.DataFrame(good, columns=["iso3", "name", "lat", "lon", "rate", "month"])
    unknown = sorted({c for c in df["iso3"].unique() if country_iso2(c) is None})
    for code in unknown:
        n = int((df["iso3"] == code).sum())
        ctx.log.add(path.name, f"{n} rows", "CRCode", f"unknown country code {code!r}")
    df = df[~df["iso3"].isin(unknown)]
    months = df["month"].nunique()
    areas = (
        df.groupby(["iso3", "name"], as_index=False)
        .agg(lat=("lat", "first"), lon=("lon", "first"), total=("rate", "sum"))
    )
    areas["hashrate_avg"] = areas["total"] / months
    areas["share_pct"] = 100 * areas["hashrate_avg"] / areas["hashrate_avg"].sum()
    areas["area_id"] = areas["iso3"] + ":" + areas["name"]
    areas["country_id"] = areas["iso3"].map(country_iso2)
    first, last = str(df["month"].min()), str(df["month"].max())
    areas["date"] = f"{first[:4]}-{first[4:]}..{last[:4]}-{last[4:]}"
    areas["share_of"] = "sample"
    areas["source"] = source.name
    areas["geometry"] = [Point(x, y) for x, y in zip(areas["lon"], areas["lat"], strict=True)]
    return areas
