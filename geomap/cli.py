"""The ``geomap`` command line: every subcommand's arguments and output (argparse lives only here).

Each handler imports the stages it drives when it runs (they pull in geopandas, folium and
networkx), so ``geomap --help`` answers at once.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from datetime import date
from pathlib import Path

from geomap import __version__
from geomap.data.catalog import MAX_FILE_BYTES, USER_KINDS
from geomap.errors import GeomapError
from geomap.schema import PRICE_BASES, price_basis


def _cmd_fetch(args: argparse.Namespace) -> int:
    from geomap.data import store  # heavy: loads only for the subcommand that runs

    results = store.fetch(args.layer or None, force=args.force, progress=not args.quiet)
    failed = 0
    for name, error in results.items():
        if error is None:
            info = store.info(name, offline=True)
            extra = f", {info.rejected} rejected" if info.rejected else ""
            print(f"ok      {name}: {info.features} features{extra}")
        else:
            failed += 1
            print(f"FAILED  {name}: {error}", file=sys.stderr)
    return 1 if failed else 0


def _cmd_layers(args: argparse.Namespace) -> int:
    from geomap.data import store  # heavy: loads only for the subcommand that runs
    from geomap.data.catalog import load_catalog  # heavy: loads only for the subcommand that runs

    catalog = load_catalog()
    if args.rejections:
        rows = store.rejections(args.rejections, catalog)
        for row in rows:
            print(f"{row['file']}: row {row['row']}: field {row['field']!r}: {row['reason']}")
        return 0
    infos = [store.info(name, catalog, offline=args.offline) for name in catalog]
    if args.json:
        print(json.dumps([i.to_json() for i in infos], indent=2))
        return 0
    width = max(len(i.name) for i in infos)
    print(f"{'layer':<{width}}  {'kind':<18} {'features':>8} {'rejected':>8}  years      license")
    for i in infos:
        years = f"{i.years[0]}-{i.years[1]}" if i.years else "-"
        print(
            f"{i.name:<{width}}  {i.kind:<18} {i.features:>8} {i.rejected:>8}  {years:<10} {i.license}"
        )
    return 0


def _write_table(frame, fmt: str) -> None:
    """Write a region table to stdout as csv, json (records) or geojson."""
    import pandas as pd  # heavy: loads only for the subcommand that runs

    if fmt == "geojson":
        sys.stdout.write(frame.to_json(na="null", drop_id=True))
        sys.stdout.write("\n")
        return
    plain = pd.DataFrame(frame.drop(columns="geometry", errors="ignore"))
    if fmt == "json":
        sys.stdout.write(plain.to_json(orient="records", indent=1))
        sys.stdout.write("\n")
    else:
        plain.to_csv(sys.stdout, index=False)


def _report_joins(report) -> None:
    for layer, counts in report.counts.items():
        parts = ", ".join(f"{n} {how}" for how, n in sorted(counts.items(), key=lambda kv: -kv[1]))
        print(f"joined {layer}: {parts}", file=sys.stderr)
        missing = report.unjoined.get(layer)
        if missing:
            more = "…" if len(missing) >= 50 else ""
            print(f"  not joined: {'; '.join(missing[:8])}{more}", file=sys.stderr)


def _cmd_regions(args: argparse.Namespace) -> int:
    from geomap import dollars  # heavy: loads only for the subcommand that runs
    from geomap.regions.yearly import summarize  # heavy: loads only for the subcommand that runs

    table, report = summarize(args.year, basis=args.basis, price_layer=args.price_layer)
    if not args.quiet:
        _report_joins(report)
    _write_table(dollars.in_dollars(table, _base_year(args)), args.format)
    return 0


def _base_year(args: argparse.Namespace) -> int | None:
    """``--dollars``, checked against the CPI table (a clear error for a year it lacks)."""
    from geomap import dollars  # heavy: loads only for the subcommand that runs

    base = getattr(args, "dollars", None)
    return None if base is None else dollars.check_base_year(base)


def _assumptions(args: argparse.Namespace):
    from geomap.costs import catalogs  # heavy: loads only for the subcommand that runs

    try:
        return catalogs.with_overrides(
            catalogs.default_assumptions(),
            pue=args.pue,
            utilization=args.utilization,
            lifetime_years=args.lifetime_years,
            gpu_hour_usd=args.gpu_hour_usd,
        )
    except ValueError as exc:
        raise GeomapError(str(exc)) from None


def _prices(args: argparse.Namespace):
    """Region prices for the command's year, basis, layer and ``--price REGION=KEY`` picks."""
    from geomap.regions.choices import (
        apply_price_choices,  # heavy: loads only for the subcommand that runs
    )
    from geomap.regions.yearly import (
        region_prices,  # heavy: loads only for the subcommand that runs
    )

    picks = []
    for item in getattr(args, "price", None) or []:
        region_id, sep, key = item.partition("=")
        if not sep or not key:
            raise GeomapError(f"--price {item!r}: expected REGION=KEY (keys: `geomap prices REGION`)")
        picks.append((region_id.strip().upper(), key.strip()))
    prices = region_prices(args.year, args.basis, args.price_layer)
    return apply_price_choices(prices, tuple(picks), args.year)


