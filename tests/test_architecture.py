"""The layout's rules, checked on the source: no import cycles, imports at the top, streamlit and
argparse in their rooms, small modules that say their job, one registry of loaders."""

from __future__ import annotations

import ast
import inspect
from pathlib import Path

import networkx as nx
import pytest

REPO = Path(__file__).resolve().parents[1]
PACKAGE = REPO / "geomap"
#: "No module over about 600 lines".
MAX_LINES = 600


def _modules() -> dict[str, Path]:
    out = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = path.relative_to(REPO).with_suffix("").parts
        name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        out[name] = path
    return out


MODULES = _modules()


def _is_type_checking(node: ast.If) -> bool:
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING")


def _imports(tree: ast.Module, *, top_level: bool):
    """(node, imported module names) of the module-level imports, or of the nested ones."""
    def walk(body, nested):
        for node in body:
            if isinstance(node, ast.If) and _is_type_checking(node):
                continue  # annotations only: never run
            if isinstance(node, ast.Import | ast.ImportFrom):
                if nested != top_level:
                    yield node
                continue
            for field in ("body", "orelse", "finalbody", "handlers"):
                inner = getattr(node, field, None)
                if isinstance(inner, list):
                    deeper = nested or isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef
                                                  | ast.ClassDef | ast.Lambda)
                    yield from walk(inner, deeper)
    yield from walk(tree.body, False)


def _targets(node: ast.Import | ast.ImportFrom) -> list[str]:
    if isinstance(node, ast.Import):
        return [alias.name for alias in node.names]
    base = node.module or ""
    out = [base]
    for alias in node.names:  # `from geomap.regions import yearly` imports a module
        if f"{base}.{alias.name}" in MODULES:
            out.append(f"{base}.{alias.name}")
    return out


def _tree(path: Path) -> ast.Module:
    return ast.parse(path.read_text(encoding="utf-8"), filename=str(path))


def import_graph() -> nx.DiGraph:
    graph = nx.DiGraph()
    for name, path in MODULES.items():
        graph.add_node(name)
        for node in _imports(_tree(path), top_level=True):
            for target in _targets(node):
                if target in MODULES and target != name and not name.startswith(target + "."):
                    graph.add_edge(name, target)
    return graph


def test_no_import_cycle_among_geomap_modules():
    cycles = list(nx.simple_cycles(import_graph()))
    assert not cycles, f"import cycles: {cycles[:5]}"


def test_every_import_inside_a_function_says_why():
    bare = []
    for name, path in MODULES.items():
        lines = path.read_text(encoding="utf-8").splitlines()
        for node in _imports(_tree(path), top_level=False):
            if not any("#" in line for line in lines[node.lineno - 1:node.end_lineno]):
                bare.append(f"{name}:{node.lineno}: {lines[node.lineno - 1].strip()}")
    assert not bare, "imports inside functions without a reason:\n" + "\n".join(bare)


@pytest.mark.parametrize("library, room", [("streamlit", "geomap.app"), ("argparse", "geomap.cli")])
def test_a_library_is_imported_only_in_its_room(library, room):
    outside = []
    for name, path in MODULES.items():
        if name == room or name.startswith(room + "."):
            continue
        tree = _tree(path)
        for node in [*_imports(tree, top_level=True), *_imports(tree, top_level=False)]:
            if any(t == library or t.startswith(library + ".") for t in _targets(node)):
                outside.append(f"{name}:{node.lineno}")
    assert not outside, f"{library} imported outside {room}: {outside}"


def test_modules_are_small_and_open_with_one_line_saying_their_job():
    problems = []
    for name, path in MODULES.items():
        text = path.read_text(encoding="utf-8")
        n = text.count("\n")
        if n > MAX_LINES:
            problems.append(f"{name}: {n} lines")
        doc = ast.get_docstring(_tree(path), clean=False)
        first = (doc or "").split("\n", 1)[0].strip()
        if not first:
            problems.append(f"{name}: no docstring line saying its job")
    assert not problems, problems


def test_every_record_names_a_registered_loader_of_one_signature():
    from geomap.data.catalog import load_catalog
    from geomap.sources.registry import LOADERS

    for source in load_catalog().values():
        assert source.loader in LOADERS, f"{source.record_file}: loader {source.loader!r}"
    for name, fn in LOADERS.items():
        params = list(inspect.signature(fn).parameters)
        assert params == ["source", "ctx"], f"{name}: {params}"
