"""Shared fixtures: the offline mirror served on loopback, and a cache prepared from it."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.servers import MirrorServer

REPO = Path(__file__).resolve().parents[1]


def mirror_dir() -> Path:
    """``GEOMAP_MIRROR_DIR`` or ``../shared/data/mirror`` beside the repository."""
    env = os.environ.get("GEOMAP_MIRROR_DIR")
    return Path(env) if env else REPO.parent / "shared" / "data" / "mirror"


@pytest.fixture(scope="session")
def mirror_root() -> Path:
    root = mirror_dir()
    if not root.is_dir():
        pytest.fail(f"the tests need the data mirror at {root} (set GEOMAP_MIRROR_DIR)")
    return root


@pytest.fixture(scope="session")
def mirror(mirror_root: Path) -> Iterator[MirrorServer]:
    with MirrorServer(mirror_root) as server:
        yield server


@pytest.fixture(scope="session")
def session_cache(tmp_path_factory: pytest.TempPathFactory, mirror: MirrorServer) -> Iterator[Path]:
    """Point geomap at the loopback mirror and a session cache (restored afterwards)."""
    cache = tmp_path_factory.mktemp("cache")
    saved = {k: os.environ.get(k) for k in ("GEOMAP_MIRROR", "GEOMAP_CACHE_DIR", "GEOMAP_OFFLINE")}
    os.environ["GEOMAP_MIRROR"] = mirror.url
    os.environ["GEOMAP_CACHE_DIR"] = str(cache)
    os.environ.pop("GEOMAP_OFFLINE", None)
    yield cache
    for key, value in saved.items():
        if value is None:
            os.environ.pop(key, None)
        else:
            os.environ[key] = value


@pytest.fixture(scope="session")
def prepared(session_cache: Path) -> dict[str, object]:
    """Every layer fetched from the mirror and prepared once per session."""
    from geomap.data import store

    results = store.fetch()
    failed = {name: str(err) for name, err in results.items() if err is not None}
    assert not failed, failed
    return {name: store.load(name) for name in results}


@pytest.fixture()
def fresh_cache(tmp_path: Path, mirror: MirrorServer, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An empty cache for one test, downloading from the loopback mirror."""
    cache = tmp_path / "cache"
    monkeypatch.setenv("GEOMAP_CACHE_DIR", str(cache))
    monkeypatch.setenv("GEOMAP_MIRROR", mirror.url)
    monkeypatch.delenv("GEOMAP_OFFLINE", raising=False)
    return cache


#: Fixtures that serve or prepare the data mirror; a test that uses one is marked ``mirror``.
MIRROR_FIXTURES = {"mirror_root", "mirror", "session_cache", "prepared", "fresh_cache"}


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Mark every test that needs the mirror (through a fixture) with ``mirror``, so
    ``-m "not mirror"`` runs the fast unit tests alone."""
    for item in items:
        if MIRROR_FIXTURES & set(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.mirror)


@pytest.fixture()
def user_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An empty cache of its own, offline (no country polygons: the swap check by country
    is skipped unless a test provides them)."""
    cache = tmp_path / "cache"
    monkeypatch.setenv("GEOMAP_CACHE_DIR", str(cache))
    monkeypatch.setenv("GEOMAP_OFFLINE", "1")
    return cache
