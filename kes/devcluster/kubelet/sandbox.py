"""Per-pod mount namespaces with bubblewrap.

Every container process (and every exec) runs under `bwrap` so that volumes appear at their
mountPaths without touching the host: the sandbox root is a fresh tmpfs into which the host's
top-level entries are bound, so a mountPath such as `/data` is created inside the tmpfs, never on
the host. Two pods can therefore both mount `/data`. Where bwrap cannot run (not installed, no
mount namespaces) the probe says why: like a node whose container runtime is down, the kubelet
keeps pods Pending with that reason and probes again with a back-off (`Availability`) until
bubblewrap works, instead of writing to the host path.
"""

from __future__ import annotations

import asyncio
import dataclasses
import os
import pathlib
import shutil
import subprocess
import time
from collections.abc import Callable, Sequence

BWRAP = "bwrap"
_DEBIAN_BWRAP = "/usr/bin/bwrap"

# Top-level entries that get their own kind of mount instead of a plain bind.
_SPECIAL = {"proc": ("--proc", "/proc"), "dev": ("--dev", "/dev")}


@dataclasses.dataclass(frozen=True)
class Mount:
    """A host directory or file that appears at `target` inside the pod."""

    source: pathlib.Path
    target: str
    read_only: bool = False


class SandboxUnavailableError(Exception):
    """bubblewrap is missing or cannot create a mount namespace on this machine."""


def find_bwrap() -> str | None:
    """The bwrap binary: `KES_DEVCLUSTER_BWRAP` if set, else from PATH, else Debian's path."""
    override = os.environ.get("KES_DEVCLUSTER_BWRAP")
    if override:
        return shutil.which(override)
    found = shutil.which(BWRAP)
    if found is None and os.path.exists(_DEBIAN_BWRAP):
        found = _DEBIAN_BWRAP
    return found


def probe() -> str | None:
    """Return None when a sandbox can be made here, else a sentence saying why not."""
    binary = find_bwrap()
    if binary is None:
        return "bubblewrap (bwrap) is not installed; pods need it for their mount namespaces."
    argv = [binary, *root_args(), "--", "true"]
    try:
        done = subprocess.run(argv, capture_output=True, timeout=10, check=False)  # noqa: S603
    except (OSError, subprocess.TimeoutExpired) as exc:
        return f"bubblewrap cannot run here: {exc}."
    if done.returncode != 0:
        reason = done.stderr.decode(errors="replace").strip() or f"exit code {done.returncode}"
        return f"bubblewrap cannot create a mount namespace here: {reason}."
    return None


class Availability:
    """Whether pods can get a sandbox now, shared by the node and its pod workers.

    A working sandbox stays working (a later failure is the start error of one container);
    while it is not, callers ask again and the probe runs at most once per `min_interval`."""

    def __init__(self, *, prober: Callable[[], str | None] = probe,
                 min_interval: float = 0.5) -> None:
        self._prober = prober
        self._min_interval = min_interval
        self._checked_at: float | None = None
        self._lock = asyncio.Lock()
        self.problem: str | None = None

    async def check(self) -> str | None:
        """None when sandboxes can be made, else why not (probing again if due)."""
        async with self._lock:
            if self._checked_at is not None and (
                    self.problem is None
                    or time.monotonic() - self._checked_at < self._min_interval):
                return self.problem
            self.problem = await asyncio.to_thread(self._prober)
            self._checked_at = time.monotonic()
            return self.problem


def root_args(
    *, host_root: pathlib.Path = pathlib.Path("/"), expand: frozenset[str] = frozenset()
) -> list[str]:
    """A tmpfs root holding binds of the host's top-level entries (symlinks kept as symlinks).

    Directories named in `expand` are not bound whole: they become tmpfs directories holding
    binds of their entries, so that a missing mountPath below them is created in the sandbox
    rather than on the host.
    """
    args = ["--tmpfs", "/"]
    _populate(args=args, host_dir=host_root, target="", expand=expand)
    return args


def _populate(*, args: list[str], host_dir: pathlib.Path, target: str,
              expand: frozenset[str]) -> None:
    for entry in sorted(host_dir.iterdir()):
        path = f"{target}/{entry.name}"
        if not target and entry.name in _SPECIAL:
            args.extend(_SPECIAL[entry.name])
        elif entry.is_symlink():
            args.extend(["--symlink", os.readlink(entry), path])
        elif entry.is_dir() and path in expand:
            args.extend(["--dir", path])
            _populate(args=args, host_dir=entry, target=path, expand=expand)
        else:
            args.extend(["--bind", str(entry), path])


def placement(targets: list[str]) -> tuple[list[str], frozenset[str]]:
    """Mount targets with host symlinks resolved, and the host directories to expand.

    A target that does not exist on the host needs its deepest existing ancestor expanded
    (and that ancestor's ancestors), so that bwrap creates the mount point in tmpfs.
    """
    resolved, expand = [], set()
    for target in targets:
        parts = pathlib.PurePosixPath(target).parts[1:]
        existing = pathlib.Path("/")
        index = 0
        while index < len(parts) and (existing / parts[index]).exists():
            existing = existing / parts[index]
            index += 1
        real = pathlib.Path(os.path.realpath(existing))
        full = real.joinpath(*parts[index:])
        resolved.append(str(full))
        if index < len(parts) and real.parts[1:2] not in (("proc",), ("dev",)):
            for depth in range(1, len(real.parts)):
                expand.add("/" + "/".join(real.parts[1:depth + 1]))
    return resolved, frozenset(expand)


def parent_dirs(target: str, *, made: set[str]) -> list[str]:
    """`--dir` for each missing parent of a mount point, outermost first (recorded in `made`).

    bwrap makes a mount point's missing parents 0700, which only root may enter; a container
    runtime makes them 0755, so that a pod running as `postgres` reaches a volume mounted at
    `/bitnami/postgresql`. `--dir` makes them 0755."""
    args: list[str] = []
    for parent in reversed(pathlib.PurePosixPath(target).parents):
        text = str(parent)
        if text == "/" or text in made or os.path.lexists(text):
            continue
        made.add(text)
        args.extend(["--dir", text])
    return args


def command(
    *, argv: list[str], mounts: list[Mount], working_dir: str | None = None,
    bwrap_args: Sequence[str] = (), argv_prefix: Sequence[str] = (),
) -> list[str]:
    """The full bwrap argv that runs `argv` with `mounts` layered on the host root.

    The process starts in `working_dir`, else in `/` as a container does. `bwrap_args` and
    `argv_prefix` say how it becomes the container's user (security.Launch)."""
    binary = find_bwrap()
    if binary is None:
        raise SandboxUnavailableError("bubblewrap (bwrap) is not installed.")
    targets, expand = placement([m.target for m in mounts])
    args = [binary, *root_args(expand=expand), "--die-with-parent", *bwrap_args]
    # Shorter targets first, so a mount inside another volume lands on top of it.
    made: set[str] = set()
    for mount, target in sorted(zip(mounts, targets, strict=True),
                                key=lambda pair: pair[1].count("/")):
        flag = "--ro-bind" if mount.read_only else "--bind"
        args.extend(parent_dirs(target, made=made))
        args.extend([flag, str(mount.source), target])
    args.extend(["--chdir", working_dir or "/"])
    args.append("--")
    args.extend(argv_prefix)
    args.extend(argv)
    return args
