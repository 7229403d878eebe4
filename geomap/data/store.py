"""Prepared layers: fetch a source's files, run its loader, check it, cache it as GeoParquet.

The three verbs, as in geodatasets: :func:`get_path` (the prepared file, making it if
needed), :func:`load` (the frame) and :func:`fetch` (download and prepare, with progress).
"""

from __future__ import annotations

import json
import os
import tempfile
from dataclasses import dataclass
from functools import partial
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from geomap.data.catalog import Catalog, Source, load_catalog
from geomap.data.download import cache_dir, check_content, fetch_many, fetch_url
from geomap.errors import DataFormatError, DataUnavailableError, DownloadError, GeomapError
from geomap.quality import RejectLog
from geomap.schema import GEOMETRY_KINDS, SCHEMAS, conform
from geomap.sources import user as _user_loader  # noqa: F401  registers the user_layer loader
from geomap.sources.loaders import LOADERS, LoadContext

#: Bump when loaders or preparation change, so cached prepared layers are rebuilt.
PREPARE_VERSION = 5
#: Coordinates of prepared layers are rounded to this many decimals (1e-5° ≈ 1 m).
ROUND_DECIMALS = 5


@dataclass(frozen=True)
class LayerInfo:
    """What ``geomap layers`` reports about one prepared layer."""

    name: str
    kind: str
    features: int
    rejected: int
    license: str
    attribution: str
    years: tuple[int, int] | None
    sources: tuple[str, ...]
    located: int | None = None

    def to_json(self) -> dict:
        return {
            "name": self.name,
            "kind": self.kind,
            "features": self.features,
            "rejected": self.rejected,
            "located": self.located,
            "license": self.license,
            "attribution": self.attribution,
            "years": list(self.years) if self.years else None,
            "sources": list(self.sources),
        }


def prepared_dir() -> Path:
    return cache_dir() / "prepared"


def _prepared_paths(source: Source) -> tuple[Path, Path]:
    base = prepared_dir() / source.name
    return base.with_suffix(".parquet"), base.with_suffix(".meta.json")


def _read_meta(source: Source) -> dict | None:
    data_path, meta_path = _prepared_paths(source)
    if not (data_path.is_file() and meta_path.is_file()):
        return None
    try:
        meta = json.loads(meta_path.read_text())
    except (ValueError, OSError):
        return None
    fresh = (
        meta.get("digest") == source.digest
        and meta.get("prepare_version") == PREPARE_VERSION
        and meta.get("table_mtime") == _table_mtime(source)
    )
    return meta if fresh else None


def _table_mtime(source: Source) -> float | None:
    """Curated tables are rebuilt when the table (or its companion tables) changes."""
    if not source.is_curated:
        return None
    folder = source.table_path().parent
    return max(p.stat().st_mtime for p in folder.glob("*.csv"))


# ---------------------------------------------------------------- preparing


def _validator(source: Source, url: str):
    """Content check of a download; the record's raw counts and fields apply to its first URL."""
    what = f"layer {source.name}: {url}"
    check = source.check if url == source.urls[0] else None
    return partial(_validate, fmt=source.format, check=check, what=what)


def _validate(path: Path, fmt: str, check, what: str) -> None:
    check_content(path, fmt, check, what)


def _item_validator(source: Source):
    def validate(path: Path) -> None:
        check_content(path, "json", None, f"layer {source.name}: item {path.name}")

    return validate


def prepare(source: Source, *, force: bool = False, progress: bool = False, offline: bool = False):
    """Download (if needed) and prepare one layer; return the frame and write the cache.

    Raises
    ------
    DownloadError, DataUnavailableError, DataFormatError
        With the layer name, the URL or file, and what went wrong.
    """
    log = RejectLog()

    def files() -> list[Path]:
        paths = []
        for url in source.urls:
            sha = source.sha256.get(url)
            paths.append(
                fetch_url(
                    url,
                    validate=_validator(source, url),
                    sha256=sha,
                    force=force,
                    progress=progress,
                    offline=offline,
                )
            )
        return paths

    def items(ids: list[str]) -> list[Path]:
        if not source.item_url_template:
            raise DataFormatError(f"{source.record_file}: loader needs item_url_template")
        urls = [source.item_url_template.format(id=i) for i in ids]
        return fetch_many(
            urls,
            validate=_item_validator(source),
            force=force,
            progress=progress,
            offline=offline,
            desc=f"{source.name} items",
        )

    fn = LOADERS.get(source.loader)
    if fn is None:
        raise DataFormatError(f"{source.record_file}: unknown loader {source.loader!r}")
    ctx = LoadContext(files=_once(files), items=items, log=log)
    try:
        raw = fn(source, ctx)
    except (GeomapError, OSError):
        raise
    except Exception as exc:  # a parser's own error: name the layer, keep the cause
        raise DataFormatError(f"layer {source.name}: cannot load: {type(exc).__name__}: {exc}") from exc
    if "layer" in SCHEMAS[source.kind]:
        raw = raw.assign(layer=source.name)
    frame = conform(source.kind, raw if len(raw) else pd.DataFrame(columns=["geometry"]))
    if source.kind in GEOMETRY_KINDS:
        frame = _display_geometry(frame, source)
    _check_prepared(source, frame)
    _write(source, frame, log)
    return frame


