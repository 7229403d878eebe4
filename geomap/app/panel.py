"""A region's panel: its price, cost breakdown, contents and comparisons, as plain data."""

from __future__ import annotations

import re

import pandas as pd

_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!|<>~$])")


def md_escape(value: object) -> str:
    """Text from data made inert for Markdown (Streamlit's st.markdown/caption/subheader).

    >>> print(md_escape("[x](javascript:alert(1)) <b>"))
    \\[x\\]\\(javascript:alert\\(1\\)\\) \\<b\\>
    """
    if value is None or (isinstance(value, float) and value != value):
        return ""
    return _MD_SPECIAL.sub(r"\\\1", str(value))


_URL = re.compile(r"https?://[^\s<>\"'`]+")


def md_source(value: object) -> str:
    """A source citation for Markdown: its http(s) URLs as clickable autolinks, the rest escaped.

    >>> print(md_source("EIA (2024), https://example.org/a_b.xlsx, table 2."))
    EIA \\(2024\\), <https://example.org/a_b.xlsx>, table 2\\.
    """
    text = "" if value is None or (isinstance(value, float) and value != value) else str(value)
    out, last = [], 0
    for match in _URL.finditer(text):
        url = match.group().rstrip(".,;:)]")
        out += [md_escape(text[last:match.start()]), f"<{url}>"]
        last = match.start() + len(url)
    out.append(md_escape(text[last:]))
    return "".join(out)


def _num(value: object) -> float | None:
    return None if value is None or pd.isna(value) else float(value)


def region_panel(costs: pd.DataFrame, summary: pd.DataFrame, dcs: pd.DataFrame,
                 region_id: str, compare_id: str | None = None) -> dict:
    """Everything the app shows for one region.

    ``costs`` is :func:`geomap.costs.estimate.cost_table` output, ``summary`` the
    :func:`geomap.regions.yearly.summarize` table of the same year, ``dcs``
    :func:`geomap.regions.yearly.joined_data_centers`.
    """
    c = costs.set_index("region_id")
    if region_id not in c.index:
        raise KeyError(region_id)
    row = c.loc[region_id]
    s = summary.set_index("region_id").loc[region_id] if region_id in set(summary["region_id"]) else None
    here = dcs[dcs["region_id"] == region_id]
    priced = c[c["usd_per_mtok_output"].notna()]
    cheapest_id = priced["usd_per_mtok_output"].idxmin() if len(priced) else None
    panel = {
        "region_id": region_id,
        "name": row["name"],
        "price": {
            "usd_per_kwh": _num(row["price_usd_per_kwh"]),
            "year": None if pd.isna(row["price_year"]) else int(row["price_year"]),
            "basis": None if pd.isna(row["price_basis"]) else row["price_basis"],
            "source": None if pd.isna(row["price_source"]) else row["price_source"],
            "is_fallback": bool(row["price_is_fallback"]) if not pd.isna(row["price_is_fallback"]) else False,
            "chosen_by": None if pd.isna(row["price_chosen_by"]) else row["price_chosen_by"],
            "key": None if pd.isna(row["price_key"]) else row["price_key"],
            "comparable": bool(row["price_comparable"]) if not pd.isna(row["price_comparable"]) else None,
            "not_comparable_reason": (None if pd.isna(row["price_not_comparable_reason"])
                                      else row["price_not_comparable_reason"]),
            "min_usd_per_kwh": _num(row["price_min_usd_per_kwh"]),
            "max_usd_per_kwh": _num(row["price_max_usd_per_kwh"]),
        },
        "cost": {
            "usd_per_mtok_input": _num(row["usd_per_mtok_input"]),
            "usd_per_mtok_output": _num(row["usd_per_mtok_output"]),
            "capital_usd_per_mtok_output": _num(row["capital_usd_per_mtok_output"]),
            "energy_usd_per_mtok_output": _num(row["energy_usd_per_mtok_output"]),
            "capital_share": _num(row["capital_share"]),
            "energy_share": _num(row["energy_share"]),
            "kwh_per_mtok_output": _num(row["kwh_per_mtok_output"]),
            "kwh_per_mtok_input": _num(row["kwh_per_mtok_input"]),
            "usd_per_phs_day": _num(row["usd_per_phs_day"]),
        },
        "contents": {
            "data_centers": [
                {"name": r["name"], "operator": r["operator"], "power_mw": _num(r["power_mw"]),
                 "status": r["status"], "source": r["source"]}
                for r in here.sort_values("power_mw", ascending=False).to_dict("records")
            ],
            "n_cable_landings": int(s["n_cable_landings"]) if s is not None else 0,
            "cables": [x for x in (s["cables"] if s is not None else "").split("; ") if x],
            "mining_share_pct": float(s["mining_share_pct"]) if s is not None else 0.0,
        },
        "cheapest": None,
        "compare": None,
    }
    for key, other in (("cheapest", cheapest_id), ("compare", compare_id)):
        if other and other in c.index:
            o = c.loc[other]
            mine, theirs = _num(row["usd_per_mtok_output"]), _num(o["usd_per_mtok_output"])
            panel[key] = {
                "region_id": other, "name": o["name"],
                "usd_per_mtok_output": theirs,
                "price_usd_per_kwh": _num(o["price_usd_per_kwh"]),
                "ratio": (mine / theirs) if mine and theirs else None,
            }
    return panel