def _in_dollars(frame, args: argparse.Namespace):
    """Sourced price rows (``usd_per_kwh`` of their ``year``) in ``--dollars``, when given."""
    from geomap import dollars  # heavy: loads only for the subcommand that runs

    return dollars.in_dollars(frame, _base_year(args), amounts=("usd_per_kwh",), year="year")


def _cmd_prices(args: argparse.Namespace) -> int:
    from geomap.regions.choices import (  # heavy: loads only for the subcommand that runs
        price_history,
        price_options,
    )

    options = price_options(args.region.upper(), args.year)
    chosen = _prices(args).set_index("region_id").loc[args.region.upper()]
    if args.history:
        history = price_history(args.region.upper(), chosen["price_key"])
        columns = ["year", "scope", "basis", "usd_per_kwh", "large_consumer", "chosen", "layer",
                   "basis_detail", "source", "key"]
        _write_table(_in_dollars(history[columns], args).round({"usd_per_kwh": 6}), args.format)
        return 0
    if not args.quiet:
        print(f"{args.region.upper()} in {args.year}: {len(options)} sourced prices; geomap uses "
              f"{chosen['price_usd_per_kwh']:.4f} US$/kWh ({chosen['price_year']}, "
              f"{chosen['price_basis']}, chosen by {chosen['price_chosen_by']}). "
              "Use one with `geomap costs ... --price REGION=KEY`.", file=sys.stderr)
    _write_table(_in_dollars(options, args).round({"usd_per_kwh": 6}), args.format)
    return 0


def _cmd_costs(args: argparse.Namespace) -> int:
    from geomap.costs import catalogs, estimate  # heavy: loads only for the subcommand that runs

    gpu, model = catalogs.get_gpu(args.gpu), catalogs.get_model(args.model)
    a = _assumptions(args)
    table = estimate.cost_table(_prices(args), gpu, model, a, args.year, dollars=_base_year(args))
    if not args.quiet:
        inputs = estimate.describe_inputs(gpu, model, a, args.year)
        tp = inputs["throughput"]
        print(
            f"{gpu.name} x {model.name}: {tp['input_tok_s_per_gpu']} input / "
            f"{tp['output_tok_s_per_gpu']} output tok/s per GPU ({tp['method']}); "
            f"PUE {a.pue}, utilization {a.utilization}, lifetime {a.lifetime_years} y"
            + (f", rented at ${a.gpu_hour_usd}/GPU-hour" if a.gpu_hour_usd else ""),
            file=sys.stderr,
        )
    _write_table(table.round(6), args.format)
    return 0


