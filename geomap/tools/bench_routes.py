"""Route speed figures: graph build time and size, and milliseconds per route over city pairs."""

from __future__ import annotations

import statistics
import time
from collections.abc import Sequence
from datetime import date

from geomap.routes.endpoints import resolve_place
from geomap.routes.graph import NoRouteError, build_graph

__all__ = ["BENCH_PAIRS", "bench_routes"]

#: City pairs timed by :func:`bench_routes`.
BENCH_PAIRS: tuple[tuple[str, str], ...] = (
    ("San Francisco", "Shanghai"),
    ("London", "New York"),
    ("Tokyo", "Los Angeles"),
    ("Singapore", "Marseille"),
    ("Sydney", "Los Angeles"),
    ("Mumbai", "London"),
    ("Lagos", "Lisbon"),
    ("Sao Paulo", "Miami"),
    ("Hong Kong", "Seattle"),
    ("Cape Town", "London"),
    ("Dubai", "Singapore"),
    ("Auckland", "Sydney"),
    ("Honolulu", "Tokyo"),
    ("Reykjavik", "Dublin"),
    ("Jakarta", "Perth"),
    ("Buenos Aires", "Madrid"),
    ("Manila", "Hong Kong"),
    ("Beijing", "Frankfurt"),
    ("Seoul", "San Francisco"),
    ("Nairobi", "Mumbai"),
)


def bench_routes(pairs: Sequence[tuple[str, str]] = BENCH_PAIRS, year: int | None = None) -> dict:
    """Speed figures: graph build time and size, and ms per route over city pairs.

    Places are resolved before timing; each timed route includes the per-year graph (built
    once, before timing) and both endpoints' access hops. Layers must be prepared first.

    Examples
    --------
    >>> bench_routes(BENCH_PAIRS[:1])["routes"]   # doctest: +SKIP
    1
    """
    year = year if year is not None else date.today().year
    start = time.perf_counter()
    graph = build_graph()
    build_s = time.perf_counter() - start
    start = time.perf_counter()
    g = graph.graph(year)
    year_s = time.perf_counter() - start
    places = [(resolve_place(a), resolve_place(b)) for a, b in pairs]
    times, failed = [], []
    for a, b in places:
        t0 = time.perf_counter()
        try:
            graph.route(a, b, year)
        except NoRouteError:
            failed.append(f"{a.query} -> {b.query}")
        times.append(time.perf_counter() - t0)
    return {
        "graph_build_s": round(build_s, 3),
        "year_graph_build_s": round(year_s, 3),
        "year": year,
        "nodes": g.number_of_nodes(),
        "edges": g.number_of_edges(),
        "cable_segments": len(graph.segments),
        "terrestrial_hops": len(graph.terrestrial),
        "routes": len(times),
        "route_ms_median": round(1000 * statistics.median(times), 2),
        "route_ms_max": round(1000 * max(times), 2),
        "no_route": failed,
    }
