"""The map builder: a map's spec, the cost table it colours, and the assembly of its layers."""

from __future__ import annotations

import json
from dataclasses import dataclass, field

import folium
import geopandas as gpd

from geomap.costs import catalogs, estimate, formulas
from geomap.map import assets
from geomap.map.layers import (
    LAYERS,
    cable_layer,
    data_center_layer,
    landing_layer,
    mining_layer,
    region_layer,
    route_layer,
)
from geomap.regions import choices, yearly
from geomap.regions.regionset import load_regions

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
    all_prices: bool = False  # colour every priced region, not only those whose price compares
    dollars: int | None = None  # constant US$ of this year (CPI-U); None: nominal

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


def cost_regions(spec: MapSpec) -> gpd.GeoDataFrame:
    """Regions with prices and costs for ``spec`` (the numbers ``geomap costs`` prints)."""
    prices = choices.apply_price_choices(
        yearly.region_prices(spec.year, spec.basis, spec.price_layer), spec.price_choices, spec.year)
    table = estimate.cost_table(prices, catalogs.get_gpu(spec.gpu), catalogs.get_model(spec.model),
                                spec.assumptions(), spec.year, dollars=spec.dollars)
    regions = load_regions()[["region_id", "geometry"]]
    return gpd.GeoDataFrame(regions.merge(table, on="region_id", how="right"), crs=regions.crs)


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
        layer, legend = region_layer(table, spec.effective_metric, spec.all_prices)
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
