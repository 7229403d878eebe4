"""Routes over submarine cables: graph construction, known paths and their RTT, errors, CLI."""

from __future__ import annotations

import argparse
import contextlib
import csv
import io
import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import shapely
from shapely.geometry import LineString, MultiLineString

from geomap import cli, geo
from geomap.errors import GeomapError
from geomap.routes import cables, constants, endpoints
from geomap.routes import graph as routes
from geomap.tools import bench_routes

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def graph(prepared) -> routes.RouteGraph:
    return routes.get_graph()


def _lp_xy(graph: routes.RouteGraph, node_id: str | None) -> tuple[float, float] | None:
    if node_id is None:
        return None
    row = graph.nodes.loc[node_id]
    return float(row["lon"]), float(row["lat"])


def _cable_years(prepared) -> dict[str, tuple[int, float]]:
    out = {}
    for layer in ("telegeography-cables", "historic-cables"):
        frame = prepared[layer]
        for cid, rfs, end in zip(frame["cable_id"], frame["rfs_year"], frame["end_year"], strict=True):
            out[str(cid)] = (int(rfs) if not pd.isna(rfs) else 9999, np.nan if pd.isna(end) else float(end))
    return out


# ---------------------------------------------------------------- constants


def test_every_constant_has_a_source_and_light_in_fibre_is_about_204000_km_s():
    c = constants.route_constants()
    with open(REPO / "layers" / "tables" / "route_constants.csv", encoding="utf-8", newline="") as fh:
        rows = {r["parameter"]: r for r in csv.DictReader(fh)}
    for name in constants.RouteConstants.__dataclass_fields__:
        if name == "sources":
            continue
        assert name in rows, f"{name} missing from route_constants.csv"
        assert rows[name]["source"].strip(), f"{name} has no source"
        assert rows[name]["unit"].strip(), f"{name} has no unit"
    assert c.fiber_km_per_s == pytest.approx(204_000, rel=0.005)
    # 4.9 microseconds per km one way
    assert 1e6 / c.fiber_km_per_s == pytest.approx(4.9, abs=0.05)
    # the great-circle bound of the brief: 2 x 9,860 km at 204,000 km/s ~ 97 ms
    assert c.rtt_ms(9860, 0) == pytest.approx(96.6, abs=0.3)


# ---------------------------------------------------------------- pure geometry


class _C:
    """Constants for the synthetic-cable tests (only the distances matter)."""

    branch_join_km = 15.0
    cable_snap_max_km = 150.0


def test_branched_cable_links_landing_points_along_the_route():
    # Trunk A (0,0) - D (1,0) - B (2,0); a branch from a branching unit at (1.5, 0) to C (1.5, 1).
    trunk = LineString([(0, 0), (1, 0), (1.5, 0), (2, 0)])
    branch = LineString([(1.5, 0.0001), (1.5, 1)])  # loose end ~11 m off the trunk
    lps = {"A": (0.0, 0.0), "B": (2.0, 0.0), "C": (1.5, 1.0), "D": (1.0, 0.02)}
    segs, lost = cables.cable_segments(0, MultiLineString([trunk, branch]), lps, _C())
    assert lost == []
    pairs = {tuple(sorted((s.u, s.v))): s.km for s in segs}
    # D sits on the trunk between A and B: A-B is not a segment, A-D and D-B are.
    assert set(pairs) == {("A", "D"), ("B", "D"), ("C", "D"), ("B", "C")}
    km_per_deg = 111.32
    assert pairs[("A", "D")] == pytest.approx(km_per_deg + 2.2, rel=0.01)  # + the 2.2 km snap offset
    assert pairs[("B", "C")] == pytest.approx(0.5 * km_per_deg + 110.6, rel=0.01)
    for s in segs:  # each segment's drawing runs from its u to its v
        assert tuple(s.coords[0]) == pytest.approx(lps[s.u])
        assert tuple(s.coords[-1]) == pytest.approx(lps[s.v])


def test_cable_parts_meeting_at_the_antimeridian_are_joined():
    east = LineString([(170, 10), (180, 10)])
    west = LineString([(-179.9998, 10), (-170, 10)])
    lps = {"E": (170.0, 10.0), "W": (-170.0, 10.0)}
    segs, _ = cables.cable_segments(0, MultiLineString([east, west]), lps, _C(), length_scale=1.1)
    assert len(segs) == 1
    assert segs[0].km == pytest.approx(1.1 * 20 * 111.32 * np.cos(np.radians(10)), rel=0.01)


def test_landing_point_far_from_the_route_is_not_attached():
    segs, lost = cables.cable_segments(0, LineString([(0, 0), (1, 0)]),
                                       {"A": (0.0, 0.0), "far": (5.0, 5.0)}, _C())
    assert segs == [] and lost == ["far"]


