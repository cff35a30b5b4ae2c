"""A pod's securityContext on this node: the user its processes run as, who owns its volumes.

`runAsUser`, `runAsGroup`, `fsGroup`, `supplementalGroups` (pod level, the container's own
runAsUser/runAsGroup overriding) and `runAsNonRoot` are honoured as a kubelet with containerd
honours them, the host's /etc/passwd and /etc/group standing in for the image's:

- without runAsUser a container runs as the kubelet's own user (the "image user");
- runAsGroup defaults to the user's primary group (0 for a uid the host does not know);
- the supplementary groups are that gid, the user's groups in /etc/group (unless
  `supplementalGroupsPolicy: Strict`), fsGroup and supplementalGroups;
- HOME is the user's home directory, or `/`.

A root kubelet switches for real, after the sandbox's mounts are made (`switchuser.py`). A
kubelet that is not root cannot: it maps the requested uid and gid in a user namespace (the
process sees them; on the host its files belong to the kubelet's user), applies no groups, and
says so with a Warning Event (`UserNotSwitched`).

fsGroup makes emptyDir, PVC, secret, configMap, downwardAPI and projected volumes group-owned
and group-accessible with setgid directories, as the kubelet's SetVolumeOwnership does
(`fsGroupChangePolicy: OnRootMismatch` skips a volume whose root is already right).
"""

from __future__ import annotations

import contextlib
import dataclasses
import grp
import os
import pathlib
import pwd
import stat
from typing import Any

NOT_SWITCHED = "UserNotSwitched"
_RW, _RO, _EXEC = 0o660, 0o440, 0o110


class RunAsError(Exception):
    """The container's user breaks its runAsNonRoot policy (the kubelet's wording)."""


@dataclasses.dataclass(frozen=True)
class Identity:
    """Who a container's processes are."""

    uid: int
    gid: int
    groups: tuple[int, ...]
    home: str


@dataclasses.dataclass(frozen=True)
class Launch:
    """How the sandbox starts a process as an identity: extra bwrap arguments, and a command
    that runs before the program (empty when nothing changes)."""

    bwrap_args: tuple[str, ...] = ()
    argv_prefix: tuple[str, ...] = ()
    warning: str | None = None


def _contexts(pod: dict[str, Any], container: dict[str, Any]) -> tuple[dict[str, Any],
                                                                      dict[str, Any]]:
    spec = pod.get("spec") or {}
    return spec.get("securityContext") or {}, container.get("securityContext") or {}


def _pod_format(pod: dict[str, Any]) -> str:
    meta = pod.get("metadata") or {}
    return f'"{meta.get("name")}_{meta.get("namespace", "default")}({meta.get("uid")})"'


def _check_non_root(*, pod: dict[str, Any], container: dict[str, Any], run_as: int | None,
                    non_root: bool) -> None:
    if not non_root:
        return
    where = f"(pod: {_pod_format(pod)}, container: {container.get('name')})"
    if run_as == 0:
        raise RunAsError(f"container's runAsUser breaks non-root policy {where}")
    if run_as is None and os.getuid() == 0:
        raise RunAsError(f"container has runAsNonRoot and image will run as root {where}")


