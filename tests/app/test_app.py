"""The Streamlit app's widgets and state, with Streamlit's AppTest (no browser)."""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from geomap.costs import catalogs, estimate
from geomap.regions import choices, yearly

APP = str(Path(__file__).resolve().parents[2] / "streamlit_app.py")


def _run(**params) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=180)
    for k, v in params.items():
        at.query_params[k] = v
    return at.run()


def _heads(at: AppTest) -> list[str]:
    """Subheaders as shown (the app escapes Markdown in data text)."""
    return [h.value.replace("\\", "") for h in at.subheader]


def _select(at: AppTest, label: str):
    return next(w for w in at.selectbox if w.label == label)


def test_app_opens_on_the_region_and_year_in_the_url(prepared):
    at = _run(year="2018", region="CN-SC", gpu="h100", model="minimax-m2.5")
    assert not at.exception
    assert at.slider[0].value == 2018
    assert _select(at, "GPU").value == "h100" and _select(at, "Model").value == "minimax-m2.5"
    assert "Sichuan (CN-SC)" in _heads(at)
    table = estimate.cost_table(yearly.region_prices(2018), catalogs.get_gpu("h100"),
                                catalogs.get_model("minimax-m2.5"), catalogs.default_assumptions(), 2018)
    row = table.set_index("region_id").loc["CN-SC"]
    shown = [float(m.value) for m in at.metric[:3]]
    assert shown == pytest.approx([row["usd_per_mtok_input"], row["usd_per_mtok_output"],
                                   row["kwh_per_mtok_output"]], abs=6e-4)


def test_widgets_update_the_panel_and_the_url(prepared):
    at = _run(region="US-VA")
    before = float(at.metric[1].value)
    _select(at, "GPU").set_value("b200").run()
    assert not at.exception
    assert float(at.metric[1].value) != before
    assert at.query_params["gpu"] == ["b200"] or at.query_params["gpu"] == "b200"
    at.slider[0].set_value(1866).run()
    assert not at.exception
    q = at.query_params["year"]
    assert (q[0] if isinstance(q, list) else q) == "1866"
    _select(at, "Region").set_value("IE").run()
    assert "Ireland (IE)" in _heads(at)


def test_layer_toggles_and_tables(prepared):
    at = _run()
    boxes = {c.label: c for c in at.checkbox}
    assert all(boxes[t].value for t in ("Regions", "Data centers", "Submarine cables",
                                        "Landing points", "Bitcoin mining"))
    boxes["Bitcoin mining"].uncheck().run()
    assert not at.exception
    q = at.query_params["layers"]
    assert "mining" not in (q[0] if isinstance(q, list) else q)
    tables = [d.value for d in at.dataframe]
    assert any(len(t) >= 300 and "usd_per_mtok_output" in t.columns for t in tables)
    assert any("MWh" in m.value for m in at.markdown)  # the embodied-electricity panel


def test_token_route_and_rtt_in_the_panel(prepared):
    at = _run(region="CN-SH", year="2026")
    next(c for c in at.checkbox if c.label == "Draw the path a request takes").check().run()
    assert not at.exception
    captions = " ".join(c.value for c in at.caption)
    assert "RTT" in captions and "San Francisco" in captions
    from geomap.routes import graph as routes

    expected = routes.find_route("San Francisco", "CN-SH", 2026).rtt_ms
    assert f"{expected:.1f} ms" in captions
    assert any("RTT from San Francisco" in m.value for m in at.markdown)


