"""Every curated table: every fact row names its source, and no source says how it was looked up."""

from __future__ import annotations

import csv
import re
from pathlib import Path

import pytest

TABLES = sorted((Path(__file__).resolve().parents[1] / "layers" / "tables").glob("*.csv"))
#: Words that describe how or where a fact was looked up, not the publication it comes from.
LOOKUP_TRACES = re.compile(
    r"find_string|read_file|index id|search (tool|corpus|result)|stored copy|read (with|via)\b"
    r"|surfaced by|datasetsearch|\bread (in )?20\d\d\b|transcribed from an image in GitHub",
    re.IGNORECASE)
#: Columns that hold where a fact comes from.
SOURCE_COLUMNS = re.compile(r"(^|_)source$")


@pytest.mark.parametrize("path", TABLES, ids=[p.name for p in TABLES])
def test_sources_name_publications_not_lookups(path: Path):
    with open(path, encoding="utf-8", newline="") as fh:
        reader = csv.DictReader(fh)
        columns = [c for c in reader.fieldnames or [] if SOURCE_COLUMNS.search(c)]
        assert columns, f"{path.name}: no source column"
        bad = []
        for line, row in enumerate(reader, start=2):
            for col in columns:
                if not (row.get(col) or "").strip():
                    bad.append(f"{path.name}:{line}: {col}: empty")
                if LOOKUP_TRACES.search(row.get(col) or ""):
                    bad.append(f"{path.name}:{line}: {col}: {LOOKUP_TRACES.search(row[col]).group(0)!r}")
            for col, text in row.items():
                if col not in columns and text and LOOKUP_TRACES.search(text):
                    bad.append(f"{path.name}:{line}: {col}: {LOOKUP_TRACES.search(text).group(0)!r}")
    assert not bad, bad