def test_geojson_path_is_split_at_the_antimeridian():
    line = geo.geojson_line(np.array([[170.0, 0.0], [179.0, 1.0], [-179.0, 3.0], [-170.0, 4.0]]))
    assert line["type"] == "MultiLineString"
    west_end, east_start = line["coordinates"][0][-1], line["coordinates"][1][0]
    assert west_end == [180.0, 2.0] and east_start == [-180.0, 2.0]
    assert geo.geojson_line(np.array([[0.0, 0.0], [10.0, 1.0]]))["type"] == "LineString"


# ---------------------------------------------------------------- known routes


def test_san_francisco_to_shanghai_crosses_the_pacific(graph):
    route = routes.find_route("San Francisco", "Shanghai", 2026)
    c = route.constants
    # Great-circle San Francisco - Shanghai is ~9,880 km; the RTT lower bound is ~97 ms.
    assert 9700 < route.great_circle_km < 10000
    bound_ms = c.rtt_ms(route.great_circle_km, 0)
    assert route.rtt_ms > bound_ms
    # Published range for the path (roughly 110-180 ms); the model is a lower bound within it.
    assert 110 <= route.rtt_ms <= 180
    assert route.km == pytest.approx(sum(leg["km"] for leg in route.legs), abs=1)
    assert route.rtt_ms == pytest.approx(c.rtt_ms(route.km, len(route.hops)))
    # One cable leg spans the Pacific: from the Americas (lon < -100) to Asia (lon > 100).
    pacific = []
    for leg in route.legs:
        if leg["kind"] != "cable":
            continue
        a, b = _lp_xy(graph, leg["from_id"]), _lp_xy(graph, leg["to_id"])
        if a[0] < -100 and b[0] > 100:
            pacific.append(leg)
    assert pacific, route.legs
    assert pacific[0]["km"] > 7000
    assert pacific[0]["cable"] in route.cables
    # The path is drawn across the antimeridian, from San Francisco to Shanghai.
    assert route.path["type"] == "MultiLineString"
    parts = route.path["coordinates"]
    assert parts[0][0] == pytest.approx([route.origin.lon, route.origin.lat], abs=1e-4)
    assert parts[-1][-1] == pytest.approx([route.destination.lon, route.destination.lat], abs=1e-4)
    assert all(-180 <= x <= 180 and -90 <= y <= 90 for part in parts for x, y in part)
    assert route.hops[0].endswith("United States") and route.hops[-1].endswith("China")


def test_london_to_new_york(graph):
    route = routes.find_route("London", "New York", 2026)
    # Published: the lowest-latency transatlantic route (Hibernia Express, now EXA Express)
    # is advertised at just under 59 ms New York-London; typical routes 65-80 ms.
    assert 55 <= route.rtt_ms <= 80
    assert route.rtt_ms > route.constants.rtt_ms(route.great_circle_km, 0)
    atlantic = [leg for leg in route.legs if leg["kind"] == "cable" and leg["km"] > 3000]
    assert atlantic
    a, b = _lp_xy(graph, atlantic[0]["from_id"]), _lp_xy(graph, atlantic[0]["to_id"])
    assert a[0] > -11 and b[0] < -50  # from the British Isles to North America
    assert route.path["type"] == "LineString"


def test_cables_laid_after_a_year_are_not_used(graph, prepared):
    years = _cable_years(prepared)
    new = routes.find_route("San Francisco", "Shanghai", 2026)
    old = routes.find_route("San Francisco", "Shanghai", 2005)
    old_ids = {leg["cable_id"] for leg in old.legs if leg["kind"] == "cable"}
    new_ids = {leg["cable_id"] for leg in new.legs if leg["kind"] == "cable"}
    assert all(years[cid][0] <= 2005 for cid in old_ids)
    assert old_ids != new_ids
    assert any(years[cid][0] > 2005 for cid in new_ids)
    # The 2026 network includes every modern cable of 2005, so its shortest path is no longer.
    assert new.km <= old.km + 1e-6
    assert graph.in_service(2005).sum() < graph.in_service(2026).sum()


def test_in_1866_london_to_new_york_uses_the_atlantic_telegraph_cable(graph, prepared):
    years = _cable_years(prepared)
    route = routes.find_route("London", "New York", 1866)
    ids = [leg["cable_id"] for leg in route.legs if leg["kind"] == "cable"]
    assert "atlantic-telegraph-1866" in ids
    assert "atlantic-telegraph-1858" not in ids  # failed in 1858 (end_year)
    for cid in ids:
        rfs, end = years[cid]
        assert rfs <= 1866 and (np.isnan(end) or end >= 1866)
    telegraph = [leg for leg in route.legs if leg.get("cable_id") == "atlantic-telegraph-1866"]
    assert telegraph[0]["medium"] == "telegraph"
    # In 1858 the short-lived first cable carried the route instead.
    ids_1858 = {leg.get("cable_id") for leg in routes.find_route("London", "New York", 1858).legs}
    assert "atlantic-telegraph-1858" in ids_1858


