"""RepositoryServer with the real kopia on the local cluster: Ready with every condition, on a
filesystem repository and on moto's S3; Kanister's command sequence; `kes history`.

The pods of the local cluster share the machine's network, so only one kopia server can
listen on 51515 at a time: each test deletes its server (and waits for its pod) before the
next one starts (docs/devcluster.md).
"""

from __future__ import annotations

import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import reposerver_harness as rs
from e2e_harness import ControllerProcess, Kube
from s3_harness import ACCESS_KEY_ID as S3_KEY_ID
from s3_harness import SECRET_ACCESS_KEY as S3_SECRET

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


@pytest.fixture(params=["filesystem", "s3"])
def server(
    request: pytest.FixtureRequest, kube: Kube, namespace: str,
    rs_controller: ControllerProcess, tmp_path: Path,
) -> Iterator[str]:
    """A RepositoryServer on a repository the test made: on a PVC, or on moto's S3."""
    if request.param == "filesystem":
        rs.make_pvc_repository(kube, namespace, claim="kopia-repo", prefix="pfx", work=tmp_path)
        secrets = rs.server_secrets(
            namespace,
            # The architecture document's keys: `file-store`, `path`.
            location={"type": "file-store", "path": "pfx", "claimName": "kopia-repo"},
            credentials=("secrets.kanister.io/filestore", {}),
        )
    else:
        s3 = request.getfixturevalue("moto_s3")
        bucket = s3.bucket("kes-kopia")
        rs.make_s3_repository(endpoint=s3.endpoint, bucket=bucket, prefix="pfx",
                              access_key=S3_KEY_ID, secret_key=S3_SECRET, home=tmp_path)
        secrets = rs.server_secrets(
            namespace,
            location={"type": "s3Compliant", "bucket": bucket, "endpoint": s3.endpoint,
                      "prefix": "pfx", "region": "us-east-1"},
            # The document's (misspelt) AWS keys: the pod's env must name them.
            credentials=("secrets.kanister.io/aws",
                         {"access-key": S3_KEY_ID, "secret-acccess-key": S3_SECRET}),
        )
    kube.apply(secrets)
    name = f"repo-{uuid.uuid4().hex[:6]}"
    kube.apply([rs.repositoryserver(name, namespace)])
    try:
        yield name
    finally:
        rs.delete_and_wait(kube, name, namespace)


def test_server_becomes_ready_with_every_condition(
    kube: Kube, namespace: str, server: str, rs_controller: ControllerProcess
) -> None:
    status = rs.wait_progress(kube, server, namespace, "Ready")
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
            "RepositoryServer", server, True)
    history = rs_controller.history("repositoryserver", server, "-n", namespace)
    assert history.returncode == 0, history.stderr
    text = history.stdout
    for event in ("ServerSecretsRead", "ServerServiceNamed", "ServerPodNamed", "ServerSetup",
                  "RepositoryConnected", "ServerInitialized", "ClientUserInitialized",
                  "ServerRefreshed", "ServerReady"):
        assert event in text, event
    assert "design-document" in text  # each backend reads one secret in the document's form
    assert "repository connect" in text and "server start" in text
    assert "server user add kanisteruser@client-a" in text
    for password in (rs.REPO_PASSWORD, rs.ADMIN_PASSWORD, rs.USER_PASSWORD, S3_SECRET):
        assert password not in text
    assert rs_controller.history("repositoryserver", server, "-n", namespace,
                                 "--verify").returncode == 0


WRITE_DATA = (
    "mkdir -p /data/sub && head -c 3000000 /dev/urandom > /data/big.bin && "
    "for i in $(seq 1 50); do echo line-$i > /data/sub/f$i.txt; done && "
    "ln -sf big.bin /data/link"
)
CHECKSUMS = "cd /data && find . -type f -exec sha256sum {} + | sort && readlink link"


