"""The interactive map: one function per layer returning a folium layer; build_map assembles them."""

from __future__ import annotations

import html
import json
import math
from dataclasses import dataclass, field

import folium
import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from branca.element import Element, MacroElement
from folium.plugins import MarkerCluster
from jinja2 import Template

from geomap.costs import catalogs, estimate, formulas
from geomap.data import store
from geomap.data.catalog import load_catalog
from geomap.map import assets
from geomap.regions import choices, yearly
from geomap.regions.regionset import load_regions
from geomap.schema import rows_in_service

LAYERS = ("regions", "data_centers", "cables", "landing_points", "mining")
LAYER_TITLES = {
    "regions": "Regions",
    "data_centers": "Data centers",
    "cables": "Submarine cables",
    "landing_points": "Landing points",
    "mining": "Bitcoin mining",
}
METRICS = {
    "cost": ("usd_per_mtok_output", "US$ per million output tokens"),
    "price": ("price_usd_per_kwh", "Electricity, US$ per kWh"),
    "bitcoin": ("usd_per_phs_day", "Bitcoin era: electricity US$ per PH/s-day"),
}
#: Sequential palette, cheap (light) to dear (dark): ColorBrewer YlOrRd, 7 classes.
PALETTE = ["#ffffb2", "#fed976", "#feb24c", "#fd8d3c", "#fc4e2a", "#e31a1c", "#b10026"]
NO_DATA = "#d9d9d9"
STATUS_COLORS = {"existing": "#1a9850", "planned": "#f46d43", "decommissioned": "#878787"}
#: Display coordinates are rounded to this many decimals (1e-3° ≈ 100 m) to keep pages small.
DISPLAY_DECIMALS = 3
#: The year tokens start to matter; before it, the default metric is the Bitcoin-era one.
TOKEN_ERA_START = 2020


@dataclass(frozen=True)
class MapSpec:
    """Everything that determines a map (hashable, so apps can cache on it)."""

    year: int
    gpu: str = "h800"
    model: str = "deepseek-v3"
    layers: frozenset[str] = field(default_factory=lambda: frozenset(LAYERS))
    metric: str | None = None  # None: cost in the token era, bitcoin before
    basemap: bool = False
    pue: float | None = None
    utilization: float | None = None
    lifetime_years: float | None = None
    gpu_hour_usd: float | None = None
    selected: str | None = None
    basis: str | None = None  # preferred price basis (None: the default order)
    price_layer: str | None = None  # only this price layer (None: every source)
    price_choices: tuple[tuple[str, str], ...] = ()  # (region_id, option key) picked by the user

    @property
    def effective_metric(self) -> str:
        if self.metric:
            return self.metric
        return "cost" if self.year >= TOKEN_ERA_START else "bitcoin"

    def assumptions(self) -> formulas.Assumptions:
        return catalogs.with_overrides(
            catalogs.default_assumptions(), pue=self.pue, utilization=self.utilization,
            lifetime_years=self.lifetime_years, gpu_hour_usd=self.gpu_hour_usd,
        )


# ---------------------------------------------------------------- data


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


# folium's templates share one Jinja environment; its documented ``json.dumps_function``
# policy lets ``tojson`` use the text encoded above. Everything else is dumped as before, and
# Jinja still escapes < > & ' in the result for the <script> it lands in.
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


def _fmt(value: object, fmt: str, unit: str = "") -> str:
    try:
        if value is None or pd.isna(value):
            return "no data"
    except (TypeError, ValueError):
        pass
    return f"{format(float(value), fmt)}{unit}"


def cost_regions(spec: MapSpec) -> gpd.GeoDataFrame:
    """Regions with prices and costs for ``spec`` (the numbers ``geomap costs`` prints)."""
    prices = choices.apply_price_choices(
        yearly.region_prices(spec.year, spec.basis, spec.price_layer), spec.price_choices)
    table = estimate.cost_table(prices, catalogs.get_gpu(spec.gpu), catalogs.get_model(spec.model),
                                spec.assumptions(), spec.year)
    regions = load_regions()[["region_id", "geometry"]]
    return gpd.GeoDataFrame(regions.merge(table, on="region_id", how="right"), crs=regions.crs)


