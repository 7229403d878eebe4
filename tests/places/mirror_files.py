"""Raw files of the data mirror that the places tests read directly (they skip without it)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import mirror_dir

MIRROR = mirror_dir()
EPOCH_CSV = MIRROR / "epoch.ai/data/gpu_clusters.csv"


def need(path: Path) -> Path:
    """``path``, or a skip of the test when the mirror lacks it."""
    if not path.exists():
        pytest.skip(f"mirror file not found: {path} (set GEOMAP_MIRROR_DIR to the mirror root)")
    return path