def test_backup_destroy_restore_delete_through_the_server(
    kube: Kube, namespace: str, server: str, rs_controller: ControllerProcess
) -> None:
    rs.wait_progress(kube, server, namespace, "Ready")
    kube.apply(rs.application(namespace))
    kube.run("rollout", "status", "deployment/app", "-n", namespace, "--timeout=90s")
    rs.in_app(kube, namespace, WRITE_DATA)
    before = rs.in_app(kube, namespace, CHECKSUMS)
    assert before.count("\n") == 52
    kube.apply([rs.blueprint(namespace),
                rs.actionset("backup", namespace, action="backup", server=server)])
    backup = kube.wait_actionset("backup", namespace, timeout=180)
    assert backup["status"]["state"] == "complete", backup["status"]
    output = backup["status"]["actions"][0]["phases"][0]["output"]
    assert len(output["backupID"]) == 32
    assert output["size"].endswith(" MB") and output["size"] != "0 B", output
    artifacts = backup["status"]["actions"][0]["artifacts"]
    assert artifacts["snapshot"]["keyValue"]["id"] == output["backupID"]

    rs.in_app(kube, namespace, "rm -rf /data/* && ls -A /data | wc -l")
    assert rs.in_app(kube, namespace, "ls -A /data | wc -l").strip() == "0"
    kube.apply([rs.actionset("restore", namespace, action="restore", server=server,
                             artifacts=artifacts)])
    restore = kube.wait_actionset("restore", namespace, timeout=180)
    assert restore["status"]["state"] == "complete", restore["status"]
    assert rs.in_app(kube, namespace, CHECKSUMS) == before

    listing = _snapshots_seen_by_the_client(kube, namespace)
    assert output["backupID"] in listing
    kube.apply([rs.actionset("delete", namespace, action="delete", server=server,
                             artifacts=artifacts)])
    delete = kube.wait_actionset("delete", namespace, timeout=180)
    assert delete["status"]["state"] == "complete", delete["status"]
    assert output["backupID"] not in _snapshots_seen_by_the_client(kube, namespace)

    history = rs_controller.history("actionset", "backup", "-n", namespace).stdout
    assert "BackupDataUsingKopiaServer" in history
    assert rs.USER_PASSWORD not in history


def _snapshots_seen_by_the_client(kube: Kube, namespace: str) -> str:
    """kopia's own `snapshot list --all --json`, as the backup's user, in the app pod."""
    config = "/tmp/kopia-repository/client-a.config"
    log_dir = "/tmp/kopia-log/client-a"
    return rs.in_app(kube, namespace, f"kopia --config-file={config} --log-dir={log_dir} "
                     "snapshot list --all --json")


def test_kes_repositoryserver_create_waits_until_ready(
    kube: Kube, namespace: str, rs_controller: ControllerProcess, tmp_path: Path
) -> None:
    rs.filestore_setup(kube, namespace, tmp_path)
    base = [sys.executable, "-m", "kes.cli", "repositoryserver", "create",
            "--kubeconfig", str(kube.kubeconfig), "-n", namespace,
            "-t", "repository-server-tls", "-u", "kanisteruser",
            "-s", "repository-server-user-access", "-a", "repository-server-admin",
            "-r", "repository-password", "-p", rs.ROOT_PATH, "-k", "kanister-admin",
            "-l", "location", "-c", "location-creds"]
    bad = subprocess.run([*base[:-2], "-c", f"{namespace}/location-creds"],
                         capture_output=True, text=True, timeout=60, check=False)
    assert bad.returncode != 0
    assert (f"Invalid secret name {namespace}/location-creds, it should not be of the form "
            "namespace/name )") in bad.stderr
    done = subprocess.run([*base, "--wait", "--wait-timeout", "3m"], capture_output=True,
                          text=True, timeout=300, check=False)
    lines = done.stdout.splitlines()
    name = lines[0].split("/", 1)[1].removesuffix(" created") if lines else ""
    try:
        assert done.returncode == 0, done.stderr
        assert lines == [
            f"repositoryservers.cr.kanister.io/{name} created",
            "Waiting for the kopia repository server CR to be in ready state...",
            f"repositoryservers.cr.kanister.io/{name} is ready.",
        ]
        assert name.startswith("kopia-repo-server-")
        spec = (kube.get("repositoryserver", name, namespace) or {})["spec"]
        assert spec["repository"]["hostname"] == "localhost"
        assert spec["repository"]["username"] == "kanister-admin"
        assert spec["server"]["userAccess"]["username"] == "kanisteruser"
    finally:
        if name:
            rs.delete_and_wait(kube, name, namespace)
