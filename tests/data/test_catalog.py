"""The layer catalog: every record is valid, complete, and the only place URLs live."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from geomap.data.catalog import KINDS, Source, load_catalog
from geomap.errors import CatalogError
from geomap.names import lookup_key

REPO = Path(__file__).resolve().parents[2]


def test_every_record_loads_with_provenance():
    catalog = load_catalog()
    assert len(catalog) >= 12
    for source in catalog.values():
        assert source.kind in KINDS
        assert source.license and source.attribution and source.citation
        assert source.urls or source.is_curated, source.name
        if source.is_curated:
            assert source.table_path().is_file(), source.table_path()


def test_every_kind_has_a_source():
    catalog = load_catalog()
    for kind in KINDS:
        assert catalog.by_kind(kind), kind


def test_lookup_is_forgiving_and_errors_list_names():
    catalog = load_catalog()
    assert catalog["NE_Admin0"].name == "ne-admin0"
    assert catalog["epoch gpu clusters"].name == "epoch-gpu-clusters"
    with pytest.raises(CatalogError, match="known layers: .*ne-admin0"):
        catalog.get_source("no-such-layer")
    assert lookup_key("A.b-C_d/e f") == "abcdef"


def test_licenses_required_by_the_guide():
    catalog = load_catalog()
    assert "CC BY-NC-SA" in catalog["telegeography-cables"].license
    assert "CC BY 4.0" in catalog["epoch-gpu-clusters"].license
    assert catalog["ne-admin0"].license == "Public domain"
    # The Bitcoin file is gone from the default branch: the record pins a commit.
    assert re.search(r"/[0-9a-f]{40}/", catalog["sun-bitcoin-hashrate"].urls[0])


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"kind": "weather"}, "kind 'weather' is not one of"),
        ({"license": ""}, "missing required key"),
        ({"urls": ["ftp:/nope"]}, "not an absolute http"),
        ({"colour": "red"}, "unknown key"),
        ({"years": [2020, 2010]}, "years must be"),
        ({"check": {"min_rows": 3}}, r"unknown \[check\] key"),
    ],
)
def test_bad_records_are_rejected_with_file_and_key(change, message):
    base = {
        "name": "x", "kind": "cables", "title": "t", "license": "l", "attribution": "a",
        "citation": "c", "format": "geojson", "loader": "telegeography_cables",
        "urls": ["https://example.org/x.geojson"],
    }
    with pytest.raises(CatalogError, match=message) as info:
        Source.from_mapping({**base, **change}, record_file="layers/x.toml")
    assert "layers/x.toml" in str(info.value)


def test_records_are_immutable():
    source = load_catalog()["ne-admin0"]
    with pytest.raises(AttributeError):
        source.name = "other"  # type: ignore[misc]
    with pytest.raises(TypeError):
        source.options["simplify_deg"] = 1  # type: ignore[index]


def test_no_url_is_written_in_code():
    """Sources are data: URLs live in layers/*.toml, never in the library."""
    pattern = re.compile(r"https?://(?!127\.0\.0\.1|localhost|example\.org)[\w.-]+\.[a-z]{2,}")
    offenders = []
    for path in sorted((REPO / "geomap").rglob("*.py")):
        for lineno, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if pattern.search(line):
                offenders.append(f"{path.relative_to(REPO)}:{lineno}: {line.strip()}")
    assert not offenders, "\n".join(offenders)


def test_curated_tables_have_a_source_on_every_row():
    import csv

    for path in sorted((REPO / "layers" / "tables").glob("*.csv")):
        with open(path, encoding="utf-8", newline="") as fh:
            rows = list(csv.DictReader(fh))
        source_cols = [c for c in (rows[0].keys() if rows else []) if "source" in c]
        assert source_cols, f"{path.name} has no source column"
        for i, row in enumerate(rows, start=2):
            assert any(row[c].strip() for c in source_cols), f"{path.name}:{i} has no source"
