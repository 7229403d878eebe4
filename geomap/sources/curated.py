"""geomap's own curated tables: electricity prices, historic cables and Bitcoin mining eras."""

from __future__ import annotations

import re

import pandas as pd
from shapely.geometry import LineString, MultiLineString

from geomap.data.catalog import Source
from geomap.geo import great_circle_lines
from geomap.places.subdivisions import is_current_code
from geomap.schema import PRICE_BASES
from geomap.sources.base import LoadContext, check_columns, read_curated, valid_lat_lon
from geomap.tables import FX_FALLBACK_YEARS, flag, fx_rate, fx_rates, number, read_frame, text


def _is_region_code(region: str) -> bool:
    """An ISO 3166-1 alpha-2 country code or a current ISO 3166-2 subdivision code."""
    return bool(re.fullmatch(r"[A-Z]{2}", region)) or is_current_code(region)


def _fx_table(source: Source) -> dict[tuple[str, int], float]:
    return fx_rates(source.table_path().parent / source.options.get("fx_table", "fx_rates.csv"))


def _detail(rec: dict) -> str:
    """The row's own wording of its basis, with its consumer class or voltage when stated."""
    parts = [rec["basis"].strip(), *(text(rec.get(c)) for c in ("consumer", "voltage"))]
    return "; ".join(dict.fromkeys(p for p in parts if p))


def load_curated_prices(source: Source, ctx: LoadContext) -> pd.DataFrame:
    """A curated price table: local price -> USD with the row's (or fx table's) stated rate.

    Columns: ``region_id``, a price column (``options.price_column``), ``year``, ``basis``,
    ``taxes_included``, ``source``; the rate comes from ``options.rate_column`` on the row or,
    for other currencies, from ``fx_rates.csv`` by (currency, year).
    """
    frame = read_curated(source)
    path = source.table_path()
    opts = source.options
    price_col = opts.get("price_column", "price")
    check_columns(frame, ["region_id", price_col, "year", "basis", "source"], str(path))
    fx = _fx_table(source) if "currency" in frame.columns else {}
    rows = []
    for i, rec in enumerate(frame.to_dict("records"), start=2):
        label = f"{i} ({rec['region_id']})"
        region = rec["region_id"].strip()
        if not _is_region_code(region):
            ctx.log.add(path.name, label, "region_id", f"not an ISO 3166 code: {region!r}")
            continue
        price = number(rec[price_col])
        year = number(rec["year"])
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
        row_class = text(rec.get("basis_class"))
        has_detail = bool(row_class or opts.get("basis"))  # then ``basis`` is the row's wording
        named = row_class or opts.get("basis") or rec["basis"].strip()
        basis_class = named if named in PRICE_BASES else None
        if basis_class is None:
            ctx.log.add(path.name, label, "basis_class" if row_class else "basis",
                        f"{named!r} is not one of {', '.join(PRICE_BASES)}")
            continue
        currency = rec.get("currency", opts.get("currency", "USD")).strip().upper()
        fx_year: int | None = int(year)
        if opts.get("rate_column"):
            rate = number(rec[opts["rate_column"]])
            fx_year = int(number(rec.get("fx_year", "")) or year)
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
                "basis_detail": _detail(rec) if has_detail else text(rec.get("notes")),
                "taxes_included": flag(rec.get("taxes_included", "")),
                "price_local": price,
                "currency": currency,
                "fx_year": fx_year,
                "source": rec["source"].strip(),
            }
        )
    return pd.DataFrame(rows)


def load_historic_cables(source: Source, ctx: LoadContext) -> pd.DataFrame:
    """Curated historic cables drawn as great circles between their landing points in order."""
    cables = read_curated(source)
    points_path = source.table_path().parent / source.options["points_table"]
    points = read_frame(points_path)
    check_columns(cables, ["cable_id", "name", "rfs_year", "source"], str(source.table_path()))
    check_columns(points, ["cable_id", "seq", "name", "lat", "lon"], str(points_path))
    rows = []
    for i, rec in enumerate(cables.to_dict("records"), start=2):
        label = f"{i} ({rec['cable_id']})"
        pts = points[points["cable_id"] == rec["cable_id"]].copy()
        pts["seq_n"] = pd.to_numeric(pts["seq"], errors="coerce")
        pts = pts.sort_values("seq_n")
        coords = []
        for j, p in pts.iterrows():
            if valid_lat_lon(p["lat"], p["lon"]):
                coords.append((float(p["lon"]), float(p["lat"])))
            else:
                ctx.log.add(points_path.name, f"{j + 2} ({p['name']})", "lat/lon",
                            f"impossible coordinates ({p['lat']}, {p['lon']})")
        if len(coords) < 2:
            ctx.log.add(source.table_path().name, label, "cable_id", "fewer than two landing points")
            continue
        rfs = number(rec["rfs_year"])
        if rfs is None or not rec["source"].strip():
            ctx.log.add(source.table_path().name, label, "rfs_year/source", "missing")
            continue
        lines: list[LineString] = []
        for a, b in zip(coords, coords[1:], strict=False):
            lines.extend(great_circle_lines(a[0], a[1], b[0], b[1]))
        end = number(rec.get("end_year", ""))
        rows.append(
            {
                "cable_id": rec["cable_id"],
                "name": rec["name"],
                "rfs_year": int(rfs),
                "end_year": int(end) if end else None,
                "is_planned": False,
                "length_km": number(rec.get("length_km", "")),
                "owners": text(rec.get("owners")),
                "landing_point_ids": "; ".join(f"{rec['cable_id']}:{s}" for s in pts["seq"]),
                "kind": text(rec.get("kind")),
                "source": rec["source"],
                "geometry": MultiLineString(lines),
            }
        )
    out = pd.DataFrame(rows)
    out["era"] = "historic"
    return out


def load_mining_eras(source: Source, ctx: LoadContext) -> pd.DataFrame:
    """Curated shares of hashrate by country/province and month, with milestones."""
    frame = read_curated(source)
    path = source.table_path()
    check_columns(frame, ["region_id", "date", "share_pct", "share_of", "source"], str(path))
    rows = []
    for i, rec in enumerate(frame.to_dict("records"), start=2):
        label = f"{i} ({rec['region_id']} {rec['date']})"
        region = rec["region_id"].strip()
        if not _is_region_code(region):
            ctx.log.add(path.name, label, "region_id", f"not an ISO 3166 code: {region!r}")
            continue
        if not re.fullmatch(r"\d{4}(-\d{2})?", rec["date"].strip()):
            ctx.log.add(path.name, label, "date", f"expected YYYY-MM, got {rec['date']!r}")
            continue
        share = number(rec["share_pct"])
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
                "season": text(rec.get("season")),
                "event": text(rec.get("event")),
                "source": rec["source"].strip(),
                "geometry": None,
            }
        )
    return pd.DataFrame(rows)
