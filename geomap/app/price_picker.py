"""The region panel's price box: every sourced price for a region, and a pick of one."""

from __future__ import annotations

import streamlit as st

from geomap.regions.choices import price_history, price_options

RULE = "rule"  # the price box's first entry: geomap's own choice


def _pick_price(region_id: str) -> None:
    """on_change of a region's price box: remember the pick (None: back to the rule)."""
    picks = dict(st.session_state.get("price_choices", {}))
    key = st.session_state.get(f"price_pick_{region_id}")
    if key and key != RULE:
        picks[region_id] = key
    else:
        picks.pop(region_id, None)
    st.session_state["price_choices"] = picks


def price_picker(region_id: str, year: int, chosen_key: str | None = None) -> None:
    """Every sourced price for the region (and its country), and a box to use any one of them."""
    options = price_options(region_id, year)  # cached in the library
    if options.empty:
        return
    labels = {RULE: "geomap's rule (a large consumer's recent price first; own, then country)"}
    for o in options.to_dict("records"):
        later = f", published after {year}" if o["after_year"] else ""
        labels[o["key"]] = (f"{o['usd_per_kwh']:.4f} US$/kWh · {o['year']} · {o['basis']} · "
                            f"{'country' if o['scope'] == 'country' else 'this region'} · "
                            f"{o['layer']}{later}")
    current = st.session_state.get("price_choices", {}).get(region_id, RULE)
    keys = list(labels)
    # The box follows the picks (which follow the URL), so back/forward shows the right entry.
    st.session_state[f"price_pick_{region_id}"] = current if current in keys else RULE
    st.selectbox("Price used for this region", keys,
                 format_func=labels.get, key=f"price_pick_{region_id}",
                 on_change=_pick_price, args=(region_id,),
                 help="Sources disagree: pick any sourced value and every number here, the map "
                      "and the table follow it.")
    with st.expander(f"Price history: {len(options)} sourced prices for this region and its country"):
        history = price_history(region_id, chosen_key)
        lines = history.pivot_table(index="year", columns="series", values="usd_per_kwh",
                                    aggfunc="mean")
        st.line_chart(lines, height=220, y_label="US$ per kWh")
        chosen = history[history["chosen"]]
        if len(chosen):
            c = chosen.iloc[0]
            st.caption(f"Used: {c['usd_per_kwh']:.4f} US$/kWh, {c['year']}, {c['basis']} "
                       f"({c['layer']}). Lines marked 'does not compare' are not a large "
                       "consumer's price (small-business tariff, commercial average, contract, "
                       "wholesale).")
        shown = options.rename(columns={"usd_per_kwh": "US$/kWh", "price_local": "local price"})
        st.dataframe(shown.drop(columns=["key"]), hide_index=True, height=220)
