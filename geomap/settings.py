"""Paths and environment (cache dir, layers dir, mirror, offline), read in one place.

Every setting is read when asked for, not at import, so tests and the app can change the
environment between calls.

=========================== ==========================================================
``GEOMAP_CACHE_DIR``        root of the download and prepared-layer cache
``GEOMAP_LAYERS_DIR``       folder of source records and curated tables (default: ``layers/``)
``GEOMAP_MIRROR``           base URL of a mirror laid out as ``<base>/<host>/<path>``
``GEOMAP_OFFLINE``          any value but ``""``, ``0`` or ``false`` forbids downloads
``GEOMAP_NO_GAZETTEER_CACHE`` set: the offline gazetteer is rebuilt, never read from the cache
=========================== ==========================================================
"""

from __future__ import annotations

import os
from pathlib import Path

#: The repository (or installed tree) that holds the package and its ``layers/`` folder.
PROJECT_DIR = Path(__file__).resolve().parent.parent
#: Source records and curated tables shipped beside the package.
SHIPPED_LAYERS_DIR = PROJECT_DIR / "layers"


def cache_dir() -> Path:
    """Root of the cache: ``GEOMAP_CACHE_DIR`` or the user cache dir (platformdirs)."""
    env = os.environ.get("GEOMAP_CACHE_DIR")
    if env:
        return Path(env)
    import platformdirs  # only when no cache dir is set

    return Path(platformdirs.user_cache_dir("geomap", appauthor=False))


def user_layers_dir() -> Path:
    """Where layers added with ``geomap import`` are stored: ``<cache>/user``."""
    return cache_dir() / "user"


def layers_dir() -> Path:
    """Folder that holds the source records and curated tables.

    ``GEOMAP_LAYERS_DIR`` overrides it; the default is ``layers/`` beside the package.
    """
    env = os.environ.get("GEOMAP_LAYERS_DIR")
    return Path(env) if env else SHIPPED_LAYERS_DIR


def mirror_base() -> str | None:
    """Base URL of a mirror (``GEOMAP_MIRROR``), laid out as ``<base>/<host>/<path>``."""
    base = os.environ.get("GEOMAP_MIRROR", "").strip()
    return base.rstrip("/") or None


def offline(flag: bool | None = None) -> bool:
    """``flag`` when given, else whether ``GEOMAP_OFFLINE`` forbids downloads.

    >>> offline(True)
    True
    """
    if flag is not None:
        return flag
    return os.environ.get("GEOMAP_OFFLINE", "") not in ("", "0", "false")


def gazetteer_cache_enabled() -> bool:
    """False when ``GEOMAP_NO_GAZETTEER_CACHE`` is set (always rebuild the gazetteer)."""
    return not os.environ.get("GEOMAP_NO_GAZETTEER_CACHE")