def _cmd_embodied(args: argparse.Namespace) -> int:
    from geomap.costs import catalogs, formulas  # heavy: loads only for the subcommand that runs

    gpu, model = catalogs.get_gpu(args.gpu), catalogs.get_model(args.model)
    a = _assumptions(args)
    tp = catalogs.throughput_for(gpu, model)
    kwh_per_mtok = formulas.cost_per_mtok(tp.output_tok_s, gpu, a, 0.0).kwh_per_mtok
    kwh = formulas.embodied_kwh(args.tokens, kwh_per_mtok)
    result = {
        "tokens": args.tokens,
        "gpu": gpu.name,
        "model": model.name,
        "kwh_per_mtok_output": round(kwh_per_mtok, 6),
        "kwh": round(kwh, 3),
        "mwh": round(kwh / 1000, 6),
        "throughput_method": tp.method,
    }
    if args.region:
        from geomap import dollars  # heavy: loads only for the subcommand that runs

        prices = dollars.in_dollars(_prices(args), _base_year(args)).set_index("region_id")
        if args.region.upper() not in prices.index:
            raise GeomapError(f"unknown region {args.region!r}; see `geomap regions` for region_id values")
        row = prices.loc[args.region.upper()]
        result.update(
            region_id=args.region.upper(),
            price_usd_per_kwh=None if pd_isna(row["price_usd_per_kwh"]) else float(row["price_usd_per_kwh"]),
            electricity_usd=None if pd_isna(row["price_usd_per_kwh"]) else round(kwh * float(row["price_usd_per_kwh"]), 2),
            price_source=None if pd_isna(row["price_source"]) else row["price_source"],
        )
    if args.format == "json":
        print(json.dumps(result, indent=2))
    else:
        for k, v in result.items():
            print(f"{k}: {v}")
    return 0


def pd_isna(value) -> bool:
    import pandas as pd  # heavy: loads only for the subcommand that runs

    return bool(pd.isna(value))


def _cmd_bench(args: argparse.Namespace) -> int:
    from geomap.tools import bench  # heavy: loads only for the subcommand that runs

    figures = bench.run(n_points=args.points, routes=not args.no_routes)
    if args.json:
        print(json.dumps(figures, indent=2))
        return 0
    load, join, costs = figures["load"], figures["join"], figures["costs"]
    print(f"warm load      {load['layers']} layers, {load['rows']} rows in {load['warm_load_s']} s")
    print(f"join           {join['points']:,} points into {join['regions']} regions: "
          f"{join['geomap_points_per_s']:,}/s (bare sjoin {join['bare_sjoin_points_per_s']:,}/s, "
          f"ratio {join['ratio_vs_bare']})")
    print(f"               methods: {join['join_methods']}")
    print(f"cost recompute {costs['regions']} regions: median {costs['recompute_ms_median']} ms, "
          f"max {costs['recompute_ms_max']} ms over {costs['runs']} GPU/model changes")
    mp = figures["map"]
    print(f"map {mp['year']}       {mp['html_mb']} MB HTML in {mp['build_s']} s; naive baseline "
          f"{mp['naive_html_mb']} MB in {mp['naive_build_s']} s (size ratio {mp['size_ratio_vs_naive']}, "
          f"time ratio {mp['time_ratio_vs_naive']})")
    app = figures.get("app")
    if app:
        print(f"app rerun      median {app['rerun_s_median']} s, max {app['rerun_s_max']} s "
              f"over {app['runs']} reruns of the whole Streamlit script")
    if "routes" in figures:
        print(f"routes         {json.dumps(figures['routes'])}")
    return 0


