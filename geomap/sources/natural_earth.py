"""Natural Earth admin-0 countries and admin-1 states/provinces, coded with current ISO 3166."""

from __future__ import annotations

import re

import geopandas as gpd
import pandas as pd
import shapely

from geomap.data.catalog import Source
from geomap.places.subdivisions import is_current_code, region_id_for, subdivision_name
from geomap.schema import CRS
from geomap.sources.base import LoadContext, check_columns
from geomap.tables import text


def load_natural_earth_admin0(source: Source, ctx: LoadContext) -> pd.DataFrame:
    """Countries from Natural Earth admin-0; ``region_id`` from ISO_A2_EH (never the -99s).

    Units with no ISO code of their own (``options.merge_into``: ADM0_A3 -> alpha-2) are
    merged into the country ISO 3166 counts them under; every unit sharing a code is dissolved
    into one region, named after its largest part.
    """
    path = ctx.file(0)
    frame = gpd.read_file(path)
    check_columns(frame, ["ISO_A2_EH", "ISO_A2", "ADM0_A3", "NAME", "ISO_A3_EH"], str(path))
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


def load_natural_earth_admin1(source: Source, ctx: LoadContext) -> pd.DataFrame:
    """States and provinces from Natural Earth admin-1, coded with current ISO 3166-2."""
    path = ctx.file(0)
    frame = gpd.read_file(path)
    check_columns(frame, ["iso_a2", "name", "iso_3166_2", "code_hasc"], str(path))
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
                f"no current ISO 3166-2 code for {text(feat.name) or 'an unnamed unit'!r} "
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

    # A dissolved unit (e.g. three old Norwegian counties) takes the ISO name of its code.
    counts = pd.Series([r["region_id"] for r in rows]).value_counts()
    merged = out["region_id"].map(counts) > 1
    out.loc[merged, "name"] = out.loc[merged, "region_id"].map(subdivision_name)
    out["level"] = "subnational"
    out["source"] = source.name
    return out
