"""The Go programs of the control plane as child processes: found, started, stopped.

The programs are built by `make tools` into the project's tools dir (`KES_TOOLS_DIR/bin`,
first on PATH under make). Each child gets the parent-death signal, so a supervisor killed
with SIGKILL (a crashed test run) does not leave an API server and etcd behind. Stopping is
SIGTERM, then SIGKILL after a grace period; the API server is stopped before etcd, whose
absence would otherwise keep it retrying.
"""

from __future__ import annotations

import asyncio
import contextlib
import ctypes
import logging
import os
import pathlib
import shutil
import signal

logger = logging.getLogger(__name__)

PROGRAMS = ("etcd", "kube-apiserver", "kube-controller-manager", "kube-scheduler")
_PR_SET_PDEATHSIG = 1


class MissingProgramError(Exception):
    """A program of the control plane is not built."""


def find(program: str) -> pathlib.Path:
    """The path of `program`: the tools dir first, then PATH."""
    tools = os.environ.get("KES_TOOLS_DIR")
    if tools and (pathlib.Path(tools) / "bin" / program).is_file():
        return pathlib.Path(tools) / "bin" / program
    found = shutil.which(program)
    if found is None:
        raise MissingProgramError(
            f"{program} is not installed: `make tools` builds Kubernetes' control plane and "
            "etcd from their Go modules into the project's tools dir (KES_TOOLS_DIR/bin).")
    return pathlib.Path(found)


def missing() -> list[str]:
    """The control plane programs that cannot be found."""
    out = []
    for program in PROGRAMS:
        try:
            find(program)
        except MissingProgramError:
            out.append(program)
    return out


def _die_with_parent() -> None:  # pragma: no cover - runs in the child between fork and exec
    libc = ctypes.CDLL(None, use_errno=True)
    libc.prctl(_PR_SET_PDEATHSIG, signal.SIGTERM)


class Component:
    """One program of the control plane, its arguments and its log file."""

    def __init__(self, *, program: str, argv: list[str], log: pathlib.Path) -> None:
        self.program = program
        self.argv = argv
        self.log = log
        self.process: asyncio.subprocess.Process | None = None

    async def start(self) -> None:
        binary = find(self.program)
        self.log.parent.mkdir(parents=True, exist_ok=True)
        with self.log.open("ab") as log:
            # A program we built, with arguments we composed (paths and port numbers).
            self.process = await asyncio.create_subprocess_exec(
                str(binary), *self.argv, stdin=asyncio.subprocess.DEVNULL, stdout=log,
                stderr=asyncio.subprocess.STDOUT, preexec_fn=_die_with_parent)
        logger.info("Started %s (pid %d).", self.program, self.process.pid)

    def exited(self) -> int | None:
        """The exit status once the program has ended, else None."""
        return None if self.process is None else self.process.returncode

    def tail(self, *, lines: int = 20) -> str:
        """The end of the program's log, for an error message."""
        try:
            text = self.log.read_text(errors="replace")
        except OSError:
            return ""
        return "\n".join(text.splitlines()[-lines:])

    async def stop(self, *, grace: float = 10.0) -> None:
        process = self.process
        if process is None or process.returncode is not None:
            return
        with contextlib.suppress(ProcessLookupError):
            process.terminate()
        try:
            await asyncio.wait_for(process.wait(), grace)
        except TimeoutError:
            logger.warning("%s did not stop within %.0f s; killing it.", self.program, grace)
            with contextlib.suppress(ProcessLookupError):
                process.kill()
            await process.wait()
