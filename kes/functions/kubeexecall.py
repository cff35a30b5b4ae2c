"""KubeExecAll: run a command in every container of several pods at once.

Kanister `pkg/function/kube_exec_all.go` (reference 1.2 #3): `pods` and `containers` are
space-separated names; one exec per pod × container, concurrently; the errors are joined with a
newline; the output is the markers of all stdouts concatenated (None when there is none).
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent import futures
from typing import Any

from kes.adapters.k8s import errors as k8s_errors
from kes.adapters.k8s import podexec, waiting
from kes.domain import outputs
from kes.functions import args as args_decoding
from kes.functions import base

NAME = "KubeExecAll"
IDEMPOTENT = False
OUTPUTS: tuple[str, ...] = ()


class Args(args_decoding.ArgsModel):
    namespace: str
    pods: str
    containers: str
    command: list[str]


@base.reports_progress
def run(ctx: base.PhaseContext, args: dict[str, Any]) -> dict[str, Any] | None:
    parsed = args_decoding.load(Args, args)
    targets = [(p, c) for p in parsed.pods.split() for c in parsed.containers.split()]
    if not targets:
        return None

    lock = threading.Lock()

    def log(line: str) -> None:
        # One callback for all exec threads: keep the controller's on_log single-threaded.
        with lock:
            ctx.on_log(line)

    def one(target: tuple[str, str]) -> bytes:
        pod, container = target
        streams = [outputs.OutputScanner(on_log=log), outputs.OutputScanner(on_log=log)]
        result = podexec.run(
            ctx.api,
            namespace=parsed.namespace,
            pod=pod,
            container=container,
            command=parsed.command,
            cancel=ctx.cancel,
            on_stdout=_logger(streams[0]),
            on_stderr=_logger(streams[1]),
        )
        for stream in streams:
            _logger(stream)(None)
        return result.stdout

    stdouts: list[bytes] = []
    failures: list[str] = []
    cancelled = False
    with futures.ThreadPoolExecutor(max_workers=min(len(targets), 16)) as pool:
        for future in [pool.submit(one, target) for target in targets]:
            try:
                stdouts.append(future.result())
            except waiting.WaitCancelledError:
                cancelled = True
            except k8s_errors.ApiError as exc:
                failures.append(str(exc))
    if cancelled:
        raise base.FunctionCancelledError()
    if failures:
        raise base.FunctionError("\n".join(failures))
    combined = b"".join(b"\n" + out for out in stdouts)
    if not combined.strip():
        return None
    try:
        found = outputs.parse(combined)
    except outputs.OutputError as exc:
        raise base.FunctionError(str(exc)) from exc
    return found or None


def _logger(scanner: outputs.OutputScanner) -> Callable[[bytes | None], None]:
    """Feed a stream to its scanner for logging only (None flushes); markers are parsed later."""

    def feed(data: bytes | None) -> None:
        try:
            if data is None:
                scanner.close()
            else:
                scanner.feed(data)
        except outputs.OutputError:
            return

    return feed


SPEC = base.FunctionSpec(
    name=NAME,
    required_args=("namespace", "pods", "containers", "command"),
    all_args=("namespace", "pods", "containers", "command"),
    idempotent=IDEMPOTENT,
    run=run,
    outputs=OUTPUTS,
)
