"""One loader per source format: raw files in, a frame in the kind's normalized schema out.

Every loader has the same signature, ``loader(source, ctx) -> DataFrame``: ``source`` is the
catalog record and ``ctx`` (:class:`LoadContext`) hands out the cached files and the
rejection log, so loaders never download or write anything themselves.
"""

from __future__ import annotations

import json
import math
import re
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from pyproj import Geod
from shapely.geometry import LineString, MultiLineString, Point

from geomap.data.catalog import Source
from geomap.errors import DataFormatError
from geomap.places.countries import country_iso2
from geomap.places.subdivisions import is_current_code, region_id_for
from geomap.quality import RejectLog
from geomap.schema import CRS

#: Prices above this (US cents/kWh) are rejected as artefacts (e.g. Venezuela's 2014-2019
#: Doing Business values of 124-1,038 cents, converted at an official exchange rate).
MAX_US_CENTS_PER_KWH = 100.0
#: A curated price whose year has no annual-average exchange rate yet uses the latest earlier
#: year's rate, at most this many years back; the year used is kept in ``fx_year``.
FX_FALLBACK_YEARS = 3

#: The price bases geomap compares; a table's own wording goes to ``basis_detail``.
#: ``contract`` is a negotiated price (a bilateral or direct-purchase deal), not a published tariff.
PRICE_BASES = ("industrial", "commercial", "business tariff", "data center", "contract", "wholesale")

LoaderFn = Callable[[Source, "LoadContext"], pd.DataFrame]
LOADERS: dict[str, LoaderFn] = {}


def loader(name: str) -> Callable[[LoaderFn], LoaderFn]:
    """Register a loader under the name a record's ``loader`` key uses."""

    def register(fn: LoaderFn) -> LoaderFn:
        LOADERS[name] = fn
        return fn

    return register


@dataclass
class LoadContext:
    """What a loader gets besides its record: file access and the rejection log."""

    files: Callable[[], list[Path]]
    items: Callable[[list[str]], list[Path]]
    log: RejectLog

    def file(self, i: int = 0) -> Path:
        return self.files()[i]


# ---------------------------------------------------------------- helpers


def _valid_lat_lon(lat: object, lon: object) -> bool:
    try:
        lat_f, lon_f = float(lat), float(lon)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return False
    return math.isfinite(lat_f) and math.isfinite(lon_f) and -90 <= lat_f <= 90 and -180 <= lon_f <= 180


