"""Bad input: malformed or truncated downloads, impossible rows, missing fields, unknown names.

Each case serves a real mirror file, altered in the test, from its own loopback server.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pandas as pd
import pytest

from geomap.data import download, store
from geomap.data.catalog import load_catalog
from geomap.errors import DataFormatError, DownloadError
from tests.servers import MirrorServer, answer

LP_GEO = "www.submarinecablemap.com/api/v3/landing-point/landing-point-geo.json"
CABLE_GEO = "www.submarinecablemap.com/api/v3/cable/cable-geo.json"
CLOUD = "www.cloudinfrastructuremap.com/api/service/cloud-regions.js"
GPU = "epoch.ai/data/gpu_clusters.csv"
BTC = (
    "raw.githubusercontent.com/jricb/bitcoin_mining_spatial_analysis/"
    "38cd1846e25a34107cb3af63dd73bf38b29766ec/data_for_paper_final_version/"
    "Aggregated harsh rate by unique address(201806-201905).csv"
)


@pytest.fixture()
def altered(tmp_path, mirror_root, monkeypatch):
    """A writable copy of chosen mirror files, served on loopback, with an empty cache."""
    root = tmp_path / "mirror"

    def copy(*rel_paths: str) -> Path:
        for rel in rel_paths:
            src = mirror_root / rel
            dst = root / rel
            dst.parent.mkdir(parents=True, exist_ok=True)
            if src.is_dir():
                shutil.copytree(src, dst, dirs_exist_ok=True)
            else:
                shutil.copy(src, dst)
        return root

    root.mkdir()
    server = MirrorServer(root).__enter__()
    monkeypatch.setenv("GEOMAP_MIRROR", server.url)
    monkeypatch.setenv("GEOMAP_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.delenv("GEOMAP_OFFLINE", raising=False)
    monkeypatch.setattr(download, "BACKOFF_S", 0.01)
    server.copy = copy  # type: ignore[attr-defined]
    server.root = root  # type: ignore[attr-defined]
    yield server
    server.__exit__(None, None, None)


def _no_partial_files(cache: Path) -> None:
    leftovers = [p for p in cache.rglob("*") if ".part" in p.name]
    assert not leftovers, leftovers


def test_truncated_download_is_retried_then_reported(altered, tmp_path):
    path = "/" + GPU
    altered.faults[path] = answer(200, b"Name,Status\nx,Existing\n", declared=50_000)
    with pytest.raises(DownloadError) as info:
        store.load("epoch-gpu-clusters")
    assert "https://epoch.ai/data/gpu_clusters.csv" in str(info.value)
    assert "truncated" in str(info.value)
    assert altered.requests[path] == download.ATTEMPTS
    assert not download.raw_path("https://epoch.ai/data/gpu_clusters.csv").exists()
    _no_partial_files(tmp_path / "cache")


def test_html_error_page_is_not_cached_and_a_later_good_run_succeeds(altered, tmp_path):
    altered.copy(LP_GEO, CABLE_GEO, "www.submarinecablemap.com/api/v3/cable")
    path = "/" + LP_GEO
    altered.faults[path] = answer(200, b"<html><body>Service unavailable</body></html>")
    with pytest.raises(DownloadError, match="not valid geojson"):
        store.load("telegeography-landing-points")
    url = load_catalog()["telegeography-landing-points"].urls[0]
    assert not download.raw_path(url).exists()
    _no_partial_files(tmp_path / "cache")
    del altered.faults[path]
    assert len(store.load("telegeography-landing-points")) == 1655


def test_server_errors_are_retried(altered):
    altered.copy(CLOUD)
    path = "/" + CLOUD
    calls = {"n": 0}
    good = answer(200, (altered.root / CLOUD).read_bytes())
    fail = answer(503, b"busy")

    def flaky(handler):
        calls["n"] += 1
        (fail if calls["n"] < 3 else good)(handler)

    altered.faults[path] = flaky
    assert len(store.load("telegeography-cloud-regions")) == 357
    assert altered.requests[path] == 3


def test_impossible_coordinates_reject_one_feature_and_keep_the_rest(altered):
    root = altered.copy(LP_GEO, CABLE_GEO, "www.submarinecablemap.com/api/v3/cable")
    data = json.loads((root / LP_GEO).read_text())
    victim = data["features"][4]
    victim["geometry"]["coordinates"] = [512.0, 95.0]
    (root / LP_GEO).write_text(json.dumps(data))
    frame = store.load("telegeography-landing-points")
    assert len(frame) == 1654
    assert victim["properties"]["id"] not in set(frame["lp_id"])
    info = store.info("telegeography-landing-points")
    assert info.rejected == 1
    (rej,) = store.rejections("telegeography-landing-points")
    assert rej["file"] == "landing-point-geo.json"
    assert victim["properties"]["id"] in rej["row"] and rej["field"] == "geometry"


def test_missing_column_is_refused_at_download(altered):
    root = altered.copy(GPU)
    frame = pd.read_csv(root / GPU, low_memory=False).drop(columns=["Location"])
    frame.to_csv(root / GPU, index=False)
    with pytest.raises(DownloadError, match=r"CSV lacks column\(s\) Location"):
        store.load("epoch-gpu-clusters")


def test_unknown_country_name_is_reported_by_row_and_field(altered):
    root = altered.copy(CLOUD)
    data = json.loads((root / CLOUD).read_text())
    data["cloud_regions"][0]["country"] = "Atlantis"
    n_providers = len(data["cloud_regions"][0]["cloud_service_providers"])
    (root / CLOUD).write_text(json.dumps(data))
    frame = store.load("telegeography-cloud-regions")
    assert len(frame) == 357 - n_providers
    (rej,) = store.rejections("telegeography-cloud-regions")
    assert rej["field"] == "country" and "Atlantis" in rej["reason"]
    assert rej["row"].startswith("metro 1 ")


def test_bad_bitcoin_rows_are_counted(altered):
    root = altered.copy(BTC)
    lines = (root / BTC).read_text(encoding="utf-8").splitlines()
    cols = lines[1].split(",")
    cols[4] = "123.0"  # latitude out of range
    lines[1] = ",".join(cols)
    (root / BTC).write_text("\n".join(lines) + "\n", encoding="utf-8")
    frame = store.load("sun-bitcoin-hashrate")
    rejected = store.rejections("sun-bitcoin-hashrate")
    assert len(rejected) == 1 and rejected[0]["row"].startswith("2 ")
    assert rejected[0]["field"] == "latitude/longitude"
    assert len(frame) >= 1301


def test_bad_rows_in_a_curated_table(fresh_cache, tmp_path, monkeypatch):
    layers = tmp_path / "layers"
    shutil.copytree(load_catalog()["national-prices"].table_path().parents[1], layers)
    monkeypatch.setenv("GEOMAP_LAYERS_DIR", str(layers))
    table = layers / "tables" / "national_prices.csv"
    good = len(store.load("national-prices"))
    with open(table, "a", encoding="utf-8") as fh:
        fh.write("XX-ZZ,0.1,USD,kWh,2023,industrial,industrial_average,,A source,bad region\n")
        fh.write("US,0.1,USD,kWh,2023,industrial,industrial_average,,,no source\n")
        fh.write("US,,USD,kWh,2023,industrial,industrial_average,,A source,no price\n")
        fh.write("US,0.1,USD,kWh,2023,industrial,retail,,A source,unknown class\n")
    frame = store.load("national-prices")
    assert len(frame) == good
    fields = {r["field"] for r in store.rejections("national-prices")}
    assert {"region_id", "source", "price", "basis_class"} <= fields


def test_failed_refetch_keeps_the_previous_good_copy(altered):
    altered.copy(CLOUD)
    store.load("telegeography-cloud-regions")
    url = load_catalog()["telegeography-cloud-regions"].urls[0]
    before = download.raw_path(url).read_bytes()
    altered.faults["/" + CLOUD] = answer(200, b"{\"cloud_regions\": 5")
    with pytest.raises(DownloadError, match="A previous copy stays in the cache"):
        download.fetch_url(url, force=True, validate=lambda p: download.check_content(p, "json", None, url))
    assert download.raw_path(url).read_bytes() == before
    assert download.is_cached(url)


def test_unreadable_curated_table_names_the_file(fresh_cache, tmp_path, monkeypatch):
    layers = tmp_path / "layers"
    shutil.copytree(load_catalog()["mining-eras"].table_path().parents[1], layers)
    monkeypatch.setenv("GEOMAP_LAYERS_DIR", str(layers))
    (layers / "tables" / "mining_eras.csv").write_bytes(b"\xff\xfe\x00garbage")
    with pytest.raises(DataFormatError, match="mining_eras.csv"):
        store.load("mining-eras")