def _round_geoms(geoms: np.ndarray) -> np.ndarray:
    present = ~shapely.is_missing(geoms)
    out = geoms.copy()
    out[present] = shapely.transform(geoms[present], lambda xy: np.round(xy, DISPLAY_DECIMALS))
    return out


def _feature_collection(frame: gpd.GeoDataFrame, props: list[str]) -> tuple[EncodedCollection, list | None]:
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


def _attribution(kind: str) -> str:
    sources = load_catalog().by_kind(kind)
    return " | ".join(dict.fromkeys(esc(s.attribution) for s in sources))


# ---------------------------------------------------------------- colour scale and legend


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
             border-radius:4px;box-shadow:0 1px 4px rgba(0,0,0,.3)">
          <div style="font-weight:bold;margin-bottom:3px">{{ this.title }}</div>
          {% for colour, label in this.rows %}
          <div><span style="display:inline-block;width:14px;height:10px;background:{{ colour }};
               margin-right:5px;border:1px solid #999"></span>{{ label }}</div>
          {% endfor %}
        </div>
        {% endmacro %}
    """)

    def __init__(self, title: str, rows: list[tuple[str, str]]):
        super().__init__()
        self._name = "Legend"
        self.title = esc(title)
        self.rows = [(c, esc(label)) for c, label in rows]


def legend_rows(breaks: list[float], fmt: str) -> list[tuple[str, str]]:
    rows = []
    for i in range(len(breaks) - 1):
        colour = colour_for((breaks[i] + breaks[i + 1]) / 2, breaks)
        rows.append((colour, f"{format(breaks[i], fmt)} – {format(breaks[i + 1], fmt)}"))
    rows.append((NO_DATA, "no data"))
    return rows


# ---------------------------------------------------------------- layers


def region_layer(table: gpd.GeoDataFrame, metric: str) -> tuple[folium.GeoJson, Legend]:
    """Choropleth of the regions by ``metric``, with a tooltip and a click popup breakdown."""
    col, title = METRICS[metric]
    fmt = ".4f" if metric != "bitcoin" else ",.0f"
    breaks = class_breaks(table[col])
    t = table.copy()
    t["fill"] = [colour_for(v, breaks) for v in t[col]]
    t["label_name"] = t["name"].map(esc)
    t["label_price"] = [
        f"{_fmt(p, '.4f')} $/kWh ({esc(y)}, {esc(b)}{', country fallback' if fb is True else ''}"
        f"{', your pick' if by == 'user' else ''})"
        if not pd.isna(p) else "no data"
        for p, y, b, fb, by in zip(t["price_usd_per_kwh"], t["price_year"], t["price_basis"],
                                   t["price_is_fallback"], t["price_chosen_by"], strict=True)
    ]
    t["label_cost"] = [
        f"{_fmt(i, '.4f')} in / {_fmt(o, '.4f')} out $/Mtok" if not pd.isna(o) else "no data"
        for i, o in zip(t["usd_per_mtok_input"], t["usd_per_mtok_output"], strict=True)
    ]
    t["label_kwh"] = t["kwh_per_mtok_output"].map(lambda v: _fmt(v, ".3f", " kWh/Mtok out"))
    t["label_shares"] = [
        f"capital {c * 100:.0f}% · electricity {e * 100:.0f}%" if not (pd.isna(c) or pd.isna(e))
        else "no data"
        for c, e in zip(t["capital_share"], t["energy_share"], strict=True)
    ]
    t["label_source"] = t["price_source"].map(esc)
    t["label_btc"] = t["usd_per_phs_day"].map(lambda v: _fmt(v, ",.0f", " $/PH/s-day"))
    props = ["region_id", "fill", "label_name", "label_price", "label_cost", "label_kwh",
             "label_shares", "label_btc", "label_source"]
    data, bounds = _feature_collection(t, props)
    layer = GeoJsonLayer(
        data,
        bounds=bounds,
        name=LAYER_TITLES["regions"],
        style_function=lambda f: {"fillColor": f["properties"]["fill"], "color": "#666",
                                  "weight": 0.4, "fillOpacity": 0.75},
        highlight_function=lambda f: {"weight": 2, "color": "#222"},
        tooltip=folium.GeoJsonTooltip(
            fields=["label_name", "label_price", "label_cost"],
            aliases=["Region", "Electricity", "Cost"], sticky=True),
        popup=folium.GeoJsonPopup(
            fields=["label_name", "label_price", "label_cost", "label_kwh", "label_shares",
                    "label_btc", "label_source"],
            aliases=["Region", "Electricity", "Cost per Mtok", "Energy", "Breakdown",
                     "Bitcoin era", "Price source"], max_width=420),
        attribution=_attribution("regions") + " | prices: " + _attribution("electricity_prices"),
    )
    legend = Legend(title, legend_rows(breaks, fmt))
    return layer, legend


def _marker_layer(frame: gpd.GeoDataFrame, name: str, props: list[str], style, tooltip_fields,
                  aliases, attribution: str, cluster: bool = False) -> folium.FeatureGroup:
    group = folium.FeatureGroup(name=name, show=True)
    if frame.geometry.notna().sum() == 0:
        return group  # nothing in service that year: an empty, still-toggleable layer
    # A clustered layer's children never reach the map itself, so the cluster carries the
    # attribution (L.featureGroup takes no options from folium).
    target = MarkerCluster(options={"disableClusteringAtZoom": 6, "maxClusterRadius": 35,
                                    "showCoverageOnHover": False, "attribution": attribution},
                           ).add_to(group) if cluster else group
    data, bounds = _feature_collection(frame, props)
    GeoJsonLayer(
        data,
        bounds=bounds,
        marker=folium.CircleMarker(radius=4, fill=True, weight=1, fill_opacity=0.8),
        style_function=style,
        tooltip=folium.GeoJsonTooltip(fields=tooltip_fields, aliases=aliases, sticky=True),
        attribution=attribution,
    ).add_to(target)
    return group


def data_center_layer(year: int) -> folium.FeatureGroup:
    """Data centers in service in ``year`` (located ones), sized by MW, coloured by status."""
    frames = []
    for src in load_catalog().by_kind("data_centers"):
        dc = store.load(src.name)
        dc = dc[dc.geometry.notna() & rows_in_service(dc, "data_centers", year, src.year)]
        frames.append(dc)
    dc = gpd.GeoDataFrame(pd.concat(frames, ignore_index=True), crs=frames[0].crs)
    mw = dc["power_mw"].astype(float).fillna(0)
    dc["radius"] = np.clip(3 + 2 * np.sqrt(mw / 10), 3, 18).round().astype(int)
    dc["color"] = dc["status"].map(STATUS_COLORS).fillna("#555")
    dc["t_name"] = dc["name"].map(esc)
    dc["t_operator"] = dc["operator"].map(esc)
    dc["t_power"] = mw.map(lambda v: f"{v:,.0f} MW" if v else "not reported")
    dc["t_where"] = dc["location_text"].map(esc)
    dc["t_source"] = dc["source"].map(esc)
    return _marker_layer(
        dc, LAYER_TITLES["data_centers"],
        ["radius", "color", "t_name", "t_operator", "t_power", "t_where", "t_source"],
        lambda f: {"radius": f["properties"]["radius"], "color": f["properties"]["color"],
                   "fillColor": f["properties"]["color"]},
        ["t_name", "t_operator", "t_power", "t_where", "t_source"],
        ["Data center", "Operator", "Power", "Location", "Source"],
        _attribution("data_centers"), cluster=True,
    )


def cables_in_service(year: int) -> gpd.GeoDataFrame:
    cables = store.load_kind("cables")
    return cables[rows_in_service(cables, "cables", year)]


def cable_colour(rfs_year: float, era: str) -> str:
    if era == "historic":
        return "#7f2704"
    bands = [(2000, "#9ecae1"), (2010, "#4292c6"), (2020, "#2171b5"), (9999, "#08306b")]
    return next(c for limit, c in bands if (rfs_year or 0) < limit)


def cable_layer(year: int) -> folium.FeatureGroup:
    """Cables in service in ``year``, coloured by ready-for-service year; telegraphs dashed."""
    cables = cables_in_service(year).copy()
    cables["color"] = [cable_colour(y, e) for y, e in zip(cables["rfs_year"], cables["era"], strict=True)]
    cables["dash"] = np.where(cables["era"] == "historic", "6 4", "")
    cables["t_name"] = cables["name"].map(esc)
    cables["t_rfs"] = cables["rfs_year"].map(lambda y: esc(int(y)) if not pd.isna(y) else "")
    cables["t_owners"] = cables["owners"].map(esc)
    group = folium.FeatureGroup(name=LAYER_TITLES["cables"])
    if cables.empty:
        return group
    data, bounds = _feature_collection(cables, ["color", "dash", "t_name", "t_rfs", "t_owners"])
    GeoJsonLayer(
        data,
        bounds=bounds,
        style_function=lambda f: {"color": f["properties"]["color"], "weight": 1.6,
                                  "opacity": 0.8, "dashArray": f["properties"]["dash"] or None},
        highlight_function=lambda f: {"weight": 4},
        tooltip=folium.GeoJsonTooltip(fields=["t_name", "t_rfs", "t_owners"],
                                      aliases=["Cable", "Ready for service", "Owners"], sticky=True),
        attribution=_attribution("cables"),
    ).add_to(group)
    return group


def landing_layer(year: int) -> folium.FeatureGroup:
    """Landing points with at least one cable in service in ``year``."""
    live = set(cables_in_service(year)["cable_id"])
    lps = store.load_kind("landing_points")
    ids = lps["cable_ids"].fillna("").str.split("; ")
    lps = lps[ids.map(lambda c: bool(live.intersection(c)))].copy()
    lps["t_name"] = lps["name"].map(esc)
    lps["t_country"] = lps["country_id"].map(esc)
    return _marker_layer(
        lps, LAYER_TITLES["landing_points"], ["t_name", "t_country"],
        lambda f: {"radius": 2, "color": "#08306b", "fillColor": "#6baed6", "weight": 1},
        ["t_name", "t_country"], ["Landing point", "Country"], _attribution("landing_points"),
    )


def mining_layer(year: int) -> folium.FeatureGroup | None:
    """Bitcoin mining: the 2018–19 hashrate sample by area, or the era shares of ``year``."""
    frames = []
    areas = store.load("sun-bitcoin-hashrate")
    if 2018 <= year <= 2019:
        a = areas.copy()
        a["t_share"] = a["share_pct"].map(lambda v: f"{v:.2f}% of the 2018-06..2019-05 sample")
        frames.append(a)
    eras = store.load("mining-eras")
    eras = eras[eras["share_pct"].notna() & eras["date"].str[:4].astype(int).eq(year)]
    if len(eras):
        eras = eras.sort_values("date").groupby(["region_id", "share_of"]).tail(1)
        pts = load_regions().set_index("region_id").geometry.representative_point()
        countries = store.load("ne-admin0").set_index("region_id").geometry.representative_point()
        where = eras["region_id"].map(lambda r: pts.get(r, countries.get(r)))
        eras = gpd.GeoDataFrame(eras.drop(columns="geometry"), geometry=list(where), crs=areas.crs)
        eras["t_share"] = [f"{s:.1f}% of {esc(o)} hashrate ({esc(d)})" for s, o, d in
                           zip(eras["share_pct"], eras["share_of"], eras["date"], strict=True)]
        frames.append(eras[eras.geometry.notna()])
    for src in load_catalog().by_kind("mining"):
        if src.name in ("sun-bitcoin-hashrate", "mining-eras"):
            continue  # drawn above, by their own rules
        extra = store.load(src.name)  # e.g. a user's imported mining sites
        extra = extra[extra.geometry.notna() & extra["share_pct"].notna()].copy()
        if len(extra):
            title = esc(src.title)
            extra["t_share"] = [f"{v:.2f}% ({title})" for v in extra["share_pct"]]
            frames.append(extra)
    if not frames:
        return None
    m = gpd.GeoDataFrame(pd.concat(frames, ignore_index=True), crs=areas.crs)
    m["radius"] = np.clip(2 + 3 * np.sqrt(m["share_pct"].astype(float)), 2, 30).round().astype(int)
    m["t_name"] = m["name"].map(esc)
    m["t_source"] = m["source"].map(esc)
    return _marker_layer(
        m, LAYER_TITLES["mining"], ["radius", "t_name", "t_share", "t_source"],
        lambda f: {"radius": f["properties"]["radius"], "color": "#b35806",
                   "fillColor": "#fdb863", "weight": 1},
        ["t_name", "t_share", "t_source"], ["Mining area", "Hashrate share", "Source"],
        _attribution("mining"),
    )


# ---------------------------------------------------------------- the map


def route_layer(route: dict) -> folium.FeatureGroup:
    """A token route (``geomap.routes.Route.to_json()``): its path, RTT and cables."""
    group = folium.FeatureGroup(name="Token route")
    label = (f"{esc(route['from']['name'])} → {esc(route['to']['name'])}: "
             f"RTT {route['rtt_ms']:.1f} ms over {route['km']:,.0f} km "
             f"({route['year']}); cables: {esc(', '.join(route['cables']) or 'none')}")
    folium.GeoJson(
        {"type": "Feature", "properties": {"label": label}, "geometry": route["path"]},
        style_function=lambda f: {"color": "#d7301f", "weight": 4, "opacity": 0.9},
        tooltip=folium.GeoJsonTooltip(fields=["label"], labels=False, sticky=True),
    ).add_to(group)
    for end in ("from", "to"):
        place = route[end]
        folium.CircleMarker([place["lat"], place["lon"]], radius=6, color="#d7301f", fill=True,
                            fill_opacity=1, tooltip=esc(place["name"])).add_to(group)
    return group


def build_map(spec: MapSpec, table: gpd.GeoDataFrame | None = None,
              route: dict | None = None) -> folium.Map:
    """Assemble the layers of ``spec`` (and a route, if given) into a folium map."""
    m = folium.Map(location=[25, 40], zoom_start=2, tiles=None,
                   prefer_canvas=True, world_copy_jump=True, control_scale=True)
    # Without a tile layer folium sets no zoom range, which marker clustering needs.
    m.options.update(minZoom=2, maxZoom=12)
    if spec.basemap:
        folium.TileLayer("OpenStreetMap", name="Basemap (OpenStreetMap, from the internet)",
                         control=True).add_to(m)
    m.get_root().header.add_child(folium.Element(
        "<style>.leaflet-container.leaflet-container{background:#dfe9f3}"
        ".leaflet-control-attribution.leaflet-control{font-size:10px;line-height:1.25;"
        "max-width:62%;max-height:3.9em;overflow-y:auto}</style>"), name="geomap_css")
    if "regions" in spec.layers:
        table = table if table is not None else cost_regions(spec)
        layer, legend = region_layer(table, spec.effective_metric)
        layer.add_to(m)
        m.add_child(legend, name="legend")
    if "cables" in spec.layers:
        cable_layer(spec.year).add_to(m)
    if "landing_points" in spec.layers:
        landing_layer(spec.year).add_to(m)
    if "mining" in spec.layers:
        layer = mining_layer(spec.year)
        if layer is not None:
            layer.add_to(m)
    if "data_centers" in spec.layers:
        data_center_layer(spec.year).add_to(m)
    if route is not None:
        route_layer(route).add_to(m)
    folium.LayerControl(collapsed=False).add_to(m)
    return m


def export_html(spec: MapSpec, path: str) -> int:
    """Write the map as one standalone HTML file (every asset inlined); returns its size."""
    m = assets.inline(build_map(spec))
    m.save(path)
    with open(path, "rb") as fh:
        return len(fh.read())


def spec_from_json(text: str) -> MapSpec:
    data = json.loads(text)
    data["layers"] = frozenset(data.get("layers", LAYERS))
    data["price_choices"] = tuple(tuple(pair) for pair in data.get("price_choices", ()))
    return MapSpec(**data)
