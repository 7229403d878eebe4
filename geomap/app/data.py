"""The app's shared tables: library calls cached once for every session (st.cache_resource).

Tables are cached as shared resources (one copy for every session, never mutated by the app);
st.cache_data would hand each run its own unpickled copy.
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from geomap import settings
from geomap.costs import catalogs, estimate
from geomap.data import store
from geomap.data.catalog import load_catalog
from geomap.errors import GeomapError
from geomap.map import assets, builder
from geomap.regions import yearly
from geomap.regions.choices import apply_price_choices
from geomap.routes import graph as routes

#: Where Streamlit serves ./static (see .streamlit/config.toml) and where the assets go.
STATIC_URL = "/app/static/geomap"


@st.cache_resource(show_spinner=False)
def static_files():
    """Leaflet's files installed under ./static, once per server."""
    return assets.install_static(settings.PROJECT_DIR / "static" / "geomap")


@st.cache_data(show_spinner=False)
def missing_layers() -> list[str]:
    """Layers not prepared yet (nothing is downloaded by this check)."""
    missing = []
    for name in load_catalog():
        try:
            store.info(name, offline=True)
        except GeomapError:
            missing.append(name)
    return missing


@st.cache_resource(show_spinner=False)
def cost_table(year: int, gpu: str, model: str, pue: float, util: float, life: float,
               rent: float | None, basis: str | None = None, price_layer: str | None = None,
               choices: tuple[tuple[str, str], ...] = (),
               dollars: int | None = None) -> pd.DataFrame:
    a = catalogs.with_overrides(catalogs.default_assumptions(), pue=pue, utilization=util,
                            lifetime_years=life, gpu_hour_usd=rent)
    prices = apply_price_choices(yearly.region_prices(year, basis, price_layer), choices, year)
    return estimate.cost_table(prices, catalogs.get_gpu(gpu), catalogs.get_model(model), a, year,
                               dollars=dollars)


@st.cache_resource(show_spinner=False)
def summary(year: int) -> pd.DataFrame:
    table, _ = yearly.summarize(year)
    return pd.DataFrame(table.drop(columns="geometry"))


@st.cache_resource(show_spinner=False)
def data_centers(year: int) -> pd.DataFrame:
    return yearly.joined_data_centers(year)


@st.cache_resource(show_spinner=False, max_entries=16)
def region_costs(year: int, gpu: str, model: str, pue: float, util: float, life: float,
                 rent: float | None, basis: str | None, price_layer: str | None,
                 choices: tuple[tuple[str, str], ...], dollars: int | None = None):
    spec = builder.MapSpec(year=year, gpu=gpu, model=model, pue=pue, utilization=util,
                           lifetime_years=life, gpu_hour_usd=rent, basis=basis, dollars=dollars,
                           price_layer=price_layer, price_choices=choices)
    return builder.cost_regions(spec)


def folium_map(spec: builder.MapSpec, route: dict | None):
    """Built on every run: a folium map must not be rendered twice (its data is cached)."""
    table = region_costs(spec.year, spec.gpu, spec.model, spec.pue, spec.utilization,
                         spec.lifetime_years, spec.gpu_hour_usd, spec.basis, spec.price_layer,
                         spec.price_choices, spec.dollars)
    return assets.serve_locally(builder.build_map(spec, table, route), STATIC_URL)


@st.cache_data(show_spinner=False, max_entries=64)
def token_route(origin: str, destination: str, year: int) -> tuple[dict | None, str | None]:
    """The route as JSON, or the clear message of why there is none."""
    try:
        return routes.find_route(origin, destination, year).to_json(), None
    except GeomapError as exc:
        return None, str(exc)


@st.cache_data(show_spinner=False, max_entries=4)
def standalone_html(spec_json: str) -> bytes:
    spec = builder.spec_from_json(spec_json)
    return assets.inline(builder.build_map(spec)).get_root().render().encode()
