"""The fault-injecting proxy: an HTTPS server that forwards the Kubernetes API and gets it wrong.

Clients reach it with its own kubeconfig (its CA, its bearer token); it forwards each request to
the upstream API server with the upstream kubeconfig's credentials, so it sits in front of either
engine of `kes dev`. Requests, streamed responses (watches, log follows) and websocket upgrades
(exec) pass through; for each request `choosing.Chooser` decides whether to answer 409, 429,
500/503 or 410 instead, to forward and then lose the answer, to never answer, or to cut a stream
part-way through an event. `/kes-faults/` (same token) reports what was injected (GET `stats`;
DELETE resets it) and takes targeted rules (POST/DELETE `rules`) and a new profile (PUT
`profile`) at run time. Every injected fault is logged to `faults.log`.
"""

from __future__ import annotations

import asyncio
import contextlib
import hmac
import json
import logging
import pathlib
import time
from collections import Counter
from collections.abc import Callable
from typing import Any

import aiohttp
from aiohttp import web

from kes.devcluster import errors
from kes.devcluster.faults import choosing, spec, upstream

logger = logging.getLogger(__name__)

CONTROL = "/kes-faults/"
_HOP = {"connection", "keep-alive", "proxy-authenticate", "proxy-authorization", "te",
        "trailers", "transfer-encoding", "upgrade", "host", "authorization", "content-length"}
_MESSAGES = {
    409: ("Conflict", "Operation cannot be fulfilled: the object has been modified; please "
          "apply your changes to the latest version and try again"),
    429: ("TooManyRequests", "Too many requests, please try again later."),
    500: ("InternalError", "Internal error occurred: injected by the kes fault proxy"),
    503: ("ServiceUnavailable", "the server is currently unable to handle the request"),
}


class State:
    def __init__(self, *, target: upstream.Upstream, token: str, profile: spec.Profile,
                 log_path: pathlib.Path) -> None:
        self.target = target
        self.token = token
        self.chooser = choosing.Chooser.of(profile)
        self.injected: Counter[str] = Counter()
        self.requests = 0
        self.log_path = log_path
        self.session: aiohttp.ClientSession | None = None

    def record(self, fault: str, request: web.Request, detail: str = "") -> None:
        self.injected[fault] += 1
        line = f"{time.strftime('%H:%M:%S')} {fault} {request.method} {request.path_qs}"
        with self.log_path.open("a") as log:
            log.write(f"{line} {detail}".rstrip() + "\n")


_KEY_STATE = web.AppKey("state", State)


def _describe(request: web.Request) -> choosing.Request:
    query = request.query
    watch = query.get("watch", "").lower() in ("1", "true")
    follow = request.path.endswith("/log") and query.get("follow", "").lower() in ("1", "true")
    websocket = request.headers.get("Upgrade", "").lower() == "websocket"
    version = query.get("resourceVersion", "")
    return choosing.Request(method=request.method, path=request.path, watch=watch,
                            follow=follow, websocket=websocket,
                            resumes=watch and version not in ("", "0"))


def _status(code: int, *, reason: str = "", message: str = "") -> web.Response:
    default_reason, default_message = _MESSAGES.get(code, ("", ""))
    return errors.response(code=code, reason=reason or default_reason,
                           message=message or default_message)


@web.middleware
async def _auth(request: web.Request, handler: Callable[[web.Request], Any]) -> Any:
    expected = f"Bearer {request.app[_KEY_STATE].token}"
    if not hmac.compare_digest(request.headers.get("Authorization", "").encode(),
                               expected.encode()):
        return errors.response(code=401, reason="Unauthorized", message="Unauthorized")
    result = await handler(request)
    return result


async def _control(request: web.Request) -> web.StreamResponse:
    state = request.app[_KEY_STATE]
    what = request.path[len(CONTROL):].strip("/")
    try:
        if what == "stats" and request.method == "GET":
            pass
        elif what == "stats" and request.method == "DELETE":
            state.injected.clear()
            state.requests = 0
        elif what == "rules" and request.method == "POST":
            rules = await request.json()
            for data in rules if isinstance(rules, list) else [rules]:
                state.chooser.rules.append(spec.rule_from(data))
        elif what == "rules" and request.method == "DELETE":
            state.chooser.rules.clear()
        elif what == "profile" and request.method == "PUT":
            body = await request.json()
            profile = spec.parse(str(body.get("spec", "")))
            rules = state.chooser.rules
            state.chooser = choosing.Chooser.of(profile)
            state.chooser.rules = rules
        else:
            return errors.response(code=404, message=f"no control endpoint {request.path}")
    except (spec.SpecError, ValueError) as exc:
        return errors.response(code=400, message=str(exc))
    body = {"requests": state.requests, "injected": dict(state.injected),
            "profile": state.chooser.profile.describe(),
            "rules": [r.as_dict() for r in state.chooser.rules if r.times > 0]}
    return web.json_response(body)


async def _hang(request: web.Request) -> web.StreamResponse:
    """Never answer: wait until the client gives up and closes the connection."""
    transport = request.transport
    while transport is not None and not transport.is_closing():
        await asyncio.sleep(0.2)
    return _status(503)  # never delivered: the client has gone


