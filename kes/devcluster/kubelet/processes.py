"""One container attempt as a local process inside the pod's sandbox.

The process gets its own session so that SIGTERM and SIGKILL reach everything it started (a
`sh -c` and its children), and bwrap's `--die-with-parent` ends it if the server dies. A container
without `command` and `args` runs nothing and simply stays up, as a `sleep infinity` image would.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import shutil
import signal
from typing import Any

from kes.devcluster.kubelet import logs as logs_mod

_CHUNK = 65536


def exit_code(returncode: int) -> int:
    """Shell convention: death by signal N is 128 + N."""
    return 128 - returncode if returncode < 0 else returncode


def argv_of(container: dict[str, Any]) -> list[str] | None:
    """What to run; None when the image's entrypoint would have been used."""
    argv = [*(container.get("command") or []), *(container.get("args") or [])]
    return [str(part) for part in argv] or None


def missing_executable(*, argv: list[str], search_path: str) -> str | None:
    """The runtime's message when `argv[0]` cannot be found, else None.

    The sandbox's root is the host's, so a lookup on the host in `search_path` (the container's
    PATH with the helper directories mapped to their host sources) is the container's; paths
    only a volume provides cannot be checked here and are left to the exec itself."""
    program = argv[0]
    if "/" in program:
        return None
    if shutil.which(program, path=search_path or os.defpath) is not None:
        return None
    return f'exec: "{program}": executable file not found in $PATH'


class Attempt:
    """A running (or idle) container attempt whose output goes to its log."""

    def __init__(self, *, log: logs_mod.ContainerLog) -> None:
        self._log = log
        self._process: asyncio.subprocess.Process | None = None
        self._pumps: list[asyncio.Task[None]] = []
        self._stopped = asyncio.Event()

    @property
    def pid(self) -> int | None:
        return self._process.pid if self._process else None

    async def start(self, *, argv: list[str] | None, env: dict[str, str]) -> None:
        """Spawn `argv` (already wrapped in bwrap), or nothing for an idle container."""
        if argv is None:
            return
        self._process = await asyncio.create_subprocess_exec(
            *argv,
            stdin=asyncio.subprocess.DEVNULL,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
            env=env,
            start_new_session=True,
        )
        assert self._process.stdout is not None and self._process.stderr is not None
        self._pumps = [
            asyncio.create_task(self._pump(stream="stdout", reader=self._process.stdout)),
            asyncio.create_task(self._pump(stream="stderr", reader=self._process.stderr)),
        ]

    async def _pump(self, *, stream: str, reader: asyncio.StreamReader) -> None:
        while chunk := await reader.read(_CHUNK):
            await self._log.write(stream=stream, data=chunk)

    async def wait(self) -> int:
        """The exit code once the attempt is over (0 for an idle container that was stopped)."""
        if self._process is None:
            await self._stopped.wait()
            await self._log.end()
            return 0
        returncode = await self._process.wait()
        await asyncio.gather(*self._pumps, return_exceptions=True)
        await self._log.end()
        return exit_code(returncode)

    async def stop(self, *, grace: float) -> None:
        """SIGTERM to the whole session, then SIGKILL once `grace` seconds have passed."""
        self._stopped.set()
        process = self._process
        if process is None or process.returncode is not None:
            return
        try:
            # bwrap itself is spared SIGTERM: its death would SIGKILL the sandbox at once
            # (--die-with-parent), cutting the grace period short.
            self._signal(signal.SIGTERM, spare_leader=True)
            await asyncio.wait_for(process.wait(), timeout=max(grace, 0))
        except TimeoutError:
            pass
        finally:
            # Whatever cut the graceful part short (its time, an error, a cancellation), the
            # processes do not outlive the stop.
            if process.returncode is None:
                self._signal(signal.SIGKILL)
        await process.wait()

    def _signal(self, signum: int, *, spare_leader: bool = False) -> None:
        assert self._process is not None
        leader = self._process.pid
        if not spare_leader:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(leader, signum)
            return
        members = [pid for pid in session_members(leader) if pid != leader]
        if not members:
            # Still setting up the sandbox: nothing runs yet that could shut down gracefully.
            members = [leader]
        for pid in members:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.kill(pid, signum)


def session_members(sid: int) -> list[int]:
    """Processes whose session id is `sid` (from /proc; field 6 of stat)."""
    members = []
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            with open(f"/proc/{entry.name}/stat", encoding="ascii", errors="replace") as handle:
                stat = handle.read()
        except OSError:
            continue
        # The command name may hold spaces; fields after the closing parenthesis are fixed.
        fields = stat[stat.rfind(")") + 2:].split()
        if len(fields) > 3 and fields[3] == str(sid):
            members.append(int(entry.name))
    return members
