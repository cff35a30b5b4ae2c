"""RepositoryServer failure paths with the real kopia, each with Kanister's condition and
reason, and what kes adds: retries when Secrets change, users refreshed while Ready, a lost
kopia process restarted, a controller killed mid-set-up resuming from the log, a restarted
controller re-checking (not restarting) a Ready server, spec changes refused, deletion.

One kopia server at a time (pods share the machine's network): each test has its own
controller and deletes its server before the next test starts.
"""

from __future__ import annotations

import base64
import os
import signal
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import reposerver_harness as rs
from e2e_harness import ControllerProcess, Kube, wait_for

from kes.adapters.kopia import commands, repository
from kes.adapters.kopia import tls as tls_mod

pytestmark = pytest.mark.tools("kopia")


@pytest.fixture
def ctl(devcluster: Any, tmp_path: Path) -> Iterator[ControllerProcess]:
    process = rs.controller(Path(devcluster.kubeconfig), tmp_path)
    process.start()
    try:
        yield process
    finally:
        process.stop()


@pytest.fixture
def name(kube: Kube, namespace: str) -> Iterator[str]:
    server = f"repo-{uuid.uuid4().hex[:6]}"
    yield server
    rs.delete_and_wait(kube, server, namespace)


def condition(status: dict[str, Any], kind: str) -> dict[str, Any]:
    return next(c for c in status.get("conditions") or [] if c["type"] == kind)


def test_wrong_password_fails_the_connect_and_a_fixed_secret_is_retried(
    kube: Kube, namespace: str, name: str, ctl: ControllerProcess, tmp_path: Path
) -> None:
    secrets = rs.filestore_setup(kube, namespace, tmp_path, secret_password="not-the-password")
    kube.apply([rs.repositoryserver(name, namespace)])
    failed = rs.wait_progress(kube, name, namespace, "Failed")
    connected = condition(failed, "RepositoryConnected")
    assert (connected["status"], connected["reason"]) == (
        "False", "KopiaRepositoryConnectionFailed")
    assert connected["message"].startswith(
        "Failed to connect to the backup repository: invalid repository password: ")
    assert "not-the-password" not in str(failed)
    password = next(d for d in secrets if d["metadata"]["name"] == "repository-password")
    password["data"] = {"repo-password": rs.b64(rs.REPO_PASSWORD)}
    kube.apply([password])
    rs.wait_progress(kube, name, namespace, "Ready")
    (retry,) = [e for e in rs.events(ctl.store, name, namespace)
                if type(e).__name__ == "ServerRetryScheduled"]
    assert (retry.attempt, retry.delay_s) == (1, 1.0)
    assert "password" in retry.reason
    requested = [e for e in rs.events(ctl.store, name, namespace)
                 if type(e).__name__ == "ServerSetupRequested"]
    assert [(e.reason, e.attempt) for e in requested] == [("created", 0),
                                                          ("secrets changed", 1)]


def test_a_repository_that_was_never_created(
    kube: Kube, namespace: str, name: str, ctl: ControllerProcess, tmp_path: Path
) -> None:
    rs.filestore_setup(kube, namespace, tmp_path, create_repository=False)
    kube.apply([rs.repositoryserver(name, namespace)])
    failed = rs.wait_progress(kube, name, namespace, "Failed")
    connected = condition(failed, "RepositoryConnected")
    assert (connected["status"], connected["reason"]) == (
        "False", "KopiaRepositoryConnectionFailed")
    assert "Failed to connect to the backup repository: repository not found: " in (
        connected["message"])
    assert [c["type"] for c in failed["conditions"]] == ["ServerSetup", "RepositoryConnected"]


def test_missing_tls_secret_fails_setup_until_it_exists(
    kube: Kube, namespace: str, name: str, ctl: ControllerProcess, tmp_path: Path
) -> None:
    secrets = rs.filestore_setup(kube, namespace, tmp_path, skip=("repository-server-tls",))
    kube.apply([rs.repositoryserver(name, namespace)])
    failed = rs.wait_progress(kube, name, namespace, "Failed")
    setup = condition(failed, "ServerSetup")
    assert (setup["status"], setup["reason"]) == ("False", "KopiaRepositoryServerSetupFailed")
    assert setup["message"] == (
        "Failed to get Kopia API server secrets: Error fetching secret repository-server-tls "
        f'from namespace {namespace}: secrets "repository-server-tls" not found')
    assert "serverInfo" not in failed or not failed["serverInfo"].get("podName")
    kube.apply([d for d in secrets if d["metadata"]["name"] == "repository-server-tls"])
    ready = rs.wait_progress(kube, name, namespace, "Ready")
    assert all(c["status"] == "True" for c in ready["conditions"])


