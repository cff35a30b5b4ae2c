"""A trace of every API request the stand-in answers, to replay against another API server.

With `KES_DEVCLUSTER_TRACE=<file>` in its environment, the stand-in appends one JSON line per
request: method, path with query, the headers that decide the answer (Content-Type, Accept),
the body, the status and, for whole JSON answers, the body answered. Streams (watch, logs,
exec) are traced as requests with their status only. `benchmarks/bench_api_divergence.py`
replays a trace against both engines and counts where their answers differ. The trace holds
what clients sent, Secrets included, so it is written with mode 0600 and meant for test
clusters only; the Authorization header is never written.
"""

from __future__ import annotations

import base64
import json
import os
import pathlib
import time
from collections.abc import Awaitable, Callable
from typing import Any

from aiohttp import web

ENVIRONMENT = "KES_DEVCLUSTER_TRACE"
_KEPT_HEADERS = ("Content-Type", "Accept", "User-Agent", "Upgrade")

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def _decoded(data: bytes) -> dict[str, Any]:
    try:
        return {"json": json.loads(data)} if data else {}
    except ValueError:
        return {"base64": base64.b64encode(data).decode()}


class Tracer:
    def __init__(self, path: pathlib.Path) -> None:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
        self._file = os.fdopen(fd, "a", encoding="utf-8")

    @web.middleware
    async def middleware(self, request: web.Request, handler: Handler) -> web.StreamResponse:
        body = await request.read() if request.can_read_body else b""
        response = await handler(request)
        entry: dict[str, Any] = {
            "time": time.time(),
            "method": request.method,
            "path": request.path_qs,
            "headers": {k: request.headers[k] for k in _KEPT_HEADERS if k in request.headers},
            "body": _decoded(body),
            "status": response.status,
        }
        if isinstance(response, web.Response) and response.body is not None and (
                response.content_type or "").endswith("json"):
            raw = response.body if isinstance(response.body, bytes) else b""
            entry["answer"] = _decoded(raw)
        self._file.write(json.dumps(entry) + "\n")
        self._file.flush()
        return response

    def close(self) -> None:
        self._file.close()


def from_environment() -> Tracer | None:
    path = os.environ.get(ENVIRONMENT)
    return Tracer(pathlib.Path(path)) if path else None
