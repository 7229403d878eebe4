"""The app's upload box: a user layer imported from an uploaded file, and removed again."""

from __future__ import annotations

from pathlib import Path

from geomap.app import upload
from geomap.data import store
from geomap.data.userlayers import import_layer, list_layers
from tests.userfiles import DC_HEADER, XSS
from tests.userfiles import catalog as _catalog
from tests.userfiles import write as _write

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