def test_two_places_with_no_cable_between_them(graph):
    # Honolulu was reached from San Francisco by the Commercial Pacific Cable in 1903.
    with pytest.raises(routes.NoRouteError, match="1900"):
        routes.find_route("Honolulu", "San Francisco", 1900)
    route = routes.find_route("Honolulu", "San Francisco", 1903)
    assert "commercial-pacific-1903" in {leg.get("cable_id") for leg in route.legs}


def test_unknown_place_is_a_clear_error(prepared):
    with pytest.raises(endpoints.PlaceNotFoundError, match="Xyzzyville"):
        routes.find_route("Xyzzyville", "Shanghai")
    with pytest.raises(GeomapError):
        endpoints.resolve_place("   ")


def test_region_id_as_destination(graph, prepared):
    route = routes.find_route("San Francisco", "CN-SH", 2026)
    assert route.destination.kind == "region"
    admin1 = prepared["ne-admin1"]
    polygon = admin1.loc[admin1["region_id"] == "CN-SH"].geometry.iloc[0]
    assert polygon.contains(shapely.Point(route.destination.lon, route.destination.lat))
    assert 110 <= route.rtt_ms <= 180


def test_data_center_name_as_destination(graph, prepared):
    from geomap.data import store

    dcs = store.load_kind("data_centers")
    located = dcs[dcs.geometry.notna() & dcs["name"].str.contains("Shanghai", na=False)]
    assert len(located), "the data-center layers have a located Shanghai region"
    name = str(located["name"].iloc[0])
    route = routes.find_route("San Francisco", name, 2026)
    assert route.destination.kind == "data center"
    assert route.destination.name == name
    coords = route.path["coordinates"]
    end = coords[-1][-1] if route.path["type"] == "MultiLineString" else coords[-1]
    dc = located.geometry.iloc[0]
    assert end == pytest.approx([dc.x, dc.y], abs=1e-4)
    # The provider's region code works too ("... (cn-shanghai)" -> "cn-shanghai").
    code = name.rsplit("(", 1)[-1].rstrip(")")
    assert endpoints.resolve_place(code).name == name


# ---------------------------------------------------------------- CLI and bench


def _run_route(argv: list[str]) -> tuple[int, str]:
    args = cli.build_parser().parse_args(["route", *argv])
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        code = args.func(args)
    return code, out.getvalue()


def test_cli_json_output(graph):
    code, out = _run_route(["--from", "London", "--to", "New York", "--format", "json", "--year", "2026"])
    assert code == 0
    data = json.loads(out)
    assert {"rtt_ms", "km", "cables", "hops", "path"} <= set(data)
    assert data["path"]["type"] in ("LineString", "MultiLineString")
    assert data["cables"] and data["hops"]
    code, text = _run_route(["--from", "London", "--to", "New York"])
    assert code == 0 and "RTT" in text and data["cables"][0] in text


def test_cli_unknown_place_prints_one_line(prepared):
    env = dict(os.environ)
    proc = subprocess.run(
        [sys.executable, "-m", "geomap.cli", "route", "--from", "Xyzzyville", "--to", "Shanghai"],
        capture_output=True, text=True, env=env, cwd=REPO, timeout=300,
    )
    assert proc.returncode == 2
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and "Xyzzyville" in lines[0] and "Traceback" not in proc.stderr


def test_cli_subcommand_is_wired(prepared, capsys):
    parser = cli.build_parser()
    sub = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    if "route" not in sub.choices:
        pytest.skip("geomap route is not wired into geomap/cli.py yet")
    assert cli.main(["route", "--from", "Xyzzyville", "--to", "Shanghai"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "Xyzzyville" in err[0]


def test_bench_routes_reports_figures(prepared):
    figures = bench_routes.bench_routes(bench_routes.BENCH_PAIRS[:4])
    assert figures["nodes"] > 1000 and figures["edges"] > figures["nodes"]
    assert figures["routes"] == 4 and figures["no_route"] == []
    assert 0 < figures["route_ms_median"] <= figures["route_ms_max"]
    assert figures["graph_build_s"] > 0


def test_route_is_drawn_on_the_map(prepared):
    from geomap.map.builder import MapSpec, build_map
    from geomap.routes import graph as routes

    route = routes.find_route("San Francisco", "Shanghai", 2026).to_json()
    html = build_map(MapSpec(year=2026, layers=frozenset({"cables"})), route=route).get_root().render()
    assert "Token route" in html and f"RTT {route['rtt_ms']:.1f} ms" in html
