"""geomap's Streamlit app: widgets and layout only; all logic lives in the geomap package."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pandas as pd
import streamlit as st
from streamlit_folium import st_folium

from geomap.app import panel, upload
from geomap.app.panel import md_escape as md
from geomap.costs import estimate
from geomap.costs import model as cost
from geomap.data import store
from geomap.data.catalog import load_catalog
from geomap.errors import GeomapError
from geomap.map import assets
from geomap.map import layers as mapview
from geomap.sources.loaders import PRICE_BASES

st.set_page_config(page_title="geomap: where AI tokens are made", layout="wide")

THIS_YEAR = date.today().year
FIRST_YEAR = 1851
STATIC_URL = "/app/static/geomap"  # Streamlit serves ./static at /app/static (see .streamlit/config.toml)
LAYER_PARAM = {"regions": "regions", "data_centers": "dc", "cables": "cables",
               "landing_points": "landings", "mining": "mining"}


# ---------------------------------------------------------------- cached library calls
# Tables are cached as shared resources (one copy for every session, never mutated here);
# st.cache_data would hand each run its own unpickled copy.


@st.cache_resource(show_spinner=False)
def _static_files() -> Path:
    return assets.install_static(Path(__file__).parent / "static" / "geomap")


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
               choices: tuple[tuple[str, str], ...] = ()) -> pd.DataFrame:
    a = cost.with_overrides(cost.default_assumptions(), pue=pue, utilization=util,
                            lifetime_years=life, gpu_hour_usd=rent)
    prices = estimate.apply_price_choices(estimate.region_prices(year, basis, price_layer), choices)
    return estimate.cost_table(prices, cost.get_gpu(gpu), cost.get_model(model), a, year)


@st.cache_resource(show_spinner=False)
def summary(year: int) -> pd.DataFrame:
    from geomap.regions.regionset import summarize

    table, _ = summarize(year)
    return pd.DataFrame(table.drop(columns="geometry"))


@st.cache_resource(show_spinner=False)
def data_centers(year: int) -> pd.DataFrame:
    return panel.joined_data_centers(year)


@st.cache_resource(show_spinner=False, max_entries=16)
def region_costs(year: int, gpu: str, model: str, pue: float, util: float, life: float,
                 rent: float | None, basis: str | None, price_layer: str | None,
                 choices: tuple[tuple[str, str], ...]):
    spec = mapview.MapSpec(year=year, gpu=gpu, model=model, pue=pue, utilization=util,
                           lifetime_years=life, gpu_hour_usd=rent, basis=basis,
                           price_layer=price_layer, price_choices=choices)
    return mapview.cost_regions(spec)


def folium_map(spec: mapview.MapSpec, route: dict | None):
    """Built on every run: a folium map must not be rendered twice (its data is cached)."""
    table = region_costs(spec.year, spec.gpu, spec.model, spec.pue, spec.utilization,
                         spec.lifetime_years, spec.gpu_hour_usd, spec.basis, spec.price_layer,
                         spec.price_choices)
    return assets.serve_locally(mapview.build_map(spec, table, route), STATIC_URL)


@st.cache_data(show_spinner=False, max_entries=64)
def token_route(origin: str, destination: str, year: int) -> tuple[dict | None, str | None]:
    """The route as JSON, or the clear message of why there is none."""
    from geomap.routes import graph as routes

    try:
        return routes.find_route(origin, destination, year).to_json(), None
    except GeomapError as exc:
        return None, str(exc)


@st.cache_data(show_spinner=False, max_entries=4)
def standalone_html(spec_json: str) -> bytes:
    spec = mapview.spec_from_json(spec_json)
    return assets.inline(mapview.build_map(spec)).get_root().render().encode()


# ---------------------------------------------------------------- state from the URL


def _param(name: str, default):
    value = st.query_params.get(name)
    if value is None:
        return default
    try:
        return type(default)(value) if default is not None else value
    except (TypeError, ValueError):
        return default


def init_state(gpus: list[str], models: list[str], region_ids: list[str]) -> None:
    """Widgets start from the URL, and follow it when it changes (back/forward, edited link)."""
    if st.session_state.get("_initialized") and dict(st.query_params) == st.session_state.get("_written"):
        return
    st.session_state["year"] = min(max(_param("year", THIS_YEAR), FIRST_YEAR), THIS_YEAR)
    gpu = _param("gpu", "h800")
    st.session_state["gpu"] = gpu if gpu in gpus else "h800"
    model = _param("model", "deepseek-v3")
    st.session_state["model"] = model if model in models else "deepseek-v3"
    region = (_param("region", "") or "").upper()
    st.session_state["region"] = region if region in region_ids else None
    layers = st.query_params.get("layers")
    chosen = set(layers.split(",")) if layers else set(LAYER_PARAM.values())
    for layer, short in LAYER_PARAM.items():
        st.session_state[f"layer_{layer}"] = short in chosen
    basis = _param("basis", "")
    st.session_state["basis"] = basis if basis in PRICE_BASES else None
    picks = {}
    for item in (_param("prices", "") or "").split(","):
        region_id, _, key = item.partition(":")
        if region_id.upper() in region_ids and key:
            picks[region_id.upper()] = key
    st.session_state["price_choices"] = picks
    st.session_state["_initialized"] = True


def write_state() -> None:
    params = {
        "year": str(st.session_state["year"]),
        "gpu": st.session_state["gpu"],
        "model": st.session_state["model"],
        "layers": ",".join(s for layer, s in LAYER_PARAM.items() if st.session_state[f"layer_{layer}"]),
    }
    if st.session_state.get("region"):
        params["region"] = st.session_state["region"]
    if st.session_state.get("basis"):
        params["basis"] = st.session_state["basis"]
    if st.session_state.get("price_choices"):
        params["prices"] = ",".join(f"{r}:{k}" for r, k in sorted(st.session_state["price_choices"].items()))
    st.session_state["_written"] = params
    if dict(st.query_params) != params:
        st.query_params.from_dict(params)


RULE = "rule"  # the price box's first entry: geomap's own choice


def _pick_price(region_id: str) -> None:
    """on_change of a region's price box: remember the pick (None: back to the rule)."""
    picks = dict(st.session_state.get("price_choices", {}))
    key = st.session_state.get(f"price_pick_{region_id}")
    if key and key != RULE:
        picks[region_id] = key
    else:
        picks.pop(region_id, None)
    st.session_state["price_choices"] = picks


