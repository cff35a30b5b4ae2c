"""Become a pod's user inside its sandbox, then run its command (a kubelet's runAsUser).

Run by the sandbox, as root, as the last step before the container's program:

    python -I -S switchuser.py UID GID GROUPS -- PROGRAM [ARG ...]

GROUPS is a comma-separated list of supplementary group ids (empty for none). The process forks:
the child sets the groups, the gid and the uid, and execs PROGRAM (looked up on PATH); the parent
stays root and waits, exiting with the child's status (128+N for a death by signal N).

Why a parent stays: no container may outlive the kubelet, which bwrap's `--die-with-parent`
ensures with a parent-death signal. The kernel clears that signal when the uid changes, and the
one the child sets again is sent by its parent: bwrap's monitor runs without capabilities and
may not signal another user's process, but this root parent may. So the parent dies with the
sandbox, and the child with the parent. The kubelet signals every process of the container's
session itself, so the parent ignores the polite signals and leaves them to the child.

It imports nothing but the standard library and runs without site-packages, so it works
whatever the pod mounts. When the kubelet had to give its interpreter a library path, the
container's own LD_LIBRARY_PATH is in _KES_LD_LIBRARY_PATH and is put back first (helpers.py).
"""

from __future__ import annotations

import ctypes
import errno
import os
import signal
import sys
import warnings  # noqa: F401  (os.execvp imports it lazily: after the switch it may be unreadable)

_PR_SET_PDEATHSIG = 1
_SAVED_LIBRARY_PATH = "_KES_LD_LIBRARY_PATH"
USAGE = "usage: switchuser.py UID GID GROUPS -- PROGRAM [ARG ...]"


def _become(*, uid: int, gid: int, groups: list[int], guard: int, argv: list[str]) -> None:
    """In the child: drop to the user, die with the guard, exec the program. Never returns."""
    os.setgroups(groups)
    os.setresgid(gid, gid, gid)
    os.setresuid(uid, uid, uid)
    ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_PDEATHSIG, int(signal.SIGKILL), 0, 0, 0)
    if os.getppid() != guard:
        os._exit(137)  # the guard ended before the signal was set: end with it
    try:
        os.execvp(argv[0], argv)  # noqa: S606  (the container's own command, as given)
    except OSError as exc:
        sys.stderr.write(f"{argv[0]}: {exc.strerror}\n")
        sys.stderr.flush()
        os._exit(127 if exc.errno == errno.ENOENT else 126)


def main(argv: list[str]) -> int:
    if len(argv) < 6 or argv[4] != "--":
        sys.stderr.write(USAGE + "\n")
        return 2
    uid, gid = int(argv[1]), int(argv[2])
    groups = [int(group) for group in argv[3].split(",") if group]
    saved = os.environ.pop(_SAVED_LIBRARY_PATH, None)
    if saved:
        os.environ["LD_LIBRARY_PATH"] = saved
    elif saved is not None:
        os.environ.pop("LD_LIBRARY_PATH", None)
    guard = os.getpid()
    child = os.fork()
    if child == 0:
        _become(uid=uid, gid=gid, groups=groups, guard=guard, argv=argv[5:])
    for polite in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP, signal.SIGQUIT):
        signal.signal(polite, signal.SIG_IGN)
    _, status = os.waitpid(child, 0)
    code = os.waitstatus_to_exitcode(status)
    return 128 - code if code < 0 else code


if __name__ == "__main__":
    sys.exit(main(sys.argv))
