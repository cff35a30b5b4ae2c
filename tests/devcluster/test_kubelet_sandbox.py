"""The process kubelet's sandbox: kes's helpers whatever a pod mounts, the project's tools on
PATH, and pods that wait (not fail) while bubblewrap is missing."""

from __future__ import annotations

import os
import pathlib
import shutil
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from devcluster_harness import DevCluster, start_devcluster, stop_devcluster
from kubernetes import client, watch

DEADLINE = 60
ROOT = pathlib.Path(__file__).resolve().parents[2]
# Hiding these would hide `sh` itself: a pod that mounts over them has no shell anyway.
_SYSTEM = {"/", "/usr", "/bin", "/lib", "/lib64", "/etc", "/sbin", "/proc", "/dev"}


@pytest.fixture
def core(devcluster: DevCluster) -> client.CoreV1Api:
    return client.CoreV1Api(devcluster.api_client)


@pytest.fixture
def ns(core: client.CoreV1Api) -> str:
    name = f"s-{uuid.uuid4().hex[:8]}"
    core.create_namespace({"metadata": {"name": name}})
    return name


def wait_pod(core: client.CoreV1Api, ns: str, name: str,
             predicate: Callable[[dict[str, Any]], bool]) -> dict[str, Any]:
    end = time.monotonic() + DEADLINE
    last: dict[str, Any] = {}
    while time.monotonic() < end:
        w = watch.Watch()
        for event in w.stream(core.list_namespaced_pod, ns,
                              field_selector=f"metadata.name={name}", timeout_seconds=5):
            last = event["raw_object"]
            if predicate(last):
                w.stop()
                return last
    raise AssertionError(f"pod {name} never matched; last: {last.get('status')}")


def finished(pod: dict[str, Any]) -> bool:
    return (pod.get("status") or {}).get("phase") in ("Succeeded", "Failed")


def log_of(core: client.CoreV1Api, name: str, ns: str, container: str = "main") -> str:
    text: str = core.read_namespaced_pod_log(name, ns, container=container,
                                             _preload_content=False).data.decode()
    return text


def _top(path: str) -> str:
    return "/" + pathlib.PurePosixPath(os.path.realpath(path)).parts[1]


def _hiding_mounts() -> list[str]:
    """Top-level directories holding kes's install (venv, source, base Python), and /tmp."""
    import kes

    places = {sys.prefix, sys.base_prefix, str(pathlib.Path(kes.__file__).parent)}
    return sorted({"/tmp"} | {_top(p) for p in places} - _SYSTEM)


def test_helpers_resolve_whatever_the_pod_mounts(core: client.CoreV1Api, ns: str) -> None:
    hidden = _hiding_mounts()
    volumes = [{"name": f"v{i}", "emptyDir": {}} for i in range(len(hidden))]
    mounts = [{"name": f"v{i}", "mountPath": path} for i, path in enumerate(hidden)]
    script = ("command -v kando; kando output greeting hello; "
              "kando --help | head -1; for d in " + " ".join(hidden) + "; do ls -A $d; done"
              " | grep -c . || true")
    core.create_namespaced_pod(ns, {"metadata": {"name": "hidden"}, "spec": {
        "restartPolicy": "Never", "volumes": volumes,
        "containers": [{"name": "main", "image": "busybox", "command": ["sh", "-c", script],
                        "volumeMounts": mounts},
                       # A command that is kando itself: the kubelet finds it before starting.
                       {"name": "direct", "image": "busybox", "volumeMounts": mounts,
                        "command": ["kando", "output", "direct", "yes"]}]}})
    done = wait_pod(core, ns, "hidden", finished)
    assert done["status"]["phase"] == "Succeeded", done["status"]
    lines = log_of(core, "hidden", ns).splitlines()
    assert lines[0] == "/.kes/bin/kando"
    assert lines[1] == '###Phase-output###: {"key":"greeting","value":"hello"}'
    assert lines[2].startswith("Usage: kando")
    assert lines[3] == "0"  # every hidden directory is the pod's empty volume
    assert log_of(core, "hidden", ns, container="direct") == (
        '###Phase-output###: {"key":"direct","value":"yes"}\n')


@pytest.mark.tools("restic", "kopia")
def test_the_projects_tools_are_on_every_pods_path(core: client.CoreV1Api, ns: str) -> None:
    # The session devcluster gets the tools dir from the harness, as `kes dev up` passes it.
    core.create_namespaced_pod(ns, {"metadata": {"name": "tools"}, "spec": {
        "restartPolicy": "Never", "volumes": [{"name": "tmp", "emptyDir": {}}],
        "containers": [{"name": "main", "image": "busybox",
                        "volumeMounts": [{"name": "tmp", "mountPath": "/tmp"}],
                        "command": ["sh", "-c", "command -v restic; command -v kopia; "
                                    "restic version"]}]}})
    done = wait_pod(core, ns, "tools", finished)
    assert done["status"]["phase"] == "Succeeded", done["status"]
    lines = log_of(core, "tools", ns).splitlines()
    assert lines[:2] == ["/.kes/path/0/restic", "/.kes/path/0/kopia"]
    assert lines[2].startswith("restic 0.16.5")