def _num(value: object) -> float | None:
    """A float from a cell that may hold '1,234', '45 km', 'NA' or nothing."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    if isinstance(value, int | float | np.number):
        return float(value)
    match = re.search(r"-?\d[\d,]*\.?\d*", str(value))
    return float(match.group(0).replace(",", "")) if match else None


def _text(value: object) -> str | None:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    text = str(value).strip()
    return text or None


def _read_json(path: Path, what: str) -> object:
    try:
        with open(path, "rb") as fh:
            return json.load(fh)
    except (ValueError, OSError) as exc:
        raise DataFormatError(f"{what}: not valid JSON: {exc}") from exc


def _check_columns(frame: pd.DataFrame, columns: list[str], what: str) -> None:
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise DataFormatError(f"{what}: missing column(s) {', '.join(missing)}")


def _read_table(source: Source) -> pd.DataFrame:
    path = source.table_path()
    try:
        return pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8")
    except (OSError, UnicodeDecodeError, pd.errors.ParserError) as exc:
        raise DataFormatError(f"{path}: cannot read curated table: {exc}") from exc


# ---------------------------------------------------------------- regions


@loader("natural_earth_admin0")
def load_natural_earth_admin0(source: Source, ctx: LoadContext) -> pd.DataFrame:
    """Countries from Natural Earth admin-0; ``region_id`` from ISO_A2_EH (never the -99s).

    Units with no ISO code of their own (``options.merge_into``: ADM0_A3 -> alpha-2) are
    merged into the country ISO 3166 counts them under; every unit sharing a code is dissolved
    into one region, named after its largest part.
    """
    path = ctx.file(0)
    frame = gpd.read_file(path)
    _check_columns(frame, ["ISO_A2_EH", "ISO_A2", "ADM0_A3", "NAME", "ISO_A3_EH"], str(path))
    merge_into = dict(source.options.get("merge_into", {}))
    rows = []
    for i, feat in enumerate(frame.itertuples(index=False), start=1):
        code = None
        for cand in (feat.ISO_A2_EH, feat.ISO_A2):
            if isinstance(cand, str) and re.fullmatch(r"[A-Z]{2}", cand):
                code = cand
                break
        code = code or merge_into.get(feat.ADM0_A3)
        if code is None:
            ctx.log.add(path.name, f"{i} ({feat.NAME})", "ISO_A2_EH", "no ISO 3166-1 code")
            continue
        if feat.geometry is None or feat.geometry.is_empty:
            ctx.log.add(path.name, f"{i} ({feat.NAME})", "geometry", "empty geometry")
            continue
        iso3 = feat.ISO_A3_EH if re.fullmatch(r"[A-Z]{3}", str(feat.ISO_A3_EH)) else None
        rows.append(
            {
                "region_id": code,
                "name": feat.NAME,
                "iso_a3": iso3,
                "area": feat.geometry.area,
                "geometry": feat.geometry,
            }
        )
    out = gpd.GeoDataFrame(rows, geometry="geometry", crs=CRS)
    out = _dissolve_keep_largest(out)
    out["level"] = "country"
    out["parent_id"] = pd.NA
    out["source"] = source.name
    return out


def _dissolve_keep_largest(frame: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """One row per region_id: the union of its parts, attributes of its largest part."""
    frame = frame.sort_values("area", ascending=False)
    geoms = frame.groupby("region_id", sort=False)["geometry"].agg(
        lambda s: shapely.union_all(list(s)) if len(s) > 1 else s.iloc[0]
    )
    first = frame.drop_duplicates("region_id").set_index("region_id").drop(columns="geometry")
    first["geometry"] = geoms
    return gpd.GeoDataFrame(first.reset_index(), geometry="geometry", crs=CRS)


@loader("natural_earth_admin1")
def load_natural_earth_admin1(source: Source, ctx: LoadContext) -> pd.DataFrame:
    """States and provinces from Natural Earth admin-1, coded with current ISO 3166-2."""
    path = ctx.file(0)
    frame = gpd.read_file(path)
    _check_columns(frame, ["iso_a2", "name", "iso_3166_2", "code_hasc"], str(path))
    rows = []
    for i, feat in enumerate(frame.itertuples(index=False), start=1):
        label = f"{i} ({feat.name if isinstance(feat.name, str) else feat.adm1_code})"
        country = feat.iso_a2 if re.fullmatch(r"[A-Z]{2}", str(feat.iso_a2)) else None
        if country is None:
            ctx.log.add(path.name, label, "iso_a2", f"no country code ({feat.iso_a2!r})")
            continue
        code = region_id_for(country, feat.name, feat.iso_3166_2, feat.code_hasc)
        if code is None:
            ctx.log.add(
                path.name,
                label,
                "iso_3166_2",
                f"no current ISO 3166-2 code for {_text(feat.name) or 'an unnamed unit'!r} "
                f"(given {feat.iso_3166_2!r})",
            )
            continue
        if not is_current_code(code):
            ctx.log.add(path.name, label, "iso_3166_2", f"{code} is not a current code")
            continue
        rows.append(
            {
                "region_id": code,
                "name": feat.name,
                "parent_id": country,
                "area": feat.geometry.area,
                "geometry": feat.geometry,
            }
        )
    out = _dissolve_keep_largest(gpd.GeoDataFrame(rows, geometry="geometry", crs=CRS))
    from geomap.places.subdivisions import subdivision_name

    # A dissolved unit (e.g. three old Norwegian counties) takes the ISO name of its code.
    counts = pd.Series([r["region_id"] for r in rows]).value_counts()
    merged = out["region_id"].map(counts) > 1
    out.loc[merged, "name"] = out.loc[merged, "region_id"].map(subdivision_name)
    out["level"] = "subnational"
    out["source"] = source.name
    return out


# ---------------------------------------------------------------- data centers


@loader("telegeography_cloud_regions")
def load_cloud_regions(source: Source, ctx: LoadContext) -> pd.DataFrame:
    """One row per provider cloud region, placed at its metro area (city precision)."""
    path = ctx.file(0)
    data = _read_json(path, str(path))
    if not isinstance(data, dict) or not isinstance(data.get("cloud_regions"), list):
        raise DataFormatError(f"{path}: expected an object with a 'cloud_regions' list")
    rows = []
    for i, metro in enumerate(data["cloud_regions"], start=1):
        label = f"metro {i} ({metro.get('metro_area')})"
        lat, lon = _num(metro.get("latitude")), _num(metro.get("longitude"))
        if not _valid_lat_lon(lat, lon):
            ctx.log.add(path.name, label, "latitude/longitude", f"impossible ({lat}, {lon})")
            continue
        country = country_iso2(metro.get("country"))
        if country is None:
            ctx.log.add(path.name, label, "country", f"unknown country {metro.get('country')!r}")
            continue
        for provider in metro.get("cloud_service_providers") or []:
            region_name = _text(provider.get("cloud_region_name"))
            code = _text(provider.get("cloud_region"))  # planned regions often have none yet
            if not provider.get("name") or not (region_name or code):
                ctx.log.add(path.name, label, "cloud_service_providers", "provider or region unnamed")
                continue
            label_code = f" ({code})" if code else ""
            rows.append(
                {
                    "dc_id": f"{provider['name']}:{code or region_name}:{metro.get('metro_area')}",
                    "name": f"{provider['name']} {region_name or ''}{label_code}".strip(),
                    "operator": provider["name"],
                    "status": "existing" if provider.get("in_service") else "planned",
                    "location_precision": "city",
                    "location_text": f"{metro.get('metro_area')}, {metro.get('country')}",
                    "country_id": country,
                    "geometry": Point(lon, lat),
                }
            )
    out = pd.DataFrame(rows)
    out["source"] = source.name
    return out


def _clean_owner(text: object) -> str | None:
    """Epoch appends confidence tags ('Amazon #confident'); keep the names only."""
    owner = _text(text)
    return re.sub(r"\s*#\w+", "", owner).strip(" ,") if owner else None


@loader("epoch_frontier_data_centers")
def load_epoch_frontier(source: Source, ctx: LoadContext) -> pd.DataFrame:
    """Epoch AI frontier data centers: exact sites (DMS), current power, first operational year."""
    from geomap.places.coordinates import parse_dms

    path = ctx.file(0)
    opts = source.options
    try:
        with zipfile.ZipFile(path) as zf:
            sites = pd.read_csv(zf.open(opts["sites_member"]))
            timelines = pd.read_csv(zf.open(opts["timelines_member"]))
    except (KeyError, zipfile.BadZipFile, pd.errors.ParserError) as exc:
        raise DataFormatError(f"{path}: cannot read members: {exc}") from exc
    what = f"{path.name}:{opts['sites_member']}"
    _check_columns(sites, ["Title", "Latitude", "Longitude", "Current power (MW)"], what)
    _check_columns(timelines, ["Date", "Data center", "Power (MW)"], f"{path.name}:timelines")
    operational = timelines[pd.to_numeric(timelines["Power (MW)"], errors="coerce") > 0]
    first_year = operational.groupby("Data center")["Date"].min().str[:4].astype(int)
    rows = []
    for i, rec in enumerate(sites.itertuples(index=False), start=2):
        lat, lon = parse_dms(str(rec.Latitude)), parse_dms(str(rec.Longitude))
        if lat is None or lon is None or not _valid_lat_lon(lat, lon):
            ctx.log.add(what, f"{i} ({rec.Title})", "Latitude/Longitude", "not a valid DMS pair")
            continue
        row = sites.iloc[i - 2]
        power = _num(row["Current power (MW)"])
        year = first_year.get(rec.Handle)
        rows.append(
            {
                "dc_id": f"epoch:{rec.Handle}",
                "name": rec.Title,
                "operator": _clean_owner(row.get("Owner")),
                "status": "existing" if (power or 0) > 0 else "planned",
                "year_in_service": int(year) if year is not None else None,
                "power_mw": power,
                "h100_equivalents": _num(row.get("Current H100 equivalents")),
                "location_precision": "site",
                "location_text": _text(rec.Address),
                "geometry": Point(lon, lat),
            }
        )
    out = pd.DataFrame(rows)
    out["source"] = source.name
    return out


_STATUS = {"existing": "existing", "planned": "planned", "decommissioned": "decommissioned"}


@loader("epoch_gpu_clusters")
def load_epoch_gpu_clusters(source: Source, ctx: LoadContext) -> pd.DataFrame:
    """Epoch AI GPU clusters, geocoded offline from free-text ``Location`` (never invented).

    Records known only by country or state keep no point; they join by ``country_id`` /
    ``region_id``.
    """
    from geomap.places.geocode import geocode

    path = ctx.file(0)
    frame = pd.read_csv(path, low_memory=False)
    _check_columns(
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
        country_text = _text(rec["Country"])
        country = country_iso2(country_text) if country_text else None
        found = geocode(_text(rec["Location"]), country_text)
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
                "name": _text(rec["Name"]),
                "operator": _clean_owner(rec["Owner"]),
                "status": status,
                "year_in_service": None if pd.isna(first) else int(first.year),
                "power_mw": _num(rec["Power Capacity (MW)"]),
                "h100_equivalents": _num(rec["H100 equivalents"]),
                "location_precision": found.precision,
                "location_text": _text(rec["Location"]),
                "country_id": country or found.country_iso2,
                "region_id": found.region_id,
                "geometry": Point(found.lon, found.lat) if found.lat is not None else None,
            }
        )
    out = pd.DataFrame(rows)
    out["source"] = source.name
    return out


# ---------------------------------------------------------------- electricity prices


@loader("worldbank_indicator")
def load_worldbank(source: Source, ctx: LoadContext) -> pd.DataFrame:
    """World Bank API indicator in US cents/kWh, one row per country and year with a value."""
    path = ctx.file(0)
    data = _read_json(path, str(path))
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
        cents = _num(rec["value"])
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
    out["basis"] = source.options.get("basis", "business tariff")
    out["source"] = source.citation
    return out


@loader("eia_state_prices")
def load_eia_state_prices(source: Source, ctx: LoadContext) -> pd.DataFrame:
    """EIA average retail price by state and sector (US cents/kWh) -> one row per state-year-sector."""
    path = ctx.file(0)
    opts = source.options
    try:
        frame = pd.read_excel(path, sheet_name=opts.get("sheet", 0), header=int(opts.get("header_row", 1)))
    except Exception as exc:  # openpyxl raises many kinds
        raise DataFormatError(f"{path}: cannot read workbook: {exc}") from exc
    _check_columns(frame, ["Year", "State", "Industry Sector Category", *opts["sectors"]], str(path))
    frame = frame[frame["Industry Sector Category"] == opts.get("category", "Total Electric Industry")]
    rows = []
    for idx, rec in frame.iterrows():
        state = str(rec["State"]).strip().upper()
        label = f"{int(idx) + int(opts.get('header_row', 1)) + 2} ({state} {rec['Year']})"
        region = "US" if state == "US" else f"US-{state}"
        if region != "US" and not is_current_code(region):
            ctx.log.add(path.name, label, "State", f"not a US state code: {state!r}")
            continue
        for sector in opts["sectors"]:
            cents = _num(rec[sector]) if str(rec[sector]).strip().upper() != "NA" else None
            if cents is None or not 0 < cents <= MAX_US_CENTS_PER_KWH:
                ctx.log.add(path.name, label, sector, f"no usable price ({rec[sector]!r})")
                continue
            rows.append(
                {
                    "region_id": region,
                    "usd_per_kwh": cents / 100,
                    "year": int(rec["Year"]),
                    "basis": sector.lower(),
                    "price_local": cents,
                    "currency": "USc",
                }
            )
    out = pd.DataFrame(rows)
    out["source"] = source.citation
    return out


def _parse_bool(value: str) -> bool | None:
    v = value.strip().lower()
    if v in ("true", "yes", "1"):
        return True
    if v in ("false", "no", "0"):
        return False
    return None


def read_fx_table(path: Path) -> dict[tuple[str, int], float]:
    """Annual-average units per US$ by (currency, year) from an ``fx_rates.csv``-shaped table."""
    frame = pd.read_csv(path, dtype=str, keep_default_na=False)
    return {
        (r["currency"].strip().upper(), int(r["year"])): float(r["units_per_usd"])
        for r in frame.to_dict("records")
    }


def _fx_table(source: Source) -> dict[tuple[str, int], float]:
    return read_fx_table(source.table_path().parent / source.options.get("fx_table", "fx_rates.csv"))


@loader("curated_prices")
def load_curated_prices(source: Source, ctx: LoadContext) -> pd.DataFrame:
    """A curated price table: local price -> USD with the row's (or fx table's) stated rate.

    Columns: ``region_id``, a price column (``options.price_column``), ``year``, ``basis``,
    ``taxes_included``, ``source``; the rate comes from ``options.rate_column`` on the row or,
    for other currencies, from ``fx_rates.csv`` by (currency, year).
    """
    frame = _read_table(source)
    path = source.table_path()
    opts = source.options
    price_col = opts.get("price_column", "price")
    _check_columns(frame, ["region_id", price_col, "year", "basis", "source"], str(path))
    fx = _fx_table(source) if "currency" in frame.columns else {}
    rows = []
    for i, rec in enumerate(frame.to_dict("records"), start=2):
        label = f"{i} ({rec['region_id']})"
        region = rec["region_id"].strip()
        if not (re.fullmatch(r"[A-Z]{2}", region) or is_current_code(region)):
            ctx.log.add(path.name, label, "region_id", f"not an ISO 3166 code: {region!r}")
            continue
        price = _num(rec[price_col])
        year = _num(rec["year"])
        if price is None or price <= 0:
            ctx.log.add(path.name, label, price_col, f"no positive price ({rec[price_col]!r})")
            continue
        if year is None:
            ctx.log.add(path.name, label, "year", "missing year")
            continue
        if not rec["source"].strip():
            ctx.log.add(path.name, label, "source", "every row needs a source")
            continue
        # A table may class each row (column ``basis_class``), else the record's option
        # classes every row, else the ``basis`` column itself must be a class.
        row_class = _text(rec.get("basis_class"))
        has_detail = bool(row_class or opts.get("basis"))  # then ``basis`` is the row's wording
        basis_class = row_class or opts.get("basis") or rec["basis"].strip()
        if basis_class not in PRICE_BASES:
            ctx.log.add(path.name, label, "basis_class" if row_class else "basis",
                        f"{basis_class!r} is not one of {', '.join(PRICE_BASES)}")
            continue
        currency = rec.get("currency", opts.get("currency", "USD")).strip().upper()
        fx_year: int | None = int(year)
        if opts.get("rate_column"):
            rate = _num(rec[opts["rate_column"]])
            fx_year = int(_num(rec.get("fx_year", "")) or year)
        elif currency == "USD":
            rate = 1.0
        else:
            rate, fx_year = fx_rate(fx, currency, int(year))
        if not rate:
            ctx.log.add(
                path.name, label, "currency",
                f"no {currency} rate for {int(year)} (nor the {FX_FALLBACK_YEARS} years before)",
            )
            continue
        rows.append(
            {
                "region_id": region,
                "usd_per_kwh": price / rate,
                "year": int(year),
                "basis": basis_class,
                "basis_detail": rec["basis"].strip() if has_detail else _text(rec.get("notes")),
                "taxes_included": _parse_bool(rec.get("taxes_included", "")),
                "price_local": price,
                "currency": currency,
                "fx_year": fx_year,
                "source": rec["source"].strip(),
            }
        )
    return pd.DataFrame(rows)


def fx_rate(fx: dict[tuple[str, int], float], currency: str, year: int) -> tuple[float | None, int | None]:
    """Annual-average units per USD for ``year``, else the latest of the years just before."""
    for y in range(year, year - FX_FALLBACK_YEARS - 1, -1):
        if (currency, y) in fx:
            return fx[(currency, y)], y
    return None, None


# ---------------------------------------------------------------- cables and landing points


def _cable_items(source: Source, ctx: LoadContext, ids: list[str]) -> dict[str, dict]:
    out = {}
    for cable_id, path in zip(ids, ctx.items(ids), strict=True):
        item = _read_json(path, str(path))
        if isinstance(item, dict):
            out[cable_id] = item
    return out


@loader("telegeography_cables")
def load_telegeography_cables(source: Source, ctx: LoadContext) -> pd.DataFrame:
    """Cable routes (cable-geo.json) joined with each cable's own record (rfs year, owners…)."""
    path = ctx.file(0)
    frame = gpd.read_file(path)
    _check_columns(frame, ["id", "name"], str(path))
    frame = frame[frame.geometry.notna() & ~frame.geometry.is_empty]
    parts = frame.groupby("id")["geometry"].agg(lambda s: shapely.line_merge(shapely.union_all(list(s))))
    ids = sorted(parts.index)
    items = _cable_items(source, ctx, ids)
    rows = []
    for cable_id in ids:
        item = items.get(cable_id)
        if item is None:
            ctx.log.add(f"cable/{cable_id}.json", cable_id, "*", "record is not a JSON object")
            continue
        rfs_year = _num(item.get("rfs_year"))
        geom = parts[cable_id]
        if isinstance(geom, LineString):
            geom = MultiLineString([geom])
        rows.append(
            {
                "cable_id": cable_id,
                "name": item.get("name") or cable_id,
                "rfs_year": int(rfs_year) if rfs_year else None,
                "is_planned": bool(item.get("is_planned")),
                "length_km": _num(item.get("length")),
                "owners": _text(item.get("owners")),
                "landing_point_ids": "; ".join(
                    lp["id"] for lp in item.get("landing_points") or [] if lp.get("id")
                ),
                "geometry": geom,
            }
        )
    out = pd.DataFrame(rows)
    out["era"] = "modern"
    out["kind"] = "fibre"
    out["source"] = source.name
    return out