async def handle(request: web.Request) -> web.StreamResponse:
    state = request.app[_KEY_STATE]
    if request.path.startswith(CONTROL):
        return await _control(request)
    state.requests += 1
    described = _describe(request)
    choice = state.chooser.choose(described)
    if state.chooser.profile.latency_s:
        await asyncio.sleep(state.chooser.profile.latency_s)
    fault = choice.fault
    if fault == "cut" and not described.streaming:
        fault = ""
    if fault and fault != "cut":
        state.record(fault, request)
    if fault in ("conflict", "too-many-requests") or (fault == "unavailable"):
        return _status(choice.code or 503)
    if fault == "already-exists":
        return _status(409, reason="AlreadyExists", message="object already exists (injected)")
    if fault == "gone":
        return await _gone(request)
    if fault == "hang":
        return await _hang(request)
    if described.websocket:
        return await _websocket(request, state)
    body = await request.read()
    session = state.session
    assert session is not None
    headers = {k: v for k, v in request.headers.items() if k.lower() not in _HOP}
    headers.update(state.target.headers)
    url = state.target.url + request.path_qs
    async with session.request(request.method, url, data=body or None, headers=headers,
                               ssl=state.target.ssl_context) as answer:
        if fault in ("unavailable-after", "hang-after"):
            await answer.read()
            return await _hang(request) if fault == "hang-after" else _status(choice.code or 503)
        reply_headers = {k: v for k, v in answer.headers.items() if k.lower() not in _HOP}
        if not described.streaming:
            data = await answer.read()
            return web.Response(status=answer.status, body=data, headers=reply_headers)
        return await _stream(request, state, answer, reply_headers,
                             choice if fault == "cut" else None)


async def _gone(request: web.Request) -> web.StreamResponse:
    response = web.StreamResponse(status=200)
    response.content_type = "application/json"
    await response.prepare(request)
    status = errors.status(code=410, reason="Expired",
                           message="too old resource version (injected by the kes fault proxy)")
    await response.write(json.dumps({"type": "ERROR", "object": status}).encode() + b"\n")
    await response.write_eof()
    return response


async def _stream(request: web.Request, state: State, answer: aiohttp.ClientResponse,
                  headers: dict[str, str], cut: choosing.Choice | None) -> web.StreamResponse:
    response = web.StreamResponse(status=answer.status, headers=headers)
    response.enable_chunked_encoding()
    await response.prepare(request)
    left = cut.cut_after if cut is not None else -1
    deadline = time.monotonic() + cut.cut_seconds if cut is not None else None
    reader = answer.content
    while True:
        timeout = None if deadline is None else max(0.0, deadline - time.monotonic())
        try:
            chunk = await asyncio.wait_for(reader.readany(), timeout=timeout)
        except TimeoutError:
            chunk = None  # the stream idled past its cut time: cut it now
            left = 0
        if chunk is not None and not chunk:
            break
        if chunk is not None and (left < 0 or len(chunk) < left):
            await response.write(chunk)
            left = left - len(chunk) if left > 0 else left
            continue
        if chunk:
            await response.write(chunk[:left])
        state.record("cut", request, f"after {cut.cut_after if cut else 0} bytes")
        # No terminating chunk: the client sees the stream break, as on a dropped connection.
        if request.transport is not None:
            request.transport.abort()
        return response
    await response.write_eof()
    return response


async def _websocket(request: web.Request, state: State) -> web.StreamResponse:
    session = state.session
    assert session is not None
    protocols = [p.strip() for p in request.headers.get("Sec-WebSocket-Protocol", "").split(",")
                 if p.strip()]
    url = state.target.url + request.path_qs
    try:
        far = await session.ws_connect(url, protocols=protocols, headers=state.target.headers,
                                       ssl=state.target.ssl_context, autoping=True)
    except aiohttp.WSServerHandshakeError as exc:
        return errors.response(code=exc.status or 502, message=exc.message or "upgrade failed")
    near = web.WebSocketResponse(protocols=[far.protocol] if far.protocol else (), autoping=True)
    await near.prepare(request)

    async def pump(source: Any, sink: Any) -> None:
        async for message in source:
            if message.type == aiohttp.WSMsgType.BINARY:
                await sink.send_bytes(message.data)
            elif message.type == aiohttp.WSMsgType.TEXT:
                await sink.send_str(message.data)
            else:
                break

    tasks = [asyncio.ensure_future(pump(far, near)), asyncio.ensure_future(pump(near, far))]
    try:
        await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
        # Upstream first: what the server said last must reach the client before it closes.
        with contextlib.suppress(asyncio.TimeoutError):
            await asyncio.wait_for(tasks[0], timeout=5)
    finally:
        for task in tasks:
            task.cancel()
        await far.close()
        await near.close()
    return near


def make_app(*, target: upstream.Upstream, token: str, profile: spec.Profile,
             log_path: pathlib.Path) -> web.Application:
    app = web.Application(middlewares=[_auth], client_max_size=16 * 1024 * 1024)
    state = State(target=target, token=token, profile=profile, log_path=log_path)
    app[_KEY_STATE] = state

    async def session_context(_app: web.Application) -> Any:
        state.session = aiohttp.ClientSession(
            connector=aiohttp.TCPConnector(limit=0), auto_decompress=False,
            timeout=aiohttp.ClientTimeout(total=None, sock_connect=10),
        )
        yield
        await state.session.close()

    app.cleanup_ctx.append(session_context)
    app.router.add_route("*", "/{tail:.*}", handle)
    return app