def test_user_access_change_while_ready_refreshes_the_users(
    kube: Kube, namespace: str, name: str, ctl: ControllerProcess, tmp_path: Path
) -> None:
    secrets = rs.filestore_setup(kube, namespace, tmp_path)
    kube.apply([rs.repositoryserver(name, namespace)])
    rs.wait_progress(kube, name, namespace, "Ready")
    users = next(d for d in secrets if d["metadata"]["name"] == "repository-server-user-access")
    users["data"]["client-b"] = rs.b64("second-user-password")
    kube.apply([users])
    initialized = rs.wait_event(ctl.store, name, namespace, "ClientUserInitialized",
                                count=2)[-1]
    assert initialized.users == ["kanisteruser@client-a", "kanisteruser@client-b"]
    rs.wait_event(ctl.store, name, namespace, "ServerReady", count=2)
    requested = [e.reason for e in rs.events(ctl.store, name, namespace)
                 if type(e).__name__ == "ServerSetupRequested"]
    assert requested == ["created", "user access secret changed"]
    starts = [e.started for e in rs.events(ctl.store, name, namespace)
              if type(e).__name__ == "ServerInitialized"]
    assert starts == [True, False]  # the running server was kept, its users reloaded
    status = rs.wait_progress(kube, name, namespace, "Ready")
    _connect_as(kube, namespace, status, host="client-b", password="second-user-password")


def _connect_as(
    kube: Kube, namespace: str, status: dict[str, Any], *, host: str, password: str
) -> None:
    """A client pod connects as kanisteruser@<host> to the Service's cluster name."""
    service = status["serverInfo"]["serviceName"]
    tls = kube.get("secret", "repository-server-tls", namespace) or {}
    fingerprint = tls_mod.fingerprint(base64.b64decode(tls["data"]["tls.crt"]))
    cmd = repository.connect_server(repository.ServerConnectArgs(
        user_password=password, config_file_path="/tmp/client.config",
        log_directory="/tmp/client-log", cache_directory="/tmp/client-cache",
        server_url=f"https://{service}.{namespace}.svc.cluster.local:51515",
        fingerprint=fingerprint, hostname=host, username="kanisteruser"))
    kube.apply([{"apiVersion": "v1", "kind": "Pod",
                 "metadata": {"name": f"client-{host}", "namespace": namespace},
                 "spec": {"containers": [{"name": "c", "image": "kanister-tools",
                                          "command": ["sleep", "3600"],
                                          "volumeMounts": [{"name": "t",
                                                            "mountPath": "/tmp"}]}],
                          "volumes": [{"name": "t", "emptyDir": {}}]}}])
    wait_for(lambda: (kube.get("pod", f"client-{host}", namespace) or {}).get(
        "status", {}).get("phase") == "Running", what="client pod")
    argv, stdin = commands.exec_argv(cmd.invocation())
    done = kube.run("exec", "-i", "-n", namespace, f"client-{host}", "--", *argv,
                    stdin=(stdin or b"").decode(), check=False)
    assert done.returncode == 0, done.stderr
    kube.run("delete", "pod", f"client-{host}", "-n", namespace, "--grace-period=0")


def test_a_killed_kopia_server_is_noticed_recorded_and_restarted(
    kube: Kube, namespace: str, name: str, ctl: ControllerProcess, tmp_path: Path
) -> None:
    rs.filestore_setup(kube, namespace, tmp_path)
    kube.apply([rs.repositoryserver(name, namespace)])
    status = rs.wait_progress(kube, name, namespace, "Ready")
    pod = status["serverInfo"]["podName"]
    (pid,) = rs.kopia_server_pids(kube, pod, namespace)
    os.kill(pid, signal.SIGKILL)  # the server this test's RepositoryServer started
    (lost,) = rs.wait_event(ctl.store, name, namespace, "ServerProcessLost")
    assert lost.message
    rs.wait_event(ctl.store, name, namespace, "ServerReady", count=2)
    starts = [e.started for e in rs.events(ctl.store, name, namespace)
              if type(e).__name__ == "ServerInitialized"]
    assert starts == [True, True]
    (new_pid,) = rs.kopia_server_pids(kube, pod, namespace)
    assert new_pid != pid
    assert rs.status(kube, name, namespace)["serverInfo"]["podName"] == pod  # same pod kept


