"""The cache: cold and warm starts, corrupted files fetched again, clear offline errors."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from geomap import cli
from geomap.data import download, store
from geomap.data.catalog import load_catalog
from geomap.errors import DataUnavailableError, DownloadError

WB = "worldbank-electricity-price"
WB_PATH = "/api.worldbank.org/v2/country/all/indicator/IC.ELC.PRI.KH.DB1619"


@pytest.fixture(autouse=True)
def fast_retries(monkeypatch):
    monkeypatch.setattr(download, "BACKOFF_S", 0.01)


def test_cold_then_warm_start(fresh_cache, mirror):
    before = mirror.requests[WB_PATH]
    cold = store.load(WB)
    assert mirror.requests[WB_PATH] == before + 1
    raw = download.raw_path(load_catalog()[WB].urls[0])
    assert raw.is_file() and raw.with_name(raw.name + ".sha256").is_file()
    assert (fresh_cache / "prepared" / f"{WB}.parquet").is_file()
    warm = store.load(WB)  # from GeoParquet: no request, same rows
    assert mirror.requests[WB_PATH] == before + 1
    assert warm.equals(cold)


def test_corrupted_raw_file_is_fetched_again(fresh_cache, mirror):
    source = load_catalog()[WB]
    store.load(WB)
    raw = download.raw_path(source.urls[0])
    raw.write_bytes(raw.read_bytes()[:1000])  # truncated on disk
    (fresh_cache / "prepared" / f"{WB}.parquet").unlink()  # force a re-prepare
    n = mirror.requests[WB_PATH]
    frame = store.load(WB)
    assert mirror.requests[WB_PATH] == n + 1
    assert len(frame) > 1000
    assert download.sha256_file(raw) == raw.with_name(raw.name + ".sha256").read_text().strip()


def test_corrupted_prepared_file_is_rebuilt(fresh_cache, mirror):
    store.load(WB)
    prepared = fresh_cache / "prepared" / f"{WB}.parquet"
    prepared.write_bytes(b"not parquet at all")
    n = mirror.requests[WB_PATH]
    frame = store.load(WB)
    assert len(frame) > 1000
    assert mirror.requests[WB_PATH] == n  # the raw copy was good: no download needed


def test_edited_curated_table_is_reprepared(fresh_cache, tmp_path, monkeypatch):
    import shutil

    layers = tmp_path / "layers"
    shutil.copytree(load_catalog()["mining-eras"].table_path().parents[1], layers)
    monkeypatch.setenv("GEOMAP_LAYERS_DIR", str(layers))
    first = len(store.load("mining-eras"))
    table = layers / "tables" / "mining_eras.csv"
    lines = table.read_text(encoding="utf-8").splitlines()
    table.write_text("\n".join(lines[:-5]) + "\n", encoding="utf-8")
    os.utime(table, (table.stat().st_atime, table.stat().st_mtime + 10))
    assert len(store.load("mining-eras")) == first - 5


def test_offline_with_empty_cache_names_what_is_missing(fresh_cache, monkeypatch):
    monkeypatch.setenv("GEOMAP_OFFLINE", "1")
    with pytest.raises(DataUnavailableError) as info:
        store.load("epoch-gpu-clusters")
    message = str(info.value)
    assert "https://epoch.ai/data/gpu_clusters.csv" in message
    assert "geomap fetch" in message and "GEOMAP_MIRROR" in message


def test_unreachable_network_with_empty_cache_is_one_clear_line(fresh_cache, monkeypatch):
    monkeypatch.setenv("GEOMAP_MIRROR", "http://127.0.0.1:9")  # nothing listens on port 9
    with pytest.raises(DownloadError, match="Nothing is cached for it: run `geomap fetch`"):
        store.load("epoch-gpu-clusters")


def test_cli_offline_error_is_not_a_traceback(fresh_cache):
    env = {**os.environ, "GEOMAP_OFFLINE": "1"}
    proc = subprocess.run(
        [sys.executable, "-m", "geomap.cli", "layers", "--offline"],
        capture_output=True, text=True, env=env, timeout=120,
    )
    assert proc.returncode == 2
    assert "Traceback" not in proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("geomap: error:")
    assert "geomap fetch" in lines[0]


def test_cli_fetch_prints_each_layer(fresh_cache, capsys):
    assert cli.main(["fetch", "--quiet", "--layer", WB, "--layer", "historic-cables"]) == 0
    out = capsys.readouterr().out
    # 1,140 records in the file: every one is either kept or counted as rejected.
    assert f"ok      {WB}: 1115 features, 25 rejected" in out
    assert "ok      historic-cables:" in out