def price_picker(region_id: str, year: int) -> None:
    """Every sourced price for the region (and its country), and a box to use any one of them."""
    options = estimate.price_options(region_id, year)  # cached in the library
    if options.empty:
        return
    labels = {RULE: "geomap's rule (the region's own latest price, industrial first)"}
    for o in options.to_dict("records"):
        later = f", published after {year}" if o["after_year"] else ""
        labels[o["key"]] = (f"{o['usd_per_kwh']:.4f} US$/kWh · {o['year']} · {o['basis']} · "
                            f"{'country' if o['scope'] == 'country' else 'this region'} · "
                            f"{o['layer']}{later}")
    current = st.session_state.get("price_choices", {}).get(region_id, RULE)
    keys = list(labels)
    # The box follows the picks (which follow the URL), so back/forward shows the right entry.
    st.session_state[f"price_pick_{region_id}"] = current if current in keys else RULE
    st.selectbox("Price used for this region", keys,
                 format_func=labels.get, key=f"price_pick_{region_id}",
                 on_change=_pick_price, args=(region_id,),
                 help="Sources disagree: pick any sourced value and every number here, the map "
                      "and the table follow it.")
    with st.expander(f"All {len(options)} sourced prices for this region and its country"):
        shown = options.rename(columns={"usd_per_kwh": "US$/kWh", "price_local": "local price"})
        st.dataframe(shown.drop(columns=["key"]), hide_index=True, height=220)


# ---------------------------------------------------------------- page


st.title("geomap")
st.caption("Where AI's tokens are made and what they cost — data centers, electricity prices, "
           "submarine cables and Bitcoin-era mining, 1851 to today.")

missing = missing_layers()
if missing:
    st.info(f"Preparing {len(missing)} layer(s) for the first time: " + ", ".join(missing))
    bar = st.progress(0.0)
    failures = []
    for i, name in enumerate(missing, start=1):
        bar.progress(i / len(missing), text=f"Downloading and preparing {name} ({i}/{len(missing)})…")
        result = store.fetch([name])
        if result[name] is not None:
            failures.append(f"{name}: {result[name]}")
    missing_layers.clear()
    for message in failures:
        st.error(md(message))
    if failures:
        st.stop()

_static_files()
gpus = sorted(g.name for g in cost.gpu_catalog().values())
models = sorted(m.name for m in cost.model_catalog().values())
base = cost_table(THIS_YEAR, "h800", "deepseek-v3", None, None, None, None)
names = dict(zip(base["region_id"], base["name"], strict=True))
init_state(gpus, models, list(names))
if "_pending_region" in st.session_state:
    pending = st.session_state.pop("_pending_region")
    st.session_state["region"] = pending if pending in names else None

