"""RepositoryServer with the real kopia on the local cluster: Ready with every condition, on a
filesystem repository and on moto's S3; Kanister's command sequence; `kes history`.

The pods of the local cluster share the machine's network, so only one kopia server can
listen on 51515 at a time: each test deletes its server (and waits for its pod) before the
next one starts (docs/devcluster.md).
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import reposerver_harness as rs
from e2e_harness import ControllerProcess, Kube

pytestmark = pytest.mark.tools("kopia")

CONDITIONS = [
    ("ServerSetup", "KopiaRepositoryServerSetupSucceeded"),
    ("RepositoryConnected", "KopiaRepositoryConnectionSucceeded"),
    ("ServerInitialized", "KopiaRepositoryServerInitializationSucceeded"),
    ("ClientUserInitialized", "ClientInitializationSucceeded"),
    ("ServerRefreshed", "ServerRefreshed"),
]


@pytest.fixture(scope="module")
def rs_controller(
    devcluster: Any, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[ControllerProcess]:
    work = tmp_path_factory.mktemp("rs-controller")
    process = ControllerProcess(
        kubeconfig=Path(devcluster.kubeconfig), store=work / "store.sqlite3",
        log=work / "controller.log",
        extra=["--phase-timeout", "180s", "--repositoryserver-check-interval", "1s"],
    )
    process.start()
    try:
        yield process
    finally:
        process.stop()


@pytest.fixture
def filestore_server(
    kube: Kube, namespace: str, rs_controller: ControllerProcess, tmp_path: Path
) -> Iterator[str]:
    rs.make_pvc_repository(kube, namespace, claim="kopia-repo", prefix="pfx", work=tmp_path)
    kube.apply(rs.server_secrets(
        namespace,
        # The architecture document's keys: `file-store`, `path`.
        location={"type": "file-store", "path": "pfx", "claimName": "kopia-repo"},
        credentials=("secrets.kanister.io/filestore", {}),
    ))
    name = f"repo-{uuid.uuid4().hex[:6]}"
    kube.apply([rs.repositoryserver(name, namespace)])
    try:
        yield name
    finally:
        rs.delete_and_wait(kube, name, namespace)


def test_filesystem_server_becomes_ready_with_every_condition(
    kube: Kube, namespace: str, filestore_server: str, rs_controller: ControllerProcess
) -> None:
    status = rs.wait_progress(kube, filestore_server, namespace, "Ready")
    assert [(c["type"], c["status"], c["reason"]) for c in status["conditions"]] == [
        (kind, "True", reason) for kind, reason in CONDITIONS]
    info = status["serverInfo"]
    assert info["serviceName"].startswith("repo-server-service-")
    assert info["podName"].startswith("repo-server-pod-")
    service = kube.get("service", info["serviceName"], namespace)
    assert service is not None
    assert service["spec"]["ports"][0]["port"] == 51515
    assert service["spec"]["selector"] == {"name": info["serviceName"]}
    pod = kube.get("pod", info["podName"], namespace)
    assert pod is not None
    for owned in (service, pod):
        (ref,) = owned["metadata"]["ownerReferences"]
        assert (ref["kind"], ref["name"], ref["controller"]) == (
            "RepositoryServer", filestore_server, True)
    history = rs_controller.history("repositoryserver", filestore_server, "-n", namespace)
    assert history.returncode == 0, history.stderr
    text = history.stdout
    for event in ("ServerSecretsRead", "ServerServiceNamed", "ServerPodNamed", "ServerSetup",
                  "RepositoryConnected", "ServerInitialized", "ClientUserInitialized",
                  "ServerRefreshed", "ServerReady"):
        assert event in text, event
    assert "design-document" in text
    assert "repository connect" in text and "server start" in text
    assert "server user add kanisteruser@client-a" in text
    for password in (rs.REPO_PASSWORD, rs.ADMIN_PASSWORD, rs.USER_PASSWORD):
        assert password not in text
    assert rs_controller.history("repositoryserver", filestore_server, "-n", namespace,
                                 "--verify").returncode == 0
