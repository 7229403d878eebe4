"""A user's own CSV or GeoJSON checked row by row, and the ``user_layer`` loader of stored ones.

:func:`validate_file` reads a file a user imports (``geomap import``, the app's upload box)
and returns its good rows in the kind's schema with a log of the rejected ones, each with
its row number, field and reason; :mod:`geomap.data.userlayers` stores them. The
``user_layer`` loader (:func:`load_user_layer`) reads a stored layer back.

Input columns (header names are matched case-insensitively, ``Power (MW)`` reads as
``power_mw``; ``latitude``/``longitude``/``lng`` read as ``lat``/``lon``):

data_centers
    ``name`` and a location: ``lat`` + ``lon``, ``region_id`` (ISO 3166-1 alpha-2 or current
    ISO 3166-2) or ``country`` (name or code). Optional: ``operator``, ``status`` (existing,
    planned, decommissioned; default existing), ``year_in_service``, ``power_mw``,
    ``h100_equivalents``, ``location``, ``source``.
electricity_prices
    ``region_id``, ``year``, ``basis`` (one of :data:`geomap.schema.PRICE_BASES`),
    ``source`` and a price with its unit: ``usd_per_kwh``, or ``price`` with ``currency``
    (ISO 4217, or ``USc`` for US cents) and ``unit`` (``kWh`` or ``MWh``, optionally
    ``EUR/MWh``). Optional: ``taxes_included`` (true/false), ``notes``.
mining
    ``name``, a location (``lat`` + ``lon`` or ``region_id``) and ``share_pct`` (0-100) or
    ``hashrate_avg`` (``hashrate``). Optional: ``country``, ``date`` (YYYY or YYYY-MM),
    ``share_of``, ``source``.

GeoJSON features carry the same fields as properties; their geometry (Point, or Polygon /
MultiPolygon reduced to a representative point) replaces ``lat``/``lon``. Price layers ignore
geometry (prices join by ``region_id``).
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Collection, Iterator
from pathlib import Path
from typing import Any

import pandas as pd
import shapely

from geomap.data.catalog import MAX_FILE_BYTES, USER_KINDS, Source
from geomap.errors import DataFormatError
from geomap.names import slug
from geomap.quality import RejectLog
from geomap.schema import GEOMETRY_KINDS, SCHEMAS
from geomap.sources.base import LoadContext
from geomap.sources.user_rows import VALIDATORS, CountryShapes, Row, RowProblem

_ALIASES = {
    "latitude": "lat",
    "y": "lat",
    "longitude": "lon",
    "lng": "lon",
    "long": "lon",
    "x": "lon",
    "country_id": "country",
    "country_code": "country",
    "iso2": "country",
    "hashrate": "hashrate_avg",
    "location_text": "location",
    "share": "share_pct",
}


class UserLayerError(DataFormatError):
    """A whole file (or a request) cannot be used: nothing is imported; the CLI exits 2."""


def safe_text(text: str) -> str:
    """Text that can be written as UTF-8 (lone surrogates of undecodable file names replaced).

    >>> safe_text("caf\\udce9.csv")
    'caf?.csv'
    """
    return text.encode("utf-8", "replace").decode("utf-8")


# ---------------------------------------------------------------- reading the file


def _read_text(path: Path) -> str:
    """The file as text: size limit, readable, UTF-8 (a BOM is allowed)."""
    shown = safe_text(path.name) or safe_text(str(path))
    try:
        if not path.is_file():
            raise UserLayerError(f"{shown}: not a file (or it does not exist)")
        size = path.stat().st_size
        if size > MAX_FILE_BYTES:
            raise UserLayerError(
                f"{shown}: {size / 1e6:.1f} MB is over the {MAX_FILE_BYTES / 1e6:.0f} MB limit "
                "for imported files"
            )
        with open(path, "rb") as fh:
            data = fh.read(MAX_FILE_BYTES + 1)
    except OSError as exc:
        raise UserLayerError(f"{shown}: cannot read: {exc.strerror or exc}") from exc
    if len(data) > MAX_FILE_BYTES:
        raise UserLayerError(f"{shown}: over the {MAX_FILE_BYTES / 1e6:.0f} MB limit")
    if not data.strip():
        raise UserLayerError(f"{shown}: the file is empty")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    try:
        data.decode("utf-8")
    except UnicodeDecodeError as exc:
        offset = exc.start
    else:  # pragma: no cover - utf-8-sig only adds BOM handling
        offset = 0
    line = data[:offset].count(b"\n") + 1
    hint = (" (it looks like UTF-16)" if data[:2] in (b"\xff\xfe", b"\xfe\xff")
            else "; save it as UTF-8")
    raise UserLayerError(
        f"{shown}: not UTF-8 text: byte 0x{data[offset]:02x} at offset {offset} (line {line}) "
        f"cannot be decoded{hint}"
    )


def column_key(header: str) -> str:
    """The field a header names: its :func:`~geomap.names.slug`, with aliases applied.

    ``%`` reads ``pct`` (inside a word too: ``share%`` is ``sharepct``).

    >>> column_key(" Power (MW) "), column_key("Share %"), column_key("Latitude")
    ('power_mw', 'share_pct', 'lat')
    """
    key = slug(header.replace("%", "pct"), sep="_")
    return _ALIASES.get(key, key)


def _cell(value: Any) -> str:
    """A GeoJSON property as the text a CSV cell would hold."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value) if isinstance(value, float) else str(value)
    if isinstance(value, str):
        return value.strip()
    return json.dumps(value, ensure_ascii=False)



