"""The app's sidebar box to add a user layer from an uploaded file, and to remove one.

Text from the data (file names, rejected values) is shown with ``st.text`` / ``st.code``,
never as Markdown or HTML.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

from geomap.data.catalog import USER_KINDS
from geomap.data.userlayers import ImportReport, import_layer, list_layers, remove_layer
from geomap.errors import GeomapError
from geomap.sources.user import MAX_FILE_BYTES
from geomap.sources.user_rows import KIND_TITLES


def _clear_caches(st) -> None:
    """Forget the app's cached frames so the map, joins and costs include the changed user
    layers (the library's per-year tables are keyed by the layers' state already)."""
    st.cache_data.clear()
    st.cache_resource.clear()  # the app shares its tables across sessions as resources


def upload_widget(st) -> ImportReport | None:
    """Sidebar box to import a file as a user layer and to remove user layers.

    Parameters
    ----------
    st : module
        ``streamlit``.

    Returns
    -------
    ImportReport or None
        The report of an import made in this run.
    """
    report = None
    box = st.sidebar.expander("Add your own data")
    with box:
        st.caption(f"CSV with lat/lon, region_id or country, or GeoJSON; at most "
                   f"{MAX_FILE_BYTES / 1e6:.0f} MB. Rows with problems are listed and left out.")
        uploaded = st.file_uploader("File", type=["csv", "geojson", "json"], key="userlayer_file")
        kind = st.selectbox("Kind", USER_KINDS, key="userlayer_kind",
                            format_func=lambda k: KIND_TITLES[k])
        name = st.text_input("Layer name (optional)", key="userlayer_name")
        if st.button("Import", key="userlayer_import", disabled=uploaded is None):
            report = _import_upload(st, uploaded, kind, name or None)
        layers = list_layers()
        if layers:
            pick = st.selectbox("Your layers", [lay.name for lay in layers], key="userlayer_pick")
            if st.button("Remove layer", key="userlayer_remove"):
                try:
                    removed = remove_layer(pick)
                except GeomapError as exc:
                    st.error("Could not remove the layer:")
                    st.text(str(exc))
                else:
                    _clear_caches(st)
                    st.text(f"removed {removed}")
    return report


def _import_upload(st, uploaded, kind: str, name: str | None) -> ImportReport | None:
    """Import one uploaded file (written to a temporary folder under its own base name)."""
    size = getattr(uploaded, "size", None)
    if size is not None and size > MAX_FILE_BYTES:
        st.error(f"The file is over the {MAX_FILE_BYTES / 1e6:.0f} MB limit.")
        return None
    filename = Path(str(uploaded.name)).name or "upload.csv"
    with tempfile.TemporaryDirectory(prefix="geomap-upload-") as tmp:
        path = Path(tmp) / filename
        path.write_bytes(uploaded.getvalue())
        try:
            report = import_layer(path, kind, name)
        except GeomapError as exc:
            st.error("Nothing imported: the file cannot be used.")
            st.text(str(exc))
            return None
    if report.imported:
        _clear_caches(st)
        st.success(f"Imported {report.n_good} rows as layer {report.name}.")
    else:
        st.warning("Nothing imported: every row was rejected.")
    if report.rejections:
        st.text(f"{report.n_rejected} rows rejected:")
        st.code(report.to_text(), language=None)
    return report
