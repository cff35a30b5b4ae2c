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


class _LiveScanner:
    """Logs a stream line by line as it arrives and parses its markers in the same pass.

    A marker that does not decode is remembered rather than raised mid-stream (the rest is still
    logged): Kanister parses stdout after the command ended, so a failing command reports its
    exec error first.
    """

    def __init__(self, ctx: base.PhaseContext, *, parse: bool) -> None:
        self.scanner = outputs.OutputScanner(on_log=ctx.on_log)
        self.parse = parse
        self.error: outputs.OutputError | None = None

    def feed(self, data: bytes) -> None:
        try:
            self.scanner.feed(data)
        except outputs.OutputError as exc:
            self.error = self.error or exc

    def close(self) -> dict[str, Any]:
        try:
            self.scanner.close()
        except outputs.OutputError as exc:
            self.error = self.error or exc
        if self.parse and self.error is not None:
            raise base.FunctionError(str(self.error)) from self.error
        return self.scanner.outputs


@base.reports_progress
def run(ctx: base.PhaseContext, args: dict[str, Any]) -> dict[str, Any] | None:
    parsed = args_decoding.load(Args, args)
    stdout = _LiveScanner(ctx, parse=True)
    stderr = _LiveScanner(ctx, parse=False)  # stderr is only logged
    try:
        podexec.run(
            ctx.api,
            namespace=parsed.namespace,
            pod=parsed.pod,
            container=parsed.container,
            command=parsed.command,
            cancel=ctx.cancel,
            on_stdout=stdout.feed,
            on_stderr=stderr.feed,
        )
    except waiting.WaitCancelledError:
        raise base.FunctionCancelledError() from None
    except k8s_errors.ApiError as exc:
        raise base.FunctionError(str(exc)) from exc
    stderr.close()
    # Kanister's parseLogAndCreateOutput: nil when stdout is empty or holds no marker.
    return stdout.close() or None


SPEC = base.FunctionSpec(
    name=NAME,
    required_args=("namespace", "pod", "command"),
    all_args=("namespace", "pod", "command", "container"),
    idempotent=IDEMPOTENT,
    run=run,
    outputs=OUTPUTS,
)
