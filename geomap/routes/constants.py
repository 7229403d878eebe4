"""The figures routes are computed with, read from ``layers/tables/route_constants.csv``.

Every figure has its unit and source in the table; :class:`RouteConstants` holds them and turns
a fibre length into a round-trip time.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

from geomap.errors import CatalogError
from geomap.tables import read_rows, required_number, table_file

__all__ = ["CONSTANTS_TABLE", "RouteConstants", "route_constants"]

#: The curated table of route constants, in ``layers/tables/``.
CONSTANTS_TABLE = "route_constants.csv"


@dataclass(frozen=True)
class RouteConstants:
    """The figures routes are computed with (``layers/tables/route_constants.csv``).

    Attributes
    ----------
    speed_of_light_vacuum_km_s, fiber_group_index : float
        Light in fibre travels at ``speed_of_light_vacuum_km_s / fiber_group_index``.
    terrestrial_route_factor : float
        Fibre route length over great-circle distance on land.
    per_hop_rtt_ms : float
        Round-trip allowance per landing point passed.
    earth_mean_radius_km : float
        Radius of the great-circle distances.
    metro_km, strait_km, terrestrial_max_km, land_snap_km, cable_snap_max_km, branch_join_km : float
        Distances of the graph construction rules (see the table's notes).
    length_ratio_min, length_ratio_max : float
        Accepted range of a cable's stated over drawn length
        (:func:`geomap.routes.cables.cable_length_scale`).
    sources : dict
        Parameter -> its source, as written in the table.
    """

    speed_of_light_vacuum_km_s: float
    fiber_group_index: float
    terrestrial_route_factor: float
    per_hop_rtt_ms: float
    earth_mean_radius_km: float
    metro_km: float
    strait_km: float
    terrestrial_max_km: float
    land_snap_km: float
    cable_snap_max_km: float
    branch_join_km: float
    length_ratio_min: float
    length_ratio_max: float
    sources: dict[str, str] = field(default_factory=dict, compare=False)

    @property
    def fiber_km_per_s(self) -> float:
        """Speed of light in fibre (km/s)."""
        return self.speed_of_light_vacuum_km_s / self.fiber_group_index

    def rtt_ms(self, km: float, n_hops: int) -> float:
        """Round-trip time over ``km`` of fibre with ``n_hops`` landing points passed.

        Examples
        --------
        >>> c = route_constants()
        >>> round(c.rtt_ms(9860, 0), 1)
        96.6
        """
        return 2.0 * km / self.fiber_km_per_s * 1000.0 + n_hops * self.per_hop_rtt_ms


@cache
def _constants_cached(path: str, mtime: float) -> RouteConstants:
    del mtime  # part of the cache key only
    names = [f for f in RouteConstants.__dataclass_fields__ if f != "sources"]
    values: dict[str, float] = {}
    sources: dict[str, str] = {}
    for lineno, row in enumerate(read_rows(Path(path)), start=2):
        key = (row.get("parameter") or "").strip()
        if key not in names:
            continue
        values[key] = required_number(row, "value", f"{path}: row {lineno}")
        sources[key] = (row.get("source") or "").strip()
    missing = [n for n in names if n not in values]
    if missing:
        raise CatalogError(f"{path}: parameters missing: {', '.join(missing)}")
    return RouteConstants(**values, sources=sources)


def route_constants() -> RouteConstants:
    """The constants of ``layers/tables/route_constants.csv`` (re-read when the file changes).

    >>> route_constants().fiber_group_index
    1.468
    """
    path = table_file(CONSTANTS_TABLE)
    if not path.is_file():
        raise CatalogError(f"{path}: route constants table missing")
    return _constants_cached(str(path), path.stat().st_mtime)
