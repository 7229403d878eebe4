"""Map building blocks: features encoded once, HTML-safe text, the colour scale and legend."""

from __future__ import annotations

import html
import json
import math

import folium
import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from branca.element import Element, MacroElement
from jinja2 import Template

#: Sequential palette, cheap (light) to dear (dark): ColorBrewer YlOrRd, 7 classes.
PALETTE = ["#ffffb2", "#fed976", "#feb24c", "#fd8d3c", "#fc4e2a", "#e31a1c", "#b10026"]


NO_DATA = "#d9d9d9"
#: Regions whose price does not compare (stale, small-business, wholesale ...): pale, outlined dashed.
NOT_COMPARABLE = "#f4f1ea"


#: Display coordinates are rounded to this many decimals (1e-3° ≈ 100 m) to keep pages small.
DISPLAY_DECIMALS = 3


class EncodedCollection(dict):
    """A GeoJSON FeatureCollection for folium, with its JSON encoded once, up front.

    The dict holds each feature's ``id`` and ``properties`` (all folium reads in Python: style
    and highlight functions, tooltip fields); ``encoded`` is the whole collection, geometry
    included, as JSON text made by shapely's vectorized ``to_geojson`` rather than by a walk
    over every coordinate in Python. :func:`_tojson` hands that text to folium's templates.
    """

    def __init__(self, features: list[dict], encoded: str):
        super().__init__(type="FeatureCollection", features=features)
        self.encoded = encoded


def _tojson(obj, **kwargs) -> str:
    """The ``json.dumps`` of folium's templates: pre-encoded collections pass as they are."""
    if isinstance(obj, EncodedCollection):
        return obj.encoded
    return json.dumps(obj, **kwargs)


# folium's templates encode data with this function: pre-encoded collections are not re-encoded.
folium.GeoJson._template.environment.policies["json.dumps_function"] = _tojson


class _Text(Element):
    """Finished text in a figure (rendered without being parsed as a Jinja template)."""

    def __init__(self, text: str):
        super().__init__()
        self._text = text

    def render(self, **kwargs) -> str:
        return self._text


class GeoJsonLayer(folium.GeoJson):
    """folium's GeoJson over an :class:`EncodedCollection`, with its bounds known up front.

    Two costs of plain folium are avoided on every app run: walking every coordinate in
    Python (for bounds and for JSON), and branca parsing each rendered script, megabytes of
    embedded GeoJSON included, as a Jinja template. The script is rendered with a short
    placeholder for the data, which is then put in as finished text.
    """

    def __init__(self, data: EncodedCollection, *args, bounds: list | None = None, **kwargs):
        super().__init__(data, *args, **kwargs)
        self._bounds = bounds

    def _get_self_bounds(self):
        if self._bounds is None:
            return super()._get_self_bounds()
        return self._bounds

    def render(self, **kwargs):
        full, token = self.data.encoded, f"geomap_data_{self.get_name()}"
        self.data.encoded = token
        try:
            super().render(**kwargs)
        finally:
            self.data.encoded = full
        script = self.get_root().script
        rendered = script._children.get(self.get_name())
        if rendered is not None:
            text = rendered.render().replace(token, htmlsafe_json(full), 1)
            script._children[self.get_name()] = _Text(text)
            script._children[self.get_name()]._parent = script


def htmlsafe_json(text: str) -> str:
    """JSON text made safe inside a <script> element, as Jinja's ``tojson`` does."""
    return (text.replace("<", "\\u003c").replace(">", "\\u003e")
            .replace("&", "\\u0026").replace("'", "\\u0027"))


def esc(value: object) -> str:
    """Text from data, escaped for HTML (tooltips and popups use innerHTML)."""
    if value is None or (isinstance(value, float) and math.isnan(value)) or value is pd.NA:
        return ""
    return html.escape(str(value), quote=True)


def fmt_value(value: object, fmt: str, unit: str = "") -> str:
    try:
        if value is None or pd.isna(value):
            return "no data"
    except (TypeError, ValueError):
        pass
    return f"{format(float(value), fmt)}{unit}"


