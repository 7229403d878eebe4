"""User layers in the cache: import a user's file, list the stored layers, remove one.

``geomap import PATH --kind data_centers|electricity_prices|mining [--name NAME]`` (and the
app's upload box) call :func:`import_layer`: the file is checked row by row by
:func:`geomap.sources.user.validate_file` (every row with a problem is reported with its row
number and field and left out) and the good rows are stored under
``settings.user_layers_dir()/<name>/`` as ``<name>.csv`` beside a record ``<name>.toml``
shaped like the records in ``layers/`` (``format = "table"``, ``loader = "user_layer"``,
``path`` absolute). The catalog lists those records with the built-in layers
(:func:`geomap.data.catalog.user_records`); the ``user_layer`` loader
(:func:`geomap.sources.user.load_user_layer`) reads the stored file into the kind's schema.
"""

from __future__ import annotations

import csv
import json
import math
import os
import shutil
import tempfile
import tomllib
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from functools import cache
from pathlib import Path
from typing import Any

import pandas as pd
import shapely
import tomli_w

from geomap import settings
from geomap.data import store
from geomap.data.catalog import USER_LOADER, Source, load_catalog, user_records
from geomap.errors import GeomapError
from geomap.names import lookup_key, slug
from geomap.quality import Rejection
from geomap.sources.user import (
    UserLayerError,
    import_meta,
    safe_text,
    stored_columns,
    validate_file,
)
from geomap.sources.user_rows import KIND_TITLES, CountryShapes

#: Longest layer name, in characters (after ``user-``).
MAX_NAME_CHARS = 60
#: Kinds whose rows may carry a point, checked against the stated country's polygon.
_POINT_KINDS = ("data_centers", "mining")


@dataclass
class ImportReport:
    """What :func:`import_layer` did with one file.

    Attributes
    ----------
    name : str
        Layer name (``user-...``).
    kind : str
        Layer kind.
    file : str
        The input file's name, as shown in rejections.
    path : Path or None
        The stored normalized file; None when nothing was imported.
    n_good, n_rejected : int
        Rows kept and rows rejected.
    rejections : list of Rejection
        The rejected rows (the first :attr:`RejectLog.keep` of them).
    replaced : bool
        True when an earlier user layer of the same name was replaced.
    """

    name: str
    kind: str
    file: str
    path: Path | None
    n_good: int
    n_rejected: int
    rejections: list[Rejection] = field(default_factory=list)
    replaced: bool = False

    @property
    def imported(self) -> bool:
        """True when at least one row was stored."""
        return self.path is not None and self.n_good > 0

    def to_text(self) -> str:
        """One line per rejection: ``FILE: row N: field 'X': reason``."""
        lines = [str(r) for r in self.rejections]
        hidden = self.n_rejected - len(self.rejections)
        if hidden > 0:
            lines.append(f"{self.file}: ... and {hidden} more rejected rows")
        return "\n".join(lines)

    def summary(self) -> str:
        """One line: what was imported, and where it is stored."""
        if not self.imported:
            return (f"nothing imported from {self.file}: {self.n_rejected} rows rejected, "
                    f"none usable")
        verb = "replaced" if self.replaced else "imported"
        return (f"{verb} {self.name} ({self.kind}): {self.n_good} rows kept, "
                f"{self.n_rejected} rejected; stored in {self.path}")


@dataclass(frozen=True)
class UserLayer:
    """One stored user layer, as :func:`list_layers` reports it."""

    name: str
    kind: str
    title: str
    file: str
    rows: int
    rejected: int
    imported_at: str
    path: Path


# ---------------------------------------------------------------- names and places


def user_dir() -> Path:
    """Folder of the stored user layers: ``settings.user_layers_dir()``."""
    return settings.user_layers_dir()


def layer_name_for(text: str) -> str:
    """The layer name for a file stem or a requested name: ``user-<slug>``.

    >>> layer_name_for("My Data Centers (2024)")
    'user-my-data-centers-2024'
    >>> layer_name_for("user-prices")
    'user-prices'
    >>> layer_name_for("50% green")
    'user-50-green'
    """
    name = slug(text.replace("%", " "))  # a layer name spells no "pct"
    name = name.removeprefix("user-") if name != "user" else ""
    name = name[:MAX_NAME_CHARS].strip("-") or "layer"
    return f"user-{name}"


def _builtin_names() -> dict[str, str]:
    """Built-in layer names by their forgiving key (:func:`lookup_key`)."""
    return {
        lookup_key(s.name): s.name
        for s in load_catalog().values()
        if s.loader != USER_LOADER
    }


@cache
def _country_shapes(cache_root: str) -> dict[str, Any] | None:
    """Country polygons of the prepared ``ne-admin0`` layer, or None when it is not prepared.

    Never downloads: the swap check against the stated country is skipped without it.
    """
    del cache_root  # the cache key: another cache may hold another (or no) ne-admin0
    try:
        frame = store.load("ne-admin0", offline=True)
    except (GeomapError, OSError, ValueError):
        return None
    shapes = {}
    for rid, geom in zip(frame["region_id"], frame.geometry, strict=True):
        if isinstance(rid, str) and geom is not None:
            shapely.prepare(geom)
            shapes[rid] = geom
    return shapes


def _country_polygons() -> CountryShapes | None:
    return _country_shapes(str(settings.cache_dir().resolve()))


# ---------------------------------------------------------------- importing


