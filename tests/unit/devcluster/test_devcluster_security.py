"""securityContext rules of the process kubelet (kes.devcluster.kubelet.security), without pods.

Who a container runs as, how a root and a non-root kubelet start it, and fsGroup ownership of a
volume directory. The end-to-end proof (real processes, PostgreSQL) is in
tests/devcluster/test_kubelet_security.py.
"""

from __future__ import annotations

import os
import pathlib
import stat
from typing import Any

import pytest

from kes.devcluster.kubelet import security


def _pod(context: dict[str, Any] | None = None, **meta: str) -> dict[str, Any]:
    return {"metadata": {"name": "p", "namespace": "ns", "uid": "u1", **meta},
            "spec": {"securityContext": context or {}}}


def test_nothing_asked_runs_as_the_kubelet() -> None:
    assert security.identity(pod=_pod(), container={"name": "c"}) is None


def test_unknown_uid_gets_group_zero_and_home_root() -> None:
    who = security.identity(pod=_pod({"runAsUser": 54321}), container={"name": "c"})
    assert who == security.Identity(uid=54321, gid=0, groups=(0,), home="/")


def test_container_overrides_the_pod_and_groups_are_merged_in_order() -> None:
    pod = _pod({"runAsUser": 54321, "runAsGroup": 2000, "fsGroup": 3000,
                "supplementalGroups": [4000, 3000]})
    who = security.identity(pod=pod, container={"name": "c",
                                                "securityContext": {"runAsUser": 54322}})
    assert who is not None
    assert (who.uid, who.gid, who.groups) == (54322, 2000, (2000, 3000, 4000))


@pytest.mark.parametrize(("context", "message"), [
    pytest.param({"runAsNonRoot": True, "runAsUser": 0},
                 "container's runAsUser breaks non-root policy "
                 '(pod: "p_ns(u1)", container: c)', id="root-user"),
    pytest.param({"runAsNonRoot": True},
                 'container has runAsNonRoot and image will run as root (pod: "p_ns(u1)", '
                 "container: c)", id="image-user-root"),
])
def test_run_as_non_root_uses_the_kubelets_words(context: dict[str, Any], message: str) -> None:
    if "runAsUser" not in context and os.getuid() != 0:
        pytest.skip("the image user is the kubelet's, which is not root here")
    with pytest.raises(security.RunAsError) as info:
        security.identity(pod=_pod(context), container={"name": "c"})
    assert str(info.value) == message


def test_a_root_kubelet_switches_inside_the_sandbox(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(os, "geteuid", lambda: 0)
    who = security.Identity(uid=101, gid=104, groups=(104, 110), home="/var/lib/postgresql")
    launch = security.launch(who=who, switcher=("py", "-I", "-S", "/.kes/switchuser.py"),
                             container="db")
    assert launch.argv_prefix == ("py", "-I", "-S", "/.kes/switchuser.py", "101", "104",
                                  "104,110", "--")
    assert launch.bwrap_args == ()
    assert launch.warning is None


def test_a_kubelet_that_is_not_root_maps_the_user_and_says_so(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(os, "geteuid", lambda: 1000)
    monkeypatch.setattr(os, "getuid", lambda: 1000)
    monkeypatch.setattr(os, "getgid", lambda: 1000)
    who = security.Identity(uid=101, gid=104, groups=(104,), home="/")
    launch = security.launch(who=who, switcher=("py",), container="db")
    assert launch.bwrap_args == ("--unshare-user", "--uid", "101", "--gid", "104")
    assert launch.argv_prefix == ()
    assert launch.warning is not None and launch.warning.startswith(
        'The kes kubelet runs as uid 1000, not root, so it cannot switch users: container "db" '
        "runs as uid 101 and gid 104 inside a user namespace only")
    same = security.Identity(uid=1000, gid=1000, groups=(1000, 5), home="/")
    assert security.launch(who=same, switcher=("py",), container="db") == security.Launch()


def test_fs_group_owns_a_volume_with_setgid_directories(tmp_path: pathlib.Path) -> None:
    root = tmp_path / "vol"
    (root / "sub").mkdir(parents=True)
    (root / "sub" / "file").write_text("x")
    (root / "sub" / "file").chmod(0o600)
    gid = os.getgid()
    security.own_volume(root, gid=gid, read_only=False, on_mismatch=False)
    sub = (root / "sub").stat()
    assert sub.st_gid == gid and sub.st_mode & stat.S_ISGID
    assert stat.S_IMODE((root / "sub" / "file").stat().st_mode) == 0o660
    # OnRootMismatch: a root already right is left alone, files below included.
    (root / "sub" / "file").chmod(0o600)
    security.own_volume(root, gid=gid, read_only=False, on_mismatch=True)
    assert stat.S_IMODE((root / "sub" / "file").stat().st_mode) == 0o600
    security.own_volume(root, gid=gid, read_only=True, on_mismatch=False)
    assert stat.S_IMODE((root / "sub" / "file").stat().st_mode) == 0o640
