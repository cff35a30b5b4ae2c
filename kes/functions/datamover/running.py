"""Running one restic command in a container over exec, its credentials on stdin.

The Kubernetes exec API carries no environment, so Kanister exports credentials in a shell
command line. kes execs `commands.invocation`'s `sh -c` script instead and writes the values to
its stdin; the script exports them and runs restic (reference for the why: commands.py).
Output lines go to the phase log as they arrive, except restic's `--json` progress messages,
which become the phase's progress percent. A failure is classified (classifying.py) and reported
as one actionable sentence that names the repository, never a credential: whatever restic prints
passes through a masker of the credentials it was given before it is logged or quoted.
"""

from __future__ import annotations

import codecs
from collections.abc import Callable
from dataclasses import dataclass

from kes.adapters.k8s import errors as k8s_errors
from kes.adapters.k8s import podexec, waiting
from kes.adapters.restic import classifying, commands, locations, parsing
from kes.domain import masking
from kes.functions import base

EXIT_NOT_FOUND = 127


@dataclass(frozen=True)
class Target:
    """The container restic runs in."""

    namespace: str
    pod: str
    container: str = ""


@dataclass(frozen=True)
class Output:
    stdout: str
    stderr: str


class ResticError(base.FunctionError):
    """restic ran and failed; `failure` says how (the message says what to do)."""

    def __init__(self, message: str, *, failure: classifying.Failure) -> None:
        super().__init__(message)
        self.failure = failure


class _Lines:
    """Splits a byte stream into text lines as it arrives and hands each to `sink`."""

    def __init__(self, sink: Callable[[str], None]) -> None:
        self.sink = sink
        self.decoder = codecs.getincrementaldecoder("utf-8")(errors="replace")
        self.pending = ""
        self.chunks: list[str] = []

    def feed(self, data: bytes) -> None:
        text = self.decoder.decode(data)
        self.chunks.append(text)
        self.pending += text
        *complete, self.pending = self.pending.split("\n")
        for line in complete:
            self.sink(line.rstrip("\r"))

    def close(self) -> str:
        tail = self.decoder.decode(b"", final=True)
        self.chunks.append(tail)
        self.pending += tail
        if self.pending:
            self.sink(self.pending.rstrip("\r"))
            self.pending = ""
        return "".join(self.chunks)


class _Progress:
    """restic's `status` messages as whole percents, reported once per change, below 100; other
    lines go to the phase log, masked (restic never prints a credential; this makes sure)."""

    def __init__(
        self, ctx: base.PhaseContext, *, enabled: bool, mask: Callable[[str], str] = str
    ) -> None:
        self.ctx = ctx
        self.enabled = enabled
        self.mask = mask
        self.last = -1

    def line(self, line: str) -> None:
        if parsing.is_status(line):
            done = parsing.percent_done(line)
            if self.enabled and done is not None:
                percent = min(int(done * 100), 99)
                if percent > self.last:
                    self.last = percent
                    self.ctx.on_progress(percent)
        elif line:
            self.ctx.on_log(self.mask(line))


def run(
    ctx: base.PhaseContext,
    *,
    target: Target,
    repository: locations.Repository,
    password: str,
    args: list[str],
    progress: bool = False,
) -> Output:
    """Run `restic <args>` in the target container; `ResticError` if restic fails."""
    try:
        invocation = commands.invocation(repository, password=password, args=args)
    except commands.InvocationError as exc:
        raise base.FunctionError(str(exc)) from None
    masker = masking.Masker([password, *repository.secret_values()])
    reporter = _Progress(ctx, enabled=progress, mask=masker.text)
    stdout = _Lines(reporter.line)
    stderr = _Lines(reporter.line)
    if ctx.cancel.is_set():
        raise base.FunctionCancelledError()
    try:
        podexec.run(
            ctx.api,
            namespace=target.namespace,
            pod=target.pod,
            container=target.container,
            command=invocation.argv,
            stdin=invocation.stdin,
            cancel=ctx.cancel,
            on_stdout=stdout.feed,
            on_stderr=stderr.feed,
        )
    except waiting.WaitCancelledError:
        raise base.FunctionCancelledError() from None
    except podexec.ExecError as exc:
        stdout.close()
        raw = stderr.close()
        err = masker.text(raw)
        if exc.exit_code is None:
            raise base.FunctionError(exc.cause) from None
        if exc.exit_code == EXIT_NOT_FOUND:
            where = f"container {target.container!r} of " if target.container else ""
            raise base.FunctionError(
                f"restic is not installed in {where}pod {target.namespace}/{target.pod} "
                f"(exit code 127: {classifying.detail_of(err)}); the container running "
                "restic needs it on its PATH, as Kanister's kanister-tools image has it"
            ) from None
        # Classified on restic's own words (a short key such as "wrong" would mask them), quoted
        # masked.
        kind = classifying.classify(stderr=raw, exit_code=exc.exit_code).kind
        failure = classifying.Failure(kind, classifying.detail_of(err))
        message = classifying.explain(failure, repository=repository.url)
        raise ResticError(message, failure=failure) from None
    except k8s_errors.ApiError as exc:
        raise base.FunctionError(f"Failed to exec restic in pod {target.pod}: {exc}") from None
    return Output(stdout=stdout.close(), stderr=stderr.close())
