"""The real app in headless Chromium (Debian's, driven by Playwright): offline, layers, URL state, clicks."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from geomap.costs import catalogs, estimate
from geomap.regions import yearly

pytestmark = pytest.mark.browser
REPO = Path(__file__).resolve().parents[2]
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
LOCAL = ("http://localhost", "http://127.0.0.1", "data:", "blob:", "about:")

MAP_STATE = """() => {
  const m = window.map_div; if (!m) return null;
  let polys = 0, lines = 0, points = 0, rfsMax = 0;
  m.eachLayer(l => {
    if (!l.feature) return;
    const g = l.feature.geometry.type;
    if (g.includes('Polygon')) polys++;
    else if (g.includes('LineString')) { lines++; const y = parseInt(l.feature.properties.t_rfs); if (y > rfsMax) rfsMax = y; }
    else if (g === 'Point') points++;
  });
  const overlays = [...document.querySelectorAll('.leaflet-control-layers-overlays label')].map(e => e.textContent.trim());
  const attribution = (document.querySelector('.leaflet-control-attribution') || {}).textContent || '';
  const legend = (document.querySelector('.geomap-legend') || {}).textContent || '';
  return {polys, lines, points, rfsMax, overlays, attribution, legend};
}"""


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def app_url(prepared, session_cache):
    port = _free_port()
    env = {**os.environ, "GEOMAP_CACHE_DIR": str(session_cache), "GEOMAP_OFFLINE": "1"}
    proc = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", str(REPO / "streamlit_app.py"),
         "--server.port", str(port), "--server.address", "127.0.0.1", "--server.headless", "true"],
        cwd=REPO, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.time() + 90
    while time.time() < deadline:
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as r:
                if r.status == 200:
                    break
        except OSError:
            time.sleep(0.5)
    else:
        proc.kill()
        pytest.fail("the Streamlit app did not start: " + proc.stdout.read().decode()[-2000:])
    yield url
    proc.terminate()
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        proc.kill()


@pytest.fixture(scope="module")
def browser():
    if not Path(CHROMIUM).exists():
        pytest.fail(f"Debian's chromium is needed at {CHROMIUM} (.ci/run installs it)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(
            executable_path=CHROMIUM,
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                  "--disable-component-update", "--no-first-run", "--disable-sync"],
        )
        yield b
        b.close()


class Page:
    """A page plus every request it made that left localhost."""

    def __init__(self, browser, url: str):
        self.page = browser.new_page(viewport={"width": 1500, "height": 1100})
        self.external: list[str] = []
        self.errors: list[str] = []
        self.page.on("request", lambda r: None if r.url.startswith(LOCAL) else self.external.append(r.url))
        self.page.on("pageerror", lambda e: self.errors.append(str(e)))
        self.page.goto(url)

    def map_frame(self, timeout_s: float = 90, until=lambda state: True):
        """The map frame and its state, once a drawn map satisfies ``until``."""
        deadline = time.time() + timeout_s
        seen = []
        while time.time() < deadline:
            for frame in self.page.frames:
                if "streamlit_folium" in frame.url:
                    try:
                        state = frame.evaluate(MAP_STATE)
                    except Exception:  # the frame is (re)loading
                        state = None
                    if state and state["polys"] > 0 and until(state):
                        return frame, state
                    seen.append({k: v for k, v in (state or {}).items() if k in ("polys", "lines", "rfsMax")})
            self.page.wait_for_timeout(500)
        raise AssertionError(f"the map never reached the expected state; last seen {seen[-3:]}; "
                             f"url {self.page.url}; errors {self.errors[:3]}")

    def wait_text(self, text: str, timeout_ms: int = 60_000) -> None:
        self.page.get_by_text(text, exact=False).first.wait_for(timeout=timeout_ms)

    def close(self):
        self.page.close()


def test_page_works_offline_and_draws_regions_and_cables(browser, app_url):
    p = Page(browser, f"{app_url}/?year=2026")
    try:
        _, state = p.map_frame()
        assert state["polys"] >= 300          # the region choropleth
        assert state["lines"] >= 500          # submarine cables in service
        assert state["points"] >= 1500        # landing points and data centers
        assert {"Regions", "Submarine cables", "Landing points", "Data centers"} <= set(state["overlays"])
        for who in ("Natural Earth", "TeleGeography", "CC BY-NC-SA", "Epoch AI", "World Bank"):
            assert who in state["attribution"], who
        assert "US$ per million output tokens" in state["legend"]  # legend with units
        assert p.external == [], p.external  # Leaflet and every asset came from localhost
    finally:
        p.close()


def test_moving_the_year_to_2018_shows_mining_and_hides_later_cables(browser, app_url):
    p = Page(browser, f"{app_url}/?year=2026")
    try:
        _, now = p.map_frame()
        slider = p.page.get_by_role("slider").first
        slider.focus()
        for _ in range(2026 - 2018):
            slider.press("ArrowLeft")
        p.page.wait_for_url("**year=2018**", timeout=90_000)
        _, then = p.map_frame(timeout_s=120, until=lambda s: s["rfsMax"] <= 2018)
        assert "Bitcoin mining" in then["overlays"]
        assert then["rfsMax"] <= 2018
        assert then["lines"] < now["lines"]
        assert p.external == []
    finally:
        p.close()


def test_region_by_url_shows_the_same_numbers_as_geomap_costs(browser, app_url):
    p = Page(browser, f"{app_url}/?year=2026&region=CN-SC&gpu=h800&model=deepseek-v3")
    try:
        p.wait_text("Sichuan (CN-SC)")
        metrics = p.page.locator('[data-testid="stMetricValue"]')
        metrics.first.wait_for(timeout=60_000)
        shown = [float(t) for t in metrics.all_inner_texts()[:3]]
        table = estimate.cost_table(yearly.region_prices(2026), catalogs.get_gpu("h800"),
                                    catalogs.get_model("deepseek-v3"), catalogs.default_assumptions(), 2026)
        row = table.set_index("region_id").loc["CN-SC"]
        expected = [row["usd_per_mtok_input"], row["usd_per_mtok_output"], row["kwh_per_mtok_output"]]
        assert shown == pytest.approx(expected, abs=6e-4)
        assert "region=CN-SC" in p.page.url
    finally:
        p.close()


def test_clicking_a_region_on_the_map_opens_its_panel(browser, app_url):
    p = Page(browser, f"{app_url}/?year=2026")
    try:
        frame, _ = p.map_frame()
        # Central Africa: inside a region, away from marker clusters, the legend and the controls.
        x, y = frame.evaluate("() => { const pt = window.map_div.latLngToContainerPoint([-2, 23]); return [pt.x, pt.y]; }")
        box = p.page.locator('iframe[title="streamlit_folium.st_folium"]').bounding_box()
        p.page.mouse.click(box["x"] + x, box["y"] + y)
        p.wait_text("Dem. Rep. Congo (CD)")
        p.page.wait_for_url("**region=CD**", timeout=30_000)
        assert p.errors == []
    finally:
        p.close()


HOSTILE = ["<img src=x onerror=alert(1)>", "</script><script>alert(2)</script>"]


def _find_and_open(frame, needle: str) -> str:
    """Open the tooltip of the data-center marker whose name is ``needle``; return its text."""
    return frame.evaluate(
        """(needle) => {
          let text = null;
          const visit = l => {
            if (l.feature && l.feature.properties && l.feature.properties.t_name !== undefined) {
              const div = document.createElement('div');
              div.innerHTML = l.feature.properties.t_name;   // as the tooltip renders it
              if (div.textContent === needle) {
                l.openTooltip && l.openTooltip(l.getLatLng ? l.getLatLng() : undefined);
                const tip = document.querySelector('.leaflet-tooltip');
                text = tip ? tip.textContent : div.textContent;
                if (tip && tip.querySelector('img, script')) text = 'ELEMENT INJECTED';
              }
            }
            if (l.eachLayer) l.eachLayer(visit);
            if (l.getAllChildMarkers) l.getAllChildMarkers().forEach(visit);
          };
          window.map_div.eachLayer(visit);
          return text;
        }""",
        needle,
    )


def test_hostile_names_show_as_text_in_the_app_and_the_export(browser, app_url, session_cache, tmp_path):
    from geomap import cli

    csv_path = tmp_path / "hostile.csv"
    csv_path.write_text("name,operator,lat,lon,power_mw\n"
                        + "".join(f'"{n}","{n}",{-20 + 5 * i},{20 + 5 * i},50\n' for i, n in enumerate(HOSTILE)),
                        encoding="utf-8")
    assert cli.main(["import", str(csv_path), "--kind", "data_centers", "--name", "hostile"]) == 0
    try:
        p = Page(browser, f"{app_url}/?year=2026")
        dialogs: list[str] = []
        p.page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
        try:
            frame, _ = p.map_frame()
            for name in HOSTILE:
                assert _find_and_open(frame, name) is not None, name
                shown = _find_and_open(frame, name)
                assert shown != "ELEMENT INJECTED" and name in shown
            p.page.wait_for_timeout(1000)
            assert dialogs == []
        finally:
            p.close()
        out = tmp_path / "map.html"
        assert cli.main(["export", str(out), "--layers", "data_centers"]) == 0
        page = browser.new_page()
        page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
        page.goto(out.as_uri())
        page.wait_for_timeout(1500)
        html = out.read_text(encoding="utf-8")
        assert "<img src=x" not in html and "</script><script>alert(2)" not in html
        assert dialogs == []
        page.close()
    finally:
        cli.main(["import", "--remove", "hostile"])


REGION_STYLES = """() => {
  const out = {};
  window.map_div.eachLayer(l => {
    if (!l.feature || !l.feature.properties.region_id) return;
    const p = l.feature.properties;
    out[p.region_id] = {apart: p.apart, compares: p.label_comparable,
                        fill: l.options.fillColor, dash: l.options.dashArray || null};
  });
  return out;
}"""


def test_comparable_and_other_prices_are_drawn_apart(browser, app_url):
    p = Page(browser, f"{app_url}/?year=2024&layers=regions")
    try:
        frame, state = p.map_frame(until=lambda s: "comparable" in s["legend"])
        assert "regions comparable" in state["legend"] and "not comparable (" in state["legend"]
        styles = frame.evaluate(REGION_STYLES)
        expected = yearly.region_prices(2024).set_index("region_id")
        apart = [r for r, s in styles.items() if s["apart"]]
        coloured = [r for r, s in styles.items() if not s["apart"] and s["fill"] != "#d9d9d9"]
        assert len(apart) >= 50 and len(coloured) >= 100
        for region in ("ML", "NE"):  # World Bank's small-business tariff only
            assert styles[region]["apart"] and styles[region]["dash"]
            assert styles[region]["fill"] == "#f4f1ea"
            assert expected.loc[region, "price_not_comparable_reason"] in styles[region]["compares"]
        for region in ("DE", "US-TX", "CN-SC"):
            assert not styles[region]["apart"] and styles[region]["dash"] is None
            assert styles[region]["compares"].startswith("comparable")
        assert not p.errors, p.errors
    finally:
        p.close()
    # The switch colours every priced region, still saying which do not compare.
    q = Page(browser, f"{app_url}/?year=2024&layers=regions&allprices=1")
    try:
        frame, _ = q.map_frame(until=lambda s: "coloured anyway" in s["legend"])
        styles = frame.evaluate(REGION_STYLES)
        assert styles["ML"]["apart"] and styles["ML"]["fill"] not in ("#f4f1ea", "#d9d9d9")
        assert styles["ML"]["compares"].startswith("not comparable")
    finally:
        q.close()
