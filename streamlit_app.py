"""geomap's Streamlit app: widgets and layout only; all logic lives in the geomap package."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from geomap import store
from geomap.catalog import load_catalog
from geomap.download import cache_dir, mirror_base
from geomap.errors import GeomapError

st.set_page_config(page_title="geomap: where AI tokens are made", layout="wide")


@st.cache_data(show_spinner=False)
def layer_table() -> tuple[pd.DataFrame, list[str]]:
    """One row per layer with counts and provenance; plus the errors of layers not available."""
    catalog = load_catalog()
    rows, errors = [], []
    for name in catalog:
        try:
            info = store.info(name, catalog)
        except GeomapError as exc:
            errors.append(str(exc))
            continue
        rows.append(
            {
                "layer": info.name,
                "kind": info.kind,
                "features": info.features,
                "with a point": info.located,
                "rejected rows": info.rejected,
                "years": f"{info.years[0]}–{info.years[1]}" if info.years else "",
                "license": info.license,
                "attribution": info.attribution,
            }
        )
    return pd.DataFrame(rows), errors


st.title("geomap")
st.caption(
    "Where AI's tokens are made and what they cost: data centers, electricity prices, "
    "submarine cables and Bitcoin-era mining, joined on one map."
)

with st.sidebar:
    st.subheader("Data")
    st.write(f"Cache: `{cache_dir()}`")
    st.write(f"Mirror: `{mirror_base() or 'none (canonical URLs)'}`")
    if st.button("Fetch and prepare all layers"):
        with st.spinner("Downloading and preparing layers…"):
            results = store.fetch()
        layer_table.clear()
        for name, error in results.items():
            if error is not None:
                st.error(f"{name}: {error}")

with st.spinner("Loading layers (the first run downloads them)…"):
    table, errors = layer_table()

for message in errors:
    st.error(message)

st.subheader("Layers")
st.dataframe(table, hide_index=True, use_container_width=True)
st.caption(
    "Every number carries its source: see `layers/*.toml` for each layer's URL, license and "
    "citation, and `geomap layers --rejections NAME` for rows that were rejected and why."
)
