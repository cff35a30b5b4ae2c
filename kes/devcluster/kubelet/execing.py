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
import dataclasses
import json
import os
import signal
from collections.abc import AsyncIterator
from typing import TYPE_CHECKING, Any

from aiohttp import WSMsgType, web

from kes.devcluster import errors
from kes.devcluster import store as store_mod
from kes.devcluster.kubelet import logstream, pods, processes, terminals

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


@dataclasses.dataclass(frozen=True)
class Options:
    """What to run, where, and which streams: from the API's query (`stdin=true`, `container=`)
    or the kubelet API's (`input=1`, the container in the path)."""

    command: list[str]
    container: str | None
    stdin: bool
    tty: bool

    @classmethod
    def of_api(cls, request: web.Request) -> Options:
        return cls(command=request.query.getall("command", []),
                   container=request.query.get("container"),
                   stdin=_flag(request, "stdin"), tty=_flag(request, "tty"))

    @classmethod
    def of_kubelet_api(cls, request: web.Request, *, container: str) -> Options:
        return cls(command=request.query.getall("command", []), container=container,
                   stdin=_flag(request, "input"), tty=_flag(request, "tty"))


def _flag(request: web.Request, name: str) -> bool:
    return request.query.get(name, "false").lower() in {"true", "1"}


async def handle(
    request: web.Request, *, kubelet: node.Kubelet, namespace: str, name: str,
    options: Options | None = None,
) -> web.StreamResponse:
    options = options or Options.of_api(request)
    try:
        pod = await kubelet.api.get(pods.PODS, namespace=namespace, name=name)
    except store_mod.NotFoundError:
        return errors.response(code=404, message=f'pods "{name}" not found',
                               details={"name": name, "kind": "pods"})
    command = options.command
    if not command:
        return errors.response(code=400, message="you must specify at least 1 command")
    try:
        container = logstream.pick_container(pod=pod, requested=options.container)
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
    missing = processes.missing_executable(
        argv=command, search_path=worker.helpers.on_host(runtime.env.get("PATH", "")))
    if missing is not None:
        # As a runtime reports it: the message on stderr, exit code 127 in the Status.
        with contextlib.suppress(ConnectionResetError):
            await ws.send_bytes(bytes([STDERR]) + missing.encode() + b"\n")
        await _finish(ws=ws, status=exit_status(127))
        return ws
    argv = runtime.command(command)
    await _run(ws=ws, argv=argv, env=runtime.env, stdin=options.stdin,
               v5=ws.ws_protocol == PROTOCOLS[0], tty=options.tty)
    return ws


async def _run(
    *, ws: web.WebSocketResponse, argv: list[str], env: dict[str, str], stdin: bool, v5: bool,
    tty: bool,
) -> None:
    terminal = terminals.Terminal() if tty else None
    try:
        if terminal is not None:
            process = await asyncio.create_subprocess_exec(
                *argv, stdin=terminal.slave, stdout=terminal.slave, stderr=terminal.slave,
                env=env, preexec_fn=terminals.Terminal.attach)
            terminal.started()
        else:
            process = await asyncio.create_subprocess_exec(
                *argv,
                stdin=asyncio.subprocess.PIPE if stdin else asyncio.subprocess.DEVNULL,
                stdout=asyncio.subprocess.PIPE,
                stderr=asyncio.subprocess.PIPE,
                env=env,
                start_new_session=True,
            )
    except OSError as exc:
        if terminal is not None:
            terminal.close()
        await _finish(ws=ws, status={"metadata": {}, "status": "Failure",
                                     "message": f"failed to start the command: {exc}",
                                     "reason": "InternalError"})
        return
    session = _Session(process=process, terminal=terminal)
    if terminal is not None:
        pumps = [asyncio.create_task(_pump(ws=ws, channel=STDOUT, chunks=terminal.output()))]
    else:
        assert process.stdout is not None and process.stderr is not None
        pumps = [
            asyncio.create_task(_pump(ws=ws, channel=STDOUT, chunks=_chunks(process.stdout))),
            asyncio.create_task(_pump(ws=ws, channel=STDERR, chunks=_chunks(process.stderr))),
        ]
    reader = asyncio.create_task(_read_client(ws=ws, session=session, v5=v5))
    try:
        code = processes.exit_code(await process.wait())
        await asyncio.gather(*pumps, return_exceptions=True)
        await _finish(ws=ws, status=exit_status(code))
    finally:
        reader.cancel()
        with contextlib.suppress(asyncio.CancelledError, Exception):
            await reader
        for pump in pumps:
            pump.cancel()
        if process.returncode is None:
            process.kill()
            await process.wait()
        if terminal is not None:
            terminal.close()


class _Session:
    """Where the client's stdin goes: the process's pipe, or the terminal."""

    def __init__(
        self, *, process: asyncio.subprocess.Process, terminal: terminals.Terminal | None
    ) -> None:
        self.process = process
        self.terminal = terminal

    async def write(self, data: bytes) -> None:
        if self.terminal is not None:
            self.terminal.write(data)
        elif self.process.stdin is not None:
            with contextlib.suppress(ConnectionResetError, BrokenPipeError):
                self.process.stdin.write(data)
                await self.process.stdin.drain()

    def end_input(self) -> None:
        if self.terminal is not None:
            self.terminal.end_input()
        elif self.process.stdin is not None and not self.process.stdin.is_closing():
            self.process.stdin.close()

    def resize(self, payload: bytes) -> None:
        if self.terminal is None:
            return
        with contextlib.suppress(ValueError, KeyError, TypeError):
            size = json.loads(payload)
            self.terminal.resize(width=int(size["Width"]), height=int(size["Height"]))

    def kill(self) -> None:
        if self.process.returncode is None:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(self.process.pid, signal.SIGKILL)


async def _chunks(reader: asyncio.StreamReader) -> AsyncIterator[bytes]:
    while chunk := await reader.read(_CHUNK):
        yield chunk


async def _pump(*, ws: web.WebSocketResponse, channel: int, chunks: AsyncIterator[bytes]) -> None:
    async for chunk in chunks:
        if ws.closed:
            continue  # keep draining so the process is never blocked on a full pipe
        with contextlib.suppress(ConnectionResetError):
            await ws.send_bytes(bytes([channel]) + chunk)


async def _read_client(*, ws: web.WebSocketResponse, session: _Session, v5: bool) -> None:
    """Client frames: stdin data, resizes, v5 close of stdin; a closed socket ends stdin (v4)
    and, as nobody can read the output any more, the command too."""
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
        if channel == STDIN and data:
            await session.write(data)
        elif channel == RESIZE:
            session.resize(data)
        elif channel == CLOSE and v5 and data[:1] == bytes([STDIN]):
            session.end_input()
    session.end_input()
    session.kill()


async def _finish(*, ws: web.WebSocketResponse, status: dict[str, Any]) -> None:
    if ws.closed:
        return
    with contextlib.suppress(ConnectionResetError):
        await ws.send_bytes(bytes([ERROR]) + json.dumps(status).encode())
        await ws.close()
