"""``geomap loadtest``: many concurrent app sessions in headless Chromium, on loopback only.

Each session keeps loading views that change the year, GPU, model and region (through the
URL state the app keeps), waits for the region panel, and checks the cost it shows against
the library's own figure. The server's memory is sampled throughout. Loops are bounded in
time and count, and every request goes to the given local URL.
"""

from __future__ import annotations

import asyncio
import os
import random
import socket
import statistics
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

from geomap.app import remote
from geomap.costs import catalogs, estimate
from geomap.regions import yearly

LOOPBACK = ("127.0.0.1", "localhost", "::1")
REGIONS = ("CN-SC", "CN-NM", "US-VA", "US-TX", "IE", "DE", "NO", "KZ", "SG", "JP", "BR", "IN")
YEARS = (2019, 2024, 2026)
COMBOS = (("h800", "deepseek-v3"), ("h100", "minimax-m2.5"), ("b200", "llama-3.1-70b"),
          ("a100", "glm-5"), ("h20", "kimi-k2.5"))


@dataclass
class LoadResult:
    sessions: int
    seconds: float
    views: int = 0
    errors: list[str] = field(default_factory=list)
    wrong: list[str] = field(default_factory=list)
    latencies_s: list[float] = field(default_factory=list)
    rss_mb: list[float] = field(default_factory=list)
    warmup_errors: list[str] = field(default_factory=list)

    def to_json(self) -> dict:
        lat = sorted(self.latencies_s)
        return {
            "sessions": self.sessions,
            "seconds": round(self.seconds, 1),
            "views": self.views,
            "errors": len(self.errors) + len(self.warmup_errors),
            "wrong_numbers": len(self.wrong),
            "first_errors": (self.warmup_errors + self.errors + self.wrong)[:5],
            "view_s_median": round(statistics.median(lat), 2) if lat else None,
            "view_s_p95": round(lat[int(0.95 * (len(lat) - 1))], 2) if lat else None,
            "server_rss_mb_start": self.rss_mb[0] if self.rss_mb else None,
            "server_rss_mb_max": max(self.rss_mb) if self.rss_mb else None,
            "server_rss_mb_end": self.rss_mb[-1] if self.rss_mb else None,
        }