def _cmd_export(args: argparse.Namespace) -> int:
    from geomap.costs import catalogs  # heavy: loads only for the subcommand that runs
    from geomap.map.builder import MapSpec, export_html  # heavy: loads only for this subcommand
    from geomap.map.layers import LAYERS  # heavy: loads only for the subcommand that runs

    catalogs.get_gpu(args.gpu), catalogs.get_model(args.model)  # unknown names: a clear error first
    layers = frozenset(args.layers.split(",")) if args.layers else frozenset(LAYERS)
    unknown = layers - set(LAYERS)
    if unknown:
        raise GeomapError(f"unknown layer(s) {', '.join(sorted(unknown))}; layers: {', '.join(LAYERS)}")
    spec = MapSpec(year=args.year, gpu=args.gpu, model=args.model, layers=layers,
                   metric=args.metric, basemap=args.basemap, pue=args.pue,
                   utilization=args.utilization, lifetime_years=args.lifetime_years,
                   gpu_hour_usd=args.gpu_hour_usd, dollars=_base_year(args))
    size = export_html(spec, args.out)
    print(f"wrote {args.out} ({size / 1e6:.2f} MB, year {spec.year}, {spec.effective_metric})")
    return 0


def _cmd_loadtest(args: argparse.Namespace) -> int:
    from geomap.tools import loadtest  # heavy: loads only for the subcommand that runs

    proc = None
    url = args.url
    if not url:
        proc, url = loadtest.start_app()
    try:
        result = loadtest.run_load(url, sessions=args.sessions, seconds=args.seconds,
                                   server_pid=proc.pid if proc else args.server_pid,
                                   driver=args.driver)
    finally:
        if proc:
            proc.terminate()
    figures = result.to_json()
    print(json.dumps(figures, indent=2))
    return 0 if not figures["errors"] and not figures["wrong_numbers"] else 1


def _cmd_import(args: argparse.Namespace) -> int:
    from geomap.data import userlayers  # heavy: loads only for the subcommand that runs
    from geomap.sources.user import UserLayerError  # heavy: as above

    if args.list:
        if args.path is not None:
            raise UserLayerError("give either PATH or --list, not both")
        layers = userlayers.list_layers()
        if not layers:
            print("no user layers (add one with: geomap import PATH --kind KIND)")
        for lay in layers:
            print(f"{lay.name}\t{lay.kind}\t{lay.rows} rows\t{lay.rejected} rejected\t"
                  f"{lay.imported_at}\t{lay.file}")
        return 0
    if args.remove:
        if args.path is not None:
            raise UserLayerError("give either PATH or --remove NAME, not both")
        print(f"removed {userlayers.remove_layer(args.remove)}")
        return 0
    if args.path is None:
        raise UserLayerError("give PATH and --kind to import, or --list, or --remove NAME")
    if args.kind is None:
        raise UserLayerError(f"--kind is required: one of {', '.join(USER_KINDS)}")
    report = userlayers.import_layer(args.path, args.kind, args.name)
    text = report.to_text()
    if text:
        print(text, file=sys.stderr)
    print(report.summary())
    return 0 if report.imported else 1


def add_import_parser(subparsers) -> argparse.ArgumentParser:
    """Register ``geomap import`` on the CLI's subparsers (its handler is set as ``func``)."""
    p = subparsers.add_parser(
        "import",
        help="add your own data centers, electricity prices or mining data as a layer",
        description="Validate a CSV (lat/lon, region_id or country) or GeoJSON file and store "
        "its good rows as a user layer; every rejected row is reported with its row and field. "
        f"Files over {MAX_FILE_BYTES / 1e6:.0f} MB are refused. Exit status: 0 imported, "
        "1 nothing imported, 2 unusable input.",
    )
    p.add_argument("path", nargs="?", type=Path, metavar="PATH", help="CSV or GeoJSON file")
    p.add_argument("--kind", choices=USER_KINDS, help="what the file holds")
    p.add_argument("--name", help="layer name (default: the file name), stored as user-<name>")
    group = p.add_mutually_exclusive_group()
    group.add_argument("--list", action="store_true", help="list the user layers")
    group.add_argument("--remove", metavar="NAME", help="delete a user layer")
    p.set_defaults(func=_cmd_import)
    return p