def test_picking_a_sourced_price_changes_the_numbers_and_the_url(prepared):
    at = _run(year="2026", region="CN-SC", gpu="h800", model="deepseek-v3")
    box = _select(at, "Price used for this region")
    options = choices.price_options("CN-SC", 2026)
    assert box.value == "rule" and len(box.options) == len(options) + 1
    cheapest = options.loc[options["usd_per_kwh"].idxmin()]
    box.set_value(cheapest["key"]).run()
    assert not at.exception
    prices = choices.apply_price_choices(yearly.region_prices(2026), (("CN-SC", cheapest["key"]),))
    row = estimate.cost_table(prices, catalogs.get_gpu("h800"), catalogs.get_model("deepseek-v3"),
                              catalogs.default_assumptions(), 2026).set_index("region_id").loc["CN-SC"]
    assert float(at.metric[1].value) == pytest.approx(row["usd_per_mtok_output"], abs=6e-4)
    assert any("your pick" in m.value for m in at.markdown)
    q = at.query_params["prices"]
    assert (q[0] if isinstance(q, list) else q) == f"CN-SC:{cheapest['key']}"
    # The picked price survives in a shared link, and "rule" brings the default back.
    again = _run(year="2026", region="CN-SC", prices=f"CN-SC:{cheapest['key']}")
    assert float(again.metric[1].value) == pytest.approx(row["usd_per_mtok_output"], abs=6e-4)
    _select(again, "Price used for this region").set_value("rule").run()
    assert not any("your pick" in m.value for m in again.markdown)


def test_preferring_a_price_basis_reprices_the_regions(prepared):
    at = _run(year="2019", region="US-VA")
    assert any("industrial" in m.value for m in at.markdown if "Electricity" in m.value)
    _select(at, "Prefer this price basis").set_value("commercial_average").run()
    assert not at.exception
    shown = next(m.value for m in at.markdown if "Electricity" in m.value).replace("\\", "")
    expected = yearly.region_prices(2019, "commercial_average").set_index("region_id").loc["US-VA"]
    assert "commercial_average" in shown and f"{expected['price_usd_per_kwh']:.4f}" in shown
    q = at.query_params["basis"]
    assert (q[0] if isinstance(q, list) else q) == "commercial_average"


def test_the_panel_says_when_a_price_does_not_compare_and_shows_its_history(prepared):
    at = _run(year="2024", region="ML")
    assert not at.exception
    reason = yearly.region_prices(2024).set_index("region_id").loc["ML", "price_not_comparable_reason"]
    assert any("does not compare" in w.value and reason in w.value.replace("\\", "") for w in at.warning)
    assert any("Used:" in c.value for c in at.caption)  # the history marks the chosen value
    de = _run(year="2024", region="DE")
    assert not any("does not compare with a large consumer" in w.value for w in de.warning)
    assert de.query_params.get("allprices") in (None, [])
    shown = _run(year="2024", region="DE", allprices="1")
    assert shown.checkbox(key="all_prices").value is True
    assert shown.query_params["allprices"] in ("1", ["1"])


def test_constant_dollars_deflate_the_panel_and_stay_in_the_url(prepared):
    from geomap import dollars

    at = _run(year="2018", region="US-TX")
    nominal = float(at.metric[1].value)
    _select(at, "Dollars").set_value(2024).run()
    assert not at.exception
    q = at.query_params["dollars"]
    assert (q[0] if isinstance(q, list) else q) == "2024"
    prices = yearly.region_prices(2018)
    row = estimate.cost_table(prices, catalogs.get_gpu("h800"), catalogs.get_model("deepseek-v3"),
                              catalogs.default_assumptions(), 2018, dollars=2024)
    row = row.set_index("region_id").loc["US-TX"]
    assert float(at.metric[1].value) == pytest.approx(row["usd_per_mtok_output"], abs=6e-4)
    assert float(at.metric[1].value) != nominal
    assert at.metric[1].label == "2024 US$ / M output tokens"
    shown = next(m.value for m in at.markdown if "Electricity" in m.value)
    nominal_price = prices.set_index("region_id").loc["US-TX", "price_usd_per_kwh"]
    assert f"{nominal_price * dollars.factor(2018, 2024):.4f}" in shown
    assert any("constant US$ of 2024" in c.value for c in at.caption)
    again = _run(year="2018", region="US-TX", dollars="2024")
    assert _select(again, "Dollars").value == 2024
    assert float(again.metric[1].value) == pytest.approx(row["usd_per_mtok_output"], abs=6e-4)
