"""`kes dev up|status|kubeconfig|down|reset` as a user runs them, in a scratch directory."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]

CRD = textwrap.dedent("""\
    apiVersion: apiextensions.k8s.io/v1
    kind: CustomResourceDefinition
    metadata: {name: blueprints.cr.kanister.io}
    spec:
      group: cr.kanister.io
      scope: Namespaced
      names: {plural: blueprints, singular: blueprint, kind: Blueprint}
      versions:
      - name: v1alpha1
        served: true
        storage: true
        schema: {openAPIV3Schema: {type: object, x-kubernetes-preserve-unknown-fields: true}}
    """)


def _kes(cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.run([sys.executable, "-m", "kes.cli", "dev", *args], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=60, check=False)


def test_up_status_down_reset(tmp_path: Path) -> None:
    (tmp_path / "deploy" / "crds").mkdir(parents=True)
    (tmp_path / "deploy" / "crds" / "blueprint.yaml").write_text(CRD)
    data_dir = tmp_path / ".kes" / "dev"
    try:
        started = _kes(tmp_path, "up", "--port", "0")
        assert started.returncode == 0, started.stderr
        lines = started.stdout.splitlines()
        assert lines[0].startswith("The kes devcluster is running at https://127.0.0.1:")
        assert lines[1] == "Installed CRDs: blueprints.cr.kanister.io."
        assert lines[2] == str(data_dir / "kubeconfig")
        config = yaml.safe_load((data_dir / "kubeconfig").read_text())
        assert config["clusters"][0]["cluster"]["server"].startswith("https://127.0.0.1:")

        again = _kes(tmp_path, "up", "--port", "0")
        assert again.returncode == 0
        assert again.stdout.startswith("The kes devcluster is already running (pid ")

        status = _kes(tmp_path, "status")
        assert status.returncode == 0
        assert "answering" in status.stdout and "not answering" not in status.stdout
        assert _kes(tmp_path, "kubeconfig").stdout.strip() == str(data_dir / "kubeconfig")
    finally:
        stopped = _kes(tmp_path, "down")
    assert stopped.stdout == "The kes devcluster stopped.\n"
    status = _kes(tmp_path, "status")
    assert status.returncode == 1
    assert status.stdout == "The kes devcluster is not running.\n"
    reset = _kes(tmp_path, "reset", "--yes")
    assert reset.returncode == 0
    assert not data_dir.exists()
    missing = _kes(tmp_path, "kubeconfig")
    assert missing.returncode == 1
    assert "run `kes dev up` first" in missing.stderr


@pytest.mark.tools("kube-apiserver", "kube-controller-manager", "kube-scheduler", "etcd")
def test_the_kubernetes_engine_up_status_down(tmp_path: Path) -> None:
    """`kes dev up --engine kubernetes`: the real control plane behind the same commands, with
    the process kubelet as a Ready node; a data directory keeps its engine."""
    (tmp_path / "deploy" / "crds").mkdir(parents=True)
    (tmp_path / "deploy" / "crds" / "blueprint.yaml").write_text(CRD)
    data_dir = tmp_path / ".kes" / "dev"
    try:
        started = _kes(tmp_path, "up", "--engine", "kubernetes", "--port", "0")
        assert started.returncode == 0, started.stderr + (data_dir / "server.log").read_text()
        lines = started.stdout.splitlines()
        assert lines[0].startswith("The Kubernetes dev cluster is running at https://127.0.0.1:")
        assert lines[1] == "Installed CRDs: blueprints.cr.kanister.io."
        status = _kes(tmp_path, "status")
        assert status.returncode == 0 and "engine: kubernetes" in status.stdout
        kubectl = [str(Path(sys.executable).parent / "kubectl"), "--kubeconfig",
                   str(data_dir / "kubeconfig")]
        version = subprocess.run([*kubectl, "version", "-o", "json"], capture_output=True,
                                 text=True, timeout=60, check=True)
        server = json.loads(version.stdout)["serverVersion"]
        assert (server["gitVersion"], server["major"], server["minor"]) == ("v1.37.2", "1", "37")
        nodes = subprocess.run([*kubectl, "get", "nodes", "-o", "jsonpath={.items[*].status."
                                "conditions[?(@.type=='Ready')].status}"], capture_output=True,
                               text=True, timeout=60, check=True)
        assert nodes.stdout == "True"
        other = _kes(tmp_path, "up", "--engine", "kes")
        assert other.returncode == 1
        assert "holds a cluster of the kubernetes engine" in other.stderr
    finally:
        stopped = _kes(tmp_path, "down")
    assert stopped.stdout == "The Kubernetes dev cluster stopped.\n"
    assert _kes(tmp_path, "status").returncode == 1
