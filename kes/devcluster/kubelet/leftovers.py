"""Processes a pod leaves behind: what a container runtime's cgroup would kill with it.

A command run through exec may start a background process (Kanister's `kopia server start ...
&`); on a real node it dies with its container. Here it would outlive the pod, so every process
of a pod (containers and execs) carries the pod's uid in its environment, and stopping the pod
ends every process that still carries it.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal

MARKER = "KES_DEVCLUSTER_POD_UID"


def marked(uid: str) -> list[int]:
    """Pids of this user's processes whose initial environment names the pod."""
    needle = f"{MARKER}={uid}".encode()
    found = []
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit() or int(entry.name) == os.getpid():
            continue
        try:
            with open(f"/proc/{entry.name}/environ", "rb") as handle:
                environ = handle.read()
        except OSError:
            continue
        if needle in environ.split(b"\0"):
            found.append(int(entry.name))
    return found


async def end(uid: str, *, grace: float) -> None:
    """SIGTERM the pod's remaining processes, SIGKILL those still there after `grace`."""
    pids = await asyncio.to_thread(marked, uid)
    if not pids:
        return
    for pid in pids:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.kill(pid, signal.SIGTERM)
    deadline = asyncio.get_running_loop().time() + max(grace, 0.0)
    while pids and asyncio.get_running_loop().time() < deadline:
        await asyncio.sleep(0.05)
        pids = await asyncio.to_thread(marked, uid)
    for pid in pids:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.kill(pid, signal.SIGKILL)
