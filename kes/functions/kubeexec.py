"""KubeExec: run a command in a container of an existing pod; outputs from its stdout markers.

Kanister `pkg/function/kube_exec.go` (reference 1.2 #2): exec without TTY in `namespace`/`pod`
(`container` "" = the pod's default container); stdout and stderr lines go to the log; the output
is the markers parsed from stdout, **None** when stdout is empty or has no marker. A non-zero exit
fails the phase with the last 10 lines of stdout and stderr. Not idempotent.
"""

from __future__ import annotations

from typing import Any

from kes.adapters.k8s import errors as k8s_errors
from kes.adapters.k8s import podexec, waiting
from kes.domain import outputs
from kes.functions import args as args_decoding
from kes.functions import base

NAME = "KubeExec"
IDEMPOTENT = False
OUTPUTS: tuple[str, ...] = ()  # whatever the command writes with `kando output`


class Args(args_decoding.ArgsModel):
    namespace: str
    pod: str
    command: list[str]
    container: str = ""


def exec_and_parse(
    ctx: base.PhaseContext, *, namespace: str, pod: str, container: str, command: list[str]
) -> bytes:
    """Exec once, logging stdout/stderr lines through `ctx.on_log`; the raw stdout."""
    stderr_lines = outputs.OutputScanner(on_log=ctx.on_log)
    try:
        result = podexec.run(
            ctx.api,
            namespace=namespace,
            pod=pod,
            container=container,
            command=command,
            cancel=ctx.cancel,
            on_stderr=_feed_without_parsing(stderr_lines),
        )
    except waiting.WaitCancelledError:
        raise base.FunctionCancelledError() from None
    except k8s_errors.ApiError as exc:
        raise base.FunctionError(str(exc)) from exc
    return result.stdout


def _feed_without_parsing(scanner: outputs.OutputScanner) -> Any:
    def feed(data: bytes) -> None:
        # stderr is only logged; a marker-like line there must not fail the phase.
        try:
            scanner.feed(data)
        except outputs.OutputError:
            return

    return feed


def parse_stdout(ctx: base.PhaseContext, stdout: bytes) -> dict[str, Any] | None:
    """Kanister's `parseLogAndCreateOutput`: None for empty stdout or no marker."""
    if not stdout:
        return None
    try:
        found = outputs.parse(stdout, on_log=ctx.on_log)
    except outputs.OutputError as exc:
        raise base.FunctionError(str(exc)) from exc
    return found or None


@base.reports_progress
def run(ctx: base.PhaseContext, args: dict[str, Any]) -> dict[str, Any] | None:
    parsed = args_decoding.load(Args, args)
    stdout = exec_and_parse(
        ctx,
        namespace=parsed.namespace,
        pod=parsed.pod,
        container=parsed.container,
        command=parsed.command,
    )
    return parse_stdout(ctx, stdout)


SPEC = base.FunctionSpec(
    name=NAME,
    required_args=("namespace", "pod", "command"),
    all_args=("namespace", "pod", "command", "container"),
    idempotent=IDEMPOTENT,
    run=run,
    outputs=OUTPUTS,
)