@loader("telegeography_landing_points")
def load_telegeography_landing_points(source: Source, ctx: LoadContext) -> pd.DataFrame:
    """Landing points with their country and cables, from the cable records that name them."""
    path = ctx.file(0)
    frame = gpd.read_file(path)
    _check_columns(frame, ["id", "name"], str(path))
    cables = gpd.read_file(ctx.file(1))
    items = _cable_items(source, ctx, sorted(set(cables["id"])))
    country_of: dict[str, str] = {}
    cables_at: dict[str, list[tuple[str, int | None]]] = {}
    for cable_id, item in items.items():
        for lp in item.get("landing_points") or []:
            if lp.get("id"):
                country_of.setdefault(lp["id"], lp.get("country") or "")
                year = _num(item.get("rfs_year"))
                cables_at.setdefault(lp["id"], []).append((cable_id, int(year) if year else None))
    rows = []
    for i, feat in enumerate(frame.itertuples(index=False), start=1):
        label = f"feature {i} ({feat.id})"
        geom = feat.geometry
        if geom is None or geom.is_empty or not _valid_lat_lon(geom.y, geom.x):
            ctx.log.add(path.name, label, "geometry", "missing or impossible coordinates")
            continue
        country_name = country_of.get(feat.id) or str(feat.name).rsplit(",", 1)[-1]
        country = country_iso2(country_name.strip())
        if country is None:
            ctx.log.add(path.name, label, "country", f"unknown country {country_name!r}")
            continue
        at = cables_at.get(feat.id, [])
        years = [y for _, y in at if y]
        rows.append(
            {
                "lp_id": feat.id,
                "name": feat.name,
                "country_id": country,
                "cable_ids": "; ".join(sorted(c for c, _ in at)),
                "first_rfs_year": min(years) if years else None,
                "geometry": geom,
            }
        )
    out = pd.DataFrame(rows)
    out["era"] = "modern"
    out["source"] = source.name
    return out


