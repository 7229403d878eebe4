"""Leaflet's JS/CSS from installed packages (XStatic), never from a CDN: inlined or served locally."""

from __future__ import annotations

import base64
import re
import shutil
from functools import cache
from pathlib import Path

import folium
from branca.element import Element, MacroElement
from folium.plugins import MarkerCluster

#: Files each kind of element needs, relative to its XStatic package's data folder.
_LEAFLET = ("xstatic.pkg.leaflet", ["leaflet.js"], ["leaflet.css"])
_CLUSTER = (
    "xstatic.pkg.leaflet_markercluster",
    ["leaflet.markercluster.js"],
    ["MarkerCluster.css", "MarkerCluster.Default.css"],
)


def _data_dir(module: str) -> Path:
    mod = __import__(module, fromlist=["BASE_DIR"])
    return Path(mod.BASE_DIR)


@cache
def _read(module: str, name: str) -> str:
    return (_data_dir(module) / name).read_text(encoding="utf-8")


@cache
def _leaflet_css_inline() -> str:
    """leaflet.css with its images embedded as data URIs (so a saved file needs nothing else)."""
    css = _read(_LEAFLET[0], "leaflet.css")
    images = _data_dir(_LEAFLET[0]) / "images"

    def embed(match: re.Match) -> str:
        path = images / Path(match.group(1)).name
        if not path.is_file():
            return match.group(0)
        data = base64.b64encode(path.read_bytes()).decode()
        return f"url(data:image/png;base64,{data})"

    return re.sub(r"url\(images/([^)]+)\)", embed, css)


def _bundles(map_: folium.Map) -> list[tuple[str, list[str], list[str]]]:
    bundles = [_LEAFLET]
    if any(isinstance(e, MarkerCluster) for e in _walk(map_)):
        bundles.append(_CLUSTER)
    return bundles


def _walk(element):
    yield element
    for child in getattr(element, "_children", {}).values():
        yield from _walk(child)


def _strip_cdn_assets(map_: folium.Map) -> None:
    """Drop every element's CDN links (folium's defaults: Leaflet, jQuery, Bootstrap, …)."""
    for element in _walk(map_):
        if hasattr(element, "default_js"):
            element.default_js = []
        if hasattr(element, "default_css"):
            element.default_css = []


class _InlineAssets(MacroElement):
    """Puts Leaflet (and plugin) JS/CSS into the page's header itself."""

    def __init__(self, css: list[str], js: list[str]):
        super().__init__()
        self._name = "InlineAssets"
        self.css = css
        self.js = js

    def render(self, **kwargs):
        header = self.get_root().header
        for i, text in enumerate(self.css):
            header.add_child(Element(f"<style>{text}</style>"), name=f"geomap_css_{i}")
        for i, text in enumerate(self.js):
            # A literal "</script" inside the library text would end the tag early.
            safe = text.replace("</script", "<\\/script")
            header.add_child(Element(f"<script>{safe}</script>"), name=f"geomap_js_{i}")
        super().render(**kwargs)


def inline(map_: folium.Map) -> folium.Map:
    """Make ``map_`` self-contained: every asset inlined, no request leaves the page."""
    bundles = _bundles(map_)
    _strip_cdn_assets(map_)
    css, js = [], []
    for module, js_names, css_names in bundles:
        for name in css_names:
            css.append(_leaflet_css_inline() if name == "leaflet.css" else _read(module, name))
        js.extend(_read(module, name) for name in js_names)
    map_.add_child(_InlineAssets(css, js), name="geomap_assets")
    return map_


def serve_locally(map_: folium.Map, base_url: str) -> folium.Map:
    """Point ``map_``'s assets at ``base_url`` (files laid out by :func:`install_static`).

    streamlit-folium loads an element's ``default_js``/``default_css`` into its frame, so
    these become same-origin URLs served by Streamlit's static file serving.
    """
    bundles = _bundles(map_)
    _strip_cdn_assets(map_)
    map_.default_js = [(name, f"{base_url}/{name}") for _, names, _ in bundles for name in names]
    map_.default_css = [(name, f"{base_url}/{name}") for _, _, names in bundles for name in names]
    return map_


def install_static(folder: Path) -> Path:
    """Copy the Leaflet files into ``folder`` (e.g. the app's ``static/geomap``) if missing."""
    folder.mkdir(parents=True, exist_ok=True)
    for module, js_names, css_names in (_LEAFLET, _CLUSTER):
        for name in [*js_names, *css_names]:
            target = folder / name
            if not target.is_file():
                shutil.copyfile(_data_dir(module) / name, target)
    images = _data_dir(_LEAFLET[0]) / "images"
    if images.is_dir():
        shutil.copytree(images, folder / "images", dirs_exist_ok=True)
    return folder