def _read_csv(text: str, fname: str, log: RejectLog) -> tuple[list[str], Iterator[Row]]:
    first = text.split("\n", 1)[0]
    delimiter = max((",", ";", "\t"), key=first.count) if any(d in first for d in ",;\t") else ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        header = next(reader)
    except StopIteration:
        raise UserLayerError(f"{fname}: the file is empty") from None
    except csv.Error as exc:
        raise UserLayerError(f"{fname}: line 1: not CSV: {exc}") from exc
    columns = [column_key(h) or f"column_{i}" for i, h in enumerate(header, start=1)]
    seen: dict[str, str] = {}
    for raw, col in zip(header, columns, strict=True):
        if col in seen:
            raise UserLayerError(
                f"{fname}: header: columns {seen[col]!r} and {raw.strip()!r} both mean {col!r}"
            )
        seen[col] = raw.strip()

    def rows() -> Iterator[Row]:
        number = 0
        while True:
            try:
                rec = next(reader)
            except StopIteration:
                return
            except csv.Error as exc:
                raise UserLayerError(f"{fname}: line {reader.line_num}: not CSV: {exc}") from exc
            number += 1
            if not any(c.strip() for c in rec):
                continue
            if len(rec) != len(columns):
                log.add(fname, number, "*",
                        f"{len(rec)} fields where the header has {len(columns)}")
                continue
            yield Row(number, {c: v.strip() for c, v in zip(columns, rec, strict=True)})

    return columns, rows()


def _read_geojson(text: str, fname: str, log: RejectLog) -> Iterator[Row]:
    try:
        data = json.loads(text)
    except ValueError as exc:
        where = f"line {exc.lineno} column {exc.colno}: {exc.msg}" if hasattr(exc, "lineno") else exc
        raise UserLayerError(f"{fname}: not valid JSON: {where}") from exc
    if isinstance(data, dict) and data.get("type") == "Feature":
        features = [data]
    elif isinstance(data, dict) and isinstance(data.get("features"), list):
        features = data["features"]
    else:
        raise UserLayerError(f"{fname}: expected a GeoJSON FeatureCollection (or one Feature)")
    for i, feat in enumerate(features, start=1):
        if not isinstance(feat, dict) or feat.get("type") != "Feature":
            log.add(fname, i, "type", "not a GeoJSON Feature")
            continue
        props = feat.get("properties") or {}
        if not isinstance(props, dict):
            log.add(fname, i, "properties", "properties must be an object")
            continue
        fields: dict[str, str] = {}
        for key, value in props.items():
            fields[column_key(str(key)) or str(key)] = _cell(value)
        yield Row(i, fields, feat.get("geometry"), "geometry" in feat)




def _check_columns(kind: str, columns: Collection[str], fname: str) -> None:
    """Refuse a CSV whose header lacks what every row of ``kind`` needs."""
    cols = set(columns)
    has_point = {"lat", "lon"} <= cols
    missing: list[str] = []
    if kind in ("data_centers", "mining") and "name" not in cols:
        missing.append("name")
    if kind == "data_centers" and not (has_point or "region_id" in cols or "country" in cols):
        missing.append("a location: lat and lon, region_id or country")
    if kind == "mining":
        if not (has_point or "region_id" in cols):
            missing.append("a location: lat and lon, or region_id")
        if not ({"share_pct", "hashrate_avg"} & cols):
            missing.append("share_pct or hashrate")
    if kind == "electricity_prices":
        missing += [c for c in ("region_id", "year", "basis", "source") if c not in cols]
        if "usd_per_kwh" not in cols:
            if "price" not in cols:
                missing.append("a price: usd_per_kwh, or price with currency and unit")
            else:
                if "unit" not in cols:
                    missing.append("unit (the price has no unit: kWh or MWh)")
                if "currency" not in cols:
                    missing.append("currency (the price has no currency)")
    if missing:
        found = ", ".join(sorted(cols)) or "none"
        raise UserLayerError(f"{fname}: header: missing column(s): {'; '.join(missing)} "
                             f"(found: {found})")


# ---------------------------------------------------------------- the whole file


def _is_geojson(path: Path, text: str) -> bool:
    suffix = path.suffix.lower()
    if suffix in (".geojson", ".json"):
        return True
    if suffix in (".csv", ".tsv", ".txt"):
        return False
    return text.lstrip().startswith("{")


