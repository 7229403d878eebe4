"""What every loader shares: the call signature, the context it is handed, and small readers.

Every loader has the same signature, ``loader(source, ctx) -> DataFrame``: ``source`` is the
catalog record and ``ctx`` (:class:`LoadContext`) hands out the cached files and the
rejection log, so loaders never download or write anything themselves. The store
(:mod:`geomap.data.store`) conforms what a loader returns to the kind's schema.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from geomap.data.catalog import Source
from geomap.errors import DataFormatError
from geomap.quality import RejectLog
from geomap.tables import read_frame


@dataclass
class LoadContext:
    """What a loader gets besides its record: file access and the rejection log."""

    files: Callable[[], list[Path]]
    items: Callable[[list[str]], list[Path]]
    log: RejectLog

    def file(self, i: int = 0) -> Path:
        return self.files()[i]


#: The one signature of a loader.
LoaderFn = Callable[[Source, LoadContext], pd.DataFrame]


def valid_lat_lon(lat: object, lon: object) -> bool:
    """True for a finite latitude in [-90, 90] and longitude in [-180, 180].

    >>> valid_lat_lon(48.85, 2.35), valid_lat_lon(95, 0), valid_lat_lon("x", 0)
    (True, False, False)
    """
    try:
        lat_f, lon_f = float(lat), float(lon)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return False
    return math.isfinite(lat_f) and math.isfinite(lon_f) and -90 <= lat_f <= 90 and -180 <= lon_f <= 180


def read_json(path: Path, what: str) -> object:
    """A JSON file's content; an unreadable file is a :class:`DataFormatError` naming ``what``."""
    try:
        with open(path, "rb") as fh:
            return json.load(fh)
    except (ValueError, OSError) as exc:
        raise DataFormatError(f"{what}: not valid JSON: {exc}") from exc


def check_columns(frame: pd.DataFrame, columns: list[str], what: str) -> None:
    """Raise :class:`DataFormatError` naming ``what`` and the columns ``frame`` lacks."""
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise DataFormatError(f"{what}: missing column(s) {', '.join(missing)}")


def read_curated(source: Source) -> pd.DataFrame:
    """A curated table's rows as text (the record's ``path``)."""
    return read_frame(source.table_path())
