"""Exceptions geomap raises; each message names the file, row or feature, and field."""

from __future__ import annotations


class GeomapError(Exception):
    """Base class: the CLI prints these as one line and exits non-zero, never as a traceback."""


class CatalogError(GeomapError):
    """A layer record in ``layers/`` is invalid, or a layer name is unknown."""


class DownloadError(GeomapError):
    """A download failed or its content did not pass the record's checks."""


class DataUnavailableError(GeomapError):
    """A layer's data is neither in the cache nor downloadable right now."""


class DataFormatError(GeomapError):
    """A file cannot be read at all (not a row-level problem: those become rejections)."""