def _cmd_route(args: argparse.Namespace) -> int:
    from geomap.routes.graph import find_route  # numpy, networkx: not loaded for `geomap --help`

    route = find_route(args.origin, args.destination, args.year)
    if args.format == "json":
        print(json.dumps(route.to_json(), indent=1))
    else:
        print(route.to_text())
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="geomap",
        description="Where AI tokens are made and what they cost.",
    )
    parser.add_argument("--version", action="version", version=f"geomap {__version__}")
    sub = parser.add_subparsers(dest="command", required=True)

    fetch = sub.add_parser("fetch", help="download (with progress) and prepare layers")
    fetch.add_argument("--layer", action="append", metavar="NAME", help="only this layer (repeatable)")
    fetch.add_argument("--force", action="store_true", help="download again even when cached")
    fetch.add_argument("--quiet", action="store_true", help="no progress bars")
    fetch.set_defaults(func=_cmd_fetch)

    layers = sub.add_parser("layers", help="list layers with counts, licenses and sources")
    layers.add_argument("--json", action="store_true", help="JSON output")
    layers.add_argument("--offline", action="store_true", default=None,
                        help="never download; report what is missing")
    layers.add_argument("--rejections", metavar="NAME", help="print the rejected rows of a layer")
    layers.set_defaults(func=_cmd_layers)
    regions = sub.add_parser("regions", help="one row per region: price, data centers, cables, mining")
    _add_year_and_price(regions)
    regions.add_argument("--format", choices=["csv", "json", "geojson"], default="csv")
    regions.add_argument("--quiet", action="store_true", help="no join report on stderr")
    regions.set_defaults(func=_cmd_regions)

    prices = sub.add_parser("prices", help="every sourced electricity price for one region "
                                           "(and its country), with keys to pick one")
    prices.add_argument("region", metavar="REGION", help="region_id, e.g. CN-SC, US-VA, IE")
    _add_year_and_price(prices)
    prices.add_argument("--format", choices=["csv", "json"], default="csv")
    prices.add_argument("--quiet", action="store_true", help="no summary line on stderr")
    prices.add_argument("--history", action="store_true",
                        help="every sourced value by year, oldest first, the chosen one marked")
    prices.set_defaults(func=_cmd_prices)

    costs = sub.add_parser("costs", help="cost per million tokens in every region")
    _add_gpu_model(costs)
    _add_year_and_price(costs)
    _add_price_pick(costs)
    costs.add_argument("--format", choices=["csv", "json"], default="csv")
    costs.add_argument("--quiet", action="store_true", help="no summary line on stderr")
    costs.set_defaults(func=_cmd_costs)

    embodied = sub.add_parser("embodied", help="electricity embodied in N output tokens")
    embodied.add_argument("--tokens", type=float, required=True, help="number of tokens, e.g. 5.3e12")
    _add_gpu_model(embodied)
    _add_year_and_price(embodied)
    _add_price_pick(embodied)
    embodied.add_argument("--region", metavar="ID", help="also price it in this region (region_id)")
    embodied.add_argument("--format", choices=["text", "json"], default="text")
    embodied.set_defaults(func=_cmd_embodied)

    export = sub.add_parser("export", help="write the map as one standalone HTML file")
    export.add_argument("out", metavar="OUT.html")
    export.add_argument("--gpu", default="h800")
    export.add_argument("--model", default="deepseek-v3")
    export.add_argument("--pue", type=float)
    export.add_argument("--utilization", type=float)
    export.add_argument("--lifetime-years", type=float)
    export.add_argument("--gpu-hour-usd", type=float)
    export.add_argument("--year", type=int, default=date.today().year)
    export.add_argument("--metric", choices=["cost", "price", "bitcoin"],
                        help="colour regions by (default: cost from 2020, bitcoin before)")
    export.add_argument("--layers", help="comma-separated: regions,data_centers,cables,landing_points,mining")
    export.add_argument("--basemap", action="store_true", help="add OpenStreetMap tiles (needs internet)")
    _add_dollars(export)
    export.set_defaults(func=_cmd_export)

    bench = sub.add_parser("bench", help="print speed figures (join throughput, cost recompute)")
    bench.add_argument("--json", action="store_true", help="JSON output")
    bench.add_argument("--points", type=int, default=1_000_000, help="synthetic points to join")
    bench.add_argument("--no-routes", action="store_true", help="skip the route figures")
    bench.set_defaults(func=_cmd_bench)

    load = sub.add_parser("loadtest", help="concurrent app sessions in headless Chromium (loopback)")
    load.add_argument("--url", help="a running app on this machine (default: start one)")
    load.add_argument("--server-pid", type=int, help="its process id, to sample memory")
    load.add_argument("--sessions", type=int, default=20)
    load.add_argument("--seconds", type=float, default=60)
    load.add_argument("--driver", choices=["websocket", "browser"], default="websocket",
                      help="Streamlit's websocket protocol (default) or real Chromium pages")
    load.set_defaults(func=_cmd_loadtest)

    route = sub.add_parser(
        "route",
        help="the cable path and round-trip time between two places",
        description="Shortest path over the submarine cables in service in a year, with its RTT "
        "(constants and sources: layers/tables/route_constants.csv).",
    )
    route.add_argument("--from", dest="origin", required=True, metavar="PLACE",
                       help="city, data center name or provider code, region id in capitals (CN-SH), "
                       "or 'lat, lon' with 3+ decimals")
    route.add_argument("--to", dest="destination", required=True, metavar="PLACE", help="as --from")
    route.add_argument("--year", type=int, default=date.today().year,
                       help="use the cables in service in this year (default: this year)")
    route.add_argument("--format", choices=["text", "json"], default="text")
    route.set_defaults(func=_cmd_route)

    add_import_parser(sub)
    return parser


