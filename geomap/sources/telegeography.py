"""TeleGeography: cloud regions, submarine cables (routes and per-cable records) and landing points."""

from __future__ import annotations

import geopandas as gpd
import pandas as pd
import shapely
from shapely.geometry import LineString, MultiLineString, Point

from geomap.data.catalog import Source
from geomap.errors import DataFormatError
from geomap.places.countries import country_iso2
from geomap.sources.base import LoadContext, check_columns, read_json, valid_lat_lon
from geomap.tables import number, text


def load_cloud_regions(source: Source, ctx: LoadContext) -> pd.DataFrame:
    """One row per provider cloud region, placed at its metro area (city precision)."""
    path = ctx.file(0)
    data = read_json(path, str(path))
    if not isinstance(data, dict) or not isinstance(data.get("cloud_regions"), list):
        raise DataFormatError(f"{path}: expected an object with a 'cloud_regions' list")
    rows = []
    for i, metro in enumerate(data["cloud_regions"], start=1):
        label = f"metro {i} ({metro.get('metro_area')})"
        lat, lon = number(metro.get("latitude")), number(metro.get("longitude"))
        if not valid_lat_lon(lat, lon):
            ctx.log.add(path.name, label, "latitude/longitude", f"impossible ({lat}, {lon})")
            continue
        country = country_iso2(metro.get("country"))
        if country is None:
            ctx.log.add(path.name, label, "country", f"unknown country {metro.get('country')!r}")
            continue
        for provider in metro.get("cloud_service_providers") or []:
            region_name = text(provider.get("cloud_region_name"))
            code = text(provider.get("cloud_region"))  # planned regions often have none yet
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


def _cable_items(source: Source, ctx: LoadContext, ids: list[str]) -> dict[str, dict]:
    out = {}
    for cable_id, path in zip(ids, ctx.items(ids), strict=True):
        item = read_json(path, str(path))
        if isinstance(item, dict):
            out[cable_id] = item
    return out


def load_telegeography_cables(source: Source, ctx: LoadContext) -> pd.DataFrame:
    """Cable routes (cable-geo.json) joined with each cable's own record (rfs year, owners…)."""
    path = ctx.file(0)
    frame = gpd.read_file(path)
    check_columns(frame, ["id", "name"], str(path))
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
        rfs_year = number(item.get("rfs_year"))
        geom = parts[cable_id]
        if isinstance(geom, LineString):
            geom = MultiLineString([geom])
        rows.append(
            {
                "cable_id": cable_id,
                "name": item.get("name") or cable_id,
                "rfs_year": int(rfs_year) if rfs_year else None,
                "is_planned": bool(item.get("is_planned")),
                "length_km": number(item.get("length")),
                "owners": text(item.get("owners")),
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


def load_telegeography_landing_points(source: Source, ctx: LoadContext) -> pd.DataFrame:
    """Landing points with their country and cables, from the cable records that name them."""
    path = ctx.file(0)
    frame = gpd.read_file(path)
    check_columns(frame, ["id", "name"], str(path))
    cables = gpd.read_file(ctx.file(1))
    items = _cable_items(source, ctx, sorted(set(cables["id"])))
    country_of: dict[str, str] = {}
    cables_at: dict[str, list[tuple[str, int | None]]] = {}
    for cable_id, item in items.items():
        for lp in item.get("landing_points") or []:
            if lp.get("id"):
                country_of.setdefault(lp["id"], lp.get("country") or "")
                year = number(item.get("rfs_year"))
                cables_at.setdefault(lp["id"], []).append((cable_id, int(year) if year else None))
    rows = []
    for i, feat in enumerate(frame.itertuples(index=False), start=1):
        label = f"feature {i} ({feat.id})"
        geom = feat.geometry
        if geom is None or geom.is_empty or not valid_lat_lon(geom.y, geom.x):
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