def _round_geoms(geoms: np.ndarray) -> np.ndarray:
    present = ~shapely.is_missing(geoms)
    out = geoms.copy()
    out[present] = shapely.transform(geoms[present], lambda xy: np.round(xy, DISPLAY_DECIMALS))
    return out


def feature_collection(frame: gpd.GeoDataFrame, props: list[str]) -> tuple[EncodedCollection, list | None]:
    """The features of ``frame`` with only ``props`` (display-ready), and their bounds.

    Rows without geometry are left out. Bounds are ``[[south, west], [north, east]]``.
    """
    geoms = _round_geoms(frame.geometry.values)
    present = ~shapely.is_missing(geoms)
    geoms = geoms[present]
    rows = frame.loc[present, props].to_dict("records")
    features, parts = [], []
    for i, (row, geom, geometry) in enumerate(zip(rows, geoms, shapely.to_geojson(geoms), strict=True)):
        clean = {k: (None if (not isinstance(v, str) and pd.isna(v)) else v) for k, v in row.items()}
        # Python-side folium sees the geometry's type only (it checks for collections).
        features.append({"type": "Feature", "id": str(i), "properties": clean,
                         "geometry": {"type": geom.geom_type}})
        parts.append(f'{{"type":"Feature","id":"{i}","properties":{json.dumps(clean)},'
                     f'"geometry":{geometry}}}')
    encoded = '{"type":"FeatureCollection","features":[' + ",".join(parts) + "]}"
    bounds = None
    if len(geoms):
        minx, miny, maxx, maxy = shapely.total_bounds(geoms)
        bounds = [[float(miny), float(minx)], [float(maxy), float(maxx)]]
    return EncodedCollection(features, encoded), bounds


def class_breaks(values: pd.Series, n: int = len(PALETTE)) -> list[float]:
    """Quantile class breaks, so the scale stays readable from the cheapest to the dearest."""
    v = values.dropna().astype(float)
    if v.empty:
        return []
    qs = np.unique(np.quantile(v, np.linspace(0, 1, n + 1)))
    return [float(q) for q in qs]


def colour_for(value: object, breaks: list[float]) -> str:
    if value is None or pd.isna(value) or len(breaks) < 2:
        return NO_DATA
    i = int(np.searchsorted(breaks, float(value), side="right")) - 1
    return PALETTE[min(max(i, 0), len(breaks) - 2) * (len(PALETTE) - 1) // max(len(breaks) - 2, 1)]


class Legend(MacroElement):
    """A small legend box: colour classes with their value ranges and the unit."""

    _template = Template("""
        {% macro html(this, kwargs) %}
        <div class="geomap-legend" style="position:absolute;bottom:28px;left:10px;z-index:1000;
             background:rgba(255,255,255,.92);padding:6px 8px;font:12px/1.3 sans-serif;
             border-radius:4px;box-shadow:0 1px 4px rgba(0,0,0,.3);max-width:230px">
          <div style="font-weight:bold;margin-bottom:3px">{{ this.title }}</div>
          {% if this.note %}<div style="margin-bottom:3px">{{ this.note }}</div>{% endif %}
          {% for colour, label in this.rows %}
          <div><span style="display:inline-block;width:14px;height:10px;background:{{ colour }};
               margin-right:5px;border:1px solid #999"></span>{{ label }}</div>
          {% endfor %}
        </div>
        {% endmacro %}
    """)

    def __init__(self, title: str, rows: list[tuple[str, str]], note: str = ""):
        super().__init__()
        self._name = "Legend"
        self.title = esc(title)
        self.note = esc(note)
        self.rows = [(c, esc(label)) for c, label in rows]


def legend_rows(breaks: list[float], fmt: str) -> list[tuple[str, str]]:
    rows = []
    for i in range(len(breaks) - 1):
        colour = colour_for((breaks[i] + breaks[i + 1]) / 2, breaks)
        rows.append((colour, f"{format(breaks[i], fmt)} – {format(breaks[i + 1], fmt)}"))
    rows.append((NO_DATA, "no data"))
    return rows
