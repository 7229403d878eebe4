"""The Streamlit app runs over the library (Streamlit's AppTest, no browser)."""

from __future__ import annotations

from pathlib import Path

from streamlit.testing.v1 import AppTest

APP = str(Path(__file__).resolve().parents[1] / "streamlit_app.py")


def test_app_lists_every_layer_with_its_license(prepared):
    at = AppTest.from_file(APP, default_timeout=120).run()
    assert not at.exception
    assert not at.error
    table = at.dataframe[0].value
    assert set(table["layer"]) == set(prepared)
    cables = table.set_index("layer").loc["telegeography-cables"]
    assert cables["features"] == 575
    assert "CC BY-NC-SA" in cables["license"]