with st.sidebar:
    st.slider("Year", FIRST_YEAR, THIS_YEAR, key="year",
              help="Every layer shows what existed then; prices are the latest at or before it.")
    st.subheader("Layers")
    for layer in mapview.LAYERS:
        st.checkbox(mapview.LAYER_TITLES[layer], key=f"layer_{layer}")
    metric = st.radio("Colour regions by", ["auto", "cost", "price", "bitcoin"], horizontal=True,
                      help="auto: cost per token from 2020, the Bitcoin-era metric before")
    basemap = st.checkbox("Basemap tiles (OpenStreetMap, needs internet)", value=False)
    st.subheader("Inference")
    st.selectbox("GPU", gpus, key="gpu")
    st.selectbox("Model", models, key="model")
    defaults = cost.default_assumptions()
    pue = st.number_input("PUE", 1.0, 3.0, float(defaults.pue), 0.01, help=defaults.sources.get("pue"))
    util = st.number_input("Utilization", 0.05, 1.0, float(defaults.utilization), 0.01,
                           help=defaults.sources.get("utilization"))
    life = st.number_input("GPU lifetime (years)", 1.0, 10.0, float(defaults.lifetime_years), 0.5,
                           help=defaults.sources.get("lifetime_years"))
    rent_on = st.checkbox("Rented GPUs (all-in hourly rate)")
    rent = st.number_input("US$ per GPU-hour", 0.1, 20.0, 2.0, 0.1) if rent_on else None
    st.subheader("Electricity prices")
    st.selectbox("Prefer this price basis", [None, *PRICE_BASES], key="basis",
                  format_func=lambda b: "default (industrial first)" if b is None else b,
                  help="Sources disagree; each region's own sourced prices of this basis are "
                       "used first. A region's panel lists every sourced value and lets you "
                       "pick one.")
    price_layers = [s.name for s in load_catalog().by_kind("electricity_prices")]
    price_layer = st.selectbox("Price sources", [None, *price_layers],
                               format_func=lambda n: "all sources" if n is None else n)
    st.subheader("Find a region")
    ids = sorted(names, key=lambda r: names[r])
    st.selectbox("Region", [None, *ids], key="region",
                 format_func=lambda r: "—" if r is None else f"{names[r]} ({r})")
    st.subheader("Token route")
    show_route = st.checkbox("Draw the path a request takes", key="show_route")
    route_from = st.text_input("From (city, region id or data center)", "San Francisco",
                               key="route_from")
    route_to = st.text_input("To", st.session_state.get("region") or "CN-SH", key="route_to")
    upload.upload_widget(st)

year, gpu, model = st.session_state["year"], st.session_state["gpu"], st.session_state["model"]
layers = frozenset(layer for layer in mapview.LAYERS if st.session_state[f"layer_{layer}"])
basis = st.session_state.get("basis")
choices = tuple(sorted(st.session_state.get("price_choices", {}).items()))
spec = mapview.MapSpec(year=year, gpu=gpu, model=model, layers=layers,
                       metric=None if metric == "auto" else metric, basemap=basemap,
                       pue=pue, utilization=util, lifetime_years=life, gpu_hour_usd=rent,
                       basis=basis, price_layer=price_layer, price_choices=choices)
spec_json = json.dumps({**spec.__dict__, "layers": sorted(layers)})

try:
    costs = cost_table(year, gpu, model, pue, util, life, rent, basis, price_layer, choices)
except GeomapError as exc:
    st.error(md(str(exc)))
    st.stop()

route = None
if show_route and route_from.strip() and route_to.strip():
    route, route_error = token_route(route_from.strip(), route_to.strip(), year)
    if route_error:
        st.warning(md(route_error))
    else:
        st.caption(f"Route {md(route['from']['name'])} → {md(route['to']['name'])} in {year}: "
                   f"**RTT {route['rtt_ms']:.1f} ms** over {route['km']:,.0f} km "
                   f"(great-circle bound {route['great_circle_rtt_ms']:.1f} ms); cables: "
                   + md(", ".join(route["cables"]) or "none"))

map_col, panel_col = st.columns([3, 2])
with map_col:
    clicked = st_folium(folium_map(spec, route), key="map", height=560, use_container_width=True,
                        returned_objects=["last_active_drawing"])
    feature = (clicked or {}).get("last_active_drawing") or {}
    region_clicked = (feature.get("properties") or {}).get("region_id")
    if region_clicked and region_clicked != st.session_state.get("_last_click"):
        st.session_state["_last_click"] = region_clicked
        # The region box already exists in this run: hand the value to the next run.
        st.session_state["_pending_region"] = region_clicked
        st.rerun()

write_state()

