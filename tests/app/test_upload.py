"""The app's upload box: a user layer imported from an uploaded file, and removed again."""

from __future__ import annotations

from pathlib import Path

import pytest

from geomap.app import upload
from geomap.data import store
from geomap.data.catalog import Catalog, load_catalog
from geomap.data.userlayers import import_layer, list_layers

XSS = "<img src=x onerror=alert(1)>"
DC_HEADER = "name,operator,lat,lon,power_mw,year_in_service,country\n"


@pytest.fixture()
def user_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An empty cache of its own, offline (no country polygons: the swap check by country
    is skipped unless a test provides them)."""
    cache = tmp_path / "cache"
    monkeypatch.setenv("GEOMAP_CACHE_DIR", str(cache))
    monkeypatch.setenv("GEOMAP_OFFLINE", "1")
    return cache


def _write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def _catalog() -> Catalog:
    """The catalog as the app and CLI see it: built-in records plus the user's."""
    return load_catalog()


# ---------------------------------------------------------------- app widget


class _Box:
    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False


class _FakeSt:
    """Records what the widget shows; only the calls upload_widget makes."""

    def __init__(self, upload, press: set[str]):
        self.upload, self.press, self.shown = upload, press, []
        self.sidebar = self
        self.cache_data = self.cache_resource = self
        self.cleared = 0

    def clear(self):
        self.cleared += 1

    def expander(self, label):
        return _Box()

    def file_uploader(self, label, **kw):
        return self.upload

    def selectbox(self, label, options, **kw):
        return options[0] if label != "Kind" else "data_centers"

    def text_input(self, label, **kw):
        return ""

    def button(self, label, key=None, **kw):
        return key in self.press

    def __getattr__(self, name):  # caption, success, warning, error, text, code, markdown...
        return lambda *args, **kw: self.shown.append((name, args))


class _Upload:
    def __init__(self, name: str, data: bytes):
        self.name, self._data, self.size = name, data, len(data)

    def getvalue(self) -> bytes:
        return self._data


def test_upload_widget_shows_user_text_as_text(user_cache: Path):
    data = (DC_HEADER + f"{XSS},Acme,1,2,,,\n**bold**,Acme,1,200,,,\n").encode()
    st = _FakeSt(_Upload("../../evil <b>.csv", data), {"userlayer_import"})
    report = upload.upload_widget(st)
    assert report is not None and report.n_good == 1 and report.name == "user-evil-b"
    assert st.cleared == 2  # st.cache_data and st.cache_resource: the app's shared tables too
    kinds = [name for name, _ in st.shown]
    assert "markdown" not in kinds
    texts = [args[0] for name, args in st.shown if name in ("text", "code")]
    assert any("**bold**" not in t and "evil <b>.csv: row 2: field 'lon'" in t for t in texts)
    for name, args in st.shown:  # markdown-rendering calls carry no text from the file
        if name in ("success", "warning", "error", "caption", "info"):
            assert "<" not in args[0] and "*" not in args[0]
    assert store.load("user-evil-b", _catalog())["name"].tolist() == [XSS]

    st = _FakeSt(None, {"userlayer_remove"})
    assert upload.upload_widget(st) is None
    assert list_layers() == [] and ("text", ("removed user-evil-b",)) in st.shown


def test_upload_widget_renders_in_streamlit(user_cache: Path, tmp_path: Path):
    from streamlit.testing.v1 import AppTest

    def app():
        import streamlit as st

        from geomap.app.upload import upload_widget

        upload_widget(st)

    import_layer(_write(tmp_path, "dcs.csv", DC_HEADER + "A,Acme,1,2,,,\n"), "data_centers")
    at = AppTest.from_function(app, default_timeout=60).run()
    assert not at.exception
    assert [s.label for s in at.sidebar.selectbox] == ["Kind", "Your layers"]
    assert at.sidebar.selectbox[1].value == "user-dcs"
    at.sidebar.button(key="userlayer_remove").click().run()
    assert not at.exception and list_layers() == []
    assert "removed user-dcs" in [t.value for t in at.sidebar.text]
