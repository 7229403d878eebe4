"""The ``geomap`` command line: fetch and inspect layers."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence

from geomap import __version__
from geomap.errors import GeomapError


def _cmd_fetch(args: argparse.Namespace) -> int:
    from geomap import store

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
    from geomap import store
    from geomap.catalog import load_catalog

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
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``geomap`` console script."""
    args = build_parser().parse_args(argv)
    try:
        return int(args.func(args))
    except GeomapError as exc:
        print(f"geomap: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("geomap: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
