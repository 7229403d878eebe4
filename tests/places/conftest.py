"""Fixtures of the places tests."""

from __future__ import annotations

import pandas as pd
import pytest

from tests.places.mirror_files import EPOCH_CSV, need


@pytest.fixture(scope="module")
def epoch() -> pd.DataFrame:
    """Epoch AI's GPU cluster table as downloaded (its free-text locations)."""
    return pd.read_csv(need(EPOCH_CSV))
