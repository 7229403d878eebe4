"""Loopback HTTP servers for tests: a static mirror, with per-path faults and request counts."""

from __future__ import annotations

import threading
from collections import Counter
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import unquote, urlsplit


class _Handler(SimpleHTTPRequestHandler):
    server: MirrorServer  # type: ignore[assignment]

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - silence
        pass

    def do_GET(self) -> None:  # noqa: N802 - http.server's naming
        path = unquote(urlsplit(self.path).path)
        self.server.requests[path] += 1
        fault = self.server.faults.get(path)
        if fault is not None:
            fault(self)
            return
        super().do_GET()


class MirrorServer(ThreadingHTTPServer):
    """Serves ``root`` on 127.0.0.1 (a free port); ``faults[path]`` overrides a path's answer."""

    daemon_threads = True

    def __init__(self, root: Path):
        self.requests: Counter[str] = Counter()
        self.faults: dict = {}
        super().__init__(("127.0.0.1", 0), partial(_Handler, directory=str(root)))
        self.thread = threading.Thread(target=self.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        host, port = self.server_address[:2]
        return f"http://{host}:{port}"

    def __enter__(self) -> MirrorServer:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.shutdown()
        self.server_close()


def answer(status: int, body: bytes = b"", headers: dict | None = None, declared: int | None = None):
    """A fault: reply ``status`` with ``body``; ``declared`` fakes Content-Length (truncation)."""

    def reply(handler: SimpleHTTPRequestHandler) -> None:
        handler.send_response(status)
        handler.send_header("Content-Length", str(declared if declared is not None else len(body)))
        for k, v in (headers or {}).items():
            handler.send_header(k, v)
        handler.end_headers()
        handler.wfile.write(body)
        handler.wfile.flush()
        handler.close_connection = True

    return reply
