"""Every example under examples/ applied with kubectl and run through the controller.

The time-log example is the demo's: KubeExec + `kando output` backup with a deferPhase and output
artifacts, then a restore (ScaleWorkload down → KubeTask copy → ScaleWorkload up) that takes its
artifacts from the backup's status, as kanctl's `--from` does.
"""

from __future__ import annotations

import pytest
from e2e_harness import ROOT, ControllerProcess, Kube

pytestmark = pytest.mark.timeout(300)

EXAMPLES = ROOT / "examples" / "time-log"


def test_time_log_backup_then_restore_from_its_artifacts(
    kube: Kube, controller: ControllerProcess
) -> None:
    kube.apply(EXAMPLES / "app.yaml")
    kube.apply(EXAMPLES / "blueprint.yaml")
    kube.run("rollout", "status", "deployment/time-logger", "-n", "time-log", "--timeout=60s")
    kube.apply(EXAMPLES / "backup-actionset.yaml")
    backup = kube.wait_actionset("backup-time-log", "time-log")
    assert backup["status"]["state"] == "complete", backup["status"]["error"]
    artifact = backup["status"]["actions"][0]["artifacts"]["timeLog"]["keyValue"]
    assert artifact["path"].startswith("/backups/time-log-")
    assert int(artifact["lines"]) >= 1
    assert backup["status"]["actions"][0]["deferPhase"]["state"] == "complete"

    restore = {
        "apiVersion": "cr.kanister.io/v1alpha1",
        "kind": "ActionSet",
        "metadata": {"name": "restore-time-log", "namespace": "time-log"},
        "spec": {
            "actions": [
                {
                    "name": "restore",
                    "blueprint": "time-log-bp",
                    "object": {
                        "kind": "Deployment",
                        "name": "time-logger",
                        "namespace": "time-log",
                    },
                    "artifacts": backup["status"]["actions"][0]["artifacts"],
                }
            ]
        },
    }
    kube.apply([restore])
    done = kube.wait_actionset("restore-time-log", "time-log")
    assert done["status"]["state"] == "complete", done["status"]["error"]
    phases = done["status"]["actions"][0]["phases"]
    assert [p["name"] for p in phases] == ["shutdownPod", "restoreFromDisk", "bringupPod"]
    assert phases[0]["output"] == {"originalReplicaCount": 1}
    assert int(phases[1]["output"]["restoredLines"]) == int(artifact["lines"])
    deployment = kube.get("deployment", "time-logger", "time-log") or {}
    assert deployment["spec"]["replicas"] == 1
    for name in ("backup-time-log", "restore-time-log"):
        verify = controller.history("actionset", name, "-n", "time-log", "--verify")
        assert verify.returncode == 0, verify.stdout + verify.stderr