def rss_mb(pid: int) -> float | None:
    """Resident memory of a process and its children (Linux /proc), in MB."""
    total = 0.0
    pids = [pid]
    children = Path(f"/proc/{pid}/task/{pid}/children")
    if children.is_file():
        pids += [int(c) for c in children.read_text().split()]
    for p in pids:
        try:
            for line in Path(f"/proc/{p}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1]) / 1024
        except OSError:
            continue
    return round(total, 1) if total else None


def pick_view(rng: random.Random) -> tuple[tuple, str]:
    """A random (year, gpu, model, region) and its URL query string."""
    year, (gpu, model), region = rng.choice(YEARS), rng.choice(COMBOS), rng.choice(REGIONS)
    return (year, gpu, model, region), f"year={year}&gpu={gpu}&model={model}&region={region}&layers=regions"


def check_shown(result: LoadResult, expected: dict, key: tuple, shown: float, label: str) -> None:
    """Count a view whose output cost is ``shown``; record it if it differs from the library's."""
    if key not in expected:
        expected[key] = expected_output_cost(*key)
    if abs(shown - expected[key]) > 6e-4:
        result.wrong.append(f"{label}: shown {shown}, expected {expected[key]:.4f}")


def expected_output_cost(year: int, gpu: str, model: str, region: str) -> float:
    table = estimate.cost_table(yearly.region_prices(year), catalogs.get_gpu(gpu),
                                catalogs.get_model(model), catalogs.default_assumptions(), year)
    return float(table.set_index("region_id").loc[region, "usd_per_mtok_output"])


async def _ws_session(url: str, deadline: float, max_views: int, rng: random.Random,
                      result: LoadResult, expected: dict, delay_s: float) -> None:
    """One app session over Streamlit's own websocket, changing year, GPU, model and region."""
    import websockets  # a test extra: only the load test needs it

    await asyncio.sleep(delay_s)
    ws_url = url.replace("http://", "ws://") + "/_stcore/stream"
    # No client pings: browsers send none, and a busy server answers them late.
    async with websockets.connect(ws_url, subprotocols=["streamlit"], max_size=None,
                                  origin=url, open_timeout=60, ping_interval=None,
                                  ping_timeout=None) as ws:
        for _ in range(max_views):
            if time.monotonic() >= deadline:
                break
            key, query = pick_view(rng)
            region = key[3]
            start = time.monotonic()
            try:
                heads, metrics, errors = await remote.ws_view(ws, query, timeout_s=180)
            except Exception as exc:
                result.errors.append(f"{query}: {type(exc).__name__}: {str(exc)[:160]}")
                break  # the connection is in an unknown state
            result.latencies_s.append(time.monotonic() - start)
            result.views += 1
            if errors:
                result.errors.append(f"{query}: {errors[0][:200]}")
                continue
            if not any(f"({region})" in h.replace("\\", "") for h in heads) or len(metrics) < 2:
                result.wrong.append(f"{query}: panel missing (headings {heads[:3]})")
                continue
            check_shown(result, expected, key, float(metrics[1]), query)


async def _session(browser, url: str, deadline: float, max_views: int, rng: random.Random,
                   result: LoadResult, expected: dict, delay_s: float = 0.0) -> None:
    await asyncio.sleep(delay_s)  # staggered starts: sessions arrive over the first seconds
    page = await browser.new_page(viewport={"width": 1280, "height": 900})
    try:
        for _ in range(max_views):
            if time.monotonic() >= deadline:
                break
            key, query = pick_view(rng)
            region, view = key[3], f"{url}/?{query}"
            start = time.monotonic()
            try:
                await page.goto(view, wait_until="commit", timeout=120_000)
                head = page.locator('[data-testid="stHeading"]', has_text=f"({region})")
                await head.first.wait_for(timeout=120_000)
                metric = page.locator('[data-testid="stMetricValue"]').nth(1)
                await metric.wait_for(timeout=120_000)
                shown = float(await metric.inner_text())
            except Exception as exc:  # a failed view is counted, the session goes on
                result.errors.append(f"{view}: {type(exc).__name__}: {str(exc)[:160]}")
                continue
            result.latencies_s.append(time.monotonic() - start)
            result.views += 1
            check_shown(result, expected, key, shown, view)
    finally:
        await page.close()


class _FixedYear(random.Random):
    """A chooser that always picks ``year`` for the year and randomly for the rest."""

    def __init__(self, year: int, seed: int):
        super().__init__(seed)
        self.year = year

    def choice(self, seq):
        return self.year if seq is YEARS else super().choice(seq)


async def _run_ws(url: str, sessions: int, seconds: float, max_views: int,
                  server_pid: int | None, seed: int) -> LoadResult:
    result = LoadResult(sessions=sessions, seconds=seconds)
    expected: dict = {}
    deadline = time.monotonic() + seconds

    async def sample() -> None:
        while True:
            if server_pid and (mb := rss_mb(server_pid)) is not None:
                result.rss_mb.append(mb)
            await asyncio.sleep(2)

    sampler = asyncio.create_task(sample())
    # Warm the shared caches once per year (what the first visitors of a fresh server pay),
    # then measure the sessions against a warm server.
    warm = LoadResult(sessions=1, seconds=0)
    for year in YEARS:
        await _ws_session(url, time.monotonic() + 600, 1, _FixedYear(year, seed), warm, expected, 0)
    result.warmup_errors = warm.errors + warm.wrong
    deadline = time.monotonic() + seconds
    await asyncio.gather(*(_ws_session(url, deadline, max_views, random.Random(seed + i), result,
                                       expected, delay_s=0.25 * i) for i in range(sessions)))
    sampler.cancel()
    if server_pid and (mb := rss_mb(server_pid)) is not None:
        result.rss_mb.append(mb)
    return result


async def _run(url: str, sessions: int, seconds: float, max_views: int, server_pid: int | None,
               chromium: str, seed: int) -> LoadResult:
    from playwright.async_api import async_playwright  # a test extra: only the browser driver

    result = LoadResult(sessions=sessions, seconds=seconds)
    expected: dict = {}
    deadline = time.monotonic() + seconds
    async with async_playwright() as p:
        browser = await p.chromium.launch(
            executable_path=chromium,
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                  "--disable-component-update", "--no-first-run", "--disable-sync"],
        )

        async def sample() -> None:
            while time.monotonic() < deadline + 5:
                if server_pid and (mb := rss_mb(server_pid)) is not None:
                    result.rss_mb.append(mb)
                await asyncio.sleep(2)

        sampler = asyncio.create_task(sample())
        rngs = [random.Random(seed + i) for i in range(sessions)]
        await asyncio.gather(*(_session(browser, url, deadline, max_views, r, result, expected,
                                        delay_s=0.5 * i) for i, r in enumerate(rngs)))
        sampler.cancel()
        if server_pid and (mb := rss_mb(server_pid)) is not None:
            result.rss_mb.append(mb)
        await browser.close()
    return result


def run_load(url: str, sessions: int = 20, seconds: float = 60, max_views: int = 50,
             server_pid: int | None = None, chromium: str = "/usr/bin/chromium",
             seed: int = 0, driver: str = "websocket") -> LoadResult:
    """Drive ``sessions`` concurrent sessions of the app at ``url`` (loopback only).

    ``driver="websocket"`` speaks Streamlit's own protocol (one websocket per session, as a
    browser tab has) so the server, not the client, is what is measured; ``"browser"`` drives
    real Chromium pages.
    """
    host = urlsplit(url).hostname
    if host not in LOOPBACK:
        raise ValueError(f"load tests only target this machine's loopback, not {host!r}")
    if driver == "websocket":
        return asyncio.run(_run_ws(url, sessions, seconds, max_views, server_pid, seed))
    return asyncio.run(_run(url, sessions, seconds, max_views, server_pid, chromium, seed))


def start_app(port: int | None = None, env: dict | None = None, timeout_s: float = 120):
    """Start ``streamlit_app.py`` on loopback; returns (process, url). Stop it with terminate()."""
    if port is None:
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
    app = remote.APP_SCRIPT
    proc = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", str(app), "--server.port", str(port),
         "--server.address", "127.0.0.1", "--server.headless", "true"],
        cwd=app.parent, env={**os.environ, **(env or {})},
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as r:
                if r.status == 200:
                    return proc, url
        except OSError:
            time.sleep(0.5)
    proc.kill()
    raise RuntimeError("the app did not start")