def _once(fn):
    cache: list = []

    def wrapper():
        if not cache:
            cache.append(fn())
        return cache[0]

    return wrapper


def _display_geometry(frame: gpd.GeoDataFrame, source: Source) -> gpd.GeoDataFrame:
    """Simplify (``options.simplify_deg``) and round coordinates once, when the layer is prepared."""
    tolerance = float(source.options.get("simplify_deg", 0))
    geoms = frame.geometry.values
    present = ~(frame.geometry.isna().to_numpy())
    if tolerance > 0:
        if source.kind == "regions":
            # Simplify shared borders identically, so neighbours still meet; a set of
            # polygons that is not a clean coverage falls back to per-polygon simplification.
            try:
                geoms[present] = shapely.coverage_simplify(geoms[present], tolerance)
            except shapely.errors.GEOSException:
                geoms[present] = shapely.simplify(geoms[present], tolerance, preserve_topology=True)
        else:
            geoms[present] = shapely.simplify(geoms[present], tolerance, preserve_topology=True)
    rounded = shapely.transform(
        geoms[present], lambda xy: np.round(xy, ROUND_DECIMALS)
    )
    if source.kind == "regions":
        # Rounding can pinch a ring; repair, dropping collapsed slivers (lines, points).
        rounded = shapely.make_valid(rounded, method="structure", keep_collapsed=False)
    geoms[present] = rounded
    frame = frame.copy()
    frame.geometry.values[:] = geoms  # type: ignore[index]
    return frame.set_geometry(gpd.GeoSeries(list(geoms), crs=frame.crs))


def _check_prepared(source: Source, frame: pd.DataFrame) -> None:
    """The record's [check]: row count range, geometry types, required fields."""
    c = source.check
    n = len(frame)
    where = f"layer {source.name} ({source.record_file})"
    if n < c.min_features:
        raise DataFormatError(f"{where}: {n} features, expected at least {c.min_features}")
    if c.max_features is not None and n > c.max_features:
        raise DataFormatError(f"{where}: {n} features, expected at most {c.max_features}")
    for col in c.required_fields:
        if col not in frame.columns:
            raise DataFormatError(f"{where}: field {col!r} missing")
        if frame[col].isna().all():
            raise DataFormatError(f"{where}: field {col!r} is empty in every row")
    if c.geometry_types and isinstance(frame, gpd.GeoDataFrame):
        types = set(frame.geometry.dropna().geom_type)
        bad = types - set(c.geometry_types)
        if bad:
            raise DataFormatError(f"{where}: geometry types {sorted(bad)} not in {list(c.geometry_types)}")


def _write(source: Source, frame: pd.DataFrame, log: RejectLog) -> None:
    data_path, meta_path = _prepared_paths(source)
    data_path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=data_path.parent, suffix=".parquet.part")
    os.close(fd)
    try:
        frame.to_parquet(tmp, index=False)  # GeoParquet for GeoDataFrames
        os.replace(tmp, data_path)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)
    located = None
    if isinstance(frame, gpd.GeoDataFrame):
        located = int(frame.geometry.notna().sum())
    meta = {
        "name": source.name,
        "digest": source.digest,
        "prepare_version": PREPARE_VERSION,
        "table_mtime": _table_mtime(source),
        "features": len(frame),
        "located": located,
        "years": _years(source, frame),
        "rejected": log.count,
        "rejections": log.to_json(),
    }
    meta_path.write_text(json.dumps(meta, indent=1, default=str))


def _years(source: Source, frame: pd.DataFrame) -> list[int] | None:
    for col in ("year", "rfs_year", "year_in_service", "first_rfs_year"):
        if col in frame.columns and frame[col].notna().any():
            return [int(frame[col].min()), int(frame[col].max())]
    if source.kind == "mining" and "date" in frame.columns and frame["date"].notna().any():
        years = frame["date"].dropna().str.findall(r"(\d{4})").explode().dropna().astype(int)
        if len(years):
            return [int(years.min()), int(years.max())]
    if source.years:
        return list(source.years)
    if source.year:
        return [source.year, source.year]
    return None