def test_controller_killed_mid_setup_resumes_without_repeating_steps(
    kube: Kube, namespace: str, name: str, devcluster: Any, tmp_path: Path
) -> None:
    hosts = tuple(f"client-{i}" for i in range(8))  # a long user step to be killed in
    rs.filestore_setup(kube, namespace, tmp_path, hostnames=hosts)
    work = tmp_path / "ctl"
    work.mkdir()
    first = rs.controller(Path(devcluster.kubeconfig), work)
    first.start()
    try:
        kube.apply([rs.repositoryserver(name, namespace)])
        rs.wait_event(first.store, name, namespace, "ServerInitialized")
        first.kill()
    finally:
        first.stop()
    assert "ServerReady" not in rs.kinds(first.store, name, namespace)
    second = rs.controller(Path(devcluster.kubeconfig), work)
    second.start()
    try:
        status = rs.wait_progress(kube, name, namespace, "Ready", timeout=180)
        found = rs.kinds(second.store, name, namespace)
        assert "ServerSetupResumed" in found
        for kind in ("ServerSetupRequested", "ServerServiceNamed", "ServerPodNamed",
                     "ServerSetup", "RepositoryConnected", "ServerInitialized", "ServerReady"):
            assert found.count(kind) == 1, (kind, found)
        commands_run = [e.command for e in rs.events(second.store, name, namespace)
                        if type(e).__name__ == "KopiaCommandRan"]
        assert sum(" server start " in c for c in commands_run) == 1
        users = next(e for e in rs.events(second.store, name, namespace)
                     if type(e).__name__ == "ClientUserInitialized")
        assert len(users.users) == 8
        pods = kube.run("get", "pods", "-n", namespace, "-l",
                        f"name={status['serverInfo']['serviceName']}", "-o", "name").stdout
        assert pods.split() == [f"pod/{status['serverInfo']['podName']}"]
    finally:
        rs.delete_and_wait(kube, name, namespace)
        second.stop()


def test_a_restarted_controller_rechecks_a_ready_server_without_restarting_it(
    kube: Kube, namespace: str, name: str, devcluster: Any, tmp_path: Path
) -> None:
    rs.filestore_setup(kube, namespace, tmp_path)
    first = rs.controller(Path(devcluster.kubeconfig), tmp_path)
    first.start()
    try:
        kube.apply([rs.repositoryserver(name, namespace)])
        status = rs.wait_progress(kube, name, namespace, "Ready")
    finally:
        first.stop()
    (pid,) = rs.kopia_server_pids(kube, status["serverInfo"]["podName"], namespace)
    second = rs.controller(Path(devcluster.kubeconfig), tmp_path)
    second.start()
    try:
        rs.wait_event(second.store, name, namespace, "ServerRechecked")
        found = rs.kinds(second.store, name, namespace)
        assert found.count("ServerSetupRequested") == 1
        assert found[-1] == "ServerRechecked"
        assert rs.kopia_server_pids(kube, status["serverInfo"]["podName"], namespace) == [pid]
    finally:
        rs.delete_and_wait(kube, name, namespace)
        second.stop()


def test_immutable_spec_changes_are_refused_and_deletion_is_recorded(
    kube: Kube, namespace: str, name: str, ctl: ControllerProcess, tmp_path: Path
) -> None:
    rs.filestore_setup(kube, namespace, tmp_path)
    kube.apply([rs.repositoryserver(name, namespace)])
    status = rs.wait_progress(kube, name, namespace, "Ready")
    refused = kube.run("patch", "repositoryserver", name, "-n", namespace, "--type=merge",
                       "-p", '{"spec":{"repository":{"rootPath":"/elsewhere/"}}}', check=False)
    assert refused.returncode != 0
    assert "Value is immutable" in refused.stderr
    kube.run("patch", "repositoryserver", name, "-n", namespace, "--type=merge", "-p",
             '{"spec":{"storage":{"credentialSecretRef":{"name":"other-creds"}}}}')
    (rejected,) = rs.wait_event(ctl.store, name, namespace, "ServerSpecChangeRejected")
    assert rejected.fields == ["storage"]
    assert "spec.storage cannot change" in rejected.message
    rs.wait_event(ctl.store, name, namespace, "ServerReady", count=2)  # kept the recorded one
    history = ctl.history("repositoryserver", name, "-n", namespace).stdout
    assert "spec change REJECTED (storage)" in history
    kube.run("delete", "repositoryserver", name, "-n", namespace, "--wait=true")
    rs.wait_event(ctl.store, name, namespace, "ServerDeleted")
    info = status["serverInfo"]
    wait_for(lambda: kube.get("pod", info["podName"], namespace) is None, timeout=90,
             what="the server pod to go")
    wait_for(lambda: kube.get("service", info["serviceName"], namespace) is None, timeout=90,
             what="the service to go")
