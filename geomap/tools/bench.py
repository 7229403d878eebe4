"""``geomap bench``: measured speed figures, each next to a baseline run in the same process."""

from __future__ import annotations

import json
import statistics
import time
from collections.abc import Callable
from datetime import date

import folium
import geopandas as gpd
import numpy as np

from geomap.app import remote
from geomap.costs import catalogs, estimate
from geomap.data import download, store
from geomap.data.catalog import load_catalog
from geomap.map import assets
from geomap.map.builder import MapSpec, build_map
from geomap.regions import yearly
from geomap.regions.joins import join_points
from geomap.regions.regionset import load_regions
from geomap.schema import CRS
from geomap.tools.bench_routes import bench_routes


def _best_of(fn: Callable[[], object], repeat: int) -> tuple[float, object]:
    times, result = [], None
    for _ in range(repeat):
        start = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - start)
    return min(times), result


def synthetic_points(anchors: gpd.GeoSeries, n: int, seed: int = 0, jitter_deg: float = 0.05) -> gpd.GeoDataFrame:
    """``n`` points scattered (normal, ``jitter_deg``) around real located data centers."""
    rng = np.random.default_rng(seed)
    xy = np.column_stack([anchors.x.to_numpy(), anchors.y.to_numpy()])
    pick = xy[rng.integers(0, len(xy), n)]
    pick = pick + rng.normal(0, jitter_deg, size=pick.shape)
    pick[:, 0] = np.clip(pick[:, 0], -180, 180)
    pick[:, 1] = np.clip(pick[:, 1], -90, 90)
    return gpd.GeoDataFrame(geometry=gpd.points_from_xy(pick[:, 0], pick[:, 1]), crs=CRS)


def bench_join(n_points: int = 1_000_000, repeat: int = 3) -> dict:
    """Points per second through :func:`geomap.regions.joins.join_points` vs a bare ``sjoin``."""
    regions = load_regions()
    anchor = store.load_kind("data_centers").geometry.dropna()
    points = synthetic_points(anchor, n_points)
    bare_s, bare = _best_of(
        lambda: gpd.sjoin(points, regions[["region_id", "geometry"]], predicate="within", how="left"),
        repeat,
    )
    ours_s, ours = _best_of(lambda: join_points(points, regions), repeat)
    methods = ours["join_method"].value_counts().to_dict()
    return {
        "points": n_points,
        "regions": len(regions),
        "geomap_points_per_s": round(n_points / ours_s),
        "bare_sjoin_points_per_s": round(n_points / bare_s),
        "ratio_vs_bare": round(bare_s / ours_s, 3),
        "geomap_s": round(ours_s, 3),
        "bare_sjoin_s": round(bare_s, 3),
        "join_methods": {str(k): int(v) for k, v in methods.items()},
        "bare_unmatched": int(bare["region_id"].isna().sum()),
    }


def bench_costs(repeat: int = 50) -> dict:
    """Time to recompute every region's costs after a GPU or model change (prices cached)."""
    year = 2026
    prices = yearly.region_prices(year)
    a = catalogs.default_assumptions()
    combos = [("h100", "deepseek-v3"), ("h800", "minimax-m2.5"), ("b200", "llama-3.1-70b"),
              ("a100", "glm-5")]
    times = []
    for i in range(repeat):
        gpu, model = combos[i % len(combos)]
        start = time.perf_counter()
        table = estimate.cost_table(prices, catalogs.get_gpu(gpu), catalogs.get_model(model), a, year)
        times.append(time.perf_counter() - start)
    return {
        "regions": len(table),
        "recompute_ms_median": round(1000 * statistics.median(times), 2),
        "recompute_ms_max": round(1000 * max(times), 2),
        "runs": repeat,
    }


def bench_load() -> dict:
    """Warm start: every prepared layer read back from GeoParquet."""
    catalog = load_catalog()
    store._MEMO.clear()  # measure reading GeoParquet, not the in-process cache
    start = time.perf_counter()
    rows = sum(len(store.load(name, catalog)) for name in catalog)
    return {"layers": len(catalog), "rows": rows, "warm_load_s": round(time.perf_counter() - start, 3)}


def run(n_points: int = 1_000_000, routes: bool = True) -> dict:
    """All figures; layers must be fetched (``geomap fetch``) first."""
    figures = {"load": bench_load(), "join": bench_join(n_points), "costs": bench_costs(),
               "map": bench_map(), "app": bench_app()}
    if routes:
        figures["routes"] = bench_routes()
    return figures


def bench_map(year: int | None = None) -> dict:
    """HTML size and build time of the full map vs a naive baseline in the same run.

    The baseline passes the raw downloaded layers (unsimplified, unrounded GeoJSON) straight
    to folium, as one would without geomap's preparation.
    """
    year = year or date.today().year
    start = time.perf_counter()
    html = assets.inline(build_map(MapSpec(year=year))).get_root().render()
    ours_s = time.perf_counter() - start

    catalog = load_catalog()
    start = time.perf_counter()
    naive = folium.Map(tiles=None, location=[25, 40], zoom_start=2)
    for name in ("ne-admin0", "ne-admin1", "telegeography-cables", "telegeography-landing-points"):
        raw = download.raw_path(catalog[name].urls[0])
        with open(raw, "rb") as fh:
            folium.GeoJson(json.load(fh), name=name).add_to(naive)
    for src in catalog.by_kind("data_centers"):
        dc = store.load(src.name)
        folium.GeoJson(dc[dc.geometry.notna()][["name", "geometry"]].to_json(), name=src.name).add_to(naive)
    naive_html = assets.inline(naive).get_root().render()
    naive_s = time.perf_counter() - start
    return {
        "year": year,
        "html_mb": round(len(html.encode()) / 1e6, 3),
        "build_s": round(ours_s, 3),
        "naive_html_mb": round(len(naive_html.encode()) / 1e6, 3),
        "naive_build_s": round(naive_s, 3),
        "size_ratio_vs_naive": round(len(html) / len(naive_html), 3),
        "time_ratio_vs_naive": round(ours_s / naive_s, 3),
    }


def bench_app(runs: int = 5) -> dict | None:
    """Seconds per rerun of the whole Streamlit app script (see :func:`geomap.app.remote.time_reruns`)."""
    return remote.time_reruns(runs)
