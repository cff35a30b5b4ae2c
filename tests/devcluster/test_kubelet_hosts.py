"""Service names resolve inside process pods (no cluster DNS: a hosts file per pod), and what
an exec leaves running in the background stops with its pod."""

from __future__ import annotations

import os
import signal
import time
import uuid
from collections.abc import Callable
from typing import Any

import pytest
from kubernetes import client, stream

DEADLINE = 60


@pytest.fixture
def core(devcluster: Any) -> client.CoreV1Api:
    return client.CoreV1Api(devcluster.api_client)


@pytest.fixture
def ns(core: client.CoreV1Api) -> str:
    name = f"h-{uuid.uuid4().hex[:8]}"
    core.create_namespace({"metadata": {"name": name}})
    return name


def until(check: Callable[[], Any], what: str) -> Any:
    end = time.monotonic() + DEADLINE
    while time.monotonic() < end:
        result = check()
        if result:
            return result
        time.sleep(0.1)  # polling a condition with a deadline
    raise AssertionError(f"{what} did not happen within {DEADLINE}s")


def run_pod(core: client.CoreV1Api, ns: str, name: str) -> None:
    core.create_namespaced_pod(ns, {"metadata": {"name": name}, "spec": {"containers": [
        {"name": "main", "image": "busybox", "command": ["sleep", "3600"]}]}})
    until(lambda: (core.read_namespaced_pod(name, ns).status.phase == "Running"), "pod running")


def execute(core: client.CoreV1Api, ns: str, pod: str, command: list[str]) -> str:
    out: str = stream.stream(core.connect_get_namespaced_pod_exec, pod, ns, command=command,
                             stderr=True, stdin=False, stdout=True, tty=False)
    return out


def resolves(core: client.CoreV1Api, ns: str, pod: str, name: str) -> bool:
    out = execute(core, ns, pod, ["sh", "-c", f"getent hosts {name} || echo MISSING"])
    return "127.0.0.1" in out and "MISSING" not in out


def test_services_resolve_in_pods_as_they_come_and_go(core: client.CoreV1Api, ns: str) -> None:
    run_pod(core, ns, "client")
    name = "repo-server-service-x1"
    fqdn = f"{name}.{ns}.svc.cluster.local"
    assert not resolves(core, ns, "client", fqdn)
    core.create_namespaced_service(ns, {"metadata": {"name": name}, "spec": {
        "ports": [{"port": 51515, "protocol": "TCP"}], "selector": {"name": name}}})
    until(lambda: resolves(core, ns, "client", fqdn), "the new Service resolving")
    for short in (name, f"{name}.{ns}", f"{name}.{ns}.svc"):
        assert resolves(core, ns, "client", short), short
    assert resolves(core, ns, "client", "client")  # the pod's own hostname
    assert resolves(core, ns, "client", "localhost")
    core.delete_namespaced_service(name, ns)
    until(lambda: not resolves(core, ns, "client", fqdn), "the deleted Service disappearing")


def test_a_pod_started_after_a_service_resolves_it_and_other_namespaces(
    core: client.CoreV1Api, ns: str
) -> None:
    other = f"h-{uuid.uuid4().hex[:8]}"
    core.create_namespace({"metadata": {"name": other}})
    core.create_namespaced_service(other, {"metadata": {"name": "db"}, "spec": {
        "ports": [{"port": 5432}], "selector": {"app": "db"}}})
    run_pod(core, ns, "late")
    until(lambda: resolves(core, ns, "late", f"db.{other}.svc.cluster.local"), "db resolving")
    assert not resolves(core, ns, "late", "db")  # a bare name is only for its own namespace


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    try:
        with open(f"/proc/{pid}/stat") as handle:
            return handle.read().split(") ", 1)[1][0] != "Z"
    except OSError:
        return False


def test_background_processes_of_an_exec_end_with_the_pod(
    core: client.CoreV1Api, ns: str
) -> None:
    run_pod(core, ns, "bg")
    out = execute(core, ns, "bg", ["bash", "-c", "sleep 3600 > /dev/null 2>&1 & echo $!"])
    pid = int(out.strip().splitlines()[-1])
    assert _alive(pid)
    core.delete_namespaced_pod("bg", ns, grace_period_seconds=0)
    try:
        until(lambda: not _alive(pid), "the background process ending")
    finally:
        if _alive(pid):
            os.kill(pid, signal.SIGKILL)  # only the process this test started
