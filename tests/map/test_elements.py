"""Map building blocks on small frames: features encoded once, escaping, the colour scale."""

from __future__ import annotations

import json

import geopandas as gpd
import pandas as pd
from shapely.geometry import Point, Polygon

from geomap.map import elements


def test_features_are_encoded_once_with_rounded_coordinates_and_bounds():
    frame = gpd.GeoDataFrame(
        {"name": ["a", "b", None], "value": [1.5, None, 3.0]},
        geometry=[Point(2.123456, 48.987654), Polygon([(0, 0), (1, 0), (1, 1)]), None],
        crs="EPSG:4326",
    )
    collection, bounds = elements.feature_collection(frame, ["name", "value"])
    data = json.loads(collection.encoded)
    assert [f["properties"] for f in data["features"]] == [
        {"name": "a", "value": 1.5}, {"name": "b", "value": None}]
    assert data["features"][0]["geometry"]["coordinates"] == [2.123, 48.988]
    assert bounds == [[0.0, 0.0], [48.988, 2.123]]
    # Python-side folium sees each feature's properties and geometry type, not its coordinates.
    assert collection["features"][1]["geometry"] == {"type": "Polygon"}


def test_text_from_data_is_escaped_for_html_and_script():
    assert elements.esc('<img src=x onerror="alert(1)">') == (
        "&lt;img src=x onerror=&quot;alert(1)&quot;&gt;")
    assert elements.esc(None) == "" and elements.esc(float("nan")) == ""
    assert "</script>" not in elements.htmlsafe_json(json.dumps({"n": "</script>"}))


def test_colour_scale_runs_from_cheap_to_dear_and_greys_out_missing_values():
    values = pd.Series([0.01, 0.02, 0.03, 0.05, 0.08, 0.13, 0.21, 0.34, None])
    breaks = elements.class_breaks(values)
    assert breaks == sorted(breaks) and breaks[0] == 0.01 and breaks[-1] == 0.34
    colours = [elements.colour_for(v, breaks) for v in values.dropna()]
    assert colours[0] == elements.PALETTE[0] and colours[-1] == elements.PALETTE[-1]
    assert [elements.PALETTE.index(c) for c in colours] == sorted(elements.PALETTE.index(c) for c in colours)
    assert elements.colour_for(None, breaks) == elements.NO_DATA
    assert elements.legend_rows(breaks, ".2f")[-1] == (elements.NO_DATA, "no data")


def test_folium_renders_an_encoded_collection_as_its_text():
    import folium

    frame = gpd.GeoDataFrame({"name": ["<b>x</b>"]}, geometry=[Point(1, 2)], crs="EPSG:4326")
    collection, bounds = elements.feature_collection(frame, ["name"])
    m = folium.Map(tiles=None)
    elements.GeoJsonLayer(collection, bounds=bounds, name="t").add_to(m)
    html = m.get_root().render()
    assert '"coordinates":[1.0,2.0]' in html  # the geometry reached the page
    assert "<b>x</b>" not in html  # and data text is script-safe there