# ---------------------------------------------------------------- the three verbs


def get_path(name: str, catalog: Catalog | None = None, *, offline: bool | None = None) -> Path:
    """Path of the prepared GeoParquet of layer ``name``, preparing it first when needed."""
    source = (catalog or load_catalog()).get_source(name)
    if _read_meta(source) is None:
        prepare(source, offline=_offline(offline))
    return _prepared_paths(source)[0]


def load(name: str, catalog: Catalog | None = None, *, offline: bool | None = None):
    """The prepared layer as a (Geo)DataFrame; a warm start reads GeoParquet only.

    >>> frame = load("ne-admin0")       # doctest: +SKIP
    """
    source = (catalog or load_catalog()).get_source(name)
    data_path, meta_path = _prepared_paths(source)
    if _read_meta(source) is not None:
        stamp = (str(data_path), source.digest, meta_path.stat().st_mtime_ns)
        hit = _MEMO.get(source.name)
        if hit is not None and hit[0] == stamp:
            return hit[1].copy()
        try:
            frame = _read_prepared(source, data_path)
        except (OSError, ValueError) as exc:  # a damaged prepared file: rebuild it
            data_path.unlink(missing_ok=True)
            del exc
        else:
            _MEMO[source.name] = (stamp, frame)
            return frame.copy()
    return prepare(source, offline=_offline(offline))


#: Prepared layers already read in this process, keyed by layer name and checked against the
#: prepared file's path, record digest and modification time (a re-prepare invalidates them).
_MEMO: dict[str, tuple[tuple, object]] = {}


def _read_prepared(source: Source, path: Path):
    if source.kind in GEOMETRY_KINDS:
        return gpd.read_parquet(path)
    return pd.read_parquet(path)


def load_kind(kind: str, catalog: Catalog | None = None, *, offline: bool | None = None):
    """All layers of one kind, concatenated (each row keeps its ``source``)."""
    catalog = catalog or load_catalog()
    frames = [load(s.name, catalog, offline=offline) for s in catalog.by_kind(kind)]
    if kind in GEOMETRY_KINDS:
        return gpd.GeoDataFrame(pd.concat(frames, ignore_index=True), crs=frames[0].crs)
    return pd.concat(frames, ignore_index=True)


def fetch(
    names: list[str] | None = None,
    catalog: Catalog | None = None,
    *,
    force: bool = False,
    progress: bool = False,
) -> dict[str, Exception | None]:
    """Download and prepare layers (all by default); returns each layer's error or None.

    One failing layer does not stop the others; a failed download leaves any previous
    good copy in the cache untouched.
    """
    catalog = catalog or load_catalog()
    sources = [catalog.get_source(n) for n in names] if names else list(catalog.values())
    results: dict[str, Exception | None] = {}
    for source in sources:
        try:
            prepare(source, force=force, progress=progress)
            results[source.name] = None
        except (DownloadError, DataUnavailableError, DataFormatError) as exc:
            results[source.name] = exc
    return results


def info(name: str, catalog: Catalog | None = None, *, offline: bool | None = None) -> LayerInfo:
    """Counts and provenance of one layer (preparing it when needed)."""
    catalog = catalog or load_catalog()
    source = catalog.get_source(name)
    meta = _read_meta(source)
    if meta is None:
        prepare(source, offline=_offline(offline))
        meta = _read_meta(source)
    assert meta is not None
    urls = list(source.urls)
    if source.item_url_template:
        urls.append(source.item_url_template)
    if source.is_curated:
        urls.append(source.path if Path(source.path).is_absolute() else f"layers/{source.path}")
    years = meta.get("years")
    return LayerInfo(
        name=source.name,
        kind=source.kind,
        features=int(meta["features"]),
        rejected=int(meta["rejected"]),
        located=meta.get("located"),
        license=source.license,
        attribution=source.attribution,
        years=tuple(years) if years else None,
        sources=tuple(urls),
    )


def rejections(name: str, catalog: Catalog | None = None) -> list[dict]:
    """The rejected rows of a prepared layer (file, row, field, reason)."""
    source = (catalog or load_catalog()).get_source(name)
    meta = _read_meta(source)
    return list(meta.get("rejections", [])) if meta else []


def _offline(flag: bool | None) -> bool:
    if flag is not None:
        return flag
    return os.environ.get("GEOMAP_OFFLINE", "") not in ("", "0", "false")
