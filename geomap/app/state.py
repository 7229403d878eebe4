"""The app's state in the URL: widgets start from the query string and write it back."""

from __future__ import annotations

from datetime import date

import streamlit as st

from geomap.dollars import cpi_u
from geomap.schema import price_basis

THIS_YEAR = date.today().year
FIRST_YEAR = 1851
#: Layer -> its short name in the ``layers`` URL parameter.
LAYER_PARAM = {"regions": "regions", "data_centers": "dc", "cables": "cables",
               "landing_points": "landings", "mining": "mining"}


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
    st.session_state["basis"] = price_basis(_param("basis", ""))
    st.session_state["all_prices"] = _param("allprices", "") == "1"
    base = _param("dollars", 0)
    st.session_state["dollars"] = base if base in cpi_u() else None
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
    if st.session_state.get("all_prices"):
        params["allprices"] = "1"
    if st.session_state.get("dollars"):
        params["dollars"] = str(st.session_state["dollars"])
    if st.session_state.get("basis"):
        params["basis"] = st.session_state["basis"]
    if st.session_state.get("price_choices"):
        params["prices"] = ",".join(f"{r}:{k}" for r, k in sorted(st.session_state["price_choices"].items()))
    st.session_state["_written"] = params
    if dict(st.query_params) != params:
        st.query_params.from_dict(params)