def _record(name: str, kind: str, title: str, fname: str, data_path: Path) -> dict[str, Any]:
    """The TOML record of a user layer, as a mapping (see ``layers/*.toml``)."""
    today = date.today()
    text = {
        "name": name,
        "kind": kind,
        "title": title,
        "description": f"User data ({KIND_TITLES[kind]}) imported with geomap import.",
        "license": "user data",
        "attribution": f"user data: {fname}",
        "citation": f"user data imported from {fname} on {today.isoformat()}",
        "format": "table",
        "loader": USER_LOADER,
        "path": str(data_path),
    }
    return {**{k: safe_text(v) for k, v in text.items()}, "year": today.year,
            "check": {"min_features": 1}}


def _cell_out(value: Any) -> str:
    if value is None or value is pd.NA or (isinstance(value, float) and math.isnan(value)):
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return repr(value)
    if isinstance(value, shapely.Geometry):
        return shapely.to_wkt(value, rounding_precision=-1)
    return str(value)


def _write_layer(folder: Path, name: str, kind: str, rows: list[dict]) -> Path:
    data_path = folder / f"{name}.csv"
    cols = stored_columns(kind)
    with open(data_path, "w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(cols)
        for rec in rows:
            rec = {**rec, "geometry_wkt": rec.get("geometry")}
            writer.writerow([_cell_out(rec.get(c)) for c in cols])
    return data_path


def _forget_prepared(name: str) -> None:
    """Drop the prepared GeoParquet of a user layer (it is rebuilt from the stored file)."""
    base = store.prepared_dir() / name
    for suffix in (".parquet", ".meta.json"):
        Path(f"{base}{suffix}").unlink(missing_ok=True)


def import_layer(path: Path, kind: str, name: str | None = None) -> ImportReport:
    """Validate a CSV or GeoJSON file and store its good rows as user layer ``user-<name>``.

    Parameters
    ----------
    path : Path
        The file (at most :data:`geomap.sources.user.MAX_FILE_BYTES` bytes, UTF-8).
    kind : str
        One of :data:`geomap.data.catalog.USER_KINDS`.
    name : str, optional
        Layer name; default: the file's stem. Normalized with :func:`layer_name_for`.

    Returns
    -------
    ImportReport
        ``imported`` is True when at least one row was stored; a new import of the same name
        replaces the earlier layer. When no row is usable nothing is stored or replaced.

    Raises
    ------
    UserLayerError
        The file or the request is unusable as a whole (size, encoding, format, header,
        kind, a name that is a built-in layer's).
    """
    path = Path(path)
    layer = layer_name_for(name if name else path.stem)
    builtin = _builtin_names().get(lookup_key(layer))
    if builtin:
        raise UserLayerError(f"layer name {layer!r} is taken by the built-in layer {builtin!r}")
    fname = safe_text(path.name)
    shapes = _country_polygons() if kind in _POINT_KINDS else None
    rows, log = validate_file(path, kind, layer, country_shapes=shapes)
    report = ImportReport(layer, kind, fname, None, len(rows), log.count, list(log.items))
    if not rows:
        return report
    root = user_dir().resolve()
    root.mkdir(parents=True, exist_ok=True)
    final = root / layer
    tmp = Path(tempfile.mkdtemp(dir=root, prefix=f".{layer}.new-"))
    try:
        _write_layer(tmp, layer, kind, rows)
        record = tomli_w.dumps(_record(layer, kind, name or path.stem, fname,
                                       final / f"{layer}.csv"))
        Source.from_mapping(tomllib.loads(record), record_file=str(final / f"{layer}.toml"))
        (tmp / f"{layer}.toml").write_text(record, encoding="utf-8")
        meta = {
            "file": fname,
            "kind": kind,
            "imported_at": datetime.now(UTC).isoformat(timespec="seconds"),
            "rows": len(rows),
            "rejected": log.count,
            "rejections": log.to_json(),
        }
        (tmp / "import.json").write_text(json.dumps(meta, indent=1), encoding="utf-8")
        report.replaced = final.exists()
        old = None
        if report.replaced:
            old = root / f".{layer}.old-{os.getpid()}-{id(report)}"
            os.replace(final, old)
        os.replace(tmp, final)
        if old is not None:
            shutil.rmtree(old, ignore_errors=True)
    finally:
        if tmp.exists():
            shutil.rmtree(tmp, ignore_errors=True)
    _forget_prepared(layer)
    report.path = final / f"{layer}.csv"
    return report


# ---------------------------------------------------------------- the stored layers


def list_layers() -> list[UserLayer]:
    """The stored user layers, in name order."""
    out = []
    for src in user_records():
        meta = import_meta(src)
        out.append(UserLayer(
            name=src.name, kind=src.kind, title=src.title, file=str(meta.get("file", "")),
            rows=int(meta.get("rows", 0)), rejected=int(meta.get("rejected", 0)),
            imported_at=str(meta.get("imported_at", "")), path=src.table_path(),
        ))
    return out


def remove_layer(name: str) -> str:
    """Delete a stored user layer (and its prepared copy); returns the name removed.

    Raises
    ------
    UserLayerError
        When ``name`` is a built-in layer or no user layer of that name exists.
    """
    builtin = _builtin_names().get(lookup_key(name))
    if builtin:
        raise UserLayerError(f"{builtin!r} is a built-in layer; only user layers can be removed")
    stored = {lookup_key(s.name): s for s in user_records()}
    src = stored.get(lookup_key(name)) or stored.get(lookup_key(layer_name_for(name)))
    if src is None:
        known = ", ".join(sorted(s.name for s in stored.values())) or "none"
        raise UserLayerError(f"no user layer named {name!r}; user layers: {known}")
    shutil.rmtree(user_dir() / src.name)
    _forget_prepared(src.name)
    return src.name
