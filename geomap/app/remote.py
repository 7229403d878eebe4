"""Driving the app from outside, for the benchmark and the load test: timed AppTest reruns and
one run of the page over Streamlit's own websocket protocol."""

from __future__ import annotations

import asyncio
import statistics
import time

from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg
from streamlit.testing.v1 import AppTest

from geomap import settings
from geomap.errors import GeomapError

#: The script Streamlit runs.
APP_SCRIPT = settings.PROJECT_DIR / "streamlit_app.py"


def time_reruns(runs: int = 5) -> dict | None:
    """Seconds per rerun of the whole Streamlit app script (widgets, cost table, folium map,
    st_folium), as a user's widget change costs the server; via Streamlit's AppTest, after one
    warm-up run. None outside a source checkout (no ``streamlit_app.py``)."""
    if not APP_SCRIPT.is_file():
        return None
    at = AppTest.from_file(str(APP_SCRIPT), default_timeout=600)
    at.run()
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        at.run()
        times.append(time.perf_counter() - start)
    if at.exception:
        raise GeomapError(f"the app failed during the benchmark: {at.exception[0].value}")
    return {"runs": runs, "rerun_s_median": round(statistics.median(times), 3),
            "rerun_s_max": round(max(times), 3)}


async def ws_view(ws, query: str, timeout_s: float) -> tuple[list[str], list[str], list[str]]:
    """Run the page once in a websocket session with ``query``; return its headings, metric
    values and exceptions."""
    msg = BackMsg()
    msg.rerun_script.query_string = query
    await ws.send(msg.SerializeToString())
    heads, metrics, errors = [], [], []
    deadline = time.monotonic() + timeout_s
    while True:
        left = deadline - time.monotonic()
        if left <= 0:
            raise TimeoutError(f"no script_finished within {timeout_s:.0f} s")
        fwd = ForwardMsg()
        fwd.ParseFromString(await asyncio.wait_for(ws.recv(), timeout=left))
        kind = fwd.WhichOneof("type")
        if kind == "delta" and fwd.delta.WhichOneof("type") == "new_element":
            el = fwd.delta.new_element
            what = el.WhichOneof("type")
            if what == "heading":
                heads.append(el.heading.body)
            elif what == "metric":
                metrics.append(el.metric.body)
            elif what == "exception":
                errors.append(f"{el.exception.type}: {el.exception.message}")
        elif kind == "script_finished":
            return heads, metrics, errors
