"""`.../pods/{name}/exec` over WebSocket (`v5.channel.k8s.io`, `v4.channel.k8s.io`).

Each message is one frame for one stream, byte 0 being the channel: 0 stdin, 1 stdout,
2 stderr, 3 the closing Status, 4 resize, 255 (v5) "close this channel". The command runs in
the container's environment (env, mounts, workingDir) through the same sandbox as the
container. The Status on channel 3 puts the ExitCode cause first: the Python client reads
`details.causes[0].message` as the exit code. SPDY (kubectl's fallback) is refused with 400.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import signal
from typing import TYPE_CHECKING, Any

from aiohttp import WSMsgType, web

from kes.devcluster import errors
from kes.devcluster import store as store_mod
from kes.devcluster.kubelet import logstream, pods, processes, sandbox

if TYPE_CHECKING:
    from kes.devcluster.kubelet import node

PROTOCOLS = ("v5.channel.k8s.io", "v4.channel.k8s.io", "channel.k8s.io")
STDIN, STDOUT, STDERR, ERROR, RESIZE, CLOSE = 0, 1, 2, 3, 4, 255
_CHUNK = 65536


def exit_status(code: int) -> dict[str, Any]:
    """The channel-3 Status for an exit code."""
    if code == 0:
        return {"metadata": {}, "status": "Success"}
    return {
        "metadata": {},
        "status": "Failure",
        "message": f"command terminated with non-zero exit code: exit status {code}",
        "reason": "NonZeroExitCode",
        "details": {"causes": [{"reason": "ExitCode", "message": str(code)}]},
    }


def _flag(request: web.Request, name: str) -> bool:
    return request.query.get(name, "false").lower() in {"true", "1"}


async def handle(
    request: web.Request, *, kubelet: node.Kubelet, namespace: str, name: str
) -> web.StreamResponse:
    try:
        pod = await kubelet.store.get(pods.PODS, namespace=namespace, name=name)
    except store_mod.NotFoundError:
        return errors.response(code=404, message=f'pods "{name}" not found',
                               details={"name": name, "kind": "pods"})
    command = request.query.getall("command", [])
    if not command:
        return errors.response(code=400, message="you must specify at least 1 command")
    try:
        container = logstream.pick_container(pod=pod, requested=request.query.get("container"))
    except ValueError as exc:
        return errors.response(code=400, message=str(exc))
    worker = kubelet.worker_for(pod)
    runtime = worker.runtimes.get(container) if worker is not None else None
    if worker is None or runtime is None or not worker.is_running(container):
        return errors.response(code=400, message=f'container not found ("{container}")')
    ws = web.WebSocketResponse(protocols=PROTOCOLS, autoping=True)
    if not ws.can_prepare(request).ok:
        return errors.response(
            code=400,
            message="Upgrade request required: this server speaks only WebSocket "
                    f"({', '.join(PROTOCOLS)}), not SPDY")
    await ws.prepare(request)
    argv = sandbox.command(argv=command, mounts=runtime.mounts, working_dir=runtime.working_dir)
    await _run(ws=ws, argv=argv, env=runtime.env, stdin=_flag(request, "stdin"),
               v5=ws.ws_protocol == PROTOCOLS[0])
    return ws


async def _run(
    *, ws: web.WebSocketResponse, argv: list[str], env: dict[str, str], stdin: bool, v5: bool
) -> None:
    try:
        process = await asyncio.create_subprocess_exec(
            *argv,
            stdin=asyncio.subprocess.PIPE if stdin else asyncio.subprocess.DEVNULL,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
            env=env,
            start_new_session=True,
        )
    except OSError as exc:
        await _finish(ws=ws, status={"metadata": {}, "status": "Failure",
                                     "message": f"failed to start the command: {exc}",
                                     "reason": "InternalError"})
        return
    assert process.stdout is not None and process.stderr is not None
    pumps = [
        asyncio.create_task(_pump(ws=ws, channel=STDOUT, reader=process.stdout)),
        asyncio.create_task(_pump(ws=ws, channel=STDERR, reader=process.stderr)),
    ]
    reader = asyncio.create_task(_read_client(ws=ws, process=process, v5=v5))
    try:
        code = processes.exit_code(await process.wait())
        await asyncio.gather(*pumps, return_exceptions=True)
        await _finish(ws=ws, status=exit_status(code))
    finally:
        reader.cancel()
        with contextlib.suppress(asyncio.CancelledError, Exception):
            await reader
        if process.returncode is None:
            process.kill()
            await process.wait()


async def _pump(*, ws: web.WebSocketResponse, channel: int, reader: asyncio.StreamReader) -> None:
    while chunk := await reader.read(_CHUNK):
        if ws.closed:
            continue  # keep draining so the process is never blocked on a full pipe
        with contextlib.suppress(ConnectionResetError):
            await ws.send_bytes(bytes([channel]) + chunk)


async def _read_client(
    *, ws: web.WebSocketResponse, process: asyncio.subprocess.Process, v5: bool
) -> None:
    """Client frames: stdin data, v5 close of stdin; a closed socket also ends stdin (v4)."""
    async for msg in ws:
        if msg.type == WSMsgType.BINARY:
            payload: bytes = msg.data
        elif msg.type == WSMsgType.TEXT:
            payload = msg.data.encode("utf-8", errors="surrogateescape")
        else:
            break
        if not payload:
            continue
        channel, data = payload[0], payload[1:]
        if channel == STDIN and process.stdin is not None and data:
            with contextlib.suppress(ConnectionResetError, BrokenPipeError):
                process.stdin.write(data)
                await process.stdin.drain()
        elif channel == CLOSE and v5 and data[:1] == bytes([STDIN]):
            _close_stdin(process)
    _close_stdin(process)
    if process.returncode is None:
        # The client went away: nobody can read the output any more, so the command ends too
        # (a v4 client that closes the socket to end stdin cannot read the output either).
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(process.pid, signal.SIGKILL)


def _close_stdin(process: asyncio.subprocess.Process) -> None:
    if process.stdin is not None and not process.stdin.is_closing():
        process.stdin.close()


async def _finish(*, ws: web.WebSocketResponse, status: dict[str, Any]) -> None:
    if ws.closed:
        return
    with contextlib.suppress(ConnectionResetError):
        await ws.send_bytes(bytes([ERROR]) + json.dumps(status).encode())
        await ws.close()
