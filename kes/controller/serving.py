"""Health and metrics over HTTP: `/healthz`, `/readyz` (Kanister's JSON bodies) and `/metrics`.

Ready means the ActionSet watch has listed once and the projections have caught up with the log
(on a follower replica: its cache has). `/readyz`'s body also says whether this replica leads.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from http import server
from typing import Any

from kes.projections import metrics as metrics_projection

VERSION_HEADER = "kes"


def start(
    *,
    address: str,
    port: int,
    metrics: metrics_projection.Metrics,
    is_ready: Callable[[], bool],
    refresh: Callable[[], object],
    version: str,
    details: Callable[[], dict[str, Any]] = dict,
) -> server.ThreadingHTTPServer:
    """Serve in a daemon thread; `shutdown()` the returned server to stop."""

    class Handler(server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            if self.path in ("/healthz", "/v0/healthz"):
                self._send(200, json.dumps({"alive": True, "version": version}).encode())
            elif self.path in ("/readyz", "/v0/readyz"):
                ready = is_ready()
                body = {"status": "ready" if ready else "not ready", **details()}
                self._send(200 if ready else 503, json.dumps(body).encode())
            elif self.path == "/metrics":
                refresh()
                self._send(200, metrics.exposition(), content_type="text/plain; version=0.0.4")
            else:
                self._send(404, b'{"error":"not found"}')

        def _send(self, code: int, body: bytes, *, content_type: str = "application/json") -> None:
            self.send_response(code)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: object) -> None:
            return None

    httpd = server.ThreadingHTTPServer((address, port), Handler)
    thread = threading.Thread(target=httpd.serve_forever, name="health", daemon=True)
    thread.start()
    return httpd
