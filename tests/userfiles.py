"""Small user files for the user-layer tests: hostile text, a data-center header, a writer."""

from __future__ import annotations

from pathlib import Path

from geomap.data.catalog import Catalog, load_catalog

XSS = "<img src=x onerror=alert(1)>"
DC_HEADER = "name,operator,lat,lon,power_mw,year_in_service,country\n"


def write(tmp_path: Path, name: str, text: str) -> Path:
    """``text`` written as UTF-8 to ``tmp_path/name``."""
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def catalog() -> Catalog:
    """The catalog as the app and CLI see it: built-in records plus the user's."""
    return load_catalog()