with panel_col:
    region = st.session_state.get("region")
    if not region:
        st.info("Click a region on the map, or pick one under *Find a region*, to see what a "
                "million tokens costs there and why.")
    else:
        compare = st.selectbox("Compare with", [None, *ids], key="compare",
                               format_func=lambda r: "—" if r is None else f"{names[r]} ({r})")
        p = panel.region_panel(costs, summary(year), data_centers(year), region, compare)
        st.subheader(f"{md(p['name'])} ({md(region)})")
        price = p["price"]
        if price["usd_per_kwh"] is None:
            st.warning("No sourced electricity price for this region.")
        else:
            fallback = " — country figure (no regional price)" if price["is_fallback"] else ""
            picked = " — your pick" if price["chosen_by"] == "user" else ""
            st.markdown(f"**Electricity:** {price['usd_per_kwh']:.4f} US$/kWh, {price['year']}, "
                        f"{md(price['basis'])}{fallback}{picked}")
            st.caption(f"Source: {panel.md_source(price['source'])}. Range of this region's sourced values: "
                       f"{price['min_usd_per_kwh']:.4f}–{price['max_usd_per_kwh']:.4f} US$/kWh.")
            price_picker(region, year)
            c = p["cost"]
            m1, m2, m3 = st.columns(3)
            m1.metric("US$ / M input tokens", f"{c['usd_per_mtok_input']:.4f}")
            m2.metric("US$ / M output tokens", f"{c['usd_per_mtok_output']:.4f}")
            m3.metric("kWh / M output tokens", f"{c['kwh_per_mtok_output']:.3f}")
            st.bar_chart(pd.DataFrame({"US$ per M output tokens": [
                c["capital_usd_per_mtok_output"], c["energy_usd_per_mtok_output"]]},
                index=["capital (GPU + server)" if rent is None else "rent less electricity",
                       "electricity × PUE"]), horizontal=True, height=160)
            st.caption(f"Bitcoin era: {c['usd_per_phs_day']:,.0f} US$ of electricity per PH/s-day.")
            for key, label in (("cheapest", "cheapest region"), ("compare", "your comparison")):
                other = p[key]
                if other and other["ratio"]:
                    st.markdown(f"vs {label} **{md(other['name'])}**: {other['usd_per_mtok_output']:.4f} "
                                f"US$/M out — this region costs {other['ratio']:.2f}×.")
        user_city = st.text_input("Your city (for the round-trip time)", "San Francisco",
                                  key="rtt_city")
        if user_city.strip():
            r, err = token_route(user_city.strip(), region, year)
            if err:
                st.caption(md(err))
            else:
                st.markdown(f"**RTT from {md(r['from']['name'])}:** {r['rtt_ms']:.0f} ms over "
                            f"{r['km']:,.0f} km of fibre ({md(', '.join(r['cables']) or 'overland')}).")
        contents = p["contents"]
        st.markdown(f"**In this region in {year}:** {len(contents['data_centers'])} data centers, "
                    f"{contents['n_cable_landings']} cable landings, "
                    f"{contents['mining_share_pct']:.2f}% of the 2018–19 Bitcoin hashrate sample.")
        if contents["data_centers"]:
            st.dataframe(pd.DataFrame(contents["data_centers"]), hide_index=True, height=180)
        if contents["cables"]:
            st.caption("Cables: " + "; ".join(md(c) for c in contents["cables"][:40]))

st.subheader("Embodied electricity")
tokens = st.number_input("Tokens per week", min_value=0.0, value=5.3e12, step=1e11, format="%.3e",
                         help="5.3 trillion: Chinese models' weekly tokens on OpenRouter, Feb 2026")
kwh_per_mtok = float(costs["kwh_per_mtok_output"].iloc[0])
kwh = cost.embodied_kwh(tokens, kwh_per_mtok)
st.markdown(f"{tokens:,.0f} tokens × {kwh_per_mtok:.3f} kWh per million ({gpu}, {model}) = "
            f"**{kwh / 1000:,.1f} MWh** a week.")

st.subheader("All regions")
show = costs[["region_id", "name", "price_usd_per_kwh", "price_year", "price_basis",
              "usd_per_mtok_input", "usd_per_mtok_output", "kwh_per_mtok_output", "energy_share",
              "price_source"]]
st.dataframe(show, hide_index=True, height=320)
d1, d2 = st.columns(2)
d1.download_button("Download table (CSV)", show.to_csv(index=False).encode(),
                   file_name=f"geomap-costs-{year}-{gpu}-{model}.csv", mime="text/csv")
d2.download_button("Download map (HTML)", lambda: standalone_html(spec_json),  # built on click
                   file_name=f"geomap-{year}.html", mime="text/html")

with st.expander("Sources and licenses"):
    rows = []
    for name in load_catalog():
        info = store.info(name, offline=True)
        rows.append({"layer": info.name, "kind": info.kind, "features": info.features,
                     "rejected rows": info.rejected, "license": info.license,
                     "attribution": info.attribution})
    st.dataframe(pd.DataFrame(rows), hide_index=True)
    inputs = estimate.describe_inputs(cost.get_gpu(gpu), cost.get_model(model), spec.assumptions(), year)
    st.json(inputs, expanded=False)
