"""The app's page: sidebar, map, region panel, tables and downloads (layout only)."""

from __future__ import annotations

import json

import pandas as pd
import streamlit as st
from streamlit_folium import st_folium

from geomap import dollars
from geomap.app import data, panel, upload
from geomap.app.panel import md_escape as md
from geomap.app.price_picker import price_picker
from geomap.app.state import FIRST_YEAR, THIS_YEAR, init_state, write_state
from geomap.costs import catalogs, estimate, formulas
from geomap.data import store
from geomap.data.catalog import load_catalog
from geomap.errors import GeomapError
from geomap.map import builder
from geomap.map.layers import LAYER_TITLES, LAYERS
from geomap.schema import PRICE_BASES


def main() -> None:
    """Run the page once (Streamlit reruns it on every interaction)."""
    st.set_page_config(page_title="geomap: where AI tokens are made", layout="wide")
    st.title("geomap")
    st.caption("Where AI's tokens are made and what they cost — data centers, electricity prices, "
               "submarine cables and Bitcoin-era mining, 1851 to today.")

    missing = data.missing_layers()
    if missing:
        st.info(f"Preparing {len(missing)} layer(s) for the first time: " + ", ".join(missing))
        bar = st.progress(0.0)
        failures = []
        for i, name in enumerate(missing, start=1):
            bar.progress(i / len(missing), text=f"Downloading and preparing {name} ({i}/{len(missing)})…")
            result = store.fetch([name])
            if result[name] is not None:
                failures.append(f"{name}: {result[name]}")
        data.missing_layers.clear()
        for message in failures:
            st.error(md(message))
        if failures:
            st.stop()

    data.static_files()
    gpus = sorted(g.name for g in catalogs.gpu_catalog().values())
    models = sorted(m.name for m in catalogs.model_catalog().values())
    base = data.cost_table(THIS_YEAR, "h800", "deepseek-v3", None, None, None, None)
    names = dict(zip(base["region_id"], base["name"], strict=True))
    init_state(gpus, models, list(names))
    if "_pending_region" in st.session_state:
        pending = st.session_state.pop("_pending_region")
        st.session_state["region"] = pending if pending in names else None

    with st.sidebar:
        st.slider("Year", FIRST_YEAR, THIS_YEAR, key="year",
                  help="Every layer shows what existed then; prices are the latest at or before it.")
        st.subheader("Layers")
        for layer in LAYERS:
            st.checkbox(LAYER_TITLES[layer], key=f"layer_{layer}")
        metric = st.radio("Colour regions by", ["auto", "cost", "price", "bitcoin"], horizontal=True,
                          help="auto: cost per token from 2020, the Bitcoin-era metric before")
        basemap = st.checkbox("Basemap tiles (OpenStreetMap, needs internet)", value=False)
        st.subheader("Inference")
        st.selectbox("GPU", gpus, key="gpu")
        st.selectbox("Model", models, key="model")
        defaults = catalogs.default_assumptions()
        pue = st.number_input("PUE", 1.0, 3.0, float(defaults.pue), 0.01, help=defaults.sources.get("pue"))
        util = st.number_input("Utilization", 0.05, 1.0, float(defaults.utilization), 0.01,
                               help=defaults.sources.get("utilization"))
        life = st.number_input("GPU lifetime (years)", 1.0, 10.0, float(defaults.lifetime_years), 0.5,
                               help=defaults.sources.get("lifetime_years"))
        rent_on = st.checkbox("Rented GPUs (all-in hourly rate)")
        rent = st.number_input("US$ per GPU-hour", 0.1, 20.0, 2.0, 0.1) if rent_on else None
        st.subheader("Electricity prices")
        st.selectbox("Prefer this price basis", [None, *PRICE_BASES], key="basis",
                      format_func=lambda b: "default (the comparability rule)" if b is None else b,
                      help="Sources disagree; each region's own sourced prices of this basis are "
                           "used first. A region's panel lists every sourced value and lets you "
                           "pick one.")
        price_layers = [s.name for s in load_catalog().by_kind("electricity_prices")]
        price_layer = st.selectbox("Price sources", [None, *price_layers],
                                   format_func=lambda n: "all sources" if n is None else n)
        cpi_years = sorted(dollars.cpi_u(), reverse=True)
        st.selectbox("Dollars", [None, *cpi_years], key="dollars",
                     format_func=lambda y: "nominal (each price in its own year's US$)" if y is None
                     else f"constant US$ of {y} (CPI-U)",
                     help="Constant dollars deflate every price from its own year (and the GPU's "
                          "price from its price year) with the US CPI-U, so 2015 and 2025 compare.")
        st.checkbox("Colour every priced region", key="all_prices",
                    help="By default only regions whose price compares (a large consumer's price "
                         "of the last 3 years) are coloured; the others are drawn pale with the "
                         "reason in their tooltip.")
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
    layers = frozenset(layer for layer in LAYERS if st.session_state[f"layer_{layer}"])
    basis = st.session_state.get("basis")
    picks = tuple(sorted(st.session_state.get("price_choices", {}).items()))
    spec = builder.MapSpec(year=year, gpu=gpu, model=model, layers=layers,
                           metric=None if metric == "auto" else metric, basemap=basemap,
                           pue=pue, utilization=util, lifetime_years=life, gpu_hour_usd=rent,
                           basis=basis, price_layer=price_layer, price_choices=picks,
                           all_prices=bool(st.session_state.get("all_prices")),
                           dollars=st.session_state.get("dollars"))
    spec_json = json.dumps({**spec.__dict__, "layers": sorted(layers)})

    try:
        costs = data.cost_table(year, gpu, model, pue, util, life, rent, basis, price_layer, picks,
                                spec.dollars)
    except GeomapError as exc:
        st.error(md(str(exc)))
        st.stop()

    route = None
    if show_route and route_from.strip() and route_to.strip():
        route, route_error = data.token_route(route_from.strip(), route_to.strip(), year)
        if route_error:
            st.warning(md(route_error))
        else:
            st.caption(f"Route {md(route['from']['name'])} → {md(route['to']['name'])} in {year}: "
                       f"**RTT {route['rtt_ms']:.1f} ms** over {route['km']:,.0f} km "
                       f"(great-circle bound {route['great_circle_rtt_ms']:.1f} ms); cables: "
                       + md(", ".join(route["cables"]) or "none"))

    map_col, panel_col = st.columns([3, 2])
    with map_col:
        clicked = st_folium(data.folium_map(spec, route), key="map", height=560, use_container_width=True,
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
            p = panel.region_panel(costs, data.summary(year), data.data_centers(year), region, compare)
            st.subheader(f"{md(p['name'])} ({md(region)})")
            price = p["price"]
            unit = "US$" if spec.dollars is None else f"{spec.dollars} US$"
            if price["usd_per_kwh"] is None:
                st.warning("No sourced electricity price for this region.")
            else:
                fallback = " — country figure (no regional price)" if price["is_fallback"] else ""
                picked = " — your pick" if price["chosen_by"] == "user" else ""
                st.markdown(f"**Electricity:** {price['usd_per_kwh']:.4f} {unit}/kWh, {price['year']}, "
                            f"{md(price['basis'])}{fallback}{picked}")
                if spec.dollars is not None:
                    st.caption(f"In constant US$ of {spec.dollars} (US CPI-U): deflated from "
                               f"{price['year']} dollars; the GPU's price from its price year.")
                if price["comparable"] is False:
                    st.warning("This price does not compare with a large consumer's current price: "
                               + md(price["not_comparable_reason"] or "unknown") + ".")
                st.caption(f"Source: {panel.md_source(price['source'])}. Range of this region's sourced values: "
                           f"{price['min_usd_per_kwh']:.4f}–{price['max_usd_per_kwh']:.4f} {unit}/kWh.")
                price_picker(region, year, price["key"])
                c = p["cost"]
                m1, m2, m3 = st.columns(3)
                m1.metric(f"{unit} / M input tokens", f"{c['usd_per_mtok_input']:.4f}")
                m2.metric(f"{unit} / M output tokens", f"{c['usd_per_mtok_output']:.4f}")
                m3.metric("kWh / M output tokens", f"{c['kwh_per_mtok_output']:.3f}")
                st.bar_chart(pd.DataFrame({f"{unit} per M output tokens": [
                    c["capital_usd_per_mtok_output"], c["energy_usd_per_mtok_output"]]},
                    index=["capital (GPU + server)" if rent is None else "rent less electricity",
                           "electricity × PUE"]), horizontal=True, height=160)
                st.caption(f"Bitcoin era: {c['usd_per_phs_day']:,.0f} {unit} of electricity per PH/s-day.")
                for key, label in (("cheapest", "cheapest region"), ("compare", "your comparison")):
                    other = p[key]
                    if other and other["ratio"]:
                        st.markdown(f"vs {label} **{md(other['name'])}**: {other['usd_per_mtok_output']:.4f} "
                                    f"{unit}/M out — this region costs {other['ratio']:.2f}×.")
            user_city = st.text_input("Your city (for the round-trip time)", "San Francisco",
                                      key="rtt_city")
            if user_city.strip():
                r, err = data.token_route(user_city.strip(), region, year)
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
    kwh = formulas.embodied_kwh(tokens, kwh_per_mtok)
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
    d2.download_button("Download map (HTML)", lambda: data.standalone_html(spec_json),  # built on click
                       file_name=f"geomap-{year}.html", mime="text/html")

    with st.expander("Sources and licenses"):
        rows = []
        for name in load_catalog():
            info = store.info(name, offline=True)
            rows.append({"layer": info.name, "kind": info.kind, "features": info.features,
                         "rejected rows": info.rejected, "license": info.license,
                         "attribution": info.attribution})
        st.dataframe(pd.DataFrame(rows), hide_index=True)
        inputs = estimate.describe_inputs(catalogs.get_gpu(gpu), catalogs.get_model(model), spec.assumptions(), year)
        st.json(inputs, expanded=False)