_GEOD = Geod(ellps="WGS84")


def great_circle(lon1: float, lat1: float, lon2: float, lat2: float, step_km: float = 100.0) -> list[LineString]:
    """Great-circle path between two points, split where it crosses the antimeridian.

    >>> parts = great_circle(178.4, -18.1, -159.4, 3.9)   # Fiji -> Fanning Island
    >>> len(parts)
    2
    """
    dist_km = _GEOD.inv(lon1, lat1, lon2, lat2)[2] / 1000
    npts = max(int(dist_km // step_km), 0)
    middle = _GEOD.npts(lon1, lat1, lon2, lat2, npts) if npts else []
    pts = [(lon1, lat1), *middle, (lon2, lat2)]
    return split_antimeridian(pts)


def split_antimeridian(coords: list[tuple[float, float]]) -> list[LineString]:
    """Split a lon/lat polyline into parts that never jump across ±180°."""
    parts: list[list[tuple[float, float]]] = [[coords[0]]]
    for (lon_a, lat_a), (lon_b, lat_b) in zip(coords, coords[1:], strict=False):
        if abs(lon_b - lon_a) > 180:
            # Interpolate the crossing latitude on the unwrapped segment.
            edge = 180.0 if lon_a > 0 else -180.0
            lon_b_unwrapped = lon_b + 360 if lon_a > 0 else lon_b - 360
            frac = (edge - lon_a) / (lon_b_unwrapped - lon_a)
            lat_x = lat_a + frac * (lat_b - lat_a)
            parts[-1].append((edge, lat_x))
            parts.append([(-edge, lat_x)])
        parts[-1].append((lon_b, lat_b))
    return [LineString(p) for p in parts if len(p) >= 2]


@loader("historic_cables")
def load_historic_cables(source: Source, ctx: LoadContext) -> pd.DataFrame:
    """Curated historic cables drawn as great circles between their landing points in order."""
    cables = _read_table(source)
    points_path = source.table_path().parent / source.options["points_table"]
    points = pd.read_csv(points_path, dtype=str, keep_default_na=False)
    _check_columns(cables, ["cable_id", "name", "rfs_year", "source"], str(source.table_path()))
    _check_columns(points, ["cable_id", "seq", "name", "lat", "lon"], str(points_path))
    rows = []
    for i, rec in enumerate(cables.to_dict("records"), start=2):
        label = f"{i} ({rec['cable_id']})"
        pts = points[points["cable_id"] == rec["cable_id"]].copy()
        pts["seq_n"] = pd.to_numeric(pts["seq"], errors="coerce")
        pts = pts.sort_values("seq_n")
        coords = []
        for j, p in pts.iterrows():
            if _valid_lat_lon(p["lat"], p["lon"]):
                coords.append((float(p["lon"]), float(p["lat"])))
            else:
                ctx.log.add(points_path.name, f"{j + 2} ({p['name']})", "lat/lon",
                            f"impossible coordinates ({p['lat']}, {p['lon']})")
        if len(coords) < 2:
            ctx.log.add(source.table_path().name, label, "cable_id", "fewer than two landing points")
            continue
        rfs = _num(rec["rfs_year"])
        if rfs is None or not rec["source"].strip():
            ctx.log.add(source.table_path().name, label, "rfs_year/source", "missing")
            continue
        lines: list[LineString] = []
        for a, b in zip(coords, coords[1:], strict=False):
            lines.extend(great_circle(a[0], a[1], b[0], b[1]))
        end = _num(rec.get("end_year", ""))
        rows.append(
            {
                "cable_id": rec["cable_id"],
                "name": rec["name"],
                "rfs_year": int(rfs),
                "end_year": int(end) if end else None,
                "is_planned": False,
                "length_km": _num(rec.get("length_km", "")),
                "owners": _text(rec.get("owners")),
                "landing_point_ids": "; ".join(f"{rec['cable_id']}:{s}" for s in pts["seq"]),
                "kind": _text(rec.get("kind")),
                "source": rec["source"],
                "geometry": MultiLineString(lines),
            }
        )
    out = pd.DataFrame(rows)
    out["era"] = "historic"
    return out


# ---------------------------------------------------------------- mining


@loader("sun_bitcoin_hashrate")
def load_sun_bitcoin(source: Source, ctx: LoadContext) -> pd.DataFrame:
    """Monthly hashrate by sub-national area (2018-06..2019-05) -> one point per area.

    ``hashrate_avg`` is the mean over the sample's months of the monthly ``Avg Hashrate``;
    ``share_pct`` the area's share of the sum over all areas.
    """
    path = ctx.file(0)
    frame = pd.read_csv(path)
    cols = ["Month", "CRCode", "SDName", "latitude", "longitude", "Avg Hashrate"]
    _check_columns(frame, cols, str(path))
    good = []
    for i, rec in enumerate(frame[cols].itertuples(index=False), start=2):
        label = f"{i} ({rec.CRCode} {rec.SDName} {rec.Month})"
        if not _valid_lat_lon(rec.latitude, rec.longitude):
            ctx.log.add(path.name, label, "latitude/longitude",
                        f"impossible ({rec.latitude}, {rec.longitude})")
            continue
        rate = _num(rec._5)
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


@loader("mining_eras")
def load_mining_eras(source: Source, ctx: LoadContext) -> pd.DataFrame:
    """Curated shares of hashrate by country/province and month, with milestones."""
    frame = _read_table(source)
    path = source.table_path()
    _check_columns(frame, ["region_id", "date", "share_pct", "share_of", "source"], str(path))
    rows = []
    for i, rec in enumerate(frame.to_dict("records"), start=2):
        label = f"{i} ({rec['region_id']} {rec['date']})"
        region = rec["region_id"].strip()
        if not (re.fullmatch(r"[A-Z]{2}", region) or is_current_code(region)):
            ctx.log.add(path.name, label, "region_id", f"not an ISO 3166 code: {region!r}")
            continue
        if not re.fullmatch(r"\d{4}(-\d{2})?", rec["date"].strip()):
            ctx.log.add(path.name, label, "date", f"expected YYYY-MM, got {rec['date']!r}")
            continue
        share = _num(rec["share_pct"])
        if share is None and not rec.get("event", "").strip():
            ctx.log.add(path.name, label, "share_pct", "neither a share nor an event")
            continue
        if share is not None and not 0 <= share <= 100:
            ctx.log.add(path.name, label, "share_pct", f"{share} is not a percentage")
            continue
        if not rec["source"].strip():
            ctx.log.add(path.name, label, "source", "every row needs a source")
            continue
        rows.append(
            {
                "area_id": f"era:{region}:{rec['date'].strip()}:{i}",
                "name": rec.get("region_name") or region,
                "country_id": region[:2],
                "region_id": region,
                "share_pct": share,
                "date": rec["date"].strip(),
                "share_of": rec["share_of"].strip(),
                "season": _text(rec.get("season")),
                "event": _text(rec.get("event")),
                "source": rec["source"].strip(),
                "geometry": None,
            }
        )
    return pd.DataFrame(rows)