def _add_gpu_model(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--gpu", required=True, help="GPU name, e.g. h100, h800, b200")
    parser.add_argument("--model", required=True, help="model name, e.g. deepseek-v3")
    parser.add_argument("--pue", type=float, help="power usage effectiveness (default: sourced)")
    parser.add_argument("--utilization", type=float, help="share of hours at full throughput")
    parser.add_argument("--lifetime-years", type=float, help="GPU depreciation lifetime")
    parser.add_argument("--gpu-hour-usd", type=float, help="all-in rental rate instead of owning")


def _add_price_pick(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--price", action="append", metavar="REGION=KEY",
                        help="use this sourced price for a region instead of geomap's rule "
                             "(keys: `geomap prices REGION`; repeatable)")


def _basis(name: str) -> str:
    basis = price_basis(name)
    if basis is None:
        raise argparse.ArgumentTypeError(f"{name!r} is not one of {', '.join(PRICE_BASES)}")
    return basis


def _add_year_and_price(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--year", type=int, default=date.today().year,
                        help="prices at or before this year; what was in service then")
    parser.add_argument("--basis", type=_basis, metavar="BASIS",
                        help="prefer this price basis: " + ", ".join(PRICE_BASES)
                             + " (default: the comparability rule)")
    parser.add_argument("--price-layer", metavar="NAME",
                        help="use only this price layer (e.g. worldbank-electricity-price)")
    _add_dollars(parser)


def _add_dollars(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--dollars", type=int, metavar="YEAR",
                        help="express US$ amounts in constant dollars of YEAR (US CPI-U); "
                             "default: each price in the dollars of its own year")


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``geomap`` console script."""
    args = build_parser().parse_args(argv)
    try:
        return int(args.func(args))
    except GeomapError as exc:
        print(f"geomap: error: {exc}", file=sys.stderr)
        return 2
    except BrokenPipeError:  # e.g. `geomap regions | head`
        sys.stderr.close()
        return 0
    except KeyboardInterrupt:
        print("geomap: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