def identity(*, pod: dict[str, Any], container: dict[str, Any]) -> Identity | None:
    """The identity `container` of `pod` runs as; None when nothing asks for one (it runs as
    the kubelet). Raises RunAsError when runAsNonRoot forbids the user."""
    pod_context, own = _contexts(pod, container)
    run_as = own.get("runAsUser", pod_context.get("runAsUser"))
    run_as_group = own.get("runAsGroup", pod_context.get("runAsGroup"))
    non_root = bool(own.get("runAsNonRoot", pod_context.get("runAsNonRoot")))
    _check_non_root(pod=pod, container=container, run_as=run_as, non_root=non_root)
    fs_group = pod_context.get("fsGroup")
    supplemental = [int(g) for g in pod_context.get("supplementalGroups") or []]
    if run_as is None and run_as_group is None and fs_group is None and not supplemental:
        return None
    uid = int(run_as) if run_as is not None else os.getuid()
    try:
        entry: pwd.struct_passwd | None = pwd.getpwuid(uid)
    except KeyError:
        entry = None
    if run_as_group is not None:
        gid = int(run_as_group)
    elif run_as is None:
        gid = os.getgid()
    else:
        gid = entry.pw_gid if entry is not None else 0
    groups = [gid]
    if entry is not None and pod_context.get("supplementalGroupsPolicy") != "Strict":
        groups += [g.gr_gid for g in grp.getgrall() if entry.pw_name in g.gr_mem]
    if fs_group is not None:
        groups.append(int(fs_group))
    groups += supplemental
    if run_as is None:
        home = os.environ.get("HOME", "/")
    else:
        home = entry.pw_dir if entry is not None else "/"
    return Identity(uid=uid, gid=gid, groups=tuple(dict.fromkeys(groups)), home=home)


def launch(*, who: Identity | None, switcher: tuple[str, ...], container: str) -> Launch:
    """How to start `container`'s processes as `who`, from a kubelet running as itself."""
    if who is None:
        return Launch()
    if os.geteuid() == 0:
        groups = ",".join(str(g) for g in who.groups)
        return Launch(argv_prefix=(*switcher, str(who.uid), str(who.gid), groups, "--"))
    own = os.getuid()
    if (who.uid, who.gid) == (own, os.getgid()):
        return Launch()
    warning = (f"The kes kubelet runs as uid {own}, not root, so it cannot switch users: "
               f'container "{container}" runs as uid {who.uid} and gid {who.gid} inside a user '
               f"namespace only (its files belong to uid {own} on this machine); fsGroup and "
               "supplementalGroups are not applied.")
    return Launch(bwrap_args=("--unshare-user", "--uid", str(who.uid), "--gid", str(who.gid)),
                  warning=warning)


def fs_group(pod: dict[str, Any]) -> tuple[int | None, bool]:
    """The pod's fsGroup, and whether only a volume whose root differs is changed."""
    context = (pod.get("spec") or {}).get("securityContext") or {}
    group = context.get("fsGroup")
    on_mismatch = context.get("fsGroupChangePolicy") == "OnRootMismatch"
    return (int(group) if group is not None else None), on_mismatch


def _needs_change(root: pathlib.Path, *, gid: int, read_only: bool) -> bool:
    info = root.stat()
    wanted = (_RO if read_only else _RW) | _EXEC
    return (info.st_gid != gid or not stat.S_ISDIR(info.st_mode)
            or info.st_mode & wanted != wanted or not info.st_mode & stat.S_ISGID)


def _change(path: pathlib.Path, *, gid: int, read_only: bool) -> None:
    with contextlib.suppress(OSError):  # the kubelet logs and goes on; so do we
        os.lchown(path, -1, gid)
    info = path.lstat()
    if stat.S_ISLNK(info.st_mode):
        return
    mask = _RO if read_only else _RW
    if stat.S_ISDIR(info.st_mode):
        mask |= stat.S_ISGID | _EXEC
    with contextlib.suppress(OSError):
        path.chmod(stat.S_IMODE(info.st_mode) | mask)


def own_volume(root: pathlib.Path, *, gid: int, read_only: bool, on_mismatch: bool) -> None:
    """SetVolumeOwnership: every file under `root` (itself included) in group `gid`,
    group-readable (and writable unless read-only), directories setgid."""
    if on_mismatch and not _needs_change(root, gid=gid, read_only=read_only):
        return
    _change(root, gid=gid, read_only=read_only)
    for directory, subdirectories, files in os.walk(root):
        for name in [*subdirectories, *files]:
            _change(pathlib.Path(directory, name), gid=gid, read_only=read_only)
