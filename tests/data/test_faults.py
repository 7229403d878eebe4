"""Downloads under injected faults (loopback only): retries, one clear line, no bad cache files."""

from __future__ import annotations

import socket
import struct
import time

import pytest

from geomap import cli
from geomap.data import download, store
from geomap.data.catalog import load_catalog
from geomap.errors import DownloadError
from tests.sources.test_bad_input import CABLE_GEO, CLOUD, LP_GEO, altered  # noqa: F401 - fixture

WB = "api.worldbank.org/v2/country/all/indicator/IC.ELC.PRI.KH.DB1619"


def reset_connection(handler) -> None:
    """Close the socket with RST (SO_LINGER 0) before any response."""
    handler.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    handler.close_connection = True


def stall(seconds: float):
    def reply(handler) -> None:
        handler.send_response(200)
        handler.send_header("Content-Length", "1000")
        handler.end_headers()
        handler.wfile.write(b"[")
        handler.wfile.flush()
        time.sleep(seconds)  # longer than the read timeout

    return reply


@pytest.fixture()
def quick(monkeypatch):
    monkeypatch.setattr(download, "BACKOFF_S", 0.01)
    monkeypatch.setattr(download, "TIMEOUT_S", (2.0, 0.5))


def _no_partial_files(root) -> None:
    assert not [p for p in root.rglob("*") if ".part" in p.name]


def test_connection_reset_is_retried_then_reported(altered, quick, tmp_path):  # noqa: F811
    altered.faults["/" + WB] = reset_connection
    with pytest.raises(DownloadError) as info:
        store.load("worldbank-electricity-price")
    message = str(info.value)
    assert "api.worldbank.org" in message and f"after {download.ATTEMPTS} attempts" in message
    assert altered.requests["/" + WB] == download.ATTEMPTS
    _no_partial_files(tmp_path / "cache")


def test_a_stalled_body_times_out_and_a_later_good_run_succeeds(altered, quick, tmp_path):  # noqa: F811
    altered.copy(WB)
    altered.faults["/" + WB] = stall(1.5)
    with pytest.raises(DownloadError, match="Timeout|timed out"):
        store.load("worldbank-electricity-price")
    _no_partial_files(tmp_path / "cache")
    del altered.faults["/" + WB]
    assert len(store.load("worldbank-electricity-price")) > 1000


def test_wrong_json_is_refused(altered, quick):  # noqa: F811
    altered.copy(WB)
    (altered.root / WB).write_text('{"message": "rate limited"}')
    with pytest.raises(DownloadError):
        store.load("worldbank-electricity-price")
    assert not download.raw_path(load_catalog()["worldbank-electricity-price"].urls[0]).exists()


def test_a_different_file_at_the_url_is_refused(altered, quick):  # noqa: F811
    root = altered.copy(LP_GEO, CABLE_GEO)
    # The landing-point file served where the cable routes belong.
    (root / CABLE_GEO).write_bytes((root / LP_GEO).read_bytes())
    with pytest.raises(DownloadError, match="a different file"):
        store.load("telegeography-cables")


def test_fetch_exits_non_zero_with_one_line_per_failed_layer(altered, quick, capsys):  # noqa: F811
    altered.copy(CLOUD)
    altered.faults["/" + WB] = reset_connection
    code = cli.main(["fetch", "--quiet", "--layer", "worldbank-electricity-price",
                     "--layer", "telegeography-cloud-regions"])
    assert code == 1
    out, err = capsys.readouterr()
    assert "ok      telegeography-cloud-regions" in out
    lines = [x for x in err.splitlines() if x.strip()]
    assert len(lines) == 1
    assert lines[0].startswith("FAILED  worldbank-electricity-price:") and "api.worldbank.org" in lines[0]
