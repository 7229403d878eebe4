"""The map's layers: one function per layer, each returning a folium layer of that year's data."""

from __future__ import annotations

import folium
import geopandas as gpd
import numpy as np
import pandas as pd
from folium.plugins import MarkerCluster

from geomap.data import store
from geomap.data.catalog import load_catalog
from geomap.map.elements import (
    NO_DATA,
    NOT_COMPARABLE,
    GeoJsonLayer,
    Legend,
    class_breaks,
    colour_for,
    esc,
    feature_collection,
    fmt_value,
    legend_rows,
)
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


STATUS_COLORS = {"existing": "#1a9850", "planned": "#f46d43", "decommissioned": "#878787"}


def _attribution(kind: str) -> str:
    sources = load_catalog().by_kind(kind)
    return " | ".join(dict.fromkeys(esc(s.attribution) for s in sources))


def region_layer(table: gpd.GeoDataFrame, metric: str,
                 all_prices: bool = False) -> tuple[folium.GeoJson, Legend]:
    """Choropleth of the regions by ``metric``, with a tooltip and a click popup breakdown.

    Only regions whose price compares (``price_comparable``) are coloured, on a scale of their
    values alone; the others are drawn in a neutral hatch-like style (pale fill, dashed
    outline) with the reason in their tooltip, and the legend counts both. ``all_prices``
    colours every priced region instead, still saying in the tooltip which do not compare.
    """
    col, title = METRICS[metric]
    fmt = ".4f" if metric != "bitcoin" else ",.0f"
    t = table.copy()
    unit = "$"
    if "dollars" in t.columns and len(t) and t["dollars"].iloc[0] != "nominal US$":
        title = f"{title}, in {t['dollars'].iloc[0]}"
        unit = str(t["dollars"].iloc[0]).replace(" (CPI-U)", "")
    comparable = t["price_comparable"].fillna(False).astype(bool)
    coloured = t[col].notna() & (comparable | all_prices)
    breaks = class_breaks(t.loc[coloured, col])
    t["fill"] = [colour_for(v, breaks) if ok else (NOT_COMPARABLE if not pd.isna(v) else NO_DATA)
                 for v, ok in zip(t[col], coloured, strict=True)]
    t["apart"] = ~comparable & t[col].notna()
    t["label_comparable"] = [
        "comparable: a large consumer's price of the last 3 years" if ok
        else f"not comparable: {esc(r) if not pd.isna(r) else 'no price'}"
        for ok, r in zip(comparable, t["price_not_comparable_reason"], strict=True)
    ]
    t["label_name"] = t["name"].map(esc)
    t["label_price"] = [
        f"{fmt_value(p, '.4f')} {esc(unit)}/kWh ({esc(y)}, {esc(b)}{', country fallback' if fb is True else ''}"
        f"{', your pick' if by == 'user' else ''})"
        if not pd.isna(p) else "no data"
        for p, y, b, fb, by in zip(t["price_usd_per_kwh"], t["price_year"], t["price_basis"],
                                   t["price_is_fallback"], t["price_chosen_by"], strict=True)
    ]
    t["label_cost"] = [
        f"{fmt_value(i, '.4f')} in / {fmt_value(o, '.4f')} out {esc(unit)}/Mtok" if not pd.isna(o)
        else "no data"
        for i, o in zip(t["usd_per_mtok_input"], t["usd_per_mtok_output"], strict=True)
    ]
    t["label_kwh"] = t["kwh_per_mtok_output"].map(lambda v: fmt_value(v, ".3f", " kWh/Mtok out"))
    t["label_shares"] = [
        f"capital {c * 100:.0f}% · electricity {e * 100:.0f}%" if not (pd.isna(c) or pd.isna(e))
        else "no data"
        for c, e in zip(t["capital_share"], t["energy_share"], strict=True)
    ]
    t["label_source"] = t["price_source"].map(esc)
    t["label_btc"] = t["usd_per_phs_day"].map(lambda v: fmt_value(v, ",.0f", " $/PH/s-day"))
    props = ["region_id", "fill", "apart", "label_name", "label_price", "label_comparable",
             "label_cost", "label_kwh", "label_shares", "label_btc", "label_source"]
    data, bounds = feature_collection(t, props)
    layer = GeoJsonLayer(
        data,
        bounds=bounds,
        name=LAYER_TITLES["regions"],
        style_function=lambda f: (
            {"fillColor": f["properties"]["fill"], "color": "#8c8c8c", "weight": 0.8,
             "dashArray": "3 3", "fillOpacity": 0.55} if f["properties"]["apart"] else
            {"fillColor": f["properties"]["fill"], "color": "#666", "weight": 0.4,
             "fillOpacity": 0.75}),
        highlight_function=lambda f: {"weight": 2, "color": "#222"},
        tooltip=folium.GeoJsonTooltip(
            fields=["label_name", "label_price", "label_comparable", "label_cost"],
            aliases=["Region", "Electricity", "Compares", "Cost"], sticky=True),
        popup=folium.GeoJsonPopup(
            fields=["label_name", "label_price", "label_comparable", "label_cost", "label_kwh",
                    "label_shares", "label_btc", "label_source"],
            aliases=["Region", "Electricity", "Compares", "Cost per Mtok", "Energy", "Breakdown",
                     "Bitcoin era", "Price source"], max_width=420),
        attribution=_attribution("regions") + " | prices: " + _attribution("electricity_prices"),
    )
    n_good, n_apart = int((comparable & t[col].notna()).sum()), int(t["apart"].sum())
    rows = legend_rows(breaks, fmt)
    rows.insert(-1, (NOT_COMPARABLE, f"not comparable ({n_apart})"
                     + (", coloured anyway" if all_prices else "")))
    note = f"{n_good} of {len(t)} regions comparable"
    legend = Legend(title, rows, note=note)
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
    data, bounds = feature_collection(frame, props)
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
    data, bounds = feature_collection(cables, ["color", "dash", "t_name", "t_rfs", "t_owners"])
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


def route_layer(route: dict) -> folium.FeatureGroup:
    """A token route (``geomap.routes.graph.Route.to_json()``): its path, RTT and cables."""
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
