"""Every example under examples/ applied with kubectl and run through the controller.

The time-log example is the demo's: BackupData of the log directory into a restic repository (a
filestore Profile, here a directory of the test), the log destroyed, RestoreData from the
backup's artifacts (as kanctl's `--from` passes them) while the Deployment is scaled down, then
DeleteData. restic itself, run by the test, confirms the snapshot, its content and its deletion.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml
from e2e_harness import ROOT, ControllerProcess, Kube, wait_for
from restic_harness import direct_restic, filestore_profile, repository_of, snapshots

pytestmark = [pytest.mark.timeout(300), pytest.mark.tools("restic")]

EXAMPLES = ROOT / "examples" / "time-log"
NAMESPACE = "time-log"
DEMO_KEY = "change-me-time-log-demo-key"


def _log(kube: Kube) -> str:
    """The log file as the running time-logger pod sees it."""
    listed = kube.run(
        "get",
        "pods",
        "-n",
        NAMESPACE,
        "-l",
        "app=time-logger",
        "--field-selector=status.phase=Running",
        "-o",
        "jsonpath={.items[*].metadata.name}",
    ).stdout.split()
    assert listed, "no running time-logger pod"
    return kube.run("exec", "-n", NAMESPACE, listed[0], "--", "cat", "/time-log/time.log").stdout


def _from(backup: dict[str, object], action: str, name: str) -> dict[str, object]:
    status = backup["status"]
    assert isinstance(status, dict)
    return {
        "apiVersion": "cr.kanister.io/v1alpha1",
        "kind": "ActionSet",
        "metadata": {"name": name, "namespace": NAMESPACE},
        "spec": {
            "actions": [
                {
                    "name": action,
                    "blueprint": "time-log-bp",
                    "object": {"kind": "Deployment", "name": "time-logger", "namespace": NAMESPACE},
                    "profile": {"name": "time-log-repository", "namespace": NAMESPACE},
                    "secrets": {"restic": {"name": "time-log-restic", "namespace": NAMESPACE}},
                    "artifacts": status["actions"][0]["artifacts"],
                }
            ]
        },
    }


def test_time_log_backup_destroy_restore_delete(
    kube: Kube, controller: ControllerProcess, tmp_path: Path
) -> None:
    root = tmp_path / "repository"
    repository_docs = list(yaml.safe_load_all((EXAMPLES / "repository.yaml").read_text()))
    repository_docs[0]["location"]["bucket"] = str(root)
    kube.apply(EXAMPLES / "app.yaml")
    kube.apply(repository_docs)
    kube.apply(EXAMPLES / "blueprint.yaml")
    kube.run("rollout", "status", "deployment/time-logger", "-n", NAMESPACE, "--timeout=60s")
    wait_for(lambda: _log(kube).count("\n") >= 2, what="two lines in the log")

    kube.apply(EXAMPLES / "backup-actionset.yaml")
    backup = kube.wait_actionset("backup-time-log", NAMESPACE)
    assert backup["status"]["state"] == "complete", backup["status"].get("error")
    output = backup["status"]["actions"][0]["phases"][0]["output"]
    artifact = backup["status"]["actions"][0]["artifacts"]["timeLog"]["keyValue"]
    assert artifact == {
        "path": f"{root}/time-log",
        "backupID": output["backupID"],
        "backupTag": output["backupTag"],
    }
    assert output["fileCount"] == "1" and output["version"] == "v0.0.0"
    repository = repository_of(filestore_profile(root), artifact["path"])
    [snapshot] = snapshots(repository, DEMO_KEY)
    assert snapshot["short_id"] == output["backupID"] and snapshot["paths"] == ["/time-log"]
    backed_up = direct_restic(
        repository, DEMO_KEY, "dump", output["backupID"], "/time-log/time.log"
    ).stdout
    assert backed_up.count("\n") >= 2

    pod = kube.run(
        "get",
        "pods",
        "-n",
        NAMESPACE,
        "-l",
        "app=time-logger",
        "-o",
        "jsonpath={.items[0].metadata.name}",
    ).stdout
    kube.run("exec", "-n", NAMESPACE, pod, "--", "sh", "-c", "echo lost > /time-log/time.log")
    assert _log(kube).startswith("lost\n")

    kube.apply([_from(backup, "restore", "restore-time-log")])
    restored = kube.wait_actionset("restore-time-log", NAMESPACE)
    assert restored["status"]["state"] == "complete", restored["status"].get("error")
    phases = restored["status"]["actions"][0]["phases"]
    assert [p["name"] for p in phases] == ["shutdownPod", "restoreFromRepository", "bringupPod"]
    assert phases[0]["output"] == {"originalReplicaCount": 1}
    kube.run("rollout", "status", "deployment/time-logger", "-n", NAMESPACE, "--timeout=60s")
    # The backed-up bytes, exactly, followed by what the restarted logger appended since.
    log = _log(kube)
    assert log.startswith(backed_up) and "lost" not in log

    kube.apply([_from(backup, "delete", "delete-time-log")])
    deleted = kube.wait_actionset("delete-time-log", NAMESPACE)
    assert deleted["status"]["state"] == "complete", deleted["status"].get("error")
    freed = deleted["status"]["actions"][0]["phases"][0]["output"]["spaceFreed"]
    assert int(freed.removesuffix(" B")) > 0
    assert snapshots(repository, DEMO_KEY) == []

    for name in ("backup-time-log", "restore-time-log", "delete-time-log"):
        verify = controller.history("actionset", name, "-n", NAMESPACE, "--verify")
        assert verify.returncode == 0, verify.stdout + verify.stderr
        history = controller.history("actionset", name, "-n", NAMESPACE, "--json").stdout
        assert DEMO_KEY not in history and '"encryptionKey": "***"' in json.dumps(
            [json.loads(line) for line in history.splitlines()]
        )
    assert DEMO_KEY not in kube.run("get", "actionsets", "-n", NAMESPACE, "-o", "json").stdout
    assert DEMO_KEY not in kube.run("get", "events", "-n", NAMESPACE, "-o", "json").stdout
    assert DEMO_KEY not in controller.log.read_text()