def _kes_dev(cwd: pathlib.Path, *args: str,
             env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "kes.cli", "dev", *args], cwd=cwd,
                          env={**os.environ, "PYTHONPATH": str(ROOT), **env},
                          capture_output=True, text=True, timeout=90, check=False)


def test_kes_dev_up_puts_the_tools_dir_on_pod_path_and_warns_without_bwrap(
    tmp_path: pathlib.Path,
) -> None:
    tools = tmp_path / "tools"
    (tools / "bin").mkdir(parents=True)
    program = tools / "bin" / "kes-fake-tool"
    program.write_text("#!/bin/sh\necho fake tool ran\n")
    program.chmod(0o755)
    env = {"KES_TOOLS_DIR": str(tools), "KES_DEVCLUSTER_BWRAP": str(tmp_path / "no" / "bwrap")}
    data_dir = tmp_path / ".kes" / "dev"
    try:
        up = _kes_dev(tmp_path, "up", "--port", "0", env=env)
        assert up.returncode == 0, up.stderr
        assert up.stderr.startswith("Warning: pods cannot run and stay Pending: container "
                                    "runtime is down: bubblewrap (bwrap) is not installed")
        status = _kes_dev(tmp_path, "status", env=env)
        assert status.returncode == 0
        assert status.stderr.startswith("Warning: pods cannot run and stay Pending: container "
                                        "runtime is down: bubblewrap (bwrap) is not installed")
        api = client.CoreV1Api(_client(data_dir))
        api.create_namespaced_pod("default", {"metadata": {"name": "tool"}, "spec": {
            "restartPolicy": "Never",
            "containers": [{"name": "main", "image": "x", "command": ["kes-fake-tool"]}]}})
        real = shutil.which("bwrap")
        if real is None:
            pytest.skip("bubblewrap is not installed (`make debs` installs it)")
        pending = wait_pod(api, "default", "tool", lambda p: bool(
            (p.get("status") or {}).get("conditions")))
        assert pending["status"]["phase"] == "Pending"
        (tmp_path / "no").mkdir()
        (tmp_path / "no" / "bwrap").symlink_to(real)
        done = wait_pod(api, "default", "tool", finished)
        assert done["status"]["phase"] == "Succeeded", done["status"]
        assert log_of(api, "tool", "default") == "fake tool ran\n"
    finally:
        _kes_dev(tmp_path, "down", env=env)


def _client(data_dir: pathlib.Path) -> Any:
    import kubernetes.config

    configuration = client.Configuration()
    kubernetes.config.load_kube_config(config_file=str(data_dir / "kubeconfig"),
                                       client_configuration=configuration)
    return client.ApiClient(configuration)


@pytest.fixture
def bwrap_later(tmp_path: pathlib.Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[
        tuple[DevCluster, pathlib.Path]]:
    """A devcluster whose bubblewrap is missing until the test links it in."""
    later = tmp_path / "bin" / "bwrap"
    monkeypatch.setenv("KES_DEVCLUSTER_BWRAP", str(later))
    cluster = start_devcluster(tmp_path / "cluster")
    try:
        yield cluster, later
    finally:
        stop_devcluster(cluster)


def test_without_bwrap_a_replicaset_pod_waits_instead_of_failing_in_a_loop(
    bwrap_later: tuple[DevCluster, pathlib.Path],
) -> None:
    cluster, later = bwrap_later
    core = client.CoreV1Api(cluster.api_client)
    client.AppsV1Api(cluster.api_client).create_namespaced_replica_set("default", {
        "metadata": {"name": "web"},
        "spec": {"replicas": 1, "selector": {"matchLabels": {"app": "web"}},
                 "template": {"metadata": {"labels": {"app": "web"}}, "spec": {
                     "containers": [{"name": "main", "image": "x",
                                     "command": ["sh", "-c", "sleep 3600"]}]}}}})
    # Two sandbox failures are two probes a back-off apart: time enough for a loop to show.
    deadline = time.monotonic() + DEADLINE
    failures: list[Any] = []
    while len(failures) < 2 and time.monotonic() < deadline:
        failures = [e for e in core.list_namespaced_event("default").items
                    if e.reason == "FailedCreatePodSandBox"]
    assert len(failures) >= 2, "the kubelet never retried the sandbox"
    assert failures[0].message.startswith("Failed to create pod sandbox: bubblewrap (bwrap) "
                                          "is not installed")
    pods = core.list_namespaced_pod("default", label_selector="app=web").items
    assert len(pods) == 1
    pod = pods[0]
    assert pod.status.phase == "Pending"
    condition = next(c for c in pod.status.conditions if c.type == "PodReadyToStartContainers")
    assert (condition.status, condition.reason) == ("False", "FailedCreatePodSandBox")
    assert condition.message.startswith("bubblewrap (bwrap) is not installed")
    node = core.read_node("kes-devcluster")
    assert node.status.conditions[0].status == "False"
    real = shutil.which("bwrap")
    if real is None:
        pytest.skip("bubblewrap is not installed (`make debs` installs it)")
    later.parent.mkdir()
    later.symlink_to(real)
    running = wait_pod(core, "default", pod.metadata.name,
                       lambda p: (p.get("status") or {}).get("phase") == "Running")
    assert running["metadata"]["uid"] == pod.metadata.uid
    assert len(core.list_namespaced_pod("default", label_selector="app=web").items) == 1