def validate_file(path: Path, kind: str, layer: str, *,
                  country_shapes: CountryShapes | None = None) -> tuple[list[dict], RejectLog]:
    """The good rows of a file in the kind's schema, and the log of the rejected ones.

    Parameters
    ----------
    path : Path
        A CSV or GeoJSON file (at most :data:`MAX_FILE_BYTES` bytes, UTF-8).
    kind : str
        One of :data:`geomap.data.catalog.USER_KINDS`.
    layer : str
        The layer's name (``user-...``), for row ids and the default ``source``.
    country_shapes : mapping, optional
        Country polygons by alpha-2 code (e.g. from the prepared ``ne-admin0`` layer). With
        them a point outside its stated country whose swapped twin is inside is rejected as
        swapped; without them that check is skipped.

    Raises
    ------
    UserLayerError
        When the file as a whole cannot be used (size, encoding, format, missing columns).
    """
    if kind not in USER_KINDS:
        raise UserLayerError(f"kind {kind!r} cannot be imported; use one of {', '.join(USER_KINDS)}")
    path = Path(path)
    fname = safe_text(path.name)
    text = _read_text(path)
    log = RejectLog()
    if _is_geojson(path, text):
        rows = _read_geojson(text, fname, log)
        dedupe_key = "geojson"
    else:
        columns, rows = _read_csv(text, fname, log)
        _check_columns(kind, columns, fname)
        dedupe_key = "csv"
    validate = VALIDATORS[kind]
    seen: dict[str, int] = {}
    good: list[dict] = []
    for row in rows:
        key = json.dumps([row.fields, row.geometry] if dedupe_key == "geojson" else row.fields,
                         sort_keys=True, default=str)
        if key in seen:
            log.add(fname, row.number, "*", f"duplicate of row {seen[key]}")
            continue
        seen[key] = row.number
        try:
            good.append(validate(row, layer, country_shapes))
        except RowProblem as rej:
            log.add(fname, row.number, rej.field, rej.reason)
    return good, log


# ---------------------------------------------------------------- the stored layer


def stored_columns(kind: str) -> list[str]:
    """Columns of a stored user layer's CSV: the kind's schema, geometry as ``geometry_wkt``.

    >>> stored_columns("electricity_prices")[:3]
    ['region_id', 'usd_per_kwh', 'year']
    """
    cols = [c for c in SCHEMAS[kind] if c != "layer"]
    return [*cols, "geometry_wkt"] if kind in GEOMETRY_KINDS else cols


def import_meta(source: Source) -> dict:
    """What the import of a stored user layer recorded (``import.json``); ``{}`` if unreadable."""
    try:
        return json.loads((source.table_path().parent / "import.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}


_INT_COLUMNS = {c for k in USER_KINDS for c, t in SCHEMAS[k].items() if t == "Int64"}
_FLOAT_COLUMNS = {c for k in USER_KINDS for c, t in SCHEMAS[k].items() if t == "Float64"}
_BOOL_COLUMNS = {c for k in USER_KINDS for c, t in SCHEMAS[k].items() if t == "boolean"}


def load_user_layer(source: Source, ctx: LoadContext) -> pd.DataFrame:
    """A stored user layer (normalized CSV) in the kind's schema.

    The import's own rejections are logged again, so ``geomap layers`` counts them.
    """
    path = source.table_path()
    meta = import_meta(source)
    for rej in meta.get("rejections", []):
        ctx.log.add(rej.get("file", ""), rej.get("row", ""), rej.get("field", ""),
                    rej.get("reason", ""))
    hidden = int(meta.get("rejected", 0)) - len(meta.get("rejections", []))
    if hidden > 0:
        ctx.log.count += hidden
    cols = stored_columns(source.kind)
    try:
        with open(path, encoding="utf-8", newline="") as fh:
            records = list(csv.DictReader(fh))
    except (OSError, UnicodeDecodeError, csv.Error) as exc:
        raise DataFormatError(f"{path}: cannot read user layer: {exc}") from exc
    if records and set(cols) - set(records[0]):
        raise DataFormatError(f"{path}: missing column(s) {', '.join(sorted(set(cols) - set(records[0])))}")
    rows = []
    for i, rec in enumerate(records, start=1):
        out: dict[str, Any] = {}
        try:
            for col in cols:
                text = rec.get(col) or ""
                if col == "geometry_wkt":
                    out["geometry"] = shapely.from_wkt(text) if text else None
                elif not text:
                    out[col] = None
                elif col in _INT_COLUMNS:
                    out[col] = int(text)
                elif col in _FLOAT_COLUMNS:
                    out[col] = float(text)
                elif col in _BOOL_COLUMNS:
                    out[col] = text == "true"
                else:
                    out[col] = text
        except (ValueError, shapely.errors.GEOSException) as exc:
            ctx.log.add(path.name, i, col, f"cannot read the stored value {text!r}: {exc}")
            continue
        rows.append(out)
    return pd.DataFrame(rows, columns=[c if c != "geometry_wkt" else "geometry" for c in cols])
