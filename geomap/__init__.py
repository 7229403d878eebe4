"""geomap: where AI tokens are made and what they cost."""

from __future__ import annotations

__version__ = "0.1.0"
