"""kopia commands run in the repository server's pod, each recorded in the server's log.

A command goes through the exec API as `commands.exec_argv` shapes it: the argv holds no
secret, the values arrive on stdin. Each run is recorded (`KopiaCommandRan`) with Kanister's
redacted command line, its duration and, when it failed, the tail of its output masked against
every secret the controller read.
"""

from __future__ import annotations

import dataclasses
import threading
import time
from collections.abc import Callable

from kes.adapters.k8s import client, podexec, pods, waiting
from kes.adapters.k8s import errors as k8s_errors
from kes.adapters.kopia import commands
from kes.adapters.kopia import errors as kopia_errors
from kes.domain import masking

Recorder = Callable[[str, str, bool, float, str], None]  # step, command, ok, seconds, detail


class CommandFailedError(Exception):
    """A kopia command exited non-zero (or could not run); masked text only."""

    def __init__(self, message: str, *, stderr: str, error_class: kopia_errors.ErrorClass):
        super().__init__(message)
        self.stderr = stderr
        self.error_class = error_class


@dataclasses.dataclass(frozen=True)
class Outcome:
    stdout: str
    stderr: str
    seconds: float


@dataclasses.dataclass
class PodKopia:
    """Runs commands in one container and reports each to `record`."""

    api: client.Api
    namespace: str
    pod: str
    container: str
    record: Recorder
    secrets: list[str | bytes]
    cancel: threading.Event = dataclasses.field(default_factory=threading.Event)

    def mask(self, text: str) -> str:
        masked: str = masking.mask(text, secrets=self.secrets)
        return masked

    def run(
        self, step: str, cmd: commands.Command, *, background: bool = False,
        logged: str | None = None, record: bool = True,
    ) -> Outcome:
        """Run `cmd`; raise `CommandFailedError` (after recording it) when it fails."""
        argv, stdin = commands.exec_argv(cmd.invocation(), background=background)
        shown = logged or (commands.kanister_background_logged(cmd) if background
                           else cmd.logged())
        started = time.monotonic()
        try:
            result = podexec.run(
                self.api,
                namespace=self.namespace, pod=self.pod, container=self.container,
                command=argv, stdin=stdin, cancel=self.cancel,
            )
        except podexec.ExecError as exc:
            seconds = time.monotonic() - started
            stderr = exc.stderr.decode("utf-8", errors="replace")
            text = self.mask(str(exc))
            if record:
                self.record(step, shown, False, seconds, self.mask(pods.tail_text(exc.stderr)))
            raise CommandFailedError(
                text, stderr=self.mask(stderr),
                error_class=kopia_errors.classify(stderr, str(exc)),
            ) from None
        except (waiting.WaitCancelledError, k8s_errors.ApiError) as exc:
            seconds = time.monotonic() - started
            text = self.mask(str(exc))
            if record:
                self.record(step, shown, False, seconds, text)
            raise CommandFailedError(
                text, stderr="", error_class=kopia_errors.ErrorClass.UNKNOWN
            ) from None
        seconds = time.monotonic() - started
        if record:
            self.record(step, shown, True, seconds, "")
        return Outcome(stdout=result.stdout.decode("utf-8", errors="replace"),
                       stderr=result.stderr.decode("utf-8", errors="replace"), seconds=seconds)

    def write_file(self, step: str, *, path: str, content: str) -> None:
        """Kanister's PodWriter: `content` into `path` in the container (via stdin)."""
        started = time.monotonic()
        try:
            podexec.run(
                self.api,
                namespace=self.namespace, pod=self.pod, container=self.container,
                command=["sh", "-c", 'cat > "$0"', path], stdin=content.encode(),
                cancel=self.cancel,
            )
        except k8s_errors.ApiError as exc:
            text = self.mask(str(exc))
            self.record(step, f"write {path}", False, time.monotonic() - started, text)
            raise CommandFailedError(
                text, stderr="", error_class=kopia_errors.ErrorClass.UNKNOWN
            ) from None
        self.record(step, f"write {path}", True, time.monotonic() - started, "")
