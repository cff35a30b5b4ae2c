"""`GET /api/v1/namespaces/{ns}/pods/{name}/log`: container, follow, tailLines, sinceSeconds,
previous, timestamps, limitBytes, with the apiserver's messages for the usual mistakes.

The same handler answers the kubelet API's `GET /containerLogs/{ns}/{pod}/{container}`, which a
real API server calls with the same query parameters and the container in the path.
"""

from __future__ import annotations

import datetime
import pathlib
from typing import TYPE_CHECKING, Any

from aiohttp import web

from kes.devcluster import errors
from kes.devcluster import store as store_mod
from kes.devcluster.kubelet import logs, pods

if TYPE_CHECKING:
    from kes.devcluster.kubelet import node


def _flag(request: web.Request, name: str) -> bool:
    return request.query.get(name, "false").lower() in {"true", "1"}


def _int(request: web.Request, name: str) -> int | None:
    raw = request.query.get(name)
    if raw is None or raw == "":
        return None
    try:
        return int(raw)
    except ValueError as exc:
        raise ValueError(f'{name} must be an integer, got "{raw}"') from exc


def _time(request: web.Request, name: str) -> datetime.datetime | None:
    raw = request.query.get(name)
    if not raw:
        return None
    try:
        return logs.parse_time(raw)
    except ValueError as exc:
        raise ValueError(f'{name} must be an RFC 3339 time, got "{raw}"') from exc


def pick_container(*, pod: dict[str, Any], requested: str | None) -> str:
    """The container a log or exec request means; ValueError with the apiserver's message."""
    name = pod["metadata"]["name"]
    spec = pod.get("spec", {})
    regular: list[str] = [str(c["name"]) for c in spec.get("containers") or []]
    every = [str(c["name"]) for c in spec.get("initContainers") or []] + regular
    if requested:
        if requested not in every:
            raise ValueError(f"container {requested} is not valid for pod {name}")
        return requested
    if len(regular) == 1:
        return regular[0]
    raise ValueError(
        f"a container name must be specified for pod {name}, choose one of: [{' '.join(regular)}]")


async def handle(
    request: web.Request, *, kubelet: node.Kubelet, namespace: str, name: str,
    container: str | None = None,
) -> web.StreamResponse:
    """`container` is the one the path names (kubelet API), else the `container` parameter."""
    try:
        pod = await kubelet.api.get(pods.PODS, namespace=namespace, name=name)
    except store_mod.NotFoundError:
        return errors.response(code=404, message=f'pods "{name}" not found',
                               details={"name": name, "kind": "pods"})
    try:
        container = pick_container(pod=pod, requested=container or request.query.get(
            "container"))
        tail_lines = _int(request, "tailLines")
        since_seconds = _int(request, "sinceSeconds")
        since_time = _time(request, "sinceTime")
        limit_bytes = _int(request, "limitBytes")
    except ValueError as exc:
        return errors.response(code=400, message=str(exc))
    worker = kubelet.worker_for(pod)
    log_dir = kubelet.data_dir / "pods" / pod["metadata"]["uid"] / "logs" / container
    attempts = sorted(int(p.stem) for p in log_dir.glob("*.log")) if log_dir.is_dir() else []
    if not attempts:
        reason = "ContainerCreating"
        if worker is not None:
            reason = next((c.reason for c in [*worker.init, *worker.containers]
                           if c.name == container and c.reason), reason)
        return errors.response(
            code=400,
            message=f'container "{container}" in pod "{name}" is waiting to start: {reason}')
    attempt = attempts[-1]
    if _flag(request, "previous"):
        if len(attempts) < 2:
            return errors.response(
                code=400,
                message=f'previous terminated container "{container}" in pod "{name}" not found')
        attempt = attempts[-2]
    live = worker.logs.get(container) if worker is not None else None
    path = log_dir / f"{attempt}.log"
    timestamps = _flag(request, "timestamps")
    response = web.StreamResponse(headers={"Content-Type": "text/plain"})
    await response.prepare(request)
    sent = 0

    async def send(lines: list[bytes]) -> bool:
        """Write a batch at once; False once limitBytes is reached."""
        nonlocal sent
        data = b"".join(lines)
        full = limit_bytes is not None and sent + len(data) >= limit_bytes
        if limit_bytes is not None:
            data = data[: max(limit_bytes - sent, 0)]
        if data:
            await response.write(data)
            sent += len(data)
        return not full

    raw = path.read_bytes()
    offset = len(raw)
    keep_going = await send(logs.select(raw=raw, tail_lines=tail_lines,
                                        since_seconds=since_seconds, since_time=since_time,
                                        timestamps=timestamps))
    follow = _flag(request, "follow") and live is not None and not _flag(request, "previous")
    while keep_going and follow and live is not None:
        still_open = live.is_open(attempt)
        if still_open:
            await live.wait_changed()
        fresh = _read_from(path, offset)
        offset += len(fresh)
        # A partial line at the end is not possible: lines are appended whole.
        keep_going = await send([logs.format_line(line=ln, timestamps=timestamps)
                                 for ln in fresh.split(b"\n") if ln])
        if not still_open:
            break
    await response.write_eof()
    return response


def _read_from(path: pathlib.Path, offset: int) -> bytes:
    """What was appended after `offset` (a follower reads only the new part)."""
    try:
        with path.open("rb") as handle:
            handle.seek(offset)
            return handle.read()
    except FileNotFoundError:  # the pod was deleted and its directory removed
        return b""
