"""Watch streams: one JSON event per line, kept open until timeoutSeconds or disconnect.

Supports resume from a resourceVersion (410 Expired as an ERROR event when it is compacted),
`allowWatchBookmarks`, and kubectl 1.37's streaming list (`sendInitialEvents=true`), which needs
the BOOKMARK annotated `k8s.io/initial-events-end` after the initial ADDED events.
"""

from __future__ import annotations

import contextlib
import json
import time
from typing import Any

from aiohttp import web

from kes.devcluster import errors, handlers, handlers_encoding, store

DEFAULT_TIMEOUT = 1800.0
# How often an idle stream checks that its client is still there.
POLL_INTERVAL = 1.0
MAX_BATCH = 500


def _flag(request: web.Request, name: str) -> bool:
    return request.query.get(name, "").lower() in ("true", "1")


def is_watch(request: web.Request) -> bool:
    return _flag(request, "watch")


async def watch(
    api: handlers.Api, request: web.Request, target: handlers.Target
) -> web.StreamResponse:
    r = target.resource
    matcher = store.make_matcher(
        label_selector=request.query.get("labelSelector"),
        field_selector=handlers.field_selector(request, r=r),
        kind=r.kind,
    )
    if target.name:
        # GET .../plural/name?watch=true (deprecated form): a watch on that one name.
        name = target.name
        inner = matcher

        def matcher(obj: dict[str, Any]) -> bool:
            return obj.get("metadata", {}).get("name") == name and (inner is None or inner(obj))

    timeout_text = request.query.get("timeoutSeconds", "")
    try:
        timeout = float(timeout_text) if timeout_text else DEFAULT_TIMEOUT
    except ValueError as exc:
        raise errors.bad_request(f'invalid timeoutSeconds: "{timeout_text}"') from exc
    bookmarks = _flag(request, "allowWatchBookmarks")
    send_initial = _flag(request, "sendInitialEvents")
    response = web.StreamResponse(status=200)
    response.content_type = "application/json"
    response.enable_chunked_encoding()
    try:
        watcher = api.db.watch(
            r.key, namespace=target.namespace,
            resource_version=request.query.get("resourceVersion"),
            matcher=matcher, send_initial_events=send_initial,
        )
    except store.GoneError as exc:
        await response.prepare(request)
        body = errors.status(code=410, reason="Expired", message=exc.message)
        await response.write(json.dumps({"type": "ERROR", "object": body}).encode() + b"\n")
        await response.write_eof()
        return response
    table = handlers_encoding.wants_table(request)
    first_table = True

    def encode(event: store.WatchEvent) -> bytes:
        nonlocal first_table
        if event.type == "BOOKMARK":
            if not bookmarks and not send_initial:
                return b""
            obj: dict[str, Any] = {"kind": r.kind, "apiVersion": r.api_version, **event.object}
        else:
            obj = api.present(r=r, obj=event.object)
            if table:
                obj = handlers_encoding.table(
                    r=r, items=[obj], rv=str(obj["metadata"].get("resourceVersion", "")),
                    definitions=first_table,
                )
                first_table = False
        return json.dumps({"type": event.type, "object": obj}).encode() + b"\n"

    await response.prepare(request)
    deadline = time.monotonic() + timeout
    next_bookmark = time.monotonic() + api.bookmark_interval
    try:
        while True:
            now = time.monotonic()
            if now >= deadline:
                break
            poll = min(POLL_INTERVAL, api.bookmark_interval) if bookmarks else POLL_INTERVAL
            event = await watcher.next(timeout=min(deadline - now, poll))
            if event is None:
                transport = request.transport
                if transport is None or transport.is_closing():
                    break
                if not bookmarks or time.monotonic() < next_bookmark:
                    continue
                next_bookmark = time.monotonic() + api.bookmark_interval
                event = store.WatchEvent(
                    "BOOKMARK", {"metadata": {"resourceVersion": api.db.resource_version}}
                )
            # Whatever queued up meanwhile goes out in the same write: fewer syscalls under load.
            chunk = encode(event) + b"".join(encode(e) for e in watcher.drain(limit=MAX_BATCH))
            if chunk:
                await response.write(chunk)
    except (ConnectionResetError, ConnectionError):
        pass
    finally:
        watcher.close()
    with contextlib.suppress(ConnectionError):
        await response.write_eof()
    return response
