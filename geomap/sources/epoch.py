"""Epoch AI: frontier data centers (exact sites) and GPU clusters (geocoded offline, never invented)."""

from __future__ import annotations

import re
import zipfile

import pandas as pd
from shapely.geometry import Point

from geomap.data.catalog import Source
from geomap.errors import DataFormatError
from geomap.places.coordinates import parse_dms
from geomap.places.countries import country_iso2
from geomap.places.geocode import geocode
from geomap.sources.base import LoadContext, check_columns, valid_lat_lon
from geomap.tables import number, text


def _clean_owner(value: object) -> str | None:
    """Epoch appends confidence tags ('Amazon #confident'); keep the names only."""
    owner = text(value)
    return re.sub(r"\s*#\w+", "", owner).strip(" ,") if owner else None


def load_epoch_frontier(source: Source, ctx: LoadContext) -> pd.DataFrame:
    """Epoch AI frontier data centers: exact sites (DMS), current power, first operational year."""

    path = ctx.file(0)
    opts = source.options
    try:
        with zipfile.ZipFile(path) as zf:
            sites = pd.read_csv(zf.open(opts["sites_member"]))
            timelines = pd.read_csv(zf.open(opts["timelines_member"]))
    except (KeyError, zipfile.BadZipFile, pd.errors.ParserError) as exc:
        raise DataFormatError(f"{path}: cannot read members: {exc}") from exc
    what = f"{path.name}:{opts['sites_member']}"
    check_columns(sites, ["Title", "Latitude", "Longitude", "Current power (MW)"], what)
    check_columns(timelines, ["Date", "Data center", "Power (MW)"], f"{path.name}:timelines")
    operational = timelines[pd.to_numeric(timelines["Power (MW)"], errors="coerce") > 0]
    first_year = operational.groupby("Data center")["Date"].min().str[:4].astype(int)
    rows = []
    for i, rec in enumerate(sites.itertuples(index=False), start=2):
        lat, lon = parse_dms(str(rec.Latitude)), parse_dms(str(rec.Longitude))
        if lat is None or lon is None or not valid_lat_lon(lat, lon):
            ctx.log.add(what, f"{i} ({rec.Title})", "Latitude/Longitude", "not a valid DMS pair")
            continue
        row = sites.iloc[i - 2]
        power = number(row["Current power (MW)"])
        year = first_year.get(rec.Handle)
        rows.append(
            {
                "dc_id": f"epoch:{rec.Handle}",
                "name": rec.Title,
                "operator": _clean_owner(row.get("Owner")),
                "status": "existing" if (power or 0) > 0 else "planned",
                "year_in_service": int(year) if year is not None else None,
                "power_mw": power,
                "h100_equivalents": number(row.get("Current H100 equivalents")),
                "location_precision": "site",
                "location_text": text(rec.Address),
                "geometry": Point(lon, lat),
            }
        )
    out = pd.DataFrame(rows)
    out["source"] = source.name
    return out


_STATUS = {"existing": "existing", "planned": "planned", "decommissioned": "decommissioned"}


def load_epoch_gpu_clusters(source: Source, ctx: LoadContext) -> pd.DataFrame:
    """Epoch AI GPU clusters, geocoded offline from free-text ``Location`` (never invented).

    Records known only by country or state keep no point; they join by ``country_id`` /
    ``region_id``.
    """

    path = ctx.file(0)
    frame = pd.read_csv(path, low_memory=False)
    check_columns(
        frame,
        ["Name", "Status", "Country", "Location", "Owner", "First Operational Date",
         "Power Capacity (MW)", "H100 equivalents"],
        str(path),
    )
    rows = []
    for i, rec in enumerate(frame.to_dict("records"), start=2):
        label = f"{i} ({rec['Name']})"
        status = _STATUS.get(str(rec["Status"]).strip().lower())
        if status is None:
            ctx.log.add(path.name, label, "Status", f"unknown status {rec['Status']!r}")
            continue
        country_text = text(rec["Country"])
        country = country_iso2(country_text) if country_text else None
        found = geocode(text(rec["Location"]), country_text)
        if found.lat is not None and country and found.country_iso2 not in (None, country):
            ctx.log.add(
                path.name, label, "Location",
                f"geocoded to {found.country_iso2}, but Country says {country}",
            )
            continue
        first = pd.to_datetime(rec["First Operational Date"], errors="coerce")
        rows.append(
            {
                "dc_id": f"epoch-cluster:{i - 1}",
                "name": text(rec["Name"]),
                "operator": _clean_owner(rec["Owner"]),
                "status": status,
                "year_in_service": None if pd.isna(first) else int(first.year),
                "power_mw": number(rec["Power Capacity (MW)"]),
                "h100_equivalents": number(rec["H100 equivalents"]),
                "location_precision": found.precision,
                "location_text": text(rec["Location"]),
                "country_id": country or found.country_iso2,
                "region_id": found.region_id,
                "geometry": Point(found.lon, found.lat) if found.lat is not None else None,
            }
        )
    out = pd.DataFrame(rows)
    out["source"] = source.name
    return out
